// Takes messages out of the outbox and hands them to the adapter of their platform.
//
// Three ways in, one way out:
// - the delivery queue (BullMQ job `outbox.<id>` with REDIS_URL, else the local driver polling this table)
//   runs `deliverOne(id)` for each row when it is due;
// - `drain()` delivers everything due now in this process (the console API, tests, shutdown);
// - `sendClaimed` / `sendClaimedSoon` send the rows a batch of fired reminders wrote already claimed.
// All of them claim a row in PostgreSQL before sending (state 'sending' with a lease), so several processes
// and paths deliver side by side and a row is sent by one of them. Per-chat and per-platform limits
// (src/queue/limits.ts) make a message wait, never drop; platform errors retry with backoff; after the
// last try the row is dead ('failed') and the management chat is told once.
//
// Idempotency: each post carries `outbox:<id>` as its idempotency key. A worker killed after the platform
// accepted a message but before the row was marked 'sent' leaves the row 'sending'; when the lease runs
// out it is sent again. Platforms that can check a key (a card id derived from the row, the fake
// platforms of the tests) then do nothing; the others show that message at worst once more. The window is
// the time until its sent mark is committed (grouped, src/core/sent-marks.ts); at most DELIVERY_CONCURRENCY
// messages are in it at once (bench/reminders.ts measures how often it happens). A sent mark the database
// refuses (PostgreSQL restarting) is written again while the message keeps its place; the same window
// applies if the database stays away past the lease.
import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { Message } from '../cards/card.ts';
import type { Db } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import { outbox, postedCards } from '../db/schema.ts';
import {
  type Sender as Deliverer,
  PermanentDeliveryError,
  type PostedRef,
  type PostTarget,
  RetryLaterError,
} from '../port/outbound.ts';
import { Limits } from '../queue/limits.ts';
import { LocalQueue } from '../queue/local.ts';
import { backoffMs, type DueJob, type JobQueue, RunAgainAt } from '../queue/types.ts';
import { LeaseExtensions } from './lease-extensions.ts';
import { loadOrg } from './org.ts';
import { chatKey, type OutboxRow, outboxWriter } from './outbox.ts';
import { type NextInChat, SentMarks } from './sent-marks.ts';

// The sending side of the port (src/port/outbound.ts), named here for the engine and older imports.
export {
  PermanentDeliveryError,
  type PostedRef,
  type PostOptions,
  type PostTarget,
  RetryLaterError,
  type Sender as Deliverer,
} from '../port/outbound.ts';

const MAX_ATTEMPTS = 10;
const BATCH = 50;
const SUCCESSOR_FALLBACK_MS = 2000;
/** How long a worker waits out a chat's rate limit itself before handing the rest to the queue. */
const HOLD_MS = 10_000;
/**
 * A held message wakes this much before its chat's next slot, takes the shared slot, and leaves at the
 * slot's time: the take's round trip to Redis and the wait for a send place come before that time
 * instead of after it. Without it every message of a busy chat left ~20 ms after its slot, and those
 * add up over a chat's messages.
 */
const PACE_EARLY_MS = 25;
/** The first wait before writing a sent mark again (doubling, up to 2 s, while the lease lasts). */
const RECORD_RETRY_MS = 250;
/** A sent mark is given up this long before the row's lease ends, before another worker may take it. */
const RECORD_MARGIN_MS = 2000;
/** How long a sent row is remembered as sent here: far longer than a firing transaction's snapshot lives. */
const SENT_MEMORY_MS = 30_000;
/**
 * How long a message waits after its n-th failed try (a platform error, not a "slow down"): 5 s, 15 s,
 * 45 s, … × 3 up to an hour (the queue's backoff with other figures), each ±20 % so that messages failed
 * by one outage do not all come back at the same moment. A blip costs seconds, not minutes; ten tries
 * still span about three and a half hours of an outage before the message is given up.
 */
