// An order's page: every field the reader may see (the core's Reveal decides each amount, as order show
// does in a private chat; both load the order through src/flows/order-details.ts), its items, its
// distribution to departments with each one's acknowledgement, its collection plan and payments, and the
// whole timeline (changes, approvals and decisions, distribution and acknowledgements, progress and
// delays, shipments with tracking numbers, payments). The amounts shown are an audited read.
import { and, asc, eq } from 'drizzle-orm';
import type { CardField } from '../cards/card.ts';
import type { DepartmentCode } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { departments, distributions, leads, orders, people, quotes } from '../db/schema.ts';
import { DEPARTMENT_NAMES, personName } from '../flows/common.ts';
import { itemLine } from '../flows/line-items.ts';
import { canSeeOrder, ORDER_HISTORY, orderStatus } from '../flows/order.ts';
import { collectionFields } from '../flows/order-collection.ts';
import { orderDetails } from '../flows/order-details.ts';
import { orderLinkFields } from '../leads/links.ts';
import { withheld } from './customer-page.tsx';
import { Page } from './layout.tsx';
import { say } from './text.ts';
import { Fields, historyItems, Timeline, type TimelineItem } from './timeline.tsx';

export type Distribution = {
  department: string;
  kind: string;
  sent: string;
  acked: string | null;
  by: string | null;
  note: string | null;
};

export type OrderView = {
  number: string;
  status: string;
  customer: { number: string; name: string };
  fields: CardField[];
  items: string[];
  distributions: Distribution[];
  /** Instalments, payments and what is outstanding; empty for a reader without price rights. */
  collection: CardField[];
  /** The quote (and its lead) the order was made from, as links. */
  from: { quote: string; lead: string | null } | null;
  timeline: TimelineItem[];
};

const KIND: Record<string, { en: string; zh: string }> = {
  order: { en: 'the order', zh: '订单' },
  change: { en: 'a change', zh: '变更' },
  cancel: { en: 'the cancellation', zh: '取消' },
};

/** The order as this reader may see it, or why not ('missing', 'refused'). */
export async function orderView(
  ctx: FlowContext,
  number: string,
): Promise<OrderView | 'missing' | 'refused'> {
  const [o] = await ctx.tx.select().from(orders).where(eq(orders.number, number.toUpperCase()));
  if (!o) return 'missing';
  if (!canSeeOrder(ctx, o)) {
    await ctx.audit('denied', 'order', o.number, { via: 'web' });
    return 'refused';
  }
  const l = ctx.locale;
  const { customer: c, items, r, prices } = await orderDetails(ctx, o);
  const f = (label: string, value: string | null | undefined): CardField => ({ label, value: value ?? '—' });
  const fields: CardField[] = [
    f(say(l, 'Status', '状态'), orderStatus(o.status, l)),
    f(say(l, 'Order date', '下单日期'), o.orderDate),
    ...(prices !== 'omitted'
      ? [
          f(say(l, 'Total', '总价'), r.money('total', o.totalMinor)),
          f(say(l, 'Paid', '已收款'), r.money('paid', o.paidMinor)),
        ]
      : [f(say(l, 'Total', '总价'), withheld(l))]),
    f(say(l, 'Delivery', '交期'), o.deliveryDate),
    ...(o.expectedDate ? [f(say(l, 'Now expected', '预计交付'), o.expectedDate)] : []),
    f(say(l, 'Place', '交货地点'), o.deliveryPlace),
    f(say(l, 'Payment', '付款条款'), o.paymentTerms),
    f(say(l, 'Payment due', '付款期限'), o.paymentDueDate),
    f(say(l, 'Late payment', '逾期规定'), o.latePaymentRule),
    ...(o.tracking
      ? [
          f(
            say(l, 'Shipped', '已发货'),
            [o.carrier, o.tracking, o.shippedAt ? `(${ctx.fmtDate(o.shippedAt, true)})` : null]
              .filter(Boolean)
              .join(' '),
          ),
        ]
      : []),
    ...(o.completedAt ? [f(say(l, 'Completed', '已完成'), ctx.fmtDate(o.completedAt, true))] : []),
    f(say(l, 'Owner', '负责人'), await personName(ctx, o.ownerId)),
    ...(o.note ? [f(say(l, 'Note', '备注'), o.note)] : []),
  ];
  const collection = await collectionFields(ctx, o, r);
  const links = await orderLinkFields(ctx, o);
  let from: OrderView['from'] = null;
  if (links.length && o.quoteId) {
    const [row] = await ctx.tx
      .select({ quote: quotes.number, lead: leads.number })
      .from(quotes)
      .leftJoin(leads, eq(leads.id, quotes.leadId))
      .where(eq(quotes.id, o.quoteId));
    if (row) from = { quote: row.quote, lead: row.lead };
  }
  // Each department the order (or a change, a cancellation) went to, and who acknowledged it when.
  const sent = await ctx.tx
    .select({
      code: departments.code,
      kind: distributions.kind,
      sentAt: distributions.sentAt,
      ackedAt: distributions.ackedAt,
      note: distributions.note,
      by: people.name,
    })
    .from(distributions)
    .innerJoin(departments, eq(departments.id, distributions.departmentId))
    .leftJoin(people, eq(people.id, distributions.ackedBy))
    .where(and(eq(distributions.subjectType, 'order'), eq(distributions.subjectId, o.id)))
    .orderBy(asc(distributions.id));
  const deptName = (code: string) => DEPARTMENT_NAMES[code as DepartmentCode]?.[l] ?? code;
  const dists: Distribution[] = sent.map((d) => ({
    department: deptName(d.code),
    kind: KIND[d.kind]?.[l] ?? d.kind,
    sent: ctx.fmtDate(d.sentAt, true),
    acked: d.ackedAt ? ctx.fmtDate(d.ackedAt, true) : null,
    by: d.by,
    note: d.note,
  }));
  const timeline: TimelineItem[] = [
    ...(await historyItems(ctx, ORDER_HISTORY, o.id, r)),
    // The sending is not in the record's history (each acknowledgement is): it is the distribution's row.
    ...sent.map(
      (d): TimelineItem => ({
        at: d.sentAt,
        who: null,
        what: say(
          l,
          `sent ${KIND[d.kind]?.en ?? d.kind} to ${deptName(d.code)} for acknowledgement`,
          `${KIND[d.kind]?.zh ?? d.kind}已发送给${deptName(d.code)}，等待确认收到`,
        ),
        kind: 'sent',
      }),
    ),
  ];
  await ctx.auditRead('order', o.number, r.fields, { via: 'web' });
  return {
    number: o.number,
    status: o.status,
    customer: { number: c.number, name: c.name },
    fields,
    items: items.map((it) => `#${it.lineNo} ${itemLine(ctx, it, prices)}`),
    distributions: dists,
    collection,
    from,
    timeline,
  };
}

