// Record numbers are unique and gap-free under concurrent creation, on PostgreSQL.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

let d: Driver;
beforeAll(async () => {
  d = await startDriver();
});
afterAll(() => d?.close());

it('60 customers created at once get C-0001 … C-0060, each exactly once', async () => {
  const reps = ['li', 'chen', 'wang'];
  const replies = await Promise.all(
    Array.from({ length: 60 }, (_, i) => d.say(reps[i % 3]!, `customer add name="Parallel ${i}"`)),
  );
  const numbers = replies.map((r) => /C-\d{4}/.exec(r.text)?.[0]);
  expect(numbers.every(Boolean)).toBe(true);
  const expected = Array.from({ length: 60 }, (_, i) => `C-${String(i + 1).padStart(4, '0')}`);
  expect([...numbers].sort()).toEqual(expected);
  const rows = await d.query<{ number: string }>(`select number from customers order by number`);
  expect(rows.map((r) => r.number)).toEqual(expected);
});

it('a refused command does not use up a number', async () => {
  const [taken] = await d.query<{ number: string }>(`select number from customers where name = 'Parallel 3'`);
  const r = await d.say('li', 'customer add name="Parallel 3"');
  expect(r.text).toContain(`已登记为客户 ${taken!.number}`);
  expect((await d.say('li', 'customer add name="Next One"')).text).toContain('C-0061');
});

it('numbers of different kinds are counted separately', async () => {
  expect((await d.say('li', 'lead add customer=C-0001 source=online')).text).toContain('L-0001');
  expect((await d.say('li', 'quote new customer=C-0001 item="A | | 1 | 1"')).text).toContain('Q-0001');
  expect((await d.say('li', 'order new customer=C-0001 item="A | | 1 | 1"')).text).toContain('SO-0001');
});
