// PostgreSQL going away under a transaction (a restart, a terminated backend) must fail that transaction
// with a catchable error and leave the pool working. postgres.js 3.4.9 instead threw from a timer on a
// null socket (the process exited), then wedged the connection or failed its next query with the old
// error; patches/postgres+3.4.9.patch (patch-package) mends the installed copy, and this test tells whether it still must.
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/client.ts';
import { rowsOf } from '../src/db/rows.ts';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';

let url: string;
let database: Database;
let killer: postgres.Sql;

beforeAll(async () => {
  url = await freshDatabaseUrl();
  database = await openDatabase({ databaseUrl: url, maxConnections: 2 });
  killer = postgres(url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await database?.close();
  await killer?.end();
  if (url) await dropDatabase(url);
});

it('a transaction whose backend is terminated fails with CONNECTION_CLOSED, and the pool goes on', async () => {
  for (let round = 0; round < 4; round++) {
    let pid: number | null = null;
    const tx = database.db.transaction(async (t) => {
      pid = Number(rowsOf<{ pid: number }>(await t.execute(sql`select pg_backend_pid() as pid`))[0]!.pid);
      await t.execute(sql`select pg_sleep(5)`); // in flight when the backend goes
    });
    const outcome = tx.then(
      () => 'committed',
      (err: { code?: string }) => err.code ?? String(err),
    );
    while (pid === null) await new Promise((r) => setTimeout(r, 20));
    await killer`select pg_terminate_backend(${pid})`;
    expect(await outcome).toBe('CONNECTION_CLOSED');
    // Let the transaction's own ROLLBACK meet the closed socket (a setImmediate), then use the pool: the
    // reconnected connection answers, with no error left over from the old backend.
    await new Promise((r) => setTimeout(r, 50));
    const [row] = rowsOf<{ n: number }>(await database.db.execute(sql`select ${round}::int as n`));
    expect(Number(row!.n)).toBe(round);
  }
});
