// `npm run bench:commands`: mixed commands through Core.handleMessage on PostgreSQL, against a pgbench
// TPC-B-like baseline measured in the same run (../shared/perf.md, target "commands").
//
//   --n 20000          commands in the closed-loop run
//   --concurrency 32   commands in flight (closed loop), and the baseline's transactions in flight
//   --warmup 1000      commands before measuring (not counted; they also create the records referred to)
//   --baseline-n 20000 TPC-B-like transactions in all
//   --rounds 4         the closed-loop commands and the baseline run in alternating segments (B C B C … B),
//                      so that both see the same machine, however its load drifts during the run
//   --rate 200         open-loop arrival rate, commands/s
//   --seconds 10       open-loop duration
//   --event-ids        give every message a platform event id, as chat adapters do (adds the dedupe insert)
//   --sync-commit off  diagnostic: synchronous_commit=off on the bench database (commands and baseline
//                      alike), to see the ceiling when the disk's flush latency is taken out
//   --keep             keep the database instead of dropping it
//
// Besides rates and latencies it prints CPU time per command and per baseline transaction, in this process
// and in the PostgreSQL backends serving it (from /proc): on a shared, noisy machine those are steadier
// than wall-clock rates and say which side a command's cost is on.
// It prints figures and never asserts: a benchmark, not a test.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import hdr from 'hdr-histogram-js';
import pino from 'pino';
import postgres from 'postgres';
import type { Message } from '../src/cards/card.ts';
import { Core } from '../src/core/engine.ts';
import type { ChatRef, InboundUser } from '../src/core/inbound.ts';
import { openDatabase } from '../src/db/client.ts';
import { createDemoIfEmpty, PLATFORM } from '../src/db/demo.ts';
import { rowsOf } from '../src/db/rows.ts';
import { seedBasics } from '../src/db/seed.ts';
import { Delivery } from '../src/delivery/index.ts';
import { commandTable } from '../src/flows/index.ts';
import { ADMIN_URL, dropDatabase, freshDatabaseUrl } from '../test/helpers/pg.ts';

