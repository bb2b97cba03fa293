// Finance's collection plan and payment ledger (policy 3.3, R-ORD-3): `order plan` turns the payment terms
// into instalments with due dates and amounts, each payment is a ledger row put against the instalments
// in order, and finance and the rep are reminded on each due date and every morning while one is overdue.
import { asc, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { k } from '../commands/keys.ts';
import type { Actor } from '../core/actor.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse } from '../core/errors.ts';
import { privateNote, type Reveal, reveal } from '../core/visibility.ts';
import { orderInstalments, orderPayments, orders } from '../db/schema.ts';
import { readTerms, splitAmount, type TermPart } from '../orders/payment-terms.ts';
import { cancelReminders, createReminder } from '../schedule/create.ts';
import { command, field, label, loadOrder } from './common.ts';

type Order = Awaited<ReturnType<typeof loadOrder>>;
type Instalment = typeof orderInstalments.$inferSelect;

export const inFinance = (a: Actor) =>
  a.role === 'admin' || (a.department === 'finance' && (a.role === 'head' || a.role === 'member'));

const subjectOf = (o: { number: string }, seq: number) => ({ type: 'instalment', ref: `${o.number}/${seq}` });

/** The day an instalment falls due: today for an advance, delivery (+ days) when the order has a date. */
function dueDateOf(part: TermPart, o: Order, today: string): string | null {
  if (part.due.kind === 'advance') return today;
  if (part.due.kind === 'date') return part.due.date;
  const delivery = o.expectedDate ?? o.deliveryDate;
  if (!delivery) return null;
  return DateTime.fromISO(delivery).plus({ days: part.due.days }).toISODate();
}

async function instalmentsOf(ctx: FlowContext, orderId: number): Promise<Instalment[]> {
  return ctx.tx
    .select()
    .from(orderInstalments)
    .where(eq(orderInstalments.orderId, orderId))
    .orderBy(asc(orderInstalments.seq));
}

/** Due-day and overdue reminders for one instalment: finance's chat and the owner (who sees the amount). */
async function scheduleCollection(ctx: FlowContext, o: Order, inst: Instalment): Promise<void> {
  if (!inst.dueDate) return;
  const zone = ctx.org.timezone;
  const morning = (days: number) =>
    DateTime.fromISO(inst.dueDate!, { zone }).plus({ days }).set({ hour: 9, minute: 0 }).toJSDate();
  const subject = subjectOf(o, inst.seq);
  // No amount in the text: finance's group chat reads it (amounts are masked in groups); order show has it.
  const due = {
    en: `Instalment ${inst.seq} of ${o.number} (${inst.label}) is due today. Record it with: order paid ${o.number} amount=…`,
    zh: `${o.number} 第 ${inst.seq} 期（${inst.label}）今天到期。到账后登记：订单 收款 ${o.number} 金额=…`,
  };
  const late = {
    en: `Instalment ${inst.seq} of ${o.number} (${inst.label}) was due on ${inst.dueDate} and is not fully paid.${o.latePaymentRule ? ` Late-payment rule: ${o.latePaymentRule}.` : ''}`,
    zh: `${o.number} 第 ${inst.seq} 期（${inst.label}）应于 ${inst.dueDate} 收款，尚未收齐。${o.latePaymentRule ? `逾期规定：${o.latePaymentRule}。` : ''}`,
  };
  const targets = [
    { kind: 'department', code: 'finance' } as const,
    { kind: 'person', personId: o.ownerId } as const,
  ];
  for (const target of targets) {
    const at = morning(0);
    if (at > ctx.now)
      await createReminder(
        ctx.tx,
        { kind: 'collection', subject, target, text: due, timezone: zone, urgent: true },
        [at],
      );
    const first =
      morning(1) > ctx.now ? morning(1) : DateTime.fromJSDate(ctx.now).plus({ minutes: 1 }).toJSDate();
    await createReminder(
      ctx.tx,
      {
        kind: 'collection_overdue',
        subject,
        target,
        text: late,
        repeat: 'daily@09:00',
        timezone: zone,
      },
      [first],
    );
  }
}

async function cancelCollection(ctx: FlowContext, o: { number: string }, seq: number): Promise<void> {
  await cancelReminders(ctx.tx, subjectOf(o, seq), ['collection', 'collection_overdue']);
}

/** Plan lines for order show: each instalment's amount, due day and state, and what is outstanding. */
export async function collectionFields(ctx: FlowContext, o: Order, r: Reveal) {
  const l = ctx.locale;
  const plan = await instalmentsOf(ctx, o.id);
  const payments = await ctx.tx
    .select()
    .from(orderPayments)
    .where(eq(orderPayments.orderId, o.id))
    .orderBy(asc(orderPayments.id));
  if (r.show('prices') === 'omitted') return [];
  const today = DateTime.fromJSDate(ctx.now, { zone: ctx.org.timezone }).toISODate()!;
  const out = plan.map((i) => {
    const state =
      i.paidMinor >= i.amountMinor
        ? label(l, 'paid', '已收齐')
        : i.dueDate && i.dueDate < today
          ? label(l, 'OVERDUE', '已逾期')
          : i.paidMinor > 0n
            ? label(
                l,
                `part paid (${r.money('paid', i.paidMinor)})`,
                `部分收款（${r.money('paid', i.paidMinor)}）`,
              )
            : label(l, 'open', '未收');
    const due = i.dueDate ?? label(l, 'on delivery (no date yet)', '交货时（尚无日期）');
    return field(
      label(l, `Instalment ${i.seq}`, `第 ${i.seq} 期`),
      `${r.money('plan', i.amountMinor)} · ${i.label} · ${label(l, 'due', '到期')} ${due} · ${state}`,
    );
  });
  for (const p of payments)
    out.push(
      field(
        label(l, `Payment ${p.paidOn}`, `收款 ${p.paidOn}`),
        [r.money('paid', p.amountMinor), p.method, p.reference].filter(Boolean).join(' · '),
      ),
    );
  out.push(field(label(l, 'Outstanding', '未收金额'), r.money('outstanding', o.totalMinor - o.paidMinor)));
  return out;
}

/**
 * A payment put against the instalments: the one named, else the earliest not fully paid, spilling over
 * to the next. Instalments paid in full stop reminding. Returns the instalments it touched.
 */
export async function applyPayment(
  ctx: FlowContext,
  o: Order,
  payment: {
    amountMinor: bigint;
    paidOn: string;
    method?: string;
    reference?: string;
    note?: string;
    instalment?: number;
  },
): Promise<number[]> {
  await ctx.tx.insert(orderPayments).values({
    orderId: o.id,
    amountMinor: payment.amountMinor,
    paidOn: payment.paidOn,
    method: payment.method ?? null,
    reference: payment.reference ?? null,
    note: payment.note ?? null,
    personId: ctx.actor.personId,
    at: ctx.now,
  });
  const plan = await instalmentsOf(ctx, o.id);
  if (plan.length === 0) return [];
  if (payment.instalment !== undefined && !plan.some((i) => i.seq === payment.instalment))
    refuse(
      `${o.number} has instalments 1 to ${plan.length}; there is no instalment ${payment.instalment}.`,
      `${o.number} 共 ${plan.length} 期，没有第 ${payment.instalment} 期。`,
    );
  const order = [
    ...plan.filter((i) => i.seq === payment.instalment),
    ...plan.filter((i) => i.seq !== payment.instalment),
  ];
  let left = payment.amountMinor;
  const touched: number[] = [];
  for (const i of order) {
    if (left === 0n) break;
    const open = i.amountMinor - i.paidMinor;
    if (open <= 0n) continue;
    const put = left < open ? left : open;
    left -= put;
    touched.push(i.seq);
    await ctx.tx
      .update(orderInstalments)
      .set({ paidMinor: i.paidMinor + put })
      .where(eq(orderInstalments.id, i.id));
    if (put === open) await cancelCollection(ctx, o, i.seq);
  }
  return touched;
}

const plan = command({
  noun: 'order',
  verbs: ['plan'],
  ref: { kind: 'order', required: true },
  keys: { terms: k.text(300).optional() },
  usage: {
    en: 'order plan SO-0001 [terms="30% advance, 70% on delivery"]',
    zh: '订单 收款计划 SO-0001 [条款="30%预付，70%货到付款"]',
  },
  summary: {
    en: 'the collection plan: instalments with due dates and amounts, from the payment terms (finance)',
    zh: '收款计划：按付款条款生成各期金额和到期日（财务部）',
  },
  allow: inFinance,
  async run(ctx, { ref, args }) {
    const o = await loadOrder(ctx, ref!, true);
    if (['draft', 'pending', 'cancelled'].includes(o.status))
      refuse(
        `${o.number} is ${o.status}: a collection plan is made for an approved order.`,
        `${o.number} 尚未批准或已取消，审批通过后才能制定收款计划。`,
      );
    const terms = args.terms ?? o.paymentTerms;
    if (!terms)
      refuse(
        `${o.number} has no payment terms. Give them: order plan ${o.number} terms="30% advance, 70% on delivery"`,
        `${o.number} 没有付款条款。请写明：订单 收款计划 ${o.number} 条款="30%预付，70%货到付款"`,
      );
    const read = readTerms(terms!);
    if (!read.ok)
      refuse(
        read.problem === 'sum'
          ? `The shares in "${terms}" add up to ${read.near}%, not 100%.`
          : `I cannot read "${read.near}" as a share and when it is due. Write e.g. terms="30% advance, 70% on delivery" or "50% 2026-12-20, 50% 30 days after delivery".`,
        read.problem === 'sum'
          ? `“${terms}”各期比例合计 ${read.near}%，不是 100%。`
          : `无法识别“${read.near}”的比例和到期时间。例如：条款="30%预付，70%货到付款" 或 "50% 2026-12-20，50% 交货后30天"。`,
      );
    const before = await instalmentsOf(ctx, o.id);
    if (before.some((i) => i.paidMinor > 0n))
      refuse(
        `Payments are already recorded against ${o.number}'s plan; it stays as it is.`,
        `${o.number} 的收款计划已有到账记录，不能再改。`,
      );
    for (const i of before) await cancelCollection(ctx, o, i.seq);
    await ctx.tx.delete(orderInstalments).where(eq(orderInstalments.orderId, o.id));
    const parts = read.ok ? read.parts : [];
    const amounts = splitAmount(
      o.totalMinor,
      parts.map((p) => p.percent),
    );
    const today = DateTime.fromJSDate(ctx.now, { zone: ctx.org.timezone }).toISODate()!;
    const rows = await ctx.tx
      .insert(orderInstalments)
      .values(
        parts.map((p, i) => ({
          orderId: o.id,
          seq: i + 1,
          label: p.label,
          dueDate: dueDateOf(p, o, today),
          amountMinor: amounts[i]!,
          createdAt: ctx.now,
        })),
      )
      .returning();
    for (const inst of rows) await scheduleCollection(ctx, o, inst);
    await ctx.tx.update(orders).set({ paymentTerms: terms!, updatedAt: ctx.now }).where(eq(orders.id, o.id));
    await ctx.history('order', o.id, [
      {
        field: 'collection_plan',
        from: before.length ? `${before.length}` : null,
        to: parts.map((p) => `${p.percent}% ${p.label}`).join(', '),
      },
    ]);
    await ctx.audit('order.plan', 'order', o.number, { terms, instalments: rows.length });
    const r = reveal(ctx, { kind: 'deal', ownerId: o.ownerId });
    const lines = rows.map(
      (i, n) =>
        `  ${i.seq}. ${parts[n]!.percent}% ${r.money('plan', i.amountMinor)} · ${i.label} · ${i.dueDate ?? label(ctx.locale, 'on delivery (no date yet)', '交货时（尚无日期）')}`,
    );
    const note = r.masked ? `\n${privateNote(ctx.locale)}` : '';
    return {
      text: `${ctx.t({ en: `Collection plan for ${o.number}: ${rows.length} instalment(s). Finance and the owner are reminded on each due date.`, zh: `已制定 ${o.number} 收款计划：共 ${rows.length} 期，各期到期日提醒财务部和负责人。` })}\n${lines.join('\n')}${note}`,
    };
  },
});

export const orderCollectionCommands = [plan];
