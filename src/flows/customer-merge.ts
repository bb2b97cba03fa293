// customer merge C-0009 into=C-0007 (issue 21, duplicates): a customer registered twice becomes one. Everything
// that names the duplicate moves to the one kept (contacts, needs, shares, leads, quotes, orders, pending
// corrections, reminders about it); empty fields of the kept one are filled from the duplicate; both get a
// history row; the duplicate stays, read as "merged into C-0007", so its number in old chats still leads
// somewhere. Asked with a Confirm first; one transaction; refusals write nothing.
import { and, count, eq, sql } from 'drizzle-orm';
import type { FieldChange, FlowContext } from '../core/context.ts';
import { refuse, refuseInput } from '../core/errors.ts';
import { isSalesManager } from '../core/permissions.ts';
import {
  approvals,
  contacts,
  customerNeeds,
  customerShares,
  customers,
  leads,
  orders,
  quotes,
  reminders,
} from '../db/schema.ts';
import { type Bilingual, pick } from '../i18n/locale.ts';
import { command, label } from './common.ts';
import { customerKey, customerOf, resolveCustomer } from './customer-names.ts';

type Customer = typeof customers.$inferSelect;

const USAGE = {
  en: 'customer merge C-0009 into=C-0007   (managers: C-0009 is the duplicate, C-0007 is kept)',
  zh: '客户 合并 C-0009 并入=C-0007   （经理：C-0009 为重复客户，保留 C-0007）',
};

/** Fields of the kept customer filled from the duplicate when the kept one has none. */
const FILLED = ['industry', 'address', 'scope', 'size', 'region'] as const;

/** The two customers, or a refusal (same one, unknown, already merged) before anything is written. */
async function pair(
  ctx: FlowContext,
  ref: string | null,
  words: string[],
  into: string | undefined,
  forUpdate: boolean,
): Promise<{ from: Customer; to: Customer }> {
  if (!into)
    refuseInput(
      `Say which customer to keep: into=C-0007. Usage: ${USAGE.en}`,
      `请写明保留哪个客户：并入=C-0007。用法：${USAGE.zh}`,
    );
  const from = await customerOf(ctx, ref, words, forUpdate, 'keep');
  const to = await resolveCustomer(ctx, into!, forUpdate, 'keep');
  if (from.id === to.id)
    refuseInput(
      `${from.number} cannot be merged into itself; name the customer to keep: into=C-…`,
      `${from.number} 不能合并到自身；请写明保留的客户：并入=C-…`,
    );
  for (const c of [from, to])
    if (c.mergedIntoId !== null) {
      const [target] = await ctx.tx
        .select({ number: customers.number })
        .from(customers)
        .where(eq(customers.id, c.mergedIntoId));
      refuse(
        `${c.number} was already merged into ${target?.number}; nothing was changed.`,
        `${c.number} 已合并至 ${target?.number}，未做修改。`,
      );
    }
  return { from, to };
}

/** How many records name the duplicate, by kind, for the Confirm card and the audit. */
async function tally(ctx: FlowContext, id: number) {
  const n = async (q: Promise<{ n: number }[]>) => (await q)[0]!.n;
  return {
    contacts: await n(ctx.tx.select({ n: count() }).from(contacts).where(eq(contacts.customerId, id))),
    leads: await n(
      ctx.tx
        .select({ n: count() })
        .from(leads)
        .where(sql`${leads.customerId} = ${id} or ${leads.convertedCustomerId} = ${id}`),
    ),
    quotes: await n(ctx.tx.select({ n: count() }).from(quotes).where(eq(quotes.customerId, id))),
    orders: await n(ctx.tx.select({ n: count() }).from(orders).where(eq(orders.customerId, id))),
  };
}

const moved = (t: Awaited<ReturnType<typeof tally>>, l: 'en' | 'zh') =>
  pick(l, {
    en: `${t.contacts} contact(s), ${t.leads} lead(s), ${t.quotes} quote(s), ${t.orders} order(s)`,
    zh: `${t.contacts} 个联系人、${t.leads} 条线索、${t.quotes} 份报价、${t.orders} 个订单`,
  });

