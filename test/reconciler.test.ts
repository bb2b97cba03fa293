// The reconciler hands the queue what was committed since its last look, judged by transaction (the
// look's snapshot), not by id: a transaction that took a lower id and commits after a later one was
// handed over is still handed over, nothing is handed over twice by the looks, and nothing is written
// back per occurrence. Real PostgreSQL and the real BullMQ driver on Redis (db 12, a prefix of its own).
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { BullQueue } from '../src/queue/bullmq.ts';
import { Reconciler } from '../src/queue/reconciler.ts';
import { useMigratedDatabase } from './helpers/pg.ts';

const REDIS_URL = process.env.TEST_RECONCILER_REDIS_URL ?? 'redis://127.0.0.1:6379/12';
const prefix = `srrec-${randomBytes(4).toString('hex')}`;
const fresh = useMigratedDatabase();
let sql: postgres.Sql;
let redis: Redis;
let occurrences: BullQueue;
let outbox: BullQueue;
let n = 0;

beforeAll(async () => {
  sql = postgres(fresh.url, { max: 4, onnotice: () => {} });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  occurrences = new BullQueue({ name: 'occurrences', redisUrl: REDIS_URL, prefix });
  outbox = new BullQueue({ name: 'outbox', redisUrl: REDIS_URL, prefix });
});
afterAll(async () => {
  await occurrences?.close();
  await outbox?.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis?.disconnect();
  await sql?.end();
});
beforeEach(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await sql`delete from reminder_occurrences`;
  await sql`delete from reminders`;
});

function reconciler(): Reconciler {
  return new Reconciler({ db: fresh.database.db, occurrences, outbox, log: pino({ level: 'silent' }) });
}

