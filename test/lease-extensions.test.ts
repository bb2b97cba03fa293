// Lease extensions asked for together go out together, extend only rows still being sent, and tell each
// caller's rows their new lease.
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import type { OutboxRow } from '../src/core/outbox.ts';
import { rowsOf } from '../src/db/rows.ts';
import { outbox } from '../src/db/schema.ts';
import { LeaseExtensions } from '../src/delivery/leases.ts';
import { useMigratedDatabase } from './helpers/pg.ts';

const fresh = useMigratedDatabase();

async function rows(states: string[]): Promise<OutboxRow[]> {
  return fresh.database.db
    .insert(outbox)
    .values(
      states.map((state, i) => ({
        platform: 'fake',
        targetKind: 'chat',
        targetId: `c${i}`,
        payload: { text: `#${i}` },
        state,
        nextAttemptAt: new Date(Date.now() + 1000),
      })),
    )
    .returning();
}

it('extends the leases of rows still being sent, for every caller at once, and leaves the others', async () => {
  const leases = new LeaseExtensions(fresh.database.db, 60_000);
  const a = await rows(['sending', 'sending']);
  const b = await rows(['sending', 'sent']);
  const before = Date.now();
  const [lostA, lostB] = await Promise.all([leases.extend(a), leases.extend(b)]);
  // Each caller hears which of its rows are no longer its claim (the one sent meanwhile).
  expect(lostA).toEqual([]);
  expect(lostB).toEqual([b[1]]);
  // In memory: the rows still held carry the new lease; the lost one keeps its old one.
  for (const r of [...a, b[0]!]) expect(r.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before + 59_000);
  expect(b[1]!.nextAttemptAt.getTime()).toBeLessThan(before + 5_000);
  // Stored: only the rows still 'sending' were extended, all to the same time (one statement).
  const stored = rowsOf<{ state: string; ms: string }>(
    await fresh.database.db.execute(sql`
      select state, (extract(epoch from next_attempt_at) * 1000)::bigint::text as ms from outbox order by id`),
  );
  const leased = stored.filter((r) => r.state === 'sending').map((r) => Number(r.ms));
  expect(leased).toHaveLength(3);
  expect(new Set(leased).size).toBe(1);
  expect(leased[0]!).toBeGreaterThanOrEqual(before + 59_000);
  const sent = stored.find((r) => r.state === 'sent')!;
  expect(Number(sent.ms)).toBeLessThan(before + 5_000);
});

it('does not extend a claim another worker took over (its attempts moved on), and says so', async () => {
  const leases = new LeaseExtensions(fresh.database.db, 60_000);
  const [mine, taken] = await rows(['sending', 'sending']);
  // Another worker claimed `taken` after its lease ran out: attempts + 1, a lease of its own.
  await fresh.database.db.execute(
    sql`update outbox set attempts = attempts + 1, next_attempt_at = now() + interval '15 seconds' where id = ${taken!.id}`,
  );
  const lost = await leases.extend([mine!, taken!]);
  expect(lost.map((r) => r.id)).toEqual([taken!.id]);
  const [stored] = rowsOf<{ left: number }>(
    await fresh.database.db.execute(
      sql`select extract(epoch from next_attempt_at - now())::int as left from outbox where id = ${taken!.id}`,
    ),
  );
  expect(Number(stored!.left)).toBeLessThanOrEqual(15); // the other worker's lease, untouched
});