const merge = command({
  noun: 'customer',
  verbs: ['merge'],
  ref: { kind: 'customer', required: false },
  words: [{ name: { en: 'customer number or name', zh: '客户编号或名称' }, required: false }],
  keys: { into: customerKey().optional() },
  usage: USAGE,
  summary: {
    en: 'merge a duplicate customer into the one kept: everything moves, history stays (managers)',
    zh: '将重复客户合并到保留的客户：记录全部转移，历史保留（经理）',
  },
  allow: isSalesManager,
  async confirm(ctx, { ref, words, args }): Promise<Bilingual> {
    const { from, to } = await pair(ctx, ref, words, args.into, false);
    const t = await tally(ctx, from.id);
    return {
      en: `Merge ${from.number} ${from.name} into ${to.number} ${to.name}: ${moved(t, 'en')}, needs and shares move to ${to.number}; ${from.number} stays readable as "merged into ${to.number}". This cannot be undone.`,
      zh: `将 ${from.number} ${from.name} 合并至 ${to.number} ${to.name}：${moved(t, 'zh')}及需求、共享转至 ${to.number}；${from.number} 保留为“已合并至 ${to.number}”。合并后不可撤销。`,
    };
  },
  async run(ctx, { ref, words, args }) {
    const { from, to } = await pair(ctx, ref, words, args.into, true);
    const t = await tally(ctx, from.id);
    // Contacts: the kept customer's primary contact stays the primary one.
    const [primary] = await ctx.tx
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(eq(contacts.customerId, to.id), eq(contacts.primary, true)))
      .limit(1);
    await ctx.tx
      .update(contacts)
      .set({ customerId: to.id, ...(primary ? { primary: false } : {}) })
      .where(eq(contacts.customerId, from.id));
    await ctx.tx
      .update(customerNeeds)
      .set({ customerId: to.id })
      .where(eq(customerNeeds.customerId, from.id));
    // A department that had both keeps the wider share (the union of the fields); no share is lost.
    await ctx.tx.execute(sql`
      insert into ${customerShares} (customer_id, department_id, fields, shared_by, created_at)
      select ${to.id}, department_id, fields, shared_by, created_at from ${customerShares} where customer_id = ${from.id}
      on conflict (customer_id, department_id) do update set fields = (
        select array_agg(distinct f) from unnest(${customerShares}.fields || excluded.fields) as f
      )`);
    await ctx.tx.delete(customerShares).where(eq(customerShares.customerId, from.id));
    await ctx.tx.update(leads).set({ customerId: to.id }).where(eq(leads.customerId, from.id));
    await ctx.tx
      .update(leads)
      .set({ convertedCustomerId: to.id })
      .where(eq(leads.convertedCustomerId, from.id));
    await ctx.tx.update(quotes).set({ customerId: to.id }).where(eq(quotes.customerId, from.id));
    await ctx.tx.update(orders).set({ customerId: to.id }).where(eq(orders.customerId, from.id));
    // A correction still waiting is about the customer as it now is; decided ones stay with their history.
    await ctx.tx
      .update(approvals)
      .set({ subjectId: to.id, subjectRef: to.number })
      .where(
        and(
          eq(approvals.subjectType, 'customer_correction'),
          eq(approvals.subjectId, from.id),
          eq(approvals.state, 'pending'),
        ),
      );
    await ctx.tx
      .update(reminders)
      .set({ subjectRef: to.number })
      .where(and(eq(reminders.subjectType, 'customer'), eq(reminders.subjectRef, from.number)));
    // The kept customer's empty fields are filled from the duplicate (a key account stays one).
    const fill: Partial<Record<(typeof FILLED)[number], string>> = {};
    const changes: FieldChange[] = [];
    for (const f of FILLED)
      if (!to[f] && from[f]) {
        fill[f] = from[f]!;
        changes.push({ field: f, from: null, to: from[f] });
      }
    const key = to.keyAccount || from.keyAccount;
    if (key !== to.keyAccount) changes.push({ field: 'key_account', from: to.keyAccount, to: key });
    await ctx.tx
      .update(customers)
      .set({ ...fill, keyAccount: key, updatedAt: ctx.now })
      .where(eq(customers.id, to.id));
    await ctx.tx
      .update(customers)
      .set({ mergedIntoId: to.id, mergedAt: ctx.now, updatedAt: ctx.now })
      .where(eq(customers.id, from.id));
    await ctx.history('customer', to.id, [
      { field: 'merged', from: null, to: `${from.number} ${from.name}` },
      ...changes,
    ]);
    await ctx.history('customer', from.id, [
      { field: 'merged_into', from: null, to: `${to.number} ${to.name}` },
    ]);
    await ctx.audit('customer.merge', 'customer', from.number, { into: to.number, moved: t });
    // The owners hear of it: each may have been working on one half.
    const owners = new Set([from.ownerId, to.ownerId].filter((id): id is number => id !== null));
    owners.delete(ctx.actor.personId);
    for (const personId of owners)
      await ctx.out.send({ kind: 'person', personId }, (l) => ({
        text: label(
          l,
          `${ctx.actor.name} merged customer ${from.number} ${from.name} into ${to.number} ${to.name}; its contacts, leads, quotes and orders are now on ${to.number}: customer show ${to.number}`,
          `${ctx.actor.name} 已将客户 ${from.number} ${from.name} 合并至 ${to.number} ${to.name}，其联系人、线索、报价和订单已转至 ${to.number}：客户 查看 ${to.number}`,
        ),
      }));
    return {
      text: ctx.t({
        en: `${from.number} ${from.name} merged into ${to.number} ${to.name}: ${moved(t, 'en')} moved. ${from.number} now reads "merged into ${to.number}". See: customer show ${to.number}`,
        zh: `已将 ${from.number} ${from.name} 合并至 ${to.number} ${to.name}：转移${moved(t, 'zh')}。${from.number} 现显示为“已合并至 ${to.number}”。查看：客户 查看 ${to.number}`,
      }),
    };
  },
});

/** What a merged customer's show says: where it went, when, by whom; the rest is on the kept one. */
export async function mergedNotice(ctx: FlowContext, c: Customer): Promise<{ title: string; text: string }> {
  const [to] = await ctx.tx
    .select({ number: customers.number, name: customers.name })
    .from(customers)
    .where(eq(customers.id, c.mergedIntoId!));
  const when = c.mergedAt ? ctx.fmtDate(c.mergedAt) : '';
  const title = `${c.number} ${c.name}`;
  return {
    title,
    text: ctx.t({
      en: `${title}: merged into ${to!.number} ${to!.name} on ${when}. Its contacts, leads, quotes and orders are there: customer show ${to!.number} (its own history: customer history ${c.number})`,
      zh: `${title}：已于 ${when} 合并至 ${to!.number} ${to!.name}，其联系人、线索、报价和订单均已转至该客户：客户 查看 ${to!.number}（原记录历史：客户 历史 ${c.number}）`,
    }),
  };
}

export const customerMergeCommands = [merge];
