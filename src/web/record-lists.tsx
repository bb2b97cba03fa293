// The customer, lead, quote and market information lists of the web workspace: each one's rows under the
// same scope as its chat list (src/flows/list-queries.ts builds the condition), searched as customer find
// searches (customerMatch: name, pinyin, contacts where the reader may see them), filtered, sorted and
// paged in SQL. Confidential cells go through the core's Reveal per row; what is shown in full is an
// audited read, like the chat's lists.
import { and, asc, desc, eq, ilike, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { FlowContext } from '../core/context.ts';
import { seesPrices } from '../core/permissions.ts';
import { entitled, Reveal, viewerOf } from '../core/visibility.ts';
import {
  contacts,
  customerShares,
  customers,
  departments,
  intel,
  leads,
  people,
  quotes,
} from '../db/schema.ts';
import { customerMatch } from '../flows/customer-find.ts';
import { intelLevelName, intelStateName, intelStateOf, mayReadIntel } from '../flows/intel.ts';
import { CUSTOMER_STATUS, INTEL_KINDS, LEAD_STATUS, nameOf, SOURCE_NAMES } from '../flows/labels.ts';
import {
  CUSTOMER_TABLE,
  customerScope,
  INTEL_TABLE,
  intelScope,
  LEAD_TABLE,
  leadScope,
  listWhere,
  QUOTE_TABLE,
  quoteScope,
} from '../flows/list-queries.ts';
import { QUOTE_STATUS, quoteStatus } from '../flows/statuses.ts';
import type { Locale } from '../i18n/locale.ts';
import { type Choice, dayRange, type ListFilter, type ListSpec, ownerOf, pageOf } from './record-list.tsx';
import { say } from './text.ts';

const like = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const choices = (names: Record<string, { en: string; zh: string }>, l: Locale): Choice[] =>
  Object.entries(names).map(([value, n]) => ({ value, label: n[l] }));
const order = (f: ListFilter) => (f.dir === 'asc' ? asc : desc);
const lock = (l: Locale) => say(l, '🔒 confidential', '🔒 保密');

export type Listed<R> = { rows: R[]; total: number };

/** The shared filters as list-filters reads them, from the web's from=/to=/owner=. */
const sharedFilters = (ctx: FlowContext, f: ListFilter) => {
  const owner = ownerOf(ctx, f);
  return { page: 1, ...dayRange(ctx, f), ...(owner !== undefined ? { owner } : {}) };
};

/** Whose records a reader may filter by: themselves; managers and others also each seller, and nobody. */
export async function ownerChoices(
  ctx: FlowContext,
  opts: { none?: boolean; anyone?: boolean } = {},
): Promise<Choice[]> {
  const l = ctx.locale;
  const mine = { value: 'me', label: say(l, 'mine', '我的') };
  const none = opts.none ? [{ value: 'none', label: say(l, 'unassigned', '未分配') }] : [];
  if (ctx.actor.role === 'sales_rep') return [mine, ...none];
  const rows = await ctx.tx
    .select({ id: people.id, name: people.name })
    .from(people)
    .where(
      and(
        eq(people.active, true),
        opts.anyone ? sql`${people.role} is not null` : inArray(people.role, ['sales_rep', 'sales_manager']),
      ),
    )
    .orderBy(asc(people.name));
  return [
    mine,
    ...none,
    ...rows.filter((r) => r.id !== ctx.actor.personId).map((r) => ({ value: String(r.id), label: r.name })),
  ];
}

// ---- Customers -------------------------------------------------------------------------------------

export type CustomerRow = {
  number: string;
  name: string;
  industry: string | null;
  region: string | null;
  status: string;
  keyAccount: boolean;
  owner: string | null;
  /** The primary contact as this reader may see it (name · phone), 🔒 when not theirs to see. */
  contact: string | null;
  created: string;
};

export function customerSpec(l: Locale, owners: Choice[]): ListSpec<CustomerRow> {
  return {
    path: '/app/customers',
    section: 'customers',
    title: say(l, 'Customers', '客户'),
    count: (n) => say(l, `${n} customers`, `共 ${n} 个客户`),
    empty: say(l, 'No customers match.', '没有符合条件的客户。'),
    searchHint: say(l, 'name, number, contact, phone, pinyin', '名称、编号、联系人、电话、拼音'),
    states: choices(CUSTOMER_STATUS, l),
    owners,
    defaultSort: 'created',
    file: 'customers',
    columns: [
      {
        key: 'number',
        label: say(l, 'Number', '编号'),
        sort: true,
        cell: (r) => r.number,
        href: (r) => `/app/customers/${encodeURIComponent(r.number)}`,
      },
      { key: 'name', label: say(l, 'Name', '名称'), sort: true, cell: (r) => r.name },
      { key: 'contact', label: say(l, 'Contact', '联系人'), cell: (r) => r.contact },
      { key: 'industry', label: say(l, 'Industry', '行业'), wide: true, cell: (r) => r.industry },
      { key: 'region', label: say(l, 'Region', '地区'), wide: true, cell: (r) => r.region },
      {
        key: 'status',
        label: say(l, 'Status', '状态'),
        tag: true,
        cell: (r) =>
          nameOf(CUSTOMER_STATUS, r.status, l) + (r.keyAccount ? say(l, ' · key account', ' · 重点') : ''),
      },
      { key: 'owner', label: say(l, 'Owner', '负责人'), wide: true, cell: (r) => r.owner },
      { key: 'created', label: say(l, 'Created', '创建日期'), sort: true, cell: (r) => r.created },
    ],
  };
}

export const CUSTOMER_SORTS = ['created', 'number', 'name'];

export async function listCustomers(
  ctx: FlowContext,
  f: ListFilter,
  all = false,
): Promise<Listed<CustomerRow> & { shown: string[] }> {
  const text = f.q;
  const where = and(
    listWhere(
      CUSTOMER_TABLE,
      customerScope(ctx.actor),
      { status: f.state || undefined },
      sharedFilters(ctx, f),
    ),
    text ? or(ilike(customers.number, like(text)), customerMatch(ctx, text)) : undefined,
  );
  const d = order(f);
  const sort = {
    created: [d(customers.id)],
    number: [d(customers.number)],
    name: [d(customers.name), d(customers.id)],
  }[f.sort] ?? [d(customers.id)];
  const { limit, offset } = pageOf(f, all);
  const rows = await ctx.tx
    .select({
      id: customers.id,
      number: customers.number,
      name: customers.name,
      industry: customers.industry,
      region: customers.region,
      status: customers.status,
      keyAccount: customers.keyAccount,
      ownerId: customers.ownerId,
      owner: people.name,
      created: sql<string>`to_char(${customers.createdAt} at time zone ${ctx.actor.timezone}, 'YYYY-MM-DD')`,
    })
    .from(customers)
    .leftJoin(people, eq(people.id, customers.ownerId))
    .where(where)
    .orderBy(...sort)
    .limit(limit)
    .offset(offset);
  const [count] = await ctx.tx.select({ n: sql<number>`count(*)::int` }).from(customers).where(where);
  const ids = rows.map((r) => r.id);
  // The primary contact of each (else the first), and what is shared with the reader's department.
  const people_ = ids.length
    ? await ctx.tx
        .select({ customerId: contacts.customerId, name: contacts.name, phone: contacts.phone })
        .from(contacts)
        .where(inArray(contacts.customerId, ids))
        .orderBy(desc(contacts.primary), asc(contacts.id))
    : [];
  const first = new Map<number, { name: string; phone: string | null }>();
  for (const c of people_) if (!first.has(c.customerId)) first.set(c.customerId, c);
  const shares =
    ids.length && ctx.actor.department
      ? await ctx.tx
          .select({ customerId: customerShares.customerId, fields: customerShares.fields })
          .from(customerShares)
          .innerJoin(departments, eq(departments.id, customerShares.departmentId))
          .where(and(inArray(customerShares.customerId, ids), eq(departments.code, ctx.actor.department)))
      : [];
  const sharedOf = new Map(shares.map((s) => [s.customerId, s.fields]));
  const viewer = viewerOf(ctx);
  const l = ctx.locale;
  const shown: string[] = [];
  const out = rows.map((r) => {
    const c = first.get(r.id);
    let contact: string | null = null;
    if (c) {
      const reveal = new Reveal(
        viewer,
        { kind: 'customer', ownerId: r.ownerId, shared: sharedOf.get(r.id) ?? [] },
        ctx.org.currency,
      );
      const phone = c.phone ? reveal.text('contacts', 'contacts', c.phone) : null;
      contact =
        reveal.show('contacts') === 'omitted'
          ? lock(l)
          : [reveal.text('contacts', 'contacts', c.name), phone].filter(Boolean).join(' · ');
      if (reveal.fields.length) shown.push(r.number);
    }
    return {
      number: r.number,
      name: r.name,
      industry: r.industry,
      region: r.region,
      status: r.status,
      keyAccount: r.keyAccount,
      owner: r.owner,
      contact,
      created: r.created,
    };
  });
  return { rows: out, total: Number(count?.n ?? 0), shown };
}

// ---- Leads -----------------------------------------------------------------------------------------

export type LeadRow = {
  number: string;
  who: string;
  customerNumber: string | null;
  contact: string | null;
  source: string;
  status: string;
  important: boolean;
  owner: string | null;
  due: string | null;
  created: string;
};

/** Open leads: what lead list shows unless asked otherwise. */
const OPEN_LEADS = ['new', 'assigned', 'following'];

export function leadSpec(l: Locale, owners: Choice[]): ListSpec<LeadRow> {
  return {
    path: '/app/leads',
    section: 'leads',
    title: say(l, 'Leads', '线索'),
    count: (n) => say(l, `${n} leads`, `共 ${n} 条线索`),
    empty: say(l, 'No leads match.', '没有符合条件的线索。'),
    searchHint: say(l, 'number, name, contact, phone', '编号、名称、联系人、电话'),
    states: [{ value: 'open', label: say(l, 'open', '未完成') }, ...choices(LEAD_STATUS, l)],
    stateLabel: say(l, 'Stage', '阶段'),
    kinds: choices(SOURCE_NAMES, l),
    kindLabel: say(l, 'Source', '来源'),
    owners,
    defaultSort: 'created',
    file: 'leads',
    columns: [
      {
        key: 'number',
        label: say(l, 'Lead', '线索'),
        sort: true,
        cell: (r) => r.number,
        href: (r) => `/app/leads/${encodeURIComponent(r.number)}`,
      },
      {
        key: 'who',
        label: say(l, 'Customer or prospect', '客户或潜在客户'),
        cell: (r) => r.who + (r.important ? ' ❗' : ''),
        href: (r) => (r.customerNumber ? `/app/customers/${encodeURIComponent(r.customerNumber)}` : null),
      },
      { key: 'contact', label: say(l, 'Contact', '联系人'), wide: true, cell: (r) => r.contact },
      {
        key: 'source',
        label: say(l, 'Source', '来源'),
        wide: true,
        cell: (r) => nameOf(SOURCE_NAMES, r.source, l),
      },
      {
        key: 'status',
        label: say(l, 'Stage', '阶段'),
        tag: true,
        cell: (r) => nameOf(LEAD_STATUS, r.status, l),
      },
      {
        key: 'owner',
        label: say(l, 'Owner', '负责人'),
        cell: (r) => r.owner ?? say(l, 'unassigned', '未分配'),
      },
      { key: 'due', label: say(l, 'Follow up by', '跟进期限'), sort: true, wide: true, cell: (r) => r.due },
      {
        key: 'created',
        label: say(l, 'Created', '创建日期'),
        sort: true,
        wide: true,
        cell: (r) => r.created,
      },
    ],
  };
}

export const LEAD_SORTS = ['created', 'number', 'due'];

export async function listLeads(
  ctx: FlowContext,
  f: ListFilter,
  all = false,
): Promise<Listed<LeadRow> & { shown: string[] }> {
  const text = f.q;
  const digits = text.replace(/\D/g, '');
  // A lead's contact is searched where the reader may see it (as customer find searches contacts).
  const seesAll = entitled({ actor: ctx.actor, audience: 'private' }, 'contacts', {
    kind: 'customer',
    ownerId: -1,
    shared: [],
  });
  const contactMatch = or(
    ilike(leads.contactName, like(text)),
    digits.length >= 4
      ? sql`regexp_replace(coalesce(${leads.phone}, ''), '\\D', '', 'g') like ${`%${digits}%`}`
      : undefined,
  );
  const matchingCustomers = ctx.tx
    .select({ id: customers.id })
    .from(customers)
    .where(customerMatch(ctx, text));
  const search: SQL | undefined = text
    ? or(
        ilike(leads.number, like(text)),
        ilike(leads.prospectName, like(text)),
        inArray(leads.customerId, matchingCustomers),
        seesAll
          ? contactMatch
          : ctx.actor.role === 'sales_rep'
            ? and(eq(leads.ownerId, ctx.actor.personId), contactMatch)
            : undefined,
      )
    : undefined;
  const where = and(
    listWhere(
      LEAD_TABLE,
      leadScope(ctx.actor),
      f.state === 'open' ? { statuses: OPEN_LEADS } : { status: f.state || undefined },
      sharedFilters(ctx, f),
    ),
    f.kind ? eq(leads.source, f.kind) : undefined,
    search,
  );
  const d = order(f);
  const due = sql`coalesce(${leads.nextDueAt}, ${leads.followDueAt})`;
  const sort = {
    created: [d(leads.id)],
    number: [d(leads.number)],
    due: [f.dir === 'asc' ? sql`${due} asc nulls last` : sql`${due} desc nulls last`, d(leads.id)],
  }[f.sort] ?? [d(leads.id)];
  const { limit, offset } = pageOf(f, all);
  const zone = ctx.actor.timezone;
  const rows = await ctx.tx
    .select({
      number: leads.number,
      prospect: leads.prospectName,
      customer: customers.name,
      customerNumber: customers.number,
      contactName: leads.contactName,
      phone: leads.phone,
      source: leads.source,
      status: leads.status,
      important: leads.important,
      ownerId: leads.ownerId,
      createdBy: leads.createdBy,
      owner: people.name,
      due: sql<string | null>`to_char(${due} at time zone ${zone}, 'YYYY-MM-DD HH24:MI')`,
      created: sql<string>`to_char(${leads.createdAt} at time zone ${zone}, 'YYYY-MM-DD')`,
    })
    .from(leads)
    .leftJoin(customers, eq(customers.id, leads.customerId))
    .leftJoin(people, eq(people.id, leads.ownerId))
    .where(where)
    .orderBy(...sort)
    .limit(limit)
    .offset(offset);
  const [count] = await ctx.tx.select({ n: sql<number>`count(*)::int` }).from(leads).where(where);
  const viewer = viewerOf(ctx);
  const l = ctx.locale;
  const shown: string[] = [];
  const out = rows.map((r) => {
    // The owner and the managers see it, as a customer's; and whoever recorded it (they typed it).
    const reveal = new Reveal(
      r.createdBy === ctx.actor.personId ? { ...viewer, owner: true } : viewer,
      { kind: 'customer', ownerId: r.ownerId, shared: [] },
      ctx.org.currency,
    );
    let contact: string | null = null;
    if (r.contactName || r.phone) {
      contact =
        reveal.show('contacts') === 'omitted'
          ? lock(l)
          : [r.contactName, r.phone]
              .filter(Boolean)
              .map((v) => reveal.text('contacts', 'contacts', v!))
              .join(' · ');
      if (reveal.fields.length) shown.push(r.number);
    }
    return {
      number: r.number,
      who: r.customer ?? r.prospect ?? '—',
      customerNumber: r.customerNumber,
      contact,
      source: r.source,
      status: r.status,
      important: r.important,
      owner: r.owner,
      due: OPEN_LEADS.includes(r.status) ? r.due : null,
      created: r.created,
    };
  });
  return { rows: out, total: Number(count?.n ?? 0), shown };
}

// ---- Quotes ----------------------------------------------------------------------------------------

export type QuoteRow = {
  number: string;
  customerNumber: string;
  customer: string;
  status: string;
  total: string | null;
  valid: string | null;
  owner: string;
  created: string;
};

export function quoteSpec(l: Locale, owners: Choice[]): ListSpec<QuoteRow> {
  return {
    path: '/app/quotes',
    section: 'quotes',
    title: say(l, 'Quotes', '报价'),
    count: (n) => say(l, `${n} quotes`, `共 ${n} 份报价`),
    empty: say(l, 'No quotes match.', '没有符合条件的报价。'),
    searchHint: say(l, 'number, customer, contact', '报价号、客户、联系人'),
    states: choices(QUOTE_STATUS, l),
    owners,
    defaultSort: 'created',
    file: 'quotes',
    columns: [
      {
        key: 'number',
        label: say(l, 'Quote', '报价号'),
        sort: true,
        cell: (r) => r.number,
        href: (r) => `/app/quotes/${encodeURIComponent(r.number)}`,
      },
      {
        key: 'customer',
        label: say(l, 'Customer', '客户'),
        sort: true,
        cell: (r) => r.customer,
        href: (r) => `/app/customers/${encodeURIComponent(r.customerNumber)}`,
      },
      { key: 'status', label: say(l, 'Status', '状态'), tag: true, cell: (r) => quoteStatus(r.status, l) },
      { key: 'total', label: say(l, 'Total', '总价'), sort: true, num: true, cell: (r) => r.total },
      {
        key: 'valid',
        label: say(l, 'Valid until', '有效期至'),
        sort: true,
        wide: true,
        cell: (r) => r.valid,
      },
      { key: 'owner', label: say(l, 'Owner', '负责人'), wide: true, cell: (r) => r.owner },
      { key: 'created', label: say(l, 'Created', '创建日期'), sort: true, cell: (r) => r.created },
    ],
  };
}

export const QUOTE_SORTS = ['created', 'number', 'customer', 'valid', 'total'];

export async function listQuotes(
  ctx: FlowContext,
  f: ListFilter,
  all = false,
): Promise<Listed<QuoteRow> & { shown: string[] }> {
  const text = f.q;
  const matching = ctx.tx.select({ id: customers.id }).from(customers).where(customerMatch(ctx, text));
  const where = and(
    listWhere(QUOTE_TABLE, quoteScope(ctx.actor), { status: f.state || undefined }, sharedFilters(ctx, f)),
    text ? or(ilike(quotes.number, like(text)), inArray(quotes.customerId, matching)) : undefined,
  );
  const d = order(f);
  const sort = {
    created: [d(quotes.id)],
    number: [d(quotes.number)],
    customer: [d(customers.name), d(quotes.id)],
    valid: [
      f.dir === 'asc' ? sql`${quotes.validUntil} asc nulls last` : sql`${quotes.validUntil} desc nulls last`,
    ],
    total: [d(quotes.totalMinor), d(quotes.id)],
  }[f.sort] ?? [d(quotes.id)];
  const { limit, offset } = pageOf(f, all);
  const rows = await ctx.tx
    .select({
      number: quotes.number,
      customerNumber: customers.number,
      customer: customers.name,
      status: quotes.status,
      totalMinor: quotes.totalMinor,
      valid: quotes.validUntil,
      ownerId: quotes.ownerId,
      owner: people.name,
      created: sql<string>`to_char(${quotes.createdAt} at time zone ${ctx.actor.timezone}, 'YYYY-MM-DD')`,
    })
    .from(quotes)
    .innerJoin(customers, eq(customers.id, quotes.customerId))
    .innerJoin(people, eq(people.id, quotes.ownerId))
    .where(where)
    .orderBy(...sort)
    .limit(limit)
    .offset(offset);
  const [count] = await ctx.tx.select({ n: sql<number>`count(*)::int` }).from(quotes).where(where);
  const viewer = viewerOf(ctx);
  const shown: string[] = [];
  const out = rows.map((r) => {
    const reveal = new Reveal(viewer, { kind: 'deal', ownerId: r.ownerId }, ctx.org.currency);
    const total = reveal.money('total', r.totalMinor);
    if (reveal.fields.length) shown.push(r.number);
    return {
      number: r.number,
      customerNumber: r.customerNumber,
      customer: r.customer,
      status: r.status,
      total: total ?? lock(ctx.locale),
      valid: r.valid,
      owner: r.owner,
      created: r.created,
    };
  });
  return { rows: out, total: Number(count?.n ?? 0), shown };
}

/** Who sees quotes at all (quote list, quote show): those who see prices. */
export const readsQuotes = seesPrices;

// ---- Market information ----------------------------------------------------------------------------

export type IntelRow = {
  number: string;
  title: string;
  kind: string;
  level: string;
  state: string;
  by: string;
  created: string;
};

const INTEL_STATES = ['verified', 'unverified', 'rejected'] as const;

export function intelSpec(l: Locale, owners: Choice[]): ListSpec<IntelRow> {
  return {
    path: '/app/intel',
    section: 'intel',
    title: say(l, 'Market information', '市场信息'),
    count: (n) => say(l, `${n} items`, `共 ${n} 条`),
    empty: say(l, 'No market information for you matches.', '没有符合条件、您可查看的市场信息。'),
    searchHint: say(l, 'number, title, text, competitor…', '编号、标题、内容、竞争对手等'),
    states: INTEL_STATES.map((s) => ({ value: s, label: intelStateName(s, l) })),
    kinds: choices(INTEL_KINDS, l),
    kindLabel: say(l, 'Kind', '类型'),
    owners,
    ownerLabel: say(l, 'Recorded by', '录入人'),
    defaultSort: 'created',
    file: 'market-information',
    columns: [
      {
        key: 'number',
        label: say(l, 'Number', '编号'),
        sort: true,
        cell: (r) => r.number,
        href: (r) => `/app/intel/${encodeURIComponent(r.number)}`,
      },
      { key: 'title', label: say(l, 'Title', '标题'), cell: (r) => r.title },
      { key: 'kind', label: say(l, 'Kind', '类型'), wide: true, cell: (r) => nameOf(INTEL_KINDS, r.kind, l) },
      {
        key: 'level',
        label: say(l, 'Level', '密级'),
        tag: true,
        tagClass: (r) => `level-${r.level}`,
        cell: (r) => intelLevelName(r.level, l),
      },
      { key: 'state', label: say(l, 'State', '状态'), cell: (r) => intelStateName(r.state, l) },
      { key: 'by', label: say(l, 'Recorded by', '录入人'), wide: true, cell: (r) => r.by },
      { key: 'created', label: say(l, 'Recorded', '录入日期'), sort: true, cell: (r) => r.created },
    ],
  };
}

export const INTEL_SORTS = ['created', 'number'];

export async function listIntel(ctx: FlowContext, f: ListFilter, all = false): Promise<Listed<IntelRow>> {
  const text = f.q;
  const state =
    f.state === 'verified'
      ? eq(intel.verified, true)
      : f.state === 'rejected'
        ? eq(intel.rejected, true)
        : f.state === 'unverified'
          ? and(eq(intel.verified, false), eq(intel.rejected, false))
          : undefined;
  const where = and(
    listWhere(INTEL_TABLE, intelScope(ctx.actor), {}, sharedFilters(ctx, f)),
    f.kind ? eq(intel.kind, f.kind) : undefined,
    state,
    // The text and structured fields are searched too, but not a confidential item's: a hit would tell
    // something of its text without the audited read that showing it is (its number and title find it).
    text
      ? or(
          ilike(intel.number, like(text)),
          ilike(intel.title, like(text)),
          and(
            sql`${intel.level} <> 'confidential'`,
            or(ilike(intel.body, like(text)), sql`${intel.details}::text ilike ${like(text)}`),
          ),
        )
      : undefined,
  );
  const d = order(f);
  const sort = { created: [d(intel.id)], number: [d(intel.number)] }[f.sort] ?? [d(intel.id)];
  const { limit, offset } = pageOf(f, all);
  const rows = await ctx.tx
    .select({ row: intel, by: people.name })
    .from(intel)
    .innerJoin(people, eq(people.id, intel.createdBy))
    .where(where)
    .orderBy(...sort)
    .limit(limit)
    .offset(offset);
  const [count] = await ctx.tx.select({ n: sql<number>`count(*)::int` }).from(intel).where(where);
  return {
    // The SQL scope is intel show's rule; each row is asked once more, so the two can never disagree quietly.
    rows: rows
      .filter(({ row }) => mayReadIntel(ctx, row))
      .map(({ row, by }) => ({
        number: row.number,
        title: row.title,
        kind: row.kind,
        level: row.level,
        state: intelStateOf(row),
        by,
        created: ctx.fmtDate(row.createdAt),
      })),
    total: Number(count?.n ?? 0),
  };
}
