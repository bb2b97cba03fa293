// After approval (R-ORD-3/4): departments acknowledge, production reports progress and delays, logistics
// ships with a tracking number, finance records payments, sales completes. Each step is told to whoever
// needs it, and the order's history is its timeline.
import { and, eq, isNotNull } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { DepartmentCode } from '../commands/keys.ts';
import { k } from '../commands/keys.ts';
import type { Actor } from '../core/actor.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse } from '../core/errors.ts';
import { isSales, isStaff } from '../core/permissions.ts';
import { privateNote, reveal } from '../core/visibility.ts';
import { customers, departments, distributions, orders, people } from '../db/schema.ts';
import { recordTransfer } from '../kpi/transfers.ts';
import { command, DEPARTMENT_NAMES, label, loadOrder } from './common.ts';
import { acknowledge } from './distribution.ts';
import { illegal, orderContent, ownOrder, setOrderStatus } from './order-approval.ts';
import { applyPayment } from './order-collection.ts';
import { cancelDeliveryReminders } from './reminder-sources.ts';

const inDept = (dept: DepartmentCode) => (a: Actor) =>
  a.role === 'admin' || (a.department === dept && (a.role === 'head' || a.role === 'member'));

type Order = Awaited<ReturnType<typeof loadOrder>>;

async function customerName(ctx: FlowContext, o: Order): Promise<string> {
  const [c] = await ctx.tx
    .select({ number: customers.number, name: customers.name })
    .from(customers)
    .where(eq(customers.id, o.customerId));
  return c ? `${c.number} ${c.name}` : '';
}

async function tellOwner(ctx: FlowContext, o: Order, en: string, zh: string): Promise<void> {
  if (o.ownerId !== ctx.actor.personId)
    await ctx.out.send({ kind: 'person', personId: o.ownerId }, (l) => ({ text: label(l, en, zh) }));
}

async function tellManagers(ctx: FlowContext, en: string, zh: string): Promise<void> {
  const managers = await ctx.tx
    .select({ id: people.id })
    .from(people)
    .where(and(eq(people.role, 'sales_manager'), eq(people.active, true)));
  for (const m of managers) {
    if (m.id !== ctx.actor.personId)
      await ctx.out.send({ kind: 'person', personId: m.id }, (l) => ({ text: label(l, en, zh) }));
  }
}

const ack = command({
  noun: 'order',
  verbs: ['ack', 'accept'],
  ref: { kind: 'order', required: true },
  keys: { note: k.text(1000).optional() },
  usage: {
    en: 'order ack SO-0001 [note="collection plan: 30% on 12-10"]',
    zh: '订单 确认收到 SO-0001 [备注="收款计划：12-10 收 30%"]',
  },
  summary: {
    en: 'acknowledge an order sent to your department (with how you handle it)',
    zh: '确认收到发给本部门的订单（可注明处理方式）',
  },
  allow: isStaff,
  async run(ctx, { ref, args }) {
    const o = await loadOrder(ctx, ref!);
    const content = await orderContent(ctx, o.number, { en: `Order ${o.number}`, zh: `订单 ${o.number}` });
    const r = await acknowledge(ctx, { type: 'order', id: o.id, ref: o.number }, args.note ?? null, content);
    if (!r)
      refuse(
        `${o.number} was not sent to your department for acknowledgement.`,
        `${o.number} 没有发给您的部门确认收到。`,
      );
    if (r && 'already' in r) {
      return {
        text: ctx.t({
          en: `Already acknowledged by ${r.already.by} at ${r.already.at}.`,
          zh: `已由 ${r.already.by} 于 ${r.already.at} 确认收到。`,
        }),
      };
    }
    const dept = DEPARTMENT_NAMES[r!.department];
    await ctx.audit('order.ack', 'order', o.number, {
      department: r!.department,
      kind: r!.kind,
      note: args.note,
    });
    await ctx.history('order', o.id, [
      { field: `ack.${r!.kind}.${r!.department}`, from: null, to: args.note ?? 'ok' },
    ]);
    await tellOwner(
      ctx,
      o,
      `${dept.en} acknowledged ${o.number} (${ctx.actor.name})${args.note ? `: ${args.note}` : ''}.`,
      `${dept.zh}已确认收到 ${o.number}（${ctx.actor.name}）${args.note ? `：${args.note}` : ''}。`,
    );
    return {
      text: ctx.t({
        en: `Acknowledged ${o.number} for ${dept.en}.`,
        zh: `已代表${dept.zh}确认收到 ${o.number}。`,
      }),
    };
  },
});

