// Slack's requests on the way in (issue 23): a body over the limit is refused with 413 before it is read
// whole (by Content-Length, or counted as it streams); a request nothing could ack is not answered 200; and
// what is acked was recorded first (the inbound journal), for commands and for events alike.
import type { App as BoltApp } from '@slack/bolt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, slackRoutes } from '../adapters/slack/receiver.ts';
import { CHANNELS, type Harness, startHarness, uid } from './fakes/slack/harness.ts';
import { sign } from './fakes/slack/signer.ts';
import { postOversized } from './helpers/big-body.ts';

describe('the Slack route', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ DATABASE_POOL_MAX: '5' });
  });
  afterAll(() => h?.close());

  it('refuses a body over the limit with 413 by its Content-Length', async () => {
    const res = await postOversized(`${h.app.url}/slack/events`, MAX_BODY_BYTES + 1, { contentLength: true });
    expect(res.status).toBe(413);
  });

  it('refuses a body that streams past the limit with 413 without waiting for its end', async () => {
    // The body never ends: only a route that counts as it reads can answer at all.
    const res = await postOversized(`${h.app.url}/slack/events`, 2 * MAX_BODY_BYTES, {
      contentLength: false,
    });
    expect(res.status).toBe(413);
  });

  it('still takes a request under the limit', async () => {
    const [answer] = await h.say('li', 'help');
    expect(answer).toBeDefined();
  });

  it('records a slash command before the ack: the journal has it with its reply path, done once', async () => {
    const sent = await h.command('li', 'remind me +2h "journal check"', { channel: CHANNELS.sales });
    expect(sent.status).toBe(200);
    const eventId = `cmd:${sent.fields.team_id}:${sent.fields.trigger_id}`;
    const row = await h.waitFor(async () => {
      const [r] = await h.query<{
        payload: { kind: string; inbound: { text: string }; reply: { responseUrl: string } };
        outcome: string | null;
      }>(`select payload, outcome from inbound_events where platform = 'slack' and event_id = '${eventId}'`);
      return r?.outcome === 'done' && r;
    }, 'the command done');
    expect(row.payload.kind).toBe('message');
    expect(row.payload.inbound.text).toBe('remind me +2h "journal check"');
    expect(row.payload.reply.responseUrl).toBe(sent.fields.response_url);
  });

  it('records a DM event before its ack is sent', async () => {
    const team = h.slack.team;
    const body = {
      type: 'event_callback',
      team_id: team,
      event_id: 'Ev0JOURNAL1',
      event: { type: 'message', channel_type: 'im', user: uid('li'), text: 'help', channel: h.dm('li') },
    };
    const sent = await h.signer.event(body);
    expect(sent.status).toBe(200);
    // The ack came after the record: the row is there the moment the 200 is.
    const [row] = await h.query<{ kind: string }>(
      `select payload->>'kind' as kind from inbound_events where platform = 'slack' and event_id = 'evt:${team}:Ev0JOURNAL1'`,
    );
    expect(row?.kind).toBe('message');
  });
});

it('a request no listener acked (it could not be recorded) is answered 500, not 200', async () => {
  const secret = 'test-secret';
  const app = { processEvent: async () => {} } as unknown as BoltApp;
  const routes = slackRoutes({ app, signingSecret: secret, log: pino({ level: 'silent' }) });
  const raw = new URLSearchParams({ command: '/crm', text: 'help', team_id: 'T1', user_id: 'U1' }).toString();
  const ts = Math.floor(Date.now() / 1000);
  const res = await routes.request('/slack/events', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': sign(secret, ts, raw),
    },
    body: raw,
  });
  expect(res.status).toBe(500);
});
