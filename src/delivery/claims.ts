// Claims: a row is taken in PostgreSQL (state 'sending', its lease in next_attempt_at) before it is sent,
// so several processes and paths deliver side by side and a row is sent by one of them. A 'sending' row
// whose lease ran out (its process died) is claimed again. The order of a chat's posts is part of every
// claim: a post is not claimed while an earlier message to its chat still waits (see chat-order.ts for
// the order kept inside one process).
import { and, eq, lte, or, sql } from 'drizzle-orm';
import type { OutboxRow } from '../core/outbox.ts';
import type { Db } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import { outbox } from '../db/schema.ts';
import { RunAgainAt } from '../queue/types.ts';
import { heldBy } from './held.ts';

/** Rows one pass of drain() claims at most. */
export const BATCH = 50;
/** A row due but behind an earlier message is woken by that one; this only guards a lost wake-up. */
const SUCCESSOR_FALLBACK_MS = 2000;
/** A job for a platform another replica sends for goes back to the queue for another worker this soon. */
const HELD_ELSEWHERE_MS = 500;

/**
 * Claims row `id` when it is due and, for a post, no earlier message to its chat is still waiting
 * (messages to one chat keep their order; the partial index outbox_chat_waiting_idx answers that).
 * One statement; null when nothing was claimed (whyNot says why).
 */
export async function claimOne(
  db: Db,
  id: number,
  leaseMs: number,
  skip: string[] = [],
): Promise<OutboxRow | null> {
  const claimed = rowsOf<RawOutboxRow>(
    await db.execute(sql`
        update outbox o set state = 'sending', attempts = o.attempts + 1,
          next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000})
        where o.id = ${id} and o.state in ('pending', 'sending') and o.next_attempt_at <= now()${notFor(skip)}
          and (o.op <> 'post' or not exists (
            select 1 from outbox e
            where e.platform = o.platform and e.tenant = o.tenant and e.target_id = o.target_id
              and e.state in ('pending', 'sending') and e.id < o.id))
        returning o.*`),
  );
  return claimed[0] ? fromRaw(claimed[0]) : null;
}

/** `and the row's platform is none of these` (platforms this process cannot send for now). */
function notFor(skip: string[]) {
  if (skip.length === 0) return sql``;
  return sql` and o.platform not in (${sql.join(
    skip.map((p) => sql`${p}`),
    sql`, `,
  )})`;
}

/**
 * A row that could not be claimed: not due yet, behind an earlier message, leased, done, or of a platform
 * whose connection another replica holds (`skip`: then another worker's turn, soon).
 */
export async function whyNot(db: Db, id: number, skip: string[] = []): Promise<void> {
  const [cur] = await db
    .select({ state: outbox.state, at: outbox.nextAttemptAt, platform: outbox.platform })
    .from(outbox)
    .where(eq(outbox.id, id));
  if (!cur || (cur.state !== 'pending' && cur.state !== 'sending')) return; // sent, failed or gone
  if (skip.includes(cur.platform)) throw new RunAgainAt(new Date(Date.now() + HELD_ELSEWHERE_MS));
  if (cur.at.getTime() > Date.now()) throw new RunAgainAt(new Date(cur.at.getTime() + 5));
  // Due but an earlier message to the chat waits: that one wakes this one when it is sent; the fallback
  // only guards a lost wake-up.
  throw new RunAgainAt(new Date(Date.now() + SUCCESSOR_FALLBACK_MS));
}

/**
 * Claims up to BATCH rows due now and returns how many, with the rows in id order. A post is not claimed behind an
 * earlier message to its chat that is not due (leased to someone sending it, or waiting for its time);
 * earlier ones due now are claimed in this same batch, which the caller sends in id order.
 */
export async function claimDue(
  db: Db,
  leaseMs: number,
  skip: string[] = [],
): Promise<{ claimed: number; rows: OutboxRow[] }> {
  const claimed = await db.execute(sql`
      update outbox set state = 'sending', attempts = attempts + 1,
        next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000})
      where id in (
        select o.id from outbox o
        where o.state in ('pending', 'sending') and o.next_attempt_at <= now()${notFor(skip)}
          and (o.op <> 'post' or not exists (
            select 1 from outbox e
            where e.platform = o.platform and e.tenant = o.tenant and e.target_id = o.target_id
              and e.state in ('pending', 'sending') and e.id < o.id and e.next_attempt_at > now()))
        order by o.id limit ${BATCH} for update skip locked)
      returning id`);
  const ids = rowsOf<{ id: number | string }>(claimed).map((r) => Number(r.id));
  if (ids.length === 0) return { claimed: 0, rows: [] };
  const rows = await db.select().from(outbox).where(sql`${outbox.id} in ${ids}`).orderBy(outbox.id);
  return { claimed: ids.length, rows };
}

/**
 * Gives claimed rows back (due now, attempt not counted), e.g. the rest of a chat behind a throttled one;
 * only those this worker still holds (held.ts).
 */
export async function release(db: Db, rows: OutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .update(outbox)
    .set({
      state: 'pending',
      attempts: sql`greatest(${outbox.attempts} - 1, 0)`,
      nextAttemptAt: sql`now()`,
    })
    .where(or(...rows.map(heldBy)));
}

/** Rows due now, for the local driver. */
export async function dueRows(db: Db, limit: number): Promise<{ id: string; at: Date }[]> {
  const rows = await db
    .select({ id: outbox.id, at: outbox.nextAttemptAt })
    .from(outbox)
    .where(and(sql`${outbox.state} in ('pending','sending')`, lte(outbox.nextAttemptAt, sql`now()`)))
    .orderBy(outbox.id)
    .limit(limit);
  return rows.map((r) => ({ id: String(r.id), at: r.at }));
}

/** Count of messages waiting (due within the hour), for health checks and tests. */
export async function waiting(db: Db): Promise<number> {
  const [row] = await db
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
  request_id: string | null;
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
    requestId: r.request_id ?? null,
  };
}
