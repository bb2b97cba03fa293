// Socket Mode: no public URL, no signing secret; Bolt's SocketModeReceiver connects to the fake Slack's
// WebSocket (opened with apps.connections.open and the app-level token) and acks envelopes over it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, type Harness, hasButtons, startHarness, uid } from './fakes/slack/harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({}, { socketMode: true });
  await h.waitFor(() => h.slack.socketConnections > 0, 'the Socket Mode connection');
});
afterAll(() => h?.close());

describe('Socket Mode', () => {
  it('connected with the app-level token and serves no HTTP endpoint', async () => {
    const open = h.slack.callsTo('apps.connections.open');
    expect(open.length).toBeGreaterThan(0);
    expect(open.at(-1)?.error).toBeUndefined();
    const res = await fetch(`${h.app.url}/slack/events`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
  });

  it('acks a slash command over the socket at once and answers ephemerally', async () => {
    const fields = h.slack.slashCommand(uid('li'), CHANNELS.sales, '/crm', 'help quote');
    const ack = await h.slack.socketSend('slash_commands', fields);
    expect(ack.ms).toBeLessThan(3000);
    const answer = await h.waitFor(
      () => h.slack.ephemeralsFor(uid('li'), CHANNELS.sales).find((m) => /quote|报价/i.test(m.text)),
      'the answer',
    );
    expect(answer.via).toBe('response_url');
  });

  it('does a retried event once and answers commands in the DM', async () => {
    const payload = {
      team_id: h.slack.team,
      api_app_id: 'A0SALESRELAY',
      type: 'event_callback',
      event_id: 'Ev0SOCKET1',
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: 'message',
        channel_type: 'im',
        channel: h.dm('admin'),
        user: uid('admin'),
        text: 'customer add name="Socket Ltd"',
        ts: `${Date.now() / 1000}`,
      },
    };
    await h.slack.socketSend('events_api', payload);
    await h.slack.socketSend('events_api', payload, { retryAttempt: 1 });
    await h.waitFor(
      () => h.slack.messagesIn(h.dm('admin')).find((m) => m.text.includes('C-0001')),
      'the answer',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect((await h.query(`select id from customers where name = 'Socket Ltd'`)).length).toBe(1);
  });

  it('takes button presses over the socket', async () => {
    await h.slack.socketSend(
      'events_api',
      {
        team_id: h.slack.team,
        type: 'event_callback',
        event_id: 'Ev0SOCKET2',
        event: {
          type: 'message',
          channel_type: 'im',
          channel: h.dm('admin'),
          user: uid('admin'),
          text: 'lead add customer=C-0001 source=expo desc=x',
        },
      },
      {},
    );
    await h.waitFor(() => h.slack.messagesIn(h.dm('admin')).find((m) => m.text.includes('L-0001')), 'lead');
    await h.slack.socketSend('events_api', {
      team_id: h.slack.team,
      type: 'event_callback',
      event_id: 'Ev0SOCKET3',
      event: {
        type: 'message',
        channel_type: 'im',
        channel: h.dm('admin'),
        user: uid('admin'),
        text: 'lead convert L-0001',
      },
    });
    const ask = await h.waitFor(() => h.slack.messagesIn(h.dm('admin')).find(hasButtons), 'the confirm card');
    const press = h.slack.blockAction(uid('admin'), ask, (b) => String(b.value).startsWith('confirm:'));
    const ack = await h.slack.socketSend('interactive', press);
    expect(ack.ms).toBeLessThan(3000);
    await h.waitFor(() => !hasButtons(ask), 'the card updated in place', 10_000);
    const [lead] = await h.query<{ status: string }>(`select status from leads where number = 'L-0001'`);
    expect(lead?.status).toBe('converted');
  });
});
