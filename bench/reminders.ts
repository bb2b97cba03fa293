// npm run bench:reminders — the scheduling, delivery, burst, crash, Redis-loss and PostgreSQL-restart rows
// of ../shared/perf.md, each beside a baseline measured in the same run, with the ratio and the verdict.
// Uses the machine's PostgreSQL (a database of its own, dropped at the end; at most ~30 connections, as the
// server is shared) and Redis (db 15, own prefix).
// Sizes default to a fraction of perf.md's so one run takes a few minutes on a shared machine; --full
// uses perf.md's workloads. --pg-restart also runs the PostgreSQL-restart row: it restarts the machine's
// PostgreSQL (immediate mode), which every other user of it notices, so it is off by default.
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import postgres from 'postgres';
import { openDatabase, type Queryable } from '../src/db/client.ts';
import { seedBasics } from '../src/db/seed.ts';
import { Delivery } from '../src/delivery/index.ts';
import { QueueRuntime } from '../src/queue/runtime.ts';
import { createReminder } from '../src/schedule/create.ts';

const args = process.argv.slice(2);
const full = args.includes('--full');
const pgRestart = args.includes('--pg-restart');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const N = {
  scheduling: full ? 50_000 : 5_000,
  delivery: full ? 50_000 : 5_000,
  burst: full ? 20_000 : 2_000,
  burstChats: full ? 2_000 : 200,
  crash: 1_000,
  redisLoss: full ? 100_000 : 20_000,
  baseline: full ? 20_000 : 5_000,
};
const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const prefix = `srbench-${randomBytes(3).toString('hex')}`;
const log = pino({ level: 'warn' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : Number.NaN;
};
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d });
type Row = {
  name: string;
  figure: string;
  baseline: string;
  ratio: string;
  target: string;
  met: boolean | null;
};
const rows: Row[] = [];
function report(r: Row) {
  rows.push(r);
  console.log(
    `\n## ${r.name}\n  ${r.figure}\n  baseline: ${r.baseline}\n  ratio: ${r.ratio}\n  target: ${r.target} → ${r.met === null ? 'not judged' : r.met ? 'MET' : 'NOT MET'}`,
  );
}

// ------------------------------------------------------------------------------------------ setup
const dbName = `sr_bench_${randomBytes(4).toString('hex')}`;
const admin = postgres(ADMIN, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${dbName}`);
const url = new URL(ADMIN);
url.pathname = `/${dbName}`;
const DATABASE_URL = url.toString();
const database = await openDatabase({
  databaseUrl: DATABASE_URL,
  maxConnections: Number(process.env.BENCH_POOL ?? 10),
});
await database.migrate();
await seedBasics(database.db, { name: 'Bench', locale: 'en', timezone: 'Asia/Shanghai', currency: 'CNY' });
const sql = postgres(DATABASE_URL, { max: 8, onnotice: () => {} });
await sql`create table fake_deliveries (seq bigserial, key text primary key, chat text not null, text text not null,
  pid int, tries int not null default 1, at timestamptz not null default clock_timestamp(), write_id text)`;
await sql`create table bare_done (job text primary key, tries int not null default 1, at timestamptz not null default clock_timestamp())`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
await redis.flushdb();
/** Messages one worker has on their way at once in the delivery and burst rows (DELIVERY_CONCURRENCY). */
const sendPlaces = process.env.BENCH_CONCURRENCY ?? '800';
const children = new Set<ChildProcess>();

function child(script: string, env: Record<string, string>): Promise<ChildProcess> {
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to the worker processes only.
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const c = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    env: {
      ...process.env,
      DATABASE_URL,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(c);
  c.once('exit', () => children.delete(c));
  return new Promise((resolve, reject) => {
    c.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve(c));
    c.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
}
async function stop(c: ChildProcess) {
  if (c.exitCode !== null) return;
  const gone = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await Promise.race([gone, sleep(8000)]);
  if (c.exitCode === null) c.kill('SIGKILL');
}
async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) return false;
    await sleep(200);
  }
  return true;
}
async function addReminders(tag: string, n: number, due: (i: number) => Date, chat: (i: number) => string) {
  for (let i = 0; i < n; i += 2000) {
    const part = Array.from({ length: Math.min(2000, n - i) }, (_, k) => ({
      number: `RB-${tag}-${i + k}`,
      text: `${tag} #${i + k}`,
      chat: chat(i + k),
      due: due(i + k).toISOString(),
    }));
    await sql`
      with x as (select * from jsonb_to_recordset(${sql.json(part as never)}) as x(number text, text text, chat text, due text)),
      r as (insert into reminders (number, kind, target_kind, target_platform, target_tenant, target_chat_id, text, timezone, urgent)
            select number, 'personal', 'chat', 'fakechat', '', chat, text, 'Asia/Shanghai', true from x returning id, number)
      insert into reminder_occurrences (reminder_id, due_at) select r.id, x.due::timestamptz from r join x using (number)`;
  }
}
// Each row starts from an empty table (reset), so a plain count is the row's count; polled every 200 ms
// at most, so the polling costs the machine little while it is measured.
const count = async (_tag: string) =>
  Number((await sql`select count(*)::int as n from fake_deliveries`)[0]!.n);
