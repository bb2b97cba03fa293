// The Slack adapter through the real Bolt app and web-api client against the fake Slack, on real PostgreSQL:
// signatures, the 3-second ack, ephemeral answers, redelivery and double clicks, rate limits, error mapping.
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackAdapter } from '../adapters/slack/index.ts';
import { PermanentDeliveryError } from '../src/delivery/index.ts';
import { CHANNELS, type Harness, hasButtons, mention, startHarness, uid } from './fakes/slack/harness.ts';
import { sign } from './fakes/slack/signer.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  // li and wang appear by speaking to the bot; the admin (from ADMINS) gives them roles.
  await h.say('li', 'me lang=en', CHANNELS.sales);
  await h.say('wang', 'me lang=en', CHANNELS.sales);
  await h.say('admin', `admin role ${mention('li')} sales_rep`, CHANNELS.sales);
  await h.say('admin', `admin role ${mention('wang')} sales_manager`, CHANNELS.sales);
});
afterAll(() => h?.close());

const count = async (table: string) =>
  (await h.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0]!.n;
/** The adapter the app registered for delivery. */
const adapter = () => h.app.platforms.find((p) => p.platform === 'slack') as SlackAdapter;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('requests from Slack', () => {
  it('answers a slash command ephemerally, acked at once', async () => {
    const sent = await h.command('li', 'help', { channel: CHANNELS.sales });
    expect(sent.status).toBe(200);
    expect(sent.ms).toBeLessThan(3000);
    const answer = await h.waitFor(
      () => h.slack.ephemeralsFor(uid('li'), CHANNELS.sales).find((m) => m.text.includes('quote')),
      'help answer',
    );
    expect(answer.via).toBe('response_url');
    // Nobody else in the channel sees it.
    expect(h.slack.messagesIn(CHANNELS.sales).filter((m) => !m.ephemeralFor)).toEqual([]);
  });

  it('knows an unknown Slack user by name and email from users.info, with no role', async () => {
    const [answer] = await h.say('chen', 'customer add name="Nope Ltd"', CHANNELS.sales);
    expect(answer!.text).toMatch(/no role|没有角色/);
    const [p] = await h.query<{ name: string; email: string; role: string | null }>(
      `select p.name, p.email, p.role from people p join identities i on i.person_id = p.id where i.external_id = '${uid('chen')}'`,
    );
    expect(p).toEqual({ name: 'Chen Jing', email: 'chen@example.com', role: null });
    expect(await count('customers')).toBe(0);
  });

  it('refuses forged, stale and future-dated requests with 401 and changes nothing', async () => {
    const fields = h.slack.slashCommand(uid('li'), CHANNELS.sales, '/crm', 'customer add name="Forged Ltd"');
    const raw = new URLSearchParams(fields).toString();
    const form = 'application/x-www-form-urlencoded';
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      { secret: 'not-the-secret' },
      { timestamp: now - 301 },
      { timestamp: now + 600 },
      { signature: 'v0=deadbeef' },
      { signature: sign(h.slack.signingSecret, now, `${raw}&text=x`) },
      { signature: sign(h.slack.signingSecret, now, raw).replace('v0=', 'v1=') },
    ];
    for (const opts of cases) expect((await h.signer.send(raw, form, opts)).status).toBe(401);
    // Tampered body under a valid signature of the original.
    const ts = now;
    const good = sign(h.slack.signingSecret, ts, raw);
    expect(
      (await h.signer.send(raw.replace('Forged', 'Other'), form, { signature: good, timestamp: ts })).status,
    ).toBe(401);
    await sleep(300);
    expect(await count('customers')).toBe(0);
    expect(h.slack.ephemeralsFor(uid('li')).some((m) => m.text.includes('Forged'))).toBe(false);
    // The same request, signed properly, works.
    expect((await h.signer.send(raw, form)).status).toBe(200);
    await h.waitFor(async () => (await count('customers')) === 1, 'the customer');
  });

  it('does a redelivered command (X-Slack-Retry-Num) once', async () => {
    const first = await h.command('li', 'customer add name="Retry Ltd"', { channel: CHANNELS.sales });
    await h.waitFor(
      () => h.slack.ephemeralsFor(uid('li')).find((m) => m.text.includes('Retry Ltd')),
      'answer',
    );
    const again = await h.signer.send(first.raw, 'application/x-www-form-urlencoded', { retryNum: 1 });
    expect(again.status).toBe(200);
    await sleep(500);
    expect((await h.query(`select id from customers where name = 'Retry Ltd'`)).length).toBe(1);
    expect(h.slack.ephemeralsFor(uid('li')).filter((m) => m.text.includes('Retry Ltd'))).toHaveLength(1);
  });

  it('does a redelivered DM event once', async () => {
    const body = {
      token: 'x',
      team_id: h.slack.team,
      api_app_id: 'A0SALESRELAY',
      type: 'event_callback',
      event_id: 'Ev0RETRY01',
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: 'message',
        channel_type: 'im',
        channel: h.dm('li'),
        user: uid('li'),
        text: 'customer add name="Event Ltd"',
        ts: `${Date.now() / 1000}`,
      },
    };
    expect((await h.signer.event(body)).status).toBe(200);
    await h.waitFor(
      () => h.slack.messagesIn(h.dm('li')).find((m) => m.text.includes('Event Ltd')),
      'DM answer',
    );
    for (const retryNum of [1, 2, 3]) expect((await h.signer.event(body, { retryNum })).status).toBe(200);
    await sleep(500);
    expect((await h.query(`select id from customers where name = 'Event Ltd'`)).length).toBe(1);
    // The bot's own messages in the DM are not taken as commands.
    const own = {
      ...body,
      event_id: 'Ev0OWN',
      event: { ...body.event, user: h.slack.botUserId, bot_id: 'B0BOT' },
    };
    expect((await h.signer.event(own)).status).toBe(200);
    await sleep(300);
    expect((await h.query(`select id from customers where name = 'Event Ltd'`)).length).toBe(1);
  });

  it('answers url_verification and ssl_check', async () => {
    const r = await h.signer.event({ type: 'url_verification', challenge: 'abc123', token: 'x' });
    expect(r.json).toEqual({ challenge: 'abc123' });
    const ssl = await h.signer.form({ ssl_check: '1', token: 'x' }, { signature: 'none' });
    expect(ssl.status).toBe(200);
  });

  it('answers an @mention in a channel ephemerally, without the bot mention in the command', async () => {
    const body = {
      team_id: h.slack.team,
      type: 'event_callback',
      event_id: 'Ev0MENTION',
      event: {
        type: 'app_mention',
        channel: CHANNELS.sales,
        user: uid('li'),
        text: `<@${h.slack.botUserId}> customer show C-0001`,
        ts: `${Date.now() / 1000}`,
      },
    };
    expect((await h.signer.event(body)).status).toBe(200);
    const answer = await h.waitFor(
      () =>
        h.slack
          .ephemeralsFor(uid('li'), CHANNELS.sales)
          .find((m) => m.via === 'api' && m.text.includes('C-0001')),
      'the answer to the mention',
    );
    expect(h.slack.callsTo('chat.postEphemeral').at(-1)?.args.user).toBe(uid('li'));
    expect(answer.text).toContain('Forged Ltd');
  });
});

