// Runs one backup or drill with its log entry: `npm run backup` (manual) and the scheduled ones the
// application claims from the log (outside any transaction: a long pg_dump holds none of the app's).
// A good backup is followed by retention; a failure ends the entry 'failed' and tells management.

import { basename } from 'node:path';
import { and, desc, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { loadOrg } from '../core/org.ts';
import type { Database } from '../db/client.ts';
import { backupLog } from '../db/schema.ts';
import { type BackupResult, makeBackup } from './backup.ts';
import { DrillMismatch, type DrillResult, drill, newestBackup } from './drill.ts';
import { hasLog, type LogTrigger, logFinish, logStart } from './log.ts';
import { tellManagement } from './notice.ts';
import type { PGliteClient } from './pglite.ts';
import { applyRetention } from './retention.ts';

export type RunEnv = {
  config: Config;
  /** The database to log in (and, embedded, to dump); null: a drill while SalesRelay holds it. */
  database: Database | null;
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Wakes delivery after a notice was written (the application's Delivery.onWritten). */
  onNotice?: () => void;
};

/** The running embedded database's client (drizzle keeps it as $client). */
function pgliteOf(database: Database | null): PGliteClient | undefined {
  return database?.kind === 'pglite'
    ? (database!.db as unknown as { $client: PGliteClient }).$client
    : undefined;
}

/**
 * The log entry to write to: the one given (a claimed scheduled run), a new one, or none (no database
 * at hand, a database without the table, or one that cannot be reached: the backup then says why).
 */
async function entryFor(env: RunEnv, kind: 'backup' | 'drill', trigger: LogTrigger, logId?: number) {
  if (logId) return logId;
  if (!env.database) return null;
  try {
    return (await hasLog(env.database.db)) ? await logStart(env.database.db, kind, trigger) : null;
  } catch (err) {
    env.log?.warn({ err }, 'the backup log cannot be written');
    return null;
  }
}

async function failed(
  env: RunEnv,
  logId: number | null,
  kind: 'backup' | 'drill',
  trigger: LogTrigger,
  startedAt: Date,
  err: unknown,
  file: string | null,
  result?: unknown,
): Promise<void> {
  const error = (err as Error)?.message ?? String(err);
  if (!env.database || !logId) return;
  try {
    if (logId)
      await logFinish(env.database.db, logId, {
        state: 'failed',
        error,
        file,
        ...(result ? { result } : {}),
      });
    const told = await tellManagement(env.database.db, {
      logId,
      kind,
      trigger,
      startedAt,
      error,
      file: file ? basename(file) : null,
      backupDir: env.config.backupDir,
    });
    if (told) env.onNotice?.();
    else env.log?.warn({ kind }, 'a failed backup could not be told to anyone: bind a chat to management');
  } catch (logErr) {
    env.log?.error({ err: logErr }, 'the failed backup could not be logged or told');
  }
}

export type BackupRun = BackupResult & { deleted: string[] };

export async function runBackup(
  env: RunEnv,
  trigger: LogTrigger,
  logId?: number,
  now = new Date(),
): Promise<BackupRun> {
  const id = await entryFor(env, 'backup', trigger, logId);
  let made: BackupResult;
  try {
    made = await makeBackup(env.config, now, { pglite: pgliteOf(env.database), logId: id });
  } catch (err) {
    await failed(env, id, 'backup', trigger, now, err, null);
    throw err;
  }
  const { manifest, file } = made;
  if (id && env.database) {
    await logFinish(env.database.db, id, {
      state: 'done',
      finishedAt: manifest.finishedAt ? new Date(manifest.finishedAt) : new Date(),
      file,
      size: manifest.size,
      sha256: manifest.sha256,
      encrypted: Boolean(manifest.encryption),
    });
  }
  // Retention only after a good backup; the newest backup a drill proved is kept whatever its age.
  let deleted: string[] = [];
  try {
    const zone = env.database ? (await loadOrg(env.database.db)).timezone : env.config.org.timezone;
    const proved = id ? await lastProved(env) : null;
    deleted = applyRetention(
      env.config.backupDir,
      { keepDaily: env.config.backupKeepDaily, keepMonthly: env.config.backupKeepMonthly, zone },
      proved ? [proved] : [],
    ).map((b) => b.name);
    if (deleted.length) env.log?.info({ deleted }, 'old backups deleted (retention)');
  } catch (err) {
    env.log?.warn({ err }, 'retention could not delete old backups');
  }
  return { ...made, deleted };
}

/** The file name of the newest backup a drill passed on. */
async function lastProved(env: RunEnv): Promise<string | null> {
  if (!env.database) return null;
  const [row] = await env.database.db
    .select({ file: backupLog.file })
    .from(backupLog)
    .where(and(eq(backupLog.kind, 'drill'), eq(backupLog.state, 'done')))
    .orderBy(desc(backupLog.id))
    .limit(1);
  return row?.file ? basename(row.file) : null;
}

export async function runDrill(env: RunEnv, trigger: LogTrigger, logId?: number): Promise<DrillResult> {
  const startedAt = new Date();
  const id = await entryFor(env, 'drill', trigger, logId);
  let file: string | null = null;
  try {
    file = newestBackup(env.config.backupDir);
    const result = await drill(env.config, file);
    if (id && env.database) {
      await logFinish(env.database.db, id, {
        state: 'done',
        file,
        size: result.manifest.size,
        sha256: result.manifest.sha256,
        encrypted: Boolean(result.manifest.encryption),
        result: {
          tables: result.tables.length,
          problems: [],
          backupOf: result.manifest.createdAt,
          scratch: result.scratch,
        },
      });
    }
    return result;
  } catch (err) {
    const result =
      err instanceof DrillMismatch ? { problems: err.problems, scratch: err.scratch } : undefined;
    await failed(env, id, 'drill', trigger, startedAt, err, file, result);
    throw err;
  }
}
