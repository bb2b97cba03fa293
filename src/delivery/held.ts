// A claim is a row in state 'sending' with the attempts count its claim gave it. A claim that outlived its
// lease (a CPU-starved process, a long wait for the chat's pace) may have been taken again by another
// worker, which bumped attempts; so whatever a worker writes about a claimed row is conditional on still
// holding it, and nothing goes out for a row it no longer holds. Attempts is a safe token: a claim raises
// it by one and a give-back lowers it by one at most, so once another worker has claimed the row, the
// value this worker holds never comes back together with 'sending'.
import { and, eq, type SQL } from 'drizzle-orm';
import type { OutboxRow } from '../core/outbox.ts';
import { outbox } from '../db/schema.ts';

/** `the row is still held by the claim that gave us `row``, for a where clause. */
export function heldBy(row: Pick<OutboxRow, 'id' | 'attempts'>): SQL {
  return and(eq(outbox.id, row.id), eq(outbox.attempts, row.attempts), eq(outbox.state, 'sending'))!;
}

/** The claim was taken by another worker after its lease ran out: this worker sends nothing for it. */
export class LostClaimError extends Error {}
