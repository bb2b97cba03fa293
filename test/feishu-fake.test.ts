// The fake Feishu proved through the real @larksuiteoapi/node-sdk: the Client gets its tenant token and sends,
// dedupes by uuid, patches cards and meets Feishu's refusals; the WSClient opens the long connection, pings,
// takes events (whole and in parts) and answers them, is sent an event again when it fails or is too slow,
// answers card actions with a toast and a new card, and reconnects; HTTP delivery is encrypted and signed as the
// SDK's EventDispatcher expects.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as lark from '@larksuiteoapi/node-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeFeishu } from './fakes/feishu/index.ts';

const quiet = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };
const until = async <T>(check: () => T, what: string, timeoutMs = 5000): Promise<NonNullable<T>> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A token cache of one's own: the SDK's default cache is shared by every Client of the same app id. */
function freshCache(): lark.Cache {
  const m = new Map<unknown, { value: unknown; expire?: number }>();
  const k = (key: unknown, o?: { namespace?: string }) => `${o?.namespace ?? ''}:${String(key)}`;
  return {
    async set(key, value, expire, o) {
      m.set(k(key, o), { value, ...(expire ? { expire } : {}) });
      return true;
    },
    async get(key, o) {
      const e = m.get(k(key, o));
      return e && (!e.expire || e.expire > Date.now()) ? e.value : undefined;
    },
  };
}

/** The Feishu error an SDK call failed with (the SDK throws axios errors for non-2xx answers). */
async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    const e = err as {
      response?: { status: number; data: { code: number }; headers: Record<string, string> };
    };
    if (e.response)
      return { status: e.response.status, code: e.response.data.code, headers: e.response.headers };
    return {
      status: 0,
      code: -1,
      headers: {} as Record<string, string>,
      message: String((err as Error).message),
    };
  }
  throw new Error('expected the call to be refused');
}

const card = (title: string, buttons: { label: string; value: unknown }[] = []) => ({
  schema: '2.0',
  config: { update_multi: true },
  header: { title: { tag: 'plain_text', content: title } },
  body: {
    elements: [
      { tag: 'markdown', content: `**${title}**` },
      ...buttons.map((b) => ({
        tag: 'button',
        text: { tag: 'plain_text', content: b.label },
        behaviors: [{ type: 'callback', value: b.value }],
      })),
    ],
  },
});

