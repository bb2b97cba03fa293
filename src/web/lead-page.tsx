// A lead's page: what lead show gives (who, stage, source, description, owner, deadlines, next step), its
// contact where the reader may see contact data, the quotes made from it and the orders made from those
// (R-LEAD-5), and its timeline (lead history: assignment, follow-ups, escalations, conversion). Who opens it is
// lead show's rule (read-scopes.ts): sales, marketing and supervisors; a rep their own, the unassigned ones and
// those they recorded, whatever the URL.
import { asc, eq, inArray } from 'drizzle-orm';
import type { CardField } from '../cards/card.ts';
import type { FlowContext } from '../core/context.ts';
import { reveal } from '../core/visibility.ts';
import { customers, leads, orders, quotes } from '../db/schema.ts';
import { personName } from '../flows/common.ts';
import { LEAD_STATUS, nameOf, SOURCE_NAMES } from '../flows/labels.ts';
import { LEAD_HISTORY } from '../flows/lead.ts';
import { canSeeOrder, orderStatus } from '../flows/order.ts';
import { canSeeQuote, quoteStatus } from '../flows/quote.ts';
import { mayReadLead } from '../flows/read-scopes.ts';
import { withheld } from './customer-page.tsx';
import { Page } from './layout.tsx';
import { say } from './text.ts';
import { Fields, historyItems, Timeline, type TimelineItem } from './timeline.tsx';

type Link = { number: string; state: string; href: string | null };

export type LeadView = {
  number: string;
  who: string;
  customer: { number: string; name: string } | null;
  status: string;
  fields: CardField[];
  /** Each quote made from the lead, with the orders made from it. */
  chain: { quote: Link; orders: Link[] }[];
  timeline: TimelineItem[];
};

export async function leadView(ctx: FlowContext, number: string): Promise<LeadView | 'missing' | 'refused'> {
  const [lead] = await ctx.tx.select().from(leads).where(eq(leads.number, number.toUpperCase()));
  if (!lead) return 'missing';
  if (!mayReadLead(ctx.actor, lead)) {
    await ctx.audit('denied', 'lead', lead.number, { via: 'web' });
    return 'refused';
  }
  const l = ctx.locale;
  const [c] = lead.customerId
    ? await ctx.tx
        .select({ number: customers.number, name: customers.name })
        .from(customers)
        .where(eq(customers.id, lead.customerId))
    : [];
  // A lead's contact is contact data (policy 5.1): shown as a customer's contacts are, to the owner and managers.
  // Whoever recorded it typed it: they see it too.
  const r = reveal(
    ctx,
    { kind: 'customer', ownerId: lead.ownerId, shared: [] },
    lead.createdBy === ctx.actor.personId ? { owner: true } : {},
  );
  const f = (label: string, value: string | null | undefined): CardField => ({ label, value: value || '—' });
  const contact =
    lead.contactName || lead.phone
      ? r.show('contacts') === 'omitted'
        ? withheld(l)
        : [lead.contactName, lead.phone]
            .filter(Boolean)
            .map((v) => r.text('contacts', 'contacts', v!))
            .join(' · ')
      : null;
  const fields: CardField[] = [
    f(
      say(l, 'Stage', '阶段'),
      nameOf(LEAD_STATUS, lead.status, l) + (lead.important ? say(l, ' · important', ' · 重要') : ''),
    ),
    f(say(l, 'Source', '来源'), nameOf(SOURCE_NAMES, lead.source, l)),
    f(say(l, 'Contact', '联系人'), contact),
    f(say(l, 'Industry', '行业'), lead.industry),
    f(say(l, 'Region', '地区'), lead.region),
    f(say(l, 'Description', '描述'), lead.description),
    f(
      say(l, 'Owner', '负责人'),
      lead.ownerId ? await personName(ctx, lead.ownerId) : say(l, 'unassigned', '未分配'),
    ),
    ...(lead.assignedAt
      ? [
          f(
            say(l, 'Assigned', '分配'),
            `${ctx.fmtDate(lead.assignedAt, true)}${lead.assignedBy ? ` · ${await personName(ctx, lead.assignedBy)}` : ''}`,
          ),
        ]
      : []),
    ...(lead.acceptedAt ? [f(say(l, 'Accepted', '接受'), ctx.fmtDate(lead.acceptedAt, true))] : []),
    f(say(l, 'Follow up by', '跟进期限'), lead.followDueAt ? ctx.fmtDate(lead.followDueAt, true) : null),
    f(
      say(l, 'Next step', '下一步'),
      lead.nextStep
        ? `${lead.nextStep}${lead.nextDueAt ? ` (${ctx.fmtDate(lead.nextDueAt, true)})` : ''}`
        : null,
    ),
    ...(lead.convertedAt ? [f(say(l, 'Converted', '转化时间'), ctx.fmtDate(lead.convertedAt, true))] : []),
    f(
      say(l, 'Created', '创建时间'),
      `${ctx.fmtDate(lead.createdAt, true)} · ${await personName(ctx, lead.createdBy)}`,
    ),
  ];
  // What is not filled in says nothing on a page.
  const filled = fields.filter((x) => x.value !== '—');
  // R-LEAD-5: lead → quotes → orders, each linked where the reader may open it.
  const qs = await ctx.tx.select().from(quotes).where(eq(quotes.leadId, lead.id)).orderBy(asc(quotes.id));
  const os = qs.length
    ? await ctx.tx
        .select()
        .from(orders)
        .where(
          inArray(
            orders.quoteId,
            qs.map((q) => q.id),
          ),
        )
        .orderBy(asc(orders.id))
    : [];
  const chain = qs.map((q) => ({
    quote: {
      number: q.number,
      state: quoteStatus(q.status, l),
      href: canSeeQuote(ctx, q) ? `/app/quotes/${encodeURIComponent(q.number)}` : null,
    },
    orders: os
      .filter((o) => o.quoteId === q.id)
      .map((o) => ({
        number: o.number,
        state: orderStatus(o.status, l),
        href: canSeeOrder(ctx, o) ? `/app/orders/${encodeURIComponent(o.number)}` : null,
      })),
  }));
  const timeline = await historyItems(
    ctx,
    LEAD_HISTORY,
    lead.id,
    reveal(ctx, { kind: 'deal', ownerId: lead.ownerId }),
  );
  await ctx.auditRead('lead', lead.number, r.fields, { via: 'web' });
  return {
    number: lead.number,
    who: c ? `${c.number} ${c.name}` : (lead.prospectName ?? '—'),
    customer: c ?? null,
    status: lead.status,
    fields: filled,
    chain,
    timeline,
  };
}

