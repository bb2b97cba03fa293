// `npm run bench:commands`: mixed commands through Core.handleMessage on PostgreSQL — or, with --platform,
// through a chat adapter's real inbound path against its platform fake, in this process — against a pgbench
// TPC-B-like baseline measured in the same run (issue 19's targets).
//
//   --platform core    core: straight to core.handleMessage, as the console users li and chen (today's path);
//                      slack | dingtalk | wecom: the same mix through that adapter and its SDK against the fake
//                      of test/fakes (bench/commands/chat.ts); a command is done when its reply reaches the fake
//   --people 1000      chat platforms: simulated people, taken in turn with one command in flight each, so the
//                      platforms' per-conversation limits do not pace the run (WeCom: 30 replies/min per chat)
//   --real-limits      chat platforms: keep DingTalk's 20/s per-API limiter (lifted by default)
//   --n 20000          commands in the closed-loop run
//   --concurrency 32   commands in flight (closed loop), and the baseline's transactions in flight
//   --warmup 1000      commands before measuring (not counted; they also create the records referred to)
//   --baseline-n 20000 TPC-B-like transactions in all
//   --rounds 4         the closed-loop commands and the baseline run in alternating segments (B C B C … B),
//                      so that both see the same machine, however its load drifts during the run
//   --rate 200         open-loop arrival rate, commands/s
//   --seconds 10       open-loop duration
//   --event-ids        core: give every message a platform event id, as chat adapters do (adds the dedupe
//                      insert); the chat platforms always have their own
//   --count 20         statements counted per command kind, in a sequential pass after the runs (0: none)
//   --show-statements  print the statements of one counted command of each kind
//   --sync-commit off  diagnostic: synchronous_commit=off on the bench database (commands and baseline
//                      alike), to see the ceiling when the disk's flush latency is taken out
//   --keep             keep the database instead of dropping it
//
// Besides rates and latencies it prints CPU time per command and per baseline transaction, in this process
// and in the PostgreSQL backends serving it (from /proc): on a shared, noisy machine those are steadier
// than wall-clock rates and say which side a command's cost is on. With --platform, this process's CPU
// includes the adapter, its SDK and the fake (the platform's side of the wire) as well as the core.
// It prints figures and never asserts: a benchmark, not a test.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import hdr from 'hdr-histogram-js';
import pino from 'pino';
import postgres from 'postgres';
import { type App, startApp } from '../src/app.ts';
import { Core } from '../src/core/engine.ts';
import { type Database, openDatabase } from '../src/db/client.ts';
import { createDemoIfEmpty } from '../src/db/demo.ts';
import { rowsOf } from '../src/db/rows.ts';
import { seedBasics } from '../src/db/seed.ts';
import { Delivery } from '../src/delivery/index.ts';
import { commandTable } from '../src/flows/index.ts';
import { ADMIN_URL, dropDatabase, freshDatabaseUrl } from '../test/helpers/pg.ts';
import { CHAT_PLATFORMS, type ChatPath, type ChatPlatform, chatPath } from './commands/chat.ts';
import { type CountResult, countStatements, countThroughApp, statementRows } from './commands/statements.ts';
import { coreSender, KIND_NAMES, KINDS, Workload } from './commands/workload.ts';

const { values: opt } = parseArgs({
  options: {
    platform: { type: 'string', default: 'core' },
    people: { type: 'string', default: '1000' },
    'real-limits': { type: 'boolean', default: false },
    n: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '1000' },
    'baseline-n': { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '4' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    'event-ids': { type: 'boolean', default: false },
    count: { type: 'string', default: '20' },
    'show-statements': { type: 'boolean', default: false },
    'sync-commit': { type: 'string', default: 'on' },
    keep: { type: 'boolean', default: false },
  },
});
const PLATFORM_NAME = opt.platform!;
if (PLATFORM_NAME !== 'core' && !(CHAT_PLATFORMS as readonly string[]).includes(PLATFORM_NAME))
  throw new Error(`--platform ${PLATFORM_NAME}? (core, ${CHAT_PLATFORMS.join(', ')})`);