describe('OpenAPI through the Client', () => {
  let fake: FakeFeishu;
  let client: lark.Client;
  let group: string;
  beforeAll(async () => {
    fake = await FakeFeishu.start();
    client = new lark.Client({
      appId: fake.appId,
      appSecret: fake.appSecret,
      domain: fake.url,
      logger: quiet,
    });
    group = fake.addGroup('Sales');
  });
  afterAll(() => fake.close());

  it('the SDK gets a tenant token with the app secret and reuses it', async () => {
    for (const text of ['one', 'two'])
      await client.im.message.create({
        params: { receive_id_type: 'chat_id' },
        data: { receive_id: group, msg_type: 'text', content: JSON.stringify({ text }) },
      });
    expect(fake.tokensIssued).toHaveLength(1);
    expect(fake.apiCalls.every((c) => c.token === fake.tokensIssued[0]!.token)).toBe(true);
    expect(fake.messagesIn(group).map((m) => m.content.text)).toEqual(['one', 'two']);
  });

  it('a wrong secret gets no token, and calls without or with a bad token are refused with Feishu’s codes', async () => {
    const wrong = new lark.Client({
      appId: fake.appId,
      appSecret: 'nope',
      domain: fake.url,
      logger: quiet,
      cache: freshCache(),
    });
    const bad = await refusal(wrong.im.message.get({ path: { message_id: 'om_x' } }));
    expect(bad.message).toMatch(/code: 10014/);
    const none = await fetch(`${fake.url}/open-apis/im/v1/messages?receive_id_type=chat_id`, {
      method: 'POST',
    });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { code: number }).code).toBe(99991661);
    fake.revokeTokens();
    // The SDK keeps its cached token and does not retry: the adapter must clear it and ask again.
    const stale = await refusal(
      client.im.message.create({
        params: { receive_id_type: 'chat_id' },
        data: { receive_id: group, msg_type: 'text', content: JSON.stringify({ text: 'x' }) },
      }),
    );
    expect(stale).toMatchObject({ status: 400, code: 99991663 });
  });

  it('uuid makes a repeated send one message; content is checked for its msg_type', async () => {
    const c = new lark.Client({
      appId: fake.appId,
      appSecret: fake.appSecret,
      domain: fake.url,
      logger: quiet,
      cache: freshCache(), // the revoked token is not reused
    });
    const send = (uuid: string, text: string) =>
      c.im.message.create({
        params: { receive_id_type: 'chat_id' },
        data: { receive_id: group, msg_type: 'text', content: JSON.stringify({ text }), uuid },
      });
    const before = fake.messagesIn(group).length;
    const a = await send('outbox-41', 'hello');
    const b = await send('outbox-41', 'hello');
    const other = await send('outbox-42', 'hello');
    expect(a.data?.message_id).toBe(b.data?.message_id);
    expect(other.data?.message_id).not.toBe(a.data?.message_id);
    expect(fake.messagesIn(group).length - before).toBe(2);
    const long = await refusal(send('u'.repeat(51), 'x'));
    expect(long.code).toBe(99992402);
    const v1Action = await refusal(
      c.im.message.create({
        params: { receive_id_type: 'chat_id' },
        data: {
          receive_id: group,
          msg_type: 'interactive',
          content: JSON.stringify({ schema: '2.0', body: { elements: [{ tag: 'action', actions: [] }] } }),
        },
      }),
    );
    expect(v1Action.code).toBe(230099);
    const notJson = await refusal(
      c.im.message.create({
        params: { receive_id_type: 'chat_id' },
        data: { receive_id: group, msg_type: 'text', content: 'hello' },
      }),
    );
    expect(notJson.code).toBe(230001);
    const outside = fake.addGroup('Not joined', [], false);
    const notIn = await refusal(
      c.im.message.create({
        params: { receive_id_type: 'chat_id' },
        data: { receive_id: outside, msg_type: 'text', content: JSON.stringify({ text: 'hi' }) },
      }),
    );
    expect(notIn.code).toBe(230002);
    const li = fake.addUser('Li Lei');
    const dm = await c.im.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: li.openId, msg_type: 'text', content: JSON.stringify({ text: 'hi Li' }) },
    });
    expect(fake.messagesTo(li.openId).map((m) => m.messageId)).toEqual([dm.data?.message_id]);
    const who = await c.contact.user.get({
      path: { user_id: li.openId },
      params: { user_id_type: 'open_id' },
    });
    expect(who.data?.user?.name).toBe('Li Lei');
  });

  it('patch updates a shared card in place and refuses what Feishu refuses', async () => {
    const group = fake.addGroup('Approvals'); // its own chat: Feishu allows 5 messages a second into one
    const c = new lark.Client({
      appId: fake.appId,
      appSecret: fake.appSecret,
      domain: fake.url,
      logger: quiet,
      cache: freshCache(),
    });
    const sent = await c.im.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: group, msg_type: 'interactive', content: JSON.stringify(card('A-0001 pending')) },
    });
    const id = sent.data!.message_id!;
    await c.im.message.patch({
      path: { message_id: id },
      data: { content: JSON.stringify(card('A-0001 approved')) },
    });
    expect(fake.messages.get(id)!.history).toHaveLength(2);
    expect(fake.cardIn(group, 'A-0001').messageId).toBe(id);
    expect(fake.cardIn(group, 'approved').messageId).toBe(id);
    const big = card('x'.repeat(31 * 1024));
    expect(
      (
        await refusal(
          c.im.message.patch({ path: { message_id: id }, data: { content: JSON.stringify(big) } }),
        )
      ).code,
    ).toBe(230025);
    const text = fake
      .messagesIn(fake.chats.get(group) ? [...fake.chats.keys()][0]! : group)
      .find((m) => m.msgType === 'text')!;
    expect(
      (
        await refusal(
          c.im.message.patch({
            path: { message_id: text.messageId },
            data: { content: JSON.stringify(card('t')) },
          }),
        )
      ).code,
    ).toBe(230001);
    const unshared = await c.im.message.create({
      params: { receive_id_type: 'chat_id' },
      data: {
        receive_id: group,
        msg_type: 'interactive',
        content: JSON.stringify({ elements: [{ tag: 'div', text: { tag: 'plain_text', content: 'v1' } }] }),
      },
    });
    expect(
      (
        await refusal(
          c.im.message.patch({
            path: { message_id: unshared.data!.message_id! },
            data: { content: JSON.stringify(card('v2')) },
          }),
        )
      ).code,
    ).toBe(230001);
  });

  it('over the app’s rate: 429 with 99991400 and the x-ogw-ratelimit headers; over 5/s into one chat: 230020', async () => {
    const c = new lark.Client({
      appId: fake.appId,
      appSecret: fake.appSecret,
      domain: fake.url,
      logger: quiet,
      cache: freshCache(),
    });
    fake.throttleNext('/open-apis/im/v1/messages', 1);
    const send = (chat: string) =>
      c.im.message.create({
        params: { receive_id_type: 'chat_id' },
        data: { receive_id: chat, msg_type: 'text', content: JSON.stringify({ text: 'x' }) },
      });
    const limited = await refusal(send(group));
    expect(limited.status).toBe(429);
    expect(limited.code).toBe(99991400);
    expect(Number(limited.headers['x-ogw-ratelimit-reset'])).toBeGreaterThan(0);
    expect(limited.headers['x-ogw-ratelimit-limit']).toBe('50');
    const busy = fake.addGroup('Busy');
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => send(busy)));
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(refused.length).toBeGreaterThan(0);
    expect(
      refused.every(
        (r) => (r.reason as { response: { data: { code: number } } }).response.data.code === 230020,
      ),
    ).toBe(true);
    const times = fake.messagesIn(busy).map((m) => m.at);
    expect(times.every((t) => times.filter((u) => u > t - 1000 && u <= t).length <= 5)).toBe(true);
  });
});

