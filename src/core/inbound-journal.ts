// The inbound journal: whatever a platform is told was received is in PostgreSQL first. An adapter records
// the normalised event, then acknowledges, then hands it to the core; the core marks it done in the flow's
// own transaction (markDone), so a redelivery, a second process or a recovery runs it at most once. What was
// recorded and never done (the process died after the ack) is run by a sweep, at start and periodically,
// and its replies go to the person's DM through the outbox: the original HTTP answer is gone.
import { AsyncLocalStorage } from 'node:async_hooks';
import { and, eq, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Message } from '../cards/card.ts';
import { redactSecrets } from '../commands/secrets.ts';
import type { Db, Queryable, Tx } from '../db/client.ts';
import { inboundEvents, outbox } from '../db/schema.ts';
import { type Locale, pick } from '../i18n/locale.ts';
import type { InFlight } from './in-flight.ts';
import type { InboundAction, InboundMessage } from './inbound.ts';
import { outboxTally } from './outbox.ts';

/** What is recorded: the core's input, with the platform's own reply path kept for the record. */
export type JournalEntry =
  | { kind: 'message'; inbound: InboundMessage & { eventId: string }; reply?: Record<string, string> }
  | { kind: 'action'; inbound: InboundAction & { eventId: string }; reply?: Record<string, string> };

/**
 * What a journal replays an event through: the core's two ways in. A shape rather than the Core, so the
 * journal and the engine (which uses the journal) do not import each other.
 */
export type JournalCore = {
  handleMessage(inbound: InboundMessage): Promise<Message[]>;
  handleAction(inbound: InboundAction): Promise<Message[]>;
};

export type JournalOptions = {
  db: Db;
  core: JournalCore;
  log: Logger;
  platform: string;
  /** How long a recorded event belongs to the process that recorded it before a sweep may take it. */
  leaseMs?: number;
  /** How often to look for events recorded and not done. */
  sweepMs?: number;
  /**
   * The process's commands in flight: stop() waits for them (up to settleMs), then hands back the events
   * this process recorded and did not finish, so another replica runs them at once instead of after the lease.
   */
  inFlight?: InFlight;
  settleMs?: number;
};

/** Longer than a live command takes from its ack to its transaction (a user lookup or two on the way). */
const LEASE_MS = 30_000;
const SWEEP_MS = 10_000;
const BATCH = 20;
/** A recovery that died this many times (the process crashed while running it) is given up. */
const MAX_ATTEMPTS = 3;

/** Set while a sweep runs a recovered event: the core hands it the replies inside the flow's transaction. */
type Recovery = { deliver(tx: Tx, replies: Message[]): Promise<void>; failed: unknown };
export const recoveryScope = new AsyncLocalStorage<Recovery>();

/**
 * Marks an event done in the flow's transaction; false when it was done already (a redelivery). An event
 * never recorded gets a row that only marks it handled. Concurrent runs wait on the row lock, then see it done.
 */
export async function markDone(tx: Tx, platform: string, eventId: string): Promise<boolean> {
  const fresh = await tx
    .insert(inboundEvents)
    .values({ platform, eventId, doneAt: sql`now()`, outcome: 'done' })
    .onConflictDoUpdate({
      target: [inboundEvents.platform, inboundEvents.eventId],
      set: { doneAt: sql`now()`, outcome: 'done' },
      setWhere: isNull(inboundEvents.doneAt),
    })
    .returning({ eventId: inboundEvents.eventId });
  return fresh.length > 0;
}

/** The person was told it failed and nothing changed: no sweep may run it later. */
export async function markFailed(db: Queryable, platform: string, eventId: string): Promise<void> {
  await db
    .update(inboundEvents)
    .set({ doneAt: sql`now()`, outcome: 'failed' })
    .where(
      and(
        eq(inboundEvents.platform, platform),
        eq(inboundEvents.eventId, eventId),
        isNull(inboundEvents.doneAt),
      ),
    );
}

export class InboundJournal {
  private readonly leaseMs: number;
  private readonly sweepMs: number;
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<number> | null = null;
  /** Events recorded here within their lease (event id → when), for stop() to hand back the unfinished. */
  private readonly recent = new Map<string, number>();

