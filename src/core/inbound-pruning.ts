// The inbound journal is kept only as long as a platform may deliver the same event again or a replay could
// pass the request's time check; then done rows go. A row not done is never pruned: it is still owed a run.
import { and, isNotNull, lt, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { inboundEvents } from '../db/schema.ts';

/**
 * The longest window a platform documents for re-sending an event or accepting a signed request is minutes
 * (the adapters' docs/setup-*.md name them); one platform says callbacks can repeat without saying for how
 * long, so a day, which is still small.
 */
export const INBOUND_KEEP_MS = 24 * 3600_000;

/** Deletes done (or given up) rows older than keepMs; returns how many went. */
export async function pruneInboundEvents(db: Queryable, keepMs = INBOUND_KEEP_MS): Promise<number> {
  const gone = await db
    .delete(inboundEvents)
    .where(
      and(
        isNotNull(inboundEvents.doneAt),
        lt(inboundEvents.doneAt, sql`now() - ${`${keepMs} milliseconds`}::interval`),
      ),
    )
    .returning({ eventId: inboundEvents.eventId });
  return gone.length;
}
