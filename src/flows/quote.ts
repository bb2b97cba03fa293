// Quotes (R-QUO-1): drafted by sales with line items and price terms. Submission for approval, sending and
// feedback come with the approvals issue.
import { and, asc, desc, eq } from 'drizzle-orm';
import { k } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse } from '../core/errors.ts';
import { isSales, seesPrices } from '../core/permissions.ts';
import { customers, quoteItems, quotes } from '../db/schema.ts';
import type { Locale } from '../i18n/locale.ts';
import { command, field, label, linesOf, loadCustomer, loadQuote, personName } from './common.ts';
import { itemLine, priceItems } from './line-items.ts';

export const TAX = {
  included: ['含税', '含', 'incl', 'yes'],
  excluded: ['不含税', '未税', 'excl', 'no'],
} as const;

const STATUS: Record<string, { en: string; zh: string }> = {
  draft: { en: 'draft', zh: '草稿' },
  pending: { en: 'pending approval', zh: '待审批' },
  approved: { en: 'approved', zh: '已批准' },
  rejected: { en: 'rejected', zh: '已驳回' },
  sent: { en: 'sent', zh: '已发送' },
  accepted: { en: 'accepted', zh: '已接受' },
  negotiating: { en: 'negotiating', zh: '谈判中' },
  declined: { en: 'declined', zh: '已拒绝' },
  expired: { en: 'expired', zh: '已过期' },
};
export const quoteStatus = (s: string, l: Locale) => STATUS[s]?.[l] ?? s;

type Quote = typeof quotes.$inferSelect;

/** Reps see their own quotes; managers, finance, management and supervisors see all (R-SEC-1). */
export function canSeeQuote(ctx: FlowContext, q: Pick<Quote, 'ownerId'>): boolean {
  if (!seesPrices(ctx.actor)) return false;
  return ctx.actor.role !== 'sales_rep' || q.ownerId === ctx.actor.personId;
}

