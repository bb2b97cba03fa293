// Exactly one replica holds the Feishu app's long connection, so one process takes a chat's events in order
// (Feishu hands each event to one random connection of the app) and replicas stay within the app's 50
// connections. A PostgreSQL advisory lock on a dedicated session, as for WeCom (adapters/wecom/lock.ts).
// The lock dies with its session, so when the holder dies another replica gets it at its next poll.
// The holder checks every poll that its session still holds the lock, and lets go of the connection
// the moment it does not (e.g. its database session was cut), so two replicas never both connect.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import postgres from 'postgres';

const LOCK_CLASS = 727_276; // salesrelay: feishu long connection (wecom's is 727_275)

export function lockKeyOf(appId: string): number {
  return createHash('sha1').update(`feishu-app:${appId}`).digest().readUInt32BE(0) & 0x7fffffff;
}

export type LockEvents = { acquired(): void; lost(): void };

export class ConnectionLock {
  private sql: postgres.Sql | null = null;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private stopped = true;
  held = false;

  constructor(
    private readonly databaseUrl: string | undefined,
    private readonly appId: string,
    private readonly pollMs: number,
    private readonly log: Logger,
    private readonly events: LockEvents,
  ) {}

  /** Tries at once, then polls. Without PostgreSQL (embedded database) there is one process: it holds. */
  async start(): Promise<void> {
    this.stopped = false;
    if (!this.databaseUrl) {
      this.held = true;
      this.events.acquired();
      return;
    }
    this.sql = postgres(this.databaseUrl, {
      max: 1,
      idle_timeout: 0,
      onnotice: () => {},
      connection: { application_name: 'salesrelay-feishu-lock' },
    });
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.pollMs);
    this.timer.unref();
  }

  /** Whether this session still holds the lock (asked of the database, not remembered). */
  async confirm(): Promise<boolean> {
    if (!this.databaseUrl) return this.held;
    if (!this.sql) return false;
    try {
      const key = lockKeyOf(this.appId);
      const [row] = await this.sql<{ mine: boolean }[]>`
        select exists(select 1 from pg_locks where locktype = 'advisory' and classid = ${LOCK_CLASS}
          and objid = ${key} and objsubid = 2 and pid = pg_backend_pid() and granted) as mine`;
      return Boolean(row?.mine);
    } catch (err) {
      this.log.warn({ err }, 'feishu lock: database check failed');
      return false;
    }
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped || !this.sql) return;
    this.busy = true;
    try {
      if (this.held) {
        if (!(await this.confirm())) {
          this.held = false;
          this.log.warn({ appId: this.appId }, 'feishu lock lost: letting go of the long connection');
          this.events.lost();
        }
        return;
      }
      const [row] = await this.sql<{ ok: boolean }[]>`
        select pg_try_advisory_lock(${LOCK_CLASS}, ${lockKeyOf(this.appId)}) as ok`;
      if (row?.ok && !this.stopped) {
        this.held = true;
        this.log.info({ appId: this.appId }, 'feishu lock acquired: this replica holds the long connection');
        this.events.acquired();
      }
    } catch (err) {
      this.log.warn({ err }, 'feishu lock: database unreachable');
      if (this.held) {
        this.held = false;
        this.events.lost();
      }
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const sql = this.sql;
    this.sql = null;
    if (sql) {
      if (this.held)
        await sql`select pg_advisory_unlock(${LOCK_CLASS}, ${lockKeyOf(this.appId)})`.catch(() => {});
      await sql.end({ timeout: 2 }).catch(() => {});
    }
    this.held = false;
  }
}
