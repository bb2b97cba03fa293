// The Slack adapter through the real Bolt app and web-api client against the fake Slack, on real PostgreSQL:
// signatures, the 3-second ack, ephemeral answers, redelivery and double clicks, rate limits, error mapping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, type Harness, hasButtons, mention, startHarness, uid } from './fakes/slack/harness.ts';
import { sign } from './fakes/slack/signer.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const count = async (table: string) =>
  (await h.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0]!.n;

describe('requests from Slack', () => {
  it('answers a slash command with an ephemeral answer, acked at once', async () => {
    const sent = await h.command('li', 'help', { channel: CHANNELS.sales });
    expect(sent.status).toBe(200);
    expect(sent.ms).toBeLessThan(3000);
    const answer = await h.waitFor(() => h.slack.ephemeralsFor(uid('li'), CHANNELS.sales)[0], 'help answer');
    expect(answer.via).toBe('response_url');
    expect(answer.text.length).toBeGreaterThan(20);
    // Nobody else in the channel sees it.
    expect(h.slack.messagesIn(CHANNELS.sales).filter((m) => !m.ephemeralFor)).toEqual([]);
  });
});
