import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../src/backup/runner.ts';
import { fireOccurrence } from '../src/schedule/fire.ts';
import { backupCli } from './helpers/backup-cli.ts';
import { type Driver, startDriver } from './helpers/console.ts';

const work = mkdtempSync(join(tmpdir(), 'sr-backup-drill-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `npm run backup` as the npm script does, with only the given settings. */
const cli = (args: string[], env: Record<string, string>) => backupCli('backup', args, env, work);

type Drill = {
  id: number;
  trigger: string;
  state: string;
  file: string | null;
  error: string | null;
  result: { tables?: number; problems?: string[]; scratch?: string } | null;
};

const drills = (d: Driver) =>
  d.query<Drill>(
    "select id, trigger, state, file, error, result from backup_log where kind = 'drill' order by id",
  );

/** Fires the drill schedule's next slot, as the scheduler does at its time, and runs what it queued. */
async function scheduledDrill(d: Driver): Promise<Drill> {
  const [slot] = await d.query<{ id: number; due_at: string }>(
    `select o.id::int as id, o.due_at from reminder_occurrences o join reminders r on r.id = o.reminder_id
     where r.kind = 'backup_drill' and r.state = 'active' and o.state = 'scheduled'`,
  );
  await fireOccurrence(d.app.database.db, slot!.id, new Date(slot!.due_at));
  expect(await d.app.backups.runQueued()).toBe(1);
  const row = (await drills(d)).at(-1)!;
  expect(row.trigger).toBe('schedule');
  return row;
}

/** Changes one byte in the middle of a backup file, leaving its manifest as it was. */
function damage(file: string): void {
  const bytes = readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(file, bytes);
}

const FAILED_DRILL = /drill FAILED|演练失败/;

/**
 * The failed-drill notices to the management chat: written to the outbox by the time the run ends, then
 * delivered to the console chat (looked for until they are there: delivery runs on its own).
 */
async function managementNotices(d: Driver): Promise<string[]> {
  const written = (
    await d.query<{ text: string }>(
      "select payload->>'text' as text from outbox where target_kind = 'chat' and target_id = 'management' order by id",
    )
  )
    .map((r) => r.text)
    .filter((t) => FAILED_DRILL.test(t));
  for (let i = 0; i < 200; i++) {
    await d.app.delivery.drain();
    const shown = (await d.messages('management')).map((m) => m.text).filter((t) => FAILED_DRILL.test(t));
    if (shown.length >= written.length) {
      expect(shown).toEqual(written);
      return shown;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the management chat did not get ${written.length} notice(s)`);
}

describe.each([
  ['PostgreSQL', false],
  ['PGlite', true],
])('restore drills on %s', (_, pglite) => {
  let d: Driver;
  const now = new Date();
  const backupDir = join(work, pglite ? 'pglite' : 'pg');
  const backupNow = async () =>
    (await runBackup({ config: d.app.config, database: d.app.database }, 'manual')).file;
  const scratchExists = async (scratch: string) =>
    pglite
      ? existsSync(scratch)
      : (
          await d.query<{ n: number }>(
            `select count(*)::int as n from pg_database where datname = '${scratch}'`,
          )
        )[0]!.n > 0;

  beforeAll(async () => {
    d = await startDriver({ pglite, env: { BACKUP_DIR: backupDir }, clock: () => now });
    await d.app.backups.stop();
    for (const p of ['admin', 'li']) await d.say(p, 'me lang=en');
    await d.say('li', 'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000', 'sales');
    await d.say('li', 'lead add customer=C-0001 source=expo desc="needs 200 sensors"');
  }, 120_000);
  afterAll(() => d?.close());

  it('a manual drill restores the newest backup into a scratch database, logs ok, and drops it', async () => {
    const file = await backupNow();
    let drill: Drill;
    if (pglite) {
      // The embedded database is this process's: the drill as the command-line tool runs it.
      const { runDrill } = await import('../src/backup/runner.ts');
      await runDrill({ config: d.app.config, database: d.app.database }, 'manual');
      drill = (await drills(d)).at(-1)!;
    } else {
      const run = await cli(['--drill'], { DATABASE_URL: d.app.config.databaseUrl!, BACKUP_DIR: backupDir });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(file);
      expect(run.stdout).toMatch(/Drill passed: \d+ tables match the manifest/);
      drill = (await drills(d)).at(-1)!;
    }
    expect(drill).toMatchObject({ trigger: 'manual', state: 'done', file, error: null });
    expect(drill.result!.tables).toBeGreaterThan(10);
    expect(drill.result!.problems).toEqual([]);
    expect(drill.result!.scratch).toMatch(pglite ? /salesrelay-drill-/ : /^salesrelay_drill_[0-9a-f]{8}$/);
    expect(await scratchExists(drill.result!.scratch!)).toBe(false);
  }, 60_000);

  it('the weekly scheduled drill does the same, and backup list says it passed', async () => {
    const file = await backupNow();
    const drill = await scheduledDrill(d);
    expect(drill).toMatchObject({ state: 'done', file, error: null });
    expect(await scratchExists(drill.result!.scratch!)).toBe(false);
    const list = (await d.say('admin', 'backup list')).text;
    expect(list).toMatch(/Last restore drill: passed/);
    expect(list).toMatch(new RegExp(`#${drill.id} .*drill \\(scheduled\\) · done · .*\\d+ tables match`));
    expect(await managementNotices(d)).toEqual([]);
  }, 60_000);

  it('a damaged newest backup is a failed drill in the log and a notice to management', async () => {
    const file = await backupNow();
    damage(file);
    const drill = await scheduledDrill(d);
    expect(drill).toMatchObject({ state: 'failed', file });
    expect(drill.error).toMatch(/is damaged: its sha256/);
    const notices = await managementNotices(d);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(file.split('/').at(-1));
    expect(notices[0]).toMatch(/is damaged: its sha256/);
    const list = (await d.say('admin', 'backup list')).text;
    expect(list).toMatch(/⚠️ Last restore drill FAILED/);
    expect(list).toMatch(new RegExp(`#${drill.id} .*drill \\(scheduled\\) · FAILED .*\\n\\s+.*is damaged`));
  }, 60_000);

  it('a backup that restores but differs from its manifest is a failed drill naming the table', async () => {
    const file = await backupNow();
    const manifest = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8'));
    const customers = manifest.tables.find((t: { table: string }) => t.table === 'customers');
    customers.rows += 1;
    writeFileSync(`${file}.manifest.json`, JSON.stringify(manifest));
    const drill = await scheduledDrill(d);
    expect(drill.state).toBe('failed');
    expect(drill.result!.problems).toEqual([
      `customers: ${customers.rows - 1} rows, the backup has ${customers.rows}`,
    ]);
    expect(await managementNotices(d)).toHaveLength(2);
    // Dropped also when the drill failed.
    expect(await scratchExists(drill.result!.scratch!)).toBe(false);
  }, 60_000);
});
