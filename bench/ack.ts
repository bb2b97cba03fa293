// `npm run bench:ack`: commands through each adapter's inbound path against app replicas, with a share of
// them delivered again, next to the same-run baseline of an empty handler behind the same SDK
// (../shared/perf.md, target "ack"; issue 18).
//
//   --rate 200           commands per second (open loop: sent at fixed times, never waiting for answers)
//   --seconds 120        how long the measured load lasts
//   --platform all       slack | dingtalk | wecom | feishu | all (one after another)
//   --redeliver 0.05     share of commands delivered again (the same event id), 0-2 s after the first
//   --replicas 2         app replicas (child processes: src/main.ts), on one fresh PostgreSQL database and Redis
//                        with a QUEUE_PREFIX of their own
//   --drain 30           seconds to wait after the last send for acks and replies still owed
//
// Per platform, two phases with a fresh fake each: the baseline (bench/ack/baseline.ts: the SDK's own client
// or receiver, acking and answering with a fixed text, deduping nothing), then ours. Each phase starts with one
// untimed round in which every simulated person sends `me lang=en` (ours: it creates the person, who is then
// made a sales rep in the database), then `customer add name="AckBench <i>"` from those people in turn.
//
// What it prints, per platform and side: ack p50 / p99 / max (from the moment the fake sends the request or
// frame to the moment it receives the ack), reply p99 (until the reply reaches the fake; a reply that never
// came counts as slower than any), and duplicate effects: for ours, commands with more than one customer row
// or more than one reply (a second run of a command is refused by the taken name, so its second answer is
// what shows it); for the baseline, which dedupes nothing, the commands answered twice (the redeliveries that
// reached it). Also CPU ms per command of the processes (and PostgreSQL's backends), steadier than wall-clock
// figures on a shared machine. Then the perf.md targets.
// It prints figures and never asserts: a benchmark, not a test.
//
// Environment: BENCH_DATABASE_URL (admin URL, default postgres://postgres@127.0.0.1:5432/postgres, as the
// tests' TEST_DATABASE_URL), BENCH_REDIS_URL (default redis://127.0.0.1:6379/0; only keys under the run's
// prefix are touched and removed), BENCH_LOG_LEVEL (the replicas' log level, default warn),
// BENCH_POOL_MAX (each replica's DATABASE_POOL_MAX, default the app's 10), BENCH_NODE_ARGS (Node options
// for the replicas only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { openDatabase } from '../src/db/client.ts';
import { type Command, PLATFORMS, type Platform, type PlatformName, platform } from './ack/platforms.ts';

if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
const { dropDatabase, freshDatabaseUrl } = await import('../test/helpers/pg.ts');

const { values: opt } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '120' },
    platform: { type: 'string', default: 'all' },
    redeliver: { type: 'string', default: '0.05' },
    replicas: { type: 'string', default: '2' },
    drain: { type: 'string', default: '30' },
  },
});
const RATE = Number(opt.rate);
const SECONDS = Number(opt.seconds);
const SHARE = Number(opt.redeliver);
const REPLICAS = Math.max(1, Number(opt.replicas));
const DRAIN_MS = Number(opt.drain) * 1000;
const REDELIVER_WITHIN_MS = 2000;
/** Each person sends about one command every 6 s: within WeCom's 20-30 per minute per conversation. */
const USERS = Math.max(20, Math.ceil(RATE * 6));
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const chosen: PlatformName[] =
  opt.platform === 'all'
    ? [...PLATFORMS]
    : (opt.platform!.split(',').map((p) => {
        if (!(PLATFORMS as readonly string[]).includes(p)) throw new Error(`--platform ${p}?`);
        return p;
      }) as PlatformName[]);
if (!(RATE > 0 && SECONDS > 0 && SHARE >= 0 && SHARE <= 1))
  throw new Error('check --rate, --seconds, --redeliver');

const TARGET = { ackP99: 50, ackMax: 500, replyP99: 250 };

const say = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

// ---------------------------------------------------------------- figures

/** The p-quantile of times in ms (Infinity: never came). */
function quantile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}
const ms = (x: number) =>
  Number.isNaN(x)
    ? '–'
    : x === Number.POSITIVE_INFINITY
      ? 'never'
      : `${x < 10 ? x.toFixed(1) : x.toFixed(0)} ms`;

