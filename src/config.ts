// The one place that reads process.env. Everything else receives a typed Config.
import { z } from 'zod';
import { isLoopbackHost } from './http/addresses.ts';

const onOff = z
  .enum(['on', 'off', 'auto', 'true', 'false', '1', '0'])
  .default('auto')
  .transform((v) => (v === 'true' || v === '1' ? 'on' : v === 'false' || v === '0' ? 'off' : v));

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

/**
 * When scheduled backups and drills run, in the organisation's time zone: a reminder repeat rule
 * (`daily@02:00`, `weekly:7@03:00` with 1 = Monday, `workdays@02:00`) or `off`.
 */
const backupSchedule = (fallback: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .default(fallback)
    .refine(
      (v) => v === 'off' || /^(daily|workdays|weekly:[1-7])@([01]\d|2[0-3]):[0-5]\d$/.test(v),
      'daily@HH:MM, weekly:D@HH:MM (D: 1 = Monday … 7 = Sunday), workdays@HH:MM, or off; e.g. daily@02:00',
    );

/** BACKUP_KEY as its 32 bytes (64 hex characters, or base64), or null when it is neither. */
export function backupKeyBytes(value: string): Buffer | null {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(v)) {
    const bytes = Buffer.from(v, 'base64');
    if (bytes.length === 32) return bytes;
  }
  return null;
}

export const configSchema = z.object({
  DATABASE_URL: optionalString,
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  // Behind a pooler in transaction mode (PgBouncer): a direct connection for what needs a session (advisory
  // locks of migrations and long connections, pg_dump), and prepared statements off where it has none.
  DATABASE_SESSION_URL: optionalString,
  DATABASE_PREPARE: z.enum(['on', 'off']).default('on'),
  DATA_DIR: z.string().default('./data'),
  BACKUP_DIR: z.string().trim().min(1).default('./backups'),
  BACKUP_SCHEDULE: backupSchedule('daily@02:00'),
  BACKUP_DRILL_SCHEDULE: backupSchedule('weekly:7@03:00'),
  BACKUP_KEEP_DAILY: z.coerce.number().int().min(1).max(1000).default(7),
  BACKUP_KEEP_MONTHLY: z.coerce.number().int().min(0).max(1000).default(12),
  BACKUP_KEY: optionalString.refine(
    (v) => v === undefined || backupKeyBytes(v) !== null,
    '32 random bytes as 64 hex characters or base64, e.g. the output of `openssl rand -hex 32`',
  ),
  REDIS_URL: optionalString,
  QUEUE_WORKERS: onOff,
  QUEUE_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  QUEUE_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(5000),
  QUEUE_RECONCILE_MS: z.coerce.number().int().min(1000).default(60_000),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .default('sr'),
  DELIVERY_LEASE_MS: z.coerce.number().int().min(1000).default(15_000),
  DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(100),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  CONSOLE: onOff,
  CONSOLE_TOKEN: optionalString.refine(
    (v) => v === undefined || v.length >= 16,
    'at least 16 characters, e.g. the output of `openssl rand -hex 16`',
  ),
  PUBLIC_URL: optionalString.refine(
    (v) => v === undefined || /^https?:\/\/[^/?#\s]+\/?$/i.test(v),
    'the address people open in a browser, e.g. https://crm.example.com (no path)',
  ),
  WEB_SESSION_HOURS: z.coerce.number().int().min(1).max(720).default(12),
  // Below Kubernetes' default grace period (30 s) and systemd's TimeoutStopSec (90 s).
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(25_000),
  METRICS_TOKEN: optionalString.refine(
    (v) => v === undefined || v.length >= 16,
    'at least 16 characters, e.g. the output of `openssl rand -hex 16`',
  ),
  ADMINS: z.string().default(''),
  ORG_NAME: z.string().default('My Company'),
  ORG_TIMEZONE: z
    .string()
    .default('Asia/Shanghai')
    .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'not an IANA time zone'),
  ORG_LOCALE: z.enum(['zh', 'en']).default('zh'),
  ORG_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'a three-letter ISO code such as CNY')
    .default('CNY'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = {
  databaseUrl: string | undefined;
  /** PostgreSQL connections this process may open (PostgreSQL allows 100 in all by default). */
  databasePoolMax: number;
  /** A connection with session semantics (locks, pg_dump): DATABASE_SESSION_URL, else DATABASE_URL. */
  databaseSessionUrl: string | undefined;
  /** Named prepared statements (off behind a pooler in transaction mode that has none, PgBouncer < 1.21). */
  databasePrepare: boolean;
  dataDir: string;
  /** Where `npm run backup` writes (BACKUP_DIR): meant to be another disk or a mounted share. */
  backupDir: string;
  /** Scheduled backups and drills: repeat rules in the organisation's time zone, or null (off). */
  backupSchedule: string | null;
  backupDrillSchedule: string | null;
  /** Retention: the newest backup of each of this many days, and the first of each of this many months. */
  backupKeepDaily: number;
  backupKeepMonthly: number;
  /** BACKUP_KEY (AES-256-GCM), as given: src/backup/encryption.ts reads it. */
  backupKey: string | undefined;
  redisUrl: string | undefined;
  /** Delivery mechanism tuning (REDIS_URL set: BullMQ; else the local drivers). */
  queue: {
    /** Whether this process fires reminders and delivers (off: only `npm run worker` processes do). */
    workers: boolean;
    concurrency: number;
    lockMs: number;
    reconcileMs: number;
    prefix: string;
    leaseMs: number;
    sendConcurrency: number;
  };
  port: number;
  host: string;
  /** Whether the console chat runs; it lets anyone act as anyone, so it is off when a platform is set. */
  console: boolean;
  /** The console's password (CONSOLE_TOKEN); required when the console is on and reachable from elsewhere. */
  consoleToken: string | undefined;
  /** The address a browser opens when a reverse proxy is in front (PUBLIC_URL): a name the server answers to. */
  publicUrl: string | undefined;
  /** How long a web workspace sign-in lasts (issue 17). */
  webSessionHours: number;
  /** How long a SIGTERM may take: in-flight work finishes or is handed back within it (docs/operations.md). */
  shutdownTimeoutMs: number;
  /** The bearer token /metrics asks for (METRICS_TOKEN); none: /metrics is open to whoever reaches the port. */
  metricsToken: string | undefined;
  admins: PlatformIdentityRef[];
  org: { name: string; timezone: string; locale: 'zh' | 'en'; currency: string };
  logLevel: string;
  /** Names of chat platforms that have settings (the adapter registry says), for the console decision. */
  platforms: string[];
};

export type PlatformIdentityRef = { platform: string; externalId: string };

export class ConfigError extends Error {}

export function parseAdmins(value: string): PlatformIdentityRef[] {
  return value
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(':');
      if (at <= 0 || at === entry.length - 1) {
        throw new ConfigError(`ADMINS: "${entry}" should look like platform:userid, e.g. console:li`);
      }
      return { platform: entry.slice(0, at).toLowerCase(), externalId: entry.slice(at + 1) };
    });
}

