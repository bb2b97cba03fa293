// WeCom callbacks (the self-built app) against replays and oversized bodies (issue 23): a correctly signed
// callback far from our clock is refused; a message without MsgId sent twice is done once; a body over the
// limit is refused with 413 before it is read whole; and what is answered was recorded first.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WeComAdapter } from '../adapters/wecom/index.ts';
import { type App, startApp } from '../src/app.ts';
import { CallbackClient } from './fakes/wecom/callback.ts';
import { FakeWeCom } from './fakes/wecom/server.ts';
import { postOversized } from './helpers/big-body.ts';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';

const AES = randomBytes(32).toString('base64').slice(0, 43);
const CORP = 'ww0123456789abcdef';
const TOKEN = 'Tok3nFromConsole';
const AGENT = 1000002;

let fake: FakeWeCom;
let app: App;
let url: string;
let cb: CallbackClient;

const query = async <T>(text: string): Promise<T[]> => {
  const r = (await app.database.db.execute(sql.raw(text))) as unknown;
  return (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
};
const count = async (text: string) => (await query<{ n: number }>(text))[0]!.n;
const settle = async () => {
  await new Promise((r) => setTimeout(r, 20));
  await (app.platforms.find((p) => p.platform === 'wecom') as WeComAdapter).app!.settle();
  await app.delivery.drain();
};
const say = async (user: string, text: string) => {
  expect((await cb.post(cb.textXml(user, text))).status).toBe(200);
  await settle();
};

beforeAll(async () => {
  fake = await new FakeWeCom({ corp: { corpId: CORP, secret: 'app-secret', agentId: AGENT } }).start();
  url = await freshDatabaseUrl();
  app = await startApp({
    env: {
      DATABASE_URL: url,
      PORT: '0',
      CONSOLE: 'off',
      DATABASE_POOL_MAX: '5',
      LOG_LEVEL: 'silent',
      ADMINS: 'wecom:boss',
      WECOM_CORP_ID: CORP,
      WECOM_TOKEN: TOKEN,
      WECOM_ENCODING_AES_KEY: AES,
      WECOM_AGENT_ID: String(AGENT),
      WECOM_APP_SECRET: 'app-secret',
      WECOM_API_URL: fake.apiUrl,
    },
  });
  cb = new CallbackClient({
    url: `${app.url}/wecom/callback`,
    token: TOKEN,
    encodingAESKey: AES,
    corpId: CORP,
    agentId: AGENT,
  });
  await say('boss', 'me lang=en');
  await say('li', 'me lang=en');
  await say('boss', 'admin role @li sales_rep');
});
afterAll(async () => {
  await app?.close();
  await fake?.close();
  if (url) await dropDatabase(url);
});

it('refuses a correctly signed callback 30 days old, or more than 300 s off either way, and does nothing', async () => {
  const now = Math.floor(Date.now() / 1000);
  const n = fake.sent.length;
  for (const timestamp of [now - 30 * 86400, now - 400, now + 400]) {
    const res = await cb.post(cb.textXml('li', `customer add name="Stale ${timestamp}"`), { timestamp });
    expect(res.status, String(timestamp - now)).toBe(403);
  }
  await settle();
  expect(fake.sent.length).toBe(n);
  expect(await count(`select count(*)::int n from customers where name like 'Stale %'`)).toBe(0);
  expect(await count(`select count(*)::int n from inbound_events where payload::text like '%Stale %'`)).toBe(
    0,
  );
  // Within the window it is taken (a clock a little off is not a replay).
  expect(
    (await cb.post(cb.textXml('li', 'customer add name="Fresh Ltd"'), { timestamp: now - 200 })).status,
  ).toBe(200);
  await settle();
  expect(await count(`select count(*)::int n from customers where name = 'Fresh Ltd'`)).toBe(1);
});

it('a signed message without MsgId posted twice (or encrypted again) is done once and answered once', async () => {
  // A reminder: nothing refuses a second one, so a message run twice would make two.
  const inner = cb.textXml('li', 'remind me +2h "Twice note"', null);
  expect(inner).not.toContain('MsgId');
  const req = cb.request(inner);
  const n = fake.sent.length;
  expect((await cb.send(req)).status).toBe(200);
  await settle();
  expect((await cb.send(req)).status).toBe(200);
  expect((await cb.post(inner)).status).toBe(200);
  await settle();
  expect(await count(`select count(*)::int n from reminders where text = 'Twice note'`)).toBe(1);
  expect(fake.sent.slice(n).filter((s) => s.conv === 'li')).toHaveLength(1);
  // Two different messages without MsgId are two messages.
  await say('li', 'remind me +3h "Other note"');
  expect(await count(`select count(*)::int n from reminders where text = 'Other note'`)).toBe(1);
});

it('what was answered was recorded first: the command is in the journal, done', async () => {
  await say('li', 'customer add name="Journal Ltd"');
  const [row] = await query<{ payload: { kind: string; inbound: { text: string } }; outcome: string }>(
    `select payload, outcome from inbound_events where platform = 'wecom' and payload::text like '%Journal Ltd%'`,
  );
  expect(row?.payload.kind).toBe('message');
  expect(row?.payload.inbound.text).toBe('customer add name="Journal Ltd"');
  expect(row?.outcome).toBe('done');
});

it('refuses a body over the limit with 413, by its Content-Length and while it streams in', async () => {
  const target = cb.request(cb.textXml('li', 'help')).url;
  const headers = { 'content-type': 'text/xml' };
  const declared = await postOversized(target, 2 * 1024 * 1024, { contentLength: true, headers });
  expect(declared.status).toBe(413);
  // A body that never ends: answered only if the route counts what arrives rather than waiting for all of it.
  const streamed = await postOversized(target, 2 * 1024 * 1024, { contentLength: false, headers });
  expect(streamed.status).toBe(413);
});
