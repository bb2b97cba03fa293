// Retention after each good backup: the newest backup of each of the last BACKUP_KEEP_DAILY days that
// have one, and the first backup of each of the last BACKUP_KEEP_MONTHLY months, in the organisation's
// time zone. Manual backups count like scheduled ones. The newest backup is always kept, and so is every
// backup the caller protects (the newest one a drill proved), so the only good backup is never deleted.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DateTime } from 'luxon';
import { type BackupFile, listBackups } from './files.ts';
import { manifestPathOf } from './manifest.ts';

export type RetentionRule = { keepDaily: number; keepMonthly: number; zone: string };

/** Which backups to keep and which to delete (a pure function of their names and times). */
export function selectRetention<T extends { name: string; at: Date }>(
  backups: T[],
  rule: RetentionRule,
  protect: string[] = [],
): { keep: T[]; drop: T[] } {
  const newestFirst = [...backups].sort((a, b) => b.at.getTime() - a.at.getTime());
  const keep = new Set<string>(protect);
  if (newestFirst[0]) keep.add(newestFirst[0].name);
  const local = (b: T) => DateTime.fromJSDate(b.at, { zone: rule.zone });
  const days = new Set<string>();
  for (const b of newestFirst) {
    const day = local(b).toISODate()!;
    if (days.has(day)) continue;
    if (days.size >= rule.keepDaily) break;
    days.add(day);
    keep.add(b.name);
  }
  // The first of each month: walk oldest first, and keep the months newest first.
  const firstOfMonth = new Map<string, T>();
  for (const b of [...newestFirst].reverse()) {
    const month = local(b).toFormat('yyyy-MM');
    if (!firstOfMonth.has(month)) firstOfMonth.set(month, b);
  }
  [...firstOfMonth.entries()]
    .sort(([a], [b]) => b.localeCompare(a))
    .slice(0, rule.keepMonthly)
    .forEach(([, b]) => {
      keep.add(b.name);
    });
  return {
    keep: backups.filter((b) => keep.has(b.name)),
    drop: backups.filter((b) => !keep.has(b.name)),
  };
}

/** A backup's temporary file (src/backup/backup.ts): left behind only by a process that was killed. */
const PARTIAL = /^\.salesrelay-.+\.partial$/;
/** A temporary file untouched this long belongs to no running backup (a running one writes on). */
export const PARTIAL_STALE_MS = 24 * 3600_000;

/**
 * Applies the rule to BACKUP_DIR: deletes each dropped file and its manifest, and temporary files a killed
 * backup left more than a day ago. Returns the backups that went.
 */
export function applyRetention(
  backupDir: string,
  rule: RetentionRule,
  protect: string[] = [],
  now = new Date(),
): BackupFile[] {
  const dir = resolve(backupDir);
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      if (!PARTIAL.test(name)) continue;
      const path = join(dir, name);
      if (now.getTime() - statSync(path).mtimeMs > PARTIAL_STALE_MS) rmSync(path, { force: true });
    }
  }
  const { drop } = selectRetention(listBackups(backupDir), rule, protect);
  for (const b of drop) {
    // The manifest first: a file left without one is an incomplete backup, never taken for a good one.
    rmSync(manifestPathOf(b.file), { force: true });
    rmSync(b.file, { force: true });
  }
  return drop;
}
