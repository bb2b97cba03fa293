// The rows of the customer, lead, quote and order lists: who may see which rows (as each list always
// allowed), the list's own filters and the shared ones (list-filters.ts), counted and paged. Kept apart from
// the chat commands so the web workspace lists the same rows the same way.
import { and, count, desc, eq, ilike, inArray, isNull, not, notInArray, or, type SQL } from 'drizzle-orm';
import type { Actor } from '../core/actor.ts';
import { isSales, seesPrices } from '../core/permissions.ts';
import type { Queryable } from '../db/client.ts';
import { customers, leads, orders, people, quotes } from '../db/schema.ts';
import { filterWhere, type ListFilters, pagesOf } from './list-filters.ts';

const contains = (text: string) => `%${text.replace(/[%_\\]/g, '\\$&')}%`;

export type Page<T> = { rows: T[]; total: number; pages: number };

async function paged<T>(
  f: ListFilters,
  total: () => Promise<{ n: number }[]>,
  rows: (limit: number, offset: number) => Promise<T[]>,
): Promise<Page<T>> {
  const n = (await total())[0]!.n;
  const { pages, limit, offset } = pagesOf(n, f);
  return { rows: n === 0 ? [] : await rows(limit, offset), total: n, pages };
}

/** Customers, newest first; a merged one is listed as the customer it went into, not itself. */
export function customerList(
  db: Queryable,
  q: { name?: string | undefined; industry?: string | undefined },
  f: ListFilters,
) {
  const where = and(
    isNull(customers.mergedIntoId),
    q.name ? ilike(customers.name, contains(q.name)) : undefined,
    q.industry ? ilike(customers.industry, contains(q.industry)) : undefined,
    filterWhere(f, customers.createdAt, customers.ownerId),
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

/** What a lead list may show its reader: a rep their own leads and unassigned ones, others all. */
export function leadScope(viewer: Actor): SQL | undefined {
  return viewer.role === 'sales_rep'
    ? or(eq(leads.ownerId, viewer.personId), isNull(leads.ownerId))
    : undefined;
}

/** Leads, newest first, of a status set (null: all), in the reader's scope. `hidden`: what the status left out. */
export async function leadList(db: Queryable, viewer: Actor, statuses: string[] | null, f: ListFilters) {
  const statusCond = statuses === null ? undefined : inArray(leads.status, statuses);
  const scope = and(leadScope(viewer), filterWhere(f, leads.createdAt, leads.ownerId));
  const page = await paged(
    f,
    () => db.select({ n: count() }).from(leads).where(and(statusCond, scope)),
    (limit, offset) =>
      db
        .select({ lead: leads, customer: customers.name, owner: people.name })
        .from(leads)
        .leftJoin(customers, eq(customers.id, leads.customerId))
        .leftJoin(people, eq(people.id, leads.ownerId))
        .where(and(statusCond, scope))
        .orderBy(desc(leads.id))
        .limit(limit)
        .offset(offset),
  );
  const [hidden] = statusCond
    ? await db
        .select({ n: count() })
        .from(leads)
        .where(and(not(statusCond), scope))
    : [{ n: 0 }];
  return { ...page, hidden: hidden!.n };
}

/** Quotes, newest first; a rep sees their own. */
export function quoteList(
  db: Queryable,
  viewer: Actor,
  q: { customerId?: number | undefined; status?: string | undefined },
  f: ListFilters,
) {
  const where = and(
    q.customerId !== undefined ? eq(quotes.customerId, q.customerId) : undefined,
    q.status ? eq(quotes.status, q.status) : undefined,
    viewer.role === 'sales_rep' ? eq(quotes.ownerId, viewer.personId) : undefined,
    filterWhere(f, quotes.createdAt, quotes.ownerId),
  );
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

/** Orders not yet released (draft, pending approval) are sales' and price-seers' only. */
const UNRELEASED = ['draft', 'pending'];

/** Orders, newest first; a rep sees their own, other departments only released ones. */
export function orderList(
  db: Queryable,
  viewer: Actor,
  q: { customerId?: number | undefined; status?: string | undefined },
  f: ListFilters,
) {
  const rep = viewer.role === 'sales_rep';
  const where = and(
    q.customerId !== undefined ? eq(orders.customerId, q.customerId) : undefined,
    q.status ? eq(orders.status, q.status) : undefined,
    rep ? eq(orders.ownerId, viewer.personId) : undefined,
    !rep && !isSales(viewer) && !seesPrices(viewer) ? notInArray(orders.status, UNRELEASED) : undefined,
    filterWhere(f, orders.createdAt, orders.ownerId),
  );
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
