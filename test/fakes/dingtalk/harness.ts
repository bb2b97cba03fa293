// Starts the app against the fake DingTalk and a fresh PostgreSQL database, with the logs kept for asserts.
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { type App, startApp } from '../../../src/app.ts';
import { dropDatabase, freshDatabaseUrl } from '../../helpers/pg.ts';
import { FakeDingTalk, type FakeOptions } from './fake.ts';

export type Harness = {
  fake: FakeDingTalk;
  app: App;
  logs: { level: number; msg: string; [k: string]: unknown }[];
  query<T = Record<string, unknown>>(text: string): Promise<T[]>;
  /** Stops the app (its DingTalk connection with it), keeping the fake and the database. */
  stopApp(): Promise<void>;
  close(): Promise<void>;
};

export async function startHarness(
  opts: { cards?: boolean; env?: Record<string, string>; fake?: FakeOptions } = {},
): Promise<Harness> {
  const fake = await FakeDingTalk.start(opts.fake);
  const template = opts.cards === false ? undefined : fake.publishTemplate();
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
    env: {
      DATABASE_URL: url,
      PORT: '0',
      CONSOLE: 'off',
      LOG_LEVEL: 'debug',
      DINGTALK_RECONNECT_MIN_MS: '50',
      DINGTALK_RECONNECT_MAX_MS: '2000',
      ...fake.env(template),
      ...opts.env,
    },
    demo: false,
    log,
  });
  let stopped = false;
  return {
    fake,
    app,
    logs,
    async query<T>(text: string) {
      const result = (await app.database.db.execute(sql.raw(text))) as unknown;
      return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
    },
    async stopApp() {
      if (!stopped) await app.close();
      stopped = true;
    },
    async close() {
      if (!stopped) await app.close();
      stopped = true;
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
