// Orders (R-ORD-1): drafted by sales, optionally from a quote. Approval, distribution to departments and
// execution (progress, delay, ship, paid) come with the approvals issue.
import { and, asc, eq, ne } from 'drizzle-orm';
import { k } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse, refuseAudited } from '../core/errors.ts';
import { isSales, isStaff } from '../core/permissions.ts';
import { privateNote, reveal } from '../core/visibility.ts';
import { customers, orderItems, orders, quoteItems, type quotes } from '../db/schema.ts';
import { orderLinkFields } from '../leads/links.ts';
import {
  command,
  DEPARTMENT_NAMES,
  field,
  label,
  linesOf,
  loadOrder,
  loadQuote,
  personName,
} from './common.ts';
import { customerKey, resolveCustomer } from './customer-names.ts';
import { mailReceiptFields } from './distribution-mail.ts';
import {
  type FieldSpec,
  HISTORY_PAGE,
  type HistorySpec,
  historyCommand,
  historyField,
  loadHistory,
  moneyField,
  unnamedField,
} from './history.ts';
import { FIELD_NAMES, namesOf } from './labels.ts';
import { itemLine, type PricedItem, priceItems, replaceOrderItems } from './line-items.ts';
import { LIST_KEYS, listFilters, pageFooter, refuseOthers } from './list-filters.ts';
import { dateMark } from './list-lines.ts';
import { orderList } from './list-queries.ts';
import { collectionFields } from './order-collection.ts';
import { orderDetails } from './order-details.ts';
import { canSeeQuote } from './quote.ts';
import { mayOpenOrder } from './read-scopes.ts';
import { ORDER_STATUS, orderStatus, quoteStatus } from './statuses.ts';

export { orderStatus };

/** Orders still to be delivered: their delivery date can be overdue. */
const OPEN_ORDER = ['draft', 'pending', 'confirmed', 'in_production'];

type Order = typeof orders.$inferSelect;

/** May this reader open this order: order show's, order list's and the web's one rule (read-scopes.ts). */
export function canSeeOrder(ctx: FlowContext, o: Pick<Order, 'ownerId' | 'status'>): boolean {
  return mayOpenOrder(ctx.actor, o);
}

/** An order to read (order show, order history): refused, as a denial in the audit log, when not the reader's. */
async function readableOrder(ctx: FlowContext, ref: string, verb: string): Promise<Order> {
  const o = await loadOrder(ctx, ref);
  if (!canSeeOrder(ctx, o)) {
    const rep = ctx.actor.role === 'sales_rep';
    refuseAudited(
      { action: 'denied', entity: 'order', ref: o.number, detail: { verb } },
      rep
        ? `You cannot see ${o.number}: it is another rep's order.`
        : `You cannot see ${o.number} yet: departments receive an order once it is approved.`,
      rep
        ? `您无权查看 ${o.number}：这是其他销售的订单。`
        : `您暂时无权查看 ${o.number}：订单审批通过并分发后，各部门才会收到。`,
    );
  }
  return o;
}