/**
 * The core settings. `platforms`: the chat platforms whose settings are present, as the adapter registry
 * finds them (adapters/index.ts); the console is on by default only without any.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  platforms: string[] = [],
): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid settings (see .env.example):\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const consoleOn = e.CONSOLE === 'on' || (e.CONSOLE === 'auto' && platforms.length === 0);
  if (consoleOn && !e.CONSOLE_TOKEN && (!isLoopbackHost(e.HOST) || e.PUBLIC_URL)) {
    throw new ConfigError(consoleExposed(e.HOST, e.PUBLIC_URL, e.CONSOLE));
  }
  return {
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    databaseSessionUrl: e.DATABASE_SESSION_URL ?? e.DATABASE_URL,
    databasePrepare: e.DATABASE_PREPARE === 'on',
    dataDir: e.DATA_DIR,
    backupDir: e.BACKUP_DIR,
    backupSchedule: e.BACKUP_SCHEDULE === 'off' ? null : e.BACKUP_SCHEDULE,
    backupDrillSchedule: e.BACKUP_DRILL_SCHEDULE === 'off' ? null : e.BACKUP_DRILL_SCHEDULE,
    backupKeepDaily: e.BACKUP_KEEP_DAILY,
    backupKeepMonthly: e.BACKUP_KEEP_MONTHLY,
    backupKey: e.BACKUP_KEY,
    redisUrl: e.REDIS_URL,
    queue: {
      workers: e.QUEUE_WORKERS !== 'off',
      concurrency: e.QUEUE_CONCURRENCY,
      lockMs: e.QUEUE_LOCK_MS,
      reconcileMs: e.QUEUE_RECONCILE_MS,
      prefix: e.QUEUE_PREFIX,
      leaseMs: e.DELIVERY_LEASE_MS,
      sendConcurrency: e.DELIVERY_CONCURRENCY,
    },
    port: e.PORT,
    host: e.HOST,
    console: consoleOn,
    consoleToken: e.CONSOLE_TOKEN,
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ''),
    webSessionHours: e.WEB_SESSION_HOURS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    metricsToken: e.METRICS_TOKEN,
    admins: parseAdmins(e.ADMINS),
    org: { name: e.ORG_NAME, timezone: e.ORG_TIMEZONE, locale: e.ORG_LOCALE, currency: e.ORG_CURRENCY },
    logLevel: e.LOG_LEVEL,
    platforms,
  };
}

function consoleExposed(host: string, publicUrl: string | undefined, setting: string): string {
  const where = publicUrl
    ? `PUBLIC_URL=${publicUrl} puts it behind a proxy for other computers`
    : `HOST=${host} is not a loopback address, so other computers can reach it`;
  return [
    `CONSOLE_TOKEN: the console chat is on (CONSOLE=${setting}) and ${where}; the console lets anyone act as anyone.`,
    '  Set CONSOLE_TOKEN to a password of at least 16 characters (e.g. `openssl rand -hex 16`), or HOST=127.0.0.1, or CONSOLE=off.',
    `CONSOLE_TOKEN：控制台已开启，且${publicUrl ? ` PUBLIC_URL=${publicUrl} 让其他电脑经代理访问` : ` HOST=${host} 不是本机回环地址，其他电脑可以访问`}；控制台可以冒充任何人。`,
    '  请设置至少 16 个字符的 CONSOLE_TOKEN（如 `openssl rand -hex 16`），或设 HOST=127.0.0.1，或 CONSOLE=off。',
  ].join('\n');
}
