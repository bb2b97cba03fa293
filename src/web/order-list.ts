// The order list of the web workspace: search (the order number, or the customer as customer find finds
// it: name, pinyin, a contact), filters, sorting and paging in SQL (orders_date_idx for the
// default newest-first order; LIMIT/OFFSET pages), under the same scope as order list in chat. Amounts go
// through the core's Reveal per row, and every amount shown is an audited read (R-SEC-2).
import { and, asc, desc, eq, ilike, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { FlowContext } from '../core/context.ts';
import { seesPrices } from '../core/permissions.ts';
import { Reveal, viewerOf } from '../core/visibility.ts';
import { customers, orders, people } from '../db/schema.ts';
import { customerMatch } from '../flows/customer-find.ts';
import { orderScope } from '../flows/read-scopes.ts';

export const ORDER_STATUSES = [
  'draft',
  'pending',
  'confirmed',
  'in_production',
  'shipped',
  'completed',
  'cancelled',
] as const;
const SORTS = ['date', 'number', 'customer', 'delivery', 'total'] as const;
export type Sort = (typeof SORTS)[number];
export const PAGE_SIZE = 50;
/** An export is the filtered list, up to this many rows (narrow the filters for more). */
export const EXPORT_MAX = 10_000;

export type OrderFilter = {
  q: string;
  status: string;
  from: string;
  to: string;
  sort: Sort;
  dir: 'asc' | 'desc';
  page: number;
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (s: string) => DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));

/** The filters of a query string; a value that is not one is dropped and named in `problems`. */
export function readFilter(q: Record<string, string | undefined>): {
  filter: OrderFilter;
  problems: string[];
} {
  const problems: string[] = [];
  const text = (q.q ?? '').trim().slice(0, 100);
  const status = q.status && (ORDER_STATUSES as readonly string[]).includes(q.status) ? q.status : '';
  if (q.status && !status) problems.push('status');
  const date = (key: 'from' | 'to') => {
    const v = (q[key] ?? '').trim();
    if (v && !validDate(v)) {
      problems.push(key);
      return '';
    }
    return v;
  };
  const sort = (SORTS as readonly string[]).includes(q.sort ?? '') ? (q.sort as Sort) : 'date';
  const dir = q.dir === 'asc' ? 'asc' : 'desc';
  const page = Math.min(Math.max(Number.parseInt(q.page ?? '1', 10) || 1, 1), 100_000);
  return { filter: { q: text, status, from: date('from'), to: date('to'), sort, dir, page }, problems };
}

export type OrderRow = {
  number: string;
  customerNumber: string;
  customer: string;
  customerOwnerId: number | null;
  status: string;
  orderDate: string;
  due: string | null;
  owner: string;
  /** As the reader may see it: the amount, or null (not theirs to see). */
  total: string | null;
  paid: string | null;
};

function where(ctx: FlowContext, f: OrderFilter): SQL | undefined {
  const like = f.q ? `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  // The customers matching are found first (a tenth of the rows), their orders then by orders_customer_idx.
  // As customer find finds them: name, pinyin, contacts where the reader may see them; or the number.
  const matching = like
    ? ctx.tx
        .select({ id: customers.id })
        .from(customers)
        .where(or(ilike(customers.number, like), customerMatch(ctx, f.q)))
    : null;
  return and(
    orderScope(ctx.actor),
    f.status ? eq(orders.status, f.status) : undefined,
    f.from ? sql`${orders.orderDate} >= ${f.from}` : undefined,
    f.to ? sql`${orders.orderDate} <= ${f.to}` : undefined,
    like && matching ? or(ilike(orders.number, like), inArray(orders.customerId, matching)) : undefined,
  );
}

function orderBy(ctx: FlowContext, f: OrderFilter): SQL[] {
  const d = f.dir === 'asc' ? asc : desc;
  const due = sql`coalesce(${orders.expectedDate}, ${orders.deliveryDate})`;
  // Sorting by amount would tell the order of amounts to someone who may not see them.
  const sort = f.sort === 'total' && !seesPrices(ctx.actor) ? 'date' : f.sort;
  const key = {
    date: [d(orders.orderDate), d(orders.id)],
    number: [d(orders.number)],
    customer: [d(customers.name), d(orders.id)],
    delivery: [f.dir === 'asc' ? sql`${due} asc nulls last` : sql`${due} desc nulls last`, d(orders.id)],
    total: [d(orders.totalMinor), d(orders.id)],
  }[sort];
  return key as SQL[];
}

/** One page (or, with `all`, the export's rows), the count of all matching, and the reads to audit. */
export async function listOrders(
  ctx: FlowContext,
  f: OrderFilter,
  opts: { all?: boolean } = {},
): Promise<{ rows: OrderRow[]; total: number; shown: string[] }> {
  const w = where(ctx, f);
  const limit = opts.all ? EXPORT_MAX : PAGE_SIZE;
  const offset = opts.all ? 0 : (f.page - 1) * PAGE_SIZE;
  const rows = await ctx.tx
    .select({
      number: orders.number,
      ownerId: orders.ownerId,
      customerNumber: customers.number,
      customer: customers.name,
      customerOwnerId: customers.ownerId,
      status: orders.status,
      orderDate: orders.orderDate,
      due: sql<string | null>`coalesce(${orders.expectedDate}, ${orders.deliveryDate})::text`,
      totalMinor: orders.totalMinor,
      paidMinor: orders.paidMinor,
      owner: people.name,
    })
    .from(orders)
    .innerJoin(customers, eq(customers.id, orders.customerId))
    .innerJoin(people, eq(people.id, orders.ownerId))
    .where(w)
    .orderBy(...orderBy(ctx, f))
    .limit(limit)
    .offset(offset);
  const [count] = await ctx.tx.select({ n: sql<number>`count(*)::int` }).from(orders).where(w);
  const viewer = viewerOf(ctx);
  const shown: string[] = [];
  const out = rows.map((r) => {
    const reveal = new Reveal(viewer, { kind: 'deal', ownerId: r.ownerId }, ctx.org.currency);
    const total = reveal.money('total', r.totalMinor);
    const paid = reveal.money('paid', r.paidMinor);
    if (reveal.fields.length) shown.push(r.number);
    return {
      number: r.number,
      customerNumber: r.customerNumber,
      customer: r.customer,
      customerOwnerId: r.customerOwnerId,
      status: r.status,
      orderDate: r.orderDate,
      due: r.due,
      owner: r.owner,
      total,
      paid,
    };
  });
  return { rows: out, total: Number(count?.n ?? 0), shown };
}

/** The amounts shown are reads of each order's prices, as in chat's order list. */
export async function auditShown(ctx: FlowContext, shown: string[], detail: Record<string, unknown> = {}) {
  await ctx.auditRead('order', shown, ['total', 'paid'], { ...detail, via: 'web' });
}
