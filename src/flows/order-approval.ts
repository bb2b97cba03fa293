// An order's way through approval (R-ORD-2/5/6): submit for the sales manager; once approved it is
// distributed to marketing, service, finance and production. Changes need the affected heads (会签);
// cancellations the sales manager; every department that had the order is told.
import { asc, eq } from 'drizzle-orm';
import type { SubjectSummary } from '../approvals/card.ts';
import { CHANGE_SIGNERS } from '../approvals/policy.ts';
import type { CardField } from '../cards/card.ts';
import type { DepartmentCode } from '../commands/keys.ts';
import { k } from '../commands/keys.ts';
import type { LineItem } from '../commands/values.ts';
import { boundChatKey, chatsOfDepartments } from '../core/chat-departments.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse } from '../core/errors.ts';
import { isSales, isSalesManager } from '../core/permissions.ts';
import { Reveal, type Show, type Viewer } from '../core/visibility.ts';
import { customers, orderItems, orders } from '../db/schema.ts';
import { type Locale, pick } from '../i18n/locale.ts';
import { submitForApproval } from './approval.ts';
import { command, DEPARTMENT_NAMES, field, label, loadOrder } from './common.ts';
import { type DistributionContent, distribute, receivers } from './distribution.ts';
import { FIELD_NAMES, namesOf } from './labels.ts';
import { itemLine, priceItems, replaceOrderItems } from './line-items.ts';
import { orderStatus } from './order.ts';
import { cancelDeliveryReminders, scheduleDeliveryReminders } from './reminder-sources.ts';
import type { SubjectHandler } from './subjects.ts';

type Order = typeof orders.$inferSelect;

/** Who gets an approved order (policy 3.3.2). */
export const ORDER_RECEIVERS: DepartmentCode[] = ['marketing', 'service', 'finance', 'production'];

/** The title of an approved order's distribution card, until it is acknowledged. */
export const APPROVED_TITLE = (number: string) => ({
  en: `Order ${number} approved — please acknowledge receipt`,
  zh: `订单 ${number} 已批准，请确认收到`,
});

/**
 * Who is told of an approved change or cancellation (policy 3.3.4: every department): each department that
 * received the order, and logistics (it signs changes and ships), with a card to acknowledge; and the sales
 * chat, told without one unless it received the order itself. Each department once.
 */
export async function tellEveryDepartment(
  ctx: FlowContext,
  o: Order,
  kind: 'change' | 'cancel',
  content: DistributionContent,
  salesTitle: { en: string; zh: string },
): Promise<void> {
  const to = [...new Set<DepartmentCode>([...(await receivers(ctx, 'order', o.id)), 'logistics'])];
  const posted = await distribute(ctx, { type: 'order', id: o.id, ref: o.number }, kind, to, content);
  if (to.includes('sales')) return;
  // A sales chat that is also another receiver's (a project group) has the card already.
  for (const { chat } of await chatsOfDepartments(ctx.tx, ['sales'])) {
    if (posted.has(boundChatKey(chat))) continue;
    await ctx.out.send({ kind: 'chat', ...chat }, (l, audience) => {
      const c = content(l, audience, 'sales');
      return { text: [salesTitle[l], ...c.fields.map((f) => `${f.label}: ${f.value}`)].join('\n') };
    });
  }
}

export function ownOrder(ctx: FlowContext, o: Order): void {
  if (o.ownerId !== ctx.actor.personId && !isSalesManager(ctx.actor)) {
    refuse(`${o.number} is another rep's order.`, `${o.number} 是其他销售的订单。`);
  }
}

export function illegal(o: Order, what: string, whatZh: string): never {
  return refuse(
    `${o.number} is ${orderStatus(o.status, 'en')}, so it cannot be ${what}.`,
    `${o.number} 当前为${orderStatus(o.status, 'zh')}，不能${whatZh}。`,
  );
}

export async function setOrderStatus(
  ctx: FlowContext,
  o: Order,
  status: string,
  extra: Partial<Order> = {},
): Promise<void> {
  await ctx.tx
    .update(orders)
    .set({ ...extra, status, updatedAt: ctx.now })
    .where(eq(orders.id, o.id));
  await ctx.history('order', o.id, [{ field: 'status', from: o.status, to: status }]);
}

