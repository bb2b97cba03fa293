// Quotes (R-QUO-1): drafted by sales with line items and price terms. Submission for approval, sending and
// feedback come with the approvals issue.
import { and, asc, desc, eq, inArray, lt } from 'drizzle-orm';
import { k } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse } from '../core/errors.ts';
import { takeNumber } from '../core/numbering.ts';
import { isSales, isSalesManager, seesPrices } from '../core/permissions.ts';
import { entitled, privateNote, Reveal, reveal } from '../core/visibility.ts';
import type { Queryable } from '../db/client.ts';
import { customers, people, quoteItems, quotes, recordHistory } from '../db/schema.ts';
import { linkQuoteToLead, quoteLinkFields, quoteOrigin } from '../leads/links.ts';
import { approvalSettings, submitForApproval } from './approval.ts';
import { command, DEPARTMENT_NAMES, field, label, linesOf, loadQuote, personName } from './common.ts';
import { customerKey, resolveCustomer } from './customer-names.ts';
import { type FieldSpec, type HistorySpec, historyCommand, unnamedField } from './history.ts';
import { itemLine, type PricedItem, priceItems } from './line-items.ts';
import { LIST_KEYS, listFilters, pageFooter, refuseOthers } from './list-filters.ts';
import { dateMark } from './list-lines.ts';
import { quoteList } from './list-queries.ts';
import { cancelQuoteExpiry, scheduleQuoteExpiry } from './reminder-sources.ts';
import { QUOTE_STATUS, quoteStatus } from './statuses.ts';
import type { SubjectHandler } from './subjects.ts';

export { quoteStatus };

export const TAX = {
  included: ['含税', '含', 'incl', 'yes'],
  excluded: ['不含税', '未税', 'excl', 'no'],
} as const;

type Quote = typeof quotes.$inferSelect;

/** Reps see their own quotes; managers, finance, management and supervisors see all (R-SEC-1). */
export function canSeeQuote(ctx: FlowContext, q: Pick<Quote, 'ownerId'>): boolean {
  if (!seesPrices(ctx.actor)) return false;
  return entitled({ actor: ctx.actor, audience: 'private' }, 'prices', { kind: 'deal', ownerId: q.ownerId });
}

/** The terms a quote carries besides its lines: the same keys for a new quote and a revision. */
export const QUOTE_TERMS = {
  valid: k.date().optional(),
  tax: k.choice(TAX).optional(),
  payment: k.text(300).optional(),
  delivery: k.date().optional(),
  adjustment: k.text(300).optional(),
  note: k.text(1000).optional(),
};

/** A quote's lines, written once for a new quote and for a revision. */
export async function insertQuoteItems(ctx: FlowContext, quoteId: number, items: readonly PricedItem[]) {
  await ctx.tx.insert(quoteItems).values(
    items.map((it) => ({
      quoteId,
      lineNo: it.lineNo,
      name: it.name,
      model: it.model,
      quantity: it.quantity,
      unitPriceMinor: it.unitPriceMinor,
      amountMinor: it.amountMinor,
    })),
  );
}

/**
 * The author's reply about the quote they just wrote: its total and lines, masked in a group chat (everyone
 * there reads the reply, though the author typed the prices), with the note that says so.
 */
export function draftedQuote(ctx: FlowContext, items: readonly PricedItem[], totalMinor: bigint) {
  const r = reveal(ctx, { kind: 'deal', ownerId: ctx.actor.personId }, { owner: true });
  const prices = r.use('prices', 'prices');
  return {
    total: r.money('total', totalMinor),
    lines: items.map((it) => `  ${it.lineNo}. ${itemLine(ctx, it, prices)}`).join('\n'),
    note: r.masked ? `\n${privateNote(ctx.locale)}` : '',
  };
}

