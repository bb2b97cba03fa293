// Sliding-window counters per conversation (or per webhook key). Only the process that sends for a bot
// counts, so memory is the right place; WeCom's own 45009 answers cover what a restart forgets.
export type Window = { ms: number; max: number };

export class Quota {
  private readonly sent = new Map<string, number[]>();

  constructor(
    private readonly windows: Window[],
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a slot and returns 0, or returns how many ms until one frees up (taking nothing). */
  take(key: string): number {
    const t = this.now();
    const longest = Math.max(...this.windows.map((w) => w.ms));
    const times = (this.sent.get(key) ?? []).filter((x) => x > t - longest);
    let wait = 0;
    for (const w of this.windows) {
      const inWindow = times.filter((x) => x > t - w.ms);
      if (inWindow.length >= w.max) wait = Math.max(wait, inWindow[inWindow.length - w.max]! + w.ms - t + 1);
    }
    if (wait === 0) times.push(t);
    this.sent.set(key, times);
    return wait;
  }

  /** Waits (in process) for a slot: for immediate replies to a person who just typed. */
  async acquire(key: string, maxWaitMs = 60_000): Promise<void> {
    const until = this.now() + maxWaitMs;
    for (;;) {
      const wait = this.take(key);
      if (wait === 0 || this.now() + wait > until) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
