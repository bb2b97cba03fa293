// A customer's page: the card as customer show gives it in a private chat (profile, purchase intent, needs),
// its contacts, its leads, quotes and orders, and its timeline (customer history). A rep opens only their
// own customers and those shared with their department, whatever the URL; every confidential part follows
// the core's Reveal (a part the reader may not see is marked as withheld rather than silently missing),
// and opening the page is an audited read, as customer show is.
import { and, asc, desc, eq, or } from 'drizzle-orm';
import type { CardField } from '../cards/card.ts';
import type { FlowContext } from '../core/context.ts';
import { seesPrices } from '../core/permissions.ts';
import { CUSTOMER_CLASSES, entitled, Reveal, reveal, viewerOf } from '../core/visibility.ts';
import { contacts, customerNeeds, customers, leads, orders, people, quotes } from '../db/schema.ts';
import { personName } from '../flows/common.ts';
import { CUSTOMER_HISTORY, sharedFields } from '../flows/customer.ts';
import {
  CUSTOMER_STATUS,
  formatQuantity,
  LEAD_STATUS,
  LEVEL3,
  nameOf,
  namesOf,
  SHARE_FIELD_NAMES,
} from '../flows/labels.ts';
import { leadScope, readsLeads } from '../flows/list-queries.ts';
import { canSeeOrder, orderStatus } from '../flows/order.ts';
import { canSeeQuote, quoteStatus } from '../flows/quote.ts';
import { Page } from './layout.tsx';
import { say } from './text.ts';
import { Fields, historyItems, Timeline, type TimelineItem } from './timeline.tsx';

export type Contact = {
  no: number;
  primary: boolean;
  name: string;
  title: string | null;
  phone: string | null;
  email: string | null;
  fax: string | null;
};

/** A lead, quote or order of the customer, as a row of its section; `href` null when not the reader's to open. */
export type Related = {
  number: string;
  href: string | null;
  state: string;
  date: string;
  amount?: string | null;
  owner: string | null;
};

export type CustomerView = {
  number: string;
  name: string;
  mergedInto?: string;
  fields: CardField[];
  /** Null: the reader may not see this customer's contacts. */
  contacts: Contact[] | null;
  /** Null: not the reader's to see (trade history is confidential); else the sections. */
  related: { leads: Related[] | null; quotes: Related[] | null; orders: Related[] } | null;
  hidden: string | null;
  timeline: TimelineItem[];
};

export const withheld = (l: 'en' | 'zh') => say(l, '🔒 confidential', '🔒 保密');