const N = Number(opt.n);
const CONCURRENCY = Number(opt.concurrency);
const WARMUP = Number(opt.warmup);
const BASELINE_N = Number(opt['baseline-n']);
const ROUNDS = Math.max(1, Number(opt.rounds));
const RATE = Number(opt.rate);
const SECONDS = Number(opt.seconds);
const PEOPLE = Math.max(CONCURRENCY + 1, Number(opt.people));
const COUNT = Number(opt.count);

/** Issue 19's targets, all in the same run. */
const TARGET = {
  ratio: 0.7, // commands/s ÷ baseline tps, per-round median
  cpuNode: 1.0, // ms per command in this process
  cpuPg: 1.2, // ms per command in PostgreSQL
  openRate: 200, // the open loop's rate the p99 target is for
  openP99: 10, // ms
  closedP99VsBaseline: 2, // closed-loop p99 ≤ this × the baseline's p99
};

// ---------------------------------------------------------------- measuring

type Histogram = ReturnType<typeof hdr.build>;
const histogram = (): Histogram =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
/** Latencies are recorded in microseconds and read back in milliseconds. */
const record = (h: Histogram, ms: number) => h.recordValue(Math.max(1, Math.round(ms * 1000)));
const pct = (h: Histogram, p: number) => h.getValueAtPercentile(p) / 1000;
const max = (h: Histogram) => h.maxValue / 1000;
const fmt = (x: number, digits = 1) => x.toLocaleString('en-US', { maximumFractionDigits: digits });
const latencies = (h: Histogram) =>
  `p50 ${fmt(pct(h, 50), 2)} ms, p99 ${fmt(pct(h, 99), 2)} ms, max ${fmt(max(h), 2)} ms`;
const say = (line = '') => process.stdout.write(`${line}\n`);

/** Runs `total` jobs with `concurrency` in flight; returns elapsed milliseconds. */
async function closedLoop(total: number, concurrency: number, job: (i: number) => Promise<void>) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) await job(next++);
    }),
  );
  return performance.now() - started;
}

/**
 * CPU time of this process and of the PostgreSQL backends connected to one database (Linux /proc; the
 * backends' figures are missing elsewhere). Backends that appear between two readings count from zero.
 */
class CpuMeter {
  private readonly monitor = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  private readonly tick = 1000 / 100; // ms per clock tick (USER_HZ is 100 on Linux)
  /** Why a reading of the backends failed, if one did. */
  problem: string | undefined;
  constructor(private readonly dbName: string) {}

  async read(): Promise<{ self: number; backends: Map<number, number> | null }> {
    const u = process.cpuUsage();
    const self = (u.user + u.system) / 1000;
    try {
      const pids = await this.monitor<{ pid: number }[]>`
        select pid from pg_stat_activity where datname = ${this.dbName}`;
      const backends = new Map<number, number>();
      for (const { pid } of pids) {
        try {
          // Fields after the command name: state is 3rd, utime 14th, stime 15th of the whole line.
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          backends.set(pid, (Number(f[11]) + Number(f[12])) * this.tick);
        } catch {
          // a backend that just exited
        }
      }
      return { self, backends };
    } catch (err) {
      this.problem ??= (err as Error).message;
      return { self, backends: null };
    }
  }

  /** CPU milliseconds spent between two readings, per operation. */
  static perOp(
    a: Awaited<ReturnType<CpuMeter['read']>>,
    b: Awaited<ReturnType<CpuMeter['read']>>,
    ops: number,
  ): { self: number; db: number | null } {
    let db: number | null = null;
    if (a.backends && b.backends) {
      db = 0;
      for (const [pid, t] of b.backends) db += t - (a.backends.get(pid) ?? 0);
    }
    return { self: (b.self - a.self) / ops, db: db === null ? null : db / ops };
  }

