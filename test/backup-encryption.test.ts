// Backup encryption with BACKUP_KEY (issue 20, R-SEC-3): a copied backup file alone reveals nothing. With
// the key set, the file holds no clear text of a customer's name, contact or phone that the database holds
// (the same search finds them in the decrypted dump, so the search can fail); restore with the key gives
// the rows back; restore with another key, or without one, is refused with a clear message and writes
// nothing; a file changed after it was written is refused (by its sha256, and by the GCM tag when the
// manifest was changed to match). PostgreSQL through `npm run backup` / `npm run restore` as an admin
// runs them; the embedded database (PGlite) through the same functions in the running application.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupKey, decryptFile } from '../src/backup/encryption.ts';
import { sha256Of } from '../src/backup/manifest.ts';
import { restoreBackup } from '../src/backup/restore.ts';
import { runBackup } from '../src/backup/runner.ts';
import { loadConfig } from '../src/config.ts';
import { backupCli } from './helpers/backup-cli.ts';
import { type Driver, startDriver } from './helpers/console.ts';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';

const work = mkdtempSync(join(tmpdir(), 'sr-backup-enc-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const KEY = randomBytes(32).toString('hex');
const OTHER_KEY = randomBytes(32).toString('base64');
// Values no table holds by chance: each must be found in the plain dump and not in the encrypted file.
const SECRETS = ['Zephyrine Qorvath Trading', 'Xavier Mendelsohn', '13712345678'];

async function populate(d: Driver): Promise<void> {
  await d.say('li', 'me lang=en');
  const added = await d.say(
    'li',
    `customer add name="${SECRETS[0]}" contact="${SECRETS[1]}" phone=${SECRETS[2]}`,
    'sales',
  );
  expect(added.text).toContain('C-0001');
}

/** Whether the bytes hold the text (as UTF-8, the database's encoding). */
const holds = (bytes: Buffer, text: string) => bytes.includes(Buffer.from(text, 'utf8'));

/** A copy of the backup and its manifest with one byte of the ciphertext changed; `rehash`: the manifest
 * is changed to match (someone who changes both), so only the GCM tag can tell. */
async function tampered(file: string, rehash: boolean): Promise<string> {
  const dir = join(work, `tampered-${rehash ? 'rehashed' : 'plain'}-${basename(file)}`);
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, basename(file));
  const bytes = readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0x01;
  writeFileSync(copy, bytes);
  const manifest = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8'));
  if (rehash) manifest.sha256 = await sha256Of(copy);
  writeFileSync(`${copy}.manifest.json`, JSON.stringify(manifest));
  return copy;
}

const cli = (script: 'backup' | 'restore', args: string[], env: Record<string, string>) =>
  backupCli(script, args, env, work);

describe('PostgreSQL: an encrypted backup', () => {
  let d: Driver;
  let file = '';
  const backupDir = join(work, 'pg-backups');
  // The restore's private temporary folder for the decrypted copy: checked to be empty afterwards.
  const temp = join(work, 'pg-tmp');
  const decryptedLeft = () => readdirSync(temp).filter((n) => n.startsWith('salesrelay-decrypted-'));
  const fresh: string[] = [];
  const freshUrl = async () => {
    const url = await freshDatabaseUrl();
    fresh.push(url);
    return url;
  };
  const tablesOf = async (url: string) => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      return (await sql`select tablename from pg_tables where schemaname = 'public'`).length;
    } finally {
      await sql.end();
    }
  };

  beforeAll(async () => {
    mkdirSync(temp, { recursive: true });
    d = await startDriver();
    await populate(d);
    const run = await cli('backup', [], {
      DATABASE_URL: d.app.config.databaseUrl!,
      BACKUP_DIR: backupDir,
      BACKUP_KEY: KEY,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    file = run.stdout.trim().split('\n').at(-1)!;
  }, 120_000);
  afterAll(async () => {
    await d?.close();
    for (const url of fresh) await dropDatabase(url);
  });

  it('holds no clear text of what the database holds; the decrypted dump does', async () => {
    expect(file).toMatch(/salesrelay-\d{8}-\d{6}Z\.dump\.enc$/);
    const manifest = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8'));
    expect(manifest.encryption).toEqual({ cipher: 'aes-256-gcm', keyId: backupKey(KEY)!.id });
    const bytes = readFileSync(file);
    for (const s of SECRETS) expect(holds(bytes, s), s).toBe(false);
    // Not even a pg_dump file's header is readable.
    expect(holds(bytes, 'PGDMP')).toBe(false);
    expect(bytes.subarray(0, 16).toString()).toBe('SALESRELAY-ENC1\n');

    // The same search finds every value in the dump once decrypted (as SQL, pg_restore's script).
    const plain = join(work, 'plain.dump');
    await decryptFile(file, backupKey(KEY), plain);
    expect(readFileSync(plain).subarray(0, 5).toString()).toBe('PGDMP');
    const script = spawnSync('pg_restore', ['-f', '-', plain], { maxBuffer: 64 << 20 });
    expect(script.status).toBe(0);
    for (const s of SECRETS) expect(holds(script.stdout, s), s).toBe(true);
  });

  it('restores with the key: the rows come back', async () => {
    const target = await freshUrl();
    const run = await cli('restore', [file], { DATABASE_URL: target, BACKUP_KEY: KEY, TMPDIR: temp });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/customers\s+1\n/);
    const sql = postgres(target, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql`select c.name, k.name as contact, k.phone
        from customers c join contacts k on k.customer_id = c.id where c.number = 'C-0001'`;
      expect(row).toEqual({ name: SECRETS[0], contact: SECRETS[1], phone: SECRETS[2] });
    } finally {
      await sql.end();
    }
    // The decrypted copy is gone.
    expect(decryptedLeft()).toEqual([]);
  }, 60_000);

  it('refuses another key, or none, naming what to set, and writes nothing', async () => {
    const target = await freshUrl();
    const wrong = await cli('restore', [file], { DATABASE_URL: target, BACKUP_KEY: OTHER_KEY, TMPDIR: temp });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/BACKUP_KEY is not the key .* was encrypted with .*Nothing was restored/);
    expect(wrong.stderr).toContain('BACKUP_KEY 与该备份的加密密钥不符');
    const none = await cli('restore', [file], { DATABASE_URL: target, TMPDIR: temp });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /is encrypted \(key id [0-9a-f]{16}\): set BACKUP_KEY .*Nothing was restored/,
    );
    expect(await tablesOf(target)).toBe(0);
    expect(decryptedLeft()).toEqual([]);
  }, 60_000);

  it('refuses a changed file: by its sha256, and by the GCM tag when the manifest matches it', async () => {
    const target = await freshUrl();
    const changed = await cli('restore', [await tampered(file, false)], {
      DATABASE_URL: target,
      BACKUP_KEY: KEY,
      TMPDIR: temp,
    });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/is damaged: its sha256/);
    const rehashed = await cli('restore', [await tampered(file, true)], {
      DATABASE_URL: target,
      BACKUP_KEY: KEY,
      TMPDIR: temp,
    });
    expect(rehashed.code).toBe(1);
    expect(rehashed.stderr).toMatch(
      /does not decrypt: it was changed after it was written .*Nothing was restored/,
    );
    expect(await tablesOf(target)).toBe(0);
    expect(decryptedLeft()).toEqual([]);
  }, 60_000);
  it('the drill decrypts the newest backup with the key, and fails without it (logged both ways)', async () => {
    const env = { DATABASE_URL: d.app.config.databaseUrl!, BACKUP_DIR: backupDir, TMPDIR: temp };
    const passed = await cli('backup', ['--drill'], { ...env, BACKUP_KEY: KEY });
    expect(passed.stderr).toBe('');
    expect(passed.code).toBe(0);
    expect(passed.stdout).toMatch(/Drill passed: \d+ tables match the manifest/);
    const failed = await cli('backup', ['--drill'], env);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/is encrypted \(key id [0-9a-f]{16}\): set BACKUP_KEY/);
    const log = await d.query<{ state: string; encrypted: boolean; error: string | null }>(
      "select state, encrypted, error from backup_log where kind = 'drill' order by id",
    );
    expect(log.map((r) => r.state)).toEqual(['done', 'failed']);
    expect(log[0]!.encrypted).toBe(true);
    expect(log[1]!.error).toMatch(/set BACKUP_KEY/);
    expect(decryptedLeft()).toEqual([]);
  }, 60_000);
});

