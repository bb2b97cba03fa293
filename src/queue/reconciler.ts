// Makes the queues agree with the database, which is the record:
// - kick() (after each command's commit, and every `checkMs`): occurrences written since the last look
//   and pending outbox rows written since the last look are added at once. "Since the last look" for
//   occurrences is by transaction: rows whose writing transaction the last look's snapshot did not see,
//   so a transaction that commits after a later one is still picked up, and nothing is written back;
// - every `checkMs` (5 s): if the queue's storage was lost (Redis flushed or restarted: its generation key
//   changed), every scheduled occurrence and every pending outbox row is added again; pending outbox rows
//   overdue (committed after a later one was enqueued) are added again, and rows being sent whose lease
//   runs out before the next check get a job at that time (their worker may have died);
// - on start and every `everyMs` (1 min): occurrences still 'scheduled' after their due time, and outbox
//   rows still pending after their time (each plus `graceMs`), are added again: a job Redis lost costs at
//   most a minute, never the reminder. A crash between commit and enqueue is covered by the next look of
//   any process (its snapshot did not see that transaction) and by the full sweep on start.
// Adding an id that is already queued is a no-op; a handler run twice finds the row done and does nothing.
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import type { DueJob, JobQueue } from './types.ts';

export type ReconcilerOptions = {
  db: Db;
  occurrences: JobQueue;
  outbox: JobQueue;
  log: Logger;
  everyMs?: number;
  checkMs?: number;
  graceMs?: number;
};

const CHUNK = 5000;

export class Reconciler {
  private outboxMark = 0;
  /**
   * The snapshot (pg_snapshot as text) of the last look whose occurrences are all in the queue: every
   * occurrence it saw was added. Null before the first look, which then takes all scheduled ones.
   */
  private seen: string | null = null;
  private generations = new Map<string, string>();
  private kicking: Promise<void> | null = null;
  /** Looks begun so far, and the kick() callers waiting for a look that began after their call. */
  private looksBegun = 0;
  private lookWaiters: { want: number; resolve: () => void }[] = [];
  private sweeping: Promise<void> | null = null;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  /** Counts for logs, tests and benchmarks. */
  readonly stats = { kicks: 0, sweeps: 0, rebuilds: 0, occurrencesAdded: 0, outboxAdded: 0 };

  constructor(private readonly o: ReconcilerOptions) {}

  private get checkMs(): number {
    return this.o.checkMs ?? 5000;
  }

  /** A full sweep now, then the periodic ones. */
  async start(): Promise<void> {
    this.closed = false;
    await this.checkGenerations();
    await this.sweep(true);
    const every = setInterval(() => void this.sweep(false), this.o.everyMs ?? 60_000);
    const check = setInterval(() => {
      void this.checkGenerations();
      void this.requeueStale();
      // What other processes wrote and could not hand over (one crashed between commit and enqueue).
      void this.kick();
    }, this.checkMs);
    every.unref();
    check.unref();
    this.timers.push(every, check);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.kicking;
    await this.sweeping;
  }

  /**
   * Enqueues what was committed since the last look. Calls during a look share the next one, so a burst
   * of commits costs few looks; the promise resolves when a look that began after this call is done
   * (what the caller committed before calling is in the queue then, unless that look failed).
   */
  kick(): Promise<void> {
    const want = this.looksBegun + 1;
    const done = new Promise<void>((resolve) => this.lookWaiters.push({ want, resolve }));
    if (!this.kicking) this.kicking = this.lookAgainWhileAsked();
    return done;
  }

  private async lookAgainWhileAsked(): Promise<void> {
    try {
      while (this.lookWaiters.length && !this.closed) {
        const look = ++this.looksBegun;
        this.stats.kicks++;
        try {
          await this.enqueueFreshOccurrences();
          await this.enqueueFreshOutbox();
        } catch (err) {
          this.o.log.warn({ err }, 'enqueueing new rows failed; the next look retries');
        }
        const waiting = this.lookWaiters;
        this.lookWaiters = [];
        for (const w of waiting) {
          if (w.want <= look) w.resolve();
          else this.lookWaiters.push(w);
        }
      }
    } finally {
      for (const w of this.lookWaiters.splice(0)) w.resolve();
      this.kicking = null;
    }
  }

