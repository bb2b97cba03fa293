// One backup of the database the settings name, into BACKUP_DIR (`npm run backup`, and the scheduled
// ones). The file is written under a temporary name and renamed when complete, and its manifest is written
// (the same way) last, so a backup that failed half-way never looks like a finished one. With BACKUP_KEY
// the dump is encrypted as it is written (no plain copy on disk).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { type Config, ConfigError } from '../config.ts';
import { backupKey, CIPHER } from './encryption.ts';
import { stamp } from './files.ts';
import { appVersion, type Manifest, manifestPathOf, sha256Of } from './manifest.ts';
import { dumpClient, dumpPglite, type PGliteClient } from './pglite.ts';
import { dumpPostgres } from './postgres.ts';

export type BackupResult = { file: string; manifestFile: string; manifest: Manifest; tool: string };

/** BACKUP_DIR inside the embedded database's folder would copy old backups into every new one. */
function checkBackupDir(config: Config, dir: string): void {
  // PostgreSQL, or an embedded database in memory (DATA_DIR empty): no folder to be inside.
  if (config.databaseUrl || !config.dataDir.trim()) return;
  const inside = relative(resolve(config.dataDir), dir);
  if (inside === '' || !(inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside))) {
    throw new ConfigError(
      `BACKUP_DIR (${dir}) is inside DATA_DIR (${resolve(config.dataDir)}): choose a folder outside it, ideally on another disk.\nBACKUP_DIR 不能位于 DATA_DIR 之内。`,
    );
  }
}

export type BackupOptions = {
  /** The embedded database already open in this process (the running application's, or the tool's). */
  pglite?: PGliteClient;
  /** The backup log's row of this backup, named in the manifest. */
  logId?: number | null;
};

export async function makeBackup(
  config: Config,
  now = new Date(),
  opts: BackupOptions = {},
): Promise<BackupResult> {
  const dir = resolve(config.backupDir);
  checkBackupDir(config, dir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new ConfigError(`BACKUP_DIR: cannot create ${dir} (${(err as Error).message}). 无法创建备份目录。`);
  }
  const key = backupKey(config.backupKey);
  const kind = config.databaseUrl ? 'postgres' : 'pglite';
  // Names carry the time to the second: a second backup within the same second (a manual one beside a
  // scheduled one) takes the next free second rather than replace the first one's file.
  const nameAt = (at: Date) =>
    `salesrelay-${stamp(at)}.${kind === 'postgres' ? 'dump' : 'tar.gz'}${key ? '.enc' : ''}`;
  let at = now;
  while (existsSync(join(dir, nameAt(at))) || existsSync(manifestPathOf(join(dir, nameAt(at)))))
    at = new Date(at.getTime() + 1000);
  const name = nameAt(at);
  const file = join(dir, name);
  const manifestFile = manifestPathOf(file);
  // Temporary names of this run only: two processes never write into the same partial file.
  const tag = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const partial = join(dir, `.${name}.${tag}.partial`);
  const partialManifest = join(dir, `.${name}.manifest.json.${tag}.partial`);
  try {
    const dumped = config.databaseUrl
      ? await dumpPostgres(config.databaseSessionUrl ?? config.databaseUrl, partial, key)
      : opts.pglite
        ? await dumpClient(opts.pglite, partial, key)
        : await dumpPglite(config.dataDir, partial, key);
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
      ...(key ? { encryption: { cipher: CIPHER, keyId: key.id } } : {}),
      ...(opts.logId ? { logId: opts.logId, finishedAt: new Date().toISOString() } : {}),
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