export function retryDelayMs(failures: number, random = Math.random()): number {
  return Math.round(backoffMs(failures, 5000, 3, 3_600_000) * (0.8 + 0.4 * random));
}

/** Notices about dead messages carry this card key prefix (and are never reported themselves). */
export const DEAD_LETTER_KEY = 'deadletter:';

export type DeliveryOptions = {
  /** Shared rate limits; default: in memory, with the platforms' published limits. */
  limits?: Limits;
  /** How long a claimed row belongs to its worker; a killed worker's row is sent again after this. */
  leaseMs?: number;
  maxAttempts?: number;
  /** Local driver only: rows delivered side by side. */
  concurrency?: number;
  /**
   * Messages this process sends at once straight after firing reminders. It bounds what a killed
   * worker can leave half-done (posted but not yet marked sent, so sent again after the lease).
   */
  sendConcurrency?: number;
};

type Outcome = { sent: true } | { sent: false; retryAt: Date | null };

/** The platform took the message but the database did not take its sent mark (see recordSent). */
class NotRecordedError extends Error {}

export class Delivery {
  private readonly deliverers = new Map<string, Deliverer>();
  private running: Promise<void> | null = null;
  private again = false;
  private queue: JobQueue | null = null;
  private started = false;
  readonly limits: Limits;
  readonly leaseMs: number;
  private readonly sending: LimitFunction;
  private readonly marks: SentMarks;
  private readonly leases: LeaseExtensions;
  /** Per chat, the end of the sends this process has queued for it. */
  private readonly chatTails = new Map<string, Promise<void>>();
  /** Claimed rows sendClaimed holds (queued or being sent), with their chat (see ownedHere). */
  private readonly holding = new Map<number, string>();
  /** Rows this process marked sent lately, in two generations of SENT_MEMORY_MS (see ownedHere). */
  private sentNow = new Set<number>();
  private sentBefore = new Set<number>();
  private sentSince = Date.now();
  /** Chats whose queued sends include one put off to the queue: the rest follow it there. */
  private readonly deferredChats = new Set<string>();
  /** When this process last sent to each chat (pacing; entries older than a minute are dropped). */
  private readonly lastPost = new Map<string, number>();
  private prunedAt = 0;
  /** sendClaimedSoon's sends still going. */
  private readonly background = new Set<Promise<void>>();
  /** Firing that waits for the sends to catch up (see roomToSend). */
  private roomWaiters: (() => void)[] = [];
  private readonly sendConcurrency: number;
  private readonly maxAttempts: number;
  /** Called when rows may have been written (after a command, a dead letter): enqueues them. */
  onWritten: (() => void) | null = null;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly opts: DeliveryOptions = {},
  ) {
    this.limits = opts.limits ?? new Limits();
    this.leaseMs = opts.leaseMs ?? 15_000;
    this.maxAttempts = opts.maxAttempts ?? MAX_ATTEMPTS;
    this.sendConcurrency = opts.sendConcurrency ?? 50;
    this.sending = pLimit(this.sendConcurrency);
    this.marks = new SentMarks(db);
    this.leases = new LeaseExtensions(db, this.leaseMs);
  }

  register(d: Deliverer): void {
    this.deliverers.set(d.platform, d);
  }

  /** The outbox queue (BullMQ with Redis); without one, `start` uses the local driver on this table. */
  useQueue(queue: JobQueue): void {
    this.queue = queue;
  }

  get outboxQueue(): JobQueue | null {
    return this.queue;
  }

  /** Starts this process's delivery worker; `ms` is the local driver's poll interval. */
  async start(ms = 1000): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.queue ??= new LocalQueue({
      name: 'outbox',
      pollMs: ms,
      concurrency: this.opts.concurrency ?? 4,
      due: (limit) => this.dueRows(limit),
      onError: (err, id) => this.log.error({ err, outboxId: id }, 'outbox job failed'),
    });
    await this.queue.start((id) => this.deliverOne(Number(id)));
  }

  /** Stops taking rows and waits for the ones being sent. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false; // chains waiting for a rate limit hand their rows to the queue now
    while (this.background.size) await Promise.all(this.background);
    await this.queue?.close();
  }

  /**
   * sendClaimed without waiting for it: the job that fired a batch is done once its transaction
   * committed, so a burst's later batches are not held behind the rate-limit waits of earlier ones.
   * stop() waits for these sends.
   */
  sendClaimedSoon(rows: OutboxRow[]): void {
    const run = this.sendClaimed(rows).catch((err) =>
      this.log.error({ err }, 'sending fired reminders failed; the reconciler hands them to the queue'),
    );
    this.background.add(run);
    void run.finally(() => this.background.delete(run));
  }

  /**
   * Resolves when fewer messages wait for a send slot than there are slots: the firing of the next batch
   * waits for it. Firing further ahead than this process can send would only hold messages in memory
   * past their lease (and take database connections the sends need to record what went out).
   */
  roomToSend(): Promise<void> {
    if (this.sending.pendingCount < this.sendConcurrency) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private letFiringOn(): void {
    if (this.roomWaiters.length === 0 || this.sending.pendingCount >= this.sendConcurrency) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w();
  }

  /** Delivers everything due now; concurrent calls share one run (and trigger one more pass). */
  drain(): Promise<void> {
    this.onWritten?.();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          while ((await this.pass()) > 0) {}
        } while (this.again);
      } catch (err) {
        this.log.error({ err }, 'delivery pass failed');
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** The queue's handler: delivers one row if it is due; RunAgainAt when it must wait. */
  async deliverOne(id: number): Promise<void> {
    // One statement claims the row when it is due and, for a post, no earlier message to its chat is
    // still waiting (messages to one chat keep their order; the partial index outbox_chat_waiting_idx
    // answers that). Only when nothing was claimed do we look at why.
    const claimed = rowsOf<RawOutboxRow>(
      await this.db.execute(sql`
        update outbox o set state = 'sending', attempts = o.attempts + 1,
          next_attempt_at = now() + make_interval(secs => ${this.leaseMs / 1000})
        where o.id = ${id} and o.state in ('pending', 'sending') and o.next_attempt_at <= now()
          and (o.op <> 'post' or not exists (
            select 1 from outbox e
            where e.platform = o.platform and e.tenant = o.tenant and e.target_id = o.target_id
              and e.state in ('pending', 'sending') and e.id < o.id))
        returning o.*`),
    );
    const row = claimed[0] ? fromRaw(claimed[0]) : null;
    if (!row) return this.whyNot(id);
    const outcome = await this.deliver(row);
    if (!outcome.sent && outcome.retryAt) throw new RunAgainAt(outcome.retryAt);
  }

  /** A row that could not be claimed: not due yet, behind an earlier message, leased, or done. */
  private async whyNot(id: number): Promise<void> {
    const [cur] = await this.db
      .select({ state: outbox.state, at: outbox.nextAttemptAt })
      .from(outbox)
      .where(eq(outbox.id, id));
    if (!cur || (cur.state !== 'pending' && cur.state !== 'sending')) return; // sent, failed or gone
    if (cur.at.getTime() > Date.now()) throw new RunAgainAt(new Date(cur.at.getTime() + 5));
    // Due but an earlier message to the chat waits: that one wakes this one when it is sent; the fallback
    // only guards a lost wake-up.
    throw new RunAgainAt(new Date(Date.now() + SUCCESSOR_FALLBACK_MS));
  }

  /**
   * Sends rows this worker wrote already claimed (a batch of fired reminders): chats side by side, each
   * chat's messages in order. A message that has to wait goes to the queue, and the rest of its chat
   * with it, behind it. A crash here leaves the rows 'sending' until their lease runs out; the reconciler
   * then hands them to the queue.
   */
  async sendClaimed(rows: OutboxRow[]): Promise<void> {
    const chats = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      if (row.state !== 'sending') continue;
      const key = chatKey(row);
      const chain = chats.get(key);
      if (chain) chain.push(row);
      else chats.set(key, [row]);
    }
    // Rows written 'pending' (their chat had a message waiting) go to the queue with what is put off.
    const later: DueJob[] = rows
      .filter((r) => r.state !== 'sending')
      .map((r) => ({ id: String(r.id), at: r.nextAttemptAt }));
    await Promise.all(
      [...chats.entries()].map(async ([key, chain]) => {
        for (const r of chain) this.holding.set(r.id, key);
        try {
          await this.inChatOrder(key, () => this.sendChain(key, chain, later));
        } finally {
          for (const r of chain) this.holding.delete(r.id);
        }
      }),
    );
    if (later.length) await this.requeue(later);
  }

  /**
   * Whether outbox row `id`, which a firing transaction saw waiting, is no obstacle to this process
   * sending the chat's newer messages at once: it holds the row to send in order (and its chat has
   * nothing handed back to the queue), or it has marked the row sent since. The second matters because
   * the firing's snapshot can be older than a send that just finished; counting such a row as waiting
   * sent the newer message round through the queue, seconds late.
   */
  ownedHere(id: number): boolean {
    if (!this.started) return false;
    const chat = this.holding.get(id);
    if (chat !== undefined) return !this.deferredChats.has(chat);
    return this.sentNow.has(id) || this.sentBefore.has(id);
  }

  private noteSent(id: number): void {
    const now = Date.now();
    if (now - this.sentSince > SENT_MEMORY_MS) {
      this.sentBefore = this.sentNow;
      this.sentNow = new Set();
      this.sentSince = now;
    }
    this.sentNow.add(id);
  }

  /** Runs `work` after the work queued before it for the same chat (this process sends a chat's messages in order). */
  private inChatOrder(key: string, work: () => Promise<void>): Promise<void> {
    const run = (this.chatTails.get(key) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => {});
    this.chatTails.set(key, tail);
    void tail.then(() => {
      if (this.chatTails.get(key) !== tail) return;
      this.chatTails.delete(key);
      this.deferredChats.delete(key);
    });
    return run;
  }

  /** Sends one chat's claimed rows in order; what has to wait longer is put off and listed in `later`. */
  private async sendChain(key: string, chain: OutboxRow[], later: DueJob[]): Promise<void> {
    if (this.deferredChats.has(key)) {
      // An earlier message of this chat went back to the queue: these queue behind it.
      await this.release(chain.map((r) => r.id));
      later.push(...chain.map((r) => ({ id: String(r.id), at: new Date() })));
      return;
    }
    const began = Date.now();
    if (began > chain[0]!.nextAttemptAt.getTime() - this.leaseMs / 3) await this.extendLease(chain);
    for (let i = 0; i < chain.length; i++) {
      const row = chain[i]!;
      // A chat's rate limit is waited out here for up to HOLD_MS per chat (ten slots of a 1 s per
      // chat limit): going back through the queue would add its scheduling delay to every message
      // of the chat. The rows' lease is extended while they wait; longer waits (and a stopping worker)
      // go back to the queue.
      let outcome: Outcome | null = null;
      while (!outcome) {
        const wait = await this.slotFor(row, PACE_EARLY_MS);
        if (wait <= 0) outcome = await this.deliver(row, { slotTaken: true });
        else if (!this.started || Date.now() + wait - began > HOLD_MS)
          outcome = await this.putOff(row, wait, 'rate limit');
        else {
          if (Date.now() + wait > row.nextAttemptAt.getTime() - this.leaseMs / 3)
            await this.extendLease(chain.slice(i));
          await new Promise((r) => setTimeout(r, wait));
        }
      }
      if (outcome.sent) continue;
      this.deferredChats.add(key);
      if (outcome.retryAt) later.push({ id: String(row.id), at: outcome.retryAt });
      const rest = chain.slice(i + 1);
      if (rest.length) {
        await this.release(rest.map((r) => r.id));
        later.push(...rest.map((r) => ({ id: String(r.id), at: outcome.retryAt ?? new Date() })));
      }
      return;
    }
  }

  /** Keeps claimed rows this worker's for another lease (they wait for their chat's rate limit). */
  private extendLease(rows: OutboxRow[]): Promise<void> {
    return this.leases.extend(rows);
  }

  /** Gives claimed rows back (due now, attempt not counted), e.g. the rest of a chat behind a throttled one. */
  private async release(ids: number[]): Promise<void> {
    await this.db
      .update(outbox)
      .set({
        state: 'pending',
        attempts: sql`greatest(${outbox.attempts} - 1, 0)`,
        nextAttemptAt: sql`now()`,
      })
      .where(and(inArray(outbox.id, ids), eq(outbox.state, 'sending')));
  }

  /**
   * Records a message the platform took. The database may be away for a while (a restart, its crash
   * recovery): the mark is tried again as long as the row's lease is this worker's, and the message keeps
   * its place meanwhile. Counting this as a failed send would put the message off by a minute or more of
   * backoff and then send it again. If the database stays away past the lease, the row is left as it is,
   * and after the lease it is sent again with the same idempotency key.
   */
  private async recordSent(row: OutboxRow, ref: PostedRef | null): Promise<void> {
    const giveUpAt = row.nextAttemptAt.getTime() - RECORD_MARGIN_MS;
    for (let wait = RECORD_RETRY_MS; ; wait = Math.min(wait * 2, 2000)) {
      try {
        return await this.markSent(row, ref);
      } catch (err) {
        if (Date.now() + wait > giveUpAt) throw new NotRecordedError('sent mark not written', { cause: err });
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** Marks a row sent (and where its card went), and wakes the next message waiting for the same chat. */
  private async markSent(row: OutboxRow, ref: PostedRef | null): Promise<void> {
    const next = await this.marks.mark(row, ref);
    this.noteSent(row.id);
    await this.wake(next);
  }

  /** After a message was given up: the next one to its chat need not wait for it. */
  private async wakeNext(row: OutboxRow): Promise<void> {
    const next = rowsOf<{ id: string | number; at: string | Date }>(
      await this.db.execute(sql`
        select id, next_attempt_at as at from outbox
        where platform = ${row.platform} and tenant = ${row.tenant} and target_id = ${row.targetId}
          and state = 'pending' and id > ${row.id}
        order by id limit 1`),
    )[0];
    await this.wake(next && { id: Number(next.id), at: new Date(next.at) });
  }

  private async wake(next: NextInChat | undefined): Promise<void> {
    if (!next || !this.queue?.wake) return;
    await this.queue
      .wake([{ id: String(next.id), at: new Date(Math.max(Date.now(), next.at.getTime())) }])
      .catch((err) => this.log.warn({ err }, 'waking the next message failed; it goes at its fallback time'));
  }

  /** Rows due now, for the local driver. */
  async dueRows(limit: number): Promise<{ id: string; at: Date }[]> {
    const rows = await this.db
      .select({ id: outbox.id, at: outbox.nextAttemptAt })
      .from(outbox)
      .where(and(sql`${outbox.state} in ('pending','sending')`, lte(outbox.nextAttemptAt, sql`now()`)))
      .orderBy(outbox.id)
      .limit(limit);
    return rows.map((r) => ({ id: String(r.id), at: r.at }));
  }

  private async pass(): Promise<number> {
    // Claim: a 'sending' row whose lease ran out (its process died) is claimed again. A post is not
    // claimed behind an earlier message to its chat that is not due (leased to someone sending it, or
    // waiting for its time); earlier ones due now are claimed in this same pass, which sends in id order.
    const claimed = await this.db.execute(sql`
      update outbox set state = 'sending', attempts = attempts + 1,
        next_attempt_at = now() + make_interval(secs => ${this.leaseMs / 1000})
      where id in (
        select o.id from outbox o
        where o.state in ('pending', 'sending') and o.next_attempt_at <= now()
          and (o.op <> 'post' or not exists (
            select 1 from outbox e
            where e.platform = o.platform and e.tenant = o.tenant and e.target_id = o.target_id
              and e.state in ('pending', 'sending') and e.id < o.id and e.next_attempt_at > now()))
        order by o.id limit ${BATCH} for update skip locked)
      returning id`);
    const ids = rowsOf<{ id: number | string }>(claimed).map((r) => Number(r.id));
    if (ids.length === 0) return 0;
    const rows = await this.db.select().from(outbox).where(sql`${outbox.id} in ${ids}`).orderBy(outbox.id);
    const later: DueJob[] = [];
    // A post that has to wait stops the rest of its chat in this pass: they go back behind it.
    const stopped = new Map<string, Date>();
    const behind: number[] = [];
    for (const row of rows) {
      const key = row.op === 'post' ? chatKey(row) : null;
      const until = key ? stopped.get(key) : undefined;
      if (until) {
        behind.push(row.id);
        later.push({ id: String(row.id), at: until });
        continue;
      }
      const outcome = await this.deliver(row);
      if (outcome.sent || !outcome.retryAt) continue;
      later.push({ id: String(row.id), at: outcome.retryAt });
      if (key) stopped.set(key, outcome.retryAt);
    }
    if (behind.length) await this.release(behind);
    // The queue may have looked at these while this pass held them and put them off until the lease
    // ran out (15 s): tell it their real time.
    if (later.length) await this.requeue(later);
    return ids.length;
  }

  /** Jobs for rows whose time changed: moved to that time where queued, added where not. */
  private async requeue(jobs: DueJob[]): Promise<void> {
    if (!this.queue) return;
    await (this.queue.wake ? this.queue.wake(jobs) : this.queue.add(jobs)).catch((err) =>
      this.log.warn({ err }, 'requeueing messages failed; the reconciler hands them over later'),
    );
  }

  /**
   * Takes the row's slot of its chat's and platform's limits: 0, or how long to wait (nothing taken).
   * Messages are spaced from when this process really sent the previous one to the chat, too: the shared
   * limit counts from when a slot was taken, which a busy process can be late to use. With `earlyMs`, the
   * slot may be taken that much before this process's own spacing ends (post waits out the rest).
   */
  private async slotFor(row: OutboxRow, earlyMs = 0): Promise<number> {
    if (row.op !== 'post') return 0;
    const paced = this.pacedMs(row);
    if (paced > earlyMs) return paced - earlyMs;
    return this.limits.take(row.platform, `${row.tenant}/${row.targetKind}/${row.targetId}`);
  }

  /** Throttled: the row waits `ms` as told, and the wait is not counted against its attempts. */
  private async putOff(row: OutboxRow, ms: number, reason: string): Promise<Outcome> {
    const at = new Date(Date.now() + ms);
    await this.db
      .update(outbox)
      .set({
        state: 'pending',
        attempts: Math.max(0, row.attempts - 1),
        lastError: reason.slice(0, 500),
        nextAttemptAt: at,
      })
      .where(eq(outbox.id, row.id));
    return { sent: false, retryAt: at };
  }

  /** Sends a claimed row and records the outcome. */
  private async deliver(row: OutboxRow, opts: { slotTaken?: boolean } = {}): Promise<Outcome> {
    try {
      if (row.op === 'update') {
        // A card is updated only after its posts went out (they may still be in another worker's hands).
        const [earlier] = await this.db
          .select({ id: outbox.id })
          .from(outbox)
          .where(
            and(
              eq(outbox.cardKey, row.cardKey!),
              sql`${outbox.id} < ${row.id} and ${outbox.state} in ('pending','sending')`,
            ),
          )
          .limit(1);
        if (earlier) throw new RetryLaterError(`waits for outbox #${earlier.id}`, 200);
        await this.updateEverywhere(row);
        await this.recordSent(row, null);
      } else {
        const wait = opts.slotTaken ? 0 : await this.slotFor(row);
        if (wait > 0) throw new RetryLaterError('rate limit', wait);
        // Sent and recorded inside one of the DELIVERY_CONCURRENCY slots: that bounds what a killed
        // process can leave sent but not recorded (sent again after the lease).
        try {
          await this.sending(async () => this.recordSent(row, await this.post(row)));
        } finally {
          this.letFiringOn();
        }
      }
      return { sent: true };
    } catch (err) {
      if (err instanceof RetryLaterError) return this.putOff(row, err.afterMs, err.message);
      if (err instanceof NotRecordedError) {
        this.log.warn(
          { err: err.cause, outboxId: row.id, platform: row.platform },
          'sent, but the database did not record it; it goes out again after its lease, with the same idempotency key',
        );
        return { sent: false, retryAt: row.nextAttemptAt };
      }
      const permanent = err instanceof PermanentDeliveryError || row.attempts >= this.maxAttempts;
      const lastError = String((err as Error).message ?? err).slice(0, 500);
      this.log.warn(
        { err, outboxId: row.id, platform: row.platform, attempts: row.attempts, permanent },
        'delivery failed',
      );
      if (permanent) {
        await this.deadLetter(row, lastError);
        if (row.op === 'post') await this.wakeNext(row);
        return { sent: false, retryAt: null };
      }
      const at = new Date(Date.now() + retryDelayMs(row.attempts));
      await this.db
        .update(outbox)
        .set({ state: 'pending', lastError, nextAttemptAt: at })
        .where(eq(outbox.id, row.id));
      return { sent: false, retryAt: at };
    }
  }

  /** The row is dead: marked 'failed' and, once, the management chat is told (same transaction). */
  private async deadLetter(row: OutboxRow, lastError: string): Promise<void> {
    const told = await this.db.transaction(async (tx) => {
      const [dead] = await tx
        .update(outbox)
        .set({ state: 'failed', lastError, nextAttemptAt: new Date() })
        .where(and(eq(outbox.id, row.id), sql`${outbox.state} <> 'failed'`))
        .returning({ id: outbox.id });
      if (!dead || row.cardKey?.startsWith(DEAD_LETTER_KEY)) return 0;
      const org = await loadOrg(tx);
      const where = `${row.platform} ${row.targetKind} ${row.targetId}`;
      const text = (row.payload as Partial<Message>)?.text?.slice(0, 200) ?? '';
      return outboxWriter(tx, org, '').send(
        { kind: 'department', code: 'management' },
        (l) => ({
          text:
            l === 'en'
              ? `⚠️ A message to ${where} could not be delivered after ${row.attempts} tries and was given up (outbox #${row.id}): ${lastError}\n> ${text}`
              : `⚠️ 发往 ${where} 的消息尝试 ${row.attempts} 次仍未送达，已放弃（outbox #${row.id}）：${lastError}\n> ${text}`,
        }),
        `${DEAD_LETTER_KEY}${row.id}`,
      );
    });
    if (told) this.onWritten?.();
  }

  /** How long until this process's spacing lets the row's chat have its next message (≤ 0: now). */
  private pacedMs(row: OutboxRow): number {
    return (this.lastPost.get(chatKey(row)) ?? 0) + this.limits.spacingMs(row.platform) - Date.now();
  }

  private async post(row: OutboxRow): Promise<PostedRef> {
    const d = this.deliverers.get(row.platform);
    if (!d) throw new PermanentDeliveryError(`no adapter for platform ${row.platform}`);
    const message = row.payload as Message;
    // A slot taken early (PACE_EARLY_MS): leave at its time, not before (a timer may fire a little early).
    for (let early = this.pacedMs(row); early > 0; early = this.pacedMs(row))
      await new Promise((r) => setTimeout(r, early));
    // The time it really left paces the chat's next message.
    this.notePost(chatKey(row));
    return d.post(
      { tenant: row.tenant, kind: row.targetKind as 'user' | 'chat', id: row.targetId },
      message,
      { idempotencyKey: `outbox:${row.id}` },
    );
  }

  private notePost(key: string): void {
    const now = Date.now();
    // Pruned at most every 10 s: walking the map at every send made a burst to many chats quadratic.
    if (this.lastPost.size > 10_000 && now - this.prunedAt > 10_000) {
      this.prunedAt = now;
      for (const [k, at] of this.lastPost) if (now - at > 60_000) this.lastPost.delete(k);
    }
    this.lastPost.set(key, now);
  }

  private async updateEverywhere(row: OutboxRow): Promise<void> {
    const payload = row.payload as Record<string, Message>;
    const copies = await this.db.select().from(postedCards).where(eq(postedCards.cardKey, row.cardKey!));
    for (const copy of copies) {
      const d = this.deliverers.get(copy.platform);
      if (!d) continue;
      const message = payload[`${copy.locale}/${copy.audience}`] ?? payload[`${copy.locale}/group`];
      if (!message) continue;
      await d.update({ tenant: copy.tenant, chatId: copy.chatId, messageId: copy.messageId }, message);
    }
  }

  /**
   * A post an adapter could not make at once (a reply the platform throttled or refused for now): the
   * outbox sends it later, after what waits for that chat already, and never drops it.
   */
  async postLater(
    platform: string,
    target: PostTarget,
    message: Message,
    audience: 'private' | 'group',
  ): Promise<void> {
    await this.db.insert(outbox).values({
      platform,
      tenant: target.tenant,
      targetKind: target.kind,
      targetId: target.id,
      op: 'post',
      cardKey: message.cardKey ?? null,
      payload: message,
      locale: message.locale ?? 'zh',
      audience,
    });
    void this.drain();
  }

  /** Records where a card was posted (also for cards sent as immediate replies by adapters). */
  async remember(
    cardKey: string,
    platform: string,
    ref: PostedRef,
    locale: string,
    audience: 'private' | 'group',
  ): Promise<void> {
    await this.db
      .insert(postedCards)
      .values({
        cardKey,
        platform,
        tenant: ref.tenant,
        chatId: ref.chatId,
        messageId: ref.messageId,
        locale,
        audience,
      })
      .onConflictDoNothing();
  }

  /** Count of messages waiting, for health checks and tests. */
  async pending(): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(outbox)
      .where(
        and(
          sql`${outbox.state} in ('pending','sending')`,
          lte(outbox.nextAttemptAt, sql`now() + interval '1 hour'`),
        ),
      );
    return row?.n ?? 0;
  }
}

/** An outbox row as a raw statement returns it (snake case; PGlite and postgres.js differ in types). */
type RawOutboxRow = {
  id: string | number;
  platform: string;
  tenant: string;
  target_kind: string;
  target_id: string;
  op: string;
  card_key: string | null;
  payload: unknown;
  locale: string;
  audience: string;
  state: string;
  attempts: number;
  next_attempt_at: string | Date;
  last_error: string | null;
  created_at: string | Date;
  sent_at: string | Date | null;
};

function fromRaw(r: RawOutboxRow): OutboxRow {
  return {
    id: Number(r.id),
    platform: r.platform,
    tenant: r.tenant,
    targetKind: r.target_kind,
    targetId: r.target_id,
    op: r.op,
    cardKey: r.card_key,
    payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
    locale: r.locale,
    audience: r.audience,
    state: r.state,
    attempts: Number(r.attempts),
    nextAttemptAt: new Date(r.next_attempt_at),
    lastError: r.last_error,
    createdAt: new Date(r.created_at),
    sentAt: r.sent_at === null ? null : new Date(r.sent_at),
  };
}
