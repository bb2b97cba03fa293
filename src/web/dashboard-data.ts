// The dashboard's figures, each one SQL aggregate over what the reader may see: a rep their own records,
// managers, supervisors and admins everyone's, other departments released orders only (as order list).
import { and, eq, type SQL, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { approvalsWaitingFor } from '../approvals/waiting.ts';
import type { FlowContext } from '../core/context.ts';
import { isSales, isSupervisor, seesPrices } from '../core/permissions.ts';
import { customers, leads, orders, quotes } from '../db/schema.ts';
import { orderScope as ordersOpen } from '../flows/read-scopes.ts';

/** Orders whose goods are still to be delivered. */
export const UNDELIVERED = ['confirmed', 'in_production'];

export type Count = { key: string; n: number; minor?: bigint };
export type Month = { month: string; n: number; minor: bigint };
export type Due = { number: string; customer: string; due: string; status: string };
export type Waiting = { number: string; type: string; ref: string; since: Date; overdue: Date | null };

export type Dashboard = {
  /** Leads and quotes are sales' working records: only sales and supervisors see them here. */
  pipeline: boolean;
  prices: boolean;
  leadsByStage: Count[];
  leadsBySource: Count[];
  quotesByState: Count[];
  ordersByMonth: Month[];
  dueThisWeek: Due[];
  overdue: Due[];
  waiting: Waiting[];
  today: string;
  weekEnd: string;
};

const rep = (ctx: FlowContext) => ctx.actor.role === 'sales_rep';

/** Which orders the reader sees: the same rule as order list and order show (read-scopes.ts). */
export const orderScope = (ctx: FlowContext): SQL | undefined => ordersOpen(ctx.actor);

const counts = (rows: { key: string | null; n: number; minor?: string | null }[]): Count[] =>
  rows.map((r) => ({
    key: r.key ?? '',
    n: Number(r.n),
    ...(r.minor !== undefined ? { minor: BigInt(r.minor ?? 0) } : {}),
  }));

export async function dashboard(ctx: FlowContext): Promise<Dashboard> {
  const tx = ctx.tx;
  const pipeline = isSales(ctx.actor) || isSupervisor(ctx.actor);
  const prices = seesPrices(ctx.actor);
  const mineLead = rep(ctx) ? eq(leads.ownerId, ctx.actor.personId) : undefined;
  const mineQuote = rep(ctx) ? eq(quotes.ownerId, ctx.actor.personId) : undefined;
  const n = sql<number>`count(*)::int`;
  const leadsByStage = pipeline
    ? counts(
        await tx
          .select({ key: leads.status, n })
          .from(leads)
          .where(mineLead)
          .groupBy(leads.status)
          .orderBy(leads.status),
      )
    : [];
  const leadsBySource = pipeline
    ? counts(
        await tx
          .select({ key: leads.source, n })
          .from(leads)
          .where(mineLead)
          .groupBy(leads.source)
          .orderBy(leads.source),
      )
    : [];
  const quotesByState = pipeline
    ? counts(
        await tx
          .select({ key: quotes.status, n, minor: sql<string>`sum(${quotes.totalMinor})::text` })
          .from(quotes)
          .where(mineQuote)
          .groupBy(quotes.status)
          .orderBy(quotes.status),
      )
    : [];

  // The last twelve months in the reader's time zone, cancelled orders left out.
  const now = DateTime.fromJSDate(ctx.now).setZone(ctx.zone);
  const first = now.startOf('month').minus({ months: 11 }).toISODate()!;
  const byMonth = await tx
    .select({
      // Year * 100 + month: integer arithmetic per row, cheaper than formatting every date.
      ym: sql<number>`(extract(year from ${orders.orderDate}) * 100 + extract(month from ${orders.orderDate}))::int`,
      n,
      minor: sql<string>`coalesce(sum(${orders.totalMinor}), 0)::text`,
    })
    .from(orders)
    .where(and(orderScope(ctx), sql`${orders.orderDate} >= ${first}`, sql`${orders.status} <> 'cancelled'`))
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  const found = new Map(
    byMonth.map((r) => [
      `${Math.floor(Number(r.ym) / 100)}-${String(Number(r.ym) % 100).padStart(2, '0')}`,
      r,
    ]),
  );
  const ordersByMonth: Month[] = [];
  for (let i = 11; i >= 0; i--) {
    const m = now.startOf('month').minus({ months: i }).toFormat('yyyy-MM');
    const r = found.get(m);
    ordersByMonth.push({ month: m, n: r ? Number(r.n) : 0, minor: BigInt(r?.minor ?? 0) });
  }

  // Deliveries: the date production now expects, else the agreed one; the week ends on Sunday.
  const today = now.toISODate()!;
  const weekEnd = now.endOf('week').toISODate()!;
  const due = sql<string>`coalesce(${orders.expectedDate}, ${orders.deliveryDate})::text`;
  const dueRows = (where: SQL) =>
    tx
      .select({ number: orders.number, customer: customers.name, due, status: orders.status })
      .from(orders)
      .innerJoin(customers, eq(customers.id, orders.customerId))
      // Spelled as the partial index orders_undelivered_due_idx is (a bound list would not match it).
      .where(
        and(
          orderScope(ctx),
          sql.raw(`orders.status in (${UNDELIVERED.map((x) => `'${x}'`).join(', ')})`),
          where,
        ),
      )
      .orderBy(sql`coalesce(${orders.expectedDate}, ${orders.deliveryDate})`, orders.id)
      .limit(20);
  const dueThisWeek = await dueRows(
    sql`coalesce(${orders.expectedDate}, ${orders.deliveryDate}) between ${today} and ${weekEnd}`,
  );
  const overdue = await dueRows(sql`coalesce(${orders.expectedDate}, ${orders.deliveryDate}) < ${today}`);

  const waiting = await waitingFor(ctx, 20);
  return {
    pipeline,
    prices,
    leadsByStage,
    leadsBySource,
    quotesByState,
    ordersByMonth,
    dueThisWeek,
    overdue,
    waiting,
    today,
    weekEnd,
  };
}

/** Approvals whose current step has an open seat this person may take (as approval list). */
export async function waitingFor(ctx: FlowContext, limit: number): Promise<Waiting[]> {
  return approvalsWaitingFor(ctx.tx, ctx.actor.personId, limit);
}
