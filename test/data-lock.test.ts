// The data folder's lock (src/db/data-lock.ts): who holds it, and when a lock left behind is taken over.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from '../src/db/data-lock.ts';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));
function folder(): string {
  dir = mkdtempSync(join(tmpdir(), 'sr-lock-'));
  return dir;
}
const lockOf = (d: string) => join(d, 'salesrelay.lock');

/** The pid of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

it('takes a free folder, names itself in the lock, and removes the lock on release', () => {
  const d = folder();
  const release = lockDataDir(d);
  expect(readFileSync(lockOf(d), 'utf8')).toBe(`${process.pid} ${hostname()}\n`);
  release();
  expect(existsSync(lockOf(d))).toBe(false);
});

it('refuses a folder held by a live process, naming its pid, and leaves its lock alone', () => {
  const d = folder();
  const holder = `${process.ppid} ${hostname()}\n`; // the test runner: alive, a node process, not us
  writeFileSync(lockOf(d), holder);
  expect(() => lockDataDir(d, './data')).toThrow(DataDirInUseError);
  expect(() => lockDataDir(d, './data')).toThrow(
    `./data is in use by another SalesRelay process (pid ${process.ppid})`,
  );
  expect(readFileSync(lockOf(d), 'utf8')).toBe(holder);
});

it.each([
  ['a dead process', () => `${deadPid()} ${hostname()}`],
  ['this very pid (a restarted container is pid 1 again)', () => `${process.pid} ${hostname()}`],
  ['nothing readable', () => 'garbage'],
])('takes over a lock left by %s, and PGlite’s postmaster.pid with it', (_, content) => {
  const d = folder();
  writeFileSync(lockOf(d), content());
  writeFileSync(join(d, 'postmaster.pid'), '-42\n');
  const release = lockDataDir(d);
  expect(readFileSync(lockOf(d), 'utf8')).toBe(`${process.pid} ${hostname()}\n`);
  expect(existsSync(join(d, 'postmaster.pid'))).toBe(false);
  release();
});

it('a lock from another host counts as held (its process cannot be checked from here)', () => {
  const d = folder();
  writeFileSync(lockOf(d), `${deadPid()} other-host`);
  expect(() => lockDataDir(d)).toThrow(/in use by another SalesRelay process \(pid \d+ on other-host\)/);
});
