import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
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
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupCli, type Run } from './helpers/backup-cli.ts';
import { type Driver, startDriver } from './helpers/console.ts';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';

const work = mkdtempSync(join(tmpdir(), 'sr-backup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cli = (script: 'backup' | 'restore', args: string[], env: Record<string, string>) =>
  backupCli(script, args, env, work);

type Query = (sql: string) => Promise<Record<string, unknown>[]>;

/** Every table of the public and drizzle schemas: its row count and an md5 over its rows in order. */
async function tableDump(query: Query): Promise<Record<string, string>> {
  await query("set timezone = 'UTC'");
  const tables = await query(
    "select schemaname || '.' || tablename as t from pg_tables where schemaname in ('public', 'drizzle') order by 1",
  );
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const [schema, name] = String(t).split('.');
    const [row] = await query(
      `select count(*) || ' ' || coalesce(md5(string_agg(x::text, ',' order by x::text)), '-') as d from "${schema}"."${name}" x`,
    );
    out[String(t)] = String(row?.d);
  }
  return out;
}

async function pgDump(url: string): Promise<Record<string, string>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await tableDump((q) => sql.unsafe(q));
  } finally {
    await sql.end();
  }
}

const rowsOf = (dump: Record<string, string>, table: string) =>
  Number(dump[`public.${table}`]?.split(' ')[0]);

/** A small but complete organisation: every kind of record, with history, approvals and reminders. */
async function populate(d: Driver): Promise<void> {
  for (const p of ['li', 'wang', 'zhao', 'qian', 'sun', 'admin']) await d.say(p, 'me lang=en');
  await d.say('li', 'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000', 'sales');
  await d.say('li', 'customer add name="Beta 贝塔" contact="Wang Fang" phone=13900000000', 'sales');
  await d.say('li', 'lead add customer=C-0001 source=expo desc="needs 200 sensors"');
  await d.say('li', 'lead follow L-0001 note="called; wants a quote" next="send quote" due=tomorrow');
  await d.say(
    'li',
    'quote new customer=C-0001 item="Sensor | X200 | 200 | 600" valid=+30d tax=included delivery=+45d payment="30% advance"',
  );
  await d.say('li', 'quote submit Q-0001 note="volume price"');
  await d.say(
    'li',
    'order new customer=C-0002 item="Gateway | G1 | 2 | 1200" delivery=+20d place=Shanghai payment="on delivery"',
  );
  await d.say('li', 'order submit SO-0001');
  await d.say('li', 'remind me tomorrow 09:00 "call Acme"');
  await d.say('wang', 'remind #sales every monday 09:00 "weekly pipeline review"');
}

function expectPopulated(dump: Record<string, string>): void {
  for (const table of [
    'customers',
    'contacts',
    'leads',
    'lead_followups',
    'quotes',
    'quote_items',
    'orders',
    'order_items',
    'record_history',
    'approvals',
    'approval_seats',
    'reminders',
    'audit_log',
    'people',
  ]) {
    expect(rowsOf(dump, table), table).toBeGreaterThan(0);
  }
}

/** The last line printed: the backup file's path, for scripts. */
function lastLine(run: Run): string {
  return run.stdout.trim().split('\n').at(-1) ?? '';
}

