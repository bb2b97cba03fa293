// The embedded database (PGlite): its own data-folder dump (dumpDataDir, a gzipped tarball of the folder)
// and loadDataDir into an empty folder. The folder belongs to one process (src/db/data-lock.ts), so a
// backup takes the lock like any other opener: while SalesRelay runs on it, the backup is refused.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ConfigError } from '../config.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { DataDirInUseError, lockDataDir } from '../db/data-lock.ts';
import { type BackupKey, writeBackupFile } from './encryption.ts';
import { lastMigration } from './manifest.ts';
import { type AfterRestore, type RunSql, type TableStat, tableStats } from './table-stats.ts';

export type PGliteClient = InstanceType<typeof import('@electric-sql/pglite').PGlite>;

const LOCK_FILE = 'salesrelay.lock';

function lock(dir: string): () => void {
  try {
    return lockDataDir(dir);
  } catch (err) {
    if (!(err instanceof DataDirInUseError)) throw err;
    throw new ConfigError(
      [
        err.message,
        'A backup or restore of the embedded database needs SalesRelay stopped: stop it, run this, start it again.',
        '内嵌数据库的备份与恢复需要先停止 SalesRelay。',
      ].join('\n'),
    );
  }
}

async function openClient(dir: string, loadDataDir?: Blob): Promise<PGliteClient> {
  const { PGlite } = await import('@electric-sql/pglite');
  const client = new PGlite(dir, {
    postgresqlconf: 'shared_buffers=16MB',
    ...(loadDataDir ? { loadDataDir } : {}),
  });
  await client.waitReady;
  return client;
}

const runner =
  (client: PGliteClient): RunSql =>
  async (q) =>
    (await client.query<Record<string, unknown>>(q)).rows;

export type Dumped = { tables: TableStat[]; lastMigration: string | null; server: string; tool: string };

/** The embedded database in DATA_DIR, opened for a backup by the command-line tool (refused while in use). */
export async function openEmbedded(dataDir: string): Promise<Database> {
  const dir = resolve(dataDir);
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    throw new ConfigError(
      [
        `There is no embedded database in ${dir} (DATA_DIR). Run this from the folder you start SalesRelay in,`,
        'or set DATA_DIR or DATABASE_URL as for npm start.',
        `${dir} 中没有内嵌数据库：请在启动 SalesRelay 的目录中运行，或设置与 npm start 相同的 DATA_DIR / DATABASE_URL。`,
      ].join('\n'),
    );
  }
  try {
    return await openDatabase({ dataDir: dir });
  } catch (err) {
    if (!(err instanceof DataDirInUseError)) throw err;
    throw new ConfigError(
      [
        err.message,
        'A backup or restore of the embedded database needs SalesRelay stopped: stop it, run this, start it again.',
        '内嵌数据库的备份与恢复需要先停止 SalesRelay。',
      ].join('\n'),
    );
  }
}

export async function dumpPglite(
  dataDir: string,
  target: string,
  key: BackupKey | null = null,
): Promise<Dumped> {
  const dir = resolve(dataDir);
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    throw new ConfigError(
      [
        `There is no embedded database in ${dir} (DATA_DIR). Run this from the folder you start SalesRelay in,`,
        'or set DATA_DIR or DATABASE_URL as for npm start.',
        `${dir} 中没有内嵌数据库：请在启动 SalesRelay 的目录中运行，或设置与 npm start 相同的 DATA_DIR / DATABASE_URL。`,
      ].join('\n'),
    );
  }
  const release = lock(dir);
  try {
    const client = await openClient(dir);
    try {
      return await dumpClient(client, target, key);
    } finally {
      await client.close();
    }
  } finally {
    release();
  }
}

/**
 * Dumps an open embedded database (also the running application's own, for a scheduled backup): the
 * counts and the dump are taken inside one transaction, which holds every other query of this
 * single-connection database back, so they agree.
 */
export async function dumpClient(
  client: PGliteClient,
  target: string,
  key: BackupKey | null,
): Promise<Dumped> {
  const { tables, migration, version, blob } = await client.transaction(async (tx) => {
    const run: RunSql = async (q) => (await tx.query<Record<string, unknown>>(q)).rows;
    const tables = await tableStats(run, true);
    const migration = await lastMigration(run);
    const [v] = await run("select current_setting('server_version') as v");
    return { tables, migration, version: v?.v, blob: await client.dumpDataDir('gzip') };
  });
  await writeBackupFile(Readable.fromWeb(blob.stream() as WebReadableStream), target, key);
  return {
    tables,
    lastMigration: migration,
    server: `PGlite (PostgreSQL ${version})`,
    tool: 'PGlite dumpDataDir',
  };
}

/**
 * Loads `file` into DATA_DIR, which must hold no database unless `force`: then the old folder is kept
 * beside it as <DATA_DIR>.before-restore-<time>, never deleted. Returns what the restored database holds.
 */
export async function restorePglite(
  dataDir: string,
  file: string,
  force: boolean,
  after?: AfterRestore,
): Promise<{ tables: TableStat[]; movedAside: string | null }> {
  const dir = resolve(dataDir);
  let movedAside: string | null = null;
  const used = existsSync(dir) && readdirSync(dir).some((f) => f !== LOCK_FILE);
  if (used) {
    if (!force) {
      throw new ConfigError(
        [
          `${dir} (DATA_DIR) is not empty: nothing was restored. Restore into a new, empty folder (set DATA_DIR),`,
          `or add --force: the folder is then moved aside to ${dir}.before-restore-<time>, not deleted.`,
          `${dir} 不为空，未恢复任何数据。请指定新的空目录（DATA_DIR），或加 --force（原目录会被改名保留）。`,
        ].join('\n'),
      );
    }
    // Taking the lock proves no SalesRelay process uses the folder while it moves.
    const release = lock(dir);
    release();
    movedAside = `${dir}.before-restore-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
    renameSync(dir, movedAside);
    rmSync(join(movedAside, LOCK_FILE), { force: true });
  }
  mkdirSync(dir, { recursive: true });
  const release = lock(dir);
  try {
    const client = await openClient(dir, new Blob([readFileSync(file)]));
    try {
      const tables = await tableStats(runner(client));
      await after?.(tables, runner(client));
      return { tables, movedAside };
    } finally {
      await client.close();
    }
  } finally {
    release();
    // The tarball carries the backup process's lock file; nobody holds it now.
    rmSync(join(dir, LOCK_FILE), { force: true });
  }
}
