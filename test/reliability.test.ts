// Reliability of reminders on the real PostgreSQL and Redis, with worker processes that can be killed:
// a kill -9 in the middle of a burst, a flushed Redis, and a restart after a downtime. The worker is
// test/fixtures/reminder-worker.ts (the real queue runtime and Delivery) delivering to a fake platform
// that records each message in the table fake_deliveries. Redis: our own db number (13) and key prefix.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.ts';
import { seedBasics } from '../src/db/seed.ts';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';

const REDIS_URL = process.env.TEST_RELIABILITY_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
const prefix = `srrel-${randomBytes(4).toString('hex')}`;
let url: string;
let sql: postgres.Sql;
let redis: Redis;
const workers = new Set<ChildProcess>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

beforeAll(async () => {
  url = await freshDatabaseUrl();
  const database = await openDatabase({ databaseUrl: url });
  await database.migrate();
  await seedBasics(database.db, { name: 'T', locale: 'en', timezone: 'Asia/Shanghai', currency: 'CNY' });
  await database.close();
  sql = postgres(url, { max: 4, onnotice: () => {} });
  await sql`create table fake_deliveries (
    seq bigserial, key text primary key, chat text not null, text text not null, pid int,
    tries int not null default 1, at timestamptz not null default clock_timestamp(), write_id text)`;
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
});

afterEach(async () => {
  for (const w of [...workers]) await stopWorker(w);
});

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  // Our own db number: emptied, as we found it.
  await redis?.flushdb().catch(() => {});
  redis?.disconnect();
  await sql?.end();
  if (url) await dropDatabase(url);
});

