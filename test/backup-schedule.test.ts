// Scheduled backups (issue 20, R-SEC-3) and the backup log through the console: BACKUP_SCHEDULE is one
// repeating reminder however many instances start, its slots fall at the rule's hour in the
// organisation's time zone, a slot fired by two instances at once is backed up once, a failed scheduled
// backup is a failed row in the log and a notice to the management chat, and the next slot works again.
// `backup list` shows the log to admins, newest first (en and zh); a rep is refused, and the refusal is
// audited. PostgreSQL (two application instances on one database) and PGlite (the running embedded
// database backed up in its own process). The runners' timers are stopped: the tests run what is queued
// themselves (BackupRunner.runQueued), and command time is the scripted clock.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logQueue } from '../src/backup/log.ts';
import { BackupRunner } from '../src/backup/schedule.ts';
import { fireOccurrence } from '../src/schedule/fire.ts';
import { type Driver, startDriver } from './helpers/console.ts';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';

const work = mkdtempSync(join(tmpdir(), 'sr-backup-schedule-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ZONE = 'America/New_York';

type Occ = { id: number; due_at: Date; state: string };
type LogRow = {
  id: number;
  kind: string;
  trigger: string;
  state: string;
  occurrence_id: number | null;
  file: string | null;
  error: string | null;
  finished_at: Date | null;
};

/** The occurrences of the active reminder of `kind` (backup, backup_drill), oldest first. */
const occurrences = async (d: Driver, kind: string) =>
  (
    await d.query<Occ>(
      `select o.id::int as id, o.due_at, o.state from reminder_occurrences o join reminders r on r.id = o.reminder_id
       where r.kind = '${kind}' and r.state = 'active' order by o.due_at, o.id`,
    )
  ).map((o) => ({ ...o, due_at: new Date(o.due_at) }));
const scheduled = async (d: Driver, kind: string) => {
  const open = (await occurrences(d, kind)).filter((o) => o.state === 'scheduled');
  expect(open).toHaveLength(1);
  return open[0]!;
};
const logRows = (d: Driver) =>
  d.query<LogRow>(
    'select id, kind, trigger, state, occurrence_id::int as occurrence_id, file, error, finished_at from backup_log order by id',
  );
const backupFiles = (dir: string) =>
  readdirSync(dir).filter((n) => /^salesrelay-.*\.(dump|tar\.gz)$/.test(n));
const local = (at: Date) => DateTime.fromJSDate(new Date(at), { zone: ZONE });

/**
 * The messages to the console chat `chat` matching `pattern`: as written to the outbox (shared), and as
 * shown by the instances' consoles (each keeps its own transcript), looked for until delivered.
 */
async function notices(ds: Driver[], chat: string, pattern: RegExp): Promise<string[]> {
  const written = (
    await ds[0]!.query<{ text: string }>(
      `select payload->>'text' as text from outbox where target_kind = 'chat' and target_id = '${chat}' order by id`,
    )
  )
    .map((r) => r.text)
    .filter((t) => pattern.test(t));
  for (let i = 0; i < 200; i++) {
    const shown: string[] = [];
    for (const d of ds) {
      await d.app.delivery.drain();
      shown.push(...(await d.messages(chat)).map((m) => m.text).filter((t) => pattern.test(t)));
    }
    if (shown.length >= written.length) {
      expect(shown.sort()).toEqual(written.sort());
      return written;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${chat} did not get ${written.length} message(s)`);
}

describe('PostgreSQL: scheduled backups with two instances on one database', () => {
  let url = '';
  let a: Driver;
  let b: Driver;
  let now = new Date();
  const box = join(work, 'box');
  const backupDir = join(box, 'backups');

  beforeAll(async () => {
    url = await freshDatabaseUrl();
    const env = { DATABASE_URL: url, BACKUP_DIR: backupDir, ORG_TIMEZONE: ZONE };
    // Two replicas starting together: housekeeping ensures the schedule under its lock.
    [a, b] = await Promise.all([
      startDriver({ env, clock: () => now }),
      startDriver({ env, clock: () => now }),
    ]);
    // The tests run the queued work themselves, not the runners' 30-second timers.
    await a.app.backups.stop();
    await b.app.backups.stop();
    for (const p of ['admin', 'li']) await a.say(p, 'me lang=en');
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (url) await dropDatabase(url);
  });

  it('one reminder per schedule for both instances, each slot at its hour in the organisation’s zone', async () => {
    const reminders = await a.query<{ kind: string; repeat: string; timezone: string }>(
      "select kind, repeat, timezone from reminders where kind in ('backup', 'backup_drill') and state = 'active' order by kind",
    );
    expect(reminders).toEqual([
      { kind: 'backup', repeat: 'daily@02:00', timezone: ZONE },
      { kind: 'backup_drill', repeat: 'weekly:7@03:00', timezone: ZONE },
    ]);
    const backup = local((await scheduled(a, 'backup')).due_at);
    expect([backup.hour, backup.minute]).toEqual([2, 0]);
    // The next 02:00 in New York: within a day from now.
    expect(backup.toMillis()).toBeGreaterThan(Date.now());
    expect(backup.toMillis()).toBeLessThanOrEqual(DateTime.now().plus({ hours: 25 }).toMillis());
    const drill = local((await scheduled(a, 'backup_drill')).due_at);
    expect([drill.weekday, drill.hour, drill.minute]).toEqual([7, 3, 0]);
  });

  it('a slot fired by both instances at once is queued once and backed up once; the next slot is the next day', async () => {
    const slot = await scheduled(a, 'backup');
    // Both instances' schedulers reach the slot at the same moment.
    await Promise.all([
      fireOccurrence(a.app.database.db, slot.id, slot.due_at),
      fireOccurrence(b.app.database.db, slot.id, slot.due_at),
    ]);
    expect((await logRows(a)).map((r) => [r.occurrence_id, r.state])).toEqual([[slot.id, 'queued']]);
    // …and both runners look for queued work at the same moment.
    const ran = await Promise.all([a.app.backups.runQueued(), b.app.backups.runQueued()]);
    expect(ran[0] + ran[1]).toBe(1);
    const [row] = await logRows(a);
    expect(row).toMatchObject({ kind: 'backup', trigger: 'schedule', state: 'done', error: null });
    expect(backupFiles(backupDir)).toEqual([row!.file!.split('/').at(-1)]);
    // The same slot again (a retry, a re-added job) does nothing; queuing it twice neither.
    expect(await fireOccurrence(b.app.database.db, slot.id, slot.due_at)).toBe('skipped');
    expect(await logQueue(a.app.database.db, 'backup', slot.id)).toBe(false);
    expect(await b.app.backups.runQueued()).toBe(0);
    expect(await logRows(a)).toHaveLength(1);
    // The next slot: the following day at 02:00 in New York.
    const next = await scheduled(a, 'backup');
    expect(local(next.due_at).toISO()).toBe(local(slot.due_at).plus({ days: 1 }).toISO());
  });

  it('a failed scheduled backup is a failed row and a notice to management; the next slot works again', async () => {
    // BACKUP_DIR's share is gone: its place is a plain file, so the folder cannot be made.
    renameSync(box, `${box}-aside`);
    writeFileSync(box, 'not a folder');
    const failing = await scheduled(a, 'backup');
    await fireOccurrence(a.app.database.db, failing.id, failing.due_at);
    expect(await a.app.backups.runQueued()).toBe(1);
    const failed = (await logRows(a)).at(-1)!;
    expect(failed).toMatchObject({
      trigger: 'schedule',
      state: 'failed',
      occurrence_id: failing.id,
      file: null,
    });
    expect(failed.error).toMatch(/^BACKUP_DIR: cannot create .*backups/);
    const told = await notices([a, b], 'management', /Backup FAILED|备份失败/);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/BACKUP_DIR: cannot create/);
    expect(told[0]).toMatch(/npm run backup/);

    rmSync(box);
    renameSync(`${box}-aside`, box);
    const again = await scheduled(a, 'backup');
    expect(local(again.due_at).toISO()).toBe(local(failing.due_at).plus({ days: 1 }).toISO());
    await fireOccurrence(b.app.database.db, again.id, again.due_at);
    expect(await b.app.backups.runQueued()).toBe(1);
    expect((await logRows(a)).map((r) => r.state)).toEqual(['done', 'failed', 'done']);
    expect(backupFiles(backupDir)).toHaveLength(2);
    // No second notice: the success says nothing.
    expect(await notices([a, b], 'management', /FAILED|失败/)).toHaveLength(1);
  });

  it('backup list: an admin sees the log newest first, with the newest good backup’s age', async () => {
    const rows = await logRows(a);
    const newest = rows.at(-1)!;
    now = new Date(new Date(newest.finished_at!).getTime() + 3 * 3600_000);
    const text = (await a.say('admin', 'backup list')).text;
    expect(text).toMatch(/^Newest good backup: 3 h ago \(.*salesrelay-\d{8}-\d{6}Z\.dump\)\./);
    expect(text).toContain('No restore drill yet.');
    expect(text).toContain('Backup log (page 1 of 1, 3 entries):');
    const order = rows.map((r) => text.indexOf(`#${r.id} `));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order[2]).toBeLessThan(order[1]!);
    expect(order[1]).toBeLessThan(order[0]!);
    expect(text).toMatch(
      new RegExp(`#${rows[1]!.id} .*backup \\(scheduled\\) · FAILED\\n\\s+BACKUP_DIR: cannot create`),
    );
    expect(text).toMatch(
      new RegExp(`#${newest.id} .*backup \\(scheduled\\) · done · salesrelay-\\S+\\.dump \\d`),
    );
    // Three days later with nothing new: a warning to check the schedule.
    now = new Date(new Date(newest.finished_at!).getTime() + 3 * 86_400_000);
    expect((await a.say('admin', 'backup list')).text).toContain('more than two days old');
  });

  it('backup list: a rep is refused, and the refusal is audited', async () => {
    const reply = await a.say('li', 'backup list');
    expect(reply.text).not.toMatch(/Backup log|salesrelay-/);
    expect(reply.text).toMatch(/may not use "backup list"/);
    const [denied] = await a.query<{ action: string; entity: string; handle: string; command: string }>(
      `select a.action, a.entity, p.handle, a.detail->>'command' as command
       from audit_log a join people p on p.id = a.person_id order by a.id desc limit 1`,
    );
    expect(denied).toEqual({ action: 'denied', entity: 'backup', handle: 'li', command: 'backup list' });
  });

  it('备份 列表: the same log in Chinese', async () => {
    await a.say('admin', 'me lang=zh');
    const text = (await a.say('admin', '备份 列表')).text;
    expect(text).toContain('备份日志（第 1/1 页，共 3 条）：');
    expect(text).toContain('尚未进行恢复演练。');
    expect(text).toMatch(/备份 \(定时\) · 失败/);
    expect(text).toMatch(/备份 \(定时\) · 成功/);
    await a.say('admin', 'me lang=en');
  });

  it('a backup its process left half-way (a crash, a restart) is failed at the next start and told', async () => {
    const host = hostname();
    // A finished child: a pid that no process has any more.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const longAgo = new Date(Date.now() - 86_400_000).toISOString();
    const justNow = new Date().toISOString();
    const rows = await a.query<{ id: number; runner: string }>(
      `insert into backup_log (kind, trigger, state, started_at, runner) values
         ('backup', 'schedule', 'started', '${longAgo}', '${host}:${gone}'),
         ('backup', 'schedule', 'started', '${longAgo}', '${host}:${process.pid}'),
         ('backup', 'manual', 'started', '${justNow}', '${host}:${process.pid}'),
         ('drill', 'schedule', 'started', '${longAgo}', 'another-host:${gone}')
       returning id, runner`,
    );
    // The crashed process's pid (a dead one, or this one in a restarted container, before this process
    // began) is failed; one this process runs now, and another machine's, are left alone.
    const runner = new BackupRunner({ config: a.app.config, database: a.app.database });
    await runner.start(3600_000);
    await runner.stop();
    const states = await a.query<{ id: number; state: string; error: string | null }>(
      `select id, state, error from backup_log where id in (${rows.map((r) => r.id).join(',')}) order by id`,
    );
    expect(states.map((r) => r.state)).toEqual(['failed', 'failed', 'started', 'started']);
    expect(states[0]!.error).toMatch(/stopped before it finished \(a crash or a restart\)/);
    const told = await notices([a, b], 'management', /stopped before it finished/);
    expect(told).toHaveLength(2);
    await a.query(`delete from backup_log where id in (${rows.map((r) => r.id).join(',')})`);
  });
});

describe('PGlite: a scheduled backup of the running embedded database', () => {
  let d: Driver;
  const backupDir = join(work, 'pglite-backups');

  beforeAll(async () => {
    mkdirSync(backupDir, { recursive: true });
    d = await startDriver({ pglite: true, env: { BACKUP_DIR: backupDir, ORG_TIMEZONE: ZONE } });
    await d.app.backups.stop();
    await d.say('admin', 'me lang=en');
    await d.say('admin', 'customer add name="Acme Ltd"');
  }, 120_000);
  afterAll(() => d?.close());

  it('runs once per slot while the application works on, and is listed', async () => {
    const slot = await scheduled(d, 'backup');
    expect([local(slot.due_at).hour, local(slot.due_at).minute]).toEqual([2, 0]);
    await fireOccurrence(d.app.database.db, slot.id, slot.due_at);
    await fireOccurrence(d.app.database.db, slot.id, slot.due_at);
    expect(await d.app.backups.runQueued()).toBe(1);
    expect(await d.app.backups.runQueued()).toBe(0);
    const [row] = await logRows(d);
    expect(row).toMatchObject({ trigger: 'schedule', state: 'done', occurrence_id: slot.id });
    expect(backupFiles(backupDir)).toEqual([row!.file!.split('/').at(-1)]);
    expect(row!.file).toMatch(/\.tar\.gz$/);
    // The application goes on working on the same database.
    expect((await d.say('admin', 'customer show C-0001')).text).toContain('Acme Ltd');
    const list = (await d.say('admin', 'backup list')).text;
    expect(list).toMatch(
      new RegExp(`#${row!.id} .*backup \\(scheduled\\) · done · salesrelay-\\S+\\.tar\\.gz`),
    );
  }, 60_000);
});
