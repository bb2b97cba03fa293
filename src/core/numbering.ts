// Record numbers (C-0001, SO-0001…): one counter row per prefix, bumped inside the creating transaction.
// The row lock serialises concurrent creators, so numbers are unique; a rolled-back number was never seen.
import { sql } from 'drizzle-orm';
import { formatRef } from '../commands/values.ts';
import type { Queryable } from '../db/client.ts';
import { counters } from '../db/schema.ts';

export async function nextNumber(db: Queryable, prefix: string): Promise<string> {
  const [row] = await db
    .insert(counters)
    .values({ prefix, value: 1 })
    .onConflictDoUpdate({ target: counters.prefix, set: { value: sql`${counters.value} + 1` } })
    .returning({ value: counters.value });
  return formatRef(prefix, row!.value);
}
