// Takes messages out of the outbox and hands them to the adapter of their platform. Rows are claimed with
// SKIP LOCKED, so several processes can deliver side by side; a failure is retried later with backoff.
// (The queue-backed driver with per-chat rate limits replaces the polling loop in the reminders issue.)
import { and, eq, lte, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Message } from '../cards/card.ts';
import type { Db } from '../db/client.ts';
import { outbox, postedCards } from '../db/schema.ts';

export type PostTarget = { tenant: string; kind: 'user' | 'chat'; id: string };
export type PostedRef = { tenant: string; chatId: string; messageId: string };

/** What an adapter offers the core for sending. */
export interface Deliverer {
  readonly platform: string;
  post(target: PostTarget, message: Message): Promise<PostedRef>;
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

export class Delivery {
  private readonly deliverers = new Map<string, Deliverer>();
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  register(d: Deliverer): void {
    this.deliverers.set(d.platform, d);
  }

  /** Poll every `ms` for rows whose retry time has come. */
  start(ms = 1000): void {
    this.timer ??= setInterval(() => void this.drain(), ms);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Delivers everything due now; concurrent calls share one run (and trigger one more pass). */
  drain(): Promise<void> {
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

  private async pass(): Promise<number> {
    // Claim: a 'sending' row whose lease ran out (its process died) is claimed again.
    const claimed = await this.db.execute(sql`
      update outbox set state = 'sending', attempts = attempts + 1, next_attempt_at = now() + interval '2 minutes'
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

  private async deliver(row: OutboxRow): Promise<void> {
    try {
      if (row.op === 'update') await this.updateEverywhere(row);
      else await this.post(row);
      await this.db
        .update(outbox)
        .set({ state: 'sent', sentAt: new Date(), lastError: null })
        .where(eq(outbox.id, row.id));
    } catch (err) {
      if (err instanceof RetryLaterError) {
        // Throttled: wait as told, and do not count it against the message's attempts.
        await this.db
          .update(outbox)
          .set({
            state: 'pending',
            attempts: Math.max(0, row.attempts - 1),
            lastError: err.message.slice(0, 500),
            nextAttemptAt: new Date(Date.now() + err.afterMs),
          })
          .where(eq(outbox.id, row.id));
        return;
      }
      const permanent = err instanceof PermanentDeliveryError || row.attempts >= MAX_ATTEMPTS;
      const backoffMs = Math.min(60_000 * 2 ** Math.min(row.attempts, 6), 3_600_000);
      this.log.warn(
        { err, outboxId: row.id, platform: row.platform, attempts: row.attempts, permanent },
        'delivery failed',
      );
      await this.db
        .update(outbox)
        .set({
          state: permanent ? 'failed' : 'pending',
          lastError: String((err as Error).message ?? err).slice(0, 500),
          nextAttemptAt: new Date(Date.now() + (permanent ? 0 : backoffMs)),
        })
        .where(eq(outbox.id, row.id));
    }
  }

  private async post(row: OutboxRow): Promise<void> {
    const d = this.deliverers.get(row.platform);
    if (!d) throw new PermanentDeliveryError(`no adapter for platform ${row.platform}`);
    const message = row.payload as Message;
    const ref = await d.post(
      { tenant: row.tenant, kind: row.targetKind as 'user' | 'chat', id: row.targetId },
      message,
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
