// An order's page: every field the reader may see (the core's Reveal decides each amount, as order show
// does in a private chat) and its whole timeline (changes, approvals and decisions, acknowledgements per
// department, progress and delays, shipments, payments). The amounts shown are an audited read.
import { asc, eq } from 'drizzle-orm';
import type { CardField } from '../cards/card.ts';
import type { FlowContext } from '../core/context.ts';
import { reveal } from '../core/visibility.ts';
import { customers, orderItems, orders } from '../db/schema.ts';
import { personName } from '../flows/common.ts';
import { historyField, loadHistory } from '../flows/history.ts';
import { itemLine } from '../flows/line-items.ts';
import { canSeeOrder, ORDER_HISTORY, orderStatus } from '../flows/order.ts';
import { collectionFields } from '../flows/order-collection.ts';
import { orderLinkFields } from '../leads/links.ts';
import { withheld } from './customer-page.tsx';
import { Page } from './layout.tsx';
import { say } from './text.ts';

export type OrderView = {
  number: string;
  customer: { number: string; name: string };
  fields: CardField[];
  items: string[];
  timeline: CardField[];
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
  const r = reveal(ctx, { kind: 'deal', ownerId: o.ownerId });
  const prices = r.use('prices', 'prices');
  const [c] = await ctx.tx.select().from(customers).where(eq(customers.id, o.customerId));
  const items = await ctx.tx
    .select()
    .from(orderItems)
    .where(eq(orderItems.orderId, o.id))
    .orderBy(asc(orderItems.lineNo));
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
      ? [f(say(l, 'Shipped', '已发货'), [o.carrier, o.tracking].filter(Boolean).join(' '))]
      : []),
    f(say(l, 'Owner', '负责人'), await personName(ctx, o.ownerId)),
    ...(o.note ? [f(say(l, 'Note', '备注'), o.note)] : []),
    ...(await collectionFields(ctx, o, r)),
    ...(await orderLinkFields(ctx, o)),
  ];
  const events = await loadHistory(ctx, ORDER_HISTORY, o.id);
  const timeline = events.map((e) => historyField(ctx, ORDER_HISTORY, e, r));
  await ctx.auditRead('order', o.number, r.fields, { via: 'web' });
  return {
    number: o.number,
    customer: { number: c!.number, name: c!.name },
    fields,
    items: items.map((it) => `#${it.lineNo} ${itemLine(ctx, it, prices)}`),
    timeline,
  };
}

export function OrderPage(p: { ctx: FlowContext; v: OrderView; csrf: string }) {
  const { ctx, v } = p;
  const l = ctx.locale;
  return (
    <Page title={`${say(l, 'Order', '订单')} ${v.number}`} actor={ctx.actor} csrf={p.csrf} section="orders">
      <p>
        <a href="/app/orders">{say(l, '← Orders', '← 订单列表')}</a>
      </p>
      <h1>
        {say(l, 'Order', '订单')} {v.number} ·{' '}
        <a href={`/app/customers/${encodeURIComponent(v.customer.number)}`}>{v.customer.name}</a>
      </h1>
      <div class="grid">
        <section class="card">
          <h2>{say(l, 'Details', '详情')}</h2>
          <dl class="fields" data-testid="order-fields">
            {v.fields.map((x) => (
              <>
                <dt>{x.label}</dt>
                <dd>{x.value}</dd>
              </>
            ))}
          </dl>
          <h2 class="spaced">{say(l, 'Items', '明细')}</h2>
          <ul data-testid="order-items">
            {v.items.map((i) => (
              <li>{i}</li>
            ))}
          </ul>
        </section>
        <section class="card">
          <h2>{say(l, 'Timeline', '时间线')}</h2>
          {v.timeline.length === 0 ? (
            <p class="muted">{say(l, 'Nothing yet.', '暂无记录。')}</p>
          ) : (
            <ol class="timeline" data-testid="timeline">
              {v.timeline.map((e) => (
                <li>
                  <time>{e.label}</time>
                  {e.value}
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>
    </Page>
  );
}
