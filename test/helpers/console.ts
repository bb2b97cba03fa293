// Drives a running app through the console HTTP API, as a person in the page would.
import { sql as drizzleSql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { type App, startApp } from '../../src/app.ts';
import { dropDatabase, freshDatabaseUrl } from './pg.ts';

export type Msg = {
  id: string;
  chat: string;
  at: string;
  from?: string;
  text: string;
  card?: {
    title: string;
    fields: { label: string; value: string }[];
    actions: { id: string; label: string; style: string }[];
    note?: string;
  };
};

export type Driver = {
  app: App;
  /**
   * Headers the console API wants from a program: JSON, this driver's page token and, with
   * CONSOLE_TOKEN, the password. For tests that fetch the API themselves.
   */
  headers: Record<string, string>;
  /** Types a command as `user` in `chat` (default: the user's direct chat). Returns the first reply. */
  say(user: string, text: string, chat?: string): Promise<Msg>;
  sayAll(user: string, text: string, chat?: string): Promise<Msg[]>;
  press(
    user: string,
    messageId: string,
    actionId: string,
  ): Promise<{ status: number; replies: Msg[]; error?: string }>;
  messages(chat: string): Promise<Msg[]>;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
};

/** Starts the app on a fresh database. `pglite: true` uses the embedded driver instead. */
export async function startDriver(
  opts: { pglite?: boolean; env?: Record<string, string>; clock?: () => Date; log?: Logger } = {},
): Promise<Driver> {
  const url = opts.pglite ? undefined : await freshDatabaseUrl();
  const app = await startApp({
    env: {
      ...(url ? { DATABASE_URL: url } : { DATA_DIR: '' }),
      PORT: '0',
      CONSOLE: 'on',
      // Test files run side by side on one PostgreSQL (100 connections in all): each takes a few.
      DATABASE_POOL_MAX: '5',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...opts.env,
    },
    demo: true,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const headers = await consoleHeaders(app.url, opts.env?.CONSOLE_TOKEN);
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${app.url}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as { replies: Msg[]; error?: string } };
  };
  const sayAll = async (user: string, text: string, chat = `dm:${user}`) => {
    const { status, json } = await post('/console/api/messages', { chat, user, text });
    if (status !== 200) throw new Error(`POST messages ${status}: ${json.error}`);
    return json.replies;
  };
  return {
    app,
    headers,
    sayAll,
    async say(user, text, chat) {
      const replies = await sayAll(user, text, chat);
      if (replies.length === 0) throw new Error(`no reply to ${text}`);
      return replies[0]!;
    },
    async press(user, messageId, actionId) {
      const { status, json } = await post('/console/api/actions', { user, messageId, actionId });
      return { status, replies: json.replies ?? [], ...(json.error ? { error: json.error } : {}) };
    },
    async messages(chat) {
      const res = await fetch(`${app.url}/console/api/chats/${encodeURIComponent(chat)}/messages`, {
        headers,
      });
      return (await res.json()) as Msg[];
    },
    async query<T>(sql: string) {
      const result = (await app.database.db.execute(sqlRaw(sql))) as unknown;
      return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
    },
    async close() {
      await app.close();
      if (url) await dropDatabase(url);
    },
  };
}

const sqlRaw = (s: string) => drizzleSql.raw(s);

/**
 * Asks a running console for a page token, as its page does first, and returns the headers a program
 * sends with it: JSON, the token and, if the console has one, its password as a Bearer token.
 */
export async function consoleHeaders(url: string, password?: string): Promise<Record<string, string>> {
  const auth: Record<string, string> = password ? { authorization: `Bearer ${password}` } : {};
  const res = await fetch(`${url}/console/api/session`, { headers: auth });
  if (res.status !== 200) throw new Error(`GET /console/api/session ${res.status}: ${await res.text()}`);
  const { pageToken } = (await res.json()) as { pageToken: string };
  return { 'content-type': 'application/json', 'x-page-token': pageToken, ...auth };
}