describe('buttons', () => {
  it('a double click on Confirm converts once; the card is updated in place without buttons', async () => {
    await h.say('li', 'lead add customer=C-0001 source=expo desc="needs sensors"', CHANNELS.sales);
    // In li's DM with the bot the answers are real messages, so the card can be updated later.
    const [ask] = await h.say('li', 'lead convert L-0001');
    expect(ask!.via).toBe('api');
    expect(hasButtons(ask!)).toBe(true);
    const p1 = h.slack.blockAction(uid('li'), ask!, (b) => String(b.value).startsWith('confirm:'));
    const p2 = h.slack.blockAction(uid('li'), ask!, (b) => String(b.value).startsWith('confirm:'));
    const [r1, r2] = await Promise.all([h.signer.interaction(p1), h.signer.interaction(p2)]);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    // A redelivery of the very same press is ignored too.
    expect((await h.signer.interaction(p1, { retryNum: 1 })).status).toBe(200);
    await h.waitFor(() => h.slack.callsTo('chat.update').length > 0 && !hasButtons(ask!), 'the card updated');
    const [lead] = await h.query<{ status: string }>(`select status from leads where number = 'L-0001'`);
    expect(lead?.status).toBe('converted');
    await h.waitFor(() => h.slack.messagesIn(h.dm('li')).some((m) => /converted to/.test(m.text)), 'answer');
    await sleep(1500);
    expect(h.slack.messagesIn(h.dm('li')).filter((m) => /converted to/.test(m.text)).length).toBe(1);
    expect(ask!.history.length).toBeGreaterThanOrEqual(1);
    expect(ask!.text).toMatch(/Confirmed by/);
  });

  it('a button on an ephemeral card replaces it, leaving no live buttons', async () => {
    const before = h.slack.ephemeralsFor(uid('li'), CHANNELS.sales).length;
    await h.say('li', 'lead add customer=C-0001 source=web desc="gateway"', CHANNELS.sales);
    const answers = await h.say('li', 'lead convert L-0002', CHANNELS.sales);
    const card = answers.find(hasButtons)!;
    expect(card.ephemeralFor).toBe(uid('li'));
    const { answers: after } = await h.press('li', card, (b) => String(b.value).startsWith('confirm:'));
    expect(hasButtons(card)).toBe(false);
    expect(card.text + after.map((m) => m.text).join()).toMatch(/converted/);
    expect(h.slack.ephemeralsFor(uid('li'), CHANNELS.sales).length).toBeGreaterThan(before);
  });
});