/** One reminder due tomorrow, written through `q` (a connection in a transaction, or autocommit). */
async function schedule(q: postgres.Sql | postgres.TransactionSql): Promise<number> {
  n++;
  const [row] = await q<{ id: string }[]>`
    with r as (
      insert into reminders (number, kind, target_kind, target_platform, target_tenant, target_chat_id, text,
        timezone, urgent)
      values (${`RC-${n}`}, 'personal', 'chat', 'fake', '', 'c', ${`#${n}`}, 'Asia/Shanghai', true)
      returning id)
    insert into reminder_occurrences (reminder_id, due_at)
    select id, now() + interval '1 day' from r returning id`;
  return Number(row!.id);
}

/** Occurrence ids waiting in Redis as delayed jobs (job id j<id>). */
async function queued(): Promise<number[]> {
  const jobs = await redis.zrange(`${prefix}:occurrences:delayed`, '0', '-1');
  return jobs.map((j) => Number(j.slice(1))).sort((a, b) => a - b);
}

it('a transaction that took a lower id and commits after a later one was handed over is still handed over', async () => {
  const r = reconciler();
  await r.kick(); // the first look: nothing scheduled yet
  // A holds a lower id and is still open while B (a higher id) commits and is handed over.
  let idA = 0;
  let releaseA: () => void = () => {};
  const aOpen = new Promise<void>((resolve) => {
    releaseA = resolve;
  });
  let aWritten: () => void = () => {};
  const aHasId = new Promise<void>((resolve) => {
    aWritten = resolve;
  });
  const txA = sql.begin(async (tx) => {
    idA = await schedule(tx);
    aWritten();
    await aOpen;
  });
  await aHasId;
  const idB = await schedule(sql);
  expect(idA).toBeLessThan(idB);
  await r.kick();
  expect(await queued()).toEqual([idB]);
  releaseA();
  await txA;
  await r.kick();
  expect(await queued()).toEqual([idA, idB]);
  // Each handed over once; a look with nothing new adds nothing.
  await r.kick();
  expect(r.stats.occurrencesAdded).toBe(2);
  // Nothing was written back to the occurrences (no per-row bookkeeping for the queue).
  const [fresh] = await sql<{ n: number }[]>`
    select count(*)::int as n from reminder_occurrences where xmin::text::bigint <> (written_by::text::bigint % 4294967296)`;
  expect(fresh!.n).toBe(0);
});

it("another process's first look takes every scheduled occurrence, not the fired or cancelled ones", async () => {
  const ids = [await schedule(sql), await schedule(sql), await schedule(sql)];
  await sql`update reminder_occurrences set state = 'fired' where id = ${ids[1]!}`;
  await sql`update reminder_occurrences set state = 'cancelled' where id = ${ids[2]!}`;
  const other = reconciler();
  await other.kick();
  expect(await queued()).toEqual([ids[0]]);
  // What a process wrote and could not hand over (it crashed after its commit) is picked up by the next
  // look of any other process.
  const orphan = await schedule(sql);
  await other.kick();
  expect(await queued()).toEqual([ids[0], orphan]);
});

it('kick() resolves once what was committed before the call is in the queue, also during a running look', async () => {
  const r = reconciler();
  await r.kick();
  const ids: number[] = [];
  const kicks: Promise<void>[] = [];
  for (let i = 0; i < 20; i++) {
    ids.push(await schedule(sql));
    const mine = ids.at(-1)!;
    kicks.push(
      r.kick().then(async () => {
        expect(await queued()).toContain(mine);
      }),
    );
  }
  await Promise.all(kicks);
  expect(await queued()).toEqual(ids);
  // Calls made while a look runs share the next one: ten calls at once cost the look they start and
  // one more, however fast the machine is.
  const before = r.stats.kicks;
  ids.push(await schedule(sql));
  await Promise.all(Array.from({ length: 10 }, () => r.kick()));
  expect(r.stats.kicks - before).toBe(2);
  expect(await queued()).toEqual(ids);
});

it('a look whose jobs could not be added (Redis refused) is read again by the next look', async () => {
  // The real queue, refusing once as Redis does while it is away.
  let refuse = true;
  const flaky = {
    name: occurrences.name,
    add: async (jobs: Parameters<BullQueue['add']>[0]) => {
      if (refuse) {
        refuse = false;
        throw new Error('Connection is closed.');
      }
      await occurrences.add(jobs);
    },
    start: (h: (id: string) => Promise<void>) => occurrences.start(h),
    close: async () => {},
  };
  const r = new Reconciler({
    db: fresh.database.db,
    occurrences: flaky,
    outbox,
    log: pino({ level: 'silent' }),
  });
  await r.kick();
  const id = await schedule(sql);
  await r.kick(); // refused: nothing in Redis, and the look is not counted as done
  expect(await queued()).toEqual([]);
  await r.kick();
  expect(await queued()).toEqual([id]);
});

it('a row written already claimed gets a job only when its lease is about to run out; a pending one at once', async () => {
  await sql`delete from outbox`;
  const write = (state: 'pending' | 'sending', leaseS: number) => sql<{ id: string }[]>`
    insert into outbox (platform, tenant, target_kind, target_id, op, payload, state, attempts, next_attempt_at)
    values ('fake', '', 'chat', 'c', 'post', '{"text":"x"}', ${state}, ${state === 'sending' ? 1 : 0},
      now() + make_interval(secs => ${leaseS}))
    returning id`;
  const r = reconciler(); // checks every 5 s
  const [pending] = await write('pending', 0);
  await write('sending', 15); // claimed, its lease far off
  const [ending] = await write('sending', 3);
  const outboxJobs = async () =>
    (await redis.zrange(`${prefix}:outbox:delayed`, '0', '-1'))
      .concat(await redis.lrange(`${prefix}:outbox:wait`, '0', '-1'))
      .map((j) => Number(j.slice(1)))
      .sort((a, b) => a - b);
  await r.kick();
  // The claimed rows are their writer's to send: no job each (a burst would churn the queue for nothing).
  expect(await outboxJobs()).toEqual([Number(pending!.id)]);
  // A check: the row whose lease ends before the next check gets a job at that time, in case its worker
  // died; the other waits for a later check.
  await r.requeueStale();
  expect(await outboxJobs()).toEqual([Number(pending!.id), Number(ending!.id)]);
  const q = new Queue('outbox', { connection: redis, prefix });
  const job = await q.getJob(`j${ending!.id}`);
  await q.close();
  const [row] = await sql<{ at: Date }[]>`select next_attempt_at as at from outbox where id = ${ending!.id}`;
  expect(Math.abs(job!.timestamp + job!.delay - row!.at.getTime())).toBeLessThan(1000);
  await sql`delete from outbox`;
});
