// Takes messages out of the outbox and hands them to the adapter of their platform.
//
// Two ways in, one way out:
// - the delivery queue (BullMQ job `outbox.<id>` with REDIS_URL, else the local driver polling this table)
//   runs `deliverOne(id)` for each row when it is due;
// - `drain()` delivers everything due now in this process (the console API, tests, shutdown).
// Both claim a row in PostgreSQL before sending (state 'sending' with a lease), so several processes and
// both paths deliver side by side and a row is sent by one of them. Per-chat and per-platform limits
// (src/queue/limits.ts) make a message wait, never drop; platform errors retry with backoff; after the
// last try the row is dead ('failed') and the management chat is told once.
//
// Idempotency: each post carries `outbox:<id>` as its idempotency key. A worker killed after the platform
// accepted a message but before the row was marked 'sent' leaves the row 'sending'; when the lease runs
// out it is sent again. Platforms that can check a key (a deterministic DingTalk card outTrackId, the fake
// platforms of the tests) then do nothing; the others show that message at worst once more. The window is
// the time of one UPDATE after the platform answered (bench/reminders.ts measures how often it happens).
import { and, eq, lte, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Message } from '../cards/card.ts';
import type { Db } from '../db/client.ts';
import { outbox, postedCards } from '../db/schema.ts';
import { Limits } from '../queue/limits.ts';
import { LocalQueue } from '../queue/local.ts';
import { type JobQueue, RunAgainAt } from '../queue/types.ts';
import { loadOrg } from './org.ts';
import { outboxWriter } from './outbox.ts';

export type PostTarget = { tenant: string; kind: 'user' | 'chat'; id: string };
export type PostedRef = { tenant: string; chatId: string; messageId: string };
/** Given with every post: the same key means the same message (a retry), where the platform can check. */
export type PostOptions = { idempotencyKey: string };

/** What an adapter offers the core for sending. */
export interface Deliverer {
  readonly platform: string;
  post(target: PostTarget, message: Message, opts?: PostOptions): Promise<PostedRef>;
  update(ref: PostedRef, message: Message): Promise<void>;
}

/** A delivery failure that will not get better by retrying (e.g. the bot was removed from the chat). */
export class PermanentDeliveryError extends Error {}

