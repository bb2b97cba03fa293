// People's own reminders: created in the person's zone, fired once into their chat with Done and Snooze,
// repeating ones carry on, and the calendar keeps system reminders in working time.
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireOccurrence } from '../src/schedule/fire.ts';
import { type Driver, startDriver } from './helpers/console.ts';

let d: Driver;
/** Reminder numbers as the replies gave them (the weekly digests take numbers too). */
const num: Record<string, string> = {};
const numberIn = (text: string) => /R-\d{4}/.exec(text)![0];
beforeAll(async () => {
  d = await startDriver();
  for (const p of ['li', 'wang']) await d.say(p, 'me lang=en');
});
afterAll(() => d?.close());

const occurrences = (number: string) =>
  d.query<{ id: string; due: string; state: string }>(
    `select o.id::text, to_char(o.due_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') as due, o.state
       from reminder_occurrences o join reminders r on r.id = o.reminder_id where r.number = '${number}' order by o.id`,
  );

describe('remind', () => {
  it('remind me tomorrow 09:00 "…" makes one occurrence at 09:00 Shanghai time tomorrow', async () => {
    const r = await d.say('li', 'remind me tomorrow 09:00 "call Acme"');
    expect(r.text).toMatch(/R-\d{4}: I will remind you .*call Acme/);
    num.acme = numberIn(r.text);
    const tomorrow = DateTime.now().setZone('Asia/Shanghai').plus({ days: 1 }).toISODate();
    expect(await occurrences(num.acme!)).toEqual([
      { id: expect.any(String), due: `${tomorrow} 09:00`, state: 'scheduled' },
    ]);
    expect((await d.say('li', 'remind list')).text).toContain('call Acme');
  });

  it('fires once, with Done and Snooze; Done closes the card everywhere', async () => {
    const [occ] = await occurrences(num.acme!);
    const at = new Date(Date.now() + 86_400_000 * 2);
    expect(await fireOccurrence(d.app.database.db, Number(occ!.id), at)).toBe('fired');
    expect(await fireOccurrence(d.app.database.db, Number(occ!.id), at)).toBe('skipped');
    await d.app.delivery.drain();
    const cards = (await d.messages('dm:li')).filter((m) => m.card?.title.includes('Reminder'));
    expect(cards).toHaveLength(1);
    expect(cards[0]!.card!.actions.map((a) => a.label)).toEqual([
      'Done',
      'Snooze 1 hour',
      'Snooze 1 working day',
    ]);
    const done = await d.press('li', cards[0]!.id, `run:remind done ${occ!.id}`);
    expect(done.replies[0]?.text).toMatch(new RegExp(`Done: ${num.acme}`));
    const after = (await d.messages('dm:li')).find((m) => m.id === cards[0]!.id);
    expect(after?.card?.actions).toEqual([]);
    expect(after?.card?.note).toMatch(/Done by Li/);
    expect((await occurrences(num.acme!))[0]?.state).toBe('done');
  });

  it('snooze makes a new occurrence an hour later and closes the old card', async () => {
    num.catalogue = numberIn((await d.say('li', 'remind me +2h "send the catalogue"')).text);
    const [occ] = await occurrences(num.catalogue!);
    await fireOccurrence(d.app.database.db, Number(occ!.id));
    await d.app.delivery.drain();
    const r = await d.app.core.handleAction({
      user: { platform: 'console', tenant: '', externalId: 'li' },
      chat: { platform: 'console', tenant: '', chatId: 'dm:li', kind: 'dm' },
      actionId: `run:remind snooze ${occ!.id} for=1h`,
    });
    expect(r[0]?.text).toMatch(/remind again at/);
    const rows = await occurrences(num.catalogue!);
    expect(rows.map((o) => o.state)).toEqual(['snoozed', 'scheduled']);
    // A second press on the old card does nothing more.
    const again = await d.app.core.handleAction({
      user: { platform: 'console', tenant: '', externalId: 'li' },
      chat: { platform: 'console', tenant: '', chatId: 'dm:li', kind: 'dm' },
      actionId: `run:remind snooze ${occ!.id} for=1h`,
    });
    expect(again[0]?.text).toMatch(/no longer open/);
    expect(await occurrences(num.catalogue!)).toHaveLength(2);
  });

  it('a repeating reminder to a chat schedules the next one when it fires', async () => {
    const r = await d.say('wang', 'remind #sales every monday 09:00 "weekly pipeline review"');
    num.review = numberIn(r.text);
    const [first] = await occurrences(num.review!);
    expect(DateTime.fromFormat(first!.due, 'yyyy-MM-dd HH:mm').weekday).toBe(1);
    await fireOccurrence(d.app.database.db, Number(first!.id), new Date(Date.now() + 8 * 86_400_000));
    const rows = await occurrences(num.review!);
    expect(rows).toHaveLength(2);
    const [a, b] = rows.map((o) => DateTime.fromFormat(o.due, 'yyyy-MM-dd HH:mm'));
    expect(b!.diff(a!, 'days').days).toBe(7);
    await d.app.delivery.drain();
    expect((await d.messages('sales')).some((m) => m.text.includes('weekly pipeline review'))).toBe(true);
    expect((await d.say('wang', `remind cancel ${num.review}`)).text).toMatch(/cancelled/);
    expect((await occurrences(num.review!)).map((o) => o.state)).toEqual(['fired', 'cancelled']);
  });

  it('bad reminders are refused clearly and write nothing', async () => {
    const before = await d.query(`select 1 from reminders`);
    for (const [text, answer] of [
      ['remind me', /Missing: when/],
      ['remind me tomorrow', /Missing: when|Say when and what/],
      ['remind me yesterday-ish "x"', /not a time I understand/],
      ['remind someone tomorrow "x"', /Say whom to remind/],
      ['remind me every blursday 09:00 "x"', /Repeat like/],
      ['remind @nobody tomorrow "x"', /don't know @nobody/],
    ] as const) {
      expect((await d.say('li', text)).text).toMatch(answer);
    }
    expect(await d.query(`select 1 from reminders`)).toEqual(before);
    expect((await d.say('li', `remind cancel ${num.review}`)).text).toMatch(/not yours/);
  });

  it('Chinese: 提醒 我 明天 14:30 "给华星打电话"; 每个工作日 18:00', async () => {
    await d.say('li', 'me lang=zh');
    expect((await d.say('li', '提醒 我 明天 14:30 "给华星打电话"')).text).toMatch(/将于 .* 14:30 提醒您/);
    expect((await d.say('li', '提醒 我 每个工作日 18:00 "写日报"')).text).toMatch(/每个工作日 18:00/);
  });
});
