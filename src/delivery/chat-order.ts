// Per-chat order inside one process: messages to one chat leave in the order they were written. The
// claims (claims.ts) keep that order between processes; this keeps it among the sends one process has in
// hand at once (a batch of fired reminders sends chats side by side, each chat's messages one after the
// other), and remembers which waiting rows are this process's own, so a firing that saw them waiting
// need not send a newer message of their chat round through the queue.
import { sql } from 'drizzle-orm';
import type { OutboxRow } from '../core/outbox.ts';
import type { Db } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import type { NextInChat } from './sent-marks.ts';

/** How long a sent row is remembered as sent here: far longer than a firing transaction's snapshot lives. */
const SENT_MEMORY_MS = 30_000;

export class ChatOrder {
  /** Per chat, the end of the sends this process has queued for it. */
  private readonly tails = new Map<string, Promise<void>>();
  /** Claimed rows held here to send in order (queued or being sent), with their chat (see ownedHere). */
  private readonly holding = new Map<number, string>();
  /** Rows this process marked sent lately, in two generations of SENT_MEMORY_MS (see ownedHere). */
  private sentNow = new Set<number>();
  private sentBefore = new Set<number>();
  private sentSince = Date.now();
  /** Chats whose queued sends include one put off to the queue: the rest follow it there. */
  private readonly deferred = new Set<string>();

  /** Runs `work` after the work queued before it for the same chat (this process sends a chat's messages in order). */
  run(key: string, work: () => Promise<void>): Promise<void> {
    const run = (this.tails.get(key) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) !== tail) return;
      this.tails.delete(key);
      this.deferred.delete(key);
    });
    return run;
  }

  /** Notes that `rows` of chat `key` are held here until `release` (queued or being sent). */
  hold(key: string, rows: OutboxRow[]): void {
    for (const r of rows) this.holding.set(r.id, key);
  }

  unhold(rows: OutboxRow[]): void {
    for (const r of rows) this.holding.delete(r.id);
  }

  /** A message of chat `key` went back to the queue: the chat's later sends here follow it there. */
  defer(key: string): void {
    this.deferred.add(key);
  }

  isDeferred(key: string): boolean {
    return this.deferred.has(key);
  }

  /**
   * Whether outbox row `id`, which a firing transaction saw waiting, is no obstacle to this process
   * sending the chat's newer messages at once: it holds the row to send in order (and its chat has
   * nothing handed back to the queue), or it has marked the row sent since. The second matters because
   * the firing's snapshot can be older than a send that just finished; counting such a row as waiting
   * sent the newer message round through the queue, seconds late.
   */
  ownedHere(id: number): boolean {
    const chat = this.holding.get(id);
    if (chat !== undefined) return !this.deferred.has(chat);
    return this.sentNow.has(id) || this.sentBefore.has(id);
  }

  noteSent(id: number): void {
    const now = Date.now();
    if (now - this.sentSince > SENT_MEMORY_MS) {
      this.sentBefore = this.sentNow;
      this.sentNow = new Set();
      this.sentSince = now;
    }
    this.sentNow.add(id);
  }
}

/** After a message was given up: the next one waiting for its chat, which need not wait for it any more. */
export async function nextWaiting(db: Db, row: OutboxRow): Promise<NextInChat | undefined> {
  const next = rowsOf<{ id: string | number; at: string | Date }>(
    await db.execute(sql`
        select id, next_attempt_at as at from outbox
        where platform = ${row.platform} and tenant = ${row.tenant} and target_id = ${row.targetId}
          and state = 'pending' and id > ${row.id}
        order by id limit 1`),
  )[0];
  return next && { id: Number(next.id), at: new Date(next.at) };
}
