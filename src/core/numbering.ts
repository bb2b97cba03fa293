// Record numbers (C-0001, SO-0001…) from one PostgreSQL sequence per prefix (src/db/schema.ts): unique and
// never reused under any concurrency, without making creators queue on a counter row. A creation that is
// refused after taking its number leaves a gap; the flows check what they can before taking one.
import { type SQL, sql } from 'drizzle-orm';
import { formatRef } from '../commands/values.ts';
import type { Queryable } from '../db/client.ts';

const SEQUENCES: Record<string, string> = {
  C: 'record_numbers_c',
  L: 'record_numbers_l',
  Q: 'record_numbers_q',
  SO: 'record_numbers_so',
  A: 'record_numbers_a',
  I: 'record_numbers_i',
  R: 'reminder_numbers',
};

function sequenceOf(prefix: string): string {
  const sequence = SEQUENCES[prefix];
  if (!sequence) throw new Error(`no number sequence for prefix ${prefix}`);
  return sequence;
}

/** Takes the next number now, for a record written later (the number is needed before its insert). */
export async function nextNumber(db: Queryable, prefix: string): Promise<string> {
  const sequence = sequenceOf(prefix);
  const [row] = await db.select({ n: sql<string>`nextval(${sequence})` }).from(sql`(select 1) as one`);
  return formatRef(prefix, Number(row!.n));
}

/** `nextval` of the prefix's sequence, for a statement that numbers several rows (one call per row). */
export function nextvalOf(prefix: string): SQL {
  return sql.raw(`nextval('${sequenceOf(prefix)}')`);
}

/** Formats a sequence value `n` as formatRef does (C-0001, C-12345), in SQL. */
export function formatInSql(prefix: string, n: SQL): SQL {
  return sql`${`${prefix}-`}::text || lpad(${n}::text, greatest(4, length(${n}::text)), '0')`;
}

/**
 * The next number as an expression of the insert that stores the record (`number: takeNumber('C')`, then
 * `returning`): one statement fewer than nextNumber.
 */
export function takeNumber(prefix: string): SQL {
  return sql`(select ${formatInSql(prefix, sql.raw('n'))} from ${nextvalOf(prefix)} as n)`;
}