const create = command({
  noun: 'quote',
  verbs: ['new', 'add'],
  keys: {
    customer: customerKey().optional(),
    lead: k.ref('lead').optional(),
    item: k.item(),
    ...QUOTE_TERMS,
  },
  usage: {
    en: 'quote new customer=C-0001 item="Sensor | X200 | 200 | 35.5" valid=2026-12-31 tax=included payment="30% advance" delivery=2027-01-15',
    zh: '报价 新建 客户=C-0001 明细="传感器 | X200 | 200 | 35.5" 有效期=2026-12-31 含税=含税 付款="预付30%" 交期=2027-01-15',
  },
  summary: {
    en: 'draft a quote (repeat item= for each line; lead=L-0001 instead of customer= links it to its lead)',
    zh: '起草报价（每行明细一个 明细=；用 线索=L-0001 代替 客户= 则关联来源线索）',
  },
  allow: isSales,
  async run(ctx, { args }) {
    const { customer, lead } = await quoteOrigin(ctx, args);
    const { items, totalMinor } = priceItems(args.item);
    const valid = args.valid ? ctx.date(args.valid).date : null;
    const today = ctx.fmtDate(ctx.now);
    if (valid && valid < today) refuse(`valid=${valid} is already past.`, `有效期 ${valid} 已过。`);
    const delivery = args.delivery ? ctx.date(args.delivery).date : null;
    const [q] = await ctx.tx
      .insert(quotes)
      .values({
        number: takeNumber('Q'),
        customerId: customer.id,
        leadId: lead?.id ?? null,
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
    const number = q!.number;
    await insertQuoteItems(ctx, q!.id, items);
    await ctx.history('quote', q!.id, [{ field: 'created', from: null, to: number }]);
    const from = await linkQuoteToLead(ctx, lead, number);
    await ctx.audit('quote.new', 'quote', number, { total: totalMinor.toString(), items: items.length });
    const tax = args.tax
      ? ctx.t(
          args.tax === 'included'
            ? { en: ', tax included', zh: '，含税' }
            : { en: ', tax excluded', zh: '，不含税' },
        )
      : '';
    const { total, lines, note } = draftedQuote(ctx, items, totalMinor);
    return {
      text: ctx.t({
        en: `Quote ${number} drafted for ${customer.number} ${customer.name}: total ${total}${tax}${valid ? `, valid until ${valid}` : ''}.${from}\n${lines}${note}`,
        zh: `已起草报价 ${number}（${customer.number} ${customer.name}）：总价 ${total}${tax}${valid ? `，有效期至 ${valid}` : ''}。${from}\n${lines}${note}`,
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
    const r = reveal(ctx, { kind: 'deal', ownerId: q.ownerId });
    const tax =
      q.taxIncluded === null
        ? ''
        : q.taxIncluded
          ? label(l, ' (tax included)', '（含税）')
          : label(l, ' (tax excluded)', '（不含税）');
    const prices = r.use('prices', 'prices');
    const adjustment = q.adjustment ? r.text('prices', 'prices', q.adjustment) : null;
    const fields = [
      field(label(l, 'Customer', '客户'), `${c!.number} ${c!.name}`),
      field(label(l, 'Status', '状态'), quoteStatus(q.status, l)),
      field(label(l, 'Date', '日期'), ctx.fmtDate(q.createdAt)),
      ...items.map((it) => field(`#${it.lineNo}`, itemLine(ctx, it, prices))),
      field(label(l, 'Total', '总价'), `${r.money('total', q.totalMinor)}${tax}`),
      field(label(l, 'Valid until', '有效期'), q.validUntil),
      field(label(l, 'Payment', '付款方式'), q.payment),
      field(label(l, 'Delivery', '交期'), q.deliveryDate),
      field(label(l, 'Price adjustment', '价格调整'), adjustment),
      field(label(l, 'Owner', '负责人'), await personName(ctx, q.ownerId)),
      ...(r.masked ? [field(label(l, 'Note', '说明'), privateNote(l))] : []),
    ];
    await ctx.auditRead('quote', q.number, r.fields);
    fields.push(...(await revisionFields(ctx, q)));
    fields.push(...(await quoteLinkFields(ctx, q)));
    const title = label(l, `Quote ${q.number}`, `报价 ${q.number}`);
    return { text: linesOf(title, fields), card: { title, fields, actions: [] } };
  },
});

/** Where a quote stands among its versions (R-QUO-1): what it revises, and what revised it. */
async function revisionFields(ctx: FlowContext, q: Quote) {
  const l = ctx.locale;
  const out = [];
  if (q.revisionOf) {
    const [from] = await ctx.tx
      .select({ number: quotes.number })
      .from(quotes)
      .where(eq(quotes.id, q.revisionOf));
    out.push(
      field(
        label(l, 'Revision', '修订'),
        label(l, `${q.revision} of ${from!.number}`, `${from!.number} 的第 ${q.revision} 次修订`),
      ),
    );
  }
  if (q.status === 'superseded') {
    const [next] = await ctx.tx
      .select({ number: quotes.number })
      .from(quotes)
      .where(eq(quotes.revisionOf, q.revisionOf ?? q.id))
      .orderBy(desc(quotes.revision))
      .limit(1);
    if (next) out.push(field(label(l, 'Newest version', '最新版本'), next.number));
  }
  return out;
}

const list = command({
  noun: 'quote',
  verbs: ['list'],
  keys: {
    customer: customerKey().optional(),
    status: k
      .choice(
        Object.fromEntries(Object.entries(QUOTE_STATUS).map(([s, n]) => [s, [n.zh]])) as Record<
          string,
          readonly string[]
        >,
      )
      .optional(),
    ...LIST_KEYS,
  },
  usage: {
    en: 'quote list [customer=C-0001] [status=draft] [owner=me|@li] [since=2026-11-01] [until=…] [page=2]',
    zh: '报价 列表 [客户=C-0001] [状态=草稿] [负责人=我|@li] [起始=2026-11-01] [截至=…] [页=2]',
  },
  summary: { en: 'list quotes (reps: their own)', zh: '报价列表（销售代表：自己的）' },
  allow: seesPrices,
  readOnly: true,
  async run(ctx, { args, text }) {
    const customer = args.customer ? await resolveCustomer(ctx, args.customer) : null;
    const f = await listFilters(ctx, args);
    refuseOthers(ctx, f, { en: 'quotes', zh: '报价' });
    const { rows, pages } = await quoteList(
      ctx.tx,
      ctx.actor,
      { customerId: customer?.id, status: args.status },
      f,
    );
    const cut = pageFooter(ctx, text, f.page, pages);
    if (rows.length === 0) return { text: ctx.t({ en: 'No quotes found.', zh: '没有找到报价。' }) };
    // Every row under the same rule as quote show: one reveal per quote, one audit row per quote shown.
    const shown = rows.map(({ q }) => {
      const r = reveal(ctx, { kind: 'deal', ownerId: q.ownerId });
      return { total: r.money('total', q.totalMinor), r };
    });
    for (const [i, { q }] of rows.entries()) await ctx.auditRead('quote', q.number, shown[i]!.r.fields);
    const masked = shown.some((x) => x.r.masked);
    const lines = rows.map(
      ({ q, name }, i) =>
        `${q.number}  ${name}${shown[i]!.total ? ` · ${shown[i]!.total}` : ''} · ${quoteStatus(q.status, ctx.locale)}${dateMark(ctx, q.validUntil, { en: 'valid until', zh: '有效期至' }, { en: 'validity ended', zh: '已过有效期' }, ['draft', 'pending', 'approved', 'sent', 'negotiating'].includes(q.status))}`,
    );
    return {
      text: `${ctx.t({ en: 'Quotes:', zh: '报价：' })}\n${lines.join('\n')}${cut}${masked ? `\n${privateNote(ctx.locale)}` : ''}`,
    };
  },
});

async function quoteSummaryParts(ctx: FlowContext, q: Quote) {
  const [c] = await ctx.tx.select().from(customers).where(eq(customers.id, q.customerId));
  const items = await ctx.tx
    .select()
    .from(quoteItems)
    .where(eq(quoteItems.quoteId, q.id))
    .orderBy(asc(quoteItems.lineNo));
  return { customer: c!, items };
}

/** The quote's part of its approval card: prices by the one rule (core/visibility.ts), per reader. */
export const quoteSubject: SubjectHandler = {
  async summary(ctx, approval) {
    const q = await loadQuote(ctx, approval.subjectRef);
    const { customer, items } = await quoteSummaryParts(ctx, q);
    return (l, viewer) => {
      const r = new Reveal(viewer, { kind: 'deal', ownerId: q.ownerId }, ctx.org.currency);
      const prices = r.use('prices', 'prices');
      return {
        fields: [
          field(
            label(l, 'Customer', '客户'),
            `${customer.number} ${customer.name}${customer.keyAccount ? label(l, ' (key account)', '（重点客户）') : ''}`,
          ),
          field(
            label(l, 'Total', '总价'),
            r.money('total', q.totalMinor) ?? label(l, 'not shown to you', '无权查看'),
          ),
          field(label(l, 'Items', '明细'), items.map((it) => itemLine(ctx, it, prices)).join('\n')),
          field(label(l, 'Valid until', '有效期'), q.validUntil),
          field(label(l, 'Delivery', '交期'), q.deliveryDate),
          field(label(l, 'Payment', '付款方式'), q.payment),
        ],
        details: `quote show ${q.number}`,
        entity: 'quote',
        read: r.fields,
        masked: r.masked,
      };
    };
  },
  async approved(ctx, approval) {
    await scheduleQuoteExpiry(ctx, await setQuoteStatus(ctx, approval.subjectRef, 'approved'));
  },
  async rejected(ctx, approval) {
    await setQuoteStatus(ctx, approval.subjectRef, 'rejected');
  },
  async withdrawn(ctx, approval) {
    await setQuoteStatus(ctx, approval.subjectRef, 'draft');
  },
};

async function setQuoteStatus(ctx: FlowContext, ref: string, status: string): Promise<Quote> {
  const q = await loadQuote(ctx, ref, true);
  await ctx.tx.update(quotes).set({ status, updatedAt: ctx.now }).where(eq(quotes.id, q.id));
  await ctx.history('quote', q.id, [{ field: 'status', from: q.status, to: status }]);
  return { ...q, status };
}

/** Legal moves of a quote (R-QUO-3); anything else is refused with the state it is in. */
const QUOTE_MOVES: Record<string, string[]> = {
  submit: ['draft'],
  send: ['approved'],
  feedback: ['sent', 'negotiating'],
};

/**
 * The quote a move acts on, locked: it must be the actor's (or a manager's), in a state the move allows,
 * and — for moves towards the customer — still within its validity date.
 */
async function quoteFor(ctx: FlowContext, ref: string, move: keyof typeof QUOTE_MOVES): Promise<Quote> {
  const q = await loadQuote(ctx, ref, true);
  if (q.ownerId !== ctx.actor.personId && !isSalesManager(ctx.actor)) {
    refuse(`${q.number} is another rep's quote.`, `${q.number} 是其他销售的报价。`);
  }
  if (!QUOTE_MOVES[move]!.includes(q.status)) {
    const allowed = QUOTE_MOVES[move]!.map((s) => quoteStatus(s, 'en')).join(' or ');
    const allowedZh = QUOTE_MOVES[move]!.map((s) => quoteStatus(s, 'zh')).join('或');
    refuse(
      `${q.number} is ${quoteStatus(q.status, 'en')}; ${move} needs it to be ${allowed}.`,
      `${q.number} 当前为${quoteStatus(q.status, 'zh')}，只有${allowedZh}状态才能执行此操作。`,
    );
  }
  if (move !== 'feedback' && q.validUntil && q.validUntil < ctx.fmtDate(ctx.now)) {
    refuse(`${q.number} is past its validity date.`, `${q.number} 已过有效期。`);
  }
  return q;
}

const submit = command({
  noun: 'quote',
  verbs: ['submit'],
  ref: { kind: 'quote', required: true },
  keys: { note: k.text(1000).optional() },
  usage: { en: 'quote submit Q-0001 [note="why this price"]', zh: '报价 提交 Q-0001 [备注=定价说明]' },
  summary: { en: 'submit a draft quote for approval', zh: '提交报价审批' },
  allow: isSales,
  async run(ctx, { ref, args }) {
    const q = await quoteFor(ctx, ref!, 'submit');
    return { text: await submitQuote(ctx, q, args.note ?? null) };
  },
});

/** Sends a draft through approval (quote submit, and a revision at once); the reply's text. */
export async function submitQuote(ctx: FlowContext, q: Quote, note: string | null): Promise<string> {
  const [c] = await ctx.tx.select().from(customers).where(eq(customers.id, q.customerId));
  await ctx.tx.update(quotes).set({ status: 'pending', updatedAt: ctx.now }).where(eq(quotes.id, q.id));
  await ctx.history('quote', q.id, [{ field: 'status', from: q.status, to: 'pending' }]);
  const a = await submitForApproval(ctx, {
    subjectType: 'quote',
    subjectId: q.id,
    subjectRef: q.number,
    facts: { type: 'quote', totalMinor: q.totalMinor, keyAccount: c!.keyAccount },
    reason: note,
  });
  const joint = a.stepCount > 1 ? (await approvalSettings(ctx)).quoteJoint : [];
  const en = joint.map((d) => DEPARTMENT_NAMES[d].en.toLowerCase()).join(' and ');
  const zh = joint.map((d) => DEPARTMENT_NAMES[d].zh).join('和');
  return ctx.t({
    en: `${q.number} submitted for approval ${a.number}: sales manager${joint.length ? `, then a joint review by ${en} (big deal or key account)` : ''}.`,
    zh: `${q.number} 已提交审批 ${a.number}：销售经理审核${joint.length ? `，随后${zh}会签（大额或重点客户）` : ''}。`,
  });
}

const send = command({
  noun: 'quote',
  verbs: ['send'],
  ref: { kind: 'quote', required: true },
  keys: { note: k.text(1000).optional() },
  usage: { en: 'quote send Q-0001 [note="emailed to Li Lei"]', zh: '报价 发送 Q-0001 [备注=已邮件发送]' },
  summary: { en: 'record that an approved quote went to the customer', zh: '记录已将批准的报价发给客户' },
  allow: isSales,
  async run(ctx, { ref, args }) {
    const q = await quoteFor(ctx, ref!, 'send');
    await ctx.tx
      .update(quotes)
      .set({ status: 'sent', sentAt: ctx.now, updatedAt: ctx.now })
      .where(eq(quotes.id, q.id));
    await ctx.history('quote', q.id, [
      { field: 'status', from: q.status, to: 'sent' },
      ...(args.note ? [{ field: 'send_note', from: null, to: args.note }] : []),
    ]);
    await ctx.audit('quote.send', 'quote', q.number);
    return {
      text: ctx.t({
        en: `${q.number} recorded as sent to the customer. When they answer: quote feedback ${q.number} result=accepted|negotiating|declined note="…"`,
        zh: `已记录 ${q.number} 发给客户。客户答复后：报价 反馈 ${q.number} 结果=接受|谈判|拒绝 备注=…`,
      }),
    };
  },
});

const RESULTS = {
  accepted: ['接受', '已接受', 'accept', 'yes'],
  negotiating: ['谈判', '谈判中', 'negotiate'],
  declined: ['拒绝', '已拒绝', 'decline', 'no'],
} as const;

const feedback = command({
  noun: 'quote',
  verbs: ['feedback'],
  ref: { kind: 'quote', required: true },
  keys: { result: k.choice(RESULTS), note: k.text(1000).optional() },
  usage: {
    en: 'quote feedback Q-0001 result=accepted note="signs next week"',
    zh: '报价 反馈 Q-0001 结果=接受 备注=下周签约',
  },
  summary: { en: "record the customer's answer; the manager is told", zh: '记录客户答复并告知销售经理' },
  allow: isSales,
  async run(ctx, { ref, args }) {
    const q = await quoteFor(ctx, ref!, 'feedback');
    await ctx.tx
      .update(quotes)
      .set({ status: args.result, feedbackNote: args.note ?? null, updatedAt: ctx.now })
      .where(eq(quotes.id, q.id));
    await ctx.history('quote', q.id, [
      { field: 'status', from: q.status, to: args.result },
      { field: 'feedback', from: q.feedbackNote, to: args.note ?? null },
    ]);
    await ctx.audit('quote.feedback', 'quote', q.number, { result: args.result });
    if (args.result !== 'negotiating') await cancelQuoteExpiry(ctx, q.number);
    const { customer } = await quoteSummaryParts(ctx, q);
    for (const id of await managerIds(ctx)) {
      if (id === ctx.actor.personId) continue;
      await ctx.out.send({ kind: 'person', personId: id }, (l) => ({
        text: label(
          l,
          `Quote ${q.number} (${customer.number} ${customer.name}): customer ${quoteStatus(args.result, 'en')}${args.note ? ` — ${args.note}` : ''} (${ctx.actor.name})`,
          `报价 ${q.number}（${customer.number} ${customer.name}）：客户${quoteStatus(args.result, 'zh')}${args.note ? `——${args.note}` : ''}（${ctx.actor.name}）`,
        ),
      }));
    }
    const next =
      args.result === 'accepted'
        ? ctx.t({
            en: ` Next: order new from=${q.number} delivery=… place=… payment=…`,
            zh: `下一步：订单 新建 基于=${q.number} 交期=… 交货地点=… 付款=…`,
          })
        : '';
    return {
      text: ctx.t({
        en: `${q.number}: ${quoteStatus(args.result, 'en')}; the sales manager was told.${next}`,
        zh: `${q.number}：${quoteStatus(args.result, 'zh')}，已告知销售经理。${next}`,
      }),
    };
  },
});

async function managerIds(ctx: FlowContext): Promise<number[]> {
  const rows = await ctx.tx
    .select({ id: people.id })
    .from(people)
    .where(and(eq(people.role, 'sales_manager'), eq(people.active, true)));
  return rows.map((r) => r.id);
}

/** Quotes past their validity date become expired (R-QUO-3). Run on start and periodically. */
export async function expireQuotes(db: Queryable, today: string): Promise<number> {
  const rows = await db
    .update(quotes)
    .set({ status: 'expired', updatedAt: new Date() })
    .where(
      and(inArray(quotes.status, ['draft', 'approved', 'sent', 'negotiating']), lt(quotes.validUntil, today)),
    )
    .returning({ id: quotes.id, from: quotes.status });
  if (rows.length) {
    await db.insert(recordHistory).values(
      rows.map((r) => ({
        entity: 'quote',
        entityId: r.id,
        field: 'status',
        oldValue: 'open',
        newValue: 'expired',
      })),
    );
  }
  return rows.length;
}

const HISTORY_FIELDS: Record<string, FieldSpec> = {
  created: { name: { en: 'created', zh: '创建' }, event: true },
  status: { name: { en: 'status', zh: '状态' }, event: true, read: (v, ctx) => quoteStatus(v, ctx.locale) },
  send_note: { name: { en: 'sent with a note', zh: '发送备注' }, event: true },
  feedback: { name: { en: 'customer feedback', zh: '客户反馈' }, event: true },
  revised_by: { name: { en: 'revised as', zh: '修订为' }, event: true },
};

/** A quote's history (R-REC-1) with its approval decisions; amounts only for those who may see them. */
export const QUOTE_HISTORY: HistorySpec = {
  entity: 'quote',
  approvals: ['quote'],
  field: (name) => HISTORY_FIELDS[name] ?? unnamedField(name, { cls: 'prices', audit: 'prices' }),
};

const history = historyCommand({
  noun: 'quote',
  ref: { kind: 'quote', required: true },
  spec: QUOTE_HISTORY,
  example: 'Q-0001',
  allow: seesPrices,
  async open(ctx, { ref }) {
    const q = await loadQuote(ctx, ref!);
    if (!canSeeQuote(ctx, q)) refuse(`${q.number} is another rep's quote.`, `${q.number} 是其他销售的报价。`);
    return { id: q.id, number: q.number, reveal: reveal(ctx, { kind: 'deal', ownerId: q.ownerId }) };
  },
});

export const quoteCommands = [create, show, list, submit, send, feedback, history];
