// The approval state machine. Every decision locks the approval row first, so the same button pressed
// twice or two approvers pressing together produce exactly one decision; the loser is told who won.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { FlowContext } from '../core/context.ts';
import { refuse, refuseAudited, refuseInput } from '../core/errors.ts';
import type { Queryable } from '../db/client.ts';
import { approvalEvents, approvalSeats, approvals, people } from '../db/schema.ts';
import type { StepPlan, SubjectType } from './policy.ts';
import { type Holder, holderOf, holdersOf, mayHold, SEAT_NAMES, seatLabel } from './seats.ts';

export type Approval = typeof approvals.$inferSelect;
export type Seat = typeof approvalSeats.$inferSelect;

export type DelegateTarget = Holder;

/** Refuses a decider who no longer holds the seat's role (demoted, moved, gone) though still listed on it. */
function refuseUnseated(number: string, seat: Seat): never {
  const role = SEAT_NAMES[seat.label] ?? { en: seat.label, zh: seat.label };
  return refuseAudited(
    {
      action: 'denied',
      entity: 'approval',
      ref: number,
      detail: { reason: 'no longer holds the seat', seat: seat.label },
    },
    `You no longer hold the role this decision needs (${role.en.toLowerCase()}), so you cannot decide ${number}; nothing was changed. An admin's role change sends it to whoever holds the role now.`,
    `您已不再担任此审批所需的角色（${role.zh}），不能处理 ${number}，未做任何修改。管理员调整角色后，审批会转给现任人员。`,
  );
}

/** Opens an approval: resolves every seat now, so a missing approver is found at submit time, not later. */
export async function openApproval(
  ctx: FlowContext,
  input: {
    subjectType: SubjectType;
    subjectId: number;
    subjectRef: string;
    reason?: string | null;
    payload?: Record<string, unknown>;
    plan: StepPlan[];
  },
): Promise<Approval> {
  const open = await ctx.tx
    .select({ number: approvals.number })
    .from(approvals)
    .where(
      and(
        eq(approvals.subjectType, input.subjectType),
        eq(approvals.subjectId, input.subjectId),
        eq(approvals.state, 'pending'),
      ),
    );
  if (open[0])
    refuse(
      `${input.subjectRef} is already waiting for approval ${open[0].number}.`,
      `${input.subjectRef} 已在审批中（${open[0].number}）。`,
    );
  const resolved: { step: number; seat: number; mode: string; label: string; eligible: number[] }[] = [];
  for (const [i, step] of input.plan.entries()) {
    for (const [j, rule] of step.seats.entries()) {
      const eligible = await holdersOf(ctx.tx, rule, ctx.actor.personId);
      if (eligible.length === 0) {
        const who = rule.kind === 'head' ? `${rule.dept} head` : 'sales manager';
        const whoZh = rule.kind === 'head' ? `${rule.dept} 部门负责人` : '销售经理';
        refuse(
          `Nobody can approve this: there is no ${who} other than you. Ask an admin to assign the role.`,
          `无人可以审批：除您之外没有${whoZh}。请管理员设置角色。`,
        );
      }
      resolved.push({ step: i + 1, seat: j + 1, mode: step.mode, label: seatLabel(rule), eligible });
    }
  }
  const number = await ctx.nextNumber('A');
  const [approval] = await ctx.tx
    .insert(approvals)
    .values({
      number,
      subjectType: input.subjectType,
      subjectId: input.subjectId,
      subjectRef: input.subjectRef,
      requesterId: ctx.actor.personId,
      reason: input.reason ?? null,
      payload: input.payload ?? {},
      stepCount: input.plan.length,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    })
    .returning();
  await ctx.tx.insert(approvalSeats).values(
    resolved.map((r) => ({
      approvalId: approval!.id,
      stepNo: r.step,
      seatNo: r.seat,
      mode: r.mode,
      label: r.label,
      eligible: r.eligible,
      state: r.step === 1 ? 'open' : 'waiting',
    })),
  );
  await event(ctx, approval!.id, 1, 'submit', input.reason ?? null);
  await ctx.audit('approval.submit', 'approval', number, { subject: input.subjectRef });
  return approval!;
}

/**
 * Locks the approvals' reminder occurrences still to fire, in id order. Whatever changes an approval takes
 * these before the approval row, in the order the firing of reminders takes them (src/schedule/fire.ts
 * claims occurrences, then a hook may lock the approval to mark it overdue): taken the other way round,
 * a decision holding the approval and waiting to cancel an occurrence, and a firing holding that occurrence
 * and waiting for the approval, deadlock. Held, the firing skips or waits for them and finds them
 * cancelled; one being fired right now is waited for, so its reminder is out before the decision is made.
 */
export async function lockApprovalReminders(db: Queryable, numbers: string[]): Promise<void> {
  if (numbers.length === 0) return;
  await db.execute(sql`
    select o.id from reminder_occurrences o
    join reminders r on r.id = o.reminder_id
    where r.subject_type = 'approval' and r.subject_ref = any(${`{${numbers.join(',')}}`}::text[])
      and o.state = 'scheduled'
    order by o.id
    for update of o`);
}

