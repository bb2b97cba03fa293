// The inbound journal on real PostgreSQL (src/core/inbound-journal.ts, inbound-pruning.ts): an event
// recorded and never done (the process died after its ack) is run by a sweep once and announced in the
// person's DM; two processes sweeping and a live delivery still run it once; a live process's lease is
// respected; a recovery that keeps crashing is given up and said so; done rows past the window are pruned,
// open ones never. Driven through the console adapter (a deliverer like any platform's).
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InboundJournal, type JournalEntry } from '../src/core/inbound-journal.ts';
import { INBOUND_KEEP_MS, pruneInboundEvents } from '../src/core/inbound-pruning.ts';
import { type Driver, startDriver } from './helpers/console.ts';

let d: Driver;
const log = pino({ level: 'silent' });
let seq = 0;

beforeAll(async () => {
  d = await startDriver();
  await d.say('li', 'me lang=en');
});
afterAll(() => d?.close());

const journal = (leaseMs = 0) =>
  new InboundJournal({ db: d.app.database.db, core: d.app.core, log, platform: 'console', leaseMs });

/** What the console adapter would have recorded for li typing `text` in their DM. */
const typed = (text: string): JournalEntry & { kind: 'message' } => ({
  kind: 'message',
  inbound: {
    user: { platform: 'console', tenant: '', externalId: 'li', name: 'li' },
    chat: { platform: 'console', tenant: '', chatId: 'dm:li', kind: 'dm' },
    text,
    eventId: `journal-test-${++seq}`,
  },
});
const reminders = async (text: string) =>
  (await d.query<{ n: number }>(`select count(*)::int n from reminders where text = '${text}'`))[0]!.n;
const row = async (eventId: string) =>
  (
    await d.query<{ outcome: string | null; done: boolean }>(
      `select outcome, done_at is not null as done from inbound_events where event_id = '${eventId}'`,
    )
  )[0];
const dmSays = async (needle: string) => {
  await d.app.delivery.drain();
  return (await d.messages('dm:li')).filter((m) => m.text.includes(needle));
};

it('a recorded event never done is run by the sweep once, and the person is told in their DM', async () => {
  const entry = typed('remind me +2h "swept once"');
  const j = journal();
  await j.record(entry);
  expect(await row(entry.inbound.eventId)).toEqual({ outcome: null, done: false });
  expect(await j.sweep()).toBe(1);
  expect(await reminders('swept once')).toBe(1);
  expect(await row(entry.inbound.eventId)).toEqual({ outcome: 'done', done: true });
  // Announced, with what it was, then the answer itself.
  const notes = await dmSays('reached us just before a restart');
  expect(notes.some((m) => m.text.includes('remind me +2h "swept once"'))).toBe(true);
  // The plain-text answer rides in the same message as the note: one message, not two.
  expect(notes.find((m) => m.text.includes('swept once'))?.text).toMatch(/R-\d{4}/);
  // A second sweep, and a late redelivery of the same event, do nothing again.
  expect(await j.sweep()).toBe(0);
  expect(await d.app.core.handleMessage(entry.inbound)).toEqual([]);
  expect(await reminders('swept once')).toBe(1);
});

it('two processes sweeping at once and a live delivery of the same events: each runs once', async () => {
  const entries = Array.from({ length: 12 }, (_, i) => typed(`remind me +2h "raced ${i}"`));
  const a = journal();
  const b = journal();
  for (const e of entries) await a.record(e);
  const [na, nb] = await Promise.all([
    a.sweep(),
    b.sweep(),
    ...entries.map((e) => d.app.core.handleMessage(e.inbound)),
  ]);
  // Each event was claimed by at most one sweep (a live run may have finished it first).
  expect(na! + nb!).toBeLessThanOrEqual(entries.length);
  for (let i = 0; i < entries.length; i++) expect(await reminders(`raced ${i}`), `raced ${i}`).toBe(1);
  for (const e of entries) expect((await row(e.inbound.eventId))?.outcome).toBe('done');
});

it('an event within the lease of the process that recorded it is left to that process', async () => {
  const entry = typed('remind me +2h "leased"');
  await journal(60_000).record(entry);
  expect(await journal().sweep()).toBe(0);
  expect(await reminders('leased')).toBe(0);
  // The live process runs it as usual.
  expect((await d.app.core.handleMessage(entry.inbound)).length).toBeGreaterThan(0);
  expect(await reminders('leased')).toBe(1);
});

it('a recovery that died three times is given up: marked failed, nothing done, the person told', async () => {
  const entry = typed('remind me +2h "crashed thrice"');
  await journal().record(entry);
  await d.query(`update inbound_events set attempts = 3 where event_id = '${entry.inbound.eventId}'`);
  expect(await journal().sweep()).toBe(1);
  expect(await reminders('crashed thrice')).toBe(0);
  expect(await row(entry.inbound.eventId)).toEqual({ outcome: 'failed', done: true });
  expect((await dmSays('could not be done after a restart')).length).toBe(1);
  // Given up is final: the live path finds it handled.
  expect(await d.app.core.handleMessage(entry.inbound)).toEqual([]);
  expect(await reminders('crashed thrice')).toBe(0);
});

it('prunes done and failed rows past the window; keeps recent ones and never one not done', async () => {
  const old = `now() - interval '${INBOUND_KEEP_MS + 3600_000} milliseconds'`;
  await d.query(`insert into inbound_events (platform, event_id, at, done_at, outcome, payload) values
    ('prune', 'old-done', ${old}, ${old}, 'done', null),
    ('prune', 'old-failed', ${old}, ${old}, 'failed', '{}'),
    ('prune', 'recent-done', ${old}, now() - interval '1 minute', 'done', '{}'),
    ('prune', 'old-open', ${old}, null, null, '{}')`);
  expect(await pruneInboundEvents(d.app.database.db)).toBeGreaterThanOrEqual(2);
  const left = await d.query<{ event_id: string }>(
    `select event_id from inbound_events where platform = 'prune' order by event_id`,
  );
  expect(left.map((r) => r.event_id)).toEqual(['old-open', 'recent-done']);
});