export async function customerView(
  ctx: FlowContext,
  number: string,
): Promise<CustomerView | 'missing' | 'refused'> {
  const [c] = await ctx.tx.select().from(customers).where(eq(customers.number, number.toUpperCase()));
  if (!c) return 'missing';
  const shared = await sharedFields(ctx, c.id, ctx.actor.department);
  if (ctx.actor.role === 'sales_rep' && c.ownerId !== ctx.actor.personId && shared.length === 0) {
    await ctx.audit('denied', 'customer', c.number, { via: 'web', reason: "another rep's customer" });
    return 'refused';
  }
  const l = ctx.locale;
  if (c.mergedIntoId !== null) {
    const [into] = await ctx.tx
      .select({ number: customers.number })
      .from(customers)
      .where(eq(customers.id, c.mergedIntoId));
    return {
      number: c.number,
      name: c.name,
      mergedInto: into?.number ?? '',
      fields: [],
      contacts: null,
      related: null,
      hidden: null,
      timeline: [],
    };
  }
  const r = reveal(ctx, { kind: 'customer', ownerId: c.ownerId, shared });
  const f = (label: string, value: string | null | undefined): CardField => ({ label, value: value || '—' });
  // The profile's parts that are filled in (an empty one says nothing on a page).
  const profile: [string, string | null][] = [
    [say(l, 'Industry', '行业'), c.industry],
    [say(l, 'Region', '地区'), c.region],
    [say(l, 'Address', '地址'), c.address],
    [say(l, 'Size', '规模'), c.size],
    [say(l, 'Scope', '经营范围'), c.scope],
  ];
  const fields: CardField[] = [
    ...profile.filter(([, v]) => v).map(([label, v]) => f(label, v)),
    f(say(l, 'Owner', '负责人'), await personName(ctx, c.ownerId)),
    f(
      say(l, 'Status', '状态'),
      nameOf(CUSTOMER_STATUS, c.status, l) + (c.keyAccount ? say(l, ' · key account', ' · 重点客户') : ''),
    ),
    f(say(l, 'Created', '创建时间'), ctx.fmtDate(c.createdAt, true)),
  ];
  if (c.intentLikelihood || c.intentBudgetMinor !== null || c.intentProcess || c.intentDecisionMakers) {
    const intent = r.block(['intent', ...(c.intentBudgetMinor !== null ? ['budget'] : [])], 'intent', () =>
      [
        c.intentLikelihood && nameOf(LEVEL3, c.intentLikelihood, l),
        c.intentBudgetMinor !== null ? ctx.money(c.intentBudgetMinor) : null,
        c.intentProcess,
        c.intentDecisionMakers,
      ]
        .filter(Boolean)
        .join(' · '),
    );
    fields.push(f(say(l, 'Purchase intent', '购买意向'), intent ?? withheld(l)));
  }
  if (r.show('needs') !== 'omitted') {
    const needs = await ctx.tx
      .select()
      .from(customerNeeds)
      .where(eq(customerNeeds.customerId, c.id))
      .orderBy(asc(customerNeeds.id));
    for (const n of needs)
      fields.push(
        f(
          say(l, 'Need', '需求'),
          r.block(['needs'], 'needs', () =>
            [
              n.spec,
              n.model,
              n.quantity && formatQuantity(n.quantity),
              n.quality,
              n.deliveryDate,
              n.priceSensitivity &&
                `${say(l, 'price sensitivity', '价格敏感度')} ${nameOf(LEVEL3, n.priceSensitivity, l)}`,
            ]
              .filter(Boolean)
              .join(' · '),
          ),
        ),
      );
  }
  let people_: Contact[] | null = null;
  if (r.show('contacts') !== 'omitted') {
    const rows = await ctx.tx
      .select()
      .from(contacts)
      .where(eq(contacts.customerId, c.id))
      .orderBy(asc(contacts.id));
    people_ = rows.map((p, i) => ({
      no: i + 1,
      primary: p.primary && rows.length > 1,
      name: p.name,
      title: p.title,
      phone: p.phone ? r.text('contacts', 'contacts', p.phone) : null,
      email: p.email ? r.text('contacts', 'contacts', p.email) : null,
      fax: p.fax ? r.text('contacts', 'contacts', p.fax) : null,
    }));
  }
  let related: CustomerView['related'] = null;
  if (r.show('history') !== 'omitted') {
    r.use('history', 'history');
    related = await relatedOf(ctx, c.id);
  }
  const hiddenClasses = CUSTOMER_CLASSES.filter((cls) => r.show(cls) === 'omitted');
  const hidden = hiddenClasses.length
    ? `${namesOf(SHARE_FIELD_NAMES, hiddenClasses, l)} (${
        ctx.actor.role === 'sales_rep'
          ? say(
              l,
              'another rep’s customer: ask the owner or the sales manager',
              '其他销售的客户，请联系负责人或销售经理',
            )
          : say(l, 'not shared with your department', '未共享给您的部门')
      })`
    : null;
  const timeline = await historyItems(ctx, CUSTOMER_HISTORY, c.id, r);
  // As customer show: opening a customer is a read even when nothing secret showed ('profile').
  await ctx.auditRead('customer', c.number, r.fields.length > 0 ? r.fields : ['profile'], {
    via: 'web',
    ...(shared.length > 0 &&
    !entitled(r.viewer, 'contacts', { kind: 'customer', ownerId: c.ownerId, shared: [] })
      ? { share: ctx.actor.department }
      : {}),
  });
  return { number: c.number, name: c.name, fields, contacts: people_, related, hidden, timeline };
}

/** The customer's leads, quotes and orders, each linked where the reader may open it. */
async function relatedOf(
  ctx: FlowContext,
  customerId: number,
): Promise<NonNullable<CustomerView['related']>> {
  const l = ctx.locale;
  const viewer = viewerOf(ctx);
  const leadRows = readsLeads(ctx.actor)
    ? await ctx.tx
        .select({ lead: leads, owner: people.name })
        .from(leads)
        .leftJoin(people, eq(people.id, leads.ownerId))
        .where(
          and(
            or(eq(leads.customerId, customerId), eq(leads.convertedCustomerId, customerId)),
            leadScope(ctx.actor),
          ),
        )
        .orderBy(desc(leads.id))
        .limit(50)
    : null;
  const quoteRows = seesPrices(ctx.actor)
    ? await ctx.tx
        .select({ q: quotes, owner: people.name })
        .from(quotes)
        .innerJoin(people, eq(people.id, quotes.ownerId))
        .where(eq(quotes.customerId, customerId))
        .orderBy(desc(quotes.id))
        .limit(50)
    : null;
  const orderRows = await ctx.tx
    .select({ o: orders, owner: people.name })
    .from(orders)
    .innerJoin(people, eq(people.id, orders.ownerId))
    .where(eq(orders.customerId, customerId))
    .orderBy(desc(orders.id))
    .limit(50);
  const reads: { quote: string[]; order: string[] } = { quote: [], order: [] };
  const amount = (kind: 'quote' | 'order', number: string, ownerId: number, minor: bigint) => {
    const rv = new Reveal(viewer, { kind: 'deal', ownerId }, ctx.org.currency);
    const v = rv.money('total', minor);
    if (rv.fields.length) reads[kind].push(number);
    return v ?? withheld(l);
  };
  const out = {
    leads:
      leadRows?.map(({ lead, owner }) => ({
        number: lead.number,
        href: `/app/leads/${encodeURIComponent(lead.number)}`,
        state: nameOf(LEAD_STATUS, lead.status, l),
        date: ctx.fmtDate(lead.createdAt),
        owner,
      })) ?? null,
    quotes:
      quoteRows
        ?.filter(({ q }) => canSeeQuote(ctx, q))
        .map(({ q, owner }) => ({
          number: q.number,
          href: `/app/quotes/${encodeURIComponent(q.number)}`,
          state: quoteStatus(q.status, l),
          date: ctx.fmtDate(q.createdAt),
          amount: amount('quote', q.number, q.ownerId, q.totalMinor),
          owner,
        })) ?? null,
    orders: orderRows
      .filter(({ o }) => canSeeOrder(ctx, o))
      .map(({ o, owner }) => ({
        number: o.number,
        href: `/app/orders/${encodeURIComponent(o.number)}`,
        state: orderStatus(o.status, l),
        date: o.orderDate,
        amount: amount('order', o.number, o.ownerId, o.totalMinor),
        owner,
      })),
  };
  await ctx.auditRead('quote', reads.quote, ['total'], { via: 'web' });
  await ctx.auditRead('order', reads.order, ['total'], { via: 'web' });
  return out;
}

