// `npm run backup`: one backup of the database the settings name, into BACKUP_DIR. The file is written
// under a temporary name and renamed when complete, and its manifest is written (the same way) last, so
// a backup that failed half-way never looks like a finished one.
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type Config, ConfigError } from '../config.ts';
import { appVersion, type Manifest, manifestPathOf, sha256Of } from './manifest.ts';
import { dumpPglite } from './pglite.ts';
import { dumpPostgres } from './postgres.ts';

export type BackupResult = { file: string; manifestFile: string; manifest: Manifest; tool: string };

/** 20261202-040512Z: sorts by time, and is a valid file name everywhere. */
function stamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .replace(/\.\d+Z$/, 'Z');
}

/** BACKUP_DIR inside the embedded database's folder would copy old backups into every new one. */
function checkBackupDir(config: Config, dir: string): void {
  if (config.databaseUrl) return;
  const inside = relative(resolve(config.dataDir), dir);
  if (inside === '' || !inside.startsWith('..')) {
    throw new ConfigError(
      `BACKUP_DIR (${dir}) is inside DATA_DIR (${resolve(config.dataDir)}): choose a folder outside it, ideally on another disk.\nBACKUP_DIR 不能位于 DATA_DIR 之内。`,
    );
  }
}

export async function makeBackup(config: Config, now = new Date()): Promise<BackupResult> {
  const dir = resolve(config.backupDir);
  checkBackupDir(config, dir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new ConfigError(`BACKUP_DIR: cannot create ${dir} (${(err as Error).message}). 无法创建备份目录。`);
  }
  const kind = config.databaseUrl ? 'postgres' : 'pglite';
  const name = `salesrelay-${stamp(now)}.${kind === 'postgres' ? 'dump' : 'tar.gz'}`;
  const file = join(dir, name);
  const manifestFile = manifestPathOf(file);
  const partial = join(dir, `.${name}.partial`);
  const partialManifest = join(dir, `.${name}${'.manifest.json'}.partial`);
  try {
    const dumped = config.databaseUrl
      ? await dumpPostgres(config.databaseUrl, partial)
      : await dumpPglite(config.dataDir, partial);
    const manifest: Manifest = {
      format: 'salesrelay-backup',
      formatVersion: 1,
      file: name,
      kind,
      createdAt: now.toISOString(),
      size: statSync(partial).size,
      sha256: await sha256Of(partial),
      appVersion: appVersion(),
      lastMigration: dumped.lastMigration,
      server: dumped.server,
      tables: dumped.tables,
    };
    writeFileSync(partialManifest, `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(partial, file);
    renameSync(partialManifest, manifestFile);
    return { file, manifestFile, manifest, tool: dumped.tool };
  } catch (err) {
    rmSync(partial, { force: true });
    rmSync(partialManifest, { force: true });
    throw err;
  }
}