const progress = command({
  noun: 'order',
  verbs: ['progress'],
  ref: { kind: 'order', required: true },
  keys: { note: k.text(1000) },
  usage: {
    en: 'order progress SO-0001 note="half of the units built"',
    zh: '订单 进度 SO-0001 备注="已完成一半"',
  },
  summary: { en: 'report production progress (production)', zh: '报告生产进度（生产部）' },
  allow: inDept('production'),
  async run(ctx, { ref, args }) {
    const o = await loadOrder(ctx, ref!, true);
    if (!['confirmed', 'in_production'].includes(o.status)) illegal(o, 'reported on', '报告进度');
    if (o.status === 'confirmed') await setOrderStatus(ctx, o, 'in_production');
    await ctx.history('order', o.id, [{ field: 'progress', from: null, to: args.note }]);
    await ctx.audit('order.progress', 'order', o.number);
    await tellOwner(ctx, o, `Production on ${o.number}: ${args.note}`, `${o.number} 生产进度：${args.note}`);
    return {
      text: ctx.t({
        en: `Progress recorded on ${o.number}; sales was told.`,
        zh: `已记录 ${o.number} 的进度并告知销售。`,
      }),
    };
  },
});

const delay = command({
  noun: 'order',
  verbs: ['delay'],
  ref: { kind: 'order', required: true },
  keys: { until: k.date(), reason: k.text(1000) },
  usage: {
    en: 'order delay SO-0001 until=2027-01-20 reason="chip shortage"',
    zh: '订单 延期 SO-0001 延至=2027-01-20 原因="芯片短缺"',
  },
  summary: {
    en: 'report a production delay; sales and the manager are alerted at once',
    zh: '报告生产延误，立即通知销售和经理',
  },
  allow: inDept('production'),
  async run(ctx, { ref, args }) {
    const o = await loadOrder(ctx, ref!, true);
    if (!['confirmed', 'in_production'].includes(o.status)) illegal(o, 'delayed', '报告延期');
    const until = ctx.date(args.until).date;
    if (o.deliveryDate && until <= o.deliveryDate)
      refuse(
        `until=${until} is not later than the delivery date ${o.deliveryDate}.`,
        `延至 ${until} 不晚于交期 ${o.deliveryDate}。`,
      );
    await ctx.tx.update(orders).set({ expectedDate: until, updatedAt: ctx.now }).where(eq(orders.id, o.id));
    await ctx.history('order', o.id, [
      { field: 'expected_date', from: o.expectedDate, to: until },
      { field: 'delay_reason', from: null, to: args.reason },
    ]);
    await ctx.audit('order.delay', 'order', o.number, { until });
    const who = await customerName(ctx, o);
    const en = `⚠️ Delay on ${o.number} (${who}): now expected ${until} instead of ${o.deliveryDate ?? '—'} — ${args.reason} (${ctx.actor.name})`;
    const zh = `⚠️ ${o.number}（${who}）延误：预计 ${until}（原交期 ${o.deliveryDate ?? '—'}）——${args.reason}（${ctx.actor.name}）`;
    await tellOwner(ctx, o, en, zh);
    await tellManagers(ctx, en, zh);
    await ctx.out.send({ kind: 'department', code: 'sales' }, (l) => ({ text: label(l, en, zh) }));
    return {
      text: ctx.t({
        en: `Delay recorded on ${o.number}; sales and the sales manager were alerted. To move the delivery date itself, sales files: order change ${o.number} delivery=${until} reason="…"`,
        zh: `已记录 ${o.number} 延误并通知销售和销售经理。如需正式变更交期，由销售提交：订单 变更 ${o.number} 交期=${until} 原因=…`,
      }),
    };
  },
});

/**
 * Policy 3.3.3: production builds the order to its plan and reports progress; logistics then delivers it.
 * So an order ships only after production acknowledged it (took it into its plan); shipping first would
 * leave production's work unrecorded and its later reports refused.
 */
