// The manifest beside each backup file (<file>.manifest.json): what the file is, its size and sha256, the
// application version and last migration it was made by, and every table's row count and checksum.
// A restore reads it first and refuses a file that does not match it.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../config.ts';
import type { RunSql } from './table-stats.ts';

export const MANIFEST_SUFFIX = '.manifest.json';

const manifestSchema = z.object({
  format: z.literal('salesrelay-backup'),
  formatVersion: z.literal(1),
  file: z.string(),
  kind: z.enum(['postgres', 'pglite']),
  createdAt: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  appVersion: z.string(),
  lastMigration: z.string().nullable(),
  server: z.string(),
  tables: z.array(z.object({ table: z.string(), rows: z.number().int().nonnegative(), md5: z.string() })),
  /** Set when the file is encrypted with BACKUP_KEY; size and sha256 are then the encrypted file's. */
  encryption: z.object({ cipher: z.literal('aes-256-gcm'), keyId: z.string() }).optional(),
  /** The backup log's row for this backup (it is in the dump as 'started'; a restore marks it done). */
  logId: z.number().int().optional(),
  /** When the log's row was ended 'done' (the same time), for the restore to end its copy alike. */
  finishedAt: z.string().optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;

/** The backup can not be used: the message says why (exit code 1). */
export class BackupFileError extends Error {}

export function manifestPathOf(file: string): string {
  return `${file}${MANIFEST_SUFFIX}`;
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const packageJson = fileURLToPath(new URL('../../package.json', import.meta.url));
const journalJson = fileURLToPath(new URL('../../migrations/meta/_journal.json', import.meta.url));

export function appVersion(): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

/** This version's migrations, oldest first, by drizzle's journal. */
function journal(): { tag: string; when: number }[] {
  return (JSON.parse(readFileSync(journalJson, 'utf8')) as { entries: { tag: string; when: number }[] })
    .entries;
}

/**
 * The newest migration applied to a database, by the journal's name (drizzle records only each
 * migration's hash and its journal time). null: none applied.
 */
export async function lastMigration(run: RunSql): Promise<string | null> {
  const [row] = await run(
    "select max(created_at)::text as at from drizzle.__drizzle_migrations where to_regclass('drizzle.__drizzle_migrations') is not null",
  ).catch(() => [{ at: null }]);
  if (row?.at == null) return null;
  const at = Number(row.at);
  return journal().find((e) => e.when === at)?.tag ?? `unknown migration of ${new Date(at).toISOString()}`;
}

/**
 * Reads the manifest beside `file` and checks the file against it (name, size, sha256) and this version
 * against it (a backup of a newer version's database is refused: its migrations are not known here).
 */
export async function readAndCheck(file: string): Promise<Manifest> {
  if (!existsSync(file)) throw new BackupFileError(`${file}: no such file. 文件不存在。`);
  const path = manifestPathOf(file);
  if (!existsSync(path)) {
    throw new BackupFileError(
      [
        `${path} is missing: every backup has its manifest beside it. A backup without one did not finish.`,
        `缺少清单文件 ${path}：备份未完成或清单丢失，不能恢复。`,
      ].join('\n'),
    );
  }
  let manifest: Manifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new BackupFileError(
      `${path} is not a SalesRelay backup manifest (${(err as Error).message}). 清单文件无效。`,
    );
  }
  if (manifest.file !== basename(file)) {
    throw new BackupFileError(`${path} describes ${manifest.file}, not ${basename(file)}. 清单与文件不符。`);
  }
  const size = statSync(file).size;
  const sha256 = await sha256Of(file);
  if (size !== manifest.size || sha256 !== manifest.sha256) {
    throw new BackupFileError(
      [
        `${file} is damaged: its sha256 is ${sha256} (${size} bytes), the manifest says ${manifest.sha256} (${manifest.size} bytes).`,
        'Nothing was restored. Use another copy of this backup, or an older backup.',
        `备份文件已损坏（sha256 与清单不符），未恢复任何数据。请使用该备份的其他副本或更早的备份。`,
      ].join('\n'),
    );
  }
  const known = journal().map((e) => e.tag);
  if (manifest.lastMigration && !known.includes(manifest.lastMigration)) {
    throw new ConfigError(
      [
        `${file} was made by SalesRelay ${manifest.appVersion}, whose database has migration ${manifest.lastMigration}; this version (${appVersion()}) does not know it.`,
        'Install that version (or a newer one) first, then restore.',
        `该备份来自较新的 SalesRelay ${manifest.appVersion}，请先升级再恢复。`,
      ].join('\n'),
    );
  }
  return manifest;
}