  close() {
    return this.monitor.end();
  }
}
const cpuText = (c: { self: number; db: number | null }) =>
  `CPU per op: bench process ${fmt(c.self, 2)} ms, PostgreSQL backends ${c.db === null ? 'n/a' : `${fmt(c.db, 2)} ms`}`;

/** The gist of a logged error: its message, and the database's own error behind drizzle's wrapper. */
function describeLogged(line: string): string {
  try {
    const entry = JSON.parse(line) as {
      msg?: string;
      err?: { message?: string; cause?: { message?: string; code?: string } };
    };
    const cause = entry.err?.cause;
    const message = (entry.err?.message ?? '').split('\n')[0]!.slice(0, 120);
    return `${entry.msg}: ${message}${cause ? ` — caused by: ${cause.message} (${cause.code ?? ''})` : ''}`;
  } catch {
    return line.trim().slice(0, 300);
  }
}

// ---------------------------------------------------------------- the TPC-B-like baseline

async function setUpPgbench(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`
      create table pgbench_branches (bid int not null primary key, bbalance int not null, filler char(88));
      create table pgbench_tellers (tid int not null primary key, bid int, tbalance int not null, filler char(84));
      create table pgbench_accounts (aid int not null primary key, bid int, abalance int not null, filler char(84));
      create table pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22));
      insert into pgbench_branches (bid, bbalance) values (1, 0);
      insert into pgbench_tellers (tid, bid, tbalance) select g, 1, 0 from generate_series(1, 10) g;
      insert into pgbench_accounts (aid, bid, abalance, filler) select g, 1, 0, '' from generate_series(1, 100000) g;
    `);
    await sql.unsafe('vacuum analyze pgbench_branches, pgbench_tellers, pgbench_accounts, pgbench_history');
  } finally {
    await sql.end();
  }
}

/** Operations, time, latencies and CPU summed over the segments of one kind. */
class Tally {
  ops = 0;
  ms = 0;
  self = 0;
  db: number | null = 0;
  readonly h = histogram();
  readonly rates: number[] = [];

  add(ops: number, ms: number, cpu: { self: number; db: number | null }) {
    this.ops += ops;
    this.ms += ms;
    this.self += cpu.self * ops;
    this.db = this.db === null || cpu.db === null ? null : this.db + cpu.db * ops;
    this.rates.push((ops * 1000) / ms);
  }

  get rate() {
    return (this.ops * 1000) / this.ms;
  }

  get cpu() {
    return { self: this.self / this.ops, db: this.db === null ? null : this.db / this.ops };
  }
}

/** Runs `total` operations, `concurrency` in flight, into a tally; returns the segment's rate. */
async function segment(
  tally: Tally,
  cpu: CpuMeter,
  total: number,
  concurrency: number,
  op: () => Promise<unknown>,
): Promise<number> {
  const c0 = await cpu.read();
  const ms = await closedLoop(total, concurrency, async () => {
    const t0 = performance.now();
    await op();
    record(tally.h, performance.now() - t0);
  });
  tally.add(total, ms, CpuMeter.perOp(c0, await cpu.read(), total));
  return (total * 1000) / ms;
}

/** pgbench's built-in TPC-B-like script (scale 1): five prepared statements in a transaction. */
async function pgbenchSegment(url: string, tally: Tally, cpu: CpuMeter, total: number, concurrency: number) {
  // Connected for the segment only, so that the two pools are never open at full size together.
  const sql = postgres(url, { max: concurrency, onnotice: () => {}, prepare: true });
  const tx = pgbenchTx(sql);
  try {
    // Open every connection and prepare the statements before timing.
    await closedLoop(2 * concurrency, concurrency, tx);
    return await segment(tally, cpu, total, concurrency, tx);
  } finally {
    await sql.end();
  }
}

