// `npm run bench:footprint`: starts SalesRelay on the embedded default (PGlite in a fresh temporary
// DATA_DIR, console chat, demo organisation) and measures how long it takes to be ready and how much memory
// it holds when idle; then starts it again on the same DATA_DIR (migrations already applied, demo there).
// Targets (../shared/perf.md, "footprint"): ready ≤ 3 s, idle RSS ≤ 400 MB.
//
//   --via node   `node --import tsx src/main.ts` (default): the spawned process is the app
//   --via npx    `npx tsx src/main.ts`: npx and tsx's wrapper in front; the app is found among the children
//   --via npm    `npm start` (which runs `tsx src/main.ts`); likewise
//   --idle 5     seconds to wait after ready before reading the idle RSS
//   --keep       keep the temporary DATA_DIR
//
// It prints figures and never asserts.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    via: { type: 'string', default: 'node' },
    idle: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const VIA = opt.via === 'npx' || opt.via === 'npm' ? opt.via : 'node';
const IDLE_S = Number(opt.idle);
const TARGET_READY_MS = 3000;
const TARGET_RSS_MB = 400;
const root = new URL('..', import.meta.url).pathname;

const say = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port nobody listens on right now (the app is told it; PORT=0 would not tell us which it took). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------- /proc

function status(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}
const kb = (v: string | undefined) => Number((v ?? '0 kB').split(/\s+/)[0]);
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (list) out.push(...list.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

function tree(pid: number): number[] {
  return [pid, ...children(pid).flatMap(tree)];
}

/** The process running the app: a node whose command line names src/main.ts, and none of whose children do. */
function appProcess(top: number): number | undefined {
  const candidates = tree(top).filter((p) => {
    try {
      const c = cmdline(p);
      return (
        c.includes('src/main.ts') && /(^|\/)node\b/.test(c.split(' ')[0] ?? '') && status(p).Name === 'node'
      );
    } catch {
      return false;
    }
  });
  return candidates.find((p) => !children(p).some((c) => candidates.includes(c))) ?? candidates.at(-1);
}

// ---------------------------------------------------------------- one start

type Start = {
  readyLogMs: number | null;
  readyInAppMs: number | null;
  healthzMs: number | null;
  rssMb: number;
  hwmMb: number;
  treeRssMb: number;
  appPid: number;
  appCmd: string;
  stopMs: number;
  exitCode: number | null;
  demo: boolean;
  log: string[];
};

async function start(dataDir: string, label: string): Promise<Start> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The embedded default: no database URL, no platform settings.
  for (const k of Object.keys(env))
    if (/^(DATABASE_URL|REDIS_URL|SLACK_|DINGTALK_|WECOM_|ADMINS$|CONSOLE$)/.test(k)) delete env[k];
  Object.assign(env, { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' });
  const [cmd, args] = {
    node: [process.execPath, ['--import', 'tsx', 'src/main.ts']] as const,
    npx: ['npx', ['tsx', 'src/main.ts']] as const,
    npm: ['npm', ['start', '--silent']] as const,
  }[VIA];

  const t0 = performance.now();
  const child: ChildProcess = spawn(cmd, [...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so that a failed stop can take the whole tree down
  });
  const log: string[] = [];
  let readyLogMs: number | null = null;
  let readyInAppMs: number | null = null;
  let demo = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      log.push(line);
      let entry: { msg?: string; ms?: number } = {};
      try {
        entry = JSON.parse(line);
      } catch {
        entry = { msg: line };
      }
      if (readyLogMs === null && /\bready\b/i.test(entry.msg ?? '')) {
        readyLogMs = performance.now() - t0;
        readyInAppMs = typeof entry.ms === 'number' ? entry.ms : null;
      }
      if (/demo organisation/.test(entry.msg ?? '')) demo = true;
    });
  }

  // Poll /healthz until it answers 200.
  let healthzMs: number | null = null;
  const deadline = t0 + 60_000;
  while (healthzMs === null && !gone && performance.now() < deadline) {
    try {
      // A refused connection fails at once; a slow answer is waited for, not retried.
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(30_000) });
      if (res.ok) healthzMs = performance.now() - t0;
      await res.body?.cancel();
    } catch {
      // not listening yet
    }
    if (healthzMs === null) await sleep(20);
  }
  if (healthzMs === null) {
    child.kill('SIGKILL');
    throw new Error(
      `${label}: no answer on /healthz${gone ? ' (the process exited)' : ''}\n${log.join('\n')}`,
    );
  }
  while (readyLogMs === null && performance.now() < t0 + healthzMs + 2000) await sleep(10);

  const appPid = appProcess(child.pid!) ?? child.pid!;
  const appCmd = cmdline(appPid);
  await sleep(IDLE_S * 1000);
  const st = status(appPid);
  const treeRssMb = tree(child.pid!).reduce((sum, p) => {
    try {
      return sum + kb(status(p).VmRSS) / 1024;
    } catch {
      return sum;
    }
  }, 0);

  // Stop it as an operator would: SIGTERM to the app, then wait for everything to exit.
  const s0 = performance.now();
  // Only the app is signalled: npm, npx and tsx's wrapper exit when it does.
  process.kill(appPid, 'SIGTERM');
  const exitCode = await Promise.race([exited, sleep(15_000).then(() => 'timeout' as const)]);
  const stopMs = performance.now() - s0;
  if (exitCode === 'timeout') {
    process.kill(-child.pid!, 'SIGKILL');
    throw new Error(`${label}: still running 15 s after SIGTERM`);
  }
  return {
    readyLogMs,
    readyInAppMs,
    healthzMs,
    rssMb: kb(st.VmRSS) / 1024,
    hwmMb: kb(st.VmHWM) / 1024,
    treeRssMb,
    appPid,
    appCmd,
    stopMs,
    exitCode,
    demo,
    log,
  };
}

