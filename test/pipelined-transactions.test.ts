// postgres.js as patched (patches/postgres+*.patch): a transaction's begin goes out with its first
// statement, and a savepoint with the first statement inside it (issue 19: one write and one round trip
// fewer each). What must still hold: a transaction is one transaction, its statements never mix with
// another's on a shared connection, a failure anywhere rolls all of it back, and a savepoint's refusal
// rolls back only what was inside it.
import { Socket } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';

let url: string;
let sql: postgres.Sql;
beforeAll(async () => {
  url = await freshDatabaseUrl();
  sql = postgres(url, { max: 2, prepare: true, onnotice: () => {} });
  await sql`create table t (id int primary key, v text)`;
});
afterAll(async () => {
  await sql?.end();
  if (url) await dropDatabase(url);
});

/** Socket writes made while `work` runs (postgres.js writes each tick's messages as one). */
async function writesOf(work: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const write = Socket.prototype.write;
  Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
    n++;
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof write;
  try {
    await work();
  } finally {
    Socket.prototype.write = write;
  }
  return n;
}

it('sends begin with the first statement and a savepoint with the first statement inside it', async () => {
  await sql`select 1`; // connected, statements prepared
  const one = () => sql.begin((t) => t`select 2 as x`);
  await one();
  // begin + select, then commit.
  expect(await writesOf(one)).toBe(2);
  const nested = () =>
    sql.begin(async (t) => {
      await t`select 2 as x`;
      await t.savepoint((s) => s`select 3 as x`);
    });
  await nested();
  // begin + select, savepoint + select, commit.
  expect(await writesOf(nested)).toBe(3);
});

it('keeps every transaction to itself on a shared connection, under load', async () => {
  // 40 transactions on 2 connections: each sets a value of its own and reads it back after a pause, so a
  // statement of another transaction run on its connection in between would read or leave another value.
  const seen = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      sql.begin(async (t) => {
        await t`select set_config('app.mine', ${String(i)}, true)`;
        await t`select pg_sleep(0.005)`;
        const [r] = await t<{ v: string }[]>`select current_setting('app.mine') as v`;
        return r!.v;
      }),
    ),
  );
  expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
  // Outside any transaction the setting is gone: every transaction was one, and ended.
  const [r] = await sql<{ v: string | null }[]>`select current_setting('app.mine', true) as v`;
  expect(r!.v ?? '').toBe('');
});

it('rolls the whole transaction back when a statement fails or the work throws', async () => {
  await sql`delete from t`;
  await expect(
    sql.begin(async (t) => {
      await t`insert into t values (1, 'kept?')`;
      await t`insert into t values (1, 'duplicate key')`;
    }),
  ).rejects.toMatchObject({ code: '23505' });
  await expect(
    sql.begin(async (t) => {
      await t`insert into t values (2, 'kept?')`;
      throw new Error('refused');
    }),
  ).rejects.toThrow('refused');
  expect(await sql`select * from t`).toHaveLength(0);
});

it('rolls back only what was inside a refused savepoint', async () => {
  await sql`delete from t`;
  await sql.begin(async (t) => {
    await t`insert into t values (1, 'outer')`;
    await t
      .savepoint(async (s) => {
        await s`insert into t values (2, 'inner')`;
        throw new Error('refused');
      })
      .catch(() => {});
    await t`insert into t values (3, 'after')`;
  });
  expect((await sql<{ id: number }[]>`select id from t order by id`).map((r) => r.id)).toEqual([1, 3]);
});
