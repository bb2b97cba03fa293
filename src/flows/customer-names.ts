// Customers by name as well as by number: one normalised name per customer (customers.name_key, unique in
// the database), a name that picks one customer wherever a customer is asked for, and a choice when several do.
import { and, asc, eq, isNull, ne, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { kind, type ProblemParams } from '../commands/keys.ts';
import { parseRef, refKindOf } from '../commands/values.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse, refuseInput } from '../core/errors.ts';
import { emailFolded, nameCore, phoneDigits } from '../db/matching-forms.ts';
import { rowsOf } from '../db/rows.ts';
import { customers } from '../db/schema.ts';
import { loadCustomer } from './common.ts';
import { pinyinOf } from './customer-pinyin.ts';

type Customer = typeof customers.$inferSelect;

/**
 * The value of a key that takes a customer (`customer=C-0001`, `customer="Acme Ltd"`): a record number is
 * normalised (and one of another kind refused) as the parser does for every reference; anything else is a
 * name, looked up by the flow (resolveCustomer).
 */
export const customerKey = () =>
  kind(
    z
      .string()
      .trim()
      .min(1)
      .max(200)
      .transform((raw, zctx): string => {
        if (!refKindOf(raw)) return raw;
        const r = parseRef('customer', raw);
        if (r.ok) return r.value;
        zctx.addIssue({
          code: 'custom',
          message: r.problem,
          params: { problem: r.problem, example: r.example } satisfies ProblemParams,
        });
        return z.NEVER;
      }),
    { type: 'ref', record: 'customer', names: true },
  );

/** The same folding as the generated column, done by the database so the two never differ. */
const keyOf = (name: string): SQL =>
  sql`lower(btrim(regexp_replace(normalize(${name}::text, NFKC), '[[:space:]]+', ' ', 'g')))`;

/** The customer whose name means the same as `name` (case, width and spacing aside), if any. */
export async function customerNamed(
  ctx: FlowContext,
  name: string,
  except?: number,
): Promise<Customer | undefined> {
  const [row] = await ctx.tx
    .select()
    .from(customers)
    .where(
      and(eq(customers.nameKey, keyOf(name)), except === undefined ? undefined : ne(customers.id, except)),
    )
    .limit(1);
  return row;
}

export type LikelyDuplicate = { number: string; name: string; why: 'name' | 'phone' | 'email' };

/** Names whose exact taking this command already checked (likelyDuplicates), so run need not ask again. */
const takenChecked = new WeakMap<FlowContext, string>();

/**
 * Customers a new one may be the same as (issue 21, duplicates): the same name once the legal form and
 * punctuation are set aside, or a contact with the same phone (digits only) or email. The exact same name
 * is refused outright (refuseDuplicate, naming the customer to use). One statement asks all of it.
 */
export async function likelyDuplicates(
  ctx: FlowContext,
  given: { name: string; phone?: string | undefined; email?: string | undefined },
): Promise<LikelyDuplicate[]> {
  const key = keyOf(given.name);
  // A merged customer's name is still its own: the customer to use is the one it went into.
  const parts: SQL[] = [
    sql`(select coalesce(t.number, c.number) as number, coalesce(t.name, c.name) as name, 'taken' as why
      from customers c left join customers t on t.id = c.merged_into_id
      where c.name_key = ${key} limit 1)`,
  ];
  // At least two letters left once the legal form is off, or every "… Ltd" would look alike.
  if (given.name.replace(/[\p{P}\s]|ltd|limited|inc|co|corp|llc|gmbh|有限|公司|集团/giu, '').length >= 2)
    parts.push(sql`(select number, name, 'name' as why from customers
      where ${nameCore(sql.raw('name'))} = ${nameCore(sql`${given.name}::text`)} and name_key <> ${key}
        and merged_into_id is null
      limit 3)`);
  const digits = given.phone?.replace(/\D/g, '') ?? '';
  if (digits.length >= 7 || given.email) {
    const samePhone = digits.length >= 7 ? sql`${phoneDigits(sql.raw('ct.phone'))} = ${digits}` : sql`false`;
    const sameEmail = given.email
      ? sql`${emailFolded(sql.raw('ct.email'))} = ${emailFolded(sql`${given.email}::text`)}`
      : sql`false`;
    parts.push(sql`(select cu.number, cu.name, case when ${samePhone} then 'phone' else 'email' end as why
      from contacts ct join customers cu on cu.id = ct.customer_id
      where cu.name_key <> ${key} and (${samePhone} or ${sameEmail}) limit 3)`);
  }
  const rows = rowsOf<{ number: string; name: string; why: 'taken' | LikelyDuplicate['why'] }>(
    await ctx.tx.execute(sql.join(parts, sql` union all `)),
  );
  const taken = rows.find((r) => r.why === 'taken');
  if (taken) refuseDuplicate(taken, given.name);
  takenChecked.set(ctx, given.name);
  const out: LikelyDuplicate[] = [];
  for (const r of rows) {
    if (r.why === 'taken' || out.some((o) => o.number === r.number)) continue;
    out.push({ number: r.number, name: r.name, why: r.why });
  }
  return out;
}

/** Refuses a name another customer already has, naming that customer. */
export async function refuseTakenName(ctx: FlowContext, name: string, except?: number): Promise<void> {
  // Asked already in this command (likelyDuplicates, inside the same transaction).
  if (except === undefined && takenChecked.get(ctx) === name) return;
  const other = await customerNamed(ctx, name, except);
  if (other?.mergedIntoId != null) {
    // The name is still the merged record's: the customer to use is the one it went into.
    const [to] = await ctx.tx.select().from(customers).where(eq(customers.id, other.mergedIntoId));
    refuseDuplicate(to!, name);
  }
  if (other) refuseDuplicate(other, name);
}

export function refuseDuplicate(existing: Pick<Customer, 'number' | 'name'>, name: string): never {
  return refuse(
    `"${name}" is already customer ${existing.number} ${existing.name}; use that one (customer show ${existing.number}).`,
    `“${name}”已登记为客户 ${existing.number} ${existing.name}，请直接使用（客户 查看 ${existing.number}）。`,
  );
}

/**
 * Inserts a customer unless one of the same name exists, as one statement: of two racing registrations one
 * inserts and the other gets the winner back (ON CONFLICT waits for it). `created` says which happened.
 */
export async function insertCustomerOnce(
  ctx: FlowContext,
  values: Omit<typeof customers.$inferInsert, 'number'> & { number: string | SQL },
): Promise<{ customer: Customer; created: boolean }> {
  const [row] = await ctx.tx
    .insert(customers)
    .values({ ...values, namePinyin: pinyinOf(values.name) })
    .onConflictDoNothing({ target: customers.nameKey })
    .returning();
  if (row) return { customer: row, created: true };
  const existing = await customerNamed(ctx, values.name);
  if (!existing) throw new Error(`customer insert of "${values.name}" conflicted on nothing`);
  return { customer: existing, created: false };
}

/**
 * The customer a person means by a number (C-0001) or a name ("Acme", "华星"): the exact name first, then
 * the one customer whose name contains it; several are offered as a list with their numbers.
 */
export async function resolveCustomer(
  ctx: FlowContext,
  given: string,
  forUpdate = false,
  merged: 'refuse' | 'keep' = 'refuse',
): Promise<Customer> {
  const text = given.trim();
  const kind = refKindOf(text);
  if (kind === 'customer') {
    const ref = parseRef('customer', text);
    if (ref.ok) return loadCustomer(ctx, ref.value, forUpdate, merged);
  }
  if (kind)
    refuseInput(
      `${text} is not a customer; give a customer number (C-0001) or a customer's name.`,
      `${text} 不是客户；请写客户编号（C-0001）或客户名称。`,
    );
  const exact = await customerNamed(ctx, text);
  const pick = async (c: Customer) => (forUpdate ? loadCustomer(ctx, c.number, true, merged) : c);
  // A name is a customer as it now is: a merged one's name means the customer it was merged into.
  if (exact?.mergedIntoId != null && merged === 'refuse') {
    const [to] = await ctx.tx.select().from(customers).where(eq(customers.id, exact.mergedIntoId));
    return pick(to!);
  }
  if (exact) return pick(exact);
  const pattern = sql`'%' || replace(replace(replace(${keyOf(text)}, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'`;
  const like = await ctx.tx
    .select()
    .from(customers)
    .where(and(sql`${customers.nameKey} like ${pattern}`, isNull(customers.mergedIntoId)))
    .orderBy(asc(customers.id))
    .limit(11);
  if (like.length === 1) return pick(like[0]!);
  if (like.length === 0)
    return refuseInput(
      `No customer is called "${text}". Find one with: customer list name=${text}`,
      `没有名为“${text}”的客户。查找：客户 列表 名称=${text}`,
    );
  const list = like
    .slice(0, 10)
    .map((c) => `${c.number}  ${c.name}`)
    .join('\n');
  const more = like.length > 10 ? '\n…' : '';
  return refuse(
    `Several customers match "${text}"; say which by its number:\n${list}${more}`,
    `有多个客户与“${text}”相符，请用编号指明：\n${list}${more}`,
  );
}

/** Which customer a command names: its record number, or the name in its bare words. */
export async function customerOf(
  ctx: FlowContext,
  ref: string | null,
  words: string[],
  forUpdate = false,
  merged: 'refuse' | 'keep' = 'refuse',
): Promise<Customer> {
  if (ref && words.length > 0)
    refuseInput(
      `"${words[0]}" is not understood here. Values go as key=value, with quotes when they have spaces.`,
      `无法理解“${words[0]}”。值请写成 键=值，含空格时加引号。`,
    );
  if (ref) return loadCustomer(ctx, ref, forUpdate, merged);
  if (words.length === 0)
    return refuseInput(
      'Say which customer: its number (C-0001) or its name.',
      '请写明客户：编号（C-0001）或名称。',
    );
  // A number with something glued to it (C-0001'; …) is a mistyped number, not a name.
  const first = words[0]!;
  if (/^(SO|C|L|Q|A|I|R)[-_－]?\d/i.test(first) && !refKindOf(first))
    refuseInput(
      `"${first}" is not a record number; a customer is C-0001 or its name.`,
      `“${first}”不是有效的编号；客户请写 C-0001 或客户名称。`,
    );
  return resolveCustomer(ctx, words.join(' '), forUpdate, merged);
}