type Side = {
  sent: number;
  redelivered: number;
  /** Ack times of every delivery whose ack is measured (redeliveries too), Infinity for none. */
  acks: number[];
  unacked: number;
  /** Reply time of each command (the first reply), Infinity when none came within the drain. */
  replies: number[];
  repliedTwice: number;
  /** Ours: customer rows beyond one per name, and commands without their row. */
  extraRows?: number;
  missingRows?: number;
  lateP99: number;
  lateMax: number;
  /** CPU ms per command over the measured load: the app or baseline processes, and PostgreSQL's backends. */
  cpuPerCommand: number;
  pgCpuPerCommand?: number;
  notes: string[];
};

// ---------------------------------------------------------------- processes

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    for (const c of children) c.kill('SIGKILL');
    process.exit(130);
  });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Only what Node and tsx need from our environment; the rest is the bench's own settings. */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  return Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
}

type Child = { proc: ChildProcess; out: () => string; exited: Promise<number | null> };

function launch(args: string[], env: Record<string, string>, nodeArgs: string[] = []): Child {
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  // 'close': the process has exited and its output is read to the end.
  const exited = new Promise<number | null>((resolve) =>
    proc.once('close', (code) => {
      children.delete(proc);
      resolve(code);
    }),
  );
  return { proc, out: () => out, exited };
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 where there is no /proc. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** The replicas' salesrelay_command_seconds buckets (le → count), summed over nouns and replicas. */
async function commandBuckets(bases: string[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const b of bases) {
    const text = await fetch(`${b}/metrics`)
      .then((r) => r.text())
      .catch(() => '');
    for (const m of text.matchAll(/^salesrelay_command_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\d+)/gm)) {
      const le = m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]);
      out.set(le, (out.get(le) ?? 0) + Number(m[2]));
    }
  }
  return out;
}

/** The bucket bound below which a share p of the commands between two readings fell. */
function bucketQuantile(before: Map<number, number>, after: Map<number, number>, p: number): string {
  const les = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return '–';
  for (const le of les)
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= p * total)
      return le === Number.POSITIVE_INFINITY ? '> 10 s' : `≤ ${le * 1000} ms`;
  return '–';
}

async function until<T>(fn: () => T | false | Promise<T | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

async function stop(c: Child): Promise<void> {
  if (c.proc.exitCode !== null) return;
  c.proc.kill('SIGTERM');
  const done = await Promise.race([c.exited, sleep(30_000).then(() => 'late' as const)]);
  if (done === 'late') c.proc.kill('SIGKILL');
}

// ---------------------------------------------------------------- the load

type Sending = { c: Command; sentAt: number; acked: Promise<number | null> | null };

/** A seeded generator, so every run (and both sides) redeliver the same commands at the same delays. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fires each event at its time (ms from now), however late the answers; returns how late each was fired. */
function openLoop(events: { at: number; fire: () => void }[]): Promise<number[]> {
  events.sort((a, b) => a.at - b.at);
  const late: number[] = [];
  const t0 = performance.now();
  let k = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const now = performance.now() - t0;
      while (k < events.length && events[k]!.at <= now) {
        const e = events[k++]!;
        late.push(now - e.at);
        e.fire();
      }
      if (k >= events.length) return resolve(late);
      setTimeout(tick, Math.max(0, Math.min(events[k]!.at - now - 0.5, 5)));
    };
    tick();
  });
}

