// The DingTalk adapter through the real dingtalk-stream client against the fake DingTalk: commands in groups
// and 1:1, mentions, every CALLBACK acked, redelivery answered once, malformed frames dropped, reconnects with
// backoff, replies after the sessionWebhook expired, token refresh one at a time, nothing lost to throttling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, until } from './fakes/dingtalk/harness.ts';

let h: Harness;
const GROUP = 'cidFinanceGroup==';

beforeAll(async () => {
  // Without a card template: markdown with text commands.
  h = await startHarness({
    cards: false,
    env: { ADMINS: 'dingtalk:manager123', DINGTALK_GROUP_PER_MINUTE: '1000' },
  });
  // The adapter's own limits and DingTalk's throttling are under test here; the queue's shared per-group
  // pacing (src/queue/limits.ts, tested with the queue) would only slow this file's many group replies.
  h.app.queues.limits.set('dingtalk', {});
  await until(() => h.fake.openConnections === 1, 5000, 'the stream connection');
});
afterAll(async () => {
  // Every CALLBACK the fake sent in this file was acked, with code 200.
  expect(h.fake.unacked).toBe(0);
  expect(h.fake.acks.every((a) => a.code === 200)).toBe(true);
  await h?.close();
});

const repliesIn = (to: string) => h.fake.sentTo(to).map((s) => s.text);

