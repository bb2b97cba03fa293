// The BullMQ driver (REDIS_URL): each job is a delayed BullMQ job whose job id is derived from the id we
// are given, so adding it twice while it waits is a no-op. The database stays the record: a completed or
// failed job is removed at once (re-adding later just runs an idempotent handler that finds nothing to do),
// and the reconciler re-adds whatever Redis lost.
//
// Lock figures (perf.md: default 30 s locks leave a killed worker's jobs stuck ~62 s):
//   lockDuration 5 s (renewed every 2.5 s while the handler runs), stalledInterval 5 s.
//   A worker killed with -9 stops renewing; its lock expires ≤ 5 s later, and the next stalled check of
//   any other worker (every 5 s) moves the job back to wait: ~10-15 s until it runs again, under the
//   25 s crash-recovery target. maxStalledCount 20: a job may be caught in several crashes and must never
//   be failed for that (handlers are idempotent). The cost: an event loop blocked > 5 s makes a healthy
//   job look stalled and run twice at once, which the handlers' database claims make harmless.
//
// Taken early (`leadMs`): BullMQ starts the first of many jobs due at one moment a few hundred ms late
// (it moves them from delayed to wait 1,000 at a time, each with its event; 200-350 ms for 20,000 here).
// With a lead, a job leaves the delayed set that much before its time and its handler is called at the
// time itself: that moving is done before the moment, not in front of the first job.
import { randomUUID } from 'node:crypto';
import { DelayedError, Job, Queue, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import pLimit from 'p-limit';
import { type DueJob, type JobQueue, RunAgainAt } from './types.ts';

export type BullQueueOptions = {
  name: string;
  redisUrl: string;
  /** Key prefix, so tests and benchmarks can share one Redis. Default 'sr'. */
  prefix?: string;
  concurrency?: number;
  lockMs?: number;
  stalledMs?: number;
  /** Tries for a handler that throws (not RunAgainAt) before BullMQ gives the job up; the reconciler re-adds it. */
  attempts?: number;
  /** Jobs are taken from Redis up to this long before their time; the handler still runs at it. Default 0. */
  leadMs?: number;
  onError?: (err: unknown, id: string) => void;
};

/** What a job carries: our id and, since leads, its time (older jobs have none: they run when taken). */
type JobData = { id: string; at?: number };

export function redisConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra });
}

const ADD_CHUNK = 500;
/** addBulk calls in flight at once (see add). */
const ADD_LANES = 4;

export class BullQueue implements JobQueue {
  readonly name: string;
  readonly prefix: string;
  private readonly conn: Redis;
  private readonly queue: Queue;
  private worker: Worker | null = null;

  constructor(private readonly opts: BullQueueOptions) {
    this.name = opts.name;
    this.prefix = opts.prefix ?? 'sr';
    this.conn = redisConnection(opts.redisUrl);
    this.conn.on('error', () => {}); // reconnects by itself; callers see failed commands
    this.queue = new Queue(opts.name, { connection: this.conn, prefix: this.prefix });
    this.queue.on('error', () => {});
  }

  private get leadMs(): number {
    return this.opts.leadMs ?? 0;
  }

  /** The BullMQ delay for a job due at `at`: taken `leadMs` early. */
  private delayFor(at: Date, now = Date.now()): number {
    return Math.max(0, at.getTime() - now - this.leadMs);
  }

  /** BullMQ refuses integer ids and ':'; ours are mapped one to one. */
  static jobId(id: string): string {
    return `j${id.replaceAll(':', '_')}`;
  }

  async add(jobs: DueJob[]): Promise<void> {
    const now = Date.now();
    // A few chunks in flight: this process builds the next while Redis runs the last (a rebuild of
    // 100,000 jobs after Redis lost them is the case that counts).
    const lanes = pLimit(ADD_LANES);
    const chunks: Promise<void>[] = [];
    for (let i = 0; i < jobs.length; i += ADD_CHUNK) {
      const chunk = jobs.slice(i, i + ADD_CHUNK);
      chunks.push(lanes(() => this.addChunk(chunk, now)));
    }
    await Promise.all(chunks);
  }

  private async addChunk(jobs: DueJob[], now: number): Promise<void> {
    await this.queue.addBulk(
      jobs.map((j) => ({
        name: this.name,
        data: { id: j.id, at: j.at.getTime() } satisfies JobData,
        opts: {
          jobId: BullQueue.jobId(j.id),
          delay: this.delayFor(j.at, now),
          attempts: this.opts.attempts ?? 8,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: true,
          removeOnFail: true,
        },
      })),
    );
  }

  async wake(jobs: DueJob[]): Promise<void> {
    const missing: DueJob[] = [];
    for (const j of jobs) {
      const job = await Job.fromId(this.queue, BullQueue.jobId(j.id));
      if (!job) {
        missing.push(j);
        continue;
      }
      if (await job.isDelayed()) {
        await this.moveDelayed(job, j).catch(() => {});
      } else if (await job.isActive()) {
        // Running right now, perhaps about to put itself off: look once more in a moment.
        setTimeout(() => {
          void Job.fromId(this.queue, BullQueue.jobId(j.id))
            .then(async (again) => {
              if (again && (await again.isDelayed())) await this.moveDelayed(again, j);
            })
            .catch(() => {});
        }, 100).unref();
      }
    }
    if (missing.length) await this.add(missing);
  }

  /** A delayed job to its new time; taken early, it carries that time too (its handler waits for it). */
  private async moveDelayed(job: Job, j: DueJob): Promise<void> {
    if (this.leadMs) await job.updateData({ id: j.id, at: j.at.getTime() } satisfies JobData);
    await job.changeDelay(this.delayFor(j.at));
  }

  async start(handler: (id: string) => Promise<void>): Promise<void> {
    if (this.worker) return;
    const lockMs = this.opts.lockMs ?? 5000;
    this.worker = new Worker(
      this.name,
      async (job: Job, token?: string) => {
        const { id, at } = job.data as JobData;
        try {
          // Taken early (leadMs): run at the job's time. The lock is renewed meanwhile, as for any job.
          // Never longer than the lead, whatever time the job carries (a half-done move, an older job).
          const early = Math.min((at ?? 0) - Date.now(), this.leadMs);
          if (early > 0) await new Promise((r) => setTimeout(r, early));
          await handler(id);
        } catch (err) {
          if (err instanceof RunAgainAt) {
            // Same job, later, without counting an attempt.
            await job.moveToDelayed(Math.max(err.at.getTime(), Date.now()), token);
            throw new DelayedError();
          }
          this.opts.onError?.(err, id);
          throw err;
        }
      },
      {
        connection: this.conn.duplicate(),
        prefix: this.prefix,
        concurrency: this.opts.concurrency ?? 50,
        lockDuration: lockMs,
        stalledInterval: this.opts.stalledMs ?? 5000,
        maxStalledCount: 20,
        drainDelay: 1,
      },
    );
    this.worker.on('error', () => {});
    await this.worker.waitUntilReady();
  }

  async close(): Promise<void> {
    if (this.worker) await this.worker.close();
    this.worker = null;
    await this.queue.close();
    this.conn.disconnect();
  }

  /** A key that disappears with the data: when it changed, Redis lost our jobs. */
  async generation(): Promise<string> {
    const key = `${this.prefix}:${this.name}:generation`;
    await this.conn.set(key, randomUUID(), 'NX');
    return (await this.conn.get(key)) ?? '';
  }

  /** Jobs waiting, delayed or running (benchmarks, health checks). */
  async size(): Promise<number> {
    const c = await this.queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  /** Removes every job of this queue (tests and benchmarks only). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }
}
