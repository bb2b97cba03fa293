// Feishu counts 5 messages a second to one person or into one group (shared by every bot in it), and 5
// patches a second of one message (230020 past either). The outbox keeps to its own per-chat rate, but the
// live replies this adapter makes go beside it: both take their slot here, so a reply and a notification
// to the same person in the same second do not make Feishu refuse one of them. Per process; a refusal that
// still happens (another replica, another bot in the group) is waited out (RetryLaterError).
import { RetryLaterError } from '../../src/port/index.ts';

export class ReceiverPace {
  private readonly sent = new Map<string, number[]>();

  constructor(
    private readonly count = 5,
    /** A little more than Feishu's second: it counts from when a request arrives, we from when it leaves. */
    private readonly perMs = 1150,
    /** Longer than this and the send is handed back to be tried later instead of waiting here. */
    private readonly maxWaitMs = 3000,
  ) {}

  /** Waits for a slot for `key` (a chat id, or `patch:<message id>`); throws RetryLaterError past maxWaitMs. */
  async take(key: string): Promise<void> {
    const start = Date.now();
    for (;;) {
      const now = Date.now();
      const times = (this.sent.get(key) ?? []).filter((t) => t > now - this.perMs);
      if (times.length < this.count) {
        times.push(now);
        this.sent.set(key, times);
        if (this.sent.size > 5000) this.prune(now);
        return;
      }
      this.sent.set(key, times);
      const wait = times[0]! + this.perMs - now + 1;
      if (now + wait - start > this.maxWaitMs)
        throw new RetryLaterError(`feishu: 5 a second to ${key}, busy for now`, wait);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  private prune(now: number): void {
    for (const [k, times] of this.sent) if (!times.some((t) => t > now - this.perMs)) this.sent.delete(k);
  }
}