async function reset() {
  for (const c of [...children]) await stop(c);
  await redis.flushdb();
  await sql`truncate fake_deliveries, bare_done`;
  await sql`delete from outbox`;
  await sql`delete from reminder_occurrences`;
  await sql`delete from reminders`;
}

// ------------------------------------------------------------------------------------------ baselines
/** Bare BullMQ: n jobs, each one insert transaction, c=50, in a child process; jobs/s. */
async function bareThroughput(n: number): Promise<number> {
  const q = new Queue('bare', { connection: redis, prefix });
  const w = await child('test/fixtures/bare-worker.ts', {});
  const t0 = Date.now();
  for (let i = 0; i < n; i += 500)
    await q.addBulk(
      Array.from({ length: Math.min(500, n - i) }, (_, k) => ({
        name: 'b',
        data: {},
        opts: { jobId: `b${i + k}` },
      })),
    );
  await until(async () => Number((await sql`select count(*)::int as n from bare_done`)[0]!.n) >= n, 600_000);
  const rate = (n * 1000) / (Date.now() - t0);
  await stop(w);
  await q.obliterate({ force: true });
  await q.close();
  await sql`truncate bare_done`;
  return rate;
}
/**
 * The database's floor for firing a burst: n occurrences due now, each marked fired and given one outbox
 * row, in batches of 500 by 2 connections (as the worker fires), one statement per batch and nothing else
 * (no queue, no hooks, no rendering, no sends). ms from the first batch until the last is committed.
 */