describe('PostgreSQL: npm run backup, then npm run restore into a fresh database', () => {
  let d: Driver;
  let sourceUrl = '';
  let source: Record<string, string> = {};
  let backup: Run;
  const backupDir = join(work, 'pg-backups');
  const fresh: string[] = [];
  const freshUrl = async () => {
    const url = await freshDatabaseUrl();
    fresh.push(url);
    return url;
  };

  beforeAll(async () => {
    d = await startDriver();
    sourceUrl = d.app.config.databaseUrl!;
    await populate(d);
    // The app keeps running: a PostgreSQL backup is taken while SalesRelay works.
    backup = await cli('backup', [], { DATABASE_URL: sourceUrl, BACKUP_DIR: backupDir });
    source = await pgDump(sourceUrl);
  }, 120_000);
  afterAll(async () => {
    await d?.close();
    for (const url of fresh) await dropDatabase(url);
  });

  it('writes the file and its manifest, and prints the file last', () => {
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const file = lastLine(backup);
    expect(file).toMatch(/salesrelay-\d{8}-\d{6}Z\.dump$/);
    expect(readdirSync(backupDir).sort()).toEqual([basename(file), `${basename(file)}.manifest.json`]);
    const manifest = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8'));
    expect(manifest).toMatchObject({ kind: 'postgres', file: basename(file), appVersion: '0.1.0' });
    expect(manifest.lastMigration).toMatch(/^\d{4}_/);
    const customers = manifest.tables.find((t: { table: string }) => t.table === 'customers');
    expect(customers.rows).toBe(rowsOf(source, 'customers'));
  });

  it('restores every table identical row for row', async () => {
    expectPopulated(source);
    const target = await freshUrl();
    const restore = await cli('restore', [lastLine(backup)], { DATABASE_URL: target });
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toMatch(new RegExp(`customers\\s+${rowsOf(source, 'customers')}\\n`));
    expect(await pgDump(target)).toEqual(source);
    // SalesRelay starts on the restored database, finds its records, and the audit chain still verifies.
    const restored = await startDriver({ env: { DATABASE_URL: target } });
    try {
      expect((await restored.say('li', 'customer show C-0001')).text).toContain('Acme Ltd');
      expect((await restored.say('admin', 'audit verify')).text).toMatch(/intact/);
    } finally {
      await restored.close();
    }
  }, 60_000);

  it('refuses a database that is not empty, and writes nothing; --force replaces it', async () => {
    const target = await freshUrl();
    const sql = postgres(target, { max: 1, onnotice: () => {} });
    await sql.unsafe('create table notes (id int); insert into notes values (1)');
    await sql.end();
    const refused = await cli('restore', [lastLine(backup)], { DATABASE_URL: target });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not empty .*nothing was restored[\s\S]*--force[\s\S]*不为空/);
    expect(await pgDump(target)).toEqual({ 'public.notes': `1 ${md5Of('(1)')}` });
    const forced = await cli('restore', [lastLine(backup), '--force'], { DATABASE_URL: target });
    expect(forced.code).toBe(0);
    expect(await pgDump(target)).toEqual(source);
  }, 60_000);

  it('refuses a file with one byte changed (sha256), and writes nothing', async () => {
    const file = lastLine(backup);
    const dir = join(work, 'damaged');
    mkdirSync(dir, { recursive: true });
    const copy = join(dir, basename(file));
    copyFileSync(file, copy);
    copyFileSync(`${file}.manifest.json`, `${copy}.manifest.json`);
    const bytes = readFileSync(copy);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(copy, bytes);
    const target = await freshUrl();
    const refused = await cli('restore', [copy], { DATABASE_URL: target });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is damaged: its sha256[\s\S]*Nothing was restored[\s\S]*已损坏/);
    expect(await pgDump(target)).toEqual({});
  }, 60_000);

  it('refuses a file without its manifest', async () => {
    const dir = join(work, 'no-manifest');
    mkdirSync(dir, { recursive: true });
    const copy = join(dir, basename(lastLine(backup)));
    copyFileSync(lastLine(backup), copy);
    const refused = await cli('restore', [copy], { DATABASE_URL: await freshUrl() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/manifest\.json is missing/);
  });

  const drillDatabases = async () =>
    (
      await d.query<{ n: number }>(
        "select count(*)::int as n from pg_database where datname like 'salesrelay_drill_%'",
      )
    )[0]!.n;

  it('--drill restores the newest backup into a scratch database, compares it, and drops it', async () => {
    const run = await cli('backup', ['--drill'], { DATABASE_URL: sourceUrl, BACKUP_DIR: backupDir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(lastLine(backup));
    expect(run.stdout).toMatch(/Drill passed: \d+ tables match the manifest/);
    expect(await drillDatabases()).toBe(0);
  }, 60_000);

  it('--drill fails when the restored rows differ from the manifest, and still drops the scratch database', async () => {
    const file = lastLine(backup);
    const dir = join(work, 'drill-mismatch');
    mkdirSync(dir, { recursive: true });
    copyFileSync(file, join(dir, basename(file)));
    const manifest = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8'));
    const customers = manifest.tables.find((t: { table: string }) => t.table === 'customers');
    customers.rows += 1;
    writeFileSync(join(dir, `${basename(file)}.manifest.json`), JSON.stringify(manifest));
    const run = await cli('backup', ['--drill'], { DATABASE_URL: sourceUrl, BACKUP_DIR: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Drill FAILED`);
    expect(run.stderr).toContain(`customers: ${customers.rows - 1} rows, the backup has ${customers.rows}`);
    expect(await drillDatabases()).toBe(0);
  }, 60_000);

  it('without pg_dump, or with one older than the server, says what to install and leaves no file', async () => {
    const dir = join(work, 'no-tools');
    const bin = join(work, 'old-bin');
    mkdirSync(bin, { recursive: true });
    // An old client as Debian's pg_wrapper would run it: only its version answer matters here.
    writeFileSync(join(bin, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 12.9"\n');
    chmodSync(join(bin, 'pg_dump'), 0o755);
    const server = (await d.query<{ v: string }>("select current_setting('server_version_num') as v"))[0]!.v;
    const major = Math.floor(Number(server) / 10000);
    for (const [path, says] of [
      [join(work, 'empty-bin'), /pg_dump was not found/],
      [bin, /pg_dump 12\.9 is older than the PostgreSQL \d+ server/],
    ] as const) {
      mkdirSync(path, { recursive: true });
      const run = await cli('backup', [], { DATABASE_URL: sourceUrl, BACKUP_DIR: dir, PATH: path });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(says);
      expect(run.stderr).toContain(`apt install postgresql-client-${major}`);
      expect(readdirSync(dir)).toEqual([]);
    }
  });
});

function md5Of(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

describe('settings', () => {
  it('a wrong setting stops with exit code 2 and names it, writing nothing', async () => {
    const dir = join(work, 'bad-settings');
    for (const [env, says] of [
      [{ DATABASE_URL: 'not a url', BACKUP_DIR: dir }, /^DATABASE_URL: not a URL/m],
      [{ BACKUP_DIR: ' ' }, /BACKUP_DIR: Too small/],
    ] as const) {
      const run = await cli('backup', [], env);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(says);
    }
    expect(existsSync(dir)).toBe(false);
  });
});

describe('embedded database (PGlite): npm run backup, then npm run restore into an empty folder', () => {
  const dataDir = join(work, 'data');
  const backupDir = join(work, 'pglite-backups');
  let d: Driver | undefined;

  afterAll(async () => {
    await d?.close();
  });

  async function pgliteDump(dir: string): Promise<Record<string, string>> {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite(dir);
    try {
      return await tableDump(async (q) => (await db.query<Record<string, unknown>>(q)).rows);
    } finally {
      await db.close();
    }
  }

  it('refuses a backup while SalesRelay runs on the folder; after it stops, the round trip is exact', async () => {
    d = await startDriver({ pglite: true, env: { DATA_DIR: dataDir } });
    await populate(d);
    const busy = await cli('backup', [], { DATA_DIR: dataDir, BACKUP_DIR: backupDir });
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/is in use by another SalesRelay process[\s\S]*needs SalesRelay stopped/);
    expect(existsSync(backupDir) ? readdirSync(backupDir) : []).toEqual([]);
    await d.close();
    d = undefined;

    const backup = await cli('backup', [], { DATA_DIR: dataDir, BACKUP_DIR: backupDir });
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const file = lastLine(backup);
    expect(file).toMatch(/salesrelay-\d{8}-\d{6}Z\.tar\.gz$/);
    const source = await pgliteDump(dataDir);
    expectPopulated(source);

    const target = join(work, 'restored');
    const restore = await cli('restore', [file], { DATA_DIR: target });
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(await pgliteDump(target)).toEqual(source);

    const drill = await cli('backup', ['--drill'], { BACKUP_DIR: backupDir });
    expect(drill.code).toBe(0);
    expect(drill.stdout).toMatch(/Drill passed: \d+ tables match the manifest/);

    // Now not empty: refused without --force, and the folder is untouched.
    const again = await cli('restore', [file], { DATA_DIR: target });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not empty: nothing was restored/);
    expect(await pgliteDump(target)).toEqual(source);
  }, 240_000);
});