/** The order as a card body for one reader: amounts by the one rule (core/visibility.ts). */
export type OrderView = (
  locale: Locale,
  viewer: Viewer,
) => {
  title: string;
  fields: CardField[];
  read: string[];
  masked: boolean;
  prices: Show;
  /** The delivery, place and (where shown) total in one line, for a subject line. */
  keyPoint: string;
};

export async function orderView(
  ctx: FlowContext,
  ref: string,
  title: { en: string; zh: string },
): Promise<OrderView> {
  const o = await loadOrder(ctx, ref);
  const [c] = await ctx.tx.select().from(customers).where(eq(customers.id, o.customerId));
  const items = await ctx.tx
    .select()
    .from(orderItems)
    .where(eq(orderItems.orderId, o.id))
    .orderBy(asc(orderItems.lineNo));
  return (l, viewer) => {
    const r = new Reveal(viewer, { kind: 'deal', ownerId: o.ownerId }, ctx.org.currency);
    const prices = r.use('prices', 'prices');
    const total = r.money('total', o.totalMinor);
    return {
      title: title[l],
      fields: [
        field(label(l, 'Customer', '客户'), `${c!.number} ${c!.name}`),
        field(label(l, 'Items', '明细'), items.map((it) => itemLine(ctx, it, prices)).join('\n')),
        ...(total !== null ? [field(label(l, 'Total', '总价'), total)] : []),
        field(
          label(l, 'Delivery', '交期'),
          `${o.deliveryDate ?? '—'}${o.deliveryPlace ? ` · ${o.deliveryPlace}` : ''}`,
        ),
        field(label(l, 'Payment', '付款条款'), o.paymentTerms),
        field(label(l, 'Status', '状态'), orderStatus(o.status, l)),
      ],
      read: r.fields,
      masked: r.masked,
      prices,
      keyPoint: [
        pick(l, {
          en: `deliver ${o.deliveryDate ?? '—'}${o.deliveryPlace ? ` to ${o.deliveryPlace}` : ''}`,
          zh: `交期 ${o.deliveryDate ?? '—'}${o.deliveryPlace ? ` 送至${o.deliveryPlace}` : ''}`,
        }),
        ...(total !== null ? [total] : []),
      ].join(pick(l, { en: ', ', zh: '，' })),
    };
  };
}

/** A distribution card goes to a department's chat: the reader is that chat. */
const distributed =
  (view: OrderView): DistributionContent =>
  (l, audience, department) => {
    const v = view(l, { audience, department });
    return { title: v.title, fields: v.fields, keyPoint: v.keyPoint };
  };

/** The order as a distribution card body (acknowledgements re-render it). */
export async function orderContent(
  ctx: FlowContext,
  ref: string,
  title: { en: string; zh: string },
): Promise<DistributionContent> {
  return distributed(await orderView(ctx, ref, title));
}

/** The card of an approval shows its own status; the order's own ("pending approval") would be a second one. */
function summaryFrom(view: OrderView, details: string): SubjectSummary {
  return (l, viewer) => {
    const v = view(l, viewer);
    return {
      fields: v.fields.filter((f) => f.label !== label(l, 'Status', '状态')),
      details,
      entity: 'order',
      read: v.read,
      masked: v.masked,
    };
  };
}

/** What an approver of an order (or of its cancellation) sees: the order as it stands. */
const orderSummary: SubjectHandler['summary'] = async (ctx, a) =>
  summaryFrom(await orderView(ctx, a.subjectRef, { en: '', zh: '' }), `order show ${a.subjectRef}`);

export const orderSubject: SubjectHandler = {
  summary: orderSummary,
  async approved(ctx, a) {
    const o = await loadOrder(ctx, a.subjectRef, true);
    await setOrderStatus(ctx, o, 'confirmed');
    const content = await orderContent(ctx, o.number, APPROVED_TITLE(o.number));
    await distribute(ctx, { type: 'order', id: o.id, ref: o.number }, 'order', ORDER_RECEIVERS, content);
    await scheduleDeliveryReminders(ctx, { ...o, status: 'confirmed' });
  },
  async rejected(ctx, a) {
    await setOrderStatus(ctx, await loadOrder(ctx, a.subjectRef, true), 'draft');
  },
  async withdrawn(ctx, a) {
    await setOrderStatus(ctx, await loadOrder(ctx, a.subjectRef, true), 'draft');
  },
};

