// Wires the delivery mechanism: BullMQ queues on Redis when REDIS_URL is set, else the local drivers on
// the tables; shared rate limits; the reconciler; and, where this process runs workers, the handlers:
// occurrences → fireOccurrence (writes the outbox) → outbox → Delivery (src/delivery) → adapter.
// The runtime drives the Delivery through OutboxSender, the shape it needs of it, so the queue imports
// nothing of the sending side (which uses the queue's drivers and limits): no import cycle between them.

import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import { type FireResult, fireDue, fireOccurrences } from '../schedule/fire.ts';
import { BullQueue, redisConnection } from './bullmq.ts';
import { Limits, type PlatformLimit } from './limits.ts';
import { LocalQueue } from './local.ts';
import { Reconciler } from './reconciler.ts';
import { type JobQueue, RunAgainAt } from './types.ts';

export type QueueSettings = {
  redisUrl?: string | undefined;
  prefix?: string;
  concurrency?: number;
  lockMs?: number;
  reconcileMs?: number;
  checkMs?: number;
  pollMs?: number;
  /** Occurrences due now fired together in one transaction (default FIRE_BATCH). */
  fireBatch?: number;
  /** Firing transactions one process runs at once (default FIRE_CONCURRENCY). */
  fireConcurrency?: number;
  /** Each platform's send rates, as its adapter declares them (src/port/adapter.ts). */
  platformLimits?: Record<string, PlatformLimit>;
  /** Configured channels that reach people by contact address, for reminders that also go that way. */
  contactChannels?: readonly string[];
};

/** What the runtime drives of the sending side; src/delivery's Delivery is the one. */
export type OutboxSender = {
  /** How long a claimed row belongs to its worker (fired messages are written claimed for it). */
  readonly leaseMs: number;
  /** Called when rows may have been written: the runtime enqueues them. */
  onWritten: (() => void) | null;
  useQueue(queue: JobQueue): void;
  /** Rows due now, for the local driver. */
  dueRows(limit: number): Promise<{ id: string; at: Date }[]>;
  /** Whether a waiting outbox row is this process's own to send in order (firing need not wait for it). */
  ownedHere(outboxId: number): boolean;
  /** Resolves when the sends have room for another batch of fired messages (backpressure). */
  roomToSend(): Promise<void>;
  /** Sends the rows a firing wrote already claimed, without waiting for them. */
  sendClaimedSoon(rows: FireResult['outbox']): void;
  start(pollMs: number): Promise<void>;
  stop(): Promise<void>;
};

/** Enough to turn a burst into few transactions, few enough to keep each one short. */
const FIRE_BATCH = 100;
/**
 * Two firing transactions at a time fire thousands of reminders a second; more would only queue for
 * database connections in front of the sends, which need them to record what went out.
 */
const FIRE_CONCURRENCY = 2;
/** Firing on through a burst, batches grow to this many times FIRE_BATCH. */
const FIRE_AHEAD_MAX = 5;
const BUSY_RETRY_MS = 2000;
/**
 * Reminder jobs leave BullMQ's delayed set this long before they are due and fire at the time itself
 * (see BullQueue): with thousands due at one moment, BullMQ's own moving of them no longer delays the
 * first. A job waiting out its lead holds one of the worker's `concurrency` places.
 */
const OCCURRENCE_LEAD_MS = 1000;
const FIRED_HERE_MAX = 200_000;

