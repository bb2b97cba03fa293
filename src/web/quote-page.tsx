// A quote's page: what quote show gives (customer, status, terms, total, price adjustment), its items, all
// its versions (the original and each revision, R-QUO-1), the lead it came from and the orders made from it
// (R-LEAD-5), and its timeline (quote history with the approval decisions). Those who see prices read
// quotes, as in chat; a rep their own only, whatever the URL. The amounts shown are an audited read.
import { asc, eq, or } from 'drizzle-orm';
import type { CardField } from '../cards/card.ts';
import type { FlowContext } from '../core/context.ts';
import { seesPrices } from '../core/permissions.ts';
import { reveal } from '../core/visibility.ts';
import { customers, leads, orders, quoteItems, quotes } from '../db/schema.ts';
import { personName } from '../flows/common.ts';
import { formatQuantity } from '../flows/labels.ts';
import { canSeeOrder, orderStatus } from '../flows/order.ts';
import { canSeeQuote, QUOTE_HISTORY, quoteStatus } from '../flows/quote.ts';
import { withheld } from './customer-page.tsx';
import { Page } from './layout.tsx';
import { say } from './text.ts';
import { Fields, historyItems, Timeline, type TimelineItem } from './timeline.tsx';

export type QuoteView = {
  number: string;
  status: string;
  customer: { number: string; name: string };
  fields: CardField[];
  items: {
    no: number;
    name: string;
    model: string | null;
    qty: string;
    unit: string | null;
    amount: string | null;
  }[];
  total: string | null;
  versions: {
    number: string;
    revision: number;
    status: string;
    date: string;
    href: string | null;
    current: boolean;
  }[];
  lead: string | null;
  orders: { number: string; state: string; href: string | null }[];
  timeline: TimelineItem[];
};

export async function quoteView(
  ctx: FlowContext,
  number: string,
): Promise<QuoteView | 'missing' | 'refused'> {
  const [q] = await ctx.tx.select().from(quotes).where(eq(quotes.number, number.toUpperCase()));
  if (!q) return 'missing';
  if (!seesPrices(ctx.actor) || !canSeeQuote(ctx, q)) {
    await ctx.audit('denied', 'quote', q.number, { via: 'web' });
    return 'refused';
  }
  const l = ctx.locale;
  const [c] = await ctx.tx.select().from(customers).where(eq(customers.id, q.customerId));
  const items = await ctx.tx
    .select()
    .from(quoteItems)
    .where(eq(quoteItems.quoteId, q.id))
    .orderBy(asc(quoteItems.lineNo));
  const r = reveal(ctx, { kind: 'deal', ownerId: q.ownerId });
  const prices = r.use('prices', 'prices');
  const tax =
    q.taxIncluded === null
      ? ''
      : q.taxIncluded
        ? say(l, ' (tax included)', '（含税）')
        : say(l, ' (tax excluded)', '（不含税）');
  const f = (label: string, value: string | null | undefined): CardField => ({ label, value: value || '—' });
  const total = r.money('total', q.totalMinor);
  const fields: CardField[] = [
    f(say(l, 'Status', '状态'), quoteStatus(q.status, l)),
    f(say(l, 'Date', '日期'), ctx.fmtDate(q.createdAt)),
    f(say(l, 'Total', '总价'), total ? `${total}${tax}` : withheld(l)),
    f(say(l, 'Valid until', '有效期'), q.validUntil),
    f(say(l, 'Payment', '付款方式'), q.payment),
    f(say(l, 'Delivery', '交期'), q.deliveryDate),
    f(
      say(l, 'Price adjustment', '价格调整'),
      q.adjustment ? (r.text('prices', 'prices', q.adjustment) ?? withheld(l)) : null,
    ),
    ...(q.note ? [f(say(l, 'Note', '备注'), q.note)] : []),
    ...(q.sentAt ? [f(say(l, 'Sent', '发送时间'), ctx.fmtDate(q.sentAt, true))] : []),
    ...(q.feedbackNote ? [f(say(l, 'Customer feedback', '客户反馈'), q.feedbackNote)] : []),
    f(say(l, 'Owner', '负责人'), await personName(ctx, q.ownerId)),
  ];
  // Every version: the original and its revisions, each a quote of its own.
  const root = q.revisionOf ?? q.id;
  const versions = await ctx.tx
    .select()
    .from(quotes)
    .where(or(eq(quotes.id, root), eq(quotes.revisionOf, root)))
    .orderBy(asc(quotes.revision), asc(quotes.id));
  const [lead] = q.leadId
    ? await ctx.tx.select({ number: leads.number }).from(leads).where(eq(leads.id, q.leadId))
    : [];
  const made = await ctx.tx.select().from(orders).where(eq(orders.quoteId, q.id)).orderBy(asc(orders.id));
  const timeline = await historyItems(ctx, QUOTE_HISTORY, q.id, r);
  await ctx.auditRead('quote', q.number, r.fields, { via: 'web' });
  return {
    number: q.number,
    status: q.status,
    customer: { number: c!.number, name: c!.name },
    fields: fields.filter((x) => x.value !== '—'),
    items: items.map((it) => ({
      no: it.lineNo,
      name: it.name,
      model: it.model,
      qty: formatQuantity(it.quantity),
      unit: prices === 'omitted' ? null : ctx.money(it.unitPriceMinor),
      amount: prices === 'omitted' ? null : ctx.money(it.amountMinor),
    })),
    total,
    versions: versions.map((x) => ({
      number: x.number,
      revision: x.revision,
      status: quoteStatus(x.status, l),
      date: ctx.fmtDate(x.createdAt),
      href: canSeeQuote(ctx, x) ? `/app/quotes/${encodeURIComponent(x.number)}` : null,
      current: x.id === q.id,
    })),
    lead: lead?.number ?? null,
    orders: made.map((o) => ({
      number: o.number,
      state: orderStatus(o.status, l),
      href: canSeeOrder(ctx, o) ? `/app/orders/${encodeURIComponent(o.number)}` : null,
    })),
    timeline,
  };
}

