// The backup files in BACKUP_DIR: salesrelay-<UTC time>.<dump|tar.gz>[.enc], each complete one with its
// manifest beside it. Their names carry their time, so listing needs no manifest reads.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { manifestPathOf } from './manifest.ts';

const BACKUP_NAME = /^salesrelay-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})Z\.(dump|tar\.gz)(\.enc)?$/;

/** 20261202-040512Z: sorts by time, and is a valid file name everywhere. */
export function stamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .replace(/\.\d+Z$/, 'Z');
}

/** The time in a backup file's name, or null for a name that is not a backup's. */
export function timeOfName(name: string): Date | null {
  const m = BACKUP_NAME.exec(name);
  if (!m) return null;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

export type BackupFile = { name: string; file: string; at: Date };

/** Complete backups in the folder (a file with its manifest), oldest first. */
export function listBackups(backupDir: string): BackupFile[] {
  const dir = resolve(backupDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((name) => {
      const at = timeOfName(name);
      const file = join(dir, name);
      return at && existsSync(manifestPathOf(file)) ? [{ name, file, at }] : [];
    })
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.name.localeCompare(b.name));
}
