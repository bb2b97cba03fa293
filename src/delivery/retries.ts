// What happens to a claimed row that was not sent: put off when the platform or a limit said "slow down"
// (the wait is not counted as a try), or retried later with growing pauses after a platform error. After
// the last try (or a permanent error) it is a dead letter instead (dead-letters.ts).
import type { OutboxRow } from '../core/outbox.ts';
import type { Db } from '../db/client.ts';
import { outbox } from '../db/schema.ts';
import { backoffMs } from '../queue/types.ts';
import { heldBy } from './held.ts';

/** Tries before a row is given up. */
export const MAX_ATTEMPTS = 10;

/** What became of a claimed row: sent, or not (retryAt null: given up, or nothing more to do here). */
export type Outcome = { sent: true } | { sent: false; retryAt: Date | null };

/**
 * How long a message waits after its n-th failed try (a platform error, not a "slow down"): 5 s, 15 s,
 * 45 s, … × 3 up to an hour (the queue's backoff with other figures), each ±20 % so that messages failed
 * by one outage do not all come back at the same moment. A blip costs seconds, not minutes; ten tries
 * still span about three and a half hours of an outage before the message is given up.
 */
export function retryDelayMs(failures: number, random = Math.random()): number {
  return Math.round(backoffMs(failures, 5000, 3, 3_600_000) * (0.8 + 0.4 * random));
}

/** Throttled: the row waits `ms` as told, and the wait is not counted against its attempts. */
export async function putOff(db: Db, row: OutboxRow, ms: number, reason: string): Promise<Outcome> {
  const at = new Date(Date.now() + ms);
  await db
    .update(outbox)
    .set({
      state: 'pending',
      attempts: Math.max(0, row.attempts - 1),
      lastError: reason.slice(0, 500),
      nextAttemptAt: at,
    })
    .where(heldBy(row));
  return { sent: false, retryAt: at };
}

/** A failed try: the row waits retryDelayMs before the next one. */
export async function retryLater(db: Db, row: OutboxRow, lastError: string): Promise<Outcome> {
  const at = new Date(Date.now() + retryDelayMs(row.attempts));
  await db.update(outbox).set({ state: 'pending', lastError, nextAttemptAt: at }).where(heldBy(row));
  return { sent: false, retryAt: at };
}
