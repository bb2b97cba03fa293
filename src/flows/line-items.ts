// Line items of quotes and orders: exact amounts and the way they read in a reply.

import { eq } from 'drizzle-orm';
import { type LineItem, lineAmount } from '../commands/values.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse } from '../core/errors.ts';
import { maskMoney, type Show } from '../core/visibility.ts';
import { orderItems } from '../db/schema.ts';
import { formatQuantity } from './labels.ts';

export type PricedItem = LineItem & { lineNo: number; amountMinor: bigint };

const MAX_TOTAL = 10n ** 16n; // fits comfortably in bigint columns and reads as a typo above it

export function priceItems(items: LineItem[]): { items: PricedItem[]; totalMinor: bigint } {
  const priced = items.map((it, i) => ({
    ...it,
    lineNo: i + 1,
    amountMinor: lineAmount(it.quantity, it.unitPriceMinor),
  }));
  const totalMinor = priced.reduce((sum, it) => sum + it.amountMinor, 0n);
  if (totalMinor >= MAX_TOTAL)
    refuse(
      'That total is too large to be right; check the quantities and prices.',
      '总价过大，请检查数量和单价。',
    );
  return { items: priced, totalMinor };
}

/**
 * `Sensor X200 × 200 @ ¥35.50 = ¥7,100.00`; in a group chat `@ ¥••• = ¥•••`; prices left out for people
 * who may not see them (core/visibility.ts decides which).
 */
export function itemLine(ctx: FlowContext, it: Omit<PricedItem, 'lineNo'>, prices: boolean | Show): string {
  const name = it.model ? `${it.name} ${it.model}` : it.name;
  const qty = formatQuantity(it.quantity);
  const show = prices === true ? 'full' : prices === false ? 'omitted' : prices;
  if (show === 'omitted') return `${name} × ${qty}`;
  if (show === 'masked') {
    const m = maskMoney(ctx.org.currency);
    return `${name} × ${qty} @ ${m} = ${m}`;
  }
  return `${name} × ${qty} @ ${ctx.money(it.unitPriceMinor)} = ${ctx.money(it.amountMinor)}`;
}

/** Replaces an order's lines and returns the new total (drafts edited, changes approved). */
export async function replaceOrderItems(
  ctx: FlowContext,
  orderId: number,
  items: LineItem[],
): Promise<bigint> {
  const priced = priceItems(items);
  await ctx.tx.delete(orderItems).where(eq(orderItems.orderId, orderId));
  await ctx.tx.insert(orderItems).values(
    priced.items.map((it) => ({
      orderId,
      lineNo: it.lineNo,
      name: it.name,
      model: it.model,
      quantity: it.quantity,
      unitPriceMinor: it.unitPriceMinor,
      amountMinor: it.amountMinor,
    })),
  );
  return priced.totalMinor;
}