/** Round trips of a command of the mix on average (the statement pass prints them per kind: 6-7). */
const FLOOR_TRIPS = 7;

/**
 * FLOOR_TRIPS round trips in one transaction through raw postgres.js, as a command's begin-with-its-first
 * statement, the ones after it and its commit: what the wire and the driver cost a command by themselves.
 */
async function floorSegment(url: string, tally: Tally, cpu: CpuMeter, total: number, concurrency: number) {
  const sql = postgres(url, { max: concurrency, onnotice: () => {}, prepare: true });
  const tx = () =>
    sql.begin(async (t) => {
      for (let i = 0; i < FLOOR_TRIPS - 1; i++) await t`select ${i}::int as i`;
    });
  try {
    await closedLoop(2 * concurrency, concurrency, tx);
    return await segment(tally, cpu, total, concurrency, tx);
  } finally {
    await sql.end();
  }
}

/** One TPC-B-like transaction (pgbench's built-in script, scale 1) on `sql`, with random accounts. */
function pgbenchTx(sql: postgres.Sql) {
  const rnd = (n: number) => 1 + Math.floor(Math.random() * n);
  return () => {
    const aid = rnd(100_000);
    const tid = rnd(10);
    const bid = 1;
    const delta = rnd(10_000) - 5_000;
    return sql.begin(async (t) => {
      await t`update pgbench_accounts set abalance = abalance + ${delta} where aid = ${aid}`;
      await t`select abalance from pgbench_accounts where aid = ${aid}`;
      await t`update pgbench_tellers set tbalance = tbalance + ${delta} where tid = ${tid}`;
      await t`update pgbench_branches set bbalance = bbalance + ${delta} where bid = ${bid}`;
      await t`insert into pgbench_history (tid, bid, aid, delta, mtime) values (${tid}, ${bid}, ${aid}, ${delta}, current_timestamp)`;
    });
  };
}

/**
 * Runs `total` jobs, job i due at start + i/RATE, never waiting for earlier ones. Latency counts from when
 * a job was due, so a stall is charged to everything scheduled behind it (no coordinated omission).
 */
