// What people type for dates, times, phones and names, end to end through the console API (issues 22
// and 23): the time phrases that were refused now land where they mean, in the person's zone; phones are
// kept as typed; invisible direction controls never reach a record. Expected instants are worked out
// with Luxon from the moment of the command, in Asia/Shanghai (the organisation's zone).
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

const ZONE = 'Asia/Shanghai';
let d: Driver;

beforeAll(async () => {
  d = await startDriver();
  expect((await d.say('li', 'me lang=en')).text).toMatch(/Language: English/);
  expect(
    (await d.say('li', 'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000')).text,
  ).toContain('C-0001');
  expect((await d.say('li', 'lead add customer=C-0001 source=expo desc="needs sensors"')).text).toContain(
    'L-0001',
  );
  expect((await d.say('chen', '线索 新增 名称=星河电子 来源=展会')).text).toContain('L-0002');
});
afterAll(() => d?.close());

/** The lead's next due instant, in the organisation's zone, as yyyy-MM-dd HH:mm. */
async function nextDue(lead: string): Promise<string> {
  const [row] = await d.query<{ at: Date | string }>(
    `select next_due_at as at from leads where number = '${lead}'`,
  );
  return DateTime.fromJSDate(new Date(row!.at), { zone: ZONE }).toFormat('yyyy-MM-dd HH:mm');
}

const today = () => DateTime.now().setZone(ZONE).startOf('day');

describe('time phrases that were refused (issue 22)', () => {
  it('remind me in 2 hours "…" sets a reminder two hours from now', async () => {
    const before = Date.now();
    const r = await d.say('li', 'remind me in 2 hours "call Acme back"');
    const after = Date.now();
    expect(r.text).toMatch(/R-\d{4}: I will remind you at .*: call Acme back/);
    const [row] = await d.query<{ due: Date | string }>(
      `select o.due_at as due from reminder_occurrences o join reminders r on r.id = o.reminder_id
       where r.text like '%call Acme back%'`,
    );
    const due = new Date(row!.due).getTime();
    expect(due).toBeGreaterThanOrEqual(before + 2 * 3600_000 - 1000);
    expect(due).toBeLessThanOrEqual(after + 2 * 3600_000 + 1000);
  });

  it('due="Dec 20" is the coming 20 December, at 09:00', async () => {
    const r = await d.say('li', 'lead follow L-0001 note=called next=visit due="Dec 20"');
    expect(r.text).not.toMatch(/not valid|Something went wrong/);
    let dec20 = today().set({ month: 12, day: 20 });
    if (dec20 < today()) dec20 = dec20.plus({ years: 1 });
    expect(await nextDue('L-0001')).toBe(`${dec20.toISODate()} 09:00`);
  });

  it('截止=月底 is the last day of this month, at 09:00', async () => {
    const r = await d.say('chen', '线索 跟进 L-0002 备注=已沟通 下一步=报价 截止=月底');
    expect(r.text).not.toMatch(/无效|系统出错/);
    expect(await nextDue('L-0002')).toBe(`${today().endOf('month').toISODate()} 09:00`);
  });

  it('截止=下周五 15:00 without quotes is next week’s Friday at 15:00', async () => {
    const r = await d.say('chen', '线索 跟进 L-0002 备注=再次沟通 下一步=送样 截止=下周五 15:00');
    expect(r.text).not.toMatch(/无效|无法理解|系统出错/);
    const friday = today().startOf('week').plus({ weeks: 1, days: 4 });
    expect(await nextDue('L-0002')).toBe(`${friday.toISODate()} 15:00`);
  });

  it('截止=明天上午9点 is tomorrow at 09:00, and 截止＝明天 下午3点 (two words) tomorrow at 15:00', async () => {
    await d.say('chen', '线索 跟进 L-0002 备注=电话 下一步=拜访 截止=明天上午9点');
    expect(await nextDue('L-0002')).toBe(`${today().plus({ days: 1 }).toISODate()} 09:00`);
    await d.say('chen', '线索 跟进 L-0002 备注=电话 下一步=拜访 截止＝明天 下午3点');
    expect(await nextDue('L-0002')).toBe(`${today().plus({ days: 1 }).toISODate()} 15:00`);
  });

  it('a deadline of today is still taken (the past starts yesterday)', async () => {
    const r = await d.say('li', 'lead follow L-0001 note=called next=visit due=today');
    expect(r.text).not.toMatch(/past|not valid/);
    expect((await nextDue('L-0001')).slice(0, 10)).toBe(today().toISODate());
  });
});

describe('phones are validated and kept as typed (issue 22)', () => {
  it('stores 138 0000 0000 and 010-12345678 转 8 as they were written', async () => {
    const r = await d.say(
      'li',
      'customer add name="Spaced Phone Co" contact=Wu phone="138 0000 0001" fax="010-12345678 转 8"',
    );
    expect(r.text).toMatch(/C-\d{4}/);
    const [row] = await d.query<{ phone: string; fax: string }>(
      `select c.phone, c.fax from contacts c join customers k on k.id = c.customer_id where k.name = 'Spaced Phone Co'`,
    );
    expect(row).toEqual({ phone: '138 0000 0001', fax: '010-12345678 转 8' });
  });

  it('a lead’s phone is a phone too: 电话=12345 is refused and nothing is written', async () => {
    const [{ n: before }] = (await d.query<{ n: number }>(`select count(*)::int as n from leads`)) as [
      { n: number },
    ];
    const r = await d.say('chen', '线索 新增 名称=短号公司 来源=展会 电话=12345');
    expect(r.text).toContain('电话=“12345”无效');
    const [{ n: after }] = (await d.query<{ n: number }>(`select count(*)::int as n from leads`)) as [
      { n: number },
    ];
    expect(after).toBe(before);
  });
});

describe('bidirectional controls never reach a record (issue 23)', () => {
  it('a name typed with a right-to-left override is stored and shown without it', async () => {
    // "Acme ‮dtL" would show as "Acme Ltd" reversed around the override: a card that lies about the name.
    const r = await d.say('li', 'customer add name="Evil\u202eoC\u202c Trading" contact="Ma\u2067 Li\u2069"');
    expect(r.text).toContain('EviloC Trading');
    expect(r.text).not.toMatch(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    const rows = await d.query<{ name: string; contact: string }>(
      `select k.name, c.name as contact from customers k join contacts c on c.customer_id = k.id
       where k.name like 'Evil%'`,
    );
    expect(rows).toEqual([{ name: 'EviloC Trading', contact: 'Ma Li' }]);
  });
});