async function bareFiring(n: number, chats: number): Promise<number> {
  await addReminders(
    'floor',
    n,
    () => new Date(Date.now() - 1000),
    (i) => `f-${i % chats}`,
  );
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      for (;;) {
        const [r] = await sql`
          with f as (
            update reminder_occurrences o set state = 'fired', fired_at = now()
            where id in (select id from reminder_occurrences where state = 'scheduled' and due_at <= now()
                         order by due_at, id limit 500 for update skip locked)
            returning o.id, o.reminder_id),
          x as (
            insert into outbox (platform, tenant, target_kind, target_id, payload, state, next_attempt_at)
            select r.target_platform, r.target_tenant, 'chat', r.target_chat_id,
              jsonb_build_object('text', r.text), 'pending', now()
            from f join reminders r on r.id = f.reminder_id returning 1)
          select count(*)::int as n from x`;
        if (!r!.n) break;
      }
    }),
  );
  const ms = Date.now() - t0;
  await sql`delete from outbox`;
  await sql`delete from reminder_occurrences`;
  await sql`delete from reminders`;
  return ms;
}
/** pgbench-like single-row idempotent inserts, 32 clients, for `ms`; tps. */
async function pgInserts(ms: number): Promise<number> {
  await sql`create table if not exists pgb (id bigint primary key, v text)`;
  let done = 0;
  let next = 0;
  const end = Date.now() + ms;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (Date.now() < end) {
        await sql`insert into pgb values (${next++}, 'x') on conflict do nothing`;
        done++;
      }
    }),
  );
  await sql`drop table pgb`;
  return (done * 1000) / ms;
}
/** Bare BullMQ delayed jobs all due at one instant: lateness p99 of a no-op worker. */
async function bareLateness(n: number): Promise<number> {
  const q = new Queue('late', { connection: redis, prefix });
  const due = Date.now() + 4000;
  const late: number[] = [];
  const w = new Worker(
    'late',
    async (job) => void late.push(Date.now() - (job.data as { due: number }).due),
    {
      connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
      prefix,
      concurrency: 50,
    },
  );
  for (let i = 0; i < n; i += 500)
    await q.addBulk(
      Array.from({ length: Math.min(500, n - i) }, (_, k) => ({
        name: 'l',
        data: { due },
        opts: { jobId: `l${i + k}`, delay: due - Date.now(), removeOnComplete: true },
      })),
    );
  await until(async () => late.length >= n, 120_000);
  await w.close();
  await q.obliterate({ force: true });
  await q.close();
  return pct(late, 99);
}

const want = (name: string) => !only || only.includes(name);
console.log(
  `bench:reminders ${full ? '(perf.md sizes)' : '(reduced sizes; --full for perf.md)'} on ${dbName}, Redis ${REDIS_URL} prefix ${prefix}`,
);
console.log(`load average at start: ${execSync('cat /proc/loadavg').toString().trim()}`);
const bareRate = await bareThroughput(N.baseline);
const insertTps = await pgInserts(3000);
console.log(
  `baselines: bare BullMQ one-insert worker ${fmt(bareRate)} jobs/s; single-row inserts (32 clients) ${fmt(insertTps)} tps`,
);