async function openLoop(
  total: number,
  job: () => Promise<void>,
): Promise<{ open: Histogram; service: Histogram; maxLag: number }> {
  const interval = 1000 / RATE;
  const open = histogram();
  const service = histogram();
  let maxLag = 0;
  await new Promise<void>((resolve) => {
    let sent = 0;
    let done = 0;
    const start = performance.now();
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const due = start + sent * interval;
        maxLag = Math.max(maxLag, now - due);
        sent++;
        void job().then(() => {
          const end = performance.now();
          record(open, end - due);
          record(service, end - now);
          if (++done === total) resolve();
        });
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  return { open, service, maxLag };
}

/** The TPC-B-like transaction in an open loop at RATE: the floor of latency that commits alone set here. */
async function pgbenchOpenLoop(url: string, total: number) {
  const sql = postgres(url, { max: CONCURRENCY, onnotice: () => {}, prepare: true });
  const tx = pgbenchTx(sql);
  try {
    await closedLoop(2 * CONCURRENCY, CONCURRENCY, tx);
    return await openLoop(total, async () => {
      await tx();
    });
  } finally {
    await sql.end();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

// ---------------------------------------------------------------- main

/** People of the platform the statement count through the app sends as (WeCom: 30 replies/min each). */
const COUNT_PEOPLE = 16;

function printCount(r: CountResult) {
  table(statementRows(r.counted));
  if (r.failed) {
    say(`(${r.failed} commands of this pass failed, not counted:`);
    for (const f of r.failures.slice(0, 5)) say(`  ${f})`);
  }
  if (opt['show-statements'])
    for (const kind of KINDS) {
      const one = r.counted.find((c) => c.kind === kind);
      if (!one) continue;
      say(`  ${KIND_NAMES[kind]} (${one.statements} statements, ${one.trips} round trips):`);
      for (const t of one.texts) say(`    ${t}`);
    }
}

/** A Core as src/app.ts builds it, with a Delivery that is never started. */
function buildCore(db: Database['db'], log: pino.Logger): { core: Core; delivery: Delivery } {
  const delivery = new Delivery(db, log.child({ part: 'delivery' }));
  const core = new Core({
    db,
    config: { admins: [] },
    log: log.child({ part: 'core' }),
    delivery,
    commands: commandTable(),
  });
  return { core, delivery };
}

/** The path the commands take: the core directly, or a chat platform's inbound path in a started app. */
type Path = {
  work: Workload;
  db: Database['db'];
  /** Where the outbox is drained before counting what is left (the core path: its own Delivery). */
  drain(): Promise<void>;
  close(): Promise<void>;
  chat?: ChatPath;
};

async function corePath(url: string, log: pino.Logger): Promise<Path> {
  const database = await openDatabase({ databaseUrl: url, maxConnections: 40 });
  await database.migrate();
  await seedBasics(database.db, {
    name: 'Bench Co',
    timezone: 'Asia/Shanghai',
    locale: 'zh',
    currency: 'CNY',
  });
  await createDemoIfEmpty(database.db);
  const { core, delivery } = buildCore(database.db, log);
  const send = coreSender(core, ['li', 'chen'], opt['event-ids']);
  for (const p of [0, 1]) {
    const r = await send(p, 'me lang=en');
    if (!r.startsWith('Saved.')) throw new Error(`me lang=en for ${['li', 'chen'][p]}: ${r}`);
  }
  return {
    work: new Workload(send, 2, false),
    db: database.db,
    drain: () => delivery.drain(),
    close: () => database.close(),
  };
}

async function platformPath(name: ChatPlatform, url: string, log: pino.Logger): Promise<Path> {
  const chat = await chatPath(name, PEOPLE, opt['real-limits']);
  let app: App | undefined;
  try {
    app = await startApp({
      env: {
        DATABASE_URL: url,
        DATABASE_POOL_MAX: '40',
        PORT: '0',
        HOST: '127.0.0.1',
        CONSOLE: 'off',
        LOG_LEVEL: 'error',
        ...chat.env(),
      },
      demo: false,
      log,
    });
    // The demo organisation (li and chen for the statement count), before the platform's people arrive.
    await createDemoIfEmpty(app.database.db);
    await chat.attach(app);
    // Every person once (that creates them, reading English), then they are made sales reps.
    const t0 = performance.now();
    let k = 0;
    let saved = 0;
    await closedLoop(PEOPLE, CONCURRENCY, async () => {
      const r = await chat.say(k++, 'me lang=en').catch((err: Error) => err.message);
      if (r.startsWith('Saved.')) saved++;
    });
    if (saved < PEOPLE) throw new Error(`me lang=en: ${saved} of ${PEOPLE} people answered "Saved."`);
    const promoted = rowsOf<{ n: number }>(
      await app.database.db.execute(sql`
        with p as (
          update people set role = 'sales_rep', department_id = (select id from departments where code = 'sales')
          where role is null returning 1)
        select count(*)::int as n from p`),
    );
    say(
      `${name}: ${PEOPLE} people set up through the platform in ${fmt((performance.now() - t0) / 1000, 1)} s, ${promoted[0]?.n ?? '?'} made sales reps`,
    );
  } catch (err) {
    await app?.close().catch(() => {});
    await chat.close().catch(() => {});
    throw err;
  }
  const started = app;
  return {
    work: new Workload((p, text) => chat.say(p, text), PEOPLE, true),
    db: started.database.db,
    drain: async () => {},
    async close() {
      await started.close();
      await chat.close();
    },
    chat,
  };
}

async function main() {
  const chatName = PLATFORM_NAME === 'core' ? undefined : (PLATFORM_NAME as ChatPlatform);
  say(
    `bench:commands — ${chatName ? `through ${chatName} (its adapter, SDK and fake, in this process; ${PEOPLE} people)` : 'straight to the core'}; ${N} commands, ${CONCURRENCY} in flight; open loop ${RATE}/s for ${SECONDS} s${opt['event-ids'] && !chatName ? '; with event ids' : ''}`,
  );
  say(
    `machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} at start`,
  );
  const url = await freshDatabaseUrl();
  const dbName = new URL(url).pathname.slice(1);
  say(`database ${dbName}`);
  if (opt['sync-commit'] !== 'on') {
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`alter database ${dbName} set synchronous_commit = off`);
    await admin.end();
    say('synchronous_commit = off on this database (diagnostic run)');
  }
  const errors: string[] = [];
  let errorCount = 0;
  const log = pino(
    {
      level: 'error',
      serializers: {
        err: (e: Error & { cause?: { message?: string; code?: string } }) => ({
          message: e.message,
          ...(e.cause ? { cause: { message: e.cause.message, code: e.cause.code } } : {}),
        }),
      },
    },
    {
      write(line: string) {
        errorCount++;
        if (errors.length < 5) errors.push(describeLogged(line));
      },
    },
  );
  const cpu = new CpuMeter(dbName);
  let path: Path | undefined;
  try {
    path = chatName ? await platformPath(chatName, url, log) : await corePath(url, log);
    const { work } = path;
    if (path.chat) for (const l of path.chat.limits(PEOPLE)) say(`limit: ${l}`);

    await setUpPgbench(url);
    // Warm-up: creates the first customers and leads, warms the JIT and opens the connection pool.
    let seq = 0;
    await closedLoop(WARMUP, CONCURRENCY, async () => {
      await work.run(seq++);
    });
    const warmFailed = work.failed;

    // Baseline and commands in alternating segments: B C B C … B.
    const base = new Tally();
    const cmds = new Tally();
    const ratios: number[] = [];
    const bPer = Math.ceil(BASELINE_N / (ROUNDS + 1));
    const cPer = Math.ceil(N / ROUNDS);
    let lastB = await pgbenchSegment(url, base, cpu, bPer, CONCURRENCY);
    for (let r = 1; r <= ROUNDS; r++) {
      const c = await segment(cmds, cpu, cPer, CONCURRENCY, () => work.run(seq++));
      const b = await pgbenchSegment(url, base, cpu, bPer, CONCURRENCY);
      ratios.push(c / ((lastB + b) / 2));
      say(
        `round ${r}/${ROUNDS}: baseline ${fmt(lastB, 0)} → ${fmt(b, 0)} tps, commands ${fmt(c, 0)}/s, ratio ${fmt(ratios.at(-1)!, 2)}`,
      );
      lastB = b;
    }
    const closedFailed = work.failed - warmFailed;
    const cps = cmds.rate;
    const baseline = base.rate;
    const closed = cmds.h;
    const closedCpu = cmds.cpu;
    say(
      `commands (closed loop): ${cmds.ops} in ${fmt(cmds.ms / 1000, 1)} s = ${fmt(cps, 0)}/s; ${latencies(closed)}; ${closedFailed} failed; ${cpuText(closedCpu)}`,
    );
    say(
      `baseline (TPC-B-like): ${base.ops} in ${fmt(base.ms / 1000, 1)} s = ${fmt(baseline, 0)} tps; ${latencies(base.h)}; ${cpuText(base.cpu)}`,
    );
    // The floor a command's round trips set by themselves: a transaction of as many round trips of a
    // trivial prepared statement, through raw postgres.js (no drizzle, no command logic).
    const floor = new Tally();
    await floorSegment(url, floor, cpu, bPer, CONCURRENCY);
    say(
      `round-trip floor (${FLOOR_TRIPS} round trips per transaction, raw postgres.js): ${floor.ops} in ${fmt(floor.ms / 1000, 1)} s = ${fmt(floor.rate, 0)} tps; ${cpuText(floor.cpu)}`,
    );

    // Open loop: command i is due at start + i/rate (openLoop).
    const total = Math.round(RATE * SECONDS);
    const openFailedBefore = work.failed;
    const { open, service, maxLag } = await openLoop(total, async () => {
      await work.run(seq++);
    });
    // The same arrivals of the TPC-B-like transaction: what this machine's commits alone cost at that rate.
    const baseOpen = await pgbenchOpenLoop(url, total);
    const openFailed = work.failed - openFailedBefore;
    say(
      `open loop: ${total} commands at ${RATE}/s; from due time ${latencies(open)}; service time p99 ${fmt(pct(service, 99), 2)} ms; sending fell behind by up to ${fmt(maxLag, 1)} ms; ${openFailed} failed`,
    );
    say(
      `baseline open loop: ${total} TPC-B-like transactions at ${RATE}/s; from due time ${latencies(baseOpen.open)}; sending fell behind by up to ${fmt(baseOpen.maxLag, 1)} ms`,
    );

    await path.drain();
    const [outbox] = rowsOf<{ n: number }>(await path.db.execute(sql`select count(*)::int as n from outbox`));

    // Statements per command: a small sequential pass through a Core on a counting connection.
    const eventIds = opt['event-ids'] || chatName !== undefined;
    const statements =
      COUNT > 0
        ? await countStatements({
            url,
            core: (d) => buildCore(d.db, log).core,
            eventIds,
            perKind: COUNT,
            warm: 2,
            from: seq,
          })
        : undefined;
    // The same through the platform's inbound path: the last few people, four commands each in a row.
    const throughApp =
      COUNT > 0 && path.chat
        ? await countThroughApp({
            db: path.db,
            say: (p, text) => path!.chat!.say(PEOPLE - COUNT_PEOPLE + p, text),
            people: COUNT_PEOPLE,
            perKind: COUNT,
            warm: 2,
            from: seq + 10 * (COUNT + 2) * KINDS.length,
          })
        : undefined;

    if (work.failures.size > 0) {
      say(`\nfailed commands (${work.failed}, warm-up included), by reply:`);
      for (const [reply, f] of [...work.failures].sort((a, b) => b[1].count - a[1].count).slice(0, 10))
        say(`  ${f.count}× ${reply}\n      e.g. ${f.example}`);
    }
    if (path.chat?.strays) say(`\nreplies that reached the fake for no command waiting: ${path.chat.strays}`);
    if (errorCount > 0) {
      say(`\nerrors logged: ${errorCount}; the first:`);
      for (const e of errors) say(`  ${e}`);
    }

    const ratio = cps / baseline;
    const ratioMedian = median(ratios);
    const openP99 = pct(open, 99);
    const closedP99 = pct(closed, 99);
    const baseP99 = pct(base.h, 99);
    const failed = closedFailed + openFailed;
    const verdict = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? 'pass' : 'MISS');
    const ms2 = (x: number | null) => (x === null ? 'n/a' : fmt(x, 2));
    const rows: [string, string, string, string][] = [
      ['figure (issue 19)', 'measured', 'target', ''],
      [`commands/s (${CONCURRENCY} in flight)`, fmt(cps, 0), '', ''],
      ['TPC-B-like baseline tps', fmt(baseline, 0), '', ''],
      [
        'commands/s ÷ baseline tps, per-round median',
        `${fmt(ratioMedian, 2)} (${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)})`,
        `≥ ${TARGET.ratio}`,
        verdict(ratioMedian >= TARGET.ratio),
      ],
      ['  the same over the whole run', fmt(ratio, 2), '', ''],
      [
        'CPU ms per command: Node (this process)',
        ms2(closedCpu.self),
        `≤ ${fmt(TARGET.cpuNode, 1)}`,
        verdict(closedCpu.self <= TARGET.cpuNode),
      ],
      [
        'CPU ms per command: PostgreSQL',
        ms2(closedCpu.db),
        `≤ ${fmt(TARGET.cpuPg, 1)}`,
        verdict(closedCpu.db === null ? null : closedCpu.db <= TARGET.cpuPg),
      ],
      ['CPU ms per baseline tx: Node / PostgreSQL', `${ms2(base.cpu.self)} / ${ms2(base.cpu.db)}`, '', ''],
      [
        `CPU ms per ${FLOOR_TRIPS}-round-trip floor tx: Node / PostgreSQL`,
        `${ms2(floor.cpu.self)} / ${ms2(floor.cpu.db)}`,
        '',
        '',
      ],
      [
        `open loop ${RATE}/s p99 (ms)`,
        fmt(openP99, 2),
        `≤ ${TARGET.openP99} at ${TARGET.openRate}/s`,
        verdict(RATE === TARGET.openRate ? openP99 <= TARGET.openP99 : null),
      ],
      [`  the baseline's own open loop ${RATE}/s p99 (ms)`, fmt(pct(baseOpen.open, 99), 2), '', ''],
      [
        'closed loop p99 (ms)',
        fmt(closedP99, 1),
        `≤ ${TARGET.closedP99VsBaseline} × ${fmt(baseP99, 1)} = ${fmt(TARGET.closedP99VsBaseline * baseP99, 1)}`,
        verdict(closedP99 <= TARGET.closedP99VsBaseline * baseP99),
      ],
      ['  closed loop p50 / max (ms)', `${fmt(pct(closed, 50), 1)} / ${fmt(max(closed), 1)}`, '', ''],
      [
        '  baseline tx p50 / p99 / max (ms)',
        `${fmt(pct(base.h, 50), 1)} / ${fmt(baseP99, 1)} / ${fmt(max(base.h), 1)}`,
        '',
        '',
      ],
      ['failed commands (measured runs)', String(failed), '0', verdict(failed === 0)],
      ['outbox rows left', String(outbox?.n ?? '?'), '', ''],
    ];
    say();
    table(rows);
    if (RATE !== TARGET.openRate)
      say(`(the open-loop target is for ${TARGET.openRate}/s; this run: ${RATE}/s)`);
    if (path.chat)
      say(`(Node CPU includes the ${chatName} adapter, its SDK and the fake's side of the wire)`);

    if (statements) {
      say(
        `\nstatements per command through the core (${COUNT} of each kind after ${2 * KINDS.length} not counted, one at a time, on a connection of its own${eventIds ? ', with event ids' : ''}):`,
      );
      printCount(statements);
      say(
        'round trips: statements written together in one turn of the event loop count once; a statement not yet prepared on the connection counts twice',
      );
    }
    if (throughApp) {
      say(
        `\nstatements per command through ${chatName} (the app's pool, from sending until 20 ms after the reply reached the fake; ${COUNT} of each kind, one at a time; the app sent ${throughApp.idlePerSecond} statements in a quiet second before):`,
      );
      printCount(throughApp);
      say(
        'round trips here: statements written together in one turn count once (whether a statement was prepared on its connection is not known here)',
      );
    }
    if (cpu.problem) say(`\n(PostgreSQL CPU missing from some readings: ${cpu.problem})`);
    say(
      `\nload average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} at the end`,
    );
  } finally {
    await path?.close();
    await cpu.close();
    if (opt.keep) say(`kept ${url}`);
    else await dropDatabase(url);
  }
}

/** Prints rows as columns: the first left-aligned, the second right-aligned, the rest left-aligned. */
function table(rows: string[][]) {
  const cols = Math.max(...rows.map((r) => r.length));
  const w = Array.from({ length: cols }, (_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows)
    say(
      r
        .map((cell, c) => (c === 1 ? cell.padStart(w[c]!) : c === cols - 1 ? cell : cell.padEnd(w[c]!)))
        .join('  ')
        .trimEnd(),
    );
}

await main();
process.exit(0);