export class QueueRuntime {
  readonly limits: Limits;
  readonly occurrences: JobQueue;
  readonly outbox: JobQueue;
  readonly redis: Redis | undefined;
  private reconcilerRef: Reconciler | null = null;
  private delivery: OutboxSender | null = null;
  private workers = false;
  /**
   * Occurrences this process fired in another job's batch, whose own jobs are still queued: those jobs
   * end at once. (Withdrawing them from BullMQ instead costs Redis an LREM over the wait list per job.)
   */
  private readonly firedHere = new Set<number>();
  private readonly firing: LimitFunction;
  /**
   * How many occurrences the next firing takes: FIRE_BATCH, doubled after each batch that came back full
   * (a burst) up to FIRE_AHEAD_MAX times, and back to FIRE_BATCH after one that did not. Shared by every
   * job of this process, so a burst's first wave is fired in a few large batches rather than in one small
   * batch per job that happened to be picked first.
   */
  private fireSize: number;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    readonly settings: QueueSettings,
  ) {
    this.firing = pLimit(settings.fireConcurrency ?? FIRE_CONCURRENCY);
    this.fireSize = settings.fireBatch ?? FIRE_BATCH;
    const prefix = settings.prefix ?? 'sr';
    const onError = (what: string) => (err: unknown, id: string) =>
      log.warn({ err, id }, `${what} job failed; it is retried`);
    if (settings.redisUrl) {
      this.redis = redisConnection(settings.redisUrl);
      this.redis.on('error', () => {});
      this.limits = new Limits({ redis: this.redis, prefix, limits: settings.platformLimits ?? {} });
      const common = {
        redisUrl: settings.redisUrl,
        prefix,
        concurrency: settings.concurrency ?? 50,
        lockMs: settings.lockMs ?? 5000,
        stalledMs: settings.lockMs ?? 5000,
      };
      this.occurrences = new BullQueue({
        name: 'occurrences',
        ...common,
        leadMs: OCCURRENCE_LEAD_MS,
        onError: onError('reminder'),
      });
      this.outbox = new BullQueue({ name: 'outbox', ...common, onError: onError('delivery') });
    } else {
      this.redis = undefined;
      this.limits = new Limits({ limits: settings.platformLimits ?? {} });
      const pollMs = settings.pollMs ?? 1000;
      this.occurrences = new LocalQueue({
        name: 'occurrences',
        pollMs,
        // One at a time: the embedded database has one connection, and catch-up keeps due order.
        concurrency: 1,
        due: async (limit) => {
          const rows = await db.execute(sql`
            select id, due_at from reminder_occurrences where state = 'scheduled' and due_at <= now()
            order by due_at, id limit ${limit}`);
          const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as {
            id: string | number;
            due_at: string | Date;
          }[];
          return list.map((r) => ({ id: String(r.id), at: new Date(r.due_at) }));
        },
        onError: onError('reminder'),
      });
      this.outbox = new LocalQueue({
        name: 'outbox',
        pollMs,
        // One at a time: messages to a chat keep their order, as before the queue (the embedded scale).
        concurrency: 1,
        due: (limit) => this.delivery?.dueRows(limit) ?? Promise.resolve([]),
        onError: onError('delivery'),
      });
    }
  }

  get reconciler(): Reconciler {
    if (!this.reconcilerRef) throw new Error('attach a Delivery first');
    return this.reconcilerRef;
  }

  /** The Delivery sends what the outbox queue says; every write it reports is enqueued. */
  attach(delivery: OutboxSender): void {
    this.delivery = delivery;
    delivery.useQueue(this.outbox);
    this.reconcilerRef = new Reconciler({
      db: this.db,
      occurrences: this.occurrences,
      outbox: this.outbox,
      log: this.log.child({ part: 'reconciler' }),
      everyMs: this.settings.reconcileMs ?? 60_000,
      checkMs: this.settings.checkMs ?? 5000,
    });
    delivery.onWritten = () => void this.reconcilerRef?.kick();
  }

  /** Reconciles now and periodically; with `workers`, this process also fires reminders and delivers. */
  async start(opts: { workers: boolean }): Promise<void> {
    const reconciler = this.reconciler;
    if (opts.workers) {
      this.workers = true;
      await this.catchUp();
      const delivery = this.delivery!;
      await this.occurrences.start(async (id) => {
        // Fired in an earlier batch of this process: nothing to do, not even a read.
        if (this.firedHere.delete(Number(id))) return;
        const options = {
          contactChannels: this.settings.contactChannels ?? [],
          leaseMs: delivery.leaseMs,
          ownedHere: (outboxId: number) => delivery.ownedHere(outboxId),
        };
        // Fires this one and others due now in one transaction, then sends their messages straight away
        // (written already claimed by this worker); only what has to wait goes through the outbox queue.
        // A batch is fired when the sends have room for it (backpressure), a few transactions at a time.
        let size = 0;
        const fired = await this.firing(async () => {
          if (this.firedHere.delete(Number(id))) return null;
          await delivery.roomToSend();
          size = this.fireSize;
          return this.sized(await fireOccurrences(this.db, Number(id), { ...options, batch: size }), size);
        });
        if (!fired) return;
        this.tookOver(fired, Number(id));
        // Another worker is firing it: look again shortly (fired by then, or rolled back by a crash).
        if (fired.self === 'busy') throw new RunAgainAt(new Date(Date.now() + BUSY_RETRY_MS));
        // A full batch: more may be due (a burst). Fire on in due order rather than wait for their jobs,
        // which a burst's own job traffic keeps in line behind one another. Batches grow as they come
        // back full (see fireSize): the first messages leave early, and a long burst takes fewer, larger
        // transactions.
        let last = fired;
        while (last.claimed.length >= size && this.workers) {
          const next = await this.firing(async () => {
            await delivery.roomToSend();
            size = this.fireSize;
            return this.workers
              ? this.sized(await fireDue(this.db, { ...options, batch: size }), size)
              : null;
          });
          if (!next) break;
          this.tookOver(next, null);
          last = next;
        }
      });
      await this.delivery!.start(this.settings.pollMs ?? 1000);
    }
    await reconciler.start();
  }

  /** Sets the next firing's size from how full this one came back (see fireSize). */
  private sized(fired: FireResult, size: number): FireResult {
    const first = this.settings.fireBatch ?? FIRE_BATCH;
    this.fireSize = fired.claimed.length >= size ? Math.min(size * 2, first * FIRE_AHEAD_MAX) : first;
    return fired;
  }

  /** After a firing: its messages are sent, and the jobs of the others it fired end at once. */
  private tookOver(fired: FireResult, own: number | null): void {
    for (const o of fired.claimed) if (o !== own) this.noteFired(o);
    if (fired.outbox.length) this.delivery?.sendClaimedSoon(fired.outbox);
  }

  private noteFired(id: number): void {
    if (this.firedHere.size >= FIRED_HERE_MAX) {
      const oldest = this.firedHere.values().next().value;
      if (oldest !== undefined) this.firedHere.delete(oldest);
    }
    this.firedHere.add(id);
  }

  /**
   * After a downtime: reminders that fell due meanwhile fire now, in due order and in batches (so their
   * messages leave in that order; the card says "delivered late"), before the workers take the rest.
   */
  async catchUp(limit = 100_000): Promise<number> {
    let fired = 0;
    while (fired < limit) {
      const res = await this.db.execute(sql`
        select id from reminder_occurrences
        where state = 'scheduled' and due_at < now() - interval '5 seconds'
        order by due_at, id limit 1`);
      const first = rowsOf<{ id: string | number }>(res)[0];
      if (!first) break;
      try {
        fired += (
          await fireOccurrences(this.db, Number(first.id), {
            batch: 200,
            contactChannels: this.settings.contactChannels ?? [],
          })
        ).fired;
      } catch (err) {
        this.log.warn({ err, occurrence: first.id }, 'catching up reminders failed; the queue retries them');
        break;
      }
    }
    if (fired) this.log.info({ fired }, 'fired the reminders that fell due while no worker ran');
    return fired;
  }

  async close(): Promise<void> {
    await this.reconcilerRef?.close();
    if (this.workers) {
      this.workers = false; // a job firing on through a burst stops after its current batch
      await this.occurrences.close();
      await this.delivery?.stop();
    } else {
      await this.occurrences.close();
      await this.outbox.close();
    }
    this.redis?.disconnect();
  }
}