describe('commands', () => {
  it('subscribes only to its own callbacks, with its own list, and says cards are off', () => {
    expect(h.fake.gatewayCalls[0]!.subscriptions).toEqual([
      { type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' },
      { type: 'CALLBACK', topic: '/v1.0/card/instances/callback' },
    ]);
    expect(h.logs.some((l) => l.msg.includes('DINGTALK_CARD_TEMPLATE_ID is not set'))).toBe(true);
  });

  it('answers a 1:1 command (no @ needed) through the sessionWebhook, and acks it', async () => {
    const ack = await h.fake.robotMessage({ from: 'manager123', nick: '经理', text: 'me lang=en' });
    expect(ack.code).toBe(200);
    expect(ack.data).toEqual({ response: null });
    const reply = await until(() => h.fake.sentTo('cid_dm_manager123')[0]);
    expect(reply.api).toBe('sessionWebhook');
    // ADMINS made the first admin; the nick became the name.
    const [p] = await h.query<{ name: string; role: string }>(
      `select p.name, p.role from people p join identities i on i.person_id = p.id where i.external_id = 'manager123'`,
    );
    expect(p).toEqual({ name: '经理', role: 'admin' });
  });

  it('binds a group with "@bot admin bind finance" (tenant = the corp id)', async () => {
    await h.fake.robotMessage({ from: 'manager123', group: GROUP, text: 'admin bind finance' });
    await until(() => repliesIn(GROUP).some((t) => t.includes('Finance')));
    const rows = await h.query<{ tenant: string; platform: string }>(
      `select tenant, platform from chat_bindings where chat_id = '${GROUP}'`,
    );
    expect(rows).toEqual([{ tenant: h.fake.corpId, platform: 'dingtalk' }]);
  });

  it('an unknown person becomes a person with no role; the at-list resolves mentions', async () => {
    await h.fake.robotMessage({ from: 'zhao01', nick: '赵云', text: 'me lang=en' });
    const [before] = await h.query<{ role: string | null }>(
      `select p.role from people p join identities i on i.person_id = p.id where i.external_id = 'zhao01'`,
    );
    expect(before?.role).toBeNull();
    await h.fake.robotMessage({
      from: 'manager123',
      group: GROUP,
      text: 'admin role {mentions} head dept=finance',
      mentions: ['zhao01'],
    });
    await until(() => repliesIn(GROUP).some((t) => t.includes('赵云')));
    const [after] = await h.query<{ role: string; code: string }>(
      `select p.role, d.code from people p join identities i on i.person_id = p.id join departments d on d.id = p.department_id where i.external_id = 'zhao01'`,
    );
    expect(after).toEqual({ role: 'head', code: 'finance' });
    // zhao01 is told privately, through the robot's 1:1 API (the outbox).
    await until(() => repliesIn('zhao01').some((t) => t.includes('Finance')));
    expect(h.fake.sentTo('zhao01')[0]!.api).toBe('oToMessages/batchSend');
  });

  it('a redelivered message (same msgId) changes nothing twice and is answered once', async () => {
    await h.fake.robotMessage({ from: 'li01', nick: '李雷', text: 'me lang=en' });
    await h.fake.robotMessage({
      from: 'manager123',
      group: GROUP,
      text: 'admin role {mentions} sales_rep',
      mentions: ['li01'],
    });
    await until(() => repliesIn(GROUP).some((t) => t.includes('李雷')));
    const before = h.fake.sentTo('cid_dm_li01').length;
    await h.fake.robotMessage({ from: 'li01', text: 'customer add name="Acme Ltd"', msgId: 'dup-1' });
    const again = await h.fake.robotMessage({
      from: 'li01',
      text: 'customer add name="Acme Ltd"',
      msgId: 'dup-1',
    });
    expect(again.code).toBe(200); // acked too, so DingTalk stops sending it
    await until(() => h.fake.sentTo('cid_dm_li01').length > before);
    await new Promise((r) => setTimeout(r, 300));
    expect(
      h.fake
        .sentTo('cid_dm_li01')
        .map((s) => s.text)
        .slice(before),
    ).toEqual([expect.stringContaining('C-0001')]);
    const n = await h.query<{ n: number }>(
      `select count(*)::int as n from customers where name = 'Acme Ltd'`,
    );
    expect(n[0]?.n).toBe(1);
  });

  it('replies through the robot API once the sessionWebhook has expired', async () => {
    await h.fake.robotMessage({ from: 'manager123', group: GROUP, text: 'help', webhookTtlMs: 30_000 });
    const reply = await until(() => h.fake.sentTo(GROUP).find((s) => s.api === 'groupMessages/send'));
    expect(reply.text).toMatch(/customer/);
    await h.fake.robotMessage({ from: 'zhao01', text: 'help', webhookTtlMs: 1 });
    await until(() => h.fake.sentTo('zhao01').some((s) => s.text.includes('customer')));
  });
});

describe('the stream', () => {
  it('drops malformed frames with a log line, acks bad CALLBACKs, and carries on', async () => {
    h.fake.sendRaw('this is not json');
    h.fake.sendRaw('{"specVersion":"1.0","type":"CALLBACK"}');
    h.fake.sendRaw('{"type":"CALLBACK","headers":{"topic":"/v1.0/im/bot/messages/get"},"data":"{}"}');
    const badData = await h.fake.callbackRaw('/v1.0/im/bot/messages/get', 'not json either');
    expect(badData.code).toBe(200);
    const badShape = await h.fake.callbackRaw('/v1.0/card/instances/callback', '{"outTrackId":1}');
    expect(badShape.code).toBe(200);
    await until(() => h.logs.filter((l) => l.msg.includes('malformed stream frame dropped')).length >= 2);
    const ok = await h.fake.robotMessage({ from: 'zhao01', text: 'me' });
    expect(ok.code).toBe(200);
    expect(h.fake.openConnections).toBe(1);
  });

  it('answers SYSTEM pings without disturbing anything', async () => {
    h.fake.ping();
    await new Promise((r) => setTimeout(r, 100));
    expect(h.fake.strayUpstream).toEqual([]);
  });

  it('reconnects after the gateway says disconnect, and after the connection drops', async () => {
    const opened = h.fake.connectionsOpened.length;
    h.fake.disconnectAll(300);
    await until(() => h.fake.connectionsOpened.length === opened + 1, 5000, 'a new connection');
    await until(() => h.fake.openConnections === 1, 5000, 'the old connection closed');
    expect((await h.fake.robotMessage({ from: 'zhao01', text: 'me' })).code).toBe(200);

    const before = h.fake.connectionsOpened.length;
    h.fake.dropAll();
    await until(() => h.fake.connectionsOpened.length === before + 1, 5000, 'reconnected after a drop');
    expect((await h.fake.robotMessage({ from: 'zhao01', text: 'me' })).code).toBe(200);
  });

  it('backs off (with jitter) while the gateway refuses, instead of a reconnect storm, and loses nothing', async () => {
    const calls = h.fake.gatewayCalls.length;
    const opened = h.fake.connectionsOpened.length;
    h.fake.rejectHandshakes = 6;
    const t0 = Date.now();
    h.fake.dropAll();
    // A message sent during the outage waits at DingTalk and arrives after the reconnect.
    const during = h.fake.robotMessage({ from: 'li01', text: 'customer add name="Outage Co"' });
    await until(() => h.fake.connectionsOpened.length === opened + 1, 15_000, 'reconnected after refusals');
    const attempts = h.fake.gatewayCalls.slice(calls);
    // One attempt per failure: 6 refused + the one that worked (2.1.5's own reconnect would have doubled each time).
    expect(attempts.length).toBe(7);
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
    expect(gaps.every((g) => g >= 45)).toBe(true);
    // Exponential: the whole outage took longer than a fixed 50 ms retry would.
    expect(Date.now() - t0).toBeGreaterThan(6 * 50);
    expect((await during).code).toBe(200);
    await until(async () => {
      const n = await h.query<{ n: number }>(
        `select count(*)::int as n from customers where name = 'Outage Co'`,
      );
      return n[0]?.n === 1;
    });
  });
});

describe('the OpenAPI', () => {
  it('refreshes a refused token once for many concurrent sends', async () => {
    h.fake.revokeTokens();
    const before = h.fake.tokenRequests;
    const n = h.fake.sentTo(GROUP).length;
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        h.fake.robotMessage({
          from: 'manager123',
          group: GROUP,
          text: `customer list`,
          webhookTtlMs: 1,
          msgId: `tok-${i}`,
        }),
      ),
    );
    await until(() => h.fake.sentTo(GROUP).length >= n + 8, 10_000, 'eight replies');
    expect(h.fake.tokenRequests - before).toBe(1);
  });

  it('waits out throttling (QpsLimit) and delivers everything', async () => {
    const n = h.fake.sentTo(GROUP).length;
    h.fake.throttleNext('/v1.0/robot/groupMessages/send', 3);
    const t0 = Date.now();
    await h.fake.robotMessage({ from: 'manager123', group: GROUP, text: 'help', webhookTtlMs: 1 });
    // Generous: on a loaded CI machine the retry can wait behind other deliveries; what matters is that it comes.
    const reply = await until(() => h.fake.sentTo(GROUP)[n], 45_000, 'the throttled reply');
    // DingTalk's advice: wait about a second before trying again.
    expect(reply.at - t0).toBeGreaterThanOrEqual(1000);
    expect(h.fake.refusals.filter((r) => r.code.includes('QpsLimit')).length).toBeGreaterThanOrEqual(3);
    // Nothing dropped: every DingTalk outbox row ends up sent.
    await until(
      async () => {
        const rows = await h.query<{ n: number }>(
          `select count(*)::int as n from outbox where platform = 'dingtalk' and state <> 'sent'`,
        );
        return rows[0]?.n === 0;
      },
      45_000,
      'the outbox to drain',
    );
  }, 120_000);

  it('stays under 20 calls per second per API on its own', async () => {
    h.fake.revokeTokens();
    const before = h.fake.refusals.filter((r) => r.code.includes('QpsLimit')).length;
    const n = h.fake.sentTo(GROUP).length;
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        h.fake.robotMessage({
          from: 'manager123',
          group: GROUP,
          text: 'me',
          webhookTtlMs: 1,
          msgId: `qps-${i}`,
        }),
      ),
    );
    await until(() => h.fake.sentTo(GROUP).length >= n + 30, 15_000, 'thirty replies');
    expect(h.fake.refusals.filter((r) => r.code.includes('QpsLimit')).length).toBe(before);
  });
});
