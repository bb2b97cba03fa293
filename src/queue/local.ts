// The in-process driver, for the embedded default (no Redis). The table is the queue: `due(limit)` reads
// the rows whose time has come (occurrences, outbox), polled every `pollMs`; `add` only wakes the loop
// early when it brings a sooner job. Without `due` (the contract suite) added jobs are kept in memory. One
// pass runs at a time (single-flight); a pass runs up to `concurrency` handlers side by side.
import { backoffMs, type DueJob, type JobQueue, RunAgainAt } from './types.ts';

export type LocalQueueOptions = {
  name: string;
  /** Up to `limit` jobs due now, oldest first. */
  due?: (limit: number) => Promise<DueJob[]>;
  pollMs?: number;
  concurrency?: number;
  batch?: number;
  /** Failures before a job added in memory is given up (table jobs are retried as long as the table says). */
  maxFailures?: number;
  onError?: (err: unknown, id: string) => void;
};

export class LocalQueue implements JobQueue {
  readonly name: string;
  private readonly jobs = new Map<string, number>(); // added in memory: id → due ms
  private readonly notBefore = new Map<string, { at: number; failures: number }>();
  private readonly running = new Set<string>();
  private handler: ((id: string) => Promise<void>) | null = null;
  private pass: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private wakeAt = Number.POSITIVE_INFINITY;
  private tableSoonest = Number.POSITIVE_INFINITY;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly batch: number;

  constructor(private readonly opts: LocalQueueOptions) {
    this.name = opts.name;
    this.pollMs = opts.pollMs ?? 1000;
    this.concurrency = opts.concurrency ?? 8;
    this.batch = opts.batch ?? 200;
  }

  async add(jobs: DueJob[]): Promise<void> {
    if (this.closed) return;
    let soonest = Number.POSITIVE_INFINITY;
    if (this.opts.due) {
      // The table is the queue: a job only says "look sooner".
      for (const j of jobs) soonest = Math.min(soonest, j.at.getTime());
      // Remembered until a pass has looked at the table at or after that time: a timer can fire a
      // millisecond early, and the pass it starts would then find nothing due and wait a whole poll.
      this.tableSoonest = Math.min(this.tableSoonest, soonest);
      if (this.handler && soonest < this.wakeAt) this.schedule(soonest - Date.now());
      return;
    }
    for (const j of jobs) {
      if (this.jobs.has(j.id) || this.running.has(j.id)) continue; // the same id twice is one job
      const at = j.at.getTime();
      this.jobs.set(j.id, at);
      soonest = Math.min(soonest, at);
    }
    if (this.handler && soonest < this.wakeAt) this.schedule(soonest - Date.now());
  }

  async wake(jobs: DueJob[]): Promise<void> {
    for (const j of jobs) this.notBefore.delete(j.id);
    if (!this.opts.due) for (const j of jobs) this.jobs.set(j.id, j.at.getTime());
    await this.add(jobs);
  }

  async start(handler: (id: string) => Promise<void>): Promise<void> {
    this.handler = handler;
    this.closed = false;
    this.schedule(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.pass) await this.pass;
  }

  /** Runs one pass now (and again if work arrived meanwhile); resolves when everything due ran. */
  run(): Promise<void> {
    if (this.pass) {
      this.again = true;
      return this.pass;
    }
    this.pass = (async () => {
      try {
        do {
          this.again = false;
          while (!this.closed && (await this.once()) > 0) {}
        } while (this.again && !this.closed);
      } finally {
        this.pass = null;
        if (!this.closed) this.schedule(this.nextWake() - Date.now());
      }
    })();
    return this.pass;
  }

  private schedule(inMs: number): void {
    if (this.closed || !this.handler) return;
    const delay = Math.max(0, Math.min(inMs, this.pollMs));
    const at = Date.now() + delay;
    if (this.timer && at >= this.wakeAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.wakeAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wakeAt = Number.POSITIVE_INFINITY;
      void this.run();
    }, delay);
    this.timer.unref?.();
  }

  private nextWake(): number {
    let next = Date.now() + this.pollMs;
    for (const at of this.jobs.values()) if (at < next) next = at;
    if (this.tableSoonest < next) next = this.tableSoonest;
    return next;
  }

  /** One batch: the due jobs in memory and from the table, each once. Returns how many ran. */
  private async once(): Promise<number> {
    const now = Date.now();
    const ids: string[] = [];
    const seen = new Set<string>();
    const take = (id: string) => {
      if (seen.has(id) || this.running.has(id)) return;
      const nb = this.notBefore.get(id);
      if (nb && nb.at > now) return;
      seen.add(id);
      ids.push(id);
    };
    for (const [id, at] of [...this.jobs].sort((a, b) => a[1] - b[1])) {
      if (at > now || ids.length >= this.batch) break;
      take(id);
    }
    if (this.opts.due && ids.length < this.batch) {
      try {
        for (const j of await this.opts.due(this.batch)) if (j.at.getTime() <= now) take(j.id);
      } catch (err) {
        this.opts.onError?.(err, '*');
      }
    }
    // Looked at (or failed to look at) the table at `now`: a wake-up requested for then is spent.
    if (this.tableSoonest <= now) this.tableSoonest = Number.POSITIVE_INFINITY;
    if (this.notBefore.size > 10_000)
      for (const [id, nb] of this.notBefore) if (nb.at < now - 600_000) this.notBefore.delete(id);
    if (ids.length === 0) return 0;
    let next = 0;
    const lane = async () => {
      while (next < ids.length && !this.closed) {
        const id = ids[next++]!;
        await this.runOne(id);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, ids.length) }, lane));
    return ids.length;
  }

  private async runOne(id: string): Promise<void> {
    this.running.add(id);
    try {
      await this.handler!(id);
      this.jobs.delete(id);
      this.notBefore.delete(id);
    } catch (err) {
      if (err instanceof RunAgainAt) {
        const at = err.at.getTime();
        if (this.jobs.has(id)) this.jobs.set(id, at);
        this.notBefore.set(id, { at, failures: this.notBefore.get(id)?.failures ?? 0 });
        return;
      }
      this.opts.onError?.(err, id);
      const failures = (this.notBefore.get(id)?.failures ?? 0) + 1;
      if (failures >= (this.opts.maxFailures ?? 10) && this.jobs.has(id)) {
        this.jobs.delete(id);
        this.notBefore.delete(id);
        return;
      }
      const at = Date.now() + backoffMs(failures);
      if (this.jobs.has(id)) this.jobs.set(id, at);
      this.notBefore.set(id, { at, failures });
    } finally {
      this.running.delete(id);
    }
  }
}
