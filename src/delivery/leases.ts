// Extends the leases of claimed outbox rows in groups (GroupWrites): every extension asked for while one
// statement is being written goes into the next. A burst's rows were claimed together, so their chains ask
// to extend together; one statement per chain queued thousands of them for the pool and held every
// chain's next message behind them.
import { sql } from 'drizzle-orm';
import type { OutboxRow } from '../core/outbox.ts';
import type { Queryable } from '../db/client.ts';
import { GroupWrites } from '../db/group-writes.ts';
import { rowsOf } from '../db/rows.ts';

/** Asks per statement at most (a chain asks for its few rows; the ids go as one array parameter). */
const MAX_GROUP = 2000;

export class LeaseExtensions {
  private readonly asks: GroupWrites<OutboxRow[], OutboxRow[]>;

  constructor(db: Queryable, leaseMs: number) {
    this.asks = new GroupWrites<OutboxRow[], OutboxRow[]>(async (groups) => {
      const until = new Date(Date.now() + leaseMs);
      const rows = groups.flat();
      // Only claims still held (held.ts): same attempts, still 'sending'.
      const kept = rowsOf<{ id: string | number }>(
        await db.execute(sql`
          update outbox o set next_attempt_at = ${until.toISOString()}::timestamptz
          from unnest(${numberArray(rows.map((r) => r.id))}::bigint[], ${numberArray(rows.map((r) => r.attempts))}::int[])
            as k(id, attempts)
          where o.id = k.id and o.attempts = k.attempts and o.state = 'sending'
          returning o.id`),
      );
      const held = new Set(kept.map((r) => Number(r.id)));
      for (const r of rows) if (held.has(r.id)) r.nextAttemptAt = until;
      return groups.map((g) => g.filter((r) => !held.has(r.id)));
    }, MAX_GROUP);
  }

  /**
   * Leases `rows` for another leaseMs from when the statement runs and sets their nextAttemptAt; returns
   * the rows whose claim was taken by another worker meanwhile (not extended: this worker must not send them).
   */
  extend(rows: OutboxRow[]): Promise<OutboxRow[]> {
    return this.asks.add(rows);
  }
}

/** A Postgres int array literal, in order and with repeats (ids and their attempts pair up by position). */
function numberArray(xs: readonly number[]): string {
  return `{${xs.join(',')}}`;
}