describe('embedded database (PGlite): an encrypted scheduled-style backup of the running application', () => {
  let d: Driver;
  let file = '';
  const backupDir = join(work, 'pglite-backups');
  const settings = (env: Record<string, string>) => loadConfig({ BACKUP_DIR: backupDir, ...env });

  beforeAll(async () => {
    d = await startDriver({ pglite: true, env: { BACKUP_DIR: backupDir, BACKUP_KEY: KEY } });
    await populate(d);
    // What the BackupRunner runs for a scheduled backup: the application's own open database.
    ({ file } = await runBackup({ config: d.app.config, database: d.app.database }, 'manual'));
  }, 120_000);
  afterAll(() => d?.close());

  it('holds no clear text; the decrypted tarball does', async () => {
    expect(file).toMatch(/salesrelay-\d{8}-\d{6}Z\.tar\.gz\.enc$/);
    const bytes = readFileSync(file);
    for (const s of SECRETS) expect(holds(bytes, s), s).toBe(false);
    const plain = join(work, 'plain.tar.gz');
    await decryptFile(file, backupKey(KEY), plain);
    const tar = gunzipSync(readFileSync(plain));
    for (const s of SECRETS) expect(holds(tar, s), s).toBe(true);
  });

  it('restores with the key; refuses another key, none, or a changed file, creating nothing', async () => {
    for (const [env, source, says] of [
      [{ BACKUP_KEY: OTHER_KEY }, file, /BACKUP_KEY is not the key/],
      [{}, file, /is encrypted \(key id [0-9a-f]{16}\): set BACKUP_KEY/],
      [{ BACKUP_KEY: KEY }, await tampered(file, false), /is damaged: its sha256/],
      [{ BACKUP_KEY: KEY }, await tampered(file, true), /does not decrypt: it was changed/],
    ] as const) {
      const target = join(work, `refused-${randomBytes(3).toString('hex')}`);
      await expect(restoreBackup(settings({ ...env, DATA_DIR: target }), source, false)).rejects.toThrow(
        says,
      );
      expect(existsSync(target)).toBe(false);
    }

    const target = join(work, 'restored');
    const { tables } = await restoreBackup(settings({ BACKUP_KEY: KEY, DATA_DIR: target }), file, false);
    expect(tables.find((t) => t.table === 'customers')?.rows).toBe(1);
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite(target);
    try {
      const { rows } = await db.query(
        `select c.name, k.name as contact, k.phone from customers c join contacts k on k.customer_id = c.id`,
      );
      expect(rows).toEqual([{ name: SECRETS[0], contact: SECRETS[1], phone: SECRETS[2] }]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
