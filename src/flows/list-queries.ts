// The rows of the customer, lead, quote and order lists: who may see which rows (as each list always
// allowed), the list's own filters and the shared ones (list-filters.ts), counted and paged. Kept apart from
// the chat commands so the web workspace lists the same rows the same way: each list's condition is built
// by one builder (listWhere) over its table's columns, and its reader's scope is a function here.
import {
  and,
  arrayContains,
  count,
  desc,
  eq,
  ilike,
  inArray,
  isNull,
  not,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Actor } from '../core/actor.ts';
import { isMarketing, isSupervisor, seesPrices } from '../core/permissions.ts';
import type { Queryable } from '../db/client.ts';
import {
  customerShares,
  customers,
  departments,
  intel,
  leads,
  orders,
  people,
  quotes,
} from '../db/schema.ts';
import { filterWhere, type ListFilters, pagesOf } from './list-filters.ts';
import { leadScope, orderScope } from './read-scopes.ts';

const contains = (text: string) => `%${text.replace(/[%_\\]/g, '\\$&')}%`;

export type Page<T> = { rows: T[]; total: number; pages: number };

/** The columns of a listed table that the shared filters read. */
export type ListTable = {
  /** When a row was made (since=, until=). */
  made: PgColumn;
  /** Whose it is (owner=). */
  owner: PgColumn;
  status?: PgColumn;
  customer?: PgColumn;
};

/** A list's own conditions besides the shared filters. */
export type ListQuery = {
  customerId?: number | undefined;
  status?: string | undefined;
  /** A set of statuses (null or absent: any). */
  statuses?: string[] | null | undefined;
};

/** One list's condition: its reader's scope, its own query and the shared filters, over its columns. */
export function listWhere(
  t: ListTable,
  scope: SQL | undefined,
  q: ListQuery,
  f: ListFilters,
): SQL | undefined {
  return and(
    scope,
    q.customerId !== undefined && t.customer ? eq(t.customer, q.customerId) : undefined,
    q.status && t.status ? eq(t.status, q.status) : undefined,
    q.statuses && t.status ? inArray(t.status, q.statuses) : undefined,
    filterWhere(f, t.made, t.owner),
  );
}

export const CUSTOMER_TABLE: ListTable = {
  made: customers.createdAt,
  owner: customers.ownerId,
  status: customers.status,
};
export const LEAD_TABLE: ListTable = {
  made: leads.createdAt,
  owner: leads.ownerId,
  status: leads.status,
  customer: leads.customerId,
};
export const QUOTE_TABLE: ListTable = {
  made: quotes.createdAt,
  owner: quotes.ownerId,
  status: quotes.status,
  customer: quotes.customerId,
};
export const ORDER_TABLE: ListTable = {
  made: orders.createdAt,
  owner: orders.ownerId,
  status: orders.status,
  customer: orders.customerId,
};
export const INTEL_TABLE: ListTable = { made: intel.createdAt, owner: intel.createdBy };

async function paged<T>(
  f: ListFilters,
  total: () => Promise<{ n: number }[]>,
  rows: (limit: number, offset: number) => Promise<T[]>,
): Promise<Page<T>> {
  const n = (await total())[0]!.n;
  const { pages, limit, offset } = pagesOf(n, f);
  return { rows: n === 0 ? [] : await rows(limit, offset), total: n, pages };
}

/**
 * The customers a reader may open (the web workspace's customer page): a rep their own and those shared
 * with their department, everyone else all (what they may read of each is the core's Reveal). A merged
 * customer is listed as the one it went into.
 */
export function customerScope(viewer: Actor): SQL | undefined {
  const live = isNull(customers.mergedIntoId);
  if (viewer.role !== 'sales_rep') return live;
  // The customers shared with the rep's department, found once (not probed per customer).
  const shared = viewer.department
    ? inArray(
        customers.id,
        sql`(select ${customerShares.customerId} from ${customerShares} join ${departments} on ${departments.id} = ${customerShares.departmentId}
             where ${departments.code} = ${viewer.department})`,
      )
    : undefined;
  return and(live, or(eq(customers.ownerId, viewer.personId), shared));
}