try {
  // ---------------------------------------------------------------------------------------- scheduling
  /** One personal reminder to a fake chat, due tomorrow: in a transaction of its own (as a command makes
   * it) or, with `alone`, as the single statement createReminder is. */
  const createOne = (chat: string, text: string, k: number, alone = false) => {
    const create = (db: Queryable) =>
      createReminder(
        db,
        {
          kind: 'personal',
          target: { kind: 'chat', platform: 'fakechat', tenant: '', chatId: `${chat}-${k % 500}` },
          text: `${text} #${k}`,
          timezone: 'Asia/Shanghai',
          urgent: true,
        },
        [new Date(Date.now() + 86_400_000)],
      );
    return alone ? create(database.db) : database.db.transaction(create);
  };
  /** Runs `one(k)` for k = 0 … n − 1 from 32 callers; per second. */
  async function closedLoop(n: number, one: (k: number) => Promise<unknown>): Promise<number> {
    let next = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < n) await one(next++);
      }),
    );
    return (n * 1000) / (Date.now() - t0);
  }
  if (want('scheduling')) {
    const runtime = new QueueRuntime(database.db, log, { redisUrl: REDIS_URL, prefix });
    runtime.attach(new Delivery(database.db, log, { limits: runtime.limits }));
    await runtime.reconciler.kick(); // a process's first look (start() does it); not part of the rate
    /**
     * n creations by 32 callers, each followed by kick() without waiting for it, as the app does after a
     * command. Commit → queued: from the creation's commit until the look covering it has its job in
     * Redis (kick()'s promise). `alone`: createReminder on its own (one atomic statement), else inside a
     * transaction of the caller's.
     */
    async function creations(tag: string, n: number, alone: boolean) {
      const before = Number(await redis.zcard(`${prefix}:occurrences:delayed`));
      const lat: number[] = [];
      const rate = await closedLoop(n, async (k) => {
        await createOne(tag, tag, k, alone);
        const committed = Date.now();
        void runtime.reconciler.kick().then(() => lat.push(Date.now() - committed));
      });
      await runtime.reconciler.kick();
      const left = n - (Number(await redis.zcard(`${prefix}:occurrences:delayed`)) - before);
      return { rate, p50: pct(lat, 50), p99: pct(lat, 99), left };
    }
    // The service call (createReminder makes a reminder atomically by itself), then the same call inside
    // a caller's transaction (a command's: that transaction is the caller's cost, which the commands row
    // measures); both 50,000 at perf.md size.
    const call = await creations('s', N.scheduling, true);
    const inTx = await creations('t', N.scheduling, false);
    await runtime.close();
    // Where the time goes in a transaction: the same creations without the kick, and the bare floor of
    // such a creation (a transaction of two single-row inserts through postgres.js).
    const part = Math.ceil(N.scheduling / 5);
    const noKick = await closedLoop(part, (k) => createOne('n', 'nokick', k));
    await sql`create table two_a (id bigserial primary key, v text)`;
    await sql`create table two_b (id bigserial primary key, a bigint, at timestamptz)`;
    const twoInserts = await closedLoop(part, () =>
      sql.begin(async (tx) => {
        const [a] = await tx`insert into two_a (v) values ('x') returning id`;
        await tx`insert into two_b (a, at) values (${a!.id}, now())`;
      }),
    );
    await sql`drop table two_a, two_b`;
    report({
      name: `scheduling (${fmt(N.scheduling)} reminders through createReminder, 32 callers, kick() after each commit, not waited for)`,
      figure: `${fmt(call.rate)} reminders/s; commit → queued p50 ${fmt(call.p50)} ms, p99 ${fmt(call.p99)} ms; ${call.left} left unqueued. Inside a caller's transaction: ${fmt(inTx.rate)}/s, p99 ${fmt(inTx.p99)} ms, ${inTx.left} left (without the kick: ${fmt(noKick)}/s; a bare transaction of two inserts: ${fmt(twoInserts)}/s, so ${(inTx.rate / twoInserts).toFixed(2)} × that floor)`,
      baseline: `single-row inserts ${fmt(insertTps)} tps (32 clients)`,
      ratio: `${(call.rate / insertTps).toFixed(2)} × inserts`,
      target: '≥ 4,000/s; commit → queued p99 ≤ 200 ms',
      met: call.rate >= 4000 && call.p99 <= 200 && call.left === 0,
    });
    await reset();
  }

  // ---------------------------------------------------------------------------------------- delivery
  if (want('delivery')) {
    // All due at one instant a little after the worker is up, so the figure is firing and delivering
    // (due → last message at the platform), not start-up or the catch-up after a downtime.
    const due = new Date(Date.now() + (full ? 25_000 : 10_000));
    await addReminders(
      'deliv',
      N.delivery,
      () => due,
      (i) => `d-${i}`,
    );
    const w = await child('test/fixtures/reminder-worker.ts', {
      FAKE_LATENCY_MS: '20',
      QUEUE_CONCURRENCY: '50',
      DELIVERY_CONCURRENCY: sendPlaces,
    });
    const early = due.getTime() - Date.now();
    await until(async () => (await count('deliv')) >= N.delivery, 900_000);
    const [span] =
      await sql`select extract(epoch from max(at) - ${due}::timestamptz) * 1000 as ms from fake_deliveries`;
    const rate = (N.delivery * 1000) / Number(span!.ms);
    const [fired] = await sql`select
      percentile_disc(0.5) within group (order by extract(epoch from fired_at - due_at) * 1000) as p50,
      max(extract(epoch from fired_at - due_at) * 1000) as max from reminder_occurrences`;
    const [dup] = await sql`select count(*)::int as n from fake_deliveries where tries > 1`;
    const perSecond =
      await sql`select floor(extract(epoch from at - ${due}::timestamptz))::int as s, count(*)::int as n
      from fake_deliveries group by 1 order by 1`;
    const [retried] = await sql`select count(*) filter (where attempts > 1)::int as n from outbox`;
    console.log(
      `  messages per second after due: ${perSecond.map((r) => `${r.s}s ${r.n}`).join(', ')}; outbox rows sent on a later attempt: ${retried!.n}`,
    );
    await stop(w);
    report({
      name: `delivery (${fmt(N.delivery)} reminders due at once, fired and delivered, fake platform answering in 20 ms, one worker process: 50 jobs and ${sendPlaces} messages in flight)`,
      figure: `${fmt(rate)} deliveries/s (due → last message ${fmt(Number(span!.ms))} ms; fired p50 +${fmt(Number(fired!.p50))} ms, last +${fmt(Number(fired!.max))} ms; worker ready ${fmt(early)} ms before due); ${dup!.n} repeats`,
      baseline: `bare BullMQ worker, one insert per job: ${fmt(bareRate)} jobs/s`,
      ratio: `${(rate / bareRate).toFixed(2)} × bare`,
      target: '≥ 3,000/s and ≥ 0.7 × bare',
      met: rate >= 3000 && rate >= 0.7 * bareRate,
    });
    await reset();
  }

  // ---------------------------------------------------------------------------------------- burst
  if (want('burst')) {
    const perChat = Math.round(N.burst / N.burstChats);
    const due = new Date(Date.now() + 10_000);
    await addReminders(
      'burst',
      N.burst,
      () => due,
      (i) => `b-${i % N.burstChats}`,
    );
    const w2 = await child('test/fixtures/reminder-worker.ts', {
      FAKE_LATENCY_MS: '20',
      FAKE_PER_CHAT: '1',
      DELIVERY_CONCURRENCY: sendPlaces,
    });
    await until(async () => (await count('burst')) >= N.burst, 900_000);
    const late = (
      await sql`select extract(epoch from fired_at - due_at) * 1000 as ms from reminder_occurrences`
    ).map((r) => Number(r.ms));
    const [span] =
      await sql`select extract(epoch from max(at) - ${due}::timestamptz) * 1000 as ms from fake_deliveries`;
    // The fake platform's limit: 1 message per second per chat (Slack). A message less than 1 s after the
    // previous one to its chat would have been throttled.
    const [thr] =
      await sql`select count(*)::int as n from (select at - lag(at) over (partition by chat order by at) as gap
      from fake_deliveries) g where gap < interval '1 second'`;
    const [gap] = await sql`select
      percentile_disc(0.5) within group (order by ms) as p50, percentile_disc(0.99) within group (order by ms) as p99,
      (select extract(epoch from min(at) - ${due}::timestamptz) * 1000 from fake_deliveries) as first
      from (select extract(epoch from at - lag(at) over (partition by chat order by at)) * 1000 as ms
            from fake_deliveries) g where ms is not null`;
    const firedPerSecond =
      await sql`select floor(extract(epoch from fired_at - due_at))::int as s, count(*)::int as n
      from reminder_occurrences group by 1 order by 1`;
    const sentPerSecond =
      await sql`select floor(extract(epoch from at - ${due}::timestamptz))::int as s, count(*)::int as n
      from fake_deliveries group by 1 order by 1`;
    console.log(
      `  fired per second after due: ${firedPerSecond.map((r) => `${r.s}s ${r.n}`).join(', ')}\n  sent per second after due: ${sentPerSecond.map((r) => `${r.s}s ${r.n}`).join(', ')}`,
    );
    // The chats that finished last, message by message (ms after due): where a makespan over the limit
    // comes from (a late first message, or one long gap that every later message of the chat keeps).
    const tail =
      await sql`select chat, array_agg(round(extract(epoch from at - ${due}::timestamptz) * 1000)::int
        order by at) as ms from fake_deliveries
      where chat in (select chat from fake_deliveries group by chat order by max(at) desc limit 3) group by chat`;
    console.log(`  last chats: ${tail.map((r) => `${r.chat} ${(r.ms as number[]).join(' ')}`).join('; ')}`);
    const putOff =
      await sql`select coalesce(last_error, '-') || ' (attempts ' || attempts || ')' as why, count(*)::int as n
        from outbox group by 1 order by 2 desc limit 5`;
    console.log(`  outbox rows by last error: ${putOff.map((r) => `${r.why} ${r.n}`).join(', ')}`);
    // count ÷ limit: N.burst messages at 1/s in each of N.burstChats chats (due → last message; the last
    // of a chat can leave (perChat − 1) s after due at the earliest, so a perfect run reads 0.9 × here).
    const ideal = (N.burst / N.burstChats) * 1000;
    const makespan = Number(span!.ms);
    const bare = await bareLateness(N.burst);
    await stop(w2);
    await reset();
    const floorMs = await bareFiring(N.burst, N.burstChats);
    report({
      name: `burst (${fmt(N.burst)} reminders due at the same second, ${fmt(N.burstChats)} chats × ${perChat}, 1 msg/s per chat enforced)`,
      figure: `queue lateness (fired − due) p50 ${fmt(pct(late, 50))} ms, p99 ${fmt(pct(late, 99))} ms; ${thr!.n} throttled; makespan ${fmt(makespan)} ms vs count ÷ limit ${fmt(ideal)} ms; first message +${fmt(Number(gap!.first))} ms, gaps within a chat p50 ${fmt(Number(gap!.p50))} ms, p99 ${fmt(Number(gap!.p99))} ms`,
      baseline: `bare BullMQ no-op worker, ${fmt(N.burst)} delayed jobs due at once: lateness p99 ${fmt(bare)} ms; the database alone firing ${fmt(N.burst)} (marked fired, one outbox row each, batches of 500 on 2 connections, nothing else running): ${fmt(floorMs)} ms, so fired − due p99 ≥ ${fmt(floorMs * 0.99)} ms at that pace`,
      ratio: `lateness ${(pct(late, 99) / Math.max(1, bare)).toFixed(2)} × bare; makespan ${(makespan / ideal).toFixed(3)} × count ÷ limit`,
      target: 'lateness p99 ≤ 400 ms; 0 throttled; makespan within 5 % of count ÷ limit',
      met: pct(late, 99) <= 400 && thr!.n === 0 && makespan <= ideal * 1.05,
    });
    await reset();
  }

  // ---------------------------------------------------------------------------------------- crash
  if (want('crash')) {
    await addReminders(
      'crash',
      N.crash,
      () => new Date(Date.now() - 1000),
      (i) => `c-${i % 100}`,
    );
    const env = { FAKE_LATENCY_MS: '50', QUEUE_CONCURRENCY: '20' };
    let w = await child('test/fixtures/reminder-worker.ts', env);
    const recoveries: number[] = [];
    for (let k = 0; k < 5; k++) {
      await until(async () => (await count('crash')) >= ((k + 1) * N.crash) / 7, 120_000);
      const inFlight = (await sql`select id from outbox where state = 'sending'`).map((r) => Number(r.id));
      w.kill('SIGKILL');
      const killed = Date.now();
      w = await child('test/fixtures/reminder-worker.ts', env);
      await until(async () => {
        const [r] =
          await sql`select count(*)::int as n from outbox where id = any(${inFlight}) and state <> 'sent'`;
        return r!.n === 0;
      }, 120_000);
      recoveries.push(Date.now() - killed);
    }
    await until(async () => (await count('crash')) >= N.crash, 300_000);
    const [r] =
      await sql`select count(*)::int as shown, count(*) filter (where tries > 1)::int as resent from fake_deliveries`;
    await stop(w);
    // Baseline: a bare BullMQ worker (same 5 s locks) killed with jobs in flight; time until they ran.
    const q = new Queue('bare', { connection: redis, prefix });
    let bw = await child('test/fixtures/bare-worker.ts', { BARE_SLEEP_MS: '2000' });
    await q.addBulk(
      Array.from({ length: 50 }, (_, i) => ({ name: 'b', data: {}, opts: { jobId: `k${i}` } })),
    );
    await sleep(500);
    bw.kill('SIGKILL');
    const bk = Date.now();
    bw = await child('test/fixtures/bare-worker.ts', { BARE_SLEEP_MS: '0' });
    await until(
      async () => Number((await sql`select count(*)::int as n from bare_done`)[0]!.n) >= 50,
      120_000,
    );
    const bareRecovery = Date.now() - bk;
    await stop(bw);
    await q.obliterate({ force: true });
    await q.close();
    report({
      name: `crash (kill -9 of the worker 5 times during ${fmt(N.crash)} deliveries)`,
      figure: `${r!.shown}/${N.crash} delivered (0 lost: ${r!.shown === N.crash}); ${r!.resent} re-sent after a kill and caught by the idempotency key (a platform without key checks would have shown them twice); recoveries ${recoveries.map((x) => fmt(x)).join(', ')} ms`,
      baseline: `bare BullMQ worker, same 5 s locks, killed with 50 jobs in flight: they ran again after ${fmt(bareRecovery)} ms`,
      ratio: `worst recovery ${(Math.max(...recoveries) / bareRecovery).toFixed(2)} × bare`,
      target: '0 lost, 0 sent twice, each recovery ≤ 25 s',
      met: r!.shown === N.crash && Math.max(...recoveries) <= 25_000,
    });
    await reset();
  }

  // ---------------------------------------------------------------------------------------- Redis loss
  if (want('redis')) {
    await addReminders(
      'loss',
      N.redisLoss,
      () => new Date(Date.now() + 3_600_000),
      (i) => `l-${i % 1000}`,
    );
    const runtime = new QueueRuntime(database.db, log, { redisUrl: REDIS_URL, prefix, checkMs: 1000 });
    const delivery = new Delivery(database.db, log, { limits: runtime.limits });
    runtime.attach(delivery);
    const t0 = Date.now();
    await runtime.start({ workers: false });
    const initial = Date.now() - t0;
    const occ = runtime.occurrences as unknown as { size(): Promise<number> };
    await redis.flushdb();
    const flushed = Date.now();
    await until(async () => (await occ.size()) >= N.redisLoss, 120_000);
    const rebuilt = Date.now() - flushed;
    const size = await occ.size();
    await runtime.close();
    // Baseline: the same number of delayed jobs added with addBulk by a bare BullMQ queue.
    const q = new Queue('bulk', { connection: redis, prefix });
    const b0 = Date.now();
    for (let i = 0; i < N.redisLoss; i += 500)
      await q.addBulk(
        Array.from({ length: Math.min(500, N.redisLoss - i) }, (_, k) => ({
          name: 'x',
          data: { id: String(i + k) },
          opts: { jobId: `x${i + k}`, delay: 3_600_000 },
        })),
      );
    const bare = Date.now() - b0;
    await q.obliterate({ force: true });
    await q.close();
    report({
      name: `Redis loss (FLUSHDB with ${fmt(N.redisLoss)} pending reminders)`,
      figure: `rebuilt in ${fmt(rebuilt)} ms after the flush (detection ≤ 1 s check here, 5 s by default; first enqueue at start ${fmt(initial)} ms); ${size}/${N.redisLoss} jobs back, 0 lost, 0 duplicates (job id = occurrence id)`,
      baseline: `bare addBulk of ${fmt(N.redisLoss)} delayed jobs: ${fmt(bare)} ms`,
      ratio: `${(rebuilt / bare).toFixed(2)} × bare`,
      target: '0 lost, rebuilt ≤ 10 s, 0 duplicates',
      met: size >= N.redisLoss && rebuilt <= 10_000,
    });
    await reset();
  }

  // ---------------------------------------------------------------------------------------- PostgreSQL restart
  if (pgRestart && want('pg')) {
    // The earlier rows' WAL would otherwise be replayed by the crash recovery after the restart: this row
    // measures its own load's.
    await sql`checkpoint`;
    // The fake's own records must survive the crash too: synchronous commits for them here.
    const w = await child('test/fixtures/reminder-worker.ts', {
      FAKE_LATENCY_MS: '5',
      FAKE_SYNC_COMMIT: 'on',
    });
    const total = 500 * 20;
    const start = Date.now() + 2000;
    await addReminders(
      'pgr',
      total,
      (i) => new Date(start + i * 2),
      (i) => `p-${i}`,
    );
    await sleep(7000);
    const cluster = execSync('ls /etc/postgresql').toString().trim();
    const down = Date.now();
    execSync(`pg_ctlcluster --skip-systemctl-redirect ${cluster} main restart -m immediate`);
    // Baseline: how long PostgreSQL itself took to answer again (restart and crash recovery), seen by a
    // fresh connection each try.
    let pgBackMs = 0;
    for (;;) {
      const probe = postgres(DATABASE_URL, { max: 1, onnotice: () => {}, connect_timeout: 2 });
      const ok = await probe`select 1`.then(
        () => true,
        () => false,
      );
      await probe.end({ timeout: 1 }).catch(() => {});
      if (ok) {
        pgBackMs = Date.now() - down;
        break;
      }
      await sleep(50);
    }
    await until(async () => {
      try {
        return (await count('pgr')) >= total;
      } catch {
        return false;
      }
    }, 180_000);
    const [stall] = await sql`select extract(epoch from max(at - lag)) as s
      from (select at, lag(at) over (order by at) from fake_deliveries) g`;
    const [r] =
      await sql`select count(*)::int as shown, count(*) filter (where tries > 1)::int as resent from fake_deliveries`;
    const [f] = await sql`select count(*)::int as n from outbox where state = 'failed'`;
    await stop(w);
    report({
      name: 'PostgreSQL restart (immediate, under 500 reminders/s)',
      figure: `${r!.shown}/${total} delivered, ${f!.n} failed, ${r!.resent} re-sent (caught by key); longest stall ${Number(stall!.s).toFixed(2)} s (largest gap between two deliveries)`,
      baseline: `PostgreSQL itself answered a fresh connection ${(pgBackMs / 1000).toFixed(2)} s after the restart began (restart and crash recovery)`,
      ratio: `stall ${(Number(stall!.s) / Math.max(0.001, pgBackMs / 1000)).toFixed(2)} × PostgreSQL's own`,
      target: '0 permanent failures, 0 duplicates, longest stall ≤ 5 s',
      met: r!.shown === total && f!.n === 0 && r!.resent === 0 && Number(stall!.s) <= 5,
    });
  } else {
    report({
      name: 'PostgreSQL restart',
      figure:
        'not run: pass --pg-restart (it restarts the machine’s PostgreSQL in immediate mode, which other users of it notice)',
      baseline: 'n/a',
      ratio: 'n/a',
      target: '0 permanent failures, 0 duplicates, longest stall ≤ 5 s',
      met: null,
    });
  }
} finally {
  for (const c of [...children]) c.kill('SIGKILL');
  console.log('\n| row | figure | baseline | ratio | target | met |\n| --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.figure} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met === null ? '–' : r.met ? 'yes' : 'no'} |`,
    );
  console.log(`load average at end: ${execSync('cat /proc/loadavg').toString().trim()}`);
  await redis.flushdb().catch(() => {});
  redis.disconnect();
  await sql.end();
  await database.close();
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  process.exit(0);
}