export function QuotePage(p: { ctx: FlowContext; v: QuoteView; csrf: string }) {
  const { ctx, v } = p;
  const l = ctx.locale;
  const money = v.items.some((i) => i.unit !== null);
  return (
    <Page title={`${say(l, 'Quote', '报价')} ${v.number}`} actor={ctx.actor} csrf={p.csrf} section="quotes">
      <p class="crumbs">
        <a href="/app/quotes">{say(l, '← Quotes', '← 报价列表')}</a>
      </p>
      <h1>
        {say(l, 'Quote', '报价')} {v.number} ·{' '}
        <a href={`/app/customers/${encodeURIComponent(v.customer.number)}`}>{v.customer.name}</a>{' '}
        <span class="tag">{quoteStatus(v.status, l)}</span>
      </h1>
      {(v.lead || v.orders.length > 0) && (
        <p class="chain" data-testid="chain">
          {v.lead && (
            <>
              <a href={`/app/leads/${encodeURIComponent(v.lead)}`}>
                {say(l, 'Lead', '线索')} {v.lead}
              </a>
              {' → '}
            </>
          )}
          <b>
            {say(l, 'Quote', '报价')} {v.number}
          </b>
          {v.orders.map((o) => (
            <>
              {' → '}
              {o.href ? (
                <a href={o.href}>
                  {say(l, 'Order', '订单')} {o.number}
                </a>
              ) : (
                `${say(l, 'Order', '订单')} ${o.number}`
              )}{' '}
              <span class="tag">{o.state}</span>
            </>
          ))}
        </p>
      )}
      <div class="grid">
        <section class="card">
          <h2>{say(l, 'Details', '详情')}</h2>
          <Fields fields={v.fields} testid="quote-fields" />
        </section>
        <section class="card">
          <h2>{say(l, 'Timeline', '时间线')}</h2>
          <Timeline ctx={ctx} items={v.timeline} />
        </section>
      </div>
      <section class="card">
        <h2>{say(l, 'Items', '明细')}</h2>
        <div class="scroll">
          <table data-testid="quote-items">
            <thead>
              <tr>
                <th>#</th>
                <th>{say(l, 'Item', '品名')}</th>
                <th>{say(l, 'Model', '型号')}</th>
                <th class="num">{say(l, 'Quantity', '数量')}</th>
                {money && <th class="num">{say(l, 'Unit price', '单价')}</th>}
                {money && <th class="num">{say(l, 'Amount', '金额')}</th>}
              </tr>
            </thead>
            <tbody>
              {v.items.map((i) => (
                <tr>
                  <td>{i.no}</td>
                  <td>{i.name}</td>
                  <td>{i.model ?? '—'}</td>
                  <td class="num">{i.qty}</td>
                  {money && <td class="num">{i.unit}</td>}
                  {money && <td class="num">{i.amount}</td>}
                </tr>
              ))}
            </tbody>
            {money && v.total && (
              <tfoot>
                <tr>
                  <th colspan={5} class="num">
                    {say(l, 'Total', '总价')}
                  </th>
                  <th class="num">{v.total}</th>
                </tr>
              </tfoot>
            )}
          </table>
        </div>
      </section>
      {v.versions.length > 1 && (
        <section class="card spaced-top">
          <h2>{say(l, 'Versions', '版本')}</h2>
          <ol class="versions" data-testid="versions">
            {v.versions.map((x) => (
              <li class={x.current ? 'current' : ''}>
                {x.href && !x.current ? <a href={x.href}>{x.number}</a> : <b>{x.number}</b>}{' '}
                <span class="muted">
                  {x.revision === 0
                    ? say(l, 'original', '原始版本')
                    : say(l, `revision ${x.revision}`, `第 ${x.revision} 次修订`)}{' '}
                  · {x.date}
                </span>{' '}
                <span class="tag">{x.status}</span>
              </li>
            ))}
          </ol>
        </section>
      )}
    </Page>
  );
}