const submit = command({
  noun: 'order',
  verbs: ['submit'],
  ref: { kind: 'order', required: true },
  keys: { note: k.text(1000).optional() },
  usage: { en: 'order submit SO-0001 [note="…"]', zh: '订单 提交 SO-0001 [备注=…]' },
  summary: { en: 'submit a draft order to the sales manager', zh: '提交订单给销售经理审批' },
  allow: isSales,
  async run(ctx, { ref, args }) {
    const o = await loadOrder(ctx, ref!, true);
    ownOrder(ctx, o);
    if (o.status !== 'draft') illegal(o, 'submitted', '提交');
    const missing = [
      !o.deliveryDate && 'delivery',
      !o.deliveryPlace && 'place',
      !o.paymentTerms && 'payment',
    ].filter(Boolean) as string[];
    if (missing.length) {
      refuse(
        `${o.number} is missing ${namesOf(FIELD_NAMES, missing, 'en')}; an order goes to the departments complete. Add them first, e.g. order update ${o.number} delivery=2027-01-15 place=Shenzhen payment="30% advance".`,
        `${o.number} 缺少：${namesOf(FIELD_NAMES, missing, 'zh')}。订单须信息完整才能流转，请先补全，例如 订单 修改 ${o.number} 交期=2027-01-15 交货地点=深圳 付款="预付30%"。`,
      );
    }
    await setOrderStatus(ctx, o, 'pending');
    const a = await submitForApproval(ctx, {
      subjectType: 'order',
      subjectId: o.id,
      subjectRef: o.number,
      facts: { type: 'order' },
      reason: args.note ?? null,
    });
    return {
      text: ctx.t({
        en: `${o.number} submitted to the sales manager (${a.number}).`,
        zh: `${o.number} 已提交销售经理审批（${a.number}）。`,
      }),
    };
  },
});

type ChangePayload = {
  delivery?: string;
  place?: string;
  payment?: string;
  items?: { name: string; model: string | null; quantity: string; unitPriceMinor: string }[];
};

function describeChange(p: ChangePayload, ctx: FlowContext, l: Locale, amounts: Show): string {
  const parts: string[] = [];
  if (p.delivery) parts.push(`${label(l, 'delivery', '交期')} → ${p.delivery}`);
  if (p.place) parts.push(`${label(l, 'place', '交货地点')} → ${p.place}`);
  if (p.payment) parts.push(`${label(l, 'payment', '付款')} → ${p.payment}`);
  if (p.items) {
    const { items } = priceItems(p.items.map((i) => ({ ...i, unitPriceMinor: BigInt(i.unitPriceMinor) })));
    parts.push(`${label(l, 'items', '明细')} → ${items.map((it) => itemLine(ctx, it, amounts)).join('; ')}`);
  }
  return parts.join('\n');
}

/** An approved change as its distribution card: what changed and why, then the order as it stands. */
export async function changeContent(
  ctx: FlowContext,
  ref: string,
  a: { payload: unknown; reason: string | null },
): Promise<DistributionContent> {
  const p = a.payload as ChangePayload;
  const base = await orderView(ctx, ref, {
    en: `Order ${ref} changed — please acknowledge`,
    zh: `订单 ${ref} 已变更，请确认收到`,
  });
  return (l, audience, dept) => {
    const c = base(l, { audience, department: dept });
    return {
      title: c.title,
      fields: [
        field(label(l, 'What changed', '变更内容'), describeChange(p, ctx, l, c.prices)),
        field(label(l, 'Reason', '原因'), a.reason),
        ...c.fields,
      ],
      keyPoint: describeChange(p, ctx, l, c.prices),
    };
  };
}

