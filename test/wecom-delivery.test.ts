// Outbound to WeCom through the outbox: per-conversation quotas kept by the adapter, 45009 answers
// waited out and retried (never dropped), group-robot webhooks bound with `admin bind … webhook=`.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { loadOrg } from '../src/core/org.ts';
import { outboxWriter } from '../src/core/outbox.ts';
import { BOT, People, SECRET, startWeComApp, stopWeComApp, textOf } from './fakes/wecom/app.ts';
import { FakeWeCom, waitFor } from './fakes/wecom/server.ts';

const HOOK = '693a91f6-7a1c-4bc4-97a0-0ec2f1fa5aaa';
let fake: FakeWeCom;
let app: App;
let url: string;
let p: People;

async function query<T>(text: string): Promise<T[]> {
  const r = (await app.database.db.execute(sql.raw(text))) as unknown;
  return (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
}

/** Queues `n` notices to a chat, as a flow would, and lets delivery run. */
async function notices(chatId: string, n: number, tag: string) {
  await app.database.db.transaction(async (tx) => {
    const out = outboxWriter(tx, await loadOrg(tx), 'wecom');
    for (let i = 1; i <= n; i++)
      await out.send({ kind: 'chat', platform: 'wecom', tenant: BOT, chatId }, () => ({
        text: `${tag} ${i}`,
      }));
  });
  await app.delivery.drain();
}

const rowsFor = (tag: string) =>
  query<{ state: string; attempts: number; last_error: string | null }>(
    `select state, attempts, last_error from outbox where payload->>'text' like '${tag} %' order by id`,
  );

beforeAll(async () => {
  fake = await new FakeWeCom({ bots: { [BOT]: SECRET }, webhookKeys: [HOOK] }).start();
  ({ app, url } = await startWeComApp(fake, {
    env: { WECOM_QUOTA_PER_MINUTE: '3', WECOM_THROTTLED_RETRY_MS: '1000', WECOM_WEBHOOK_PER_MINUTE: '2' },
  }));
  p = new People(fake);
  // Under test here is the adapter's own quota handling; the queue's shared limits (tested in
  // queue-contract/reliability) would otherwise hold messages back before the adapter sees them.
  app.queues.limits.set('wecom', {});
  await waitFor(() => fake.isConnected(BOT), 8000, 'connected');
});
afterAll(async () => {
  await stopWeComApp(app, url);
  await fake?.close();
});

describe('quotas', () => {
  it('the adapter keeps to the per-conversation quota: the rest wait in the outbox, none fail', async () => {
    fake.openConversation(BOT, 'wrkQ');
    await notices('wrkQ', 5, 'quota');
    expect(p.pushesTo('wrkQ')).toHaveLength(3);
    const rows = await rowsFor('quota');
    expect(rows.filter((r) => r.state === 'sent')).toHaveLength(3);
    expect(rows.filter((r) => r.state === 'pending')).toHaveLength(2);
    expect(rows.find((r) => r.state === 'pending')?.last_error).toMatch(/quota/);
    // WeCom never had to say 45009.
    expect(fake.frames.filter((f) => f.frame.cmd === 'aibot_send_msg')).toHaveLength(3);
  });

  it('a 45009 from WeCom is waited out and retried later, never dropped', async () => {
    fake.opts.perMinute = 1;
    fake.resetQuota();
    fake.openConversation(BOT, 'wrkR');
    await notices('wrkR', 2, 'throttled');
    let rows = await rowsFor('throttled');
    expect(rows.map((r) => r.state)).toEqual(['sent', 'pending']);
    expect(rows[1]!.last_error).toMatch(/45009/);
    expect(rows[1]!.attempts).toBe(0);
    fake.opts.perMinute = 30;
    fake.resetQuota();
    await waitFor(async () => (await rowsFor('throttled')).every((r) => r.state === 'sent'), 10_000, 'retry');
    rows = await rowsFor('throttled');
    expect(p.pushesTo('wrkR').map(textOf)).toEqual(['throttled 1', 'throttled 2']);
  });
});

describe('group robot webhooks', () => {
  it('admin bind … webhook=<key> binds the group and keeps the key out of the journal and the audit', async () => {
    await p.say('boss', 'me lang=en');
    const bad = await p.say('boss', 'admin bind finance webhook=no', 'wrkFIN');
    expect(bad).toMatch(/webhook key does not look right/);
    const reply = await p.say('boss', `admin bind finance webhook=${HOOK}`, 'wrkFIN');
    expect(reply).toMatch(/receives the messages of Finance/);
    expect(reply).toMatch(/group robot/);
    const [b] = await query<{ settings: { webhook?: string } }>(
      `select settings from chat_bindings where chat_id = 'wrkFIN'`,
    );
    expect(b?.settings.webhook).toBe(HOOK);
    const audit = await query<{ n: number }>(
      `select count(*)::int n from audit_log where detail::text like '%${HOOK}%'`,
    );
    expect(audit[0]?.n).toBe(0);
    // The core keeps the credential out of the inbound journal (src/commands/secrets.ts), for every channel.
    const journal = await query<{ payload: string }>(
      `select payload::text as payload from inbound_events where payload::text like '%admin bind finance%'`,
    );
    expect(journal.length).toBeGreaterThan(0);
    expect(journal.every((j) => !j.payload.includes(HOOK) && j.payload.includes('webhook=[redacted]'))).toBe(
      true,
    );
    // The robot's whole address works too: the key is taken from it.
    const again = await p.say(
      'boss',
      `admin bind finance webhook=https://robot.example.test/cgi-bin/webhook/send?key=${HOOK}`,
      'wrkFIN',
    );
    expect(again).toMatch(/group robot/);
    const [b2] = await query<{ settings: { webhook?: string } }>(
      `select settings from chat_bindings where chat_id = 'wrkFIN'`,
    );
    expect(b2?.settings.webhook).toBe(HOOK);
    // Someone who is not an admin cannot attach a key.
    await p.say('li', 'me lang=en');
    await p.say('li', 'admin bind finance webhook=11111111-2222', 'wrkOTHER');
    const [other] = await query<{ n: number }>(
      `select count(*)::int n from chat_bindings where chat_id = 'wrkOTHER'`,
    );
    expect(other?.n).toBe(0);
  });

  it('notices without buttons for that group go through its robot, at most 20 (here 2) a minute', async () => {
    await app.database.db.transaction(async (tx) => {
      const out = outboxWriter(tx, await loadOrg(tx), 'wecom');
      for (let i = 1; i <= 3; i++)
        await out.send({ kind: 'department', code: 'finance' }, () => ({ text: `hook ${i}` }));
    });
    await app.delivery.drain();
    const hooks = fake.sent.filter((s) => s.via === 'webhook');
    expect(hooks.map((h) => h.body.markdown.content)).toEqual(['hook 1', 'hook 2']);
    expect(p.pushesTo('wrkFIN')).toHaveLength(0);
    const rows = await rowsFor('hook');
    expect(rows.map((r) => r.state)).toEqual(['sent', 'sent', 'pending']);
  });
});