const create = command({
  noun: 'quote',
  verbs: ['new', 'add'],
  keys: {
    customer: k.ref('customer'),
    item: k.item(),
    valid: k.date().optional(),
    tax: k.choice(TAX).optional(),
    payment: k.text(300).optional(),
    delivery: k.date().optional(),
    adjustment: k.text(300).optional(),
    note: k.text(1000).optional(),
  },
  usage: {
    en: 'quote new customer=C-0001 item="Sensor | X200 | 200 | 35.5" valid=2026-12-31 tax=included payment="30% advance" delivery=2027-01-15',
    zh: '报价 新建 客户=C-0001 明细="传感器 | X200 | 200 | 35.5" 有效期=2026-12-31 含税=含税 付款="预付30%" 交期=2027-01-15',
  },
  summary: { en: 'draft a quote (repeat item= for each line)', zh: '起草报价（每行明细一个 明细=）' },
  allow: isSales,
  async run(ctx, { args }) {
    const customer = await loadCustomer(ctx, args.customer);
    const { items, totalMinor } = priceItems(args.item);
    const valid = args.valid ? ctx.date(args.valid).date : null;
    const today = ctx.fmtDate(ctx.now);
    if (valid && valid < today) refuse(`valid=${valid} is already past.`, `有效期 ${valid} 已过。`);
    const delivery = args.delivery ? ctx.date(args.delivery).date : null;
    const number = await ctx.nextNumber('Q');
    const [q] = await ctx.tx
      .insert(quotes)
      .values({
        number,
        customerId: customer.id,
        currency: ctx.org.currency,
        totalMinor,
        validUntil: valid,
        taxIncluded: args.tax ? args.tax === 'included' : null,
        payment: args.payment ?? null,
        deliveryDate: delivery,
        adjustment: args.adjustment ?? null,
        note: args.note ?? null,
        ownerId: ctx.actor.personId,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    await ctx.tx.insert(quoteItems).values(
      items.map((it) => ({
        quoteId: q!.id,
        lineNo: it.lineNo,
        name: it.name,
        model: it.model,
        quantity: it.quantity,
        unitPriceMinor: it.unitPriceMinor,
        amountMinor: it.amountMinor,
      })),
    );
    await ctx.history('quote', q!.id, [{ field: 'created', from: null, to: number }]);
    await ctx.audit('quote.new', 'quote', number, { total: totalMinor.toString(), items: items.length });
    const tax = args.tax
      ? ctx.t(
          args.tax === 'included'
            ? { en: ', tax included', zh: '，含税' }
            : { en: ', tax excluded', zh: '，不含税' },
        )
      : '';
    const lines = items.map((it) => `  ${it.lineNo}. ${itemLine(ctx, it, true)}`).join('\n');
    return {
      text: ctx.t({
        en: `Quote ${number} drafted for ${customer.number} ${customer.name}: total ${ctx.money(totalMinor)}${tax}${valid ? `, valid until ${valid}` : ''}.\n${lines}`,
        zh: `已起草报价 ${number}（${customer.number} ${customer.name}）：总价 ${ctx.money(totalMinor)}${tax}${valid ? `，有效期至 ${valid}` : ''}。\n${lines}`,
      }),
    };
  },
});

const show = command({
  noun: 'quote',
  verbs: ['show'],
  ref: { kind: 'quote', required: true },
  keys: {},
  usage: { en: 'quote show Q-0001', zh: '报价 查看 Q-0001' },
  summary: { en: 'show a quote', zh: '查看报价' },
  allow: seesPrices,
  readOnly: true,
  async run(ctx, { ref }) {
    const q = await loadQuote(ctx, ref!);
    if (!canSeeQuote(ctx, q)) refuse(`${q.number} is another rep's quote.`, `${q.number} 是其他销售的报价。`);
    const [c] = await ctx.tx.select().from(customers).where(eq(customers.id, q.customerId));
    const items = await ctx.tx
      .select()
      .from(quoteItems)
      .where(eq(quoteItems.quoteId, q.id))
      .orderBy(asc(quoteItems.lineNo));
    const l = ctx.locale;
    const fields = [
      field(label(l, 'Customer', '客户'), `${c!.number} ${c!.name}`),
      field(label(l, 'Status', '状态'), quoteStatus(q.status, l)),
      field(label(l, 'Date', '日期'), ctx.fmtDate(q.createdAt)),
      ...items.map((it) => field(`#${it.lineNo}`, itemLine(ctx, it, true))),
      field(
        label(l, 'Total', '总价'),
        `${ctx.money(q.totalMinor)}${q.taxIncluded === null ? '' : q.taxIncluded ? label(l, ' (tax included)', '（含税）') : label(l, ' (tax excluded)', '（不含税）')}`,
      ),
      field(label(l, 'Valid until', '有效期'), q.validUntil),
      field(label(l, 'Payment', '付款方式'), q.payment),
      field(label(l, 'Delivery', '交期'), q.deliveryDate),
      field(label(l, 'Price adjustment', '价格调整'), q.adjustment),
      field(label(l, 'Owner', '负责人'), await personName(ctx, q.ownerId)),
    ];
    await ctx.audit('read.confidential', 'quote', q.number, { parts: ['prices'] });
    const title = label(l, `Quote ${q.number}`, `报价 ${q.number}`);
    return { text: linesOf(title, fields), card: { title, fields, actions: [] } };
  },
});

const list = command({
  noun: 'quote',
  verbs: ['list'],
  keys: {
    customer: k.ref('customer').optional(),
    status: k
      .choice(
        Object.fromEntries(Object.entries(STATUS).map(([s, n]) => [s, [n.zh]])) as Record<
          string,
          readonly string[]
        >,
      )
      .optional(),
  },
  usage: { en: 'quote list [customer=C-0001] [status=draft]', zh: '报价 列表 [客户=C-0001] [状态=草稿]' },
  summary: { en: 'list quotes (reps: their own)', zh: '报价列表（销售代表：自己的）' },
  allow: seesPrices,
  readOnly: true,
  async run(ctx, { args }) {
    const customer = args.customer ? await loadCustomer(ctx, args.customer) : null;
    const rows = await ctx.tx
      .select({ q: quotes, name: customers.name })
      .from(quotes)
      .innerJoin(customers, eq(customers.id, quotes.customerId))
      .where(
        and(
          customer ? eq(quotes.customerId, customer.id) : undefined,
          args.status ? eq(quotes.status, args.status) : undefined,
          ctx.actor.role === 'sales_rep' ? eq(quotes.ownerId, ctx.actor.personId) : undefined,
        ),
      )
      .orderBy(desc(quotes.id))
      .limit(20);
    if (rows.length === 0) return { text: ctx.t({ en: 'No quotes found.', zh: '没有找到报价。' }) };
    const lines = rows.map(
      ({ q, name }) =>
        `${q.number}  ${name} · ${ctx.money(q.totalMinor)} · ${quoteStatus(q.status, ctx.locale)}${q.validUntil ? ` · ${ctx.t({ en: 'valid', zh: '有效期' })} ${q.validUntil}` : ''}`,
    );
    return { text: `${ctx.t({ en: 'Quotes:', zh: '报价：' })}\n${lines.join('\n')}` };
  },
});

export const quoteCommands = [create, show, list];
