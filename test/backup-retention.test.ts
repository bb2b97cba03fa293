// Backup retention (issue 20, R-SEC-3): which backups are kept (the newest of each of the last
// BACKUP_KEEP_DAILY days that have one, the first of each of the last BACKUP_KEEP_MONTHLY months, in the
// organisation's time zone; the newest and the protected one always), for plain and encrypted names, and
// that applying it deletes exactly the dropped files and their manifests, nothing else in BACKUP_DIR.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBackup } from '../src/backup/backup.ts';
import { listBackups, stamp, timeOfName } from '../src/backup/files.ts';
import { applyRetention, selectRetention } from '../src/backup/retention.ts';
import { loadConfig } from '../src/config.ts';

const work = mkdtempSync(join(tmpdir(), 'sr-retention-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SHANGHAI = 'Asia/Shanghai';
const nameOf = (iso: string, ext = 'dump') => `salesrelay-${stamp(new Date(iso))}.${ext}`;
const backup = (iso: string, ext = 'dump') => ({ name: nameOf(iso, ext), at: new Date(iso) });
const names = (bs: { name: string }[]) => bs.map((b) => b.name).sort();

describe('selectRetention (which backups are kept)', () => {
  it('keeps the newest backup of each of the last N days and drops the others of those days', () => {
    // Three days, two backups a day (02:00 and 14:00 Shanghai = 18:00 and 06:00 UTC).
    const all = [
      backup('2027-03-01T18:00:00Z'), // 03-02 02:00 local
      backup('2027-03-02T06:00:00Z'), // 03-02 14:00 local
      backup('2027-03-02T18:00:00Z'), // 03-03 02:00
      backup('2027-03-03T06:00:00Z'), // 03-03 14:00
      backup('2027-03-03T18:00:00Z'), // 03-04 02:00
      backup('2027-03-04T06:00:00Z'), // 03-04 14:00
    ];
    const { keep, drop } = selectRetention(all, { keepDaily: 2, keepMonthly: 0, zone: SHANGHAI });
    // The two newest days keep their last backup; the oldest day keeps nothing (no monthly).
    expect(names(keep)).toEqual(names([all[3]!, all[5]!]));
    expect(names(drop)).toEqual(names([all[0]!, all[1]!, all[2]!, all[4]!]));
  });

  it('counts days in the organisation’s time zone, not in UTC', () => {
    // 2027-03-02 15:00 and 17:00 UTC are two hours apart but two Shanghai days (03-02 23:00, 03-03
    // 01:00), and one New York day (03-02 10:00, 12:00).
    const all = [backup('2027-03-02T15:00:00Z'), backup('2027-03-02T17:00:00Z')];
    const rule = { keepDaily: 1, keepMonthly: 0 };
    expect(names(selectRetention(all, { ...rule, zone: SHANGHAI }).keep)).toEqual([all[1]!.name]);
    expect(names(selectRetention(all, { ...rule, zone: 'America/New_York' }).keep)).toEqual([all[1]!.name]);
    // Keeping two days: Shanghai has two days, both kept; New York has one, its newest only.
    const two = { keepDaily: 2, keepMonthly: 0 };
    expect(names(selectRetention(all, { ...two, zone: SHANGHAI }).keep)).toEqual(names(all));
    expect(names(selectRetention(all, { ...two, zone: 'America/New_York' }).drop)).toEqual([all[0]!.name]);
    // The month boundary too: 2027-03-31 17:00 UTC is already 1 April in Shanghai, so with one month
    // kept, Shanghai keeps April's first (the newest) only; UTC keeps March's first as well.
    const months = [backup('2027-03-31T15:00:00Z'), backup('2027-03-31T17:00:00Z')];
    const monthly = { keepDaily: 1, keepMonthly: 1 };
    expect(names(selectRetention(months, { ...monthly, zone: SHANGHAI }).drop)).toEqual([months[0]!.name]);
    expect(names(selectRetention(months, { ...monthly, zone: 'UTC' }).keep)).toEqual(names(months));
  });

  it('keeps the first backup of each of the last M months, beyond the daily ones', () => {
    // Daily backups at 02:00 Shanghai from 15 November 2026 to 10 March 2027.
    const all: { name: string; at: Date }[] = [];
    for (let t = Date.UTC(2026, 10, 14, 18); t <= Date.UTC(2027, 2, 9, 18); t += 86_400_000)
      all.push(backup(new Date(t).toISOString()));
    const { keep, drop } = selectRetention(all, { keepDaily: 7, keepMonthly: 3, zone: SHANGHAI });
    const local = (iso: string) => nameOf(new Date(new Date(iso).getTime() - 8 * 3600_000).toISOString());
    expect(names(keep)).toEqual(
      [
        // The last 7 days: 4 to 10 March.
        ...[4, 5, 6, 7, 8, 9, 10].map((d) => local(`2027-03-${String(d).padStart(2, '0')}T02:00:00Z`)),
        // The first of March, February, January; not December, not November (3 months).
        local('2027-03-01T02:00:00Z'),
        local('2027-02-01T02:00:00Z'),
        local('2027-01-01T02:00:00Z'),
      ].sort(),
    );
    expect(keep.length + drop.length).toBe(all.length);
    expect(names(drop)).toContain(local('2026-12-01T02:00:00Z'));
    expect(names(drop)).toContain(local('2026-11-15T02:00:00Z'));
  });

  it('the first of a month is the oldest backup of that month, whether plain or encrypted', () => {
    const all = [
      backup('2027-01-05T03:00:00Z', 'dump.enc'),
      backup('2027-01-20T03:00:00Z', 'dump'),
      backup('2027-02-03T03:00:00Z', 'tar.gz.enc'),
      backup('2027-02-04T03:00:00Z', 'tar.gz'),
    ];
    const { keep } = selectRetention(all, { keepDaily: 1, keepMonthly: 12, zone: SHANGHAI });
    expect(names(keep)).toEqual(names([all[0]!, all[2]!, all[3]!]));
  });

  it('always keeps the newest backup and the protected ones (the last one a drill proved)', () => {
    const all = [backup('2027-01-05T03:00:00Z'), backup('2027-02-05T03:00:00Z')];
    // keepMonthly 0 and keepDaily 1: only the newest (daily) …
    expect(names(selectRetention(all, { keepDaily: 1, keepMonthly: 0, zone: SHANGHAI }).keep)).toEqual([
      all[1]!.name,
    ]);
    // … and a protected one whatever its age.
    const kept = selectRetention(all, { keepDaily: 1, keepMonthly: 0, zone: SHANGHAI }, [all[0]!.name]);
    expect(names(kept.keep)).toEqual(names(all));
    expect(kept.drop).toEqual([]);
    expect(selectRetention([], { keepDaily: 1, keepMonthly: 0, zone: SHANGHAI })).toEqual({
      keep: [],
      drop: [],
    });
  });
});

describe('applyRetention in BACKUP_DIR', () => {
  const dir = join(work, 'backups');
  mkdirSync(dir, { recursive: true });
  const write = (name: string, manifest = true) => {
    writeFileSync(join(dir, name), 'backup bytes');
    if (manifest) writeFileSync(join(dir, `${name}.manifest.json`), '{}');
  };

  it('deletes each dropped backup and its manifest, and nothing else', () => {
    const old = [nameOf('2027-01-10T03:00:00Z'), nameOf('2027-01-11T03:00:00Z', 'dump.enc')];
    const recent = [nameOf('2027-03-01T03:00:00Z'), nameOf('2027-03-02T03:00:00Z', 'dump.enc')];
    for (const n of [...old, ...recent]) write(n);
    // Not backups, or not complete ones: never touched.
    const other = [
      nameOf('2026-12-01T03:00:00Z'), // no manifest beside it: an unfinished backup
      `.${nameOf('2027-03-02T05:00:00Z')}.123-abcdef.partial`,
      'notes.txt',
      'salesrelay-old-copy.dump',
    ];
    write(other[0]!, false);
    for (const n of other.slice(1)) writeFileSync(join(dir, n), 'x');
    expect(listBackups(dir).map((b) => b.name)).toEqual([...old, ...recent]);

    const deleted = applyRetention(dir, { keepDaily: 2, keepMonthly: 1, zone: SHANGHAI });
    // keepMonthly 1: the first of March (recent[0]) is also a daily one; January goes.
    expect(deleted.map((b) => b.name).sort()).toEqual([...old].sort());
    expect(readdirSync(dir).sort()).toEqual(
      [...recent, ...recent.map((n) => `${n}.manifest.json`), ...other].sort(),
    );
    // Again: nothing more to delete.
    expect(applyRetention(dir, { keepDaily: 2, keepMonthly: 1, zone: SHANGHAI })).toEqual([]);
  });

  it('removes temporary files a killed backup left more than a day ago, not those of a running one', () => {
    const killed = `.${nameOf('2027-03-01T05:00:00Z')}.99-aaaaaa.partial`;
    const running = `.${nameOf('2027-03-02T06:00:00Z')}.manifest.json.98-bbbbbb.partial`;
    writeFileSync(join(dir, killed), 'half a dump');
    writeFileSync(join(dir, running), 'half a manifest');
    const old = new Date(Date.now() - 25 * 3600_000);
    utimesSync(join(dir, killed), old, old);
    const before = readdirSync(dir).filter((n) => n !== killed);
    applyRetention(dir, { keepDaily: 2, keepMonthly: 1, zone: SHANGHAI });
    expect(readdirSync(dir).sort()).toEqual(before.sort());
    expect(readdirSync(dir)).toContain(running);
  });

  it('reads the time from the name (UTC), and only from SalesRelay backup names', () => {
    expect(timeOfName('salesrelay-20270302-180000Z.dump.enc')).toEqual(new Date('2027-03-02T18:00:00Z'));
    expect(timeOfName('salesrelay-20270302-180000Z.tar.gz')).toEqual(new Date('2027-03-02T18:00:00Z'));
    expect(timeOfName('salesrelay-20270302-180000Z.dump.manifest.json')).toBeNull();
    expect(timeOfName('.salesrelay-20270302-180000Z.dump.1-a.partial')).toBeNull();
  });
});

describe('BACKUP_DIR placement (embedded database)', () => {
  const dataDir = join(work, 'data');
  const attempt = (backupDir: string, data = dataDir) =>
    makeBackup(loadConfig({ DATA_DIR: data, BACKUP_DIR: backupDir }));

  it('refuses a folder inside DATA_DIR (old backups would go into every new one), before writing anything', async () => {
    for (const inside of [dataDir, join(dataDir, 'backups'), join(dataDir, '..backups')]) {
      await expect(attempt(inside)).rejects.toThrow(/is inside DATA_DIR .*choose a folder outside it/);
      expect(existsSync(inside) && inside !== dataDir ? readdirSync(inside) : []).toEqual([]);
    }
  });

  it('accepts a folder beside it, and any folder for an embedded database in memory', async () => {
    // Past the check, the backup finds no database in the folder: the next thing it looks at.
    await expect(attempt(join(work, 'data-backups'))).rejects.toThrow(/There is no embedded database in/);
    await expect(attempt(join(work, 'elsewhere'), '')).rejects.toThrow(/There is no embedded database in/);
  });
});
