// Where system reminders come from (policy 4.1.3, R-CHAN-2): delivery dates, follow-ups, waiting approvals,
// quote expiry and the weekly digest. Each is created in the transaction of the change that causes it and
// cancelled by the change that makes it moot; hooks decide at firing time what is still worth saying.
import { and, count, eq, gte, isNull } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { createContext, type FlowContext } from '../core/context.ts';
import { loadOrg } from '../core/org.ts';
import { toActor } from '../core/people.ts';
import type { Queryable, Tx } from '../db/client.ts';
import { approvals, leadFollowups, leads, orders, people, type quotes, reminders } from '../db/schema.ts';
import { managerDigest } from '../leads/digest.ts';
import { addWorkingHours, calendarAround, nextWorkingDay } from '../schedule/calendar.ts';
import { cancelReminders, createReminder, createReminderForRole } from '../schedule/create.ts';
import { registerFireHook } from '../schedule/hooks.ts';
import { rerenderApproval } from './approval-card.ts';

/** Waiting approvals: remind after this many working hours, escalate after that many (policy defaults). */
export const APPROVAL_REMIND_HOURS = 4;
export const APPROVAL_ESCALATE_HOURS = 24;

async function salesManagers(db: Queryable): Promise<number[]> {
  const rows = await db
    .select({ id: people.id })
    .from(people)
    .where(and(eq(people.role, 'sales_manager'), eq(people.active, true)));
  return rows.map((r) => r.id);
}

/** Local date at 09:00 in the zone, `days` from the given date. */
function morning(date: string, days: number, zone: string): Date {
  return DateTime.fromISO(date, { zone }).plus({ days }).set({ hour: 9, minute: 0 }).toJSDate();
}

// ---- orders: 3 days before, 1 day before and on the day; overdue daily after -------------------------

export async function scheduleDeliveryReminders(
  ctx: FlowContext,
  order: typeof orders.$inferSelect,
): Promise<void> {
  if (!order.deliveryDate) return;
  const zone = ctx.org.timezone;
  const subject = { type: 'order', ref: order.number };
  const due = [-3, -1, 0].map((d) => morning(order.deliveryDate!, d, zone)).filter((t) => t > ctx.now);
  const text = {
    en: `Order ${order.number} is due for delivery on ${order.deliveryDate}${order.deliveryPlace ? ` at ${order.deliveryPlace}` : ''}.`,
    zh: `订单 ${order.number} 交期 ${order.deliveryDate}${order.deliveryPlace ? `，交货地点 ${order.deliveryPlace}` : ''}。`,
  };
  if (due.length) {
    await createReminder(
      ctx.tx,
      {
        kind: 'delivery',
        subject,
        target: { kind: 'person', personId: order.ownerId },
        text,
        timezone: zone,
      },
      due,
    );
    for (const code of ['sales', 'production', 'logistics'] as const) {
      await createReminder(
        ctx.tx,
        { kind: 'delivery', subject, target: { kind: 'department', code }, text, timezone: zone },
        due,
      );
    }
  }
  // Overdue: every morning after the date until it ships, to the owner and the sales managers.
  const overdue = {
    en: `Order ${order.number} has not shipped and was due on ${order.deliveryDate}.`,
    zh: `订单 ${order.number} 交期 ${order.deliveryDate} 已过，尚未发货。`,
  };
  const first = morning(order.deliveryDate, 1, zone);
  const daily = { kind: 'overdue', subject, text: overdue, repeat: 'daily@09:00', timezone: zone };
  await createReminder(ctx.tx, { ...daily, target: { kind: 'person', personId: order.ownerId } }, [first]);
  await createReminderForRole(ctx.tx, daily, { role: 'sales_manager', except: [order.ownerId] }, [first]);
}

export async function cancelDeliveryReminders(ctx: FlowContext, orderRef: string): Promise<void> {
  await cancelReminders(ctx.tx, { type: 'order', ref: orderRef }, ['delivery', 'overdue']);
}

// ---- lead follow-ups: at the due time to the rep; a working day later to the managers --------------

