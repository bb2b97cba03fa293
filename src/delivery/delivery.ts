// Takes messages out of the outbox and hands them to the adapter of their platform.
//
// Three ways in, one way out:
// - the delivery queue (BullMQ job `outbox.<id>` with REDIS_URL, else the local driver polling this table)
//   runs `deliverOne(id)` for each row when it is due;
// - `drain()` delivers everything due now in this process (the console API, tests, shutdown);
// - `sendClaimed` / `sendClaimedSoon` send the rows a batch of fired reminders wrote already claimed.
// All of them claim a row in PostgreSQL before sending (claims.ts), so several processes and paths deliver
// side by side and a row is sent by one of them. Per-chat and per-platform limits (pacing.ts) make a
// message wait, never drop; platform errors retry with backoff (retries.ts); after the last try the row is
// dead ('failed') and the management chat is told once (dead-letters.ts). This file is the one way out:
// the send of one claimed row and what is recorded after it; the parts it uses are the files beside it.
//
// Idempotency: each post carries `outbox:<id>` as its idempotency key. A worker killed after the platform
// accepted a message but before the row was marked 'sent' leaves the row 'sending'; when the lease runs
// out it is sent again. Platforms that can check a key (a card id derived from the row, the fake
// platforms of the tests) then do nothing; the others show that message at worst once more. The window is
// the time until its sent mark is committed (grouped, sent-marks.ts); at most DELIVERY_CONCURRENCY
// messages are in it at once (bench/reminders.ts measures how often it happens). A sent mark the database
// refuses (PostgreSQL restarting) is written again while the message keeps its place; the same window
// applies if the database stays away past the lease.
import { and, eq, sql } from 'drizzle-orm';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { Message } from '../cards/card.ts';
import { chatKey, type OutboxRow } from '../core/outbox.ts';
import type { Db } from '../db/client.ts';
import { outbox } from '../db/schema.ts';
import { PermanentDeliveryError, type PostedRef, RetryLaterError, type Sender } from '../port/outbound.ts';
import { Limits } from '../queue/limits.ts';
import { LocalQueue } from '../queue/local.ts';
import { type DueJob, type JobQueue, RunAgainAt } from '../queue/types.ts';
import { ChatOrder, nextWaiting } from './chat-order.ts';
import { claimDue, claimOne, dueRows, release, waiting, whyNot } from './claims.ts';
import { deadLetter } from './dead-letters.ts';
import { LostClaimError } from './held.ts';
import { LeaseExtensions } from './leases.ts';
import { HOLD_MS, PACE_EARLY_MS, Pacing } from './pacing.ts';
import { MAX_ATTEMPTS, type Outcome, putOff, retryLater } from './retries.ts';
import { Senders } from './senders.ts';
import { type NextInChat, SentMarks } from './sent-marks.ts';

/** The first wait before writing a sent mark again (doubling, up to 2 s, while the lease lasts). */
const RECORD_RETRY_MS = 250;
/** A sent mark is given up this long before the row's lease ends, before another worker may take it. */
const RECORD_MARGIN_MS = 2000;

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
  /** Told each outcome of a send (metrics). */
  observe?: (e: DeliveryObservation) => void;
};

/** What became of one try to send a message: sent, put off (a platform's limit), to be tried again, given up. */
export type DeliveryObservation = {
  platform: string;
  result: 'sent' | 'waited' | 'retry' | 'failed';
  /** For 'waited': why (a platform's or chat's rate limit, a connection held elsewhere, …). */
  reason?: string;
};

/** A short, bounded label for a wait's reason (metrics labels must not carry ids). */
function waitReason(message: string): string {
  if (/rate limit|quota|429|throttl|qps|too many/i.test(message)) return 'rate_limit';
  if (/hold|not connected|connection/i.test(message)) return 'connection';
  if (/waits for outbox/.test(message)) return 'order';
  return 'other';
}

/** The platform took the message but the database did not take its sent mark (see recordSent). */
class NotRecordedError extends Error {}

