// The core's guarantees independent of any adapter: redelivered events and repeated button presses act
// once, a failing flow leaves nothing behind, and people are created once however they arrive.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChatRef, InboundUser } from '../src/core/inbound.ts';
import { type Driver, startDriver } from './helpers/console.ts';

let d: Driver;
const chat: ChatRef = { platform: 'console', tenant: '', chatId: 'sales', kind: 'group' };
const li: InboundUser = { platform: 'console', tenant: '', externalId: 'li' };

beforeAll(async () => {
  d = await startDriver();
  await d.say('li', 'me lang=en');
});
afterAll(() => d?.close());

it('a redelivered message (same event id) is handled once', async () => {
  const inbound = { user: li, chat, text: 'customer add name="Once Ltd"', eventId: 'evt-1' };
  const [first, second] = await Promise.all([
    d.app.core.handleMessage(inbound),
    d.app.core.handleMessage(inbound),
  ]);
  const third = await d.app.core.handleMessage(inbound);
  const answered = [first, second, third].filter((r) => r.length > 0);
  expect(answered.length).toBe(1);
  expect(answered[0]![0]!.text).toContain('C-0001');
  expect(await d.query(`select 1 from customers where name = 'Once Ltd'`)).toHaveLength(1);
});

it('the same Confirm pressed twice at once converts once', async () => {
  await d.say('li', 'lead add name="Twice Co" source=online');
  const [ask] = await d.app.core.handleMessage({ user: li, chat, text: 'lead convert L-0001' });
  const confirm = ask!.card!.actions.find((a) => a.id.startsWith('confirm:'))!;
  const press = () => d.app.core.handleAction({ user: li, chat, actionId: confirm.id });
  const results = await Promise.all([press(), press(), press()]);
  const texts = results.map((r) => r[0]!.text);
  expect(texts.filter((t) => /converted to C-0002/.test(t))).toHaveLength(1);
  expect(texts.filter((t) => /already confirmed/.test(t))).toHaveLength(2);
  expect(await d.query(`select 1 from customers where name = 'Twice Co'`)).toHaveLength(1);
});

it('Cancel changes nothing and the card loses its buttons', async () => {
  await d.say('li', 'lead add name="Cancel Co" source=online');
  const ask = await d.say('li', 'lead convert L-0002', 'sales');
  const cancel = ask.card!.actions.find((a) => a.id.startsWith('cancel:'))!;
  const r = await d.press('li', ask.id, cancel.id);
  expect(r.replies[0]?.text).toMatch(/Cancelled/);
  expect((await d.messages('sales')).find((m) => m.id === ask.id)?.card?.actions).toEqual([]);
  expect(await d.query(`select 1 from leads where number = 'L-0002' and status = 'converted'`)).toHaveLength(
    0,
  );
});

it('an unknown or forged action id is refused without effect', async () => {
  for (const actionId of [
    'confirm:not-a-uuid',
    'confirm:00000000-0000-0000-0000-000000000000',
    'explode:now',
    'run:',
  ]) {
    const [r] = await d.app.core.handleAction({ user: li, chat, actionId });
    expect(r?.text.length).toBeGreaterThan(0);
  }
  expect(await d.query(`select 1 from leads where status = 'converted'`)).toHaveLength(1);
});

it('a refusal half-way through a flow rolls its writes back', async () => {
  const before = await d.query(`select count(*)::int as n from record_history`);
  // The update of the customer row runs first; then the flow finds no contact to put the phone on and refuses.
  const r = await d.say('li', 'customer update C-0001 industry=steel phone=13900000000');
  expect(r.text).toMatch(/no contact yet/);
  expect(await d.query(`select industry from customers where number = 'C-0001'`)).toEqual([
    { industry: null },
  ]);
  expect(await d.query(`select count(*)::int as n from record_history`)).toEqual(before);
});

it('two first messages from a new person at once create one person', async () => {
  const newcomer: InboundUser = { platform: 'console', tenant: '', externalId: 'newbie', name: 'New Bie' };
  await Promise.all(
    Array.from({ length: 5 }, () => d.app.core.handleMessage({ user: newcomer, chat, text: 'me' })),
  );
  expect(await d.query(`select 1 from identities where external_id = 'newbie'`)).toHaveLength(1);
  expect(await d.query(`select 1 from people where name = 'New Bie'`)).toHaveLength(1);
});