export const orderChangeSubject: SubjectHandler = {
  async summary(ctx, a) {
    const base = summaryFrom(
      await orderView(ctx, a.subjectRef, { en: '', zh: '' }),
      `order show ${a.subjectRef}`,
    );
    const p = a.payload as ChangePayload;
    const { ownerId } = await loadOrder(ctx, a.subjectRef);
    return (l, viewer) => {
      const b = base(l, viewer);
      const r = new Reveal(viewer, { kind: 'deal', ownerId }, ctx.org.currency);
      return {
        ...b,
        fields: [
          ...b.fields,
          field(label(l, 'Change', '变更内容'), describeChange(p, ctx, l, r.show('prices'))),
        ],
      };
    };
  },
  async approved(ctx, a) {
    const o = await loadOrder(ctx, a.subjectRef, true);
    const p = a.payload as ChangePayload;
    const set: Partial<Order> = {};
    const changes = [];
    if (p.delivery) {
      set.deliveryDate = p.delivery;
      set.expectedDate = null;
      changes.push({ field: 'delivery_date', from: o.deliveryDate, to: p.delivery });
    }
    if (p.place) {
      set.deliveryPlace = p.place;
      changes.push({ field: 'delivery_place', from: o.deliveryPlace, to: p.place });
    }
    if (p.payment) {
      set.paymentTerms = p.payment;
      changes.push({ field: 'payment_terms', from: o.paymentTerms, to: p.payment });
    }
    if (p.items) {
      set.totalMinor = await replaceOrderItems(
        ctx,
        o.id,
        p.items.map((i) => ({ ...i, unitPriceMinor: BigInt(i.unitPriceMinor) })),
      );
      changes.push(
        { field: 'items', from: null, to: `${p.items.length} lines` },
        { field: 'total_minor', from: o.totalMinor, to: set.totalMinor },
      );
    }
    await ctx.tx
      .update(orders)
      .set({ ...set, updatedAt: ctx.now })
      .where(eq(orders.id, o.id));
    if (p.delivery || p.place) {
      await cancelDeliveryReminders(ctx, o.number);
      await scheduleDeliveryReminders(ctx, { ...o, ...set });
    }
    await ctx.history('order', o.id, [
      ...changes,
      { field: 'change', from: null, to: `${a.number}: ${a.reason ?? ''}` },
    ]);
    const content = await changeContent(ctx, o.number, a);
    await tellEveryDepartment(ctx, o, 'change', content, {
      en: `Order ${o.number} changed (${a.number})`,
      zh: `订单 ${o.number} 已变更（${a.number}）`,
    });
  },
  async rejected() {},
  async withdrawn() {},
};

const change = command({
  noun: 'order',
  verbs: ['change'],
  ref: { kind: 'order', required: true },
  keys: {
    delivery: k.date().optional(),
    place: k.text(300).optional(),
    payment: k.text(300).optional(),
    item: k.item().optional(),
    reason: k.text(1000),
  },
  usage: {
    en: 'order change SO-0001 delivery=2027-01-25 reason="customer moved the date"',
    zh: '订单 变更 SO-0001 交期=2027-01-25 原因="客户调整日期"',
  },
  summary: {
    en: 'request a change; the affected departments must all sign',
    zh: '申请订单变更，受影响部门负责人会签',
  },
  allow: isSales,
  async run(ctx, { ref, args }) {
    const o = await loadOrder(ctx, ref!, true);
    ownOrder(ctx, o);
    if (!['confirmed', 'in_production'].includes(o.status)) {
      if (o.status === 'draft')
        refuse(
          `${o.number} is still a draft: draft it again instead of changing it.`,
          `${o.number} 仍是草稿，请直接重新起草。`,
        );
      illegal(o, 'changed', '变更');
    }
    const payload: ChangePayload = {};
    const fields: string[] = [];
    if (args.delivery) {
      const d = ctx.date(args.delivery).date;
      if (d < ctx.fmtDate(ctx.now)) refuse(`delivery=${d} is already past.`, `交期 ${d} 已过。`);
      if (d === o.deliveryDate) refuse(`The delivery date is already ${d}.`, `交期已是 ${d}。`);
      payload.delivery = d;
      fields.push('delivery');
    }
    if (args.place) {
      payload.place = args.place;
      fields.push('place');
    }
    if (args.payment) {
      payload.payment = args.payment;
      fields.push('payment');
    }
    if (args.item) {
      priceItems(args.item);
      payload.items = args.item.map((i: LineItem) => ({ ...i, unitPriceMinor: i.unitPriceMinor.toString() }));
      fields.push('item');
    }
    if (fields.length === 0)
      refuse(
        'Say what changes: delivery=…, place=…, payment=… or item=… lines.',
        '请写明变更内容：交期=…、交货地点=…、付款=… 或 明细=…。',
      );
    const a = await submitForApproval(ctx, {
      subjectType: 'order_change',
      subjectId: o.id,
      subjectRef: o.number,
      facts: { type: 'order_change', fields },
      reason: args.reason,
      payload,
    });
    const signers = [...new Set(fields.flatMap((f) => CHANGE_SIGNERS[f] ?? []))];
    const names = signers
      .map((d) => DEPARTMENT_NAMES[d][ctx.locale])
      .join(pick(ctx.locale, { en: ', ', zh: '、' }));
    return {
      text: ctx.t({
        en: `Change of ${o.number} submitted (${a.number}); ${names} must all sign.`,
        zh: `${o.number} 变更已提交（${a.number}），需${names}会签。`,
      }),
    };
  },
});