async function refuseUnbuilt(ctx: FlowContext, o: Order): Promise<void> {
  const [acked] = await ctx.tx
    .select({ at: distributions.ackedAt })
    .from(distributions)
    .innerJoin(departments, eq(departments.id, distributions.departmentId))
    .where(
      and(
        eq(distributions.subjectType, 'order'),
        eq(distributions.subjectId, o.id),
        eq(distributions.kind, 'order'),
        eq(departments.code, 'production'),
        isNotNull(distributions.ackedAt),
      ),
    )
    .limit(1);
  if (acked) return;
  refuse(
    `${o.number} cannot ship yet: production has not acknowledged it. Production plans and builds an order first, then logistics ships it (policy 3.3.3). Production acknowledges with: order ack ${o.number}`,
    `${o.number} 暂不能发货：生产部尚未确认收到该订单。按制度（3.3.3）先由生产部安排生产，再由物流部发货。生产部确认收到：订单 确认收到 ${o.number}`,
  );
}

const ship = command({
  noun: 'order',
  verbs: ['ship'],
  ref: { kind: 'order', required: true },
  keys: { tracking: k.text(100), carrier: k.text(100).optional(), note: k.text(500).optional() },
  usage: {
    en: 'order ship SO-0001 tracking=SF1234567890 carrier=SF',
    zh: '订单 发货 SO-0001 运单号=SF1234567890 承运商=顺丰',
  },
  summary: {
    en: 'record shipment with the tracking number (logistics); sales and service are told',
    zh: '记录发货和运单号（物流部），通知销售和客服',
  },
  allow: inDept('logistics'),
  async run(ctx, { ref, args }) {
    const o = await loadOrder(ctx, ref!, true);
    if (!['confirmed', 'in_production'].includes(o.status)) illegal(o, 'shipped', '发货');
    await refuseUnbuilt(ctx, o);
    await cancelDeliveryReminders(ctx, o.number);
    await setOrderStatus(ctx, o, 'shipped', {
      tracking: args.tracking,
      carrier: args.carrier ?? null,
      shippedAt: ctx.now,
    });
    await ctx.history('order', o.id, [
      {
        field: 'tracking',
        from: o.tracking,
        to: `${args.carrier ? `${args.carrier} ` : ''}${args.tracking}`,
      },
    ]);
    await ctx.audit('order.ship', 'order', o.number, { tracking: args.tracking });
    const who = await customerName(ctx, o);
    const en = `🚚 ${o.number} (${who}) shipped: ${args.carrier ? `${args.carrier} ` : ''}${args.tracking}${args.note ? ` — ${args.note}` : ''}`;
    const zh = `🚚 ${o.number}（${who}）已发货：${args.carrier ? `${args.carrier} ` : ''}${args.tracking}${args.note ? `——${args.note}` : ''}`;
    await tellOwner(ctx, o, en, zh);
    await ctx.out.send({ kind: 'department', code: 'service' }, (l) => ({ text: label(l, en, zh) }));
    // Measured (R-KPI-1): the shipment reaching sales (the owning rep) and customer service.
    const subject = { type: 'order', id: o.id, ref: o.number };
    if (o.ownerId !== ctx.actor.personId)
      await recordTransfer(ctx, 'shipment', subject, { personId: o.ownerId });
    await recordTransfer(ctx, 'shipment', subject, { department: 'service' });
    return {
      text: ctx.t({
        en: `${o.number} marked shipped (${args.tracking}); sales and customer service were told.`,
        zh: `${o.number} 已标记发货（${args.tracking}），已通知销售和客服。`,
      }),
    };
  },
});

