// customer use C-0007 (issue 21, duplicates): the [Use C-0007] button of the likely-duplicate card, or typed.
// Instead of registering a customer that is already there, the person carries on with the existing one:
// they get the customer as customer show gives it to them (masked by the one rule), the card they came from
// is closed, and when the customer is someone else's, its owner is told that this person is in touch with
// it, so the owner can share it or hand it over; nothing about the customer itself changes.
import { and, eq } from 'drizzle-orm';
import { k } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { refuseInput } from '../core/errors.ts';
import { isMarketing, isSales, isSalesManager } from '../core/permissions.ts';
import { confirmations } from '../db/schema.ts';
import type { Bilingual } from '../i18n/locale.ts';
import { command, label, loadCustomer, personName } from './common.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The likely-duplicate card this came from, closed: it is the pressing person's and still open, so the
 * registration it asked about will not happen. Anyone else's or a decided one is left as it is.
 */
async function closeCard(ctx: FlowContext, id: string, number: string): Promise<void> {
  const [row] = await ctx.tx.select().from(confirmations).where(eq(confirmations.id, id)).for('update');
  if (!row || row.personId !== ctx.actor.personId || row.state !== 'pending') return;
  await ctx.tx
    .update(confirmations)
    .set({ state: 'cancelled', decidedAt: ctx.now })
    .where(and(eq(confirmations.id, id), eq(confirmations.state, 'pending')));
  const summary = JSON.parse(row.summary) as Bilingual;
  const when = ctx.fmtDate(ctx.now, true);
  await ctx.out.update(`confirm:${id}`, (l) => {
    const note = label(
      l,
      `${ctx.actor.name} used ${number} instead at ${when}; nothing was registered`,
      `${ctx.actor.name} 已于 ${when} 改用 ${number}，未新增客户`,
    );
    const title = label(l, 'Confirmation', '确认');
    return {
      text: `${title}: ${summary[l]} — ${note}`,
      card: { title, fields: [{ label: label(l, 'Action', '操作'), value: summary[l] }], actions: [], note },
    };
  });
}

const use = command({
  noun: 'customer',
  verbs: ['use'],
  ref: { kind: 'customer', required: true },
  keys: { from: k.text(40).optional() },
  usage: {
    en: 'customer use C-0007   (instead of registering a customer that looks the same)',
    zh: '客户 使用 C-0007   （不再新增相似的客户，改用已有客户）',
  },
  summary: {
    en: 'carry on with an existing customer instead of registering a likely duplicate; its owner is told',
    zh: '改用已有客户，不新增疑似重复的客户；并告知其负责人',
  },
  allow: (a) => isSales(a) || isMarketing(a),
  async run(ctx, { ref, args }) {
    if (args.from !== undefined && !UUID.test(args.from))
      refuseInput(
        `from=${args.from} is not a card of mine; type just: customer use ${ref}`,
        `来源=${args.from} 不是有效的卡片；请直接发送：客户 使用 ${ref}`,
      );
    // A merged customer is refused here with a pointer to the one it went into.
    const c = await loadCustomer(ctx, ref!);
    if (args.from) await closeCard(ctx, args.from, c.number);
    const mine = c.ownerId === ctx.actor.personId;
    const owner = c.ownerId === null ? null : await personName(ctx, c.ownerId);
    // The owner hears that someone else is in touch with their customer (a manager's look needs no word).
    const told = c.ownerId !== null && !mine && !isSalesManager(ctx.actor);
    if (told)
      await ctx.out.send({ kind: 'person', personId: c.ownerId! }, (l) => ({
        text: label(
          l,
          `${ctx.actor.name} was about to register a customer like ${c.number} ${c.name} and is using yours instead: they are in touch with it. If they should work on it, share what they need (customer share ${c.number} to=… fields=…) or talk to the sales manager.`,
          `${ctx.actor.name} 原想新增与 ${c.number} ${c.name} 相似的客户，现改用您的客户：对方正在联系该客户。如需对方跟进，请共享所需信息（客户 共享 ${c.number} 部门=… 字段=…）或与销售经理沟通。`,
        ),
      }));
    await ctx.audit('customer.use', 'customer', c.number, told ? { ownerTold: c.ownerId } : {});
    const head = mine
      ? ctx.t({ en: `${c.number} is your customer.`, zh: `${c.number} 是您的客户。` })
      : owner === null
        ? ctx.t({
            en: `${c.number} has no owner yet; the sales manager assigns one.`,
            zh: `${c.number} 尚无负责人，由销售经理分配。`,
          })
        : told
          ? ctx.t({
              en: `${c.number} belongs to ${owner}; I told ${owner} you are in touch with it, so they can share it with you or hand it over.`,
              zh: `${c.number} 的负责人是 ${owner}；已告知 ${owner} 您正在联系该客户，对方可向您共享或交接。`,
            })
          : ctx.t({ en: `${c.number} belongs to ${owner}.`, zh: `${c.number} 的负责人是 ${owner}。` });
    // The customer as customer show gives it to this person: the one rule masks and audits the read.
    const parsed = ctx.commands!.parse(`customer show ${c.number}`, { currency: ctx.org.currency });
    const shown = parsed.ok ? await parsed.command.run(ctx, parsed.intent) : null;
    const next = ctx.t({
      en: `Next: lead add customer=${c.number} source=… or quote new customer=${c.number} item=…`,
      zh: `下一步：线索 新增 客户=${c.number} 来源=… 或 报价 新建 客户=${c.number} 明细=…`,
    });
    return {
      text: [head, shown?.text, mine || isSalesManager(ctx.actor) ? next : null].filter(Boolean).join('\n'),
      ...(shown?.card ? { card: { ...shown.card, note: head } } : {}),
    };
  },
});

export const customerUseCommands = [use];