  /** Re-adds what the queue should hold but may not: all of it after a loss, else what is overdue. */
  sweep(everything: boolean): Promise<void> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = (async () => {
      try {
        this.stats.sweeps++;
        const grace = this.o.graceMs ?? 5000;
        if (everything) await this.enqueueFreshOccurrences(true);
        else {
          const occ = await this.o.db.execute(sql`
            select id, due_at from reminder_occurrences
            where state = 'scheduled' and due_at < now() - make_interval(secs => ${grace / 1000})
            order by due_at, id`);
          await this.addOccurrences(rowsOf<{ id: string | number; due_at: string | Date }>(occ));
        }
        const out = await this.o.db.execute(sql`
          select id, next_attempt_at from outbox
          where state in ('pending', 'sending')
            and (${everything} or next_attempt_at < now() - make_interval(secs => ${grace / 1000}))
          order by id`);
        const rows = rowsOf<{ id: string | number; next_attempt_at: string | Date }>(out);
        await this.addOutbox(rows);
        if (everything) await this.enqueueFreshOutbox();
      } catch (err) {
        this.o.log.warn({ err }, 'reconcile sweep failed; retried at the next one');
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }

  /**
   * Pending outbox rows overdue by more than `graceMs` (no job was added for one that committed after a
   * later one had been enqueued), and rows being sent whose lease runs out before the next check: each
   * gets a job at its lease's end, which finds it sent, or sends it if its worker died. Rows written
   * already claimed (a burst of fired reminders) get no job when written: nearly all are sent long before
   * their lease ends, and a job each would only cost the queue a run that finds nothing to do.
   * Adding a row that is queued already does nothing.
   */
  private requeueing = false;
  async requeueStale(): Promise<number> {
    if (this.requeueing || this.closed) return 0;
    this.requeueing = true;
    try {
      const res = await this.o.db.execute(sql`
        select id, next_attempt_at from outbox
        where (state = 'pending'
            and next_attempt_at < now() - make_interval(secs => ${(this.o.graceMs ?? 5000) / 1000}))
          or (state = 'sending' and next_attempt_at < now() + make_interval(secs => ${this.checkMs / 1000}))
        order by next_attempt_at limit 10000`);
      const rows = rowsOf<{ id: string | number; next_attempt_at: string | Date }>(res);
      await this.addOutbox(rows);
      return rows.length;
    } catch (err) {
      this.o.log.warn({ err }, 'requeueing overdue messages failed; retried at the next check');
      return 0;
    } finally {
      this.requeueing = false;
    }
  }

  /** Detects a lost queue storage and rebuilds it from the database. */
  async checkGenerations(): Promise<boolean> {
    let lost = false;
    for (const q of [this.o.occurrences, this.o.outbox]) {
      if (!q.generation) continue;
      try {
        const g = await q.generation();
        const before = this.generations.get(q.name);
        this.generations.set(q.name, g);
        if (before !== undefined && before !== g) lost = true;
      } catch {
        // Redis is away; when it is back the generation tells whether it kept our jobs.
      }
    }
    if (lost && !this.closed) {
      this.stats.rebuilds++;
      const t0 = Date.now();
      await this.sweeping;
      await this.sweep(true);
      this.o.log.warn(
        { ms: Date.now() - t0 },
        'the queue lost its jobs (Redis flushed or restarted): rebuilt',
      );
    }
    return lost;
  }

  /**
   * Adds the scheduled occurrences written since the last look (all of them with `everything` or on the
   * first look), read in one statement with that statement's snapshot, which becomes the next look's
   * base once they are all in the queue. A transaction still running now is not in the snapshot, so its
   * rows are read by the look after it commits, whatever their ids.
   */
  private async enqueueFreshOccurrences(everything = false): Promise<void> {
    const base = everything ? null : this.seen;
    const res = await this.o.db.execute(sql`
      select s.snapshot, o.id, o.due_at
      from (select pg_current_snapshot()::text as snapshot) s
      left join lateral (
        select id, due_at from reminder_occurrences
        where state = 'scheduled' and ${
          base === null
            ? sql`true`
            : sql`written_by >= pg_snapshot_xmin(${base}::pg_snapshot)
                and not pg_visible_in_snapshot(written_by, ${base}::pg_snapshot)`
        }
        order by due_at, id) o on true`);
    const rows = rowsOf<{ snapshot: string; id: string | number | null; due_at: string | Date | null }>(res);
    await this.addOccurrences(
      rows.filter((r) => r.id !== null) as { id: string | number; due_at: string | Date }[],
    );
    // Only now: had adding failed, the next look would read the same rows again.
    if (rows[0]) this.seen = rows[0].snapshot;
  }

  private async enqueueFreshOutbox(): Promise<void> {
    const res = await this.o.db.execute(sql`
      select id, next_attempt_at from outbox
      where id > ${this.outboxMark} and state = 'pending'
      order by id limit 50000`);
    const rows = rowsOf<{ id: string | number; next_attempt_at: string | Date }>(res);
    await this.addOutbox(rows);
    const last = rows.at(-1);
    if (last) this.outboxMark = Math.max(this.outboxMark, Number(last.id));
  }

  private async addOccurrences(rows: { id: string | number; due_at: string | Date }[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const jobs: DueJob[] = chunk.map((r) => ({ id: String(r.id), at: new Date(r.due_at) }));
      await this.o.occurrences.add(jobs);
      this.stats.occurrencesAdded += chunk.length;
    }
  }

  private async addOutbox(rows: { id: string | number; next_attempt_at: string | Date }[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      await this.o.outbox.add(chunk.map((r) => ({ id: String(r.id), at: new Date(r.next_attempt_at) })));
      this.stats.outboxAdded += chunk.length;
    }
  }
}