const ORDER_FIELDS: Record<string, FieldSpec> = {
  created: { name: { en: 'created', zh: '创建' }, bare: true },
  status: { name: { en: 'status', zh: '状态' }, event: true, read: (v, ctx) => orderStatus(v, ctx.locale) },
  progress: { name: { en: 'production progress', zh: '生产进度' }, event: true },
  tracking: { name: { en: 'shipped', zh: '已发货' }, event: true },
  expected_date: { name: { en: 'now expected', zh: '预计交付' } },
  delay_reason: { name: { en: 'delay', zh: '延误原因' }, event: true },
  paid_minor: moneyField({ en: 'paid so far', zh: '累计收款' }, 'prices', 'paid', true),
  total_minor: moneyField({ en: 'total', zh: '总价' }, 'prices', 'total'),
  change: { name: { en: 'change approved', zh: '变更已批准' }, event: true },
  cancel_reason: { name: { en: 'cancellation reason', zh: '取消原因' }, event: true },
  payment_note: { name: { en: 'payment note', zh: '收款备注' }, event: true },
  completion_note: { name: { en: 'completion note', zh: '完成备注' }, event: true },
  collection_plan: { name: { en: 'collection plan', zh: '收款计划' }, event: true },
  delivery_date: { name: { en: 'delivery date', zh: '交期' } },
  delivery_place: { name: { en: 'delivery place', zh: '交货地点' } },
  payment_terms: { name: { en: 'payment terms', zh: '付款条款' } },
  payment_due_date: { name: { en: 'payment due date', zh: '付款期限' } },
  late_payment_rule: { name: { en: 'late-payment rule', zh: '逾期规定' } },
  note: { name: { en: 'note', zh: '备注' } },
  items: { name: { en: 'items', zh: '明细' }, event: true },
};

const ACK_OF: Record<string, { en: string; zh: string }> = {
  order: { en: '', zh: '' },
  change: { en: ' the change', zh: '变更' },
  cancel: { en: ' the cancellation', zh: '取消' },
};

/** An order's history in the reader's words; amounts only for those who may see them (R-ORD-4). */
export const ORDER_HISTORY: HistorySpec = {
  entity: 'order',
  approvals: ['order', 'order_change', 'order_cancel'],
  // The order's own submission is its status change to pending; a change or cancellation has none.
  requests: ['order_change', 'order_cancel'],
  // Its distributions' email copies: emailed to whom, opened, acknowledged by email.
  mail: 'order',
  field(name, l) {
    const ack = /^ack\.(\w+)\.(\w+)$/.exec(name);
    if (ack) {
      const dept = DEPARTMENT_NAMES[ack[2] as keyof typeof DEPARTMENT_NAMES]?.[l] ?? ack[2];
      const what = ACK_OF[ack[1]!] ?? { en: ` ${ack[1]}`, zh: ack[1]! };
      return {
        name: { en: `${dept} acknowledged${what.en}`, zh: `${dept}已确认收到${what.zh}` },
        event: true,
        bareWhen: 'ok',
      };
    }
    return ORDER_FIELDS[name] ?? unnamedField(name, { cls: 'prices', audit: 'prices' });
  },
};

/**
 * An order is drafted once the customer accepted the quote (policy 3.3.1: after agreeing the deal), and a
 * quote makes one order: a second one from it would double the goods and the invoice. The refusal says what
 * to do instead. A cancelled order does not count, so a quote can be ordered again after a cancellation.
 */
async function checkQuoteOrderable(ctx: FlowContext, quote: typeof quotes.$inferSelect): Promise<void> {
  const [live] = await ctx.tx
    .select({ number: orders.number, status: orders.status })
    .from(orders)
    .where(and(eq(orders.quoteId, quote.id), ne(orders.status, 'cancelled')))
    .orderBy(asc(orders.id))
    .limit(1);
  if (live)
    refuse(
      `${quote.number} already has order ${live.number} (${orderStatus(live.status, 'en')}); one quote makes one order. See it: order show ${live.number}. To change it: order change ${live.number} … reason="…"; for a separate order give its own items: order new customer=… item=…`,
      `${quote.number} 已有订单 ${live.number}（${orderStatus(live.status, 'zh')}），一份报价只能下一张订单。查看：订单 查看 ${live.number}；如需修改：订单 变更 ${live.number} … 原因=…；另下新单请逐行填写：订单 新建 客户=… 明细=…`,
    );
  if (quote.status === 'accepted') return;
  if (['approved', 'sent', 'negotiating'].includes(quote.status))
    refuse(
      `${quote.number} is ${quoteStatus(quote.status, 'en')}: the customer has not accepted it yet. When they do, record it first: quote feedback ${quote.number} result=accepted`,
      `${quote.number} 当前为${quoteStatus(quote.status, 'zh')}，客户尚未接受。客户接受后请先记录：报价 反馈 ${quote.number} 结果=接受`,
    );
  refuse(
    `${quote.number} is ${quoteStatus(quote.status, 'en')}; an order is made from a quote the customer accepted (approved, sent, then quote feedback ${quote.number} result=accepted).`,
    `${quote.number} 当前为${quoteStatus(quote.status, 'zh')}，只能基于客户已接受的报价下单（审批通过、发送后，报价 反馈 ${quote.number} 结果=接受）。`,
  );
}