export async function scheduleFollowup(
  ctx: FlowContext,
  lead: typeof leads.$inferSelect,
  dueAt: Date | null,
  step: string | null,
  opts: { newLead?: boolean } = {},
): Promise<void> {
  // A lead created in this command has no reminders yet to cancel.
  const cancelling = opts.newLead
    ? null
    : cancelReminders(ctx.tx, { type: 'lead', ref: lead.number }, ['followup', 'followup_escalation']);
  if (!dueAt || !lead.ownerId) {
    await cancelling;
    return;
  }
  const zone = ctx.org.timezone;
  const subject = { type: 'lead', ref: lead.number };
  const what = step ? { en: `: ${step}`, zh: `：${step}` } : { en: '', zh: '' };
  // The cancel, the rep's reminder and the calendar read go out together (in this order: the cancel must
  // not meet the new reminder); the escalation needs the calendar.
  const [, , cal] = await Promise.all([
    cancelling,
    createReminder(
      ctx.tx,
      {
        kind: 'followup',
        subject,
        target: { kind: 'person', personId: lead.ownerId },
        text: {
          en: `Follow up lead ${lead.number}${what.en}. Record it: lead follow ${lead.number} note="…"`,
          zh: `跟进线索 ${lead.number}${what.zh}。记录：线索 跟进 ${lead.number} 备注=…`,
        },
        timezone: zone,
        urgent: true,
      },
      [dueAt],
    ),
    calendarAround(ctx.tx, dueAt),
  ]);
  const local = DateTime.fromJSDate(dueAt, { zone });
  const later = nextWorkingDay(local, cal).set({ hour: local.hour, minute: local.minute }).toJSDate();
  await createReminderForRole(
    ctx.tx,
    {
      kind: 'followup_escalation',
      subject,
      text: {
        en: `Lead ${lead.number} was due for follow-up a working day ago and nothing was recorded.`,
        zh: `线索 ${lead.number} 的跟进已逾期一个工作日，尚无记录。`,
      },
      timezone: zone,
    },
    { role: 'sales_manager', except: [lead.ownerId] },
    [later],
  );
}

export async function cancelFollowups(ctx: FlowContext, leadRef: string): Promise<void> {
  await cancelReminders(ctx.tx, { type: 'lead', ref: leadRef }, ['followup', 'followup_escalation']);
}

// ---- approvals: a reminder after N working hours, an escalation after M ---------------------------

export async function scheduleApprovalReminders(
  ctx: FlowContext,
  a: typeof approvals.$inferSelect,
  approvers: number[],
): Promise<void> {
  await cancelReminders(ctx.tx, { type: 'approval', ref: a.number }, ['approval', 'approval_escalation']);
  const zone = ctx.org.timezone;
  const cal = await calendarAround(ctx.tx, ctx.now);
  const subject = { type: 'approval', ref: a.number };
  const remindAt = addWorkingHours(ctx.now, APPROVAL_REMIND_HOURS, zone, cal);
  const escalateAt = addWorkingHours(ctx.now, APPROVAL_ESCALATE_HOURS, zone, cal);
  for (const personId of approvers) {
    await createReminder(
      ctx.tx,
      {
        kind: 'approval',
        subject,
        target: { kind: 'person', personId },
        text: {
          en: `${a.number} (${a.subjectRef}) is waiting for your decision: approval show ${a.number}`,
          zh: `${a.number}（${a.subjectRef}）等待您审批：审批 查看 ${a.number}`,
        },
        timezone: zone,
        urgent: true,
      },
      [remindAt],
    );
  }
  // Escalation goes to a sales manager who is not already deciding; failing that, to management's chat.
  const escalation = {
    kind: 'approval_escalation',
    subject,
    text: {
      en: `${a.number} (${a.subjectRef}) has waited ${APPROVAL_ESCALATE_HOURS} working hours for a decision.`,
      zh: `${a.number}（${a.subjectRef}）已等待审批 ${APPROVAL_ESCALATE_HOURS} 个工作小时。`,
    },
    timezone: zone,
    urgent: true,
  };
  const except = [...approvers, ...(a.requesterId === null ? [] : [a.requesterId])];
  const reached = await createReminderForRole(ctx.tx, escalation, { role: 'sales_manager', except }, [
    escalateAt,
  ]);
  if (reached === 0)
    await createReminder(ctx.tx, { ...escalation, target: { kind: 'department', code: 'management' } }, [
      escalateAt,
    ]);
}

export async function cancelApprovalReminders(ctx: FlowContext, approvalRef: string): Promise<void> {
  await cancelReminders(ctx.tx, { type: 'approval', ref: approvalRef }, ['approval', 'approval_escalation']);
}

// ---- quotes: a warning two days before validity ends -------------------------------------------------

export async function scheduleQuoteExpiry(ctx: FlowContext, q: typeof quotes.$inferSelect): Promise<void> {
  if (!q.validUntil) return;
  const at = morning(q.validUntil, -2, ctx.org.timezone);
  if (at <= ctx.now) return;
  await createReminder(
    ctx.tx,
    {
      kind: 'quote_expiry',
      subject: { type: 'quote', ref: q.number },
      target: { kind: 'person', personId: q.ownerId },
      text: {
        en: `Quote ${q.number} expires on ${q.validUntil}.`,
        zh: `报价 ${q.number} 将于 ${q.validUntil} 过期。`,
      },
      timezone: ctx.org.timezone,
    },
    [at],
  );
}