/** With `forUpdate`, locked as every change locks it: its reminder occurrences first, then the row. */
export async function loadApproval(ctx: FlowContext, number: string, forUpdate = false): Promise<Approval> {
  if (forUpdate) await lockApprovalReminders(ctx.tx, [number]);
  const q = ctx.tx.select().from(approvals).where(eq(approvals.number, number));
  const [row] = forUpdate ? await q.for('update') : await q;
  return row ?? refuseInput(`There is no approval ${number}.`, `审批 ${number} 不存在。`);
}

export async function seatsOf(ctx: FlowContext, approvalId: number): Promise<Seat[]> {
  return ctx.tx
    .select()
    .from(approvalSeats)
    .where(eq(approvalSeats.approvalId, approvalId))
    .orderBy(asc(approvalSeats.stepNo), asc(approvalSeats.seatNo));
}

async function event(
  ctx: FlowContext,
  approvalId: number,
  stepNo: number | null,
  kind: string,
  note: string | null,
  target?: number,
) {
  await ctx.tx.insert(approvalEvents).values({
    approvalId,
    stepNo,
    personId: ctx.actor.personId,
    kind,
    note,
    targetPersonId: target ?? null,
    at: ctx.now,
  });
}

async function nameOf(ctx: FlowContext, id: number | null): Promise<string> {
  if (!id) return '?';
  const [p] = await ctx.tx.select({ name: people.name }).from(people).where(eq(people.id, id));
  return p?.name ?? '?';
}

/** Refuses, politely and with who/when, a decision on an approval that is no longer pending. */
async function refuseClosed(ctx: FlowContext, a: Approval): Promise<never> {
  const by = await nameOf(ctx, a.decidedBy);
  const at = ctx.fmtDate(a.decidedAt, true);
  const states: Record<string, [string, string]> = {
    approved: ['approved', '批准'],
    rejected: ['rejected', '驳回'],
    withdrawn: ['withdrawn', '撤回'],
  };
  const [en, zh] = states[a.state] ?? [a.state, a.state];
  return refuse(
    `${a.number} was already ${en} by ${by} at ${at}.`,
    `${a.number} 已由 ${by} 于 ${at} ${zh}。`,
  );
}

export type Decision = {
  approval: Approval;
  /** 'approved' / 'rejected' when the whole approval ended with this decision. */
  finished: 'approved' | 'rejected' | null;
  /** The step that opened because this one completed, with the people who now decide. */
  opened: { stepNo: number; approvers: number[] } | null;
};

export async function decide(
  ctx: FlowContext,
  number: string,
  verdict: 'approve' | 'reject',
  note: string | null,
): Promise<Decision> {
  const a = await loadApproval(ctx, number, true);
  if (a.state !== 'pending') return refuseClosed(ctx, a);
  if (a.requesterId === ctx.actor.personId) {
    refuseAudited(
      { action: 'denied', entity: 'approval', ref: number, detail: { reason: 'self-approval' } },
      'You cannot approve or reject your own request.',
      '不能审批自己提交的申请。',
    );
  }
  if (verdict === 'reject' && !note) refuse('Say why: reason="…".', '请填写驳回原因：原因=…。');
  const seats = await seatsOf(ctx, a.id);
  const step = seats.filter((s) => s.stepNo === a.currentStep);
  const mine = step.find((s) => s.state === 'open' && s.eligible.includes(ctx.actor.personId));
  if (!mine) {
    const done = step.find((s) => s.eligible.includes(ctx.actor.personId) && s.decidedBy);
    if (done) {
      const by = await nameOf(ctx, done.decidedBy);
      return refuse(
        `This step was already decided by ${by} at ${ctx.fmtDate(done.decidedAt, true)}.`,
        `此步骤已由 ${by} 于 ${ctx.fmtDate(done.decidedAt, true)} 处理。`,
      );
    }
    return refuseAudited(
      {
        action: 'denied',
        entity: 'approval',
        ref: number,
        detail: { reason: 'not an approver of the current step' },
      },
      `You are not an approver of ${number} at this step; nothing was changed.`,
      `您不是 ${number} 当前步骤的审批人，未做任何修改。`,
    );
  }
  // The role is checked as it is now: approvers were listed at submission, and roles change.
  const me = await holderOf(ctx.tx, ctx.actor.personId);
  if (!me || !mayHold(mine.label, me)) refuseUnseated(number, mine);
  await ctx.tx
    .update(approvalSeats)
    .set({
      state: verdict === 'approve' ? 'approved' : 'rejected',
      decidedBy: ctx.actor.personId,
      decidedAt: ctx.now,
      note,
    })
    .where(eq(approvalSeats.id, mine.id));
  await event(ctx, a.id, a.currentStep, verdict, note);
  await ctx.audit(`approval.${verdict}`, 'approval', number, { step: a.currentStep, note });

  const finish = async (state: 'approved' | 'rejected'): Promise<Decision> => {
    const [updated] = await ctx.tx
      .update(approvals)
      .set({
        state,
        decidedBy: ctx.actor.personId,
        decidedAt: ctx.now,
        decisionNote: note,
        updatedAt: ctx.now,
      })
      .where(eq(approvals.id, a.id))
      .returning();
    // Seats nobody needs any more are closed, so no card keeps a live button for them.
    await ctx.tx
      .update(approvalSeats)
      .set({ state: 'skipped' })
      .where(and(eq(approvalSeats.approvalId, a.id), inArray(approvalSeats.state, ['open', 'waiting'])));
    return { approval: updated!, finished: state, opened: null };
  };

  if (verdict === 'reject') return finish('rejected');
  const stepDone = mine.mode === 'any' || step.every((s) => s.id === mine.id || s.state === 'approved');
  if (!stepDone) return { approval: a, finished: null, opened: null };
  await ctx.tx
    .update(approvalSeats)
    .set({ state: 'skipped' })
    .where(
      and(
        eq(approvalSeats.approvalId, a.id),
        eq(approvalSeats.stepNo, a.currentStep),
        eq(approvalSeats.state, 'open'),
      ),
    );
  if (a.currentStep >= a.stepCount) return finish('approved');
  const next = a.currentStep + 1;
  await ctx.tx
    .update(approvalSeats)
    .set({ state: 'open' })
    .where(and(eq(approvalSeats.approvalId, a.id), eq(approvalSeats.stepNo, next)));
  const [updated] = await ctx.tx
    .update(approvals)
    .set({ currentStep: next, updatedAt: ctx.now })
    .where(eq(approvals.id, a.id))
    .returning();
  const approvers = [...new Set(seats.filter((s) => s.stepNo === next).flatMap((s) => s.eligible))];
  return { approval: updated!, finished: null, opened: { stepNo: next, approvers } };
}