function startWorker(extra: Record<string, string> = {}): Promise<ChildProcess> {
  // node --import tsx: one process, so kill -9 kills the worker itself and not a wrapper.
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/reminder-worker.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      FAKE_LATENCY_MS: '5',
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  workers.add(child);
  child.once('exit', () => workers.delete(child));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([gone, sleep(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** n chat reminders; occurrence i due at due(i), to chat chat(i). Returns their occurrence ids. */
async function addReminders(
  tag: string,
  n: number,
  due: (i: number) => Date,
  chat: (i: number) => string,
): Promise<number[]> {
  const rows = Array.from({ length: n }, (_, i) => ({
    number: `RT-${tag}-${i}`,
    text: `${tag} #${i}`,
    chat: chat(i),
    due: due(i).toISOString(),
  }));
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 500) {
    const part = rows.slice(i, i + 500);
    const inserted = await sql<{ id: number }[]>`
      with r as (
        insert into reminders (number, kind, target_kind, target_platform, target_tenant, target_chat_id, text, timezone, urgent)
        select x.number, 'personal', 'chat', 'fakechat', '', x.chat, x.text, 'Asia/Shanghai', true
        from jsonb_to_recordset(${sql.json(part as never)}) as x(number text, text text, chat text, due text)
        returning id, number)
      insert into reminder_occurrences (reminder_id, due_at)
      select r.id, x.due::timestamptz
      from r join jsonb_to_recordset(${sql.json(part as never)}) as x(number text, text text, chat text, due text)
        on x.number = r.number
      returning id`;
    ids.push(...inserted.map((r) => Number(r.id)));
  }
  return ids;
}

async function delivered(tag: string) {
  const [r] = await sql<{ shown: number; repeats: number; twice: number }[]>`
    select count(*)::int as shown, coalesce(sum(tries - 1), 0)::int as repeats,
      count(*) filter (where tries > 1)::int as twice
    from fake_deliveries where text like ${`%${tag} #%`}`;
  return r!;
}

it('kill -9 of a worker in the middle of 1,000 due reminders: a new worker delivers every one, none twice', async () => {
  const tag = 'burst';
  await addReminders(
    tag,
    1000,
    () => new Date(Date.now() - 1000),
    (i) => `k-${i % 100}`,
  );
  const a = await startWorker();
  await until(async () => (await delivered(tag)).shown >= 200, 60_000, 'first 200 delivered');
  a.kill('SIGKILL');
  const killedAt = Date.now();
  const atKill = (await delivered(tag)).shown;
  const b = await startWorker();
  await until(async () => (await delivered(tag)).shown >= 1000, 150_000, 'all 1000 delivered');
  const recoveredMs = Date.now() - killedAt;
  // Sent marks are committed in groups shortly after the platform accepted (src/delivery/sent-marks.ts): wait
  // for the last group rather than read the rows in the instant between.
  await until(
    async () =>
      (
        await sql<
          { n: number }[]
        >`select count(*)::int as n from outbox where state = 'sent' and payload->>'text' like '%burst #%'`
      )[0]!.n >= 1000,
    30_000,
    'all 1000 marked sent',
  );
  const d = await delivered(tag);
  const [state] = await sql<{ fired: number; sent: number; other: number }[]>`
    select (select count(*)::int from reminder_occurrences o join reminders r on r.id = o.reminder_id
              where r.number like 'RT-burst-%' and o.state = 'fired') as fired,
           (select count(*)::int from outbox where state = 'sent' and payload->>'text' like '%burst #%') as sent,
           (select count(*)::int from outbox where state <> 'sent' and payload->>'text' like '%burst #%') as other`;
  console.log(
    `kill -9: ${atKill} delivered at the kill, all 1000 after ${recoveredMs} ms; ` +
      `${d.repeats} re-sent after the kill (idempotency key caught them: shown once)`,
  );
  expect(d.shown).toBe(1000);
  expect(state).toEqual({ fired: 1000, sent: 1000, other: 0 });
  // A re-send can only be a message in flight when the worker died (at most its concurrency).
  expect(d.repeats).toBeLessThanOrEqual(50);
  await stopWorker(b);
}, 240_000);

it('Redis flushed with 1,000 reminders scheduled: all still delivered on time after the rebuild', async () => {
  const tag = 'flush';
  const dueAt = new Date(Date.now() + 20_000);
  const ids = await addReminders(
    tag,
    1000,
    () => dueAt,
    (i) => `f-${i}`,
  );
  const w = await startWorker();
  // All 1,000 waiting in Redis as BullMQ delayed jobs (job id j<occurrence id>) before the flush.
  const jobIds = new Set(ids.map((id) => `j${id}`));
  await until(
    async () =>
      (await redis.zrange(`${prefix}:occurrences:delayed`, '0', '-1')).filter((j) => jobIds.has(j)).length ===
      1000,
    30_000,
    'all enqueued',
  );
  await redis.flushdb();
  const flushedAt = Date.now();
  await until(async () => (await delivered(tag)).shown >= 1000, 150_000, 'all 1000 delivered');
  const d = await delivered(tag);
  const [late] = await sql<{ max: number; min: number; fired: number }[]>`
    select max(extract(epoch from at) * 1000 - ${dueAt.getTime()})::int as max,
           min(extract(epoch from at) * 1000 - ${dueAt.getTime()})::int as min,
           (select max(extract(epoch from fired_at) * 1000 - ${dueAt.getTime()})::int
              from reminder_occurrences where id = any(${ids})) as fired
    from fake_deliveries where text like '%flush #%'`;
  console.log(
    `FLUSHDB ${dueAt.getTime() - flushedAt} ms before due: fired by +${late!.fired} ms, ` +
      `delivered ${late!.min}..${late!.max} ms after the due time`,
  );
  expect(d.shown).toBe(1000);
  expect(d.twice).toBe(0);
  // Rebuilt before the due time: the first went out on time, not a reconcile minute later. (How fast the
  // rest follow is throughput, which the benchmark measures; tests time nothing tighter.)
  expect(late!.min).toBeGreaterThanOrEqual(-50);
  expect(late!.min).toBeLessThan(3000);
  await stopWorker(w);
}, 240_000);

it('a restart after a downtime delivers what fell due meanwhile, at once, marked late, in order', async () => {
  const tag = 'downtime';
  const start = Date.now() - 20 * 60_000;
  // Scheduled before the downtime; the queue lost them (Redis restarted empty).
  await redis.flushdb();
  await addReminders(
    tag,
    30,
    (i) => new Date(start + i * 30_000),
    () => 'late-1',
  );
  const t0 = Date.now();
  const w = await startWorker();
  await until(async () => (await delivered(tag)).shown >= 30, 60_000, 'all 30 delivered');
  const ms = Date.now() - t0;
  const rows = await sql<{ text: string }[]>`
    select text from fake_deliveries where text like '%downtime #%' order by seq`;
  const order = rows.map((r) => Number(/downtime #(\d+)/.exec(r.text)![1]));
  console.log(`restart: 30 overdue reminders delivered ${ms} ms after the worker started`);
  expect(order).toEqual(Array.from({ length: 30 }, (_, i) => i));
  // Those more than 10 minutes late say so; the last ones (under 10 minutes) do not.
  expect(rows[0]!.text).toContain('delivered late');
  expect(rows.at(-1)!.text).not.toContain('delivered late');
  await stopWorker(w);
}, 120_000);
