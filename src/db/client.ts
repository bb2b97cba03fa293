// Opens the database: PostgreSQL through postgres.js when a URL is given, else embedded PGlite in a folder.
// Both are the same drizzle PgDatabase to the rest of the code.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { lockDataDir } from './data-lock.ts';
import { refuseNewerSchema } from './schema-version.ts';

// No relational schema handed to drizzle: queries name their tables (src/db/schema.ts), and drizzle would
// otherwise build a query builder per table for every transaction (a measurable cost per command).
export type Db = PgDatabase<PgQueryResultHKT>;
type NoSchema = Record<string, never>;
export type Tx = PgTransaction<PgQueryResultHKT, NoSchema, ExtractTablesWithRelations<NoSchema>>;
/** A handle usable both outside and inside a transaction. */
export type Queryable = Db | Tx;

export type Database = {
  db: Db;
  kind: 'postgres' | 'pglite';
  /**
   * Applies pending migrations (serialised across replicas on PostgreSQL); refuses a database migrated by a
   * newer version (SchemaTooNewError).
   */
  migrate(): Promise<void>;
  close(): Promise<void>;
};

const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

export type OpenOptions = {
  databaseUrl?: string | undefined;
  dataDir?: string;
  maxConnections?: number;
  /** For the migration lock, which needs a session (behind PgBouncer in transaction mode: a direct URL). */
  sessionUrl?: string | undefined;
  /** Named prepared statements (default on; off behind a pooler that has none). */
  prepare?: boolean;
  /** postgres.js's `debug` hook, called as each statement is sent (bench/commands.ts counts them). */
  debug?: (connection: number, query: string, parameters: unknown[], types: unknown[]) => void;
};

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl)
    return openPostgres(opts.databaseUrl, opts.maxConnections ?? 10, {
      sessionUrl: opts.sessionUrl ?? opts.databaseUrl,
      prepare: opts.prepare ?? true,
      ...(opts.debug ? { debug: opts.debug } : {}),
    });
  return openPglite(opts.dataDir);
}

/**
 * Seconds before a connection tries again after failing to connect: 50 ms doubling up to 1 s, with jitter.
 * postgres.js counts failures for the whole pool and waits up to 20 s by default, so after a PostgreSQL
 * restart, ten connections failing a few times each left the pool waiting long after the server was back.
 */
export function reconnectBackoff(failures: number): number {
  return (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** failures, 1);
}

async function openPostgres(
  url: string,
  max: number,
  opts: { sessionUrl: string; prepare: boolean; debug?: OpenOptions['debug'] },
): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgres(url, {
    max,
    onnotice: () => {},
    connection: { application_name: 'salesrelay' },
    backoff: reconnectBackoff,
    prepare: opts.prepare,
    ...(opts.debug ? { debug: opts.debug } : {}),
  });
  const db = drizzle(opts.prepare ? preparing(client) : client) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    async migrate() {
      // One connection holds an advisory lock so replicas starting together migrate once.
      const lockClient = postgres(opts.sessionUrl, { max: 1, onnotice: () => {} });
      try {
        await lockClient`select pg_advisory_lock(727274)`;
        await migrate(drizzle(lockClient), { migrationsFolder });
        await refuseNewerSchema(db, migrationsFolder);
      } finally {
        await lockClient`select pg_advisory_unlock(727274)`.catch(() => {});
        await lockClient.end();
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/**
 * drizzle sends its queries unnamed, so PostgreSQL parses and plans each one every time (perf.md: 2.5×
 * slower). A command's queries have a handful of shapes, so asking postgres.js to prepare them all (it caches
 * them per connection by text) is cheap and cuts a round trip and a plan per statement. Transactions and
 * savepoints hand out their own handles; those are wrapped the same way.
 */
function preparing<T extends object>(sql: T): T {
  return new Proxy(sql, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop === 'unsafe') {
        return (query: string, params?: unknown[], options?: Record<string, unknown>) =>
          value.call(target, query, params, { ...options, prepare: true });
      }
      if (prop === 'begin' || prop === 'savepoint') {
        return (...args: unknown[]) => {
          const last = args.length - 1;
          const work = args[last] as (inner: object) => unknown;
          args[last] = (inner: object) => work(preparing(inner));
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  // No dataDir: in memory, for tests. A folder belongs to one process (data-lock.ts).
  let release = () => {};
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    release = lockDataDir(dataDir);
  }
  // Small shared buffers: the embedded default serves one small team and should stay light (idle RSS).
  const options = { postgresqlconf: 'shared_buffers=16MB' };
  let client: InstanceType<typeof PGlite>;
  try {
    client = dataDir ? new PGlite(dataDir, options) : new PGlite(options);
    await client.waitReady;
  } catch (err) {
    release();
    throw err;
  }
  const db = drizzle(client) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    migrate: async () => {
      await migrate(drizzle(client), { migrationsFolder });
      await refuseNewerSchema(db, migrationsFolder);
    },
    close: async () => {
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}