  constructor(private readonly opts: JournalOptions) {
    this.leaseMs = opts.leaseMs ?? LEASE_MS;
    this.sweepMs = opts.sweepMs ?? SWEEP_MS;
  }

  /**
   * Records an event before the platform is acknowledged. A second delivery of the same id changes
   * nothing here (the core then answers it once). Throws when the database cannot take it: do not ack then.
   */
  async record(entry: JournalEntry): Promise<void> {
    // A credential typed in a command (admin bind … webhook=) is not kept with the event (src/commands/secrets.ts).
    if (entry.kind === 'message')
      entry = { ...entry, inbound: { ...entry.inbound, text: redactSecrets(entry.inbound.text) } };
    await this.opts.db
      .insert(inboundEvents)
      .values({
        platform: this.opts.platform,
        eventId: entry.inbound.eventId,
        // jsonb cannot hold NUL; the core reads NUL as a space anyway.
        payload: JSON.parse(
          JSON.stringify(entry, (_k, v) => (typeof v === 'string' ? v.replaceAll('\u0000', ' ') : v)),
        ) as Record<string, unknown>,
        claimedUntil: sql`now() + ${`${this.leaseMs} milliseconds`}::interval`,
      })
      .onConflictDoNothing();
    const now = Date.now();
    this.recent.set(entry.inbound.eventId, now);
    // Past its lease an event is any process's to sweep: no need to remember it.
    for (const [id, at] of this.recent) {
      if (at > now - this.leaseMs) break;
      this.recent.delete(id);
    }
  }

  /** Sweeps at once (what a previous process left), then every sweepMs. */
  start(): void {
    if (this.timer) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.sweepMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
    if (this.opts.inFlight) await this.opts.inFlight.settle(this.opts.settleMs ?? 10_000);
    await this.handBack();
  }

  /**
   * Ends the lease of the events this process recorded and has not done, so another replica's sweep runs
   * them now. One still running here past the settle time is then done at most once all the same
   * (markDone takes the event's row in the command's own transaction).
   */
  private async handBack(): Promise<void> {
    const ids = [...this.recent.keys()];
    this.recent.clear();
    if (ids.length === 0) return;
    try {
      const back = await this.opts.db
        .update(inboundEvents)
        .set({ claimedUntil: sql`now()` })
        .where(
          and(
            eq(inboundEvents.platform, this.opts.platform),
            inArray(inboundEvents.eventId, ids),
            isNull(inboundEvents.doneAt),
          ),
        )
        .returning({ eventId: inboundEvents.eventId });
      if (back.length)
        this.opts.log.info(
          { platform: this.opts.platform, events: back.length },
          'handed back unfinished inbound events',
        );
    } catch (err) {
      this.opts.log.warn(
        { err },
        'handing back inbound events failed; another process takes them after their lease',
      );
    }
  }

