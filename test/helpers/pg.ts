// Each test file gets its own PostgreSQL database on the machine's server, so files never see each other.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.ts';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function freshDatabaseUrl(): Promise<string> {
  const name = `sr_test_${randomBytes(5).toString('hex')}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^sr_test_[0-9a-f]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

/**
 * A migrated database of the test file's own: created and opened before its tests (then `setup`), closed
 * and dropped after them. Read `url` and `database` inside tests and hooks, not at import.
 */
export function useMigratedDatabase(setup?: (database: Database) => Promise<void>): {
  readonly url: string;
  readonly database: Database;
} {
  let url = '';
  let database: Database | undefined;
  beforeAll(async () => {
    url = await freshDatabaseUrl();
    database = await openDatabase({ databaseUrl: url });
    await database.migrate();
    await setup?.(database);
  });
  afterAll(async () => {
    await database?.close();
    if (url) await dropDatabase(url);
  });
  return {
    get url() {
      return url;
    },
    get database() {
      if (!database) throw new Error('the database is opened in beforeAll');
      return database;
    },
  };
}