export async function cancelQuoteExpiry(ctx: FlowContext, quoteRef: string): Promise<void> {
  await cancelReminders(ctx.tx, { type: 'quote', ref: quoteRef }, ['quote_expiry']);
}

// ---- the weekly digest, Monday 09:00, per sales manager (R-LEAD-4) -----------------------------------

/** Every active sales manager has one digest reminder; run at start and when roles change. */
export async function ensureDigests(db: Queryable, zone: string): Promise<void> {
  const managers = await salesManagers(db);
  const have = await db
    .select({ personId: reminders.targetPersonId })
    .from(reminders)
    .where(and(eq(reminders.kind, 'digest'), eq(reminders.state, 'active')));
  const missing = managers.filter((id) => !have.some((h) => h.personId === id));
  for (const personId of missing) {
    const first = DateTime.now().setZone(zone).startOf('week').plus({ weeks: 1 }).set({ hour: 9 }).toJSDate();
    await createReminder(
      db,
      {
        kind: 'digest',
        target: { kind: 'person', personId },
        text: { en: 'Weekly digest', zh: '每周汇总' },
        repeat: 'weekly:1@09:00',
        timezone: zone,
      },
      [first],
    );
  }
}

// ---- what is still worth saying when a reminder fires -------------------------------------------------

export function registerReminderHooks(): void {
  // Each manager's own team, computed when it fires (R-LEAD-4).
  registerFireHook('digest', async (tx, r, _o, now) =>
    r.targetPersonId ? { text: await managerDigest(tx, r.targetPersonId, now, r.timezone) } : { skip: true },
  );
  // A follow-up escalation stands down if the rep recorded a follow-up since the due time was set.
  registerFireHook('followup_escalation', async (tx, r) => {
    const [lead] = await tx
      .select()
      .from(leads)
      .where(eq(leads.number, r.subjectRef ?? ''));
    if (!lead || !['assigned', 'following'].includes(lead.status)) return { skip: true };
    const [recent] = await tx
      .select({ n: count() })
      .from(leadFollowups)
      .where(and(eq(leadFollowups.leadId, lead.id), gte(leadFollowups.createdAt, r.createdAt)));
    return (recent?.n ?? 0) > 0 ? { skip: true } : undefined;
  });
  // Overdue stops by itself once the order ships, completes or is cancelled (a safety net for cancelReminders).
  registerFireHook('overdue', async (tx, r) => {
    const [o] = await tx
      .select({ status: orders.status })
      .from(orders)
      .where(eq(orders.number, r.subjectRef ?? ''));
    if (!o || !['confirmed', 'in_production'].includes(o.status)) {
      await tx.update(reminders).set({ state: 'done' }).where(eq(reminders.id, r.id));
      return { skip: true };
    }
    return undefined;
  });
  registerFireHook('approval', async (tx, r) => stillPending(tx, r.subjectRef));
  // Escalation also marks the approval overdue, and its card says so everywhere it was posted. A decision
  // holds the approval's occurrences before the approval (approvals/engine.ts lockApprovalReminders), so
  // this one, claimed, is never waiting here for a decision that waits for it; still pending is checked
  // again on the row as updated.
  registerFireHook('approval_escalation', async (tx, r, _o, now) => {
    const waiting = await stillPending(tx, r.subjectRef);
    if (waiting) return waiting;
    const [a] = await tx
      .update(approvals)
      .set({ overdueAt: now })
      .where(
        and(
          eq(approvals.number, r.subjectRef ?? ''),
          eq(approvals.state, 'pending'),
          isNull(approvals.overdueAt),
        ),
      )
      .returning();
    if (a) {
      const [requester] = await tx.select().from(people).where(eq(people.id, a.requesterId));
      const org = await loadOrg(tx);
      const chat = { platform: 'system', tenant: '', chatId: 'scheduler', kind: 'dm' as const };
      const ctx = createContext({ tx, actor: toActor(requester!, null, org), chat, now, org });
      await rerenderApproval(ctx, a);
    }
    return undefined;
  });
}

async function stillPending(tx: Tx, ref: string | null) {
  const [a] = await tx
    .select({ state: approvals.state })
    .from(approvals)
    .where(eq(approvals.number, ref ?? ''));
  return a?.state === 'pending' ? undefined : ({ skip: true } as const);
}
