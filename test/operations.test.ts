// Starting and stopping as an IT admin and a process manager do it: real processes, real signals, a real
// data folder. Each test starts exactly the command that is documented (or that npm runs).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  alive,
  descendants,
  freePort,
  listening,
  PRODUCTION_START,
  run,
  type Spawned,
  start,
  waitFor,
} from './helpers/spawned.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sr-ops-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '?';
  }
}

// Fresh embedded databases and npm in child processes: slow on a shared, loaded machine.
vi.setConfig({ testTimeout: 300_000 });

const NPM_START = ['npm', 'start', '--', '--no-demo'];
const REDIS = { REDIS_URL: 'redis://127.0.0.1:6379/0' };

async function healthy(p: Spawned, port: number): Promise<void> {
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (p.child.exitCode !== null || p.child.signalCode !== null)
      throw new Error(`exited before it was healthy:\n${p.out()}\n${p.err()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM to exactly the started process; then nothing of it may be left: no process, no port, no lock. */
async function stopsCleanly(p: Spawned, dataDir: string, port?: number): Promise<void> {
  const tree = [p.pid, ...descendants(p.pid)];
  p.child.kill('SIGTERM');
  expect(await p.exited).toEqual({ code: 0, signal: null });
  expect(p.out()).toMatch(/stopping/);
  // tsx's esbuild service notices its parent's end by its closed pipe, a moment after: wait for that.
  for (let i = 0; i < 100 && tree.some(alive); i++) await new Promise((r) => setTimeout(r, 300));
  expect(tree.filter(alive).map((pid) => [pid, commandOf(pid)])).toEqual([]);
  if (port !== undefined) expect(await listening(port)).toBe(false);
  expect(existsSync(join(dataDir, 'salesrelay.lock'))).toBe(false);
}

describe('SIGTERM from a process manager', () => {
  it.each([
    ['the documented production command (node --import tsx)', PRODUCTION_START],
    ['npm start', NPM_START],
  ])('%s: the app stops, nothing it started is left, exit code 0', async (_, command) => {
    const dataDir = join(tempDir(), 'data');
    const port = await freePort();
    const p = start(command, { DATA_DIR: dataDir, PORT: String(port) });
    await healthy(p, port);
    await stopsCleanly(p, dataDir, port);
  });

  it('npm run worker: stops, nothing left, exit code 0', async () => {
    const dataDir = join(tempDir(), 'data');
    const p = start(['npm', 'run', 'worker'], {
      DATA_DIR: dataDir,
      ...REDIS,
      QUEUE_PREFIX: `sr-ops-${randomBytes(4).toString('hex')}`,
    });
    await waitFor(p, (out) => out.includes('worker ready'), 'worker ready');
    await stopsCleanly(p, dataDir);
  });
});

describe('a second process on the same data folder', () => {
  it('is refused with the holder’s pid and exit code 2 (npm start, db:migrate, worker, calendar)', async () => {
    const dataDir = join(tempDir(), 'data');
    const port = await freePort();
    const first = start(PRODUCTION_START, { DATA_DIR: dataDir, PORT: String(port) });
    await healthy(first, port);
    const inUse = `${dataDir} is in use by another SalesRelay process (pid ${first.pid})`;
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()) };
    for (const command of [
      NPM_START,
      ['npm', 'run', 'db:migrate'],
      ['npm', 'run', 'worker'],
      ['npm', 'run', 'calendar', '--', 'show', '2026'],
    ]) {
      const second = await run(command, command.includes('worker') ? { ...env, ...REDIS } : env);
      expect({ command, code: second.code, stderr: second.stderr }).toEqual({
        command,
        code: 2,
        stderr: expect.stringContaining(inUse),
      });
      expect(second.stderr).toContain('正在被另一个 SalesRelay 进程');
      expect(second.stderr).not.toMatch(/RuntimeError|Aborted|\n\s+at /);
    }
    // The first one was not disturbed.
    await healthy(first, port);
    await stopsCleanly(first, dataDir, port);
  });

  it('a lock left by a killed process (kill -9) is taken over', async () => {
    const dataDir = join(tempDir(), 'data');
    const port = await freePort();
    const killed = start(PRODUCTION_START, { DATA_DIR: dataDir, PORT: String(port) });
    await healthy(killed, port);
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(existsSync(join(dataDir, 'salesrelay.lock'))).toBe(true);
    const migrate = await run(['npm', 'run', 'db:migrate'], { DATA_DIR: dataDir });
    expect(migrate.stderr).toBe('');
    expect(migrate.stdout).toContain('migrations applied (pglite)');
    expect(migrate.code).toBe(0);
    const again = start(PRODUCTION_START, { DATA_DIR: dataDir, PORT: String(port) });
    await healthy(again, port);
    await stopsCleanly(again, dataDir, port);
  });
});

describe('a wrong platform setting', () => {
  const slack = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's3cret' };
  const dingtalk = { DINGTALK_CLIENT_ID: 'dingabc', DINGTALK_CLIENT_SECRET: 's3cret' };
  const wecom = { WECOM_BOT_ID: 'aibk1', WECOM_BOT_SECRET: 's3cret' };
  it.each([
    ['Slack', { SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_SIGNING_SECRET: is needed in HTTP mode'],
    [
      'Slack',
      { SLACK_BOT_TOKEN: 'token-1' },
      'SLACK_BOT_TOKEN: should be the bot token, starting with xoxb-',
    ],
    [
      'Slack',
      { ...slack, SLACK_CHANNEL_INTERVAL_MS: 'fast' },
      'SLACK_CHANNEL_INTERVAL_MS: should be a whole number from 0 to 60000 (is "fast"), e.g. SLACK_CHANNEL_INTERVAL_MS=1000',
    ],
    ['DingTalk', { DINGTALK_CLIENT_ID: 'dingabc' }, 'DINGTALK_CLIENT_SECRET is missing'],
    [
      'DingTalk',
      { ...dingtalk, DINGTALK_API_URL: 'api.dingtalk.com' },
      'DINGTALK_API_URL: a URL such as https://api.dingtalk.com (is "api.dingtalk.com")',
    ],
    [
      'DingTalk',
      { ...dingtalk, DINGTALK_API_QPS: 'many' },
      'DINGTALK_API_QPS: should be a whole number of at least 0 (is "many"), e.g. DINGTALK_API_QPS=20',
    ],
    ['WeCom', { WECOM_BOT_ID: 'aibk1' }, 'WECOM_BOT_SECRET: required with WECOM_BOT_ID'],
    [
      'WeCom',
      { ...wecom, WECOM_LOCK_POLL_MS: '0' },
      'WECOM_LOCK_POLL_MS: should be a whole number from 1 to 3600000 (is "0"), e.g. WECOM_LOCK_POLL_MS=2000',
    ],
    [
      'WeCom',
      { WECOM_CORP_ID: 'ww1', WECOM_TOKEN: 't', WECOM_AGENT_ID: '1000002', WECOM_APP_SECRET: 's' },
      'WECOM_ENCODING_AES_KEY: required with WECOM_CORP_ID',
    ],
  ])('%s %o: npm start exits 2 naming it, before creating anything', async (platform, settings, line) => {
    const dataDir = join(tempDir(), 'data');
    const r = await run(NPM_START, { DATA_DIR: dataDir, PORT: String(await freePort()), ...settings });
    expect(r.stderr).toContain(`Invalid ${platform} settings (see docs/setup-${platform.toLowerCase()}.md):`);
    expect(r.stderr).toContain(`  ${line}`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stderr).not.toContain('s3cret'); // secrets are not echoed
    expect(r.code).toBe(2);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('the worker checks them the same way', async () => {
    const dataDir = join(tempDir(), 'data');
    const r = await run(['npm', 'run', 'worker'], { DATA_DIR: dataDir, ...REDIS, SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(r.stderr).toContain('  SLACK_SIGNING_SECRET: is needed in HTTP mode');
    expect(r.code).toBe(2);
    expect(existsSync(dataDir)).toBe(false);
  });
});
