// Starts the app against the fake Feishu and a fresh PostgreSQL database, with the logs kept for asserts.
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { type App, startApp } from '../../../src/app.ts';
import { dropDatabase, freshDatabaseUrl } from '../../helpers/pg.ts';
import { FakeFeishu, type FakeFeishuOptions } from './index.ts';

export type Harness = {
  fake: FakeFeishu;
  app: App;
  url: string;
  logs: { level: number; msg: string; [k: string]: unknown }[];
  query<T = Record<string, unknown>>(text: string): Promise<T[]>;
  close(): Promise<void>;
};

export async function startHarness(
  opts: { env?: Record<string, string>; fake?: FakeFeishuOptions } = {},
): Promise<Harness> {
  const fake = await FakeFeishu.start(opts.fake);
  const url = await freshDatabaseUrl();
  const logs: Harness['logs'] = [];
  const log = pino(
    { level: 'debug' },
    {
      write(line: string) {
        logs.push(JSON.parse(line));
        if (process.env.TEST_LOG_LEVEL) process.stderr.write(line);
      },
    },
  );
  const app = await startApp({
    env: { DATABASE_URL: url, PORT: '0', CONSOLE: 'off', LOG_LEVEL: 'debug', ...fake.env(), ...opts.env },
    demo: false,
    log,
  });
  let closed = false;
  return {
    fake,
    app,
    url,
    logs,
    async query<T>(text: string) {
      const result = (await app.database.db.execute(sql.raw(text))) as unknown;
      return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
    },
    async close() {
      if (!closed) await app.close();
      closed = true;
      await fake.close();
      await dropDatabase(url);
    },
  };
}

/** Waits until `check` returns something truthy (or throws its last error). */
export async function until<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw last instanceof Error ? last : new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