describe('sending to Slack', () => {
  it('paces posts to one channel to about one a second, so Slack never has to refuse', async () => {
    await h.say('admin', 'admin bind sales', CHANNELS.sales);
    const start = h.slack.callsTo('chat.postMessage').length;
    // Three leads escalated/assigned → three posts to wang's DM in a row.
    for (const n of [3, 4, 5])
      await h.say('li', `lead add customer=C-0001 source=expo desc="batch ${n}"`, CHANNELS.sales);
    for (const n of [3, 4, 5]) await h.say('wang', `lead assign L-000${n} ${mention('li')}`, CHANNELS.sales);
    await h.waitFor(
      () => h.slack.messagesIn(h.dm('li')).filter((m) => /L-000[345]/.test(m.text)).length >= 3,
      'three cards for li',
      15_000,
    );
    const posts = h.slack.callsTo('chat.postMessage').slice(start);
    expect(posts.filter((c) => c.status === 429)).toEqual([]);
    const toLi = posts.filter((c) => c.args.channel === h.dm('li') || c.args.channel === uid('li'));
    for (let i = 1; i < toLi.length; i++) expect(toLi[i]!.at - toLi[i - 1]!.at).toBeGreaterThanOrEqual(900);
  });

  it('waits out a 429 with Retry-After and delivers; nothing is dropped', async () => {
    h.slack.failNext.set('chat.postMessage', { error: 'ratelimited', count: 2 });
    const start = h.slack.callsTo('chat.postMessage').length;
    await h.say('li', 'lead add customer=C-0001 source=expo desc="after 429"', CHANNELS.sales);
    await h.say('wang', `lead assign L-0006 ${mention('li')}`, CHANNELS.sales);
    const card = await h.waitFor(
      () => h.slack.messagesIn(h.dm('li')).find((m) => m.text.includes('L-0006')),
      'the card after the rate limit',
      20_000,
    );
    const calls = h.slack.callsTo('chat.postMessage').slice(start);
    const limited = calls.filter((c) => c.status === 429);
    expect(limited.length).toBe(2);
    const ok = calls.find((c) => c.status === 200 && JSON.stringify(c.args).includes('L-0006'))!;
    expect(ok.at - limited[0]!.at).toBeGreaterThanOrEqual(1000 * h.slack.retryAfterSeconds);
    expect(card).toBeDefined();
    await h.waitFor(
      async () =>
        (
          await h.query<{ state: string }>(
            `select state from outbox where payload::text like '%L-0006%' and target_kind = 'user' order by id desc limit 1`,
          )
        )[0]?.state === 'sent',
      'the outbox row sent',
    );
  });

  it('maps not_in_channel and channel_not_found to a permanent failure that tells the admin to invite the bot', async () => {
    // The logistics channel is bound while the bot is not in it (slash commands work anyway).
    h.slack.channels.get(CHANNELS.logistics)!.members.delete(h.slack.botUserId);
    await h.say('admin', 'admin bind logistics', CHANNELS.logistics);
    const slack = adapter();
    await expect(
      slack.post({ tenant: h.slack.team, kind: 'chat', id: CHANNELS.logistics }, { text: 'hello' }),
    ).rejects.toThrow(/invite the bot/);
    await expect(
      slack.post({ tenant: h.slack.team, kind: 'chat', id: 'C0GONE' }, { text: 'hello' }),
    ).rejects.toThrow(/channel_not_found.*invite/);
    await expect(
      slack.post({ tenant: h.slack.team, kind: 'chat', id: 'C0GONE' }, { text: 'x' }),
    ).rejects.toBeInstanceOf(PermanentDeliveryError);
  });

  it('refuses malformed Block Kit like Slack (the fake is strict, so the adapter must be)', async () => {
    const slack = adapter();
    // A card far beyond Slack's limits is cut to fit: 60 fields, a 400-char title, 40 buttons.
    const card = {
      title: 'T'.repeat(400),
      fields: Array.from({ length: 600 }, (_, i) => ({ label: `f${i}`, value: 'v'.repeat(2500) })),
      actions: Array.from({ length: 40 }, (_, i) => ({
        id: `run:help ${i}`,
        label: 'B'.repeat(100),
        style: 'primary' as const,
      })),
      note: 'n',
    };
    await sleep(1100);
    const ref = await slack.post(
      { tenant: h.slack.team, kind: 'chat', id: CHANNELS.sales },
      { text: 'big', card },
    );
    const m = h.slack.messages.find((x) => x.ts === ref.messageId)!;
    expect(m.blocks!.length).toBeLessThanOrEqual(50);
    expect(m.blocks!.filter((b) => b.type === 'actions').flatMap((b) => b.elements as unknown[]).length).toBe(
      40,
    );
  });

  it('the fake refuses what Slack refuses', async () => {
    const client = new WebClient(h.slack.token, { slackApiUrl: h.slack.apiUrl, retryConfig: { retries: 0 } });
    const post = (blocks: unknown[], channel: string = CHANNELS.marketing) =>
      client.chat.postMessage({ channel, text: 'x', blocks: blocks as never }).then(
        () => 'ok',
        (e: { data?: { error?: string } }) => e.data?.error,
      );
    const field = { type: 'mrkdwn', text: 'f' };
    const btn = (text: string, action_id = 'a') => ({
      type: 'button',
      text: { type: 'plain_text', text },
      action_id,
    });
    expect(await post([{ type: 'section', fields: Array(11).fill(field) }])).toBe('invalid_blocks');
    expect(await post(Array(51).fill({ type: 'divider' }))).toBe('invalid_blocks');
    expect(await post([{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }])).toBe(
      'invalid_blocks',
    );
    expect(await post([{ type: 'actions', elements: [btn('b'.repeat(76))] }])).toBe('invalid_blocks');
    expect(await post([{ type: 'actions', elements: [btn('b', 'x'.repeat(256))] }])).toBe('invalid_blocks');
    expect(
      await post([{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => btn('b', `a${i}`)) }]),
    ).toBe('invalid_blocks');
    expect(await post([{ type: 'actions', elements: [btn('b'), btn('c')] }])).toBe('invalid_blocks');
    expect(await post([{ type: 'header', text: { type: 'plain_text', text: 'ok' } }], 'C0NOPE')).toBe(
      'channel_not_found',
    );
    const stranger = new WebClient('xoxb-wrong', {
      slackApiUrl: h.slack.apiUrl,
      retryConfig: { retries: 0 },
    });
    await expect(stranger.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
  });

  it('stops retrying when Slack refuses the token, and says so', async () => {
    const old = h.slack.token;
    h.slack.token = 'xoxb-rotated';
    const slack = adapter();
    await sleep(1100);
    await expect(
      slack.post({ tenant: h.slack.team, kind: 'chat', id: CHANNELS.sales }, { text: 'x' }),
    ).rejects.toBeInstanceOf(PermanentDeliveryError);
    const calls = h.slack.calls.length;
    await expect(
      slack.post({ tenant: h.slack.team, kind: 'chat', id: CHANNELS.sales }, { text: 'y' }),
    ).rejects.toThrow(/invalid_auth/);
    expect(h.slack.calls.length).toBe(calls);
    h.slack.token = old;
  });
});
