// The self-built app (callback) mode: URL verification and decryption per WeCom's scheme, checked
// against vectors made with @wecom/crypto (an independent implementation), including an empty receive id;
// bad signatures refused; commands, cards and clicks through the fake qyapi with a cached access token.
import { randomBytes } from 'node:crypto';
import { getSignature, decrypt as refDecrypt, encrypt as refEncrypt } from '@wecom/crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptMessage, encryptMessage, signature, signatureMatches } from '../adapters/wecom/crypto.ts';
import type { WeComAdapter } from '../adapters/wecom/index.ts';
import type { App } from '../src/app.ts';
import { startApp } from '../src/app.ts';
import { CallbackClient } from './fakes/wecom/callback.ts';
import { FakeWeCom, waitFor } from './fakes/wecom/server.ts';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';

const AES = randomBytes(32).toString('base64').slice(0, 43);
const CORP = 'ww0123456789abcdef';
const TOKEN = 'Tok3nFromConsole';
const AGENT = 1000002;

describe('callback crypto against @wecom/crypto', () => {
  const messages = [
    '',
    'hello',
    '<xml><Content><![CDATA[客户 新增 名称=华星]]></Content></xml>',
    'x'.repeat(31),
    'y'.repeat(32),
    '€'.repeat(500),
  ];
  for (const receiveId of [CORP, '']) {
    it(`decrypts what @wecom/crypto encrypts (receive id ${receiveId ? 'corp id' : 'empty'})`, () => {
      for (const m of messages) {
        const enc = refEncrypt(AES, m, receiveId);
        expect(decryptMessage(AES, enc, receiveId)).toBe(m);
        // and the other way round, with the same random prefix the output is identical
        const random = randomBytes(16);
        expect(encryptMessage(AES, m, receiveId, random)).toBe(refEncrypt(AES, m, receiveId, random));
        expect(refDecrypt(AES, encryptMessage(AES, m, receiveId))).toMatchObject({
          message: m,
          id: receiveId,
        });
      }
    });
  }
  it('signs like @wecom/crypto and refuses a wrong receive id or tampered text', () => {
    const enc = refEncrypt(AES, 'hi', CORP);
    expect(signature(TOKEN, '1700000000', 'n0nce', enc)).toBe(
      getSignature(TOKEN, '1700000000', 'n0nce', enc),
    );
    expect(signatureMatches(getSignature(TOKEN, '1', 'n', enc), TOKEN, '1', 'n', enc)).toBe(true);
    expect(signatureMatches(getSignature('other', '1', 'n', enc), TOKEN, '1', 'n', enc)).toBe(false);
    expect(() => decryptMessage(AES, enc, '')).toThrow(/receive id/);
    expect(() => decryptMessage(AES, refEncrypt(AES, 'hi', ''), CORP)).toThrow(/receive id/);
    const bytes = Buffer.from(enc, 'base64');
    bytes[bytes.length - 1]! ^= 0xff;
    expect(() => decryptMessage(AES, bytes.toString('base64'), CORP)).toThrow();
  });
});

describe('the app over callbacks', () => {
  let fake: FakeWeCom;
  let app: App;
  let url: string;
  let cb: CallbackClient;

  const query = async <T>(text: string): Promise<T[]> => {
    const r = (await app.database.db.execute(sql.raw(text))) as unknown;
    return (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
  };
  const settle = async () => {
    await new Promise((r) => setTimeout(r, 20));
    const adapter = app.platforms.find((p) => p.platform === 'wecom') as WeComAdapter;
    await adapter.app!.settle();
    await app.delivery.drain();
  };
  const say = async (user: string, text: string) => {
    const n = fake.sent.length;
    expect((await cb.post(cb.textXml(user, text))).status).toBe(200);
    await settle();
    return fake.sent.slice(n).filter((s) => s.conv === user);
  };

  beforeAll(async () => {
    fake = await new FakeWeCom({ corp: { corpId: CORP, secret: 'app-secret', agentId: AGENT } }).start();
    url = await freshDatabaseUrl();
    app = await startApp({
      env: {
        DATABASE_URL: url,
        PORT: '0',
        CONSOLE: 'off',
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
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
    if (url) await dropDatabase(url);
  });

  it('answers URL verification with the plain echostr, and refuses a bad signature', async () => {
    const ok = await cb.verify('echo-1234567890');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('echo-1234567890');
    expect((await cb.verify('echo', { token: 'wrong' })).status).toBe(403);
    expect((await cb.verify('echo', { receiveId: 'wwSomeoneElse' })).status).toBe(403);
  });

  it('refuses messages with a bad signature and does nothing with them', async () => {
    const n = fake.sent.length;
    expect((await cb.post(cb.textXml('boss', 'help'), { token: 'forged' })).status).toBe(403);
    await settle();
    expect(fake.sent.length).toBe(n);
    const [p] = await query<{ n: number }>(`select count(*)::int n from identities where platform = 'wecom'`);
    expect(p?.n).toBe(0);
  });

  it('decrypts a command, answers through message/send, and caches the access token', async () => {
    const replies = await say('boss', 'me lang=en');
    expect(replies[0]?.via).toBe('app');
    expect(replies[0]?.body.msgtype).toBe('text');
    await say('li', 'me lang=en');
    await say('wang', 'me lang=en');
    await say('boss', 'admin role @li sales_rep');
    await say('boss', 'admin role @wang sales_manager');
    expect(fake.tokenCalls).toBe(1);
  });

  it('an expired token is fetched again once', async () => {
    fake.expireTokens();
    const replies = await say('li', 'help');
    expect(replies).toHaveLength(1);
    expect(fake.tokenCalls).toBe(2);
  });

  it('a card goes out as button_interaction; the approver’s click updates it in place through its response_code', async () => {
    await say('li', 'customer add name="Acme Ltd"');
    await say('li', 'quote new customer=C-0001 item="Sensor | X200 | 10 | 20"');
    await say('li', 'quote submit Q-0001');
    const card = await waitFor(
      () => fake.sent.find((s) => s.conv === 'wang' && s.body.msgtype === 'template_card'),
      8000,
      'card to wang',
    );
    const taskId = card.body.template_card.task_id as string;
    // The wrong person's click is answered and changes nothing.
    let n = fake.sent.length;
    await cb.post(cb.clickXml('li', 'run:approval approve A-0001', taskId, fake.issueResponseCode(taskId)));
    await settle();
    expect(fake.sent.slice(n).map((s) => s.via)).toEqual(['app']);
    const code = fake.issueResponseCode(taskId);
    n = fake.sent.length;
    const click = cb.clickXml('wang', 'run:approval approve A-0001', taskId, code);
    await cb.post(click);
    await settle();
    const update = fake.sent.slice(n).find((s) => s.via === 'app-update');
    expect(update?.body.response_code).toBe(code);
    expect(JSON.stringify(fake.cards.get(`app|${taskId}`))).toMatch(/Approved by wang/i);
    // WeCom retries the same callback: nothing happens twice.
    n = fake.sent.length;
    await cb.post(click);
    await settle();
    expect(fake.sent.length).toBe(n);
    const [a] = await query<{ state: string }>(`select state from approvals where number = 'A-0001'`);
    expect(a?.state).toBe('approved');
  });
});