async function phase(name: PlatformName, side: 'baseline' | 'ours'): Promise<Side> {
  const p: Platform = platform(name);
  const notes: string[] = [];
  const NAME = /AckBench (\d+)(?!\d)/;
  const replies = new Map<number, number[]>();
  let otherReplies = 0;
  await p.start((text, at) => {
    const m = NAME.exec(text);
    if (!m) return void otherReplies++;
    const i = Number(m[1]);
    const list = replies.get(i);
    if (list) list.push(at);
    else replies.set(i, [at]);
  });
  p.addUsers(USERS);

  let url = '';
  let procs: Child[] = [];
  let targets: string[] = [];
  const prefix = `sr-ack-${randomBytes(4).toString('hex')}`;
  try {
    if (side === 'ours') {
      url = await freshDatabaseUrl();
      const database = await openDatabase({ databaseUrl: url });
      await database.migrate();
      await database.close();
      const ports = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
      procs = ports.map((port) =>
        launch(
          ['src/main.ts', '--no-demo'],
          {
            ...baseEnv(),
            DATABASE_URL: url,
            ...(process.env.BENCH_POOL_MAX ? { DATABASE_POOL_MAX: process.env.BENCH_POOL_MAX } : {}),
            PORT: String(port),
            HOST: '127.0.0.1',
            LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
            REDIS_URL,
            QUEUE_PREFIX: prefix,
            CONSOLE: 'off',
            ...p.env(),
          },
          NODE_ARGS,
        ),
      );
      const base = ports.map((port) => `http://127.0.0.1:${port}`);
      await Promise.all(
        base.map((b, k) =>
          until(
            async () => {
              if (procs[k]!.proc.exitCode !== null)
                throw new Error(`replica ${k} exited:\n${procs[k]!.out().slice(-3000)}`);
              const r = await fetch(`${b}/readyz`).catch(() => null);
              return r?.status === 200;
            },
            90_000,
            `replica ${k} ready`,
          ),
        ),
      );
      targets = base.map((b) => `${b}/slack/events`);
    } else {
      // Spread and per-process connections: one baseline process per replica; one connection: one process.
      const n = p.topology === 'one' ? 1 : REPLICAS;
      procs = Array.from({ length: n }, () =>
        launch(['bench/ack/baseline.ts'], { ...baseEnv(), BENCH_PLATFORM: name, ...p.env() }),
      );
      targets = await Promise.all(
        procs.map((c, k) =>
          until(
            () => {
              if (c.proc.exitCode !== null) throw new Error(`baseline ${k} exited:\n${c.out().slice(-3000)}`);
              const m = /ready ?(\S*)/.exec(c.out());
              return m ? m[1] || 'x' : false;
            },
            60_000,
            `baseline ${k} ready`,
          ),
        ),
      );
    }
    p.targets(targets);
    if (p.topology !== 'spread') {
      const want = p.topology === 'one' ? 1 : procs.length;
      await until(() => p.connections() >= want, 30_000, `${want} ${name} connection(s)`);
    }
    if (side === 'ours') {
      // Who holds the platform's connection, as each replica's /readyz says it.
      const parts = await Promise.all(
        targets.map(async (t) => {
          const r = await fetch(t.replace('/slack/events', '/readyz'));
          const j = (await r.json()) as { parts?: Record<string, { detail?: string }> };
          return j.parts?.[name]?.detail ?? '(no connection part)';
        }),
      );
      notes.push(`replicas' /readyz for ${name}: ${parts.map((d, k) => `#${k + 1} ${d}`).join('; ')}`);
    }

    // An untimed round: every person once (ours: that creates them), then they are made sales reps.
    const warm: Command[] = Array.from({ length: USERS }, (_, u) => ({ i: -1, user: u, text: 'me lang=en' }));
    await openLoop(warm.map((c, k) => ({ at: (k * 1000) / RATE, fire: () => void p.send(c, k) })));
    await until(() => otherReplies >= USERS, 30_000, 'the warm-up answered').catch(() =>
      notes.push(`warm-up: ${otherReplies} of ${USERS} answered in time`),
    );
    if (side === 'ours') {
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const promoted = await sql`
        update people set role = 'sales_rep', department_id = (select id from departments where code = 'sales')
        where role is null`;
      await sql.end();
      if (promoted.count !== USERS) notes.push(`${promoted.count} of ${USERS} people were there to promote`);
    }

    // The measured load.
    const N = Math.round(RATE * SECONDS);
    const rnd = prng(18);
    const sendings: Sending[] = [];
    const again: Sending[] = [];
    const events: { at: number; fire: () => void }[] = [];
    for (let i = 0; i < N; i++) {
      const c: Command = { i, user: i % USERS, text: `customer add name="AckBench ${i}"` };
      const at = (i * 1000) / RATE;
      events.push({
        at,
        fire: () => {
          const sentAt = performance.now();
          sendings[i] = { c, sentAt, acked: p.send(c, i) };
        },
      });
      if (rnd() < SHARE) {
        const delay = rnd() * REDELIVER_WITHIN_MS;
        events.push({
          at: at + delay,
          fire: () => {
            const sentAt = performance.now();
            // To the other replica: a load balancer sends a retry wherever it likes.
            again.push({ c, sentAt, acked: p.redeliver(c, i + 1) });
          },
        });
      }
    }
    // CPU of the processes (and, for ours, of the database's backends), read around the load and its drain.
    const backends = async () => {
      if (!url) return [] as number[];
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const rows = await sql<{ pid: number }[]>`
        select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
      await sql.end();
      return rows.map((r) => r.pid);
    };
    const cpu = () => procs.reduce((a, c) => a + cpuSeconds(c.proc.pid), 0);
    // A backend that opens during the load counts from 0 (the pools open connections as they need them).
    const pg0 = new Map((await backends()).map((pid) => [pid, cpuSeconds(pid)]));
    const pgUsedSince = async () =>
      (await backends()).reduce((a, pid) => a + cpuSeconds(pid) - (pg0.get(pid) ?? 0), 0);
    const cpu0 = cpu();
    const bases = side === 'ours' ? targets.map((t) => t.replace('/slack/events', '')) : [];
    const core0 = await commandBuckets(bases);
    const late = await openLoop(events);
    const lastSent = performance.now();

    // Acks and replies still owed, up to the drain; then a moment for doubles.
    const ackTimes = new Map<Sending, number | null>();
    for (const s of [...sendings, ...again])
      void s.acked?.then((t) => {
        ackTimes.set(s, t);
      });
    const measured = [...sendings, ...again].filter((s) => s.acked);
    await until(
      () => ackTimes.size >= measured.length && sendings.every((s) => replies.has(s.c.i)),
      DRAIN_MS,
      'drained',
    ).catch(() => notes.push(`still owed after the ${DRAIN_MS / 1000} s drain`));
    await sleep(2000);
    const drainedIn = performance.now() - lastSent;
    const cpuUsed = cpu() - cpu0;
    const pgUsed = await pgUsedSince();
    if (bases.length) {
      const core1 = await commandBuckets(bases);
      notes.push(
        `in the replicas (salesrelay_command_seconds, command reaching the core → its answer): ` +
          `p50 ${bucketQuantile(core0, core1, 0.5)}, p99 ${bucketQuantile(core0, core1, 0.99)}`,
      );
    }

    const acks = measured.map((s) => {
      const t = ackTimes.get(s);
      return t ? t - s.sentAt : Number.POSITIVE_INFINITY;
    });
    const result: Side = {
      sent: N,
      redelivered: again.length,
      acks,
      unacked: acks.filter((a) => a === Number.POSITIVE_INFINITY).length,
      replies: sendings.map((s) => {
        const r = replies.get(s.c.i);
        return r ? Math.min(...r) - s.sentAt : Number.POSITIVE_INFINITY;
      }),
      repliedTwice: [...replies.values()].filter((r) => r.length > 1).length,
      lateP99: quantile(late, 0.99),
      lateMax: Math.max(...late),
      cpuPerCommand: (cpuUsed * 1000) / N,
      ...(url ? { pgCpuPerCommand: (pgUsed * 1000) / N } : {}),
      notes,
    };
    if (again.length && again.every((s) => !s.acked)) notes.push('redeliveries have no ack here: not timed');
    notes.push(`drained ${(drainedIn / 1000).toFixed(1)} s after the last send`);

    if (side === 'ours') {
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const [row] = await sql<{ n: number; names: number }[]>`
        select count(*)::int as n, count(distinct name)::int as names from customers where name like 'AckBench %'`;
      const [open] = await sql<
        { n: number }[]
      >`select count(*)::int as n from inbound_events where done_at is null`;
      // Answers that could not go at once went through the outbox: where they are now.
      const outbox = await sql<{ state: string; n: number; attempts: number; error: string | null }[]>`
        select state, count(*)::int as n, max(attempts)::int as attempts, max(last_error) as error
        from outbox group by state order by state`;
      await sql.end();
      if (outbox.length)
        notes.push(
          `outbox: ${outbox
            .map(
              (o) =>
                `${o.n} ${o.state} (attempts ≤ ${o.attempts}${o.error ? `, e.g. ${o.error.slice(0, 120)}` : ''})`,
            )
            .join('; ')}`,
        );
      result.extraRows = row!.n - row!.names;
      result.missingRows = N - row!.names;
      if (open!.n) notes.push(`${open!.n} inbound events not done yet`);
    }
    await Promise.all(procs.map(stop));
    return result;
  } finally {
    for (const c of procs) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await p.close().catch(() => {});
    if (url) await dropDatabase(url).catch((err) => say(`could not drop ${url}: ${err}`));
    if (side === 'ours') await cleanRedis(prefix);
  }
}

async function cleanRedis(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } catch (err) {
    say(`could not clean Redis keys ${prefix}:*: ${err}`);
  } finally {
    redis.disconnect();
  }
}

// ---------------------------------------------------------------- the run

function row(label: string, s: Side): string {
  const dup =
    s.extraRows !== undefined
      ? `${s.extraRows + s.repliedTwice} (${s.extraRows} extra rows, ${s.repliedTwice} answered twice)`
      : `${s.repliedTwice} answered twice (nothing dedupes there)`;
  const missing = s.replies.filter((r) => r === Number.POSITIVE_INFINITY).length;
  return [
    `  ${label.padEnd(9)}`,
    `ack p50 ${ms(quantile(s.acks, 0.5)).padStart(8)}`,
    `p99 ${ms(quantile(s.acks, 0.99)).padStart(8)}`,
    `max ${ms(Math.max(...s.acks)).padStart(8)}`,
    `${s.unacked ? ` (${s.unacked} unacked)` : ''}`,
    `| reply p99 ${ms(quantile(s.replies, 0.99)).padStart(8)}${missing ? ` (${missing} never)` : ''}`,
    `| duplicate effects ${dup}`,
  ].join('  ');
}

const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(a / b >= 10 ? 0 : 2)} ×` : '–';

const TOPOLOGY = {
  spread: (n: number) => `requests spread over all ${n} replicas (any replica serves Slack HTTP)`,
  each: (n: number) =>
    `every replica keeps a stream connection of its own (${n}); the platform hands each event to one`,
  one: () =>
    'one replica holds the long connection (a PostgreSQL advisory lock); the other stands by for this platform',
};

say(
  `bench:ack — ${RATE} commands/s for ${SECONDS} s per platform, ${(SHARE * 100).toFixed(1)} % redelivered ` +
    `within ${REDELIVER_WITHIN_MS / 1000} s, ${REPLICAS} replicas, ${USERS} people`,
);
say(`machine: ${cpus().length} CPUs, load ${load()}, ${new Date().toISOString()}`);
const verdicts: string[] = [];
for (const name of chosen) {
  say();
  say(`${name} (load ${load()}):`);
  const base = await phase(name, 'baseline');
  const ours = await phase(name, 'ours');
  const p = platform(name);
  say(`  ack: ${p.ackIs}; reply: ${p.replyIs}`);
  const limit = p.limit(RATE);
  if (limit) say(`  limit: ${limit}`);
  say(
    `  ours: ${TOPOLOGY[p.topology](REPLICAS)}; baseline: ${p.topology === 'one' ? 1 : REPLICAS} process(es)`,
  );
  say(row('ours', ours));
  say(row('baseline', base));
  say(
    `  ${'ours ÷ baseline'.padEnd(9)}  ack p50 ${ratio(quantile(ours.acks, 0.5), quantile(base.acks, 0.5))}, ` +
      `p99 ${ratio(quantile(ours.acks, 0.99), quantile(base.acks, 0.99))}, ` +
      `max ${ratio(Math.max(...ours.acks), Math.max(...base.acks))}; ` +
      `reply p99 ${ratio(quantile(ours.replies, 0.99), quantile(base.replies, 0.99))}`,
  );
  for (const [label, s] of [
    ['ours', ours],
    ['baseline', base],
  ] as const) {
    say(
      `  ${label}: ${s.sent} commands + ${s.redelivered} redelivered; CPU ${s.cpuPerCommand.toFixed(2)} ms per command` +
        `${s.pgCpuPerCommand !== undefined ? ` (+ PostgreSQL backends ${s.pgCpuPerCommand.toFixed(2)} ms)` : ''}` +
        `; generator late p99 ${ms(s.lateP99)}, max ${ms(s.lateMax)}` +
        `${s.missingRows ? `; ${s.missingRows} commands without their customer row` : ''}`,
    );
    for (const n of s.notes) say(`    ${n}`);
  }
  const check = (what: string, value: number, limit: number) =>
    `${what} ${ms(value)} ≤ ${limit} ms: ${value <= limit ? 'met' : 'MISSED'}`;
  const dup = (ours.extraRows ?? 0) + ours.repliedTwice;
  const line = [
    check('ack p99', quantile(ours.acks, 0.99), TARGET.ackP99),
    check('ack max', Math.max(...ours.acks), TARGET.ackMax),
    check('reply p99', quantile(ours.replies, 0.99), TARGET.replyP99),
    `duplicate effects ${dup}: ${dup === 0 ? 'met' : 'MISSED'}`,
  ].join('; ');
  say(`  targets: ${line}`);
  verdicts.push(`${name.padEnd(9)} ${line}`);
}
say();
say(`summary (load ${load()}):`);
for (const v of verdicts) say(`  ${v}`);
process.exit(0);
