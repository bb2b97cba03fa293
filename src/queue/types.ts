// The delivery mechanism for things due at a time. Two drivers pass one contract suite: BullMQ on Redis
// (REDIS_URL) and a local driver that polls PostgreSQL (the embedded default). The schedule itself is data
// in PostgreSQL; a queue only says "now". Losing the queue loses nothing: the reconciler re-adds what is due.

export type DueJob = { id: string; at: Date };

export interface JobQueue {
  readonly name: string;
  /** Due at `at`, or at once if that is past. The same id twice is one job. */
  add(jobs: DueJob[]): Promise<void>;
  /** Runs `handler` for each due job; a throw retries later with backoff. Handlers must be idempotent. */
  start(handler: (id: string) => Promise<void>): Promise<void>;
  /** Stops taking jobs and waits for the running ones. */
  close(): Promise<void>;
  /**
   * An id of the queue's storage that changes when that storage was lost (Redis flushed or restarted), so
   * the reconciler knows to re-add everything. Drivers whose storage is the database itself omit it.
   */
  generation?(): Promise<string>;
  /** Moves jobs already queued to a new time (sooner or later); adds those it does not hold. */
  wake?(jobs: DueJob[]): Promise<void>;
}

/**
 * Thrown by a handler: run this same job again at `at`, and do not count it as a failure (a rate limit,
 * a lease held by another worker, a platform's Retry-After).
 */
export class RunAgainAt extends Error {
  constructor(readonly at: Date) {
    super(`run again at ${at.toISOString()}`);
  }
}

/**
 * Retry delay after the n-th failure (1-based): `baseMs`, then × `factor` each time, capped at `capMs`.
 * Default 1 s, 2 s, 4 s … up to 5 minutes.
 */
export function backoffMs(failures: number, baseMs = 1000, factor = 2, capMs = 300_000): number {
  return Math.min(baseMs * factor ** Math.max(0, failures - 1), capMs);
}
