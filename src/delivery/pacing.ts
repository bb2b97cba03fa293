// Pacing: when a row may be sent under its chat's and its platform's rate limits. The shared limits
// (src/queue/limits.ts, through Redis when there is one) count from when a slot was taken, which a busy
// process can be late to use; so messages are also spaced from when this process really sent the previous
// one to the chat. A message waits for its turn, never drops.
import { chatKey, type OutboxRow } from '../core/outbox.ts';
import type { Limits } from '../queue/limits.ts';

/** How long a worker waits out a chat's rate limit itself before handing the rest to the queue. */
export const HOLD_MS = 10_000;
/**
 * A held message wakes this much before its chat's next slot, takes the shared slot, and leaves at the
 * slot's time: the take's round trip to Redis and the wait for a send place come before that time
 * instead of after it. Without it every message of a busy chat left ~20 ms after its slot, and those
 * add up over a chat's messages.
 */
export const PACE_EARLY_MS = 25;

export class Pacing {
  /** When this process last sent to each chat (entries older than a minute are dropped). */
  private readonly lastPost = new Map<string, number>();
  private prunedAt = 0;

  constructor(readonly limits: Limits) {}

  /**
   * Takes the row's slot of its chat's and platform's limits: 0, or how long to wait (nothing taken).
   * With `earlyMs`, the slot may be taken that much before this process's own spacing ends (post waits
   * out the rest, see waitTurn).
   */
  async slotFor(row: OutboxRow, earlyMs = 0): Promise<number> {
    if (row.op !== 'post') return 0;
    const paced = this.pacedMs(row);
    if (paced > earlyMs) return paced - earlyMs;
    return this.limits.take(row.platform, `${row.tenant}/${row.targetKind}/${row.targetId}`);
  }

  /**
   * Right before a post: a slot taken early (PACE_EARLY_MS) leaves at its time, not before (a timer may
   * fire a little early); then the time it really left paces the chat's next message.
   */
  async waitTurn(row: OutboxRow): Promise<void> {
    for (let early = this.pacedMs(row); early > 0; early = this.pacedMs(row))
      await new Promise((r) => setTimeout(r, early));
    this.notePost(chatKey(row));
  }

  /** How long until this process's spacing lets the row's chat have its next message (≤ 0: now). */
  private pacedMs(row: OutboxRow): number {
    return (this.lastPost.get(chatKey(row)) ?? 0) + this.limits.spacingMs(row.platform) - Date.now();
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
}