// ---------------------------------------------------------------- main

async function main() {
  const how = { node: 'node --import tsx src/main.ts', npx: 'npx tsx src/main.ts', npm: 'npm start' }[VIA];
  say(`bench:footprint — embedded default (PGlite), started with ${how}`);
  say(
    `machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} at start`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'salesrelay-footprint-'));
  const runs: [string, Start][] = [];
  try {
    for (const label of ['cold start (empty DATA_DIR)', 'warm start (same DATA_DIR)']) {
      const r = await start(dataDir, label);
      runs.push([label, r]);
      say(`\n${label}:`);
      say(`  app process ${r.appPid}: ${r.appCmd}`);
      say(
        `  "ready" logged after ${r.readyLogMs === null ? 'never' : `${fmt(r.readyLogMs)} ms`} (the app's own count from its first line: ${r.readyInAppMs ?? '?'} ms); /healthz answered after ${fmt(r.healthzMs!)} ms${r.demo ? '; demo organisation created' : ''}`,
      );
      say(
        `  after ${IDLE_S} s idle: RSS ${fmt(r.rssMb)} MB (peak ${fmt(r.hwmMb)} MB)${VIA !== 'node' ? `; whole process tree ${fmt(r.treeRssMb)} MB` : ''}`,
      );
      say(`  SIGTERM → exited with code ${r.exitCode} after ${fmt(r.stopMs)} ms`);
      if (r.exitCode !== 0) say(`  its log:\n    ${r.log.slice(-20).join('\n    ')}`);
    }
  } finally {
    if (opt.keep) say(`\nkept ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
  if (existsSync(dataDir) && !opt.keep) say(`could not remove ${dataDir}`);

  const rows: [string, string, string, string][] = [['figure', 'measured', 'target', '']];
  for (const [label, r] of runs) {
    const name = label.split(' (')[0]!;
    const ready = r.healthzMs!;
    rows.push([
      `${name}: spawn → /healthz answers (ms)`,
      fmt(ready),
      `≤ ${fmt(TARGET_READY_MS)}`,
      ready <= TARGET_READY_MS ? 'pass' : 'MISS',
    ]);
    rows.push([
      `${name}: spawn → "ready" logged (ms)`,
      r.readyLogMs === null ? '—' : fmt(r.readyLogMs),
      '',
      '',
    ]);
    rows.push([
      `${name}: idle RSS after ${IDLE_S} s (MB)`,
      fmt(r.rssMb),
      `≤ ${TARGET_RSS_MB}`,
      r.rssMb <= TARGET_RSS_MB ? 'pass' : 'MISS',
    ]);
    rows.push([`${name}: peak RSS (MB)`, fmt(r.hwmMb), '', '']);
  }
  const w = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  say();
  for (const r of rows) say(`${r[0].padEnd(w[0]!)}  ${r[1].padStart(w[1]!)}  ${r[2].padEnd(w[2]!)}  ${r[3]}`);
  say(
    `\nload average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} at the end`,
  );
}

await main();
