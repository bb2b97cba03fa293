// The figures of a meeting summary for one span (R-CHAN-5), each computed by the database: counts and
// sums grouped in SQL, never rows carried into Node. Payments received are the increases of an order's
// paid amount in its history (order paid writes one per payment), so they fall in the span they happened.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import type { Span } from './periods.ts';

export type Group = { key: string; n: number; value: bigint };

export type Figures = {
  newCustomers: number;
  newLeads: number;
  leadsBySource: Group[];
  /** Leads registered in the span, by the stage they are at now. */
  leadsByStage: Group[];
  quotesByState: Group[];
  quotes: { n: number; value: bigint };
  /** Orders placed in the span (submitted: not drafts, not cancelled). */
  orders: { n: number; value: bigint };
  /** Orders whose delivery date (or the later date production gave) falls in the span. */
  deliveries: { due: number; shipped: number; overdue: number };
  /** Payments due in the span: how many orders, their amount, what of it is still unpaid now. */
  collections: {
    dueOrders: number;
    dueValue: bigint;
    outstanding: bigint;
    received: bigint;
    payments: number;
  };
  topCustomers: { number: string; name: string; n: number; value: bigint }[];
};

const big = (v: unknown): bigint => BigInt(String(v ?? 0).split('.')[0] || '0');

async function groups(db: Queryable, q: ReturnType<typeof sql>): Promise<Group[]> {
  return rowsOf<{ key: string; n: number | string; value: unknown }>(await db.execute(q)).map((r) => ({
    key: r.key,
    n: Number(r.n),
    value: big(r.value),
  }));
}

/** Orders that count as placed: submitted, not cancelled. */
const PLACED = sql`status not in ('draft', 'cancelled')`;

export async function figuresOf(db: Queryable, s: Span): Promise<Figures> {
  // As text: postgres.js binds no Date in a raw statement.
  const from = sql`${s.from.toISOString()}::timestamptz`;
  const to = sql`${s.to.toISOString()}::timestamptz`;
  const inSpan = (col: string) => sql`${sql.identifier(col)} >= ${from} and ${sql.identifier(col)} < ${to}`;
  const [counts] = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select
        (select count(*) from customers where ${inSpan('created_at')}) as customers,
        (select count(*) from leads where ${inSpan('created_at')}) as leads,
        (select count(*) from quotes where ${inSpan('created_at')}) as quotes,
        (select coalesce(sum(total_minor), 0) from quotes where ${inSpan('created_at')}) as quote_value,
        (select count(*) from orders where ${inSpan('created_at')} and ${PLACED}) as orders,
        (select coalesce(sum(total_minor), 0) from orders where ${inSpan('created_at')} and ${PLACED}) as order_value`),
  );
  const leadsBySource = await groups(
    db,
    sql`select source as key, count(*) as n, 0 as value from leads where ${inSpan('created_at')}
        group by source order by count(*) desc, source`,
  );
  const leadsByStage = await groups(
    db,
    sql`select status as key, count(*) as n, 0 as value from leads where ${inSpan('created_at')}
        group by status order by count(*) desc, status`,
  );
  const quotesByState = await groups(
    db,
    sql`select status as key, count(*) as n, coalesce(sum(total_minor), 0) as value from quotes
        where ${inSpan('created_at')} group by status order by count(*) desc, status`,
  );
  // A delivery is due on the date production now expects, else the agreed one; shipped or overdue as of the
  // span's end (an order shipped after it was still overdue then).
  const [del] = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select count(*) as due,
        count(*) filter (where shipped_at is not null and shipped_at < ${to}) as shipped,
        count(*) filter (where coalesce(expected_date, delivery_date) < ${s.endDate}::date
          and (shipped_at is null or shipped_at >= ${to})) as overdue
      from orders
      where ${PLACED} and coalesce(expected_date, delivery_date) >= ${s.fromDate}::date
        and coalesce(expected_date, delivery_date) < ${s.toDate}::date`),
  );
  const [col] = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select count(*) as orders, coalesce(sum(total_minor), 0) as value,
        coalesce(sum(total_minor - paid_minor), 0) as outstanding
      from orders
      where ${PLACED} and payment_due_date >= ${s.fromDate}::date and payment_due_date < ${s.toDate}::date`),
  );
  const [paid] = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select count(*) as payments,
        coalesce(sum(new_value::bigint - coalesce(old_value, '0')::bigint), 0) as received
      from record_history
      where entity = 'order' and field = 'paid_minor' and ${inSpan('at')}`),
  );
  const top = rowsOf<{ number: string; name: string; n: number | string; value: unknown }>(
    await db.execute(sql`
      select c.number, c.name, count(*) as n, sum(o.total_minor) as value
      from orders o join customers c on c.id = o.customer_id
      where o.created_at >= ${from} and o.created_at < ${to} and o.status not in ('draft', 'cancelled')
      group by c.id, c.number, c.name
      order by sum(o.total_minor) desc, c.number
      limit 5`),
  );
  return {
    newCustomers: Number(counts!.customers),
    newLeads: Number(counts!.leads),
    leadsBySource,
    leadsByStage,
    quotesByState,
    quotes: { n: Number(counts!.quotes), value: big(counts!.quote_value) },
    orders: { n: Number(counts!.orders), value: big(counts!.order_value) },
    deliveries: { due: Number(del!.due), shipped: Number(del!.shipped), overdue: Number(del!.overdue) },
    collections: {
      dueOrders: Number(col!.orders),
      dueValue: big(col!.value),
      outstanding: big(col!.outstanding),
      received: big(paid!.received),
      payments: Number(paid!.payments),
    },
    topCustomers: top.map((t) => ({ number: t.number, name: t.name, n: Number(t.n), value: big(t.value) })),
  };
}

/** Nothing at all happened in the span. */
export function isEmpty(f: Figures): boolean {
  return (
    f.newCustomers + f.newLeads + f.quotes.n + f.orders.n + f.deliveries.due + f.collections.dueOrders ===
      0 && f.collections.payments === 0
  );
}
