// Extends the leases of claimed outbox rows in groups (GroupWrites): every extension asked for while one
// statement is being written goes into the next. A burst's rows were claimed together, so their chains ask
// to extend together; one statement per chain queued thousands of them for the pool and held every
// chain's next message behind them.
import { sql } from 'drizzle-orm';
import type { OutboxRow } from '../core/outbox.ts';
import type { Queryable } from '../db/client.ts';
import { GroupWrites } from '../db/group-writes.ts';
import { idArray } from '../db/rows.ts';

/** Asks per statement at most (a chain asks for its few rows; the ids go as one array parameter). */
const MAX_GROUP = 2000;

export class LeaseExtensions {
  private readonly asks: GroupWrites<OutboxRow[], void>;

  constructor(db: Queryable, leaseMs: number) {
    this.asks = new GroupWrites<OutboxRow[], void>(async (groups) => {
      const until = new Date(Date.now() + leaseMs);
      await db.execute(sql`
        update outbox set next_attempt_at = ${until.toISOString()}::timestamptz
        where id = any(${idArray(groups.flat().map((r) => r.id))}::bigint[]) and state = 'sending'`);
      for (const r of groups.flat()) r.nextAttemptAt = until;
      return groups.map(() => undefined);
    }, MAX_GROUP);
  }

  /** Leases `rows` (still 'sending') for another leaseMs from when the statement runs; sets nextAttemptAt. */
  extend(rows: OutboxRow[]): Promise<void> {
    return this.asks.add(rows);
  }
}
