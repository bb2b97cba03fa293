// Record numbers (C-0001, SO-0001…) from one PostgreSQL sequence per prefix (src/db/schema.ts): unique and
// never reused under any concurrency, without making creators queue on a counter row. A creation that is
// refused after taking its number leaves a gap; the flows check what they can before taking one.
import { sql } from 'drizzle-orm';
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

export async function nextNumber(db: Queryable, prefix: string): Promise<string> {
  const sequence = SEQUENCES[prefix];
  if (!sequence) throw new Error(`no number sequence for prefix ${prefix}`);
  const [row] = await db.select({ n: sql<string>`nextval(${sequence})` }).from(sql`(select 1) as one`);
  return formatRef(prefix, Number(row!.n));
}