const create = command({
  noun: 'order',
  verbs: ['new', 'add'],
  keys: {
    customer: customerKey().optional(),
    from: k.ref('quote').optional(),
    item: k.item().optional(),
    delivery: k.date().optional(),
    place: k.text(300).optional(),
    payment: k.text(300).optional(),
    payment_due: k.date().optional(),
    late: k.text(300).optional(),
    note: k.text(1000).optional(),
  },
  usage: {
    en: 'order new customer=C-0001 from=Q-0001 delivery=2027-01-15 place=Shenzhen payment="30% advance, 70% on delivery"',
    zh: '订单 新建 客户=C-0001 基于=Q-0001 交期=2027-01-15 交货地点=深圳 付款="预付30%，货到付70%"',
  },
  summary: {
    en: 'draft an order, from a quote (from=Q-…) or with item= lines',
    zh: '起草订单：基于报价（基于=Q-…）或逐行 明细=',
  },
  allow: isSales,
  async run(ctx, { args }) {
    if (!args.customer && !args.from)
      refuse(
        'Say the customer (customer=C-0001) or the quote (from=Q-0001).',
        '请写明客户（客户=C-0001）或报价（基于=Q-0001）。',
      );
    // Locked: two orders drafted from one quote at once are taken one after the other.
    const quote = args.from ? await loadQuote(ctx, args.from, true) : null;
    if (quote && !canSeeQuote(ctx, quote))
      refuse(`${quote.number} is another rep's quote.`, `${quote.number} 是其他销售的报价。`);
    if (quote) await checkQuoteOrderable(ctx, quote);
    const customer = args.customer ? await resolveCustomer(ctx, args.customer) : null;
    if (customer && quote && quote.customerId !== customer.id) {
      refuse(
        `${quote.number} was made for another customer, not ${customer.number}.`,
        `${quote.number} 不是给 ${customer.number} 的报价。`,
      );
    }
    const customerId = customer?.id ?? quote!.customerId;
    let priced: { items: PricedItem[]; totalMinor: bigint };
    if (args.item) {
      priced = priceItems(args.item);
    } else if (quote) {
      const qi = await ctx.tx
        .select()
        .from(quoteItems)
        .where(eq(quoteItems.quoteId, quote.id))
        .orderBy(asc(quoteItems.lineNo));
      priced = priceItems(
        qi.map((i) => ({
          name: i.name,
          model: i.model,
          quantity: i.quantity,
          unitPriceMinor: i.unitPriceMinor,
        })),
      );
    } else {
      return refuse(
        'Give the items: item="name | model | quantity | unit price", or from=Q-0001.',
        '请填写明细：明细="名称 | 型号 | 数量 | 单价"，或 基于=Q-0001。',
      );
    }
    const delivery = args.delivery ? ctx.date(args.delivery).date : (quote?.deliveryDate ?? null);
    if (delivery && delivery < ctx.fmtDate(ctx.now))
      refuse(`delivery=${delivery} is already past.`, `交期 ${delivery} 已过。`);
    const number = await ctx.nextNumber('SO');
    const [o] = await ctx.tx
      .insert(orders)
      .values({
        number,
        customerId,
        quoteId: quote?.id ?? null,
        orderDate: ctx.fmtDate(ctx.now),
        currency: ctx.org.currency,
        totalMinor: priced.totalMinor,
        deliveryDate: delivery,
        deliveryPlace: args.place ?? null,
        paymentTerms: args.payment ?? quote?.payment ?? null,
        paymentDueDate: args.payment_due ? ctx.date(args.payment_due).date : null,
        latePaymentRule: args.late ?? null,
        note: args.note ?? null,
        ownerId: ctx.actor.personId,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    await ctx.tx.insert(orderItems).values(
      priced.items.map((it) => ({
        orderId: o!.id,
        lineNo: it.lineNo,
        name: it.name,
        model: it.model,
        quantity: it.quantity,
        unitPriceMinor: it.unitPriceMinor,
        amountMinor: it.amountMinor,
      })),
    );
    await ctx.history('order', o!.id, [
      { field: 'created', from: null, to: quote ? `${number} from ${quote.number}` : number },
    ]);
    await ctx.audit('order.new', 'order', number, {
      total: priced.totalMinor.toString(),
      from: quote?.number,
    });
    const [c] = await ctx.tx
      .select({ number: customers.number, name: customers.name })
      .from(customers)
      .where(eq(customers.id, customerId));
    const missing = [
      !delivery && 'delivery',
      !args.place && 'place',
      !(args.payment ?? quote?.payment) && 'payment',
    ].filter(Boolean) as string[];
    const hint = missing.length
      ? ctx.t({
          en: ` Still to fill before submitting: ${namesOf(FIELD_NAMES, missing, 'en')} (order update ${number} …).`,
          zh: `提交前还需填写：${namesOf(FIELD_NAMES, missing, 'zh')}（订单 修改 ${number} …）。`,
        })
      : '';
    // Masked in a group chat like every amount (the author knows it; the group need not).
    const r = reveal(ctx, { kind: 'deal', ownerId: ctx.actor.personId }, { owner: true });
    const total = r.money('total', priced.totalMinor);
    const note = r.masked ? ` ${privateNote(ctx.locale)}` : '';
    return {
      text: ctx.t({
        en: `Order ${number} drafted for ${c!.number} ${c!.name}${quote ? ` from ${quote.number}` : ''}: ${priced.items.length} item(s), total ${total}${delivery ? `, delivery ${delivery}` : ''}${args.place ? ` to ${args.place}` : ''}.${hint}${note}`,
        zh: `已起草订单 ${number}（${c!.number} ${c!.name}${quote ? `，基于 ${quote.number}` : ''}）：${priced.items.length} 项，总价 ${total}${delivery ? `，交期 ${delivery}` : ''}${args.place ? `，交货地点 ${args.place}` : ''}。${hint}${note}`,
      }),
    };
  },
});

const show = command({
  noun: 'order',
  verbs: ['show'],
  ref: { kind: 'order', required: true },
  keys: {},
  usage: { en: 'order show SO-0001', zh: '订单 查看 SO-0001' },
  summary: { en: 'show an order and its timeline', zh: '查看订单及时间线' },
  allow: isStaff,
  readOnly: true,
  async run(ctx, { ref }) {
    const o = await readableOrder(ctx, ref!, 'show');
    const { customer: c, items, r, prices } = await orderDetails(ctx, o);
    const l = ctx.locale;
    const fields = [
      field(label(l, 'Customer', '客户'), `${c.number} ${c.name}`),
      field(label(l, 'Status', '状态'), orderStatus(o.status, l)),
      field(label(l, 'Order date', '下单日期'), o.orderDate),
      ...items.map((it) => field(`#${it.lineNo}`, itemLine(ctx, it, prices))),
      ...(prices !== 'omitted'
        ? [
            field(label(l, 'Total', '总价'), r.money('total', o.totalMinor)),
            field(label(l, 'Paid', '已收款'), r.money('paid', o.paidMinor)),
          ]
        : []),
      field(label(l, 'Delivery', '交期'), o.deliveryDate),
      field(label(l, 'Place', '交货地点'), o.deliveryPlace),
      field(label(l, 'Payment', '付款条款'), o.paymentTerms),
      field(label(l, 'Payment due', '付款期限'), o.paymentDueDate),
      field(label(l, 'Late payment', '逾期规定'), o.latePaymentRule),
      field(label(l, 'Owner', '负责人'), await personName(ctx, o.ownerId)),
    ];
    fields.push(...(await collectionFields(ctx, o, r)));
    fields.push(...(await orderLinkFields(ctx, o)));
    fields.push(...(await mailReceiptFields(ctx, { type: 'order', id: o.id })));
    // The newest events, newest last so they read as a timeline; the rest a page on (order history).
    const events = await loadHistory(ctx, ORDER_HISTORY, o.id);
    const recent = events.slice(-HISTORY_PAGE);
    const earlier = events.length - recent.length;
    if (earlier > 0)
      fields.push(
        field(
          label(l, 'History', '历史'),
          label(
            l,
            `${earlier} earlier: order history ${o.number} page=2`,
            `更早的 ${earlier} 条：订单 历史 ${o.number} 页=2`,
          ),
        ),
      );
    for (const e of recent) fields.push(historyField(ctx, ORDER_HISTORY, e, r));
    if (r.masked) fields.push(field(label(l, 'Note', '说明'), privateNote(l)));
    await ctx.auditRead('order', o.number, r.fields);
    const title = label(l, `Order ${o.number}`, `订单 ${o.number}`);
    return { text: linesOf(title, fields), card: { title, fields, actions: [] } };
  },
});

const list = command({
  noun: 'order',
  verbs: ['list'],
  keys: {
    customer: customerKey().optional(),
    status: k
      .choice(
        Object.fromEntries(Object.entries(ORDER_STATUS).map(([s, n]) => [s, [n.zh]])) as Record<
          string,
          readonly string[]
        >,
      )
      .optional(),
    ...LIST_KEYS,
  },
  usage: {
    en: 'order list [customer=C-0001] [status=confirmed] [owner=me|@li] [since=2026-11-01] [until=…] [page=2]',
    zh: '订单 列表 [客户=C-0001] [状态=已确认] [负责人=我|@li] [起始=2026-11-01] [截至=…] [页=2]',
  },
  summary: { en: 'list orders', zh: '订单列表' },
  allow: isStaff,
  readOnly: true,
  async run(ctx, { args, text }) {
    const customer = args.customer ? await resolveCustomer(ctx, args.customer) : null;
    const f = await listFilters(ctx, args);
    refuseOthers(ctx, f, { en: 'orders', zh: '订单' });
    const { rows, pages } = await orderList(
      ctx.tx,
      ctx.actor,
      { customerId: customer?.id, status: args.status },
      f,
    );
    const cut = pageFooter(ctx, text, f.page, pages);
    if (rows.length === 0) return { text: ctx.t({ en: 'No orders found.', zh: '没有找到订单。' }) };
    // Every row under the same rule as order show; one audit row per order whose total was shown.
    const shown = rows.map(({ o }) => {
      const r = reveal(ctx, { kind: 'deal', ownerId: o.ownerId });
      return { total: r.money('total', o.totalMinor), r };
    });
    for (const [i, { o }] of rows.entries()) await ctx.auditRead('order', o.number, shown[i]!.r.fields);
    const masked = shown.some((x) => x.r.masked);
    const lines = rows.map(
      ({ o, name }, i) =>
        `${o.number}  ${name} · ${orderStatus(o.status, ctx.locale)}${shown[i]!.total ? ` · ${shown[i]!.total}` : ''}${dateMark(ctx, o.expectedDate ?? o.deliveryDate, { en: o.expectedDate ? 'now expected' : 'delivery by', zh: o.expectedDate ? '预计交付' : '交期' }, { en: 'delivery overdue since', zh: '交期已过' }, OPEN_ORDER.includes(o.status))}`,
    );
    return {
      text: `${ctx.t({ en: 'Orders:', zh: '订单：' })}\n${lines.join('\n')}${cut}${masked ? `\n${privateNote(ctx.locale)}` : ''}`,
    };
  },
});

const update = command({
  noun: 'order',
  verbs: ['update'],
  ref: { kind: 'order', required: true },
  keys: {
    item: k.item().optional(),
    delivery: k.date().optional(),
    place: k.text(300).optional(),
    payment: k.text(300).optional(),
    payment_due: k.date().optional(),
    late: k.text(300).optional(),
    note: k.text(1000).optional(),
  },
  usage: {
    en: 'order update SO-0001 delivery=2027-01-15 place=Shenzhen payment="30% advance"   (drafts; later use order change)',
    zh: '订单 修改 SO-0001 交期=2027-01-15 交货地点=深圳 付款="预付30%"   （仅草稿；确认后用 订单 变更）',
  },
  summary: { en: 'fill in or correct a draft order', zh: '补充或修改草稿订单' },
  allow: isSales,
  async run(ctx, { ref, args }) {
    const o = await loadOrder(ctx, ref!, true);
    if (o.ownerId !== ctx.actor.personId && ctx.actor.role === 'sales_rep')
      refuse(`${o.number} is another rep's order.`, `${o.number} 是其他销售的订单。`);
    if (o.status !== 'draft') {
      refuse(
        `${o.number} is ${orderStatus(o.status, 'en')}; only drafts are edited. Use: order change ${o.number} … reason="…"`,
        `${o.number} 当前为${orderStatus(o.status, 'zh')}，只能修改草稿。请用：订单 变更 ${o.number} … 原因=…`,
      );
    }
    if (Object.keys(args).length === 0)
      refuse('Say what to fill in, e.g. delivery=2027-01-15.', '请写明要修改的内容，例如 交期=2027-01-15。');
    const delivery = args.delivery ? ctx.date(args.delivery).date : o.deliveryDate;
    if (args.delivery && delivery! < ctx.fmtDate(ctx.now))
      refuse(`delivery=${delivery} is already past.`, `交期 ${delivery} 已过。`);
    const set = {
      deliveryDate: delivery,
      deliveryPlace: args.place ?? o.deliveryPlace,
      paymentTerms: args.payment ?? o.paymentTerms,
      paymentDueDate: args.payment_due ? ctx.date(args.payment_due).date : o.paymentDueDate,
      latePaymentRule: args.late ?? o.latePaymentRule,
      note: args.note ?? o.note,
      totalMinor: o.totalMinor,
    };
    if (args.item) set.totalMinor = await replaceOrderItems(ctx, o.id, args.item);
    await ctx.tx
      .update(orders)
      .set({ ...set, updatedAt: ctx.now })
      .where(eq(orders.id, o.id));
    await ctx.history(
      'order',
      o.id,
      (Object.keys(set) as (keyof typeof set)[]).map((f) => ({ field: f, from: o[f], to: set[f] })),
    );
    await ctx.audit('order.update', 'order', o.number, { fields: Object.keys(args) });
    return {
      text: ctx.t({
        en: `${o.number} updated (${namesOf(FIELD_NAMES, Object.keys(args), 'en')}). Submit it with: order submit ${o.number}`,
        zh: `${o.number} 已修改（${namesOf(FIELD_NAMES, Object.keys(args), 'zh')}）。提交审批：订单 提交 ${o.number}`,
      }),
    };
  },
});

const history = historyCommand({
  noun: 'order',
  ref: { kind: 'order', required: true },
  spec: ORDER_HISTORY,
  example: 'SO-0001',
  allow: isStaff,
  async open(ctx, { ref }) {
    const o = await readableOrder(ctx, ref!, 'history');
    return { id: o.id, number: o.number, reveal: reveal(ctx, { kind: 'deal', ownerId: o.ownerId }) };
  },
});

export const orderCommands = [create, show, list, update, history];