/** Customers, newest first; a merged one is listed as the customer it went into, not itself. */
export function customerList(
  db: Queryable,
  q: { name?: string | undefined; industry?: string | undefined },
  f: ListFilters,
) {
  const where = and(
    listWhere(CUSTOMER_TABLE, isNull(customers.mergedIntoId), {}, f),
    q.name ? ilike(customers.name, contains(q.name)) : undefined,
    q.industry ? ilike(customers.industry, contains(q.industry)) : undefined,
  );
  return paged(
    f,
    () => db.select({ n: count() }).from(customers).where(where),
    (limit, offset) =>
      db
        .select({
          number: customers.number,
          name: customers.name,
          industry: customers.industry,
          status: customers.status,
          owner: people.name,
        })
        .from(customers)
        .leftJoin(people, eq(people.id, customers.ownerId))
        .where(where)
        .orderBy(desc(customers.id))
        .limit(limit)
        .offset(offset),
  );
}

// Who may open which lead and which order is read-scopes.ts: the lists here use its conditions, so a list
// shows exactly what its show opens.
export { leadScope, readsLeads } from './read-scopes.ts';

/** Leads, newest first, of a status set (null: all), in the reader's scope. `hidden`: what the status left out. */
export async function leadList(db: Queryable, viewer: Actor, statuses: string[] | null, f: ListFilters) {
  const scope = listWhere(LEAD_TABLE, leadScope(viewer), {}, f);
  const where = and(scope, listWhere(LEAD_TABLE, undefined, { statuses }, { page: f.page }));
  const page = await paged(
    f,
    () => db.select({ n: count() }).from(leads).where(where),
    (limit, offset) =>
      db
        .select({ lead: leads, customer: customers.name, owner: people.name })
        .from(leads)
        .leftJoin(customers, eq(customers.id, leads.customerId))
        .leftJoin(people, eq(people.id, leads.ownerId))
        .where(where)
        .orderBy(desc(leads.id))
        .limit(limit)
        .offset(offset),
  );
  const [hidden] =
    statuses !== null
      ? await db
          .select({ n: count() })
          .from(leads)
          .where(and(not(inArray(leads.status, statuses)), scope))
      : [{ n: 0 }];
  return { ...page, hidden: hidden!.n };
}

/** The quotes a reader may see: none without price rights, a rep their own. */
export function quoteScope(viewer: Actor): SQL | undefined {
  if (!seesPrices(viewer)) return sql`false`;
  return viewer.role === 'sales_rep' ? eq(quotes.ownerId, viewer.personId) : undefined;
}

/** Quotes, newest first; a rep sees their own. */
export function quoteList(
  db: Queryable,
  viewer: Actor,
  q: { customerId?: number | undefined; status?: string | undefined },
  f: ListFilters,
) {
  const where = listWhere(QUOTE_TABLE, quoteScope(viewer), q, f);
  return paged(
    f,
    () => db.select({ n: count() }).from(quotes).where(where),
    (limit, offset) =>
      db
        .select({ q: quotes, name: customers.name })
        .from(quotes)
        .innerJoin(customers, eq(customers.id, quotes.customerId))
        .where(where)
        .orderBy(desc(quotes.id))
        .limit(limit)
        .offset(offset),
  );
}

/** Orders, newest first: those the reader may open (order show's rule, read-scopes.ts). */
export function orderList(
  db: Queryable,
  viewer: Actor,
  q: { customerId?: number | undefined; status?: string | undefined },
  f: ListFilters,
) {
  const scope = orderScope(viewer);
  const where = listWhere(ORDER_TABLE, scope, q, f);
  return paged(
    f,
    () => db.select({ n: count() }).from(orders).where(where),
    (limit, offset) =>
      db
        .select({ o: orders, name: customers.name })
        .from(orders)
        .innerJoin(customers, eq(customers.id, orders.customerId))
        .where(where)
        .orderBy(desc(orders.id))
        .limit(limit)
        .offset(offset),
  );
}

/**
 * The market information a reader may read, as intel show decides it per item (mayRead in intel.ts), in
 * SQL so a list counts and pages in the database: a tip marketing has not verified only for marketing,
 * supervisors and its author; a confidential item for admins, supervisors, marketing, its author and the
 * departments it is shared with.
 */
export function intelScope(viewer: Actor): SQL | undefined {
  const author = eq(intel.createdBy, viewer.personId);
  const settled =
    isMarketing(viewer) || isSupervisor(viewer) ? undefined : or(eq(intel.verified, true), author);
  const all = viewer.role === 'admin' || viewer.role === 'supervisor' || viewer.department === 'marketing';
  const confidential = all
    ? undefined
    : or(
        sql`${intel.level} <> 'confidential'`,
        author,
        viewer.department ? arrayContains(intel.sharedWith, [viewer.department]) : undefined,
      );
  return and(settled, confidential);
}
