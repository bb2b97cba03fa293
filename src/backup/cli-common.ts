// What the backup and restore commands share: the settings (./.env as for npm start), how they name the
// database, and how they end. Exit codes: 0 done; 1 the backup or restore failed (a damaged file, a
// database error); 2 what the admin must change first (settings, a missing tool, the database in use or
// not empty).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { BackupFileError } from './manifest.ts';

export function settings(): Config {
  // Settings may live in ./.env (see .env.example), as for npm start; real environment variables win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  // pg_dump and pg_restore are given the URL itself: a wrong one is a setting to fix, not a failed backup.
  if (config.databaseUrl && !URL.canParse(config.databaseUrl)) {
    throw new ConfigError(
      'DATABASE_URL: not a URL, e.g. postgres://salesrelay:secret@db.example.com:5432/salesrelay\nDATABASE_URL 格式不正确。',
    );
  }
  return config;
}

export function describeDatabase(config: Config): string {
  if (!config.databaseUrl) return `the embedded database in ${resolve(config.dataDir)}`;
  try {
    const u = new URL(config.databaseUrl);
    return `PostgreSQL ${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}

/** The exit code for an error, after printing it plainly (a stack only for what is a bug). */
export function reportFailure(err: unknown, what: string): number {
  if (err instanceof ConfigError) {
    console.error(err.message);
    return 2;
  }
  if (err instanceof BackupFileError) {
    console.error(err.message);
    return 1;
  }
  const e = err as Error & { code?: string };
  if (e && typeof e.message === 'string' && (e.code || /failed \(exit code/.test(e.message))) {
    console.error(`${what} failed: ${e.message}${e.code ? ` (${e.code})` : ''}`);
    return 1;
  }
  console.error(err);
  return 1;
}
