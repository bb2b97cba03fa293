// What reading an order needs besides its row: its customer, its items, and how its prices may be shown to
// this reader (core/visibility.ts). One loader for `order show` in chat and the web workspace's order page,
// so both read an order the same way.
import { asc, eq } from 'drizzle-orm';
import type { FlowContext } from '../core/context.ts';
import { type Reveal, reveal, type Show } from '../core/visibility.ts';
import { customers, orderItems, type orders } from '../db/schema.ts';

type Order = typeof orders.$inferSelect;

export type OrderDetails = {
  customer: typeof customers.$inferSelect;
  items: (typeof orderItems.$inferSelect)[];
  /** The reading of this order: each amount goes through it, and its fields are what the audit records. */
  r: Reveal;
  /** How unit prices and line amounts are shown (noted on `r` as the read of 'prices'). */
  prices: Show;
};

export async function orderDetails(ctx: FlowContext, o: Order): Promise<OrderDetails> {
  const r = reveal(ctx, { kind: 'deal', ownerId: o.ownerId });
  const prices = r.use('prices', 'prices');
  const [customer] = await ctx.tx.select().from(customers).where(eq(customers.id, o.customerId));
  const items = await ctx.tx
    .select()
    .from(orderItems)
    .where(eq(orderItems.orderId, o.id))
    .orderBy(asc(orderItems.lineNo));
  return { customer: customer!, items, r, prices };
}
