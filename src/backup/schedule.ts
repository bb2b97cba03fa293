// Scheduled backups and drills (BACKUP_SCHEDULE, BACKUP_DRILL_SCHEDULE) ride on the reminder scheduler:
// each is a repeating system reminder (kind 'backup' or 'backup_drill', addressed to management) whose
// occurrence fires once however many processes run. Its fire hook only queues the work in the backup log,
// inside the firing transaction, and sends nothing; an application process claims the queued entry after
// the commit and runs it outside any transaction (BackupRunner).
import { and, eq, inArray } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Config } from '../config.ts';
import type { Database, Queryable } from '../db/client.ts';
import { reminderOccurrences, reminders } from '../db/schema.ts';
import { createReminder } from '../schedule/create.ts';
import { registerFireHook } from '../schedule/hooks.ts';
import { nextOccurrence } from '../schedule/repeat.ts';
import { claimQueued, failAbandoned, logQueue } from './log.ts';
import { tellManagement } from './notice.ts';
import { type RunEnv, runBackup, runDrill } from './runner.ts';

export const SCHEDULED = {
  backup: { kind: 'backup', text: { en: 'Scheduled backup', zh: '定时备份' } },
  drill: { kind: 'backup_drill', text: { en: 'Scheduled restore drill', zh: '定时恢复演练' } },
} as const;

/**
 * One active reminder per schedule, with the rule the settings give (a changed rule replaces it, `off`
 * cancels it). Run at start, under the housekeeping lock.
 */
export async function ensureBackupSchedules(db: Queryable, config: Config, zone: string): Promise<void> {
  for (const [what, rule] of [
    ['backup', config.backupSchedule],
    ['drill', config.backupDrillSchedule],
  ] as const) {
    const { kind, text } = SCHEDULED[what];
    const active = await db
      .select({ id: reminders.id, repeat: reminders.repeat, timezone: reminders.timezone })
      .from(reminders)
      .where(and(eq(reminders.kind, kind), eq(reminders.state, 'active')));
    const stale = active.filter((r) => r.repeat !== rule || r.timezone !== zone);
    if (stale.length) {
      const ids = stale.map((r) => r.id);
      await db.update(reminders).set({ state: 'cancelled' }).where(inArray(reminders.id, ids));
      await db
        .update(reminderOccurrences)
        .set({ state: 'cancelled' })
        .where(and(inArray(reminderOccurrences.reminderId, ids), eq(reminderOccurrences.state, 'scheduled')));
    }
    if (!rule || active.length > stale.length) continue;
    const first = await nextOccurrence(db, rule, zone, new Date());
    if (!first) continue;
    // Urgent: a backup runs at its hour, not at the next working time.
    await createReminder(
      db,
      {
        kind,
        target: { kind: 'department', code: 'management' },
        text,
        repeat: rule,
        timezone: zone,
        urgent: true,
      },
      [first],
    );
  }
}

/** The fire hooks: queue the slot's work in the log; the reminder itself says nothing. */
export function registerBackupHooks(): void {
  registerFireHook(SCHEDULED.backup.kind, async (tx, _r, occ) => {
    await logQueue(tx, 'backup', occ.id);
    return { skip: true };
  });
  registerFireHook(SCHEDULED.drill.kind, async (tx, _r, occ) => {
    await logQueue(tx, 'drill', occ.id);
    return { skip: true };
  });
}

/** How often an application process looks for queued backups and drills. */
export const RUNNER_POLL_MS = 30_000;

/**
 * Runs the queued scheduled backups and drills, one at a time in this process; other processes claim
 * others (SKIP LOCKED), never the same one. At start it also ends, as failed, entries this host's
 * stopped processes left 'started', and tells management.
 */
export class BackupRunner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(private readonly env: RunEnv & { database: Database }) {}

  async start(pollMs = RUNNER_POLL_MS): Promise<void> {
    for (const row of await failAbandoned(this.env.database.db)) {
      const told = await tellManagement(this.env.database.db, {
        logId: row.id,
        kind: row.kind === 'drill' ? 'drill' : 'backup',
        trigger: row.trigger === 'schedule' ? 'schedule' : 'manual',
        startedAt: row.startedAt ?? row.createdAt,
        error: row.error ?? '',
        file: row.file,
        backupDir: this.env.config.backupDir,
      });
      if (told) this.env.onNotice?.();
    }
    this.timer = setInterval(() => void this.runQueued(), pollMs);
    this.timer.unref();
  }

  /** Runs what is queued now; resolves with how many ran (tests call it instead of waiting). */
  runQueued(): Promise<number> {
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async drain(): Promise<number> {
    let n = 0;
    for (;;) {
      let entry: Awaited<ReturnType<typeof claimQueued>>;
      try {
        entry = await claimQueued(this.env.database.db);
      } catch (err) {
        this.env.log?.error({ err }, 'could not read the backup log');
        return n;
      }
      if (!entry) return n;
      n++;
      const at = DateTime.now().toISO();
      try {
        if (entry.kind === 'drill') await runDrill(this.env, 'schedule', entry.id);
        else await runBackup(this.env, 'schedule', entry.id);
        this.env.log?.info({ kind: entry.kind, id: entry.id, at }, 'scheduled backup work done');
      } catch (err) {
        // Logged 'failed' and told to management by the runner.
        this.env.log?.error({ err, kind: entry.kind, id: entry.id }, 'scheduled backup work failed');
      }
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
