// Revising a quote (R-QUO-1): the customer asks for another price or other lines, so the rep makes a new
// version. It gets its own number pointing back at the one it revises (revision 1, 2 … of the original),
// takes over what is not changed, and goes through approval again at once; the earlier version stays
// readable as it was, marked superseded, and no longer reminds anyone of its expiry.
import { asc, desc, eq } from 'drizzle-orm';
import { k } from '../commands/keys.ts';
import { refuse } from '../core/errors.ts';
import { isSales, isSalesManager } from '../core/permissions.ts';
import { quoteItems, quotes } from '../db/schema.ts';
import { command, loadQuote } from './common.ts';
import { priceItems } from './line-items.ts';
import { draftedQuote, insertQuoteItems, QUOTE_TERMS, submitQuote } from './quote.ts';
import { cancelQuoteExpiry } from './reminder-sources.ts';

/** A quote may be revised once it has been through approval or reached the customer, not while deciding. */
const REVISABLE = ['draft', 'approved', 'rejected', 'sent', 'negotiating', 'declined', 'expired'];

const revise = command({
  noun: 'quote',
  verbs: ['revise'],
  ref: { kind: 'quote', required: true },
  keys: {
    item: k.item().optional(),
    ...QUOTE_TERMS,
  },
  usage: {
    en: 'quote revise Q-0001 item="Sensor | X200 | 200 | 33" [valid=… payment=… delivery=… note="why"]',
    zh: '报价 修订 Q-0001 明细="传感器 | X200 | 200 | 33" [有效期=… 付款=… 交期=… 备注=修订原因]',
  },
  summary: {
    en: 'revise a quote: a new version with the changes, sent for approval again; the old one stays readable',
    zh: '修订报价：生成带修改的新版本并重新提交审批；原报价保留可查',
  },
  allow: isSales,
  async run(ctx, { ref, args }) {
    const old = await loadQuote(ctx, ref!, true);
    if (old.ownerId !== ctx.actor.personId && !isSalesManager(ctx.actor))
      refuse(`${old.number} is another rep's quote.`, `${old.number} 是其他销售的报价。`);
    if (!REVISABLE.includes(old.status))
      refuse(
        old.status === 'pending'
          ? `${old.number} is waiting for approval; withdraw it first (approval withdraw …) or wait for the decision.`
          : old.status === 'superseded'
            ? `${old.number} was already revised; revise its newest version (quote show ${old.number} names it).`
            : `${old.number} was accepted; change the order instead (order change …).`,
        old.status === 'pending'
          ? `${old.number} 正在审批中；请先撤回（审批 撤回 …）或等待审批结果。`
          : old.status === 'superseded'
            ? `${old.number} 已被修订，请修订其最新版本（报价 查看 ${old.number} 可见）。`
            : `${old.number} 客户已接受；请改为变更订单（订单 变更 …）。`,
      );
    const changes = Object.keys(args).filter((key) => key !== 'note');
    if (changes.length === 0)
      refuse(
        'Say what changes in the new version, e.g. item="Sensor | X200 | 200 | 33" or valid=2027-01-31.',
        '请写明新版本改了什么，例如 明细="传感器 | X200 | 200 | 33" 或 有效期=2027-01-31。',
      );
    const oldItems = await ctx.tx
      .select()
      .from(quoteItems)
      .where(eq(quoteItems.quoteId, old.id))
      .orderBy(asc(quoteItems.lineNo));
    const priced = args.item ? priceItems(args.item) : null;
    const items = priced?.items ?? oldItems;
    const totalMinor = priced?.totalMinor ?? old.totalMinor;
    const valid = args.valid ? ctx.date(args.valid).date : old.validUntil;
    if (valid && valid < ctx.fmtDate(ctx.now))
      refuse(
        `${old.number}'s validity (${valid}) has passed; give the new version one: valid=…`,
        `${old.number} 的有效期（${valid}）已过，请为新版本写明：有效期=…`,
      );
    const root = old.revisionOf ?? old.id;
    const [latest] = await ctx.tx
      .select({ revision: quotes.revision })
      .from(quotes)
      .where(eq(quotes.revisionOf, root))
      .orderBy(desc(quotes.revision))
      .limit(1);
    const revision = Math.max(old.revision, latest?.revision ?? 0) + 1;
    const number = await ctx.nextNumber('Q');
    const [q] = await ctx.tx
      .insert(quotes)
      .values({
        number,
        customerId: old.customerId,
        leadId: old.leadId,
        currency: old.currency,
        totalMinor,
        validUntil: valid,
        taxIncluded: args.tax ? args.tax === 'included' : old.taxIncluded,
        payment: args.payment ?? old.payment,
        deliveryDate: args.delivery ? ctx.date(args.delivery).date : old.deliveryDate,
        adjustment: args.adjustment ?? old.adjustment,
        note: args.note ?? null,
        ownerId: old.ownerId,
        revisionOf: root,
        revision,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    await insertQuoteItems(ctx, q!.id, items);
    await ctx.tx
      .update(quotes)
      .set({ status: 'superseded', updatedAt: ctx.now })
      .where(eq(quotes.id, old.id));
    await cancelQuoteExpiry(ctx, old.number);
    await ctx.history('quote', old.id, [
      { field: 'status', from: old.status, to: 'superseded' },
      { field: 'revised_by', from: null, to: number },
    ]);
    await ctx.history('quote', q!.id, [
      { field: 'created', from: null, to: `${number} (revision ${revision} of ${old.number})` },
    ]);
    await ctx.audit('quote.revise', 'quote', number, { from: old.number, revision, changed: changes });
    const submitted = await submitQuote(ctx, q!, args.note ?? null);
    const [original] =
      root === old.id
        ? [{ number: old.number }]
        : await ctx.tx.select({ number: quotes.number }).from(quotes).where(eq(quotes.id, root));
    const { total, lines, note } = draftedQuote(ctx, items, totalMinor);
    return {
      text: `${ctx.t({
        en: `${number} is revision ${revision} of ${original!.number} (${old.number} is now superseded): total ${total}.`,
        zh: `${number} 为 ${original!.number} 的第 ${revision} 次修订（${old.number} 已被取代）：总价 ${total}。`,
      })}\n${lines}\n${submitted}${note}`,
    };
  },
});

export const quoteReviseCommands = [revise];
