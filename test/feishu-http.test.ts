// Feishu events and card presses over HTTP (FEISHU_EVENTS=http, "将事件发送至开发者服务器"), as Feishu sends
// them to /feishu/events: encrypted with the Encrypt Key and signed (X-Lark-Signature), the Verification
// Token inside. The request URL check (url_verification) is answered only with the right token; an event
// signed with another key, carrying another token, or signed long ago (a replay) is refused with 401 and
// nothing is done or recorded;
// a command is answered; the same event posted twice is done once; a confirmation card's press is answered
// in the HTTP response, which changes the card in place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeishuAdapter } from '../adapters/feishu/index.ts';
import { type Harness, startHarness, until } from './fakes/feishu/harness.ts';
import { buttonsOf, textOf } from './fakes/feishu/index.ts';

const KEY = 'EncryptKeyFrom事件与回调';
const TOKEN = 'VerificationTokenFromConsole';

let h: Harness;
let url = '';
const adapter = () => h.app.platforms.find((p) => p.platform === 'feishu') as FeishuAdapter;
const count = async (text: string) => (await h.query<{ n: number }>(text))[0]!.n;

/** Posts a person's message as Feishu does over HTTP and waits for the work it started. */
async function post(from: string, text: string, opts: { signWith?: string; token?: string } = {}) {
  const ev = h.fake.messageEvent({ from, text });
  const event = opts.token ? { ...ev, header: { ...ev.header, token: opts.token } } : ev;
  const res = await h.fake.pushHttp(url, event, KEY, opts.signWith ?? KEY);
  await adapter().settle();
  return { res, ev };
}

/** Says something and returns the first new message in that person's chat with the bot. */
async function say(from: string, text: string): Promise<string> {
  const before = h.fake.messagesTo(from).length;
  const { res } = await post(from, text);
  expect(res.status).toBe(200);
  return textOf(await until(() => h.fake.messagesTo(from)[before], 8000, `a reply to ${text}`));
}

beforeAll(async () => {
  h = await startHarness({
    env: {
      ADMINS: 'feishu:ou_admin',
      FEISHU_EVENTS: 'http',
      FEISHU_ENCRYPT_KEY: KEY,
      FEISHU_VERIFICATION_TOKEN: TOKEN,
    },
    fake: { verificationToken: TOKEN },
  });
  url = `${h.app.url}/feishu/events`;
  h.fake.addUser('管理员', 'ou_admin');
  h.fake.addUser('Li Lei 李雷', 'ou_li');
  await say('ou_admin', 'me lang=en');
  await say('ou_li', 'me lang=en');
  expect(await say('ou_admin', `admin role <@ou_li> sales_rep`)).toMatch(/is now/);
  await until(() => h.fake.messagesTo('ou_li').some((m) => textOf(m).includes('made you')), 8000, 'li told');
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('Feishu over HTTP', () => {
  it('takes no long connection', () => {
    expect(h.fake.openConnections).toBe(0);
    expect(h.fake.endpointCalls).toEqual([]);
  });

  it('answers the request URL check with the right Verification Token only', async () => {
    const ok = await h.fake.verifyUrl(url, TOKEN, KEY);
    expect(ok.status).toBe(200);
    expect((ok.body as { challenge?: string }).challenge).toMatch(/^[0-9a-f]{16}$/);
    const wrong = await h.fake.verifyUrl(url, 'not-the-token', KEY);
    expect(wrong.status).toBe(401);
    expect(wrong.raw).not.toContain('challenge');
  });

  it('a command sent encrypted and signed is answered', async () => {
    expect(await say('ou_li', 'customer add name="Http Ltd" contact="Li" phone=13800000001')).toMatch(
      /C-\d{4}/,
    );
  });

  it('refuses an event signed with another key, with another Verification Token, or signed 13 hours ago, and does nothing', async () => {
    const n = h.fake.messagesTo('ou_li').length;
    const forged = await post('ou_li', 'customer add name="Forged Ltd"', { signWith: 'another-key' });
    expect(forged.res.status).toBe(401);
    const wrongToken = await post('ou_li', 'customer add name="Token Ltd"', { token: 'another-token' });
    expect(wrongToken.res.status).toBe(401);
    // Correctly signed, but 13 hours old: a recorded request played again.
    const replayed = await h.fake.pushHttp(
      url,
      h.fake.messageEvent({ from: 'ou_li', text: 'customer add name="Replay Ltd"' }),
      KEY,
      KEY,
      Math.floor(Date.now() / 1000) - 13 * 3600,
    );
    expect(replayed.status).toBe(401);
    await adapter().settle();
    const notJson = await fetch(url, { method: 'POST', body: 'hello' });
    expect(notJson.status).toBe(400);
    expect(
      await count(
        `select count(*)::int n from customers where name in ('Forged Ltd', 'Token Ltd', 'Replay Ltd')`,
      ),
    ).toBe(0);
    // Not even recorded: a refused request leaves no trace to run later.
    expect(
      await count(
        `select count(*)::int n from inbound_events where payload::text similar to '%(Forged|Token|Replay) Ltd%'`,
      ),
    ).toBe(0);
    expect(h.fake.messagesTo('ou_li').length).toBe(n);
  });

  it('the same event posted twice (Feishu retries what it did not see answered) is done once', async () => {
    const ev = h.fake.messageEvent({ from: 'ou_li', text: 'remind me +2h "Http twice"' });
    const before = h.fake.messagesTo('ou_li').length;
    for (let i = 0; i < 2; i++) expect((await h.fake.pushHttp(url, ev, KEY)).status).toBe(200);
    await adapter().settle();
    expect(await count(`select count(*)::int n from reminders where text = 'Http twice'`)).toBe(1);
    expect(h.fake.messagesTo('ou_li').slice(before)).toHaveLength(1);
  });

  it('a card press is answered in the HTTP response: a toast, and the card changed in place', async () => {
    await say('ou_li', 'lead add customer=C-0001 source=expo desc="http lead"');
    const before = h.fake.messagesTo('ou_li').length;
    await post('ou_li', 'lead convert L-0001');
    const ask = await until(
      () =>
        h.fake
          .messagesTo('ou_li')
          .slice(before)
          .find((m) => m.msgType === 'interactive'),
      8000,
      'the confirmation card',
    );
    const confirm = buttonsOf(ask.content).find((b) =>
      String((b.value as { action?: string })?.action).startsWith('confirm:'),
    )!;
    // A forged press is refused and changes nothing.
    const forged = await h.fake.clickHttp(url, ask.messageId, 'ou_li', confirm.label, {
      encryptKey: KEY,
      signWith: 'another-key',
    });
    expect(forged.status).toBe(401);
    expect(
      await count(`select count(*)::int n from leads where number = 'L-0001' and status = 'converted'`),
    ).toBe(0);
    const answer = await h.fake.clickHttp(url, ask.messageId, 'ou_li', confirm.label, { encryptKey: KEY });
    expect(answer.status).toBe(200);
    expect(answer.late).toBe(false);
    expect(answer.toast?.content).toMatch(/converted to C-0001/);
    expect(
      await count(`select count(*)::int n from leads where number = 'L-0001' and status = 'converted'`),
    ).toBe(1);
    await until(() => h.fake.buttons(ask.messageId).length === 0, 5000, 'the card closed');
    expect(h.fake.refusals).toEqual([]);
  });
});