export function OrderPage(p: { ctx: FlowContext; v: OrderView; csrf: string }) {
  const { ctx, v } = p;
  const l = ctx.locale;
  // "What" is worth a column once a change or a cancellation went out too.
  const kinds = v.distributions.some((d) => d.kind !== KIND.order![l]);
  return (
    <Page title={`${say(l, 'Order', '订单')} ${v.number}`} actor={ctx.actor} csrf={p.csrf} section="orders">
      <p class="crumbs">
        <a href="/app/orders">{say(l, '← Orders', '← 订单列表')}</a>
      </p>
      <h1>
        {say(l, 'Order', '订单')} {v.number} ·{' '}
        <a href={`/app/customers/${encodeURIComponent(v.customer.number)}`}>{v.customer.name}</a>{' '}
        <span class="tag">{orderStatus(v.status, l)}</span>
      </h1>
      {v.from && (
        <p class="chain" data-testid="chain">
          {v.from.lead && (
            <>
              <a href={`/app/leads/${encodeURIComponent(v.from.lead)}`}>
                {say(l, 'Lead', '线索')} {v.from.lead}
              </a>
              {' → '}
            </>
          )}
          <a href={`/app/quotes/${encodeURIComponent(v.from.quote)}`}>
            {say(l, 'Quote', '报价')} {v.from.quote}
          </a>
          {' → '}
          <b>
            {say(l, 'Order', '订单')} {v.number}
          </b>
        </p>
      )}
      <div class="grid">
        <section class="card">
          <h2>{say(l, 'Details', '详情')}</h2>
          <Fields fields={v.fields} testid="order-fields" />
          <h2 class="spaced">{say(l, 'Items', '明细')}</h2>
          <ul data-testid="order-items">
            {v.items.map((i) => (
              <li>{i}</li>
            ))}
          </ul>
        </section>
        <section class="card">
          <h2>{say(l, 'Timeline', '时间线')}</h2>
          <Timeline ctx={ctx} items={v.timeline} />
        </section>
      </div>
      <div class="grid">
        <section class="card">
          <h2>{say(l, 'Distribution and acknowledgements', '下发与确认收到')}</h2>
          {v.distributions.length === 0 ? (
            <p class="muted">
              {say(
                l,
                'Not sent to any department yet (an order goes out once it is approved).',
                '尚未下发给任何部门（订单批准后下发）。',
              )}
            </p>
          ) : (
            <div class="scroll">
              <table data-testid="distributions">
                <thead>
                  <tr>
                    <th>{say(l, 'Department', '部门')}</th>
                    {kinds && <th>{say(l, 'What', '内容')}</th>}
                    <th>{say(l, 'Sent', '发送时间')}</th>
                    <th>{say(l, 'Acknowledged', '确认收到')}</th>
                  </tr>
                </thead>
                <tbody>
                  {v.distributions.map((d) => (
                    <tr>
                      <td class="nowrap">{d.department}</td>
                      {kinds && <td>{d.kind}</td>}
                      <td class="nowrap">{d.sent}</td>
                      <td>
                        {d.acked ? (
                          <span class="ok">
                            ✓ {d.by} · {d.acked}
                            {d.note ? ` · ${d.note}` : ''}
                          </span>
                        ) : (
                          <span class="overdue">{say(l, 'waiting', '等待确认')}</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <section class="card">
          <h2>{say(l, 'Collection', '收款')}</h2>
          {v.collection.length === 0 ? (
            <p class="muted">{say(l, 'Amounts: 🔒 confidential.', '金额：🔒 保密。')}</p>
          ) : (
            <Fields fields={v.collection} testid="collection" />
          )}
        </section>
      </div>
    </Page>
  );
}