  /** Runs every recorded event that is not done and not held by a live process; returns how many. */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepAll()
      .catch((err) => {
        this.opts.log.error({ err, platform: this.opts.platform }, 'inbound recovery sweep failed');
        return 0;
      })
      .finally(() => {
        this.sweeping = null;
      });
    return this.sweeping;
  }

  private async sweepAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await this.claim();
      for (const row of batch) {
        await this.recover(row);
        total++;
      }
      if (batch.length < BATCH) return total;
    }
  }

  /** Takes a batch for this process: SKIP LOCKED passes rows a live transaction is finishing right now. */
  private async claim() {
    const { db, platform } = this.opts;
    const open = db
      .select({ eventId: inboundEvents.eventId })
      .from(inboundEvents)
      .where(
        and(
          eq(inboundEvents.platform, platform),
          isNull(inboundEvents.doneAt),
          isNotNull(inboundEvents.payload),
          or(isNull(inboundEvents.claimedUntil), lt(inboundEvents.claimedUntil, sql`now()`)),
        ),
      )
      .orderBy(inboundEvents.at)
      .limit(BATCH)
      .for('update', { skipLocked: true });
    return db
      .update(inboundEvents)
      .set({
        claimedUntil: sql`now() + ${`${this.leaseMs} milliseconds`}::interval`,
        attempts: sql`${inboundEvents.attempts} + 1`,
      })
      .where(and(eq(inboundEvents.platform, platform), inArray(inboundEvents.eventId, open)))
      .returning();
  }

  private async recover(row: typeof inboundEvents.$inferSelect): Promise<void> {
    const { core, log, platform } = this.opts;
    const entry = row.payload as unknown as JournalEntry;
    const user = entry.inbound.user;
    if (row.attempts > MAX_ATTEMPTS) {
      log.error({ platform, eventId: row.eventId }, 'inbound event given up after repeated crashes');
      await this.giveUp(entry, row.at);
      return;
    }
    const scope: Recovery = {
      failed: undefined,
      deliver: async (tx, replies) => {
        if (replies.length === 0) return;
        const locale = replies[0]!.locale ?? 'zh';
        const note = recoveredNote(entry, locale);
        // One message where the answer is plain text (half the messages in a chat paced at one a second).
        const [first, ...rest] = replies;
        const messages = first!.card
          ? [{ text: note, locale }, ...replies]
          : [{ ...first!, text: `${note}\n${first!.text}` }, ...rest];
        await postToPerson(tx, platform, user, messages);
      },
    };
    await recoveryScope.run(scope, () =>
      entry.kind === 'message' ? core.handleMessage(entry.inbound) : core.handleAction(entry.inbound),
    );
    if (scope.failed !== undefined) await this.giveUp(entry, row.at);
    else log.info({ platform, eventId: row.eventId }, 'inbound event recorded before a restart: done now');
  }

  /** Marks it failed and tells the person, in one transaction: nothing changed, type it again. */
  private async giveUp(entry: JournalEntry, at: Date): Promise<void> {
    const { db, platform } = this.opts;
    await db.transaction(async (tx) => {
      await markFailed(tx, platform, entry.inbound.eventId);
      await postToPerson(tx, platform, entry.inbound.user, [{ text: failedNote(entry, at) }]);
    });
  }
}

/** Into the outbox, to the person's DM: a group must not see what was an answer to one person. */
async function postToPerson(
  tx: Tx,
  platform: string,
  user: InboundMessage['user'],
  messages: Message[],
): Promise<void> {
  const tally = outboxTally.getStore();
  if (tally) tally.written += messages.length;
  await tx.insert(outbox).values(
    messages.map((m) => ({
      requestId: tally?.request ?? null,
      platform,
      tenant: user.tenant,
      targetKind: 'user',
      targetId: user.externalId,
      op: 'post',
      cardKey: m.cardKey ?? null,
      payload: m,
      locale: m.locale ?? 'zh',
      audience: 'private',
    })),
  );
}

function what(entry: JournalEntry, locale: Locale): string {
  if (entry.kind === 'message') return cut(entry.inbound.text);
  const [kind, ...rest] = entry.inbound.actionId.split(':');
  if (kind === 'run') return cut(rest.join(':'));
  if (kind === 'confirm') return pick(locale, { en: 'Confirm', zh: '确认' });
  if (kind === 'cancel') return pick(locale, { en: 'Cancel', zh: '取消' });
  return pick(locale, { en: 'a button', zh: '按钮' });
}

function cut(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 80 ? `${t.slice(0, 79)}…` : t;
}

function recoveredNote(entry: JournalEntry, locale: Locale): string {
  const w = what(entry, locale);
  if (entry.kind === 'message')
    return pick(locale, {
      en: `Your command “${w}” reached us just before a restart; it has been done now:`,
      zh: `您的命令「${w}」在服务重启前已收到，现已处理：`,
    });
  return pick(locale, {
    en: `Your press of “${w}” reached us just before a restart; it has been done now:`,
    zh: `您按下的「${w}」在服务重启前已收到，现已处理：`,
  });
}

function failedNote(entry: JournalEntry, at: Date): string {
  const time = at.toISOString().slice(0, 16).replace('T', ' ');
  return (
    `Your request “${what(entry, 'en')}” (${time} UTC) could not be done after a restart; nothing was changed. Please try again. / ` +
    `您的请求「${what(entry, 'zh')}」（UTC ${time}）在服务重启后未能处理，未做任何修改，请重试。`
  );
}
