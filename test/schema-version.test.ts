// Rolling upgrades: the new version migrates the shared database; a replica of the old version started
// afterwards must refuse to run (it would write what it does not understand), saying why, with exit code 2.
import { sql } from 'drizzle-orm';
import { afterAll, expect, it, vi } from 'vitest';
import { openDatabase } from '../src/db/client.ts';
import { rowsOf } from '../src/db/rows.ts';
import { SchemaTooNewError } from '../src/db/schema-version.ts';
import { useMigratedDatabase } from './helpers/pg.ts';
import { freePort, run } from './helpers/spawned.ts';

vi.setConfig({ testTimeout: 120_000 });
const pg = useMigratedDatabase();

/** What a newer release's migration leaves behind: one more row, with a later folder time. */
async function upgradeByNewerVersion(db: typeof pg.database.db): Promise<void> {
  await db.execute(
    sql`insert into drizzle.__drizzle_migrations (hash, created_at)
        select 'from-a-newer-release', max(created_at) + 60000 from drizzle.__drizzle_migrations`,
  );
}

const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of opened) await d.close();
});

it('the same version opens the migrated database again (several replicas starting)', async () => {
  const again = await openDatabase({ databaseUrl: pg.url, maxConnections: 1 });
  opened.push(again);
  await expect(again.migrate()).resolves.toBeUndefined();
  const [row] = rowsOf<{ n: number }>(
    await again.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
  );
  expect(row!.n).toBeGreaterThan(20);
});

it('an older version refuses a database a newer one migrated, on PostgreSQL and on PGlite', async () => {
  await upgradeByNewerVersion(pg.database.db);
  const older = await openDatabase({ databaseUrl: pg.url, maxConnections: 1 });
  opened.push(older);
  const refusal = await older.migrate().then(
    () => null,
    (err: unknown) => err,
  );
  expect(refusal).toBeInstanceOf(SchemaTooNewError);
  expect(String((refusal as Error).message)).toMatch(
    /upgraded by a newer SalesRelay: it has \d+ migrations, this version knows \d+ \(1 newer than 00\d\d_/,
  );
  expect(String((refusal as Error).message)).toContain('数据库已由更新版本的 SalesRelay 升级');
  // Nothing applied or changed by the refused start: still exactly one foreign row.
  const [row] = rowsOf<{ n: number }>(
    await pg.database.db.execute(
      sql`select count(*)::int as n from drizzle.__drizzle_migrations where hash = 'from-a-newer-release'`,
    ),
  );
  expect(row!.n).toBe(1);

  const embedded = await openDatabase({});
  opened.push(embedded);
  await embedded.migrate();
  await upgradeByNewerVersion(embedded.db);
  await expect(embedded.migrate()).rejects.toBeInstanceOf(SchemaTooNewError);
});

it('npm start and the worker on such a database exit 2 with the message, no stack trace', async () => {
  const env = { DATABASE_URL: pg.url, PORT: String(await freePort()), REDIS_URL: 'redis://127.0.0.1:6379/0' };
  for (const command of [
    ['node', '--import', 'tsx', 'src/main.ts', '--no-demo'],
    ['node', '--import', 'tsx', 'src/worker.ts'],
  ]) {
    const r = await run(command, env);
    expect({ command, code: r.code }).toEqual({ command, code: 2 });
    expect(r.stderr).toContain('The database was upgraded by a newer SalesRelay');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }
});