function RelatedList(p: { l: 'en' | 'zh'; rows: Related[]; testid: string }) {
  if (p.rows.length === 0) return <p class="muted">{say(p.l, 'None.', '无。')}</p>;
  return (
    <ul class="related" data-testid={p.testid}>
      {p.rows.map((x) => (
        <li>
          <span class="what">
            {x.href ? <a href={x.href}>{x.number}</a> : x.number} <span class="tag">{x.state}</span>
          </span>
          {x.amount !== undefined && <span class="num">{x.amount ?? '—'}</span>}
          <span class="muted small">
            {x.date}
            {x.owner ? ` · ${x.owner}` : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function CustomerPage(p: { ctx: FlowContext; v: CustomerView; csrf: string }) {
  const { ctx, v } = p;
  const l = ctx.locale;
  if (v.mergedInto !== undefined)
    return (
      <Page title={v.name} actor={ctx.actor} csrf={p.csrf} section="customers">
        <h1>
          {v.number} {v.name}
        </h1>
        <section class="card">
          <p>
            {say(l, 'Merged into ', '已合并至 ')}
            <a href={`/app/customers/${encodeURIComponent(v.mergedInto)}`}>{v.mergedInto}</a>
            {say(l, ': its records are there.', '：其记录均在该客户下。')}
          </p>
        </section>
      </Page>
    );
  return (
    <Page title={v.name} actor={ctx.actor} csrf={p.csrf} section="customers">
      <p class="crumbs">
        <a href="/app/customers">{say(l, '← Customers', '← 客户列表')}</a>
      </p>
      <h1>
        {v.number} {v.name}
      </h1>
      <div class="grid">
        <section class="card">
          <h2>{say(l, 'Details', '详情')}</h2>
          <Fields fields={v.fields} testid="customer-fields" />
          {v.hidden && (
            <p class="muted spaced" data-testid="not-shown">
              🔒 {say(l, 'Not shown: ', '未显示：')}
              {v.hidden}
            </p>
          )}
        </section>
        <section class="card">
          <h2>{say(l, 'Contacts', '联系人')}</h2>
          {v.contacts === null ? (
            <p class="muted" data-testid="contacts-withheld">
              {withheld(l)}
            </p>
          ) : v.contacts.length === 0 ? (
            <p class="muted">{say(l, 'No contacts yet.', '暂无联系人。')}</p>
          ) : (
            <ul class="contacts" data-testid="contacts">
              {v.contacts.map((x) => (
                <li>
                  <b>
                    {x.name}
                    {x.primary ? ' ★' : ''}
                  </b>
                  {x.title && <span class="muted"> · {x.title}</span>}
                  <div class="muted">
                    {[
                      x.phone && `☎ ${x.phone}`,
                      x.email && `✉ ${x.email}`,
                      x.fax && `${say(l, 'fax', '传真')} ${x.fax}`,
                    ]
                      .filter(Boolean)
                      .join(' · ') || '—'}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      {v.related ? (
        <div class="grid">
          {v.related.leads && (
            <section class="card">
              <h2>{say(l, 'Leads', '线索')}</h2>
              <RelatedList l={l} rows={v.related.leads} testid="customer-leads" />
            </section>
          )}
          {v.related.quotes && (
            <section class="card">
              <h2>{say(l, 'Quotes', '报价')}</h2>
              <RelatedList l={l} rows={v.related.quotes} testid="customer-quotes" />
            </section>
          )}
          <section class="card">
            <h2>
              {say(l, 'Orders', '订单')}{' '}
              <a class="small" href={`/app/orders?q=${encodeURIComponent(v.number)}`}>
                {say(l, 'in the order list', '在订单列表中查看')}
              </a>
            </h2>
            <RelatedList l={l} rows={v.related.orders} testid="customer-orders" />
          </section>
        </div>
      ) : null}
      <section class="card">
        <h2>{say(l, 'Timeline', '时间线')}</h2>
        <Timeline ctx={ctx} items={v.timeline} />
      </section>
    </Page>
  );
}
