// R-LEAD-5: a lead, the quotes made from it and the orders made from those point at each other. A quote is
// made from a lead with `quote new lead=L-0002 …` (its customer is the lead's), or from a customer whose one
// converted lead has no quote yet; orders follow their quote (order new from=Q-…).
import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { CardField } from '../cards/card.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse } from '../core/errors.ts';
import { isSalesManager } from '../core/permissions.ts';
import { customers, leads, orders, quotes } from '../db/schema.ts';
import { field, label, loadLead } from '../flows/common.ts';
import { resolveCustomer } from '../flows/customer-names.ts';
import { orderStatus, quoteStatus } from '../flows/statuses.ts';

type Customer = typeof customers.$inferSelect;
type Lead = typeof leads.$inferSelect;

/** The customer a new quote is for and the lead it comes from, if any; refuses a lead that cannot have one. */
export async function quoteOrigin(
  ctx: FlowContext,
  given: { customer?: string | undefined; lead?: string | undefined },
): Promise<{ customer: Customer; lead: Lead | null }> {
  if (!given.lead) {
    if (!given.customer)
      refuse(
        'Say who the quote is for: customer=C-0001, or the lead it comes from: lead=L-0001.',
        '请写明报价对象：客户=C-0001，或来源线索：线索=L-0001。',
      );
    const customer = await resolveCustomer(ctx, given.customer!);
    // The customer's one converted lead that has no quote yet is where this quote comes from.
    const open = await ctx.tx
      .select()
      .from(leads)
      .leftJoin(quotes, eq(quotes.leadId, leads.id))
      .where(
        and(eq(leads.convertedCustomerId, customer.id), eq(leads.status, 'converted'), isNull(quotes.id)),
      )
      .orderBy(desc(leads.id))
      .limit(2);
    return { customer, lead: open.length === 1 ? open[0]!.leads : null };
  }
  const lead = await loadLead(ctx, given.lead);
  if (lead.status === 'closed') refuse(`${lead.number} is closed.`, `${lead.number} 已关闭。`);
  if (lead.ownerId !== ctx.actor.personId && !isSalesManager(ctx.actor))
    refuse(`${lead.number} is not yours.`, `${lead.number} 不是您负责的线索。`);
  if (!lead.customerId)
    refuse(
      `${lead.number} is not a customer yet; convert it first (lead convert ${lead.number}), then quote new lead=${lead.number} ….`,
      `${lead.number} 尚未成为客户；请先转化（线索 转化 ${lead.number}），再 报价 新建 线索=${lead.number} …。`,
    );
  if (given.customer) {
    const named = await resolveCustomer(ctx, given.customer);
    if (named.id !== lead.customerId)
      refuse(
        `${lead.number} is of another customer than ${named.number}; leave customer= out, the lead says who.`,
        `${lead.number} 属于其他客户，不是 ${named.number}；不写 客户= 即可，以线索为准。`,
      );
  }
  const [own] = await ctx.tx.select().from(customers).where(eq(customers.id, lead.customerId!));
  return { customer: own!, lead };
}

/** After the quote is written: the lead's history names it. The reply's words for the link. */
export async function linkQuoteToLead(ctx: FlowContext, lead: Lead | null, quote: string): Promise<string> {
  if (!lead) return '';
  await ctx.history('lead', lead.id, [{ field: 'quote', from: null, to: quote }]);
  return ctx.t({ en: ` From lead ${lead.number}.`, zh: `来源线索 ${lead.number}。` });
}

/** lead show: each quote made from the lead and the order made from it ("Q-0007 → order SO-0003"). */
export async function leadLinkFields(ctx: FlowContext, lead: Pick<Lead, 'id'>): Promise<CardField[]> {
  const l = ctx.locale;
  const qs = await ctx.tx
    .select({ id: quotes.id, number: quotes.number, status: quotes.status })
    .from(quotes)
    .where(eq(quotes.leadId, lead.id))
    .orderBy(asc(quotes.id));
  if (qs.length === 0) return [];
  const os = await ctx.tx
    .select({ quoteId: orders.quoteId, number: orders.number, status: orders.status })
    .from(orders)
    .where(
      inArray(
        orders.quoteId,
        qs.map((q) => q.id),
      ),
    )
    .orderBy(asc(orders.id));
  return qs.map((q) => {
    const made = os.filter((o) => o.quoteId === q.id);
    const chain = made
      .map((o) => ` → ${label(l, 'order', '订单')} ${o.number} (${orderStatus(o.status, l)})`)
      .join('');
    return field(label(l, 'Quote', '报价'), `${q.number} (${quoteStatus(q.status, l)})${chain}`);
  });
}

/** quote show: the lead it comes from and the orders made from it. */
export async function quoteLinkFields(
  ctx: FlowContext,
  q: { id: number; leadId: number | null },
): Promise<CardField[]> {
  const l = ctx.locale;
  const out: CardField[] = [];
  if (q.leadId) {
    const [lead] = await ctx.tx.select({ number: leads.number }).from(leads).where(eq(leads.id, q.leadId));
    if (lead) out.push(field(label(l, 'From lead', '来源线索'), lead.number));
  }
  const os = await ctx.tx
    .select({ number: orders.number, status: orders.status })
    .from(orders)
    .where(eq(orders.quoteId, q.id))
    .orderBy(asc(orders.id));
  if (os.length)
    out.push(
      field(label(l, 'Order', '订单'), os.map((o) => `${o.number} (${orderStatus(o.status, l)})`).join(', ')),
    );
  return out;
}

/** order show: the quote it was made from and that quote's lead ("Q-0007 ← lead L-0002"). */
export async function orderLinkFields(ctx: FlowContext, o: { quoteId: number | null }): Promise<CardField[]> {
  if (!o.quoteId) return [];
  const l = ctx.locale;
  const [row] = await ctx.tx
    .select({ quote: quotes.number, lead: leads.number })
    .from(quotes)
    .leftJoin(leads, eq(leads.id, quotes.leadId))
    .where(eq(quotes.id, o.quoteId));
  if (!row) return [];
  return [
    field(
      label(l, 'From quote', '来源报价'),
      `${row.quote}${row.lead ? label(l, ` ← lead ${row.lead}`, ` ← 线索 ${row.lead}`) : ''}`,
    ),
  ];
}
