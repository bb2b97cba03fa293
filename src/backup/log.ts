// The backup log (table backup_log): one row per backup and drill. A scheduled one is queued by its
// reminder's firing (one row per slot), claimed by one process ('started'), and ended 'done' or 'failed'
// by it; a row left 'started' is a process that stopped half-way, shown as such by `backup list`.
import { hostname } from 'node:os';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import { backupLog } from '../db/schema.ts';

export type LogKind = 'backup' | 'drill';
export type LogTrigger = 'manual' | 'schedule';
export type LogRow = typeof backupLog.$inferSelect;

/** A 'started' row older than this did not finish: its process stopped (a crash, a restart). */
export const STALE_AFTER_MS = 6 * 3600_000;

export const runnerName = () => `${hostname()}:${process.pid}`;

/** Whether the database has the log yet (the command-line tools do not migrate an old database). */
export async function hasLog(db: Queryable): Promise<boolean> {
  const [row] = rowsOf<{ t: string | null }>(
    await db.execute(sql`select to_regclass('public.backup_log')::text as t`),
  );
  return row?.t != null;
}

/** A manual backup or drill starts now. */
export async function logStart(db: Queryable, kind: LogKind, trigger: LogTrigger): Promise<number> {
  const [row] = await db
    .insert(backupLog)
    .values({ kind, trigger, state: 'started', startedAt: new Date(), runner: runnerName() })
    .returning({ id: backupLog.id });
  return row!.id;
}

/**
 * Queues the scheduled backup or drill of one reminder occurrence (inside its firing transaction); the
 * work itself runs after the commit, outside it. Nothing is queued while one of the kind waits or runs:
 * slots missed while SalesRelay was down make one run, not one each.
 */
export async function logQueue(db: Queryable, kind: LogKind, occurrenceId: number): Promise<boolean> {
  const [busy] = await db
    .select({ id: backupLog.id })
    .from(backupLog)
    .where(
      and(
        eq(backupLog.kind, kind),
        inArray(backupLog.state, ['queued', 'started']),
        sql`${backupLog.createdAt} > now() - make_interval(secs => ${STALE_AFTER_MS / 1000})`,
      ),
    )
    .limit(1);
  if (busy) return false;
  const rows = await db
    .insert(backupLog)
    .values({ kind, trigger: 'schedule', occurrenceId, state: 'queued' })
    .onConflictDoNothing()
    .returning({ id: backupLog.id });
  return rows.length > 0;
}

/** Claims the oldest queued entry for this process (another process skips it), or null. */
export async function claimQueued(db: Queryable): Promise<LogRow | null> {
  const rows = rowsOf<{ id: number }>(
    await db.execute(sql`
      update backup_log set state = 'started', started_at = now(), runner = ${runnerName()}
      where id = (select id from backup_log where state = 'queued' order by id limit 1 for update skip locked)
      returning id`),
  );
  if (!rows[0]) return null;
  const [row] = await db
    .select()
    .from(backupLog)
    .where(eq(backupLog.id, Number(rows[0].id)));
  return row ?? null;
}

export type LogEnd = {
  state: 'done' | 'failed';
  finishedAt?: Date;
  file?: string | null;
  size?: number | null;
  sha256?: string | null;
  encrypted?: boolean;
  error?: string | null;
  result?: unknown;
};

export async function logFinish(db: Queryable, id: number, end: LogEnd): Promise<void> {
  await db
    .update(backupLog)
    .set({
      state: end.state,
      finishedAt: end.finishedAt ?? new Date(),
      ...(end.file !== undefined ? { file: end.file } : {}),
      ...(end.size !== undefined ? { size: end.size } : {}),
      ...(end.sha256 !== undefined ? { sha256: end.sha256 } : {}),
      ...(end.encrypted !== undefined ? { encrypted: end.encrypted } : {}),
      ...(end.error !== undefined ? { error: end.error } : {}),
      ...(end.result !== undefined ? { result: end.result } : {}),
    })
    .where(eq(backupLog.id, id));
}

/**
 * Rows this host's processes left 'started' and that no living process runs: marked failed (a crash or
 * restart between the start and the end). Returns them, for the notice.
 */
export async function failAbandoned(db: Queryable): Promise<LogRow[]> {
  const host = hostname();
  // A container's process has the same pid (often 1) after every restart: a row with this process's pid
  // that started before this process did was left by an earlier one.
  const thisProcessSince = Date.now() - process.uptime() * 1000;
  const started = await db.select().from(backupLog).where(eq(backupLog.state, 'started'));
  const dead = started.filter((r) => {
    const [h, pid] = (r.runner ?? '').split(/:(?=\d+$)/);
    if (h !== host || !pid) return false;
    if (Number(pid) === process.pid) return (r.startedAt ?? r.createdAt).getTime() < thisProcessSince;
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  });
  const out: LogRow[] = [];
  for (const r of dead) {
    const [row] = await db
      .update(backupLog)
      .set({
        state: 'failed',
        finishedAt: new Date(),
        error: `the process that ran it (${r.runner}) stopped before it finished (a crash or a restart)`,
      })
      .where(and(eq(backupLog.id, r.id), eq(backupLog.state, 'started')))
      .returning();
    if (row) out.push(row);
  }
  return out;
}