/** The platform asked us to wait (rate limit, Retry-After): not a failure, tried again after `afterMs`. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly afterMs: number,
  ) {
    super(message);
  }
}

type OutboxRow = typeof outbox.$inferSelect;

const MAX_ATTEMPTS = 10;
const BATCH = 50;
const ORDER_WINDOW = 2000;
const SUCCESSOR_FALLBACK_MS = 2000;
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
};

type Outcome = { sent: true } | { sent: false; retryAt: Date | null };

export class Delivery {
  private readonly deliverers = new Map<string, Deliverer>();
  private running: Promise<void> | null = null;
  private again = false;
  private queue: JobQueue | null = null;
  private started = false;
  readonly limits: Limits;
  private readonly leaseMs: number;
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
    this.started = false;
    await this.queue?.close();
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
          while ((await this.pass()) === BATCH) {}
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
    const [head] = await this.db
      .select({
        state: outbox.state,
        at: outbox.nextAttemptAt,
        op: outbox.op,
        platform: outbox.platform,
        tenant: outbox.tenant,
        targetId: outbox.targetId,
      })
      .from(outbox)
      .where(eq(outbox.id, id));
    if (!head || (head.state !== 'pending' && head.state !== 'sending')) return;
    if (head.at.getTime() > Date.now()) throw new RunAgainAt(new Date(head.at.getTime() + 5));
    if (head.op === 'post') {
      // Messages to one chat keep their order: an earlier one still waiting goes first. (Looked up among
      // the ORDER_WINDOW rows before this one, by primary key; an index on (platform, tenant, target_id, id)
      // for pending rows would make it exact at any distance.)
      const earlier = rowsOf<{ at: string | Date }>(
        await this.db.execute(sql`
          select next_attempt_at as at from outbox
          where id < ${id} and id >= ${id - ORDER_WINDOW} and platform = ${head.platform}
            and tenant = ${head.tenant} and target_id = ${head.targetId} and state in ('pending', 'sending')
          order by id limit 1`),
      )[0];
      // The earlier one wakes this one when it is sent; the fallback only guards a lost wake-up.
      if (earlier) throw new RunAgainAt(new Date(Date.now() + SUCCESSOR_FALLBACK_MS));
    }
    const claimed = await this.db.execute(sql`
      update outbox set state = 'sending', attempts = attempts + 1,
        next_attempt_at = now() + make_interval(secs => ${this.leaseMs / 1000})
      where id = ${id} and state in ('pending', 'sending') and next_attempt_at <= now()
      returning id`);
    if (rowsOf(claimed).length === 0) {
      const [cur] = await this.db
        .select({ state: outbox.state, at: outbox.nextAttemptAt })
        .from(outbox)
        .where(eq(outbox.id, id));
      // Not due yet, or another worker holds its lease: look again then. Sent, failed or gone: done.
      if (cur && (cur.state === 'pending' || cur.state === 'sending'))
        throw new RunAgainAt(new Date(Math.max(cur.at.getTime() + 5, Date.now() + 50)));
      return;
    }
    const [row] = await this.db.select().from(outbox).where(eq(outbox.id, id));
    if (!row) return;
    const outcome = await this.deliver(row);
    if (row.op === 'post' && (outcome.sent || !outcome.retryAt)) await this.wakeSuccessor(row);
    if (!outcome.sent && outcome.retryAt) throw new RunAgainAt(outcome.retryAt);
  }

  /** The next message waiting for the same chat goes now (it waited for this one). */
  private async wakeSuccessor(row: OutboxRow): Promise<void> {
    if (!this.queue?.wake) return;
    const next = rowsOf<{ id: string | number; at: string | Date }>(
      await this.db.execute(sql`
        select id, next_attempt_at as at from outbox
        where id > ${row.id} and id <= ${row.id + ORDER_WINDOW} and platform = ${row.platform}
          and tenant = ${row.tenant} and target_id = ${row.targetId} and state in ('pending', 'sending')
        order by id limit 1`),
    )[0];
    if (next)
      await this.queue
        .wake([{ id: String(next.id), at: new Date(Math.max(Date.now(), new Date(next.at).getTime())) }])
        .catch((err) =>
          this.log.warn({ err }, 'waking the next message failed; it goes at its fallback time'),
        );
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
    // Claim: a 'sending' row whose lease ran out (its process died) is claimed again.
    const claimed = await this.db.execute(sql`
      update outbox set state = 'sending', attempts = attempts + 1,
        next_attempt_at = now() + make_interval(secs => ${this.leaseMs / 1000})
      where id in (
        select id from outbox
        where state in ('pending', 'sending') and next_attempt_at <= now()
        order by id limit ${BATCH} for update skip locked)
      returning id`);
    const ids = rowsOf<{ id: number | string }>(claimed).map((r) => Number(r.id));
    if (ids.length === 0) return 0;
    const rows = await this.db.select().from(outbox).where(sql`${outbox.id} in ${ids}`).orderBy(outbox.id);
    for (const row of rows) await this.deliver(row);
    return ids.length;
  }

  /** Sends a claimed row and records the outcome. */
  private async deliver(row: OutboxRow): Promise<Outcome> {
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
      } else {
        const wait = await this.limits.take(row.platform, `${row.tenant}/${row.targetKind}/${row.targetId}`);
        if (wait > 0) throw new RetryLaterError('rate limit', wait);
        await this.post(row);
      }
      await this.db
        .update(outbox)
        .set({ state: 'sent', sentAt: new Date(), lastError: null })
        .where(eq(outbox.id, row.id));
      return { sent: true };
    } catch (err) {
      if (err instanceof RetryLaterError) {
        // Throttled: wait as told, and do not count it against the message's attempts.
        const at = new Date(Date.now() + err.afterMs);
        await this.db
          .update(outbox)
          .set({
            state: 'pending',
            attempts: Math.max(0, row.attempts - 1),
            lastError: err.message.slice(0, 500),
            nextAttemptAt: at,
          })
          .where(eq(outbox.id, row.id));
        return { sent: false, retryAt: at };
      }
      const permanent = err instanceof PermanentDeliveryError || row.attempts >= this.maxAttempts;
      const backoffMs = Math.min(60_000 * 2 ** Math.min(row.attempts, 6), 3_600_000);
      const lastError = String((err as Error).message ?? err).slice(0, 500);
      this.log.warn(
        { err, outboxId: row.id, platform: row.platform, attempts: row.attempts, permanent },
        'delivery failed',
      );
      if (permanent) {
        await this.deadLetter(row, lastError);
        return { sent: false, retryAt: null };
      }
      const at = new Date(Date.now() + backoffMs);
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

  private async post(row: OutboxRow): Promise<void> {
    const d = this.deliverers.get(row.platform);
    if (!d) throw new PermanentDeliveryError(`no adapter for platform ${row.platform}`);
    const message = row.payload as Message;
    const ref = await d.post(
      { tenant: row.tenant, kind: row.targetKind as 'user' | 'chat', id: row.targetId },
      message,
      { idempotencyKey: `outbox:${row.id}` },
    );
    if (row.cardKey)
      await this.remember(row.cardKey, row.platform, ref, row.locale, row.audience as 'private' | 'group');
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

/** postgres.js returns an array, PGlite an object with rows. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
