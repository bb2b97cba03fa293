// The embedded database (PGlite): its own data-folder dump (dumpDataDir, a gzipped tarball of the folder)
// and loadDataDir into an empty folder. The folder belongs to one process (src/db/data-lock.ts), so a
// backup takes the lock like any other opener: while SalesRelay runs on it, the backup is refused.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config.ts';
import { DataDirInUseError, lockDataDir } from '../db/data-lock.ts';
import { lastMigration } from './manifest.ts';
import { type RunSql, type TableStat, tableStats } from './table-stats.ts';

type PGliteClient = InstanceType<typeof import('@electric-sql/pglite').PGlite>;

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

export async function dumpPglite(dataDir: string, target: string): Promise<Dumped> {
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
      const run = runner(client);
      const tables = await tableStats(run);
      const migration = await lastMigration(run);
      const [v] = await run("select current_setting('server_version') as v");
      const blob = await client.dumpDataDir('gzip');
      writeFileSync(target, Buffer.from(await blob.arrayBuffer()));
      return {
        tables,
        lastMigration: migration,
        server: `PGlite (PostgreSQL ${v?.v})`,
        tool: 'PGlite dumpDataDir',
      };
    } finally {
      await client.close();
    }
  } finally {
    release();
  }
}

/**
 * Loads `file` into DATA_DIR, which must hold no database unless `force`: then the old folder is kept
 * beside it as <DATA_DIR>.before-restore-<time>, never deleted. Returns what the restored database holds.
 */
export async function restorePglite(
  dataDir: string,
  file: string,
  force: boolean,
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
      return { tables: await tableStats(runner(client)), movedAside };
    } finally {
      await client.close();
    }
  } finally {
    release();
    // The tarball carries the backup process's lock file; nobody holds it now.
    rmSync(join(dir, LOCK_FILE), { force: true });
  }
}
