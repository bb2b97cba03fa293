// `npm run restore -- <file>`: checks the file against its manifest (sha256, size, version), restores it
// into the database the settings name, and compares every table's rows with the manifest.
import { dirname, join, resolve } from 'node:path';
import { type Config, ConfigError } from '../config.ts';
import { BackupFileError, type Manifest, readAndCheck } from './manifest.ts';
import { restorePglite } from './pglite.ts';
import { withPlainFile } from './plain.ts';
import { restorePostgres } from './postgres.ts';
import { type AfterRestore, compareStats, type TableStat } from './table-stats.ts';

export type RestoreResult = { manifest: Manifest; tables: TableStat[]; movedAside: string | null };

export async function restoreBackup(config: Config, file: string, force: boolean): Promise<RestoreResult> {
  const manifest = await readAndCheck(file);
  const target = config.databaseUrl ? 'postgres' : 'pglite';
  if (manifest.kind !== target) {
    throw new ConfigError(
      manifest.kind === 'postgres'
        ? `${file} is a PostgreSQL backup: set DATABASE_URL to the (empty) database to restore it into.\n这是 PostgreSQL 备份：请设置 DATABASE_URL。`
        : `${file} is an embedded-database backup: unset DATABASE_URL and set DATA_DIR to an empty folder.\n这是内嵌数据库备份：请去掉 DATABASE_URL 并设置 DATA_DIR。`,
    );
  }
  // Compared before the database is let go; then the backup's own log entry, in the dump as 'started'
  // (it was running), is ended as it ended, so the restored log says this backup was good.
  const after: AfterRestore = async (tables, run) => {
    const problems = compareStats(manifest.tables, tables);
    if (problems.length) {
      throw new BackupFileError(
        [
          'The restored database does not match the backup manifest:',
          ...problems.map((p) => `  ${p}`),
          '恢复后的数据与备份清单不一致。',
        ].join('\n'),
      );
    }
    if (manifest.logId && manifest.finishedAt) {
      const text = (v: string) => `'${v.replaceAll("'", "''")}'`;
      const path = join(dirname(resolve(file)), manifest.file);
      await run(
        `update backup_log set state = 'done', finished_at = ${text(manifest.finishedAt)}, file = ${text(path)},
           size = ${manifest.size}, sha256 = ${text(manifest.sha256)}, encrypted = ${Boolean(manifest.encryption)}
         where id = ${Number(manifest.logId)} and state = 'started'`,
      );
    }
  };
  const restored = await withPlainFile(config, file, manifest, async (plain) =>
    config.databaseUrl
      ? { tables: await restorePostgres(config.databaseUrl, plain, force, after), movedAside: null }
      : await restorePglite(config.dataDir, plain, force, after),
  );
  return { manifest, ...restored };
}
