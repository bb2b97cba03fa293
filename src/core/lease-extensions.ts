// Extends the leases of claimed outbox rows in groups: every extension asked for while one statement is
// being written goes into the next, one statement for all of them. A burst's rows were claimed together,
// so their chains ask to extend together; one statement per chain queued thousands of them for the pool
// and held every chain's next message behind them.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { idArray } from '../db/rows.ts';
import type { OutboxRow } from './outbox.ts';

type Ask = { rows: OutboxRow[]; resolve: () => void; reject: (err: unknown) => void };

/** Rows per statement at most (one array parameter; the statement stays short). */
const MAX_ROWS = 10_000;

export class LeaseExtensions {
  private waiting: Ask[] = [];
  private writing = false;

  constructor(
    private readonly db: Queryable,
    private readonly leaseMs: number,
  ) {}

  /** Leases `rows` (still 'sending') for another leaseMs from when the statement runs; sets nextAttemptAt. */
  extend(rows: OutboxRow[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ rows, resolve, reject });
      if (!this.writing) void this.write();
    });
  }

  private async write(): Promise<void> {
    this.writing = true;
    // Asks made in this same tick join the first group.
    await new Promise((r) => setImmediate(r));
    while (this.waiting.length) {
      const group: Ask[] = [];
      let n = 0;
      while (this.waiting.length && (n === 0 || n + this.waiting[0]!.rows.length <= MAX_ROWS)) {
        const ask = this.waiting.shift()!;
        group.push(ask);
        n += ask.rows.length;
      }
      const until = new Date(Date.now() + this.leaseMs);
      try {
        await this.db.execute(sql`
          update outbox set next_attempt_at = ${until.toISOString()}::timestamptz
          where id = any(${idArray(group.flatMap((a) => a.rows.map((r) => r.id)))}::bigint[])
            and state = 'sending'`);
        for (const a of group) {
          for (const r of a.rows) r.nextAttemptAt = until;
          a.resolve();
        }
      } catch (err) {
        for (const a of group) a.reject(err);
      }
    }
    this.writing = false;
  }
}
