// One contract for both queue drivers: the local one (embedded default) and BullMQ on the real Redis
// (own Redis db number and key prefix, so other tests and developers on the same Redis are not touched).
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { BullQueue } from '../src/queue/bullmq.ts';
import { LocalQueue } from '../src/queue/local.ts';
import { type JobQueue, RunAgainAt } from '../src/queue/types.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/11';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

type Driver = { name: string; make(): JobQueue; cleanup(): Promise<void> };

function localDriver(): Driver {
  return {
    name: 'local',
    make: () => new LocalQueue({ name: 'contract', pollMs: 200 }),
    cleanup: async () => {},
  };
}

/** BullMQ; with `leadMs`, jobs are taken from Redis that early and must still run at their time. */
function bullDriver(leadMs = 0): Driver {
  let prefix = '';
  return {
    name: leadMs ? `bullmq, taken ${leadMs} ms early` : 'bullmq',
    make() {
      prefix ||= `srtest-${randomBytes(4).toString('hex')}`;
      return new BullQueue({ name: 'contract', redisUrl: REDIS_URL, prefix, concurrency: 20, leadMs });
    },
    async cleanup() {
      if (!prefix) return;
      const admin = new BullQueue({ name: 'contract', redisUrl: REDIS_URL, prefix });
      await admin.obliterate();
      await admin.close();
      prefix = '';
    },
  };
}

for (const driver of [localDriver(), bullDriver(), bullDriver(300)]) {
  describe(`queue contract: ${driver.name}`, () => {
    const open: JobQueue[] = [];
    const make = () => {
      const q = driver.make();
      open.push(q);
      return q;
    };
    afterEach(async () => {
      for (const q of open.splice(0)) await q.close().catch(() => {});
      await driver.cleanup();
    });

    it('runs a job at its due time, not before', async () => {
      const q = make();
      const ran = new Map<string, number>();
      await q.start(async (id) => void ran.set(id, Date.now()));
      const at = new Date(Date.now() + 400);
      await q.add([{ id: 'later', at }]);
      await q.add([{ id: 'past', at: new Date(Date.now() - 60_000) }]);
      await until(() => ran.size === 2);
      expect(ran.get('later')!).toBeGreaterThanOrEqual(at.getTime() - 10);
      expect(ran.get('later')!).toBeLessThan(at.getTime() + 2000);
    });

    it('runs the same id added twice once', async () => {
      const q = make();
      const calls: string[] = [];
      await q.start(async (id) => void calls.push(id));
      const at = new Date(Date.now() + 300);
      await q.add([
        { id: '42', at },
        { id: '42', at },
      ]);
      await q.add([{ id: '42', at: new Date(Date.now() + 100) }]);
      await until(() => calls.length >= 1);
      await sleep(800);
      expect(calls).toEqual(['42']);
    });

    it('retries a throwing handler with backoff, and RunAgainAt waits without failing', async () => {
      const q = make();
      let tries = 0;
      let waits = 0;
      let done = false;
      await q.start(async (id) => {
        if (id === 'flaky' && ++tries < 3) throw new Error('platform down');
        if (id === 'slow' && ++waits < 2) throw new RunAgainAt(new Date(Date.now() + 200));
        if (id === 'flaky') done = true;
      });
      await q.add([
        { id: 'flaky', at: new Date() },
        { id: 'slow', at: new Date() },
      ]);
      await until(() => done && waits === 2, 15_000);
      expect(tries).toBe(3);
    });

    it('close waits for running jobs and takes no new ones', async () => {
      const q = make();
      const started: string[] = [];
      const finished: string[] = [];
      await q.start(async (id) => {
        started.push(id);
        await sleep(500);
        finished.push(id);
      });
      await q.add([{ id: 'running', at: new Date() }]);
      await until(() => started.length === 1);
      await q.add([{ id: 'afterwards', at: new Date(Date.now() + 700) }]);
      await q.close();
      expect(finished).toEqual(['running']);
      await sleep(1000);
      expect(started).toEqual(['running']);
    });

    it('wake moves a waiting job sooner or later', async () => {
      const q = make();
      const ran = new Map<string, number>();
      await q.start(async (id) => void ran.set(id, Date.now()));
      const t0 = Date.now();
      // 'later' is moved well before it could be taken (even 300 ms early) on a loaded machine.
      await q.add([
        { id: 'sooner', at: new Date(t0 + 60_000) },
        { id: 'later', at: new Date(t0 + 1200) },
      ]);
      const later = new Date(t0 + 2200);
      await q.wake!([
        { id: 'sooner', at: new Date(t0 + 400) },
        { id: 'later', at: later },
      ]);
      await until(() => ran.size === 2);
      expect(ran.get('sooner')!).toBeGreaterThanOrEqual(t0 + 400 - 10);
      // Not at its old time: a job taken early carries its time, and that moved too.
      expect(ran.get('later')!).toBeGreaterThanOrEqual(later.getTime() - 10);
    });

    it('runs many jobs due at once, each once', async () => {
      const q = make();
      const counts = new Map<string, number>();
      await q.start(async (id) => void counts.set(id, (counts.get(id) ?? 0) + 1));
      const now = new Date();
      const jobs = Array.from({ length: 2000 }, (_, i) => ({ id: `m${i}`, at: now }));
      await Promise.all([q.add(jobs.slice(0, 1200)), q.add(jobs.slice(800))]);
      await until(() => counts.size === 2000, 30_000);
      await sleep(300);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    });
  });
}

describe('BullMQ driver taken early', () => {
  it('waits for a job no longer than its lead, whatever time the job carries', async () => {
    const driver = bullDriver(300);
    const q = driver.make() as BullQueue;
    try {
      const ran = new Map<string, number>();
      await q.start(async (id) => void ran.set(id, Date.now()));
      // A job whose carried time is far off but whose delay has run out (a move half done: its time
      // was written, its delay was not changed). Added straight through BullMQ, as that state would be.
      const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
      const raw = new Queue('contract', { connection, prefix: q.prefix });
      const t0 = Date.now();
      await raw.add('contract', { id: 'stale', at: t0 + 60_000 }, { jobId: BullQueue.jobId('stale') });
      await raw.close();
      connection.disconnect();
      await until(() => ran.has('stale'));
      expect(ran.get('stale')! - t0).toBeLessThan(60_000);
    } finally {
      await q.close();
      await driver.cleanup();
    }
  });
});

describe('local driver on a table', () => {
  it('polls due(limit), and add() wakes it before the next poll', async () => {
    const table = new Map<string, number>([['t1', Date.now() - 1000]]);
    const q = new LocalQueue({
      name: 'table',
      pollMs: 60_000,
      due: async (limit) =>
        [...table]
          .filter(([, at]) => at <= Date.now())
          .slice(0, limit)
          .map(([id, at]) => ({ id, at: new Date(at) })),
    });
    const ran: string[] = [];
    await q.start(async (id) => {
      ran.push(id);
      table.delete(id);
    });
    await until(() => ran.length === 1);
    const at = Date.now() + 200;
    table.set('t2', at);
    await q.add([{ id: 't2', at: new Date(at) }]);
    // Well before the next poll (60 s): the wake-up, not the poll, ran it (generous for a loaded CI machine).
    await until(() => ran.length === 2, 15_000);
    await q.close();
    expect(ran).toEqual(['t1', 't2']);
  });
});
