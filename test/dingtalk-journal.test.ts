// DingTalk's callbacks and the inbound journal (issue 23): a robot message and a card click are recorded
// before their ack (a click is acked after a short budget whether or not its work is done), so what was
// acked survives a crash; a redelivery of the same msgId is done once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness, until } from './fakes/dingtalk/harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { ADMINS: 'dingtalk:boss', DINGTALK_GROUP_PER_MINUTE: '1000' } });
  await until(() => h.fake.openConnections === 1, 5000, 'the stream connection');
  await h.fake.robotMessage({ from: 'boss', text: 'me lang=en' });
  await h.fake.robotMessage({ from: 'li', text: 'me lang=en' });
  await h.fake.robotMessage({ from: 'boss', text: 'admin role @li sales_rep', mentions: ['li'] });
});
afterAll(() => h?.close());

const journalRow = async (eventId: string) =>
  (
    await h.query<{ kind: string | null; outcome: string | null }>(
      `select payload->>'kind' as kind, outcome from inbound_events where platform = 'dingtalk' and event_id = '${eventId}'`,
    )
  )[0];

it('a robot message is in the journal with its payload by the time it is acked, and done once', async () => {
  const sent = h.fake.robotMessage({ from: 'li', text: 'remind me +2h "dt journal"', msgId: 'dt-journal-1' });
  await sent;
  expect(await journalRow('msg:dt-journal-1')).toEqual({ kind: 'message', outcome: 'done' });
  // The same msgId on a new frame (a redelivery): nothing twice.
  await h.fake.robotMessage({ from: 'li', text: 'remind me +2h "dt journal"', msgId: 'dt-journal-1' });
  const [n] = await h.query<{ n: number }>(`select count(*)::int n from reminders where text = 'dt journal'`);
  expect(n?.n).toBe(1);
});

it('a card click is in the journal by the time it is acked', async () => {
  await h.fake.robotMessage({ from: 'li', text: 'customer add name="DT Journal Ltd"' });
  await h.fake.robotMessage({ from: 'li', text: 'lead add customer=C-0001 source=expo desc="x"' });
  await h.fake.robotMessage({ from: 'li', text: 'lead convert L-0001' });
  const ask = await until(
    () => [...h.fake.cards.values()].find((c) => JSON.stringify(c).includes('Please confirm')),
    10_000,
    'the confirmation card',
  );
  const label = h.fake.buttons(ask.outTrackId).find((b) => /confirm/i.test(b))!;
  const click = h.fake.click(ask.outTrackId, 'li', label);
  await click;
  expect((await journalRow(`card:${click.messageId}`))?.kind).toBe('action');
  await until(async () => (await journalRow(`card:${click.messageId}`))?.outcome === 'done', 10_000, 'done');
});