const LinkTo = (p: { x: Link; word: string }) =>
  p.x.href ? (
    <a href={p.x.href}>
      {p.word} {p.x.number}
    </a>
  ) : (
    <span>
      {p.word} {p.x.number}
    </span>
  );

export function LeadPage(p: { ctx: FlowContext; v: LeadView; csrf: string }) {
  const { ctx, v } = p;
  const l = ctx.locale;
  return (
    <Page title={`${v.number} ${v.who}`} actor={ctx.actor} csrf={p.csrf} section="leads">
      <p class="crumbs">
        <a href="/app/leads">{say(l, '← Leads', '← 线索列表')}</a>
      </p>
      <h1>
        {say(l, 'Lead', '线索')} {v.number} ·{' '}
        {v.customer ? (
          <a href={`/app/customers/${encodeURIComponent(v.customer.number)}`}>{v.customer.name}</a>
        ) : (
          v.who
        )}{' '}
        <span class="tag">{nameOf(LEAD_STATUS, v.status, l)}</span>
      </h1>
      <div class="grid">
        <section class="card">
          <h2>{say(l, 'Details', '详情')}</h2>
          <Fields fields={v.fields} testid="lead-fields" />
          <h2 class="spaced">{say(l, 'Quotes and orders from this lead', '由此线索产生的报价与订单')}</h2>
          {v.chain.length === 0 ? (
            <p class="muted">{say(l, 'No quote yet.', '尚无报价。')}</p>
          ) : (
            <ul class="chain-list" data-testid="chain">
              {v.chain.map((x) => (
                <li>
                  <LinkTo x={x.quote} word={say(l, 'Quote', '报价')} />{' '}
                  <span class="tag">{x.quote.state}</span>
                  {x.orders.map((o) => (
                    <>
                      {' → '}
                      <LinkTo x={o} word={say(l, 'Order', '订单')} /> <span class="tag">{o.state}</span>
                    </>
                  ))}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="card">
          <h2>{say(l, 'Timeline', '时间线')}</h2>
          <Timeline ctx={ctx} items={v.timeline} />
        </section>
      </div>
    </Page>
  );
}