export const orderCancelSubject: SubjectHandler = {
  summary: orderSummary,
  async approved(ctx, a) {
    const o = await loadOrder(ctx, a.subjectRef, true);
    await setOrderStatus(ctx, o, 'cancelled');
    await cancelDeliveryReminders(ctx, o.number);
    await ctx.history('order', o.id, [{ field: 'cancel_reason', from: null, to: a.reason }]);
    await ctx.audit('order.cancel', 'order', o.number, { reason: a.reason, approval: a.number });
    const base = await orderContent(ctx, o.number, {
      en: `Order ${o.number} cancelled — record how you handled it`,
      zh: `订单 ${o.number} 已取消，请记录处理情况`,
    });
    const content: DistributionContent = (l, audience, dept) => {
      const c = base(l, audience, dept);
      return {
        title: c.title,
        fields: [field(label(l, 'Reason', '原因'), a.reason), ...c.fields],
        keyPoint: `${label(l, 'reason', '原因')}${pick(l, { en: ': ', zh: '：' })}${a.reason}`,
      };
    };
    await tellEveryDepartment(ctx, o, 'cancel', content, {
      en: `Order ${o.number} cancelled (${a.number})`,
      zh: `订单 ${o.number} 已取消（${a.number}）`,
    });
  },
  async rejected() {},
  async withdrawn() {},
};

const cancel = command({
  noun: 'order',
  verbs: ['cancel'],
  ref: { kind: 'order', required: true },
  keys: { reason: k.text(1000) },
  usage: { en: 'order cancel SO-0001 reason="customer withdrew"', zh: '订单 取消 SO-0001 原因="客户撤单"' },
  summary: {
    en: 'cancel an order (the sales manager approves once it is confirmed)',
    zh: '取消订单（已确认的订单需销售经理批准）',
  },
  allow: isSales,
  async run(ctx, { ref, args }) {
    const o = await loadOrder(ctx, ref!, true);
    ownOrder(ctx, o);
    if (o.status === 'draft') {
      await setOrderStatus(ctx, o, 'cancelled');
      await ctx.history('order', o.id, [{ field: 'cancel_reason', from: null, to: args.reason }]);
      await ctx.audit('order.cancel', 'order', o.number, { reason: args.reason, draft: true });
      return { text: ctx.t({ en: `Draft ${o.number} cancelled.`, zh: `草稿订单 ${o.number} 已取消。` }) };
    }
    if (o.status === 'pending')
      refuse(
        `${o.number} is waiting for approval: withdraw that first (approval list).`,
        `${o.number} 正在审批中，请先撤回审批（审批 列表）。`,
      );
    if (!['confirmed', 'in_production'].includes(o.status)) illegal(o, 'cancelled', '取消');
    const a = await submitForApproval(ctx, {
      subjectType: 'order_cancel',
      subjectId: o.id,
      subjectRef: o.number,
      facts: { type: 'order_cancel' },
      reason: args.reason,
    });
    return {
      text: ctx.t({
        en: `Cancellation of ${o.number} submitted to the sales manager (${a.number}).`,
        zh: `${o.number} 取消申请已提交销售经理（${a.number}）。`,
      }),
    };
  },
});

export const orderApprovalCommands = [submit, change, cancel];
