// Finding a customer from what one remembers (issue 21, search): part of the name, a contact's name, a
// phone number however it is written, or an email, paged. Contacts are searched only where the reader may
// see them (src/core/visibility.ts), so a search cannot tell anyone whose phone number a customer has.
import { and, count, desc, eq, ilike, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import { k } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { refuseInput } from '../core/errors.ts';
import { isStaff } from '../core/permissions.ts';
import { entitled } from '../core/visibility.ts';
import { contacts, customers, people } from '../db/schema.ts';
import { command } from './common.ts';
import { pinyinQuery } from './customer-pinyin.ts';
import { LIST_SIZE } from './list-lines.ts';

const like = (text: string) => `%${text.replace(/[%_\\]/g, '\\$&')}%`;

/**
 * The customers `text` finds (customer find, and the web workspace's lists): part of the name, its pinyin
 * (huaxing, hxkj, 華星 for 华星科技), and a contact's name, pinyin, email or phone number however it is
 * written, the contacts looked in only where this reader may see them.
 */
export function customerMatch(ctx: FlowContext, text: string): SQL | undefined {
  const digits = text.replace(/\D/g, '');
  // huaxing, hxkj, 華星 (its pinyin) all find 华星科技: the stored pinyin of names (customer-pinyin.ts).
  const spelled = pinyinQuery(text);
  // Contacts are looked in only for customers whose contacts this reader may see.
  const seesAllContacts = entitled({ actor: ctx.actor, audience: 'private' }, 'contacts', {
    kind: 'customer',
    ownerId: -1,
    shared: [],
  });
  const contactMatch = or(
    ilike(contacts.name, like(text)),
    spelled ? sql`${contacts.namePinyin} like ${like(spelled)}` : undefined,
    ilike(contacts.email, like(text)),
    digits.length >= 4
      ? sql`regexp_replace(coalesce(${contacts.phone}, ''), '\\D', '', 'g') like ${`%${digits}%`}`
      : undefined,
  );
  // Not correlated: the matching contacts are found once (a hashed subplan), not probed per customer.
  const inContacts = inArray(
    customers.id,
    ctx.tx.select({ id: contacts.customerId }).from(contacts).where(contactMatch),
  );
  return or(
    ilike(customers.name, like(text)),
    spelled ? sql`${customers.namePinyin} like ${like(spelled)}` : undefined,
    seesAllContacts ? inContacts : and(eq(customers.ownerId, ctx.actor.personId), inContacts),
  );
}

const find = command({
  noun: 'customer',
  verbs: ['find'],
  words: Array.from({ length: 6 }, () => ({
    name: { en: 'text to look for', zh: '要查找的内容' },
    required: false,
  })),
  keys: { page: k.text(4).optional() },
  usage: {
    en: 'customer find <name, contact, phone or email> [page=2]',
    zh: '客户 查找 <名称、联系人、电话或邮箱> [页=2]',
  },
  summary: {
    en: 'find customers by part of the name, a contact, a phone number or an email',
    zh: '按名称片段、联系人、电话或邮箱查找客户',
  },
  allow: isStaff,
  readOnly: true,
  async run(ctx, { words, args }) {
    const text = words.join(' ').trim();
    if (text.length < 2)
      refuseInput(
        'Say what to look for (at least 2 characters): customer find 华星, customer find 138 0013 8000',
        '请写明要查找的内容（至少 2 个字）：客户 查找 华星，客户 查找 138 0013 8000',
      );
    const page = args.page === undefined ? 1 : Number(args.page);
    if (!Number.isInteger(page) || page < 1)
      refuseInput(
        `page=${args.page} is not a page number; pages start at 1.`,
        `页=${args.page} 不是页码；页码从 1 开始。`,
      );
    // A merged customer is found as the one it was merged into.
    const where = and(isNull(customers.mergedIntoId), customerMatch(ctx, text));
    const [total] = await ctx.tx.select({ n: count() }).from(customers).where(where);
    const pages = Math.max(1, Math.ceil(total!.n / LIST_SIZE));
    if (page > pages)
      refuseInput(
        `"${text}" finds ${total!.n} customer(s) on ${pages} page(s); page=${page} is past the end.`,
        `“${text}”共找到 ${total!.n} 个客户，${pages} 页；页=${page} 超出范围。`,
      );
    const rows = await ctx.tx
      .select({
        number: customers.number,
        name: customers.name,
        owner: people.name,
        status: customers.status,
      })
      .from(customers)
      .leftJoin(people, eq(people.id, customers.ownerId))
      .where(where)
      .orderBy(desc(customers.id))
      .limit(LIST_SIZE)
      .offset((page - 1) * LIST_SIZE);
    if (rows.length === 0)
      return {
        text: ctx.t({
          en: `No customer matches "${text}". Register one: customer add name=…`,
          zh: `没有与“${text}”匹配的客户。新增：客户 新增 名称=…`,
        }),
      };
    const lines = rows.map(
      (r) =>
        `${r.number}  ${r.name} · ${r.owner ?? ctx.t({ en: 'no owner', zh: '无负责人' })}${r.status === 'prospect' ? ctx.t({ en: ' · prospect', zh: ' · 潜在' }) : ''}`,
    );
    const more =
      pages > page
        ? ctx.t({
            en: `\nPage ${page} of ${pages}; next: customer find ${text} page=${page + 1}`,
            zh: `\n第 ${page}/${pages} 页；下一页：客户 查找 ${text} 页=${page + 1}`,
          })
        : '';
    return {
      text: `${ctx.t({ en: `Customers matching "${text}" (${total!.n}):`, zh: `与“${text}”匹配的客户（${total!.n}）：` })}\n${lines.join('\n')}${more}`,
    };
  },
});

export const customerFindCommands = [find];
