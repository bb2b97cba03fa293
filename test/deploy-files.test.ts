// The deployment files (issue 18): the container image, the compose file and the systemd units cannot be
// built or run on the test machines (no container daemon, no systemd as PID 1), so what can be checked is:
// the compose file parses and names only real settings, the Dockerfile is multi-stage, non-root, installs
// with `npm ci --omit=dev` and copies only what exists, and the units pass `systemd-analyze verify`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PRODUCTION_START } from './helpers/spawned.ts';

const read = (path: string) => readFileSync(path, 'utf8');
/** Every setting .env.example documents (`KEY=` or `#KEY=` at the start of a line). */
const settings = new Set([...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
const defaultShutdownMs = 25_000;

type Service = {
  environment?: Record<string, string>;
  command?: string[];
  stop_grace_period?: string;
  image?: string;
};

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service> };

  it('has the app, the worker, PostgreSQL and Redis', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['app', 'postgres', 'redis', 'worker']);
    expect(compose.services.worker!.command).toEqual(['node', '--import', 'tsx', 'src/worker.ts']);
  });

  it('sets only settings SalesRelay knows, pointing at its own database and Redis', () => {
    for (const name of ['app', 'worker']) {
      const env = compose.services[name]!.environment!;
      expect(Object.keys(env).filter((k) => !settings.has(k))).toEqual([]);
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/salesrelay:.*@postgres:5432\/salesrelay$/);
      expect(env.REDIS_URL).toBe('redis://redis:6379/0');
      // The grace period outlasts the graceful stop, so SIGKILL never cuts it short.
      const grace = Number(/^(\d+)s$/.exec(compose.services[name]!.stop_grace_period ?? '')?.[1]) * 1000;
      expect(grace).toBeGreaterThan(Number(env.SHUTDOWN_TIMEOUT_MS ?? defaultShutdownMs));
    }
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));

  it('is multi-stage, installs production dependencies with npm ci, runs as a non-root user', () => {
    expect(lines.filter((l) => /^FROM /.test(l)).length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/npm ci --omit=dev/);
    const users = lines.filter((l) => /^USER /.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)$/);
  });

  it('copies only files that exist, and runs the documented production command', () => {
    for (const l of lines.filter((l) => /^COPY /.test(l) && !l.includes('--from='))) {
      const parts = l.split(/\s+/).slice(1, -1);
      for (const source of parts) expect(existsSync(source), source).toBe(true);
    }
    const cmd = JSON.parse(lines.find((l) => l.startsWith('CMD '))!.slice(4)) as string[];
    expect(cmd).toEqual(PRODUCTION_START);
    // The patches must be in the image before npm ci's postinstall applies them.
    expect(text.indexOf('COPY patches')).toBeLessThan(text.indexOf('npm ci'));
    const ignored = read('.dockerignore').split('\n');
    for (const p of ['node_modules', '.env', '.git']) expect(ignored).toContain(p);
  });
});

describe('systemd units', () => {
  const units = ['salesrelay.service', 'salesrelay-worker@.service'];
  const analyze = (() => {
    try {
      execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.each(units)('%s runs the documented command and outlasts the graceful stop', (unit) => {
    const text = read(join('deploy/systemd', unit));
    const exec = /^ExecStart=(.*)$/m.exec(text)![1]!.split(' ');
    expect(exec[0]).toBe('/usr/bin/node');
    expect(exec.slice(1)).toEqual(
      unit.startsWith('salesrelay-worker') ? ['--import', 'tsx', 'src/worker.ts'] : PRODUCTION_START.slice(1),
    );
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(text)![1]) * 1000).toBeGreaterThan(defaultShutdownMs);
    expect(text).toMatch(/^RestartPreventExitStatus=2$/m);
  });

  it.skipIf(!analyze)('pass systemd-analyze verify', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sr-units-'));
    try {
      for (const unit of units) {
        // A template is verified as one of its instances.
        const target = join(dir, unit.replace('@.', '@1.'));
        copyFileSync(join('deploy/systemd', unit), target);
        expect(() => execFileSync('systemd-analyze', ['verify', target], { stdio: 'pipe' })).not.toThrow();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