const { values: opt } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '1000' },
    'baseline-n': { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '4' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    'event-ids': { type: 'boolean', default: false },
    'sync-commit': { type: 'string', default: 'on' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(opt.n);
const CONCURRENCY = Number(opt.concurrency);
const WARMUP = Number(opt.warmup);
const BASELINE_N = Number(opt['baseline-n']);
const ROUNDS = Math.max(1, Number(opt.rounds));
const RATE = Number(opt.rate);
const SECONDS = Number(opt.seconds);

const TARGET_CPS = 3000;
const TARGET_RATIO = 0.5;
const TARGET_OPEN_P99_MS = 20;

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

// ---------------------------------------------------------------- the workload

type Kind = 'customer' | 'lead' | 'follow' | 'quote';
const KINDS: Kind[] = ['customer', 'lead', 'follow', 'quote'];
const EXPECT: Record<Kind, RegExp> = {
  customer: /^Customer (C-\d+) .* registered\./,
  lead: /^Lead (L-\d+) registered:/,
  follow: /^Follow-up recorded on (L-\d+)\./,
  quote: /^Quote (Q-\d+) drafted for /,
};
const REPS = ['li', 'chen'] as const;
type Rep = (typeof REPS)[number];

class Workload {
  private seq = 0;
  private readonly runId = randomBytes(3).toString('hex');
  /** Customers anyone may refer to, and each rep's own leads (followed up only by their owner). */
  private readonly customers: string[] = [];
  private readonly leads: Record<Rep, string[]> = { li: [], chen: [] };
  readonly failures = new Map<string, { count: number; example: string }>();
  failed = 0;

  constructor(
    private readonly core: Core,
    private readonly eventIds: boolean,
  ) {}

  async send(rep: Rep, text: string): Promise<Message[]> {
    const user: InboundUser = { platform: PLATFORM, tenant: '', externalId: rep, name: rep };
    const chat: ChatRef = {
      platform: PLATFORM,
      tenant: '',
      chatId: `dm:${rep}`,
      kind: 'dm',
      title: `dm:${rep}`,
    };
    return this.core.handleMessage({
      user,
      chat,
      text,
      ...(this.eventIds ? { eventId: `bench-${this.runId}-${this.seq++}` } : {}),
    });
  }

  private pick<T>(xs: T[]): T | undefined {
    return xs.length === 0 ? undefined : xs[Math.floor(Math.random() * xs.length)];
  }

  /** The i-th command: kinds rotate, reps alternate; one that needs a record not there yet creates one. */
  next(i: number): { rep: Rep; kind: Kind; text: string } {
    const rep = REPS[Math.floor(i / KINDS.length) % REPS.length]!;
    let kind = KINDS[i % KINDS.length]!;
    const customer = this.pick(this.customers);
    const lead = this.pick(this.leads[rep]);
    if ((kind === 'lead' || kind === 'quote') && !customer) kind = 'customer';
    if (kind === 'follow' && !lead) kind = customer ? 'lead' : 'customer';
    const n = i + 1;
    const text = {
      customer: `customer add name="Bench ${this.runId} Co ${n}" contact="Buyer ${n}" phone=1380000${String(n % 10000).padStart(4, '0')} industry=manufacturing region=East`,
      lead: `lead add customer=${customer} source=expo desc="needs ${n % 500} sensors" next="send catalogue" due=+3d`,
      follow: `lead follow ${lead} note="called, wants a quote (${n})" next="send quote" due=tomorrow`,
      quote: `quote new customer=${customer} item="Sensor | X200 | ${(n % 300) + 1} | 35.5" item="Cable | | 50 | 2.75" item="Mount | M1 | 10 | 120" tax=included payment="30% advance"`,
    }[kind];
    return { rep, kind, text };
  }

  /** Sends command i and checks its reply. */
  async run(i: number): Promise<boolean> {
    const { rep, kind, text } = this.next(i);
    let reply: string;
    try {
      const replies = await this.send(rep, text);
      reply = replies[0]?.text ?? '(no reply)';
    } catch (err) {
      reply = `threw: ${(err as Error).message}`;
    }
    const m = EXPECT[kind].exec(reply);
    if (!m) {
      this.failed++;
      const key = `${kind}: ${reply.split('\n')[0]!.slice(0, 160)}`;
      const f = this.failures.get(key);
      if (f) f.count++;
      else this.failures.set(key, { count: 1, example: text });
      return false;
    }
    if (kind === 'customer') this.customers.push(m[1]!);
    if (kind === 'lead') this.leads[rep].push(m[1]!);
    return true;
  }
}

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
  const rnd = (n: number) => 1 + Math.floor(Math.random() * n);
  const tx = () => {
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
  try {
    // Open every connection and prepare the statements before timing.
    await closedLoop(2 * concurrency, concurrency, tx);
    return await segment(tally, cpu, total, concurrency, tx);
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

async function main() {
  say(
    `bench:commands — ${N} commands, ${CONCURRENCY} in flight; open loop ${RATE}/s for ${SECONDS} s${opt['event-ids'] ? '; with event ids' : ''}`,
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
  const database = await openDatabase({ databaseUrl: url, maxConnections: 40 });
  try {
    await database.migrate();
    await seedBasics(database.db, {
      name: 'Bench Co',
      timezone: 'Asia/Shanghai',
      locale: 'zh',
      currency: 'CNY',
    });
    await createDemoIfEmpty(database.db);
    const delivery = new Delivery(database.db, log.child({ part: 'delivery' }));
    const core = new Core({
      db: database.db,
      config: { admins: [] },
      log: log.child({ part: 'core' }),
      delivery,
      commands: commandTable(),
    });
    const work = new Workload(core, opt['event-ids']);
    for (const rep of REPS) {
      const [r] = await work.send(rep, 'me lang=en');
      if (!r?.text.startsWith('Saved.')) throw new Error(`me lang=en for ${rep}: ${r?.text}`);
    }

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

    // Open loop: command i is due at start + i/rate. Latency counts from when it was due, so a stall is
    // charged to everything scheduled behind it (no coordinated omission).
    const total = Math.round(RATE * SECONDS);
    const interval = 1000 / RATE;
    const open = histogram();
    const service = histogram();
    const openFailedBefore = work.failed;
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
          const i = seq++;
          sent++;
          void work.run(i).then(() => {
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
    const openFailed = work.failed - openFailedBefore;
    say(
      `open loop: ${total} commands at ${RATE}/s; from due time ${latencies(open)}; service time p99 ${fmt(pct(service, 99), 2)} ms; sending fell behind by up to ${fmt(maxLag, 1)} ms; ${openFailed} failed`,
    );

    await delivery.drain();
    const [outbox] = rowsOf<{ n: number }>(
      await database.db.execute(sql`select count(*)::int as n from outbox`),
    );

    if (work.failures.size > 0) {
      say(`\nfailed commands (${work.failed}, warm-up included), by reply:`);
      for (const [reply, f] of [...work.failures].sort((a, b) => b[1].count - a[1].count).slice(0, 10))
        say(`  ${f.count}× ${reply}\n      e.g. ${f.example}`);
    }
    if (errorCount > 0) {
      say(`\nerrors logged by the core: ${errorCount}; the first:`);
      for (const e of errors) say(`  ${e}`);
    }

    const ratio = cps / baseline;
    const openP99 = pct(open, 99);
    const failed = closedFailed + openFailed;
    const rows: [string, string, string, string][] = [
      ['figure', 'measured', 'target', ''],
      [
        `commands/s (${CONCURRENCY} in flight)`,
        fmt(cps, 0),
        `≥ ${fmt(TARGET_CPS, 0)}`,
        cps >= TARGET_CPS ? 'pass' : 'MISS',
      ],
      ['TPC-B-like baseline tps', fmt(baseline, 0), '', ''],
      [
        'commands/s ÷ baseline tps',
        fmt(ratio, 2),
        `≥ ${TARGET_RATIO}`,
        ratio >= TARGET_RATIO ? 'pass' : 'MISS',
      ],
      [
        `  the same per round: median (min–max)`,
        `${fmt(median(ratios), 2)} (${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)})`,
        '',
        '',
      ],
      [
        'closed loop p50 / p99 / max (ms)',
        `${fmt(pct(closed, 50))} / ${fmt(pct(closed, 99))} / ${fmt(max(closed))}`,
        '',
        '',
      ],
      [
        `open loop ${RATE}/s p99 (ms)`,
        fmt(openP99, 2),
        `≤ ${TARGET_OPEN_P99_MS}`,
        openP99 <= TARGET_OPEN_P99_MS ? 'pass' : 'MISS',
      ],
      ['failed commands (measured runs)', String(failed), '0', failed === 0 ? 'pass' : 'MISS'],
      [
        'CPU ms per command: bench / PostgreSQL',
        `${fmt(closedCpu.self, 2)} / ${closedCpu.db === null ? 'n/a' : fmt(closedCpu.db, 2)}`,
        '',
        '',
      ],
      [
        'CPU ms per baseline tx: bench / PostgreSQL',
        `${fmt(base.cpu.self, 2)} / ${base.cpu.db === null ? 'n/a' : fmt(base.cpu.db, 2)}`,
        '',
        '',
      ],
      ['outbox rows left', String(outbox?.n ?? '?'), '', ''],
    ];
    const w = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
    say();
    for (const r of rows)
      say(`${r[0].padEnd(w[0]!)}  ${r[1].padStart(w[1]!)}  ${r[2].padEnd(w[2]!)}  ${r[3]}`);
    if (cpu.problem) say(`\n(PostgreSQL CPU missing from some readings: ${cpu.problem})`);
    say(
      `\nload average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} at the end`,
    );
  } finally {
    await database.close();
    await cpu.close();
    if (opt.keep) say(`kept ${url}`);
    else await dropDatabase(url);
  }
}

await main();