describe('the long connection through WSClient', () => {
  let fake: FakeFeishu;
  let ws: lark.WSClient | null = null;
  const received: Record<string, unknown>[] = [];
  let onMessage: (data: Record<string, unknown>) => Promise<unknown> = async () => undefined;
  let onCard: (data: Record<string, unknown>) => Promise<unknown> = async () => undefined;

  async function connect() {
    ws = new lark.WSClient({ appId: fake.appId, appSecret: fake.appSecret, domain: fake.url, logger: quiet });
    const dispatcher = new lark.EventDispatcher({ logger: quiet }).register({
      'im.message.receive_v1': async (data: Record<string, unknown>) => {
        received.push(data);
        return onMessage(data);
      },
      'card.action.trigger': (async (data: Record<string, unknown>) => onCard(data)) as never,
    });
    await ws.start({ eventDispatcher: dispatcher });
    await until(() => fake.openConnections === 1, 'the long connection');
  }

  beforeAll(async () => {
    fake = await FakeFeishu.start({
      ackTimeoutMs: 400,
      redeliverAfterMs: [100, 100, 100, 100],
      cardActionTimeoutMs: 300,
      pingIntervalS: 0.1,
    });
    await connect();
  });
  afterEach(() => {
    onMessage = async () => undefined;
    onCard = async () => undefined;
  });
  afterAll(async () => {
    ws?.close({ force: true });
    await fake.close();
  });

  it('opens with AppID/AppSecret at /callback/ws/endpoint, pings and is answered', async () => {
    expect(fake.endpointCalls.at(-1)?.ok).toBe(true);
    await until(() => fake.pingsReceived() >= 2, 'two pings');
    expect(fake.strayUpstream).toEqual([]);
  });

  it('a group message with @mentions arrives as im.message.receive_v1 and is answered with code 200', async () => {
    const group = fake.addGroup('Management');
    const li = fake.addUser('Li Lei');
    const wang = fake.addUser('Wang Qiang');
    const ack = await fake.say({
      from: wang.openId,
      chat: group,
      text: 'admin role {mentions} sales_rep',
      mentions: [li.openId],
    });
    expect(ack.code).toBe(200);
    expect(ack.sends).toBe(1);
    const ev = received.at(-1) as {
      message: {
        content: string;
        chat_type: string;
        mentions: { key: string; name: string; id: { open_id: string } }[];
      };
      sender: { sender_id: { open_id: string } };
    };
    expect(JSON.parse(ev.message.content).text).toBe('@_user_1 admin role @_user_2 sales_rep');
    expect(ev.message.chat_type).toBe('group');
    expect(ev.message.mentions.map((m) => [m.key, m.name])).toEqual([
      ['@_user_1', fake.botName],
      ['@_user_2', 'Li Lei'],
    ]);
    expect(ev.sender.sender_id.open_id).toBe(wang.openId);
  });

  it('a large event comes in parts (sum/seq) and is put together by the SDK', async () => {
    const other = await FakeFeishu.start({ partBytes: 100 });
    const got: string[] = [];
    const c = new lark.WSClient({
      appId: other.appId,
      appSecret: other.appSecret,
      domain: other.url,
      logger: quiet,
    });
    await c.start({
      eventDispatcher: new lark.EventDispatcher({ logger: quiet }).register({
        'im.message.receive_v1': async (d: { message: { content: string } }) => {
          got.push(JSON.parse(d.message.content).text);
        },
      }),
    });
    await until(() => other.openConnections === 1, 'the connection');
    const text = `quote new ${'item="Sensor | X200 | 200 | 600" '.repeat(10)}`;
    expect((await other.say({ from: 'ou_li', text })).code).toBe(200);
    expect(got).toEqual([text]);
    c.close({ force: true });
    await other.close();
  });

  it('an event whose handler fails, or is too slow, is pushed again', async () => {
    let calls = 0;
    onMessage = async () => {
      calls++;
      if (calls === 1) throw new Error('database down');
    };
    const failing = fake.say({ from: 'ou_li', text: 'customer list' });
    const ack = await failing;
    expect(ack.code).toBe(200);
    expect(ack.sends).toBe(2);
    expect(fake.acks.filter((a) => a.eventId === failing.eventId).map((a) => a.code)).toEqual([500, 200]);

    let slow = 0;
    onMessage = async () => {
      slow++;
      if (slow === 1) await sleep(700); // longer than the 400 ms the fake allows here (Feishu: 3 s)
    };
    const late = fake.say({ from: 'ou_li', text: 'quote list' });
    await late;
    await until(() => slow >= 2, 'the re-push');
    expect(fake.sendsOf(late.eventId)).toBeGreaterThanOrEqual(2);
    // Both deliveries carry the same event_id and message_id: the receiver dedupes on them.
    const copies = received.filter((r) => (r as { event_id: string }).event_id === late.eventId);
    expect(copies.length).toBeGreaterThanOrEqual(2);
    expect(
      new Set(copies.map((r) => (r as { message: { message_id: string } }).message.message_id)).size,
    ).toBe(1);
  });

  it('a card action is answered with a toast and a new card, which replaces the card in place', async () => {
    const client = new lark.Client({
      appId: fake.appId,
      appSecret: fake.appSecret,
      domain: fake.url,
      logger: quiet,
    });
    const wang = fake.addUser('Wang Qiang');
    const sent = await client.im.message.create({
      params: { receive_id_type: 'open_id' },
      data: {
        receive_id: wang.openId,
        msg_type: 'interactive',
        content: JSON.stringify(
          card('A-0001 waiting', [{ label: 'Approve', value: { a: 'approve A-0001' } }]),
        ),
      },
    });
    const id = sent.data!.message_id!;
    let seen:
      | { operator: { open_id: string }; action: { value: unknown }; context: { open_message_id: string } }
      | undefined;
    onCard = async (d) => {
      seen = d as never;
      return {
        toast: { type: 'success', content: 'Approved' },
        card: { type: 'raw', data: card('A-0001 approved') },
      };
    };
    expect(fake.buttons(id)).toEqual(['Approve']);
    const answer = await fake.click(id, wang.openId, 'Approve');
    expect(seen?.operator.open_id).toBe(wang.openId);
    expect(seen?.action.value).toEqual({ a: 'approve A-0001' });
    expect(seen?.context.open_message_id).toBe(id);
    expect(answer.toast).toEqual({ type: 'success', content: 'Approved' });
    expect(answer.late).toBe(false);
    expect(fake.buttons(id)).toEqual([]);
    expect(fake.messages.get(id)!.history).toHaveLength(2);

    onCard = async () => {
      await sleep(500); // past the 300 ms allowed here (Feishu: 3 s)
      return {
        toast: { type: 'info', content: 'too late' },
        card: { type: 'raw', data: card('never shown') },
      };
    };
    expect(() => fake.click(id, wang.openId, 'Approve')).toThrow(/no button/); // the new card has none
    const again = await client.im.message.create({
      params: { receive_id_type: 'open_id' },
      data: {
        receive_id: wang.openId,
        msg_type: 'interactive',
        content: JSON.stringify(
          card('A-0002 waiting', [{ label: 'Approve', value: { a: 'approve A-0002' } }]),
        ),
      },
    });
    const lateAnswer = await fake.click(again.data!.message_id!, wang.openId, 'Approve');
    expect(lateAnswer.late).toBe(true);
    expect(fake.messages.get(again.data!.message_id!)!.history).toHaveLength(1);
  });

  it('reconnects by itself after the connection drops', async () => {
    const opened = fake.connectionsOpened.length;
    fake.dropAll();
    await until(
      () => fake.connectionsOpened.length > opened && fake.openConnections === 1,
      'the reconnection',
    );
    expect(fake.endpointCalls.length).toBeGreaterThanOrEqual(2);
    expect((await fake.say({ from: 'ou_li', text: 'help' })).code).toBe(200);
  });
});