export class Delivery {
  private readonly senders = new Senders();
  private running: Promise<void> | null = null;
  private again = false;
  private queue: JobQueue | null = null;
  private started = false;
  readonly limits: Limits;
  readonly leaseMs: number;
  private readonly sending: LimitFunction;
  private readonly marks: SentMarks;
  private readonly leases: LeaseExtensions;
  private readonly order = new ChatOrder();
  private readonly pacing: Pacing;
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
    this.pacing = new Pacing(this.limits);
  }

  /** The adapter that sends for its platform (`sender.platform`). */
  register(sender: Sender): void {
    this.senders.register(sender);
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
    // Only when nothing was claimed do we look at why.
    const skip = this.senders.heldElsewhere();
    const row = await claimOne(this.db, id, this.leaseMs, skip);
    if (!row) return whyNot(this.db, id, skip);
    const outcome = await this.deliver(row);
    if (!outcome.sent && outcome.retryAt) throw new RunAgainAt(outcome.retryAt);
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
        this.order.hold(key, chain);
        try {
          await this.order.run(key, () => this.sendChain(key, chain, later));
        } finally {
          this.order.unhold(chain);
        }
      }),
    );
    if (later.length) await this.requeue(later);
  }

  /**
   * Whether outbox row `id`, which a firing transaction saw waiting, is no obstacle to this process
   * sending the chat's newer messages at once (ChatOrder.ownedHere); never while this worker is stopped.
   */
  ownedHere(id: number): boolean {
    if (!this.started) return false;
    return this.order.ownedHere(id);
  }

  /** Sends one chat's claimed rows in order; what has to wait longer is put off and listed in `later`. */
  private async sendChain(key: string, chain: OutboxRow[], later: DueJob[]): Promise<void> {
    if (this.order.isDeferred(key)) {
      // An earlier message of this chat went back to the queue: these queue behind it.
      await release(this.db, chain);
      later.push(...chain.map((r) => ({ id: String(r.id), at: new Date() })));
      return;
    }
    const began = Date.now();
    // Rows whose claim was lost are caught again in deliver() (stillHeld): their lease is not extended.
    if (began > chain[0]!.nextAttemptAt.getTime() - this.leaseMs / 3) await this.leases.extend(chain);
    for (let i = 0; i < chain.length; i++) {
      const row = chain[i]!;
      // A chat's rate limit is waited out here for up to HOLD_MS per chat (ten slots of a 1 s per
      // chat limit): going back through the queue would add its scheduling delay to every message
      // of the chat. The rows' lease is extended while they wait; longer waits (and a stopping worker)
      // go back to the queue.
      let outcome: Outcome | null = null;
      while (!outcome) {
        const wait = await this.pacing.slotFor(row, PACE_EARLY_MS);
        if (wait <= 0) outcome = await this.deliver(row, { slotTaken: true });
        else if (!this.started || Date.now() + wait - began > HOLD_MS) {
          this.opts.observe?.({ platform: row.platform, result: 'waited', reason: 'rate_limit' });
          outcome = await putOff(this.db, row, wait, 'rate limit');
        } else {
          if (Date.now() + wait > row.nextAttemptAt.getTime() - this.leaseMs / 3)
            await this.leases.extend(chain.slice(i));
          await new Promise((r) => setTimeout(r, wait));
        }
      }
      if (outcome.sent) continue;
      this.order.defer(key);
      if (outcome.retryAt) later.push({ id: String(row.id), at: outcome.retryAt });
      const rest = chain.slice(i + 1);
      if (rest.length) {
        await release(this.db, rest);
        later.push(...rest.map((r) => ({ id: String(r.id), at: outcome.retryAt ?? new Date() })));
      }
      return;
    }
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
    this.order.noteSent(row.id);
    await this.wake(next);
  }

  private async wake(next: NextInChat | undefined): Promise<void> {
    if (!next || !this.queue?.wake) return;
    await this.queue
      .wake([{ id: String(next.id), at: new Date(Math.max(Date.now(), next.at.getTime())) }])
      .catch((err) => this.log.warn({ err }, 'waking the next message failed; it goes at its fallback time'));
  }

  /** Rows due now, for the local driver. */
  dueRows(limit: number): Promise<{ id: string; at: Date }[]> {
    return dueRows(this.db, limit);
  }

  private async pass(): Promise<number> {
    const { claimed, rows } = await claimDue(this.db, this.leaseMs, this.senders.heldElsewhere());
    if (claimed === 0) return 0;
    const later: DueJob[] = [];
    // A post that has to wait stops the rest of its chat in this pass: they go back behind it.
    const stopped = new Map<string, Date>();
    const behind: OutboxRow[] = [];
    for (const row of rows) {
      const key = row.op === 'post' ? chatKey(row) : null;
      const until = key ? stopped.get(key) : undefined;
      if (until) {
        behind.push(row);
        later.push({ id: String(row.id), at: until });
        continue;
      }
      const outcome = await this.deliver(row);
      if (outcome.sent || !outcome.retryAt) continue;
      later.push({ id: String(row.id), at: outcome.retryAt });
      if (key) stopped.set(key, outcome.retryAt);
    }
    if (behind.length) await release(this.db, behind);
    // The queue may have looked at these while this pass held them and put them off until the lease
    // ran out (15 s): tell it their real time.
    if (later.length) await this.requeue(later);
    return claimed;
  }

  /** Jobs for rows whose time changed: moved to that time where queued, added where not. */
  private async requeue(jobs: DueJob[]): Promise<void> {
    if (!this.queue) return;
    await (this.queue.wake ? this.queue.wake(jobs) : this.queue.add(jobs)).catch((err) =>
      this.log.warn({ err }, 'requeueing messages failed; the reconciler hands them over later'),
    );
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
        await this.stillHeld(row);
        await this.senders.updateEverywhere(this.db, row);
        await this.recordSent(row, null);
      } else {
        const wait = opts.slotTaken ? 0 : await this.pacing.slotFor(row);
        if (wait > 0) throw new RetryLaterError('rate limit', wait);
        // Sent and recorded inside one of the DELIVERY_CONCURRENCY slots: that bounds what a killed
        // process can leave sent but not recorded (sent again after the lease).
        try {
          await this.sending(async () => this.recordSent(row, await this.post(row)));
        } finally {
          this.letFiringOn();
        }
      }
      this.opts.observe?.({ platform: row.platform, result: 'sent' });
      this.log.info(
        { req: row.requestId, outboxId: row.id, platform: row.platform, op: row.op, attempts: row.attempts },
        'delivered',
      );
      return { sent: true };
    } catch (err) {
      if (err instanceof LostClaimError) {
        this.opts.observe?.({ platform: row.platform, result: 'waited', reason: 'claim_lost' });
        this.log.warn(
          { req: row.requestId, outboxId: row.id, platform: row.platform, attempts: row.attempts },
          'not sent: its lease ran out and another worker claimed it',
        );
        return { sent: false, retryAt: null };
      }
      if (err instanceof RetryLaterError) {
        this.opts.observe?.({ platform: row.platform, result: 'waited', reason: waitReason(err.message) });
        return putOff(this.db, row, err.afterMs, err.message);
      }
      if (err instanceof NotRecordedError) {
        this.log.warn(
          { err: err.cause, req: row.requestId, outboxId: row.id, platform: row.platform },
          'sent, but the database did not record it; it goes out again after its lease, with the same idempotency key',
        );
        return { sent: false, retryAt: row.nextAttemptAt };
      }
      const permanent = err instanceof PermanentDeliveryError || row.attempts >= this.maxAttempts;
      const lastError = String((err as Error).message ?? err).slice(0, 500);
      this.log.warn(
        {
          err,
          req: row.requestId,
          outboxId: row.id,
          platform: row.platform,
          attempts: row.attempts,
          permanent,
        },
        'delivery failed',
      );
      this.opts.observe?.({ platform: row.platform, result: permanent ? 'failed' : 'retry' });
      if (permanent) {
        if (await deadLetter(this.db, row, lastError)) this.onWritten?.();
        // The next message to its chat need not wait for this one.
        if (row.op === 'post') await this.wake(await nextWaiting(this.db, row));
        return { sent: false, retryAt: null };
      }
      return retryLater(this.db, row, lastError);
    }
  }

  private async post(row: OutboxRow): Promise<PostedRef> {
    const sender = this.senders.for(row.platform);
    await this.pacing.waitTurn(row);
    await this.stillHeld(row);
    return sender.post(
      { tenant: row.tenant, kind: row.targetKind as 'user' | 'chat', id: row.targetId },
      row.payload as Message,
      { idempotencyKey: `outbox:${row.id}` },
    );
  }

  /**
   * Throws LostClaimError unless this worker still holds `row`'s claim (held.ts). Checked in the database
   * only when little of the lease is left: a lease outlived (a starved process, a long wait for a pace
   * slot) may have let another worker claim the row, and then that one sends it, not this one.
   */
  private async stillHeld(row: OutboxRow): Promise<void> {
    if (Date.now() < row.nextAttemptAt.getTime() - this.leaseMs / 3) return;
    const [lost] = await this.leases.extend([row]);
    if (lost) throw new LostClaimError(`outbox #${row.id} was claimed again`);
  }

  /** Count of messages waiting, for health checks and tests. */
  pending(): Promise<number> {
    return waiting(this.db);
  }
}
