// PostgreSQL: pg_dump in custom format (-Fc) and pg_restore. The dump and the manifest's counts read the
// same snapshot (pg_export_snapshot), so they agree even while SalesRelay keeps writing.
import postgres from 'postgres';
import { ConfigError } from '../config.ts';
import { type BackupKey, writeBackupFile } from './encryption.ts';
import { lastMigration } from './manifest.ts';
import { checkTool, runTool, toolConnection } from './pg-tools.ts';
import { type AfterRestore, listTables, type RunSql, type TableStat, tableStats } from './table-stats.ts';

export type Dumped = { tables: TableStat[]; lastMigration: string | null; server: string; tool: string };

const open = (url: string) =>
  postgres(url, { max: 1, onnotice: () => {}, connection: { application_name: 'salesrelay-backup' } });

async function serverVersion(run: RunSql): Promise<{ text: string; major: number }> {
  const [row] = await run(
    "select current_setting('server_version') as v, current_setting('server_version_num')::int as n",
  );
  return { text: `PostgreSQL ${String(row?.v).split(' ')[0]}`, major: Math.floor(Number(row?.n) / 10000) };
}

/**
 * Dumps the database into `target` (a temporary name; the caller renames it), streamed through
 * encryption with a key.
 */
export async function dumpPostgres(
  databaseUrl: string,
  target: string,
  key: BackupKey | null = null,
): Promise<Dumped> {
  const sql = open(databaseUrl);
  try {
    const run: RunSql = (q) => sql.unsafe(q);
    const server = await serverVersion(run);
    const tool = checkTool('pg_dump', server.major);
    const { dbname, env } = toolConnection(databaseUrl);
    return await sql.begin('isolation level repeatable read read only', async (tx) => {
      const runTx: RunSql = (q) => tx.unsafe(q);
      const [snap] = await runTx('select pg_export_snapshot() as id');
      // The snapshot lives as long as this transaction: pg_dump reads it while we count.
      const dump = runTool('pg_dump', ['-Fc', `--snapshot=${snap?.id}`, `--dbname=${dbname}`], env, (out) =>
        writeBackupFile(out, target, key),
      );
      const [tables, migration] = await Promise.all([tableStats(runTx), lastMigration(runTx)]);
      await dump;
      return { tables, lastMigration: migration, server: server.text, tool: `pg_dump ${tool}` };
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Restores `file` into the database, refusing one that has tables unless `force` (then everything in the
 * public and drizzle schemas is dropped first), or that SalesRelay is connected to. Returns what it holds.
 */
export async function restorePostgres(
  databaseUrl: string,
  file: string,
  force: boolean,
  after?: AfterRestore,
): Promise<TableStat[]> {
  const sql = open(databaseUrl);
  try {
    const run: RunSql = (q) => sql.unsafe(q);
    const server = await serverVersion(run);
    checkTool('pg_restore', server.major);
    const existing = await listTables(run);
    if (existing.length && !force) {
      throw new ConfigError(
        [
          `The database is not empty (${existing.length} tables, e.g. ${existing.slice(0, 3).join(', ')}): nothing was restored.`,
          'Restore into a new, empty database (createdb …), or add --force to replace everything in this one.',
          `目标数据库不为空（${existing.length} 张表），未恢复任何数据。请恢复到新的空数据库，或加 --force 覆盖。`,
        ].join('\n'),
      );
    }
    const [busy] = await run(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and application_name = 'salesrelay'",
    );
    if (Number(busy?.n) > 0) {
      throw new ConfigError(
        [
          `SalesRelay is connected to this database (${busy?.n} connections): stop every SalesRelay process (npm start, workers) first.`,
          'SalesRelay 正在使用该数据库：请先停止所有 SalesRelay 进程。',
        ].join('\n'),
      );
    }
    if (existing.length) {
      await run('drop schema if exists drizzle cascade');
      await run('drop schema if exists public cascade');
      await run('create schema public');
    }
    const { dbname, env } = toolConnection(databaseUrl);
    // One transaction: a restore that fails half-way leaves nothing of itself behind.
    await runTool('pg_restore', ['--no-owner', '--single-transaction', `--dbname=${dbname}`, file], env);
    const tables = await tableStats(run);
    await after?.(tables, run);
    return tables;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