describe('HTTP event delivery with an Encrypt Key', () => {
  let fake: FakeFeishu;
  let server: Server;
  let url = '';
  const key = 'encrypt-key-from-console';
  const got: unknown[] = [];
  beforeAll(async () => {
    fake = await FakeFeishu.start();
    const dispatcher = new lark.EventDispatcher({ encryptKey: key, logger: quiet }).register({
      'im.message.receive_v1': async (d: unknown) => {
        got.push(d);
      },
    });
    server = createServer(lark.adaptDefault('/feishu/events', dispatcher, { autoChallenge: true }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feishu/events`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await fake.close();
  });

  it('the SDK decrypts and verifies what the fake signs, answers url_verification, and drops a wrong signature', async () => {
    const challenge = await fake.verifyUrl(url, 'vt', key);
    expect((challenge.body as { challenge: string }).challenge).toMatch(/^[0-9a-f]{16}$/);
    await fake.pushHttp(url, fake.messageEvent({ from: 'ou_li', text: 'help' }), key);
    expect(got).toHaveLength(1);
    const forged = await fake.pushHttp(
      url,
      fake.messageEvent({ from: 'ou_li', text: 'help' }),
      key,
      'another-key',
    );
    expect(forged.status).toBe(200); // the SDK answers, but runs no handler for a request it cannot verify
    expect(got).toHaveLength(1);
  });
});