const paid = command({
  noun: 'order',
  verbs: ['paid'],
  ref: { kind: 'order', required: true },
  keys: {
    amount: k.money(),
    instalment: k.text(3).optional(),
    method: k.text(50).optional(),
    reference: k.text(100).optional(),
    on: k.day().optional(),
    note: k.text(500).optional(),
  },
  usage: {
    en: 'order paid SO-0001 amount=2130 [instalment=1] [method=transfer] [ref=BOC-7781] [on=yesterday] [note=…]',
    zh: '订单 收款 SO-0001 金额=2130 [期=1] [方式=银行转账] [凭证=BOC-7781] [到账日=昨天] [备注=…]',
  },
  summary: { en: 'record a payment received (finance)', zh: '记录到账款项（财务部）' },
  allow: inDept('finance'),
  async run(ctx, { ref, args }) {
    const o = await loadOrder(ctx, ref!, true);
    if (['draft', 'pending', 'cancelled'].includes(o.status)) illegal(o, 'paid', '登记收款');
    const total = o.paidMinor + args.amount;
    if (args.amount <= 0n) refuse('The amount must be more than zero.', '金额必须大于零。');
    // Amounts in replies follow the order's visibility: a finance group chat gets ¥•••.
    const r = reveal(ctx, { kind: 'deal', ownerId: o.ownerId });
    if (total > o.totalMinor) {
      refuse(
        `That would make ${r.money('paid', total)} paid on a total of ${r.money('total', o.totalMinor)}; check the amount.`,
        `登记后已收 ${r.money('paid', total)}，超过总价 ${r.money('total', o.totalMinor)}，请核对金额。`,
      );
    }
    const instalment = args.instalment === undefined ? undefined : Number(args.instalment);
    if (instalment !== undefined && !(Number.isInteger(instalment) && instalment > 0))
      refuse('instalment= is a number: instalment=1.', '期= 应为数字：期=1。');
    const today = DateTime.fromJSDate(ctx.now, { zone: ctx.org.timezone }).toISODate()!;
    const paidOn = args.on ? ctx.date(args.on).date : today;
    if (paidOn > today)
      refuse(
        'A payment is recorded once it has arrived: on= is not in the future.',
        '到账后再登记：到账日不能是将来的日期。',
      );
    const touched = await applyPayment(ctx, o, {
      amountMinor: args.amount,
      paidOn,
      ...(args.method ? { method: args.method } : {}),
      ...(args.reference ? { reference: args.reference } : {}),
      ...(args.note ? { note: args.note } : {}),
      ...(instalment !== undefined ? { instalment } : {}),
    });
    await ctx.tx.update(orders).set({ paidMinor: total, updatedAt: ctx.now }).where(eq(orders.id, o.id));
    await ctx.history('order', o.id, [
      { field: 'paid_minor', from: o.paidMinor, to: total },
      ...(args.note ? [{ field: 'payment_note', from: null, to: args.note }] : []),
    ]);
    await ctx.audit('order.paid', 'order', o.number, { amount: args.amount.toString() });
    const left = o.totalMinor - total;
    await tellOwner(
      ctx,
      o,
      `💰 ${o.number}: ${ctx.money(args.amount)} received; ${left === 0n ? 'fully paid' : `${ctx.money(left)} outstanding`}.`,
      `💰 ${o.number}：收到 ${ctx.money(args.amount)}，${left === 0n ? '已全部付清' : `尚欠 ${ctx.money(left)}`}。`,
    );
    const paid = r.money('paid', total);
    const of = r.money('total', o.totalMinor);
    const note = r.masked ? ` ${privateNote(ctx.locale)}` : '';
    return {
      text: ctx.t({
        en: `Payment recorded on ${o.number}: ${paid} of ${of} paid${touched.length ? ` (instalment ${touched.join(', ')})` : ''}.${note}`,
        zh: `已登记 ${o.number} 收款：已收 ${paid} / ${of}${touched.length ? `（第 ${touched.join('、')} 期）` : ''}。${note}`,
      }),
    };
  },
});

const complete = command({
  noun: 'order',
  verbs: ['complete'],
  ref: { kind: 'order', required: true },
  keys: { note: k.text(500).optional() },
  usage: { en: 'order complete SO-0001', zh: '订单 完成 SO-0001' },
  summary: { en: 'complete a shipped order', zh: '完成已发货的订单' },
  allow: isSales,
  async run(ctx, { ref, args }) {
    const o = await loadOrder(ctx, ref!, true);
    ownOrder(ctx, o);
    if (o.status !== 'shipped') illegal(o, 'completed', '完成');
    await setOrderStatus(ctx, o, 'completed', { completedAt: ctx.now });
    await cancelDeliveryReminders(ctx, o.number);
    if (args.note)
      await ctx.history('order', o.id, [{ field: 'completion_note', from: null, to: args.note }]);
    await ctx.audit('order.complete', 'order', o.number);
    const open = o.totalMinor - o.paidMinor;
    const r = reveal(ctx, { kind: 'deal', ownerId: o.ownerId });
    const unpaid = r.money('outstanding', open);
    const warn =
      open > 0n
        ? ctx.t({
            en: ` Note: ${unpaid} is still unpaid.${r.masked ? ` ${privateNote('en')}` : ''}`,
            zh: `注意：尚有 ${unpaid} 未收款。${r.masked ? privateNote('zh') : ''}`,
          })
        : '';
    return { text: ctx.t({ en: `${o.number} completed.${warn}`, zh: `${o.number} 已完成。${warn}` }) };
  },
});

export const orderExecutionCommands = [ack, progress, delay, ship, paid, complete];
