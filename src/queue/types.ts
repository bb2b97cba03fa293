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
}