export async function withdraw(ctx: FlowContext, number: string): Promise<Approval> {
  const a = await loadApproval(ctx, number, true);
  if (a.state !== 'pending') return refuseClosed(ctx, a);
  if (a.requesterId !== ctx.actor.personId) {
    refuse(`Only the person who asked can withdraw ${number}.`, `只有申请人可以撤回 ${number}。`);
  }
  const [updated] = await ctx.tx
    .update(approvals)
    .set({ state: 'withdrawn', decidedBy: ctx.actor.personId, decidedAt: ctx.now, updatedAt: ctx.now })
    .where(eq(approvals.id, a.id))
    .returning();
  await ctx.tx
    .update(approvalSeats)
    .set({ state: 'skipped' })
    .where(and(eq(approvalSeats.approvalId, a.id), inArray(approvalSeats.state, ['open', 'waiting'])));
  await event(ctx, a.id, a.currentStep, 'withdraw', null);
  await ctx.audit('approval.withdraw', 'approval', number);
  return updated!;
}

/** Passes the actor's open seat to someone of the same or higher role; recorded as an event. */
export async function delegate(ctx: FlowContext, number: string, to: DelegateTarget): Promise<Approval> {
  const a = await loadApproval(ctx, number, true);
  if (a.state !== 'pending') return refuseClosed(ctx, a);
  const seats = await seatsOf(ctx, a.id);
  const mine = seats.filter(
    (s) => s.stepNo === a.currentStep && s.state === 'open' && s.eligible.includes(ctx.actor.personId),
  );
  if (mine.length === 0) {
    refuseAudited(
      { action: 'denied', entity: 'approval', ref: number, detail: { reason: 'delegate by non-approver' } },
      `You have no open decision on ${number} to hand over.`,
      `您在 ${number} 上没有可转交的待审批事项。`,
    );
  }
  if (to.id === a.requesterId)
    refuse('The requester cannot approve their own request.', '不能转交给申请人本人。');
  if (to.id === ctx.actor.personId) refuse('That is you.', '不能转交给自己。');
  if (!to.active) refuse('That person has left.', '该人员已离职。');
  const me = await holderOf(ctx.tx, ctx.actor.personId);
  for (const s of mine) if (!me || !mayHold(s.label, me)) refuseUnseated(number, s);
  // The one who receives must be able to hold the seat itself (its role or one above), as judged now.
  if (!mine.every((s) => mayHold(s.label, to))) {
    refuse(
      'Delegate to someone with the same or a higher role than this decision needs.',
      '只能转交给担任此审批所需角色或更高角色的人员。',
    );
  }
  for (const s of mine) {
    const eligible = [...s.eligible.filter((id) => id !== ctx.actor.personId && id !== to.id), to.id];
    await ctx.tx.update(approvalSeats).set({ eligible }).where(eq(approvalSeats.id, s.id));
  }
  await event(ctx, a.id, a.currentStep, 'delegate', null, to.id);
  await ctx.audit('approval.delegate', 'approval', number, { to: to.id });
  return a;
}
