// `npm run backup -- --drill`, and the weekly scheduled drill: proves the newest backup restores. It is
// restored into a scratch database (PostgreSQL: a new database on the same server; embedded: a temporary
// folder), every table's rows and checksum are compared with the manifest, and the scratch database is
// dropped whatever the outcome.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { type Config, ConfigError } from '../config.ts';
import { listBackups } from './files.ts';
import { BackupFileError, type Manifest, readAndCheck } from './manifest.ts';
import { restorePglite } from './pglite.ts';
import { withPlainFile } from './plain.ts';
import { restorePostgres } from './postgres.ts';
import { compareStats, type TableStat } from './table-stats.ts';

/** The newest complete backup in BACKUP_DIR. */
export function newestBackup(backupDir: string): string {
  const newest = listBackups(backupDir).at(-1);
  if (!newest) {
    const dir = resolve(backupDir);
    throw new BackupFileError(`There is no backup in ${dir} (BACKUP_DIR) to drill. ${dir} 中没有备份。`);
  }
  return newest.file;
}

export type DrillResult = { file: string; manifest: Manifest; tables: TableStat[]; scratch: string };

/** The drill restored the backup, and it differs from its manifest: `problems` names each table. */
export class DrillMismatch extends BackupFileError {
  constructor(
    readonly file: string,
    readonly problems: string[],
    /** The scratch database it was restored into (dropped), for the log. */
    readonly scratch?: string,
  ) {
    super(
      [
        `Drill FAILED: ${file} restored, but does not match its manifest:`,
        ...problems.map((p) => `  ${p}`),
        '恢复演练失败：恢复的数据与备份清单不一致。',
      ].join('\n'),
    );
  }
}

export async function drill(config: Config, file = newestBackup(config.backupDir)): Promise<DrillResult> {
  const manifest = await readAndCheck(file);
  const { tables, scratch } = await withPlainFile(config, file, manifest, (plain) =>
    manifest.kind === 'postgres' ? drillPostgres(config, plain) : drillPglite(plain),
  );
  const problems = compareStats(manifest.tables, tables);
  if (problems.length) throw new DrillMismatch(file, problems, scratch);
  return { file, manifest, tables, scratch };
}

async function drillPostgres(
  config: Config,
  file: string,
): Promise<{ tables: TableStat[]; scratch: string }> {
  if (!config.databaseUrl) {
    throw new ConfigError(
      `${file} is a PostgreSQL backup: set DATABASE_URL (the drill creates its scratch database on that server).`,
    );
  }
  const name = `salesrelay_drill_${randomBytes(4).toString('hex')}`;
  const admin = postgres(config.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    try {
      await admin.unsafe(`create database ${name}`);
    } catch (err) {
      if ((err as { code?: string }).code !== '42501') throw err;
      throw new ConfigError(
        [
          'The drill restores into a scratch database, and the database user may not create databases.',
          'Allow it (as a superuser: alter user <user> createdb), or run the drill with a DATABASE_URL of a user who may.',
          '恢复演练需要创建临时数据库：请授予该数据库用户 CREATEDB 权限。',
        ].join('\n'),
      );
    }
    try {
      const url = new URL(config.databaseUrl);
      url.pathname = `/${name}`;
      return { tables: await restorePostgres(url.toString(), file, false), scratch: name };
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}

async function drillPglite(file: string): Promise<{ tables: TableStat[]; scratch: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'salesrelay-drill-'));
  try {
    return { tables: (await restorePglite(join(dir, 'data'), file, false)).tables, scratch: dir };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
