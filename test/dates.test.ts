// Dates and times as people type them (commands.md: "Dates and times in the person's time zone"), resolved
// against a fixed `now`. Calendar facts used below: 2026-03-02 is a Monday; 2026-12-04 is a Friday;
// New York leaves EST (UTC-5) for EDT (UTC-4) at 02:00 on 2026-03-08 and returns at 02:00 on 2026-11-01;
// Shanghai is UTC+8 all year.
import { describe, expect, it } from 'vitest';
import { type DateExpr, parseDateExpr, resolveDate } from '../src/commands/dates.ts';
import { UserError } from '../src/core/errors.ts';

const SH = 'Asia/Shanghai';
const NY = 'America/New_York';

function expr(raw: string): DateExpr {
  const r = parseDateExpr(raw);
  if (!r.ok) throw new Error(`${raw} did not parse`);
  return r.value;
}

/** Resolves `raw` at `now` in `zone`: the calendar date, the UTC instant, and whether a time was given. */
function at(raw: string, zone: string, now: string) {
  const r = resolveDate(expr(raw), zone, new Date(now));
  return { date: r.date, utc: r.at.toISOString(), hasTime: r.hasTime };
}

describe('parseDateExpr', () => {
  it.each<[string, DateExpr]>([
    ['2026-12-04', { kind: 'absolute', year: 2026, month: 12, day: 4 }],
    ['2026/12/04', { kind: 'absolute', year: 2026, month: 12, day: 4 }],
    ['2026.12.4', { kind: 'absolute', year: 2026, month: 12, day: 4 }],
    ['2026年12月4日', { kind: 'absolute', year: 2026, month: 12, day: 4 }],
    ['12-04', { kind: 'monthDay', month: 12, day: 4 }],
    ['12/4', { kind: 'monthDay', month: 12, day: 4 }],
    ['12月4日', { kind: 'monthDay', month: 12, day: 4 }],
    ['today', { kind: 'relative', days: 0 }],
    ['Today', { kind: 'relative', days: 0 }],
    ['今天', { kind: 'relative', days: 0 }],
    ['tomorrow', { kind: 'relative', days: 1 }],
    ['明天', { kind: 'relative', days: 1 }],
    ['后天', { kind: 'relative', days: 2 }],
    ['+3d', { kind: 'relative', days: 3 }],
    ['+3', { kind: 'relative', days: 3 }],
    ['+3天', { kind: 'relative', days: 3 }],
    ['+2w', { kind: 'relative', days: 14 }],
    ['+2周', { kind: 'relative', days: 14 }],
    ['+5h', { kind: 'hours', hours: 5 }],
    ['14:30', { kind: 'relative', days: 0, time: { hour: 14, minute: 30 } }],
    ['14：30', { kind: 'relative', days: 0, time: { hour: 14, minute: 30 } }],
    ['9:05', { kind: 'relative', days: 0, time: { hour: 9, minute: 5 } }],
    ['14点30分', { kind: 'relative', days: 0, time: { hour: 14, minute: 30 } }],
    ['明天 14:30', { kind: 'relative', days: 1, time: { hour: 14, minute: 30 } }],
    ['明天14:30', { kind: 'relative', days: 1, time: { hour: 14, minute: 30 } }],
    ['tomorrow  9:00', { kind: 'relative', days: 1, time: { hour: 9, minute: 0 } }],
    ['2026-12-04 14:30', { kind: 'absolute', year: 2026, month: 12, day: 4, time: { hour: 14, minute: 30 } }],
    ['monday', { kind: 'weekday', weekday: 1, nextWeek: false }],
    ['Fri', { kind: 'weekday', weekday: 5, nextWeek: false }],
    ['next monday', { kind: 'weekday', weekday: 1, nextWeek: true }],
    ['Next Monday', { kind: 'weekday', weekday: 1, nextWeek: true }],
    ['next-friday', { kind: 'weekday', weekday: 5, nextWeek: true }],
    ['周一', { kind: 'weekday', weekday: 1, nextWeek: false }],
    ['星期日', { kind: 'weekday', weekday: 7, nextWeek: false }],
    ['下周一', { kind: 'weekday', weekday: 1, nextWeek: true }],
    ['下星期五', { kind: 'weekday', weekday: 5, nextWeek: true }],
    ['下周一 10:00', { kind: 'weekday', weekday: 1, nextWeek: true, time: { hour: 10, minute: 0 } }],
  ])('%s', (raw, parsed) => {
    expect(parseDateExpr(raw)).toEqual({ ok: true, value: parsed });
  });

  it('reads 12.04 as 4 December, like 12.4 and 2026.12.04, not as the time 12:04', () => {
    expect(parseDateExpr('12.04')).toEqual({ ok: true, value: { kind: 'monthDay', month: 12, day: 4 } });
    expect(parseDateExpr('1.15')).toEqual({ ok: true, value: { kind: 'monthDay', month: 1, day: 15 } });
    expect(parseDateExpr('12.4')).toEqual(parseDateExpr('12.04'));
  });

  it.each([
    ['2026-02-30', 'no 30 February'],
    ['2026-02-29', 'no 29 February in 2026'],
    ['2026-13-01', 'no month 13'],
    ['2026-04-31', 'no 31 April'],
    ['02-30', 'no 30 February in any year'],
    ['25:00', 'no hour 25'],
    ['24:00', 'the day has no hour 24'],
    ['14:60', 'no minute 60'],
    ['明天 25:00', 'a good day with a bad time'],
    ['+5h 14:30', 'hours from now with a time'],
    ['+1000d', 'more than three digits'],
    ['-3d', 'in the past'],
    ['next week', 'not a day'],
    ['someday', 'not a day'],
    ['', 'empty'],
    ['2026-12-04'.repeat(5), 'too long'],
  ])('refuses %j (%s) with an example', (raw) => {
    expect(parseDateExpr(raw)).toEqual({ ok: false, problem: 'date', example: '2026-12-04' });
  });

  it('accepts 29 February in a leap year', () => {
    expect(parseDateExpr('2028-02-29').ok).toBe(true);
  });
});

describe('resolveDate: a date without a time falls at 09:00 in the person’s zone', () => {
  it.each([
    [SH, '2026-12-04T01:00:00.000Z'],
    [NY, '2026-12-04T14:00:00.000Z'],
  ])('2026-12-04 in %s is %s', (zone, utc) => {
    expect(at('2026-12-04', zone, '2026-06-01T00:00:00Z')).toEqual({
      date: '2026-12-04',
      utc,
      hasTime: false,
    });
  });

  it.each([
    [SH, '2026-12-04T06:30:00.000Z'],
    [NY, '2026-12-04T19:30:00.000Z'],
  ])('2026-12-04 14:30 in %s is %s and has a time', (zone, utc) => {
    expect(at('2026-12-04 14:30', zone, '2026-06-01T00:00:00Z')).toEqual({
      date: '2026-12-04',
      utc,
      hasTime: true,
    });
  });

  it('takes another default time when the caller gives one', () => {
    const r = resolveDate(expr('2026-12-04'), SH, new Date('2026-06-01T00:00:00Z'), { hour: 18, minute: 0 });
    expect(r.at.toISOString()).toBe('2026-12-04T10:00:00.000Z');
  });

  it('2026/12/04 and 2026年12月4日 are the same instant as 2026-12-04', () => {
    const now = '2026-06-01T00:00:00Z';
    expect(at('2026/12/04', SH, now)).toEqual(at('2026-12-04', SH, now));
    expect(at('2026年12月4日', SH, now)).toEqual(at('2026-12-04', SH, now));
  });
});

describe('resolveDate: relative to today in the person’s zone', () => {
  // 17:00 UTC on Friday 4 December: already Saturday 5 December 01:00 in Shanghai, still Friday noon in New York.
  const now = '2026-12-04T17:00:00Z';

  it('today / 今天', () => {
    expect(at('today', SH, now)).toEqual({
      date: '2026-12-05',
      utc: '2026-12-05T01:00:00.000Z',
      hasTime: false,
    });
    expect(at('今天', NY, now)).toEqual({
      date: '2026-12-04',
      utc: '2026-12-04T14:00:00.000Z',
      hasTime: false,
    });
  });

  it('tomorrow / 明天 and 后天', () => {
    expect(at('tomorrow', SH, now).date).toBe('2026-12-06');
    expect(at('明天', NY, now).date).toBe('2026-12-05');
    expect(at('后天', SH, now).date).toBe('2026-12-07');
    expect(at('后天', NY, now).date).toBe('2026-12-06');
  });

  it('14:30 is today at 14:30', () => {
    expect(at('14:30', SH, now)).toEqual({
      date: '2026-12-05',
      utc: '2026-12-05T06:30:00.000Z',
      hasTime: true,
    });
    expect(at('14:30', NY, now)).toEqual({
      date: '2026-12-04',
      utc: '2026-12-04T19:30:00.000Z',
      hasTime: true,
    });
  });

  it('明天 14:30 is tomorrow at 14:30', () => {
    expect(at('明天 14:30', SH, now)).toEqual({
      date: '2026-12-06',
      utc: '2026-12-06T06:30:00.000Z',
      hasTime: true,
    });
    expect(at('明天 14:30', NY, now)).toEqual({
      date: '2026-12-05',
      utc: '2026-12-05T19:30:00.000Z',
      hasTime: true,
    });
  });

  it('+3d and +2w count calendar days from today, at 09:00', () => {
    expect(at('+3d', SH, now)).toEqual({
      date: '2026-12-08',
      utc: '2026-12-08T01:00:00.000Z',
      hasTime: false,
    });
    expect(at('+2w', NY, now)).toEqual({
      date: '2026-12-18',
      utc: '2026-12-18T14:00:00.000Z',
      hasTime: false,
    });
  });

  it('+5h is five hours from now, whatever the zone', () => {
    expect(at('+5h', SH, now)).toEqual({
      date: '2026-12-05',
      utc: '2026-12-04T22:00:00.000Z',
      hasTime: true,
    });
    expect(at('+5h', NY, now)).toEqual({
      date: '2026-12-04',
      utc: '2026-12-04T22:00:00.000Z',
      hasTime: true,
    });
  });

  it('+5h late in the evening lands on the next calendar day', () => {
    // 22:00 in Shanghai on 4 December.
    expect(at('+5h', SH, '2026-12-04T14:00:00Z').date).toBe('2026-12-05');
  });

  it('12-04 is this year while it has not passed, next year once it has', () => {
    // In New York it is still 4 December: today counts.
    expect(at('12-04', NY, now).date).toBe('2026-12-04');
    // In Shanghai 4 December is over: next year's.
    expect(at('12-04', SH, now).date).toBe('2027-12-04');
    expect(at('12-05', SH, now).date).toBe('2026-12-05');
    expect(at('01-15', SH, now).date).toBe('2027-01-15');
    expect(at('11-30', NY, now).date).toBe('2027-11-30');
  });

  it('02-29 goes to the next year that has one', () => {
    expect(at('02-29', SH, now).date).toBe('2028-02-29');
  });
});

describe('resolveDate: weekdays', () => {
  // The week of Monday 2 March 2026 (… Sunday 8 March); the next week starts on Monday 9 March.
  const days = [
    ['Monday', '2026-03-02'],
    ['Tuesday', '2026-03-03'],
    ['Wednesday', '2026-03-04'],
    ['Thursday', '2026-03-05'],
    ['Friday', '2026-03-06'],
    ['Saturday', '2026-03-07'],
    ['Sunday', '2026-03-08'],
  ] as const;
  /** 10:00 in Shanghai on that day. */
  const nowOn = (date: string) => `${date}T02:00:00Z`;

  // monday / 周一: the next Monday after today (today being Monday means a week from today).
  // next monday / 下周一: the Monday of next week.
  const expected: Record<string, Record<string, string>> = {
    monday: {
      Monday: '2026-03-09',
      Tuesday: '2026-03-09',
      Wednesday: '2026-03-09',
      Thursday: '2026-03-09',
      Friday: '2026-03-09',
      Saturday: '2026-03-09',
      Sunday: '2026-03-09',
    },
    'next monday': {
      Monday: '2026-03-09',
      Tuesday: '2026-03-09',
      Wednesday: '2026-03-09',
      Thursday: '2026-03-09',
      Friday: '2026-03-09',
      Saturday: '2026-03-09',
      Sunday: '2026-03-09',
    },
    friday: {
      Monday: '2026-03-06',
      Tuesday: '2026-03-06',
      Wednesday: '2026-03-06',
      Thursday: '2026-03-06',
      Friday: '2026-03-13',
      Saturday: '2026-03-13',
      Sunday: '2026-03-13',
    },
    'next friday': {
      Monday: '2026-03-13',
      Tuesday: '2026-03-13',
      Wednesday: '2026-03-13',
      Thursday: '2026-03-13',
      Friday: '2026-03-13',
      Saturday: '2026-03-13',
      Sunday: '2026-03-13',
    },
    sunday: {
      Monday: '2026-03-08',
      Tuesday: '2026-03-08',
      Wednesday: '2026-03-08',
      Thursday: '2026-03-08',
      Friday: '2026-03-08',
      Saturday: '2026-03-08',
      Sunday: '2026-03-15',
    },
    'next sunday': {
      Monday: '2026-03-15',
      Tuesday: '2026-03-15',
      Wednesday: '2026-03-15',
      Thursday: '2026-03-15',
      Friday: '2026-03-15',
      Saturday: '2026-03-15',
      Sunday: '2026-03-15',
    },
  };
  const chinese: Record<string, string> = {
    monday: '周一',
    'next monday': '下周一',
    friday: '星期五',
    'next friday': '下周五',
    sunday: '周日',
    'next sunday': '下周日',
  };

  for (const [phrase, byDay] of Object.entries(expected)) {
    for (const [weekday, today] of days) {
      it(`${phrase} / ${chinese[phrase]} said on ${weekday} ${today} is ${byDay[weekday]}`, () => {
        const want = { date: byDay[weekday]!, utc: `${byDay[weekday]}T01:00:00.000Z`, hasTime: false };
        expect(at(phrase, SH, nowOn(today))).toEqual(want);
        expect(at(chinese[phrase]!, SH, nowOn(today))).toEqual(want);
      });
    }
  }

  it('a weekday in New York follows New York’s calendar, not UTC’s', () => {
    // 03:00 UTC on Tuesday 3 March is still Monday 2 March, 22:00, in New York.
    expect(at('tuesday', NY, '2026-03-03T03:00:00Z').date).toBe('2026-03-03');
    expect(at('tuesday', SH, '2026-03-03T03:00:00Z').date).toBe('2026-03-10');
  });

  it('下周一 10:00 is next week’s Monday at 10:00', () => {
    expect(at('下周一 10:00', SH, nowOn('2026-03-04'))).toEqual({
      date: '2026-03-09',
      utc: '2026-03-09T02:00:00.000Z',
      hasTime: true,
    });
  });
});

describe('resolveDate: daylight saving time in New York', () => {
  it('2026-03-08 (the day clocks go forward) at 09:00 is EDT, UTC-4', () => {
    expect(at('2026-03-08', NY, '2026-03-01T12:00:00Z').utc).toBe('2026-03-08T13:00:00.000Z');
    expect(at('2026-03-07', NY, '2026-03-01T12:00:00Z').utc).toBe('2026-03-07T14:00:00.000Z');
  });

  it('2026-11-01 (the day clocks go back) at 09:00 is EST, UTC-5', () => {
    expect(at('2026-11-01', NY, '2026-10-01T12:00:00Z').utc).toBe('2026-11-01T14:00:00.000Z');
    expect(at('2026-10-31', NY, '2026-10-01T12:00:00Z').utc).toBe('2026-10-31T13:00:00.000Z');
  });

  it('the same dates in Shanghai are unaffected', () => {
    expect(at('2026-03-08', SH, '2026-03-01T12:00:00Z').utc).toBe('2026-03-08T01:00:00.000Z');
    expect(at('2026-11-01', SH, '2026-10-01T12:00:00Z').utc).toBe('2026-11-01T01:00:00.000Z');
  });

  it('tomorrow across the change is the next calendar day at 09:00, not 24 hours later', () => {
    // Saturday 7 March 10:00 EST → Sunday 8 March 09:00 EDT: 22 hours.
    const r = at('tomorrow', NY, '2026-03-07T15:00:00Z');
    expect(r).toEqual({ date: '2026-03-08', utc: '2026-03-08T13:00:00.000Z', hasTime: false });
    // Saturday 31 October 10:00 EDT → Sunday 1 November 09:00 EST: 24 hours.
    expect(at('+1d', NY, '2026-10-31T14:00:00Z').utc).toBe('2026-11-01T14:00:00.000Z');
  });

  it('+5h across the change is five real hours', () => {
    // 01:30 EST on 8 March; five hours later it is 07:30 EDT.
    expect(at('+5h', NY, '2026-03-08T06:30:00Z')).toEqual({
      date: '2026-03-08',
      utc: '2026-03-08T11:30:00.000Z',
      hasTime: true,
    });
  });

  it('a wall-clock time skipped by the change (02:30 on 8 March) moves forward by the gap, to 03:30 EDT', () => {
    expect(at('2026-03-08 02:30', NY, '2026-03-01T12:00:00Z')).toEqual({
      date: '2026-03-08',
      utc: '2026-03-08T07:30:00.000Z',
      hasTime: true,
    });
  });

  it('a wall-clock time that happens twice (01:30 on 1 November) is one of its two instants', () => {
    const r = at('2026-11-01 01:30', NY, '2026-10-01T12:00:00Z');
    expect(r.date).toBe('2026-11-01');
    expect(['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z']).toContain(r.utc);
  });
});

// Issue 22: time phrases that were refused. Wednesday 2 December 2026, 10:40 in Shanghai (02:40 UTC).
describe('time phrases people type (hand rules, then chrono-node), in the person’s zone', () => {
  const now = '2026-12-02T02:40:00Z';

  it.each<[string, DateExpr]>([
    ['in 2 hours', { kind: 'hours', hours: 2 }],
    ['in an hour', { kind: 'hours', hours: 1 }],
    ['in 30 minutes', { kind: 'minutes', minutes: 30 }],
    ['in 3 days', { kind: 'relative', days: 3 }],
    ['in 2 weeks', { kind: 'relative', days: 14 }],
    ['2小时后', { kind: 'hours', hours: 2 }],
    ['两个小时后', { kind: 'hours', hours: 2 }],
    ['30分钟后', { kind: 'minutes', minutes: 30 }],
    ['3天后', { kind: 'relative', days: 3 }],
    ['两周后', { kind: 'relative', days: 14 }],
    ['月底', { kind: 'periodEnd', unit: 'month', offset: 0 }],
    ['本月底', { kind: 'periodEnd', unit: 'month', offset: 0 }],
    ['下月底', { kind: 'periodEnd', unit: 'month', offset: 1 }],
    ['下个月底', { kind: 'periodEnd', unit: 'month', offset: 1 }],
    ['年底', { kind: 'periodEnd', unit: 'year', offset: 0 }],
    ['end of month', { kind: 'periodEnd', unit: 'month', offset: 0 }],
    ['end of next month', { kind: 'periodEnd', unit: 'month', offset: 1 }],
    ['月底 15:00', { kind: 'periodEnd', unit: 'month', offset: 0, time: { hour: 15, minute: 0 } }],
    ['Dec 20', { kind: 'phrase', text: 'Dec 20' }],
    ['明天上午9点', { kind: 'phrase', text: '明天上午9点' }],
  ])('parses %s', (raw, parsed) => {
    expect(parseDateExpr(raw)).toEqual({ ok: true, value: parsed });
  });

  it.each([
    ['in 2 hours', SH, '2026-12-02', '2026-12-02T04:40:00.000Z', true],
    ['2小时后', SH, '2026-12-02', '2026-12-02T04:40:00.000Z', true],
    ['in 30 minutes', SH, '2026-12-02', '2026-12-02T03:10:00.000Z', true],
    ['明天上午9点', SH, '2026-12-03', '2026-12-03T01:00:00.000Z', true],
    ['明天下午3点', SH, '2026-12-03', '2026-12-03T07:00:00.000Z', true],
    ['今晚8点', SH, '2026-12-02', '2026-12-02T12:00:00.000Z', true],
    ['Dec 20', SH, '2026-12-20', '2026-12-20T01:00:00.000Z', false],
    ['December 20 3pm', SH, '2026-12-20', '2026-12-20T07:00:00.000Z', true],
    ['Dec 20', NY, '2026-12-20', '2026-12-20T14:00:00.000Z', false],
    ['tomorrow 3pm', NY, '2026-12-02', '2026-12-02T20:00:00.000Z', true],
    ['next friday 3pm', SH, '2026-12-11', '2026-12-11T07:00:00.000Z', true],
    ['12月20日下午3点', SH, '2026-12-20', '2026-12-20T07:00:00.000Z', true],
    ['月底', SH, '2026-12-31', '2026-12-31T01:00:00.000Z', false],
    ['下月底', SH, '2027-01-31', '2027-01-31T01:00:00.000Z', false],
    ['end of month', SH, '2026-12-31', '2026-12-31T01:00:00.000Z', false],
    ['下周五 15:00', SH, '2026-12-11', '2026-12-11T07:00:00.000Z', true],
  ])('%s in %s on Wednesday 2 December is %s (%s)', (raw, zone, date, utc, hasTime) => {
    expect(at(raw, zone, now)).toEqual({ date, utc, hasTime });
  });

  it('Dec 1, already past this year, is next year’s (as 12-01 is)', () => {
    expect(at('Dec 1', SH, now).date).toBe('2027-12-01');
    expect(at('12-01', SH, now).date).toBe('2027-12-01');
  });

  it('下月底 from 31 January is the end of February, not 3 March', () => {
    expect(at('下月底', SH, '2027-01-31T02:00:00Z').date).toBe('2027-02-28');
  });

  it.each([
    ['call me at 5', 'a time inside other words'],
    ['next week', 'a week is not a day'],
    ['下周', 'a week is not a day'],
    ['someday soon', 'no date'],
    ['周五下午', 'a weekday chrono’s Chinese parser places on the wrong day'],
  ])('still refuses %j (%s), with an example', (raw) => {
    expect(parseDateExpr(raw)).toEqual({ ok: false, problem: 'date', example: '2026-12-04' });
  });
});

// Issues 22 and 23: one rule for every deadline, and a window for every date, decided where a date is
// resolved (resolveDate), so every key and flow answers alike.
describe('resolveDate: the window of sane dates and the past for deadlines', () => {
  const now = new Date('2026-12-02T02:40:00Z');
  const deadline = (raw: string): DateExpr => ({ ...expr(raw), deadline: true });
  const refusal = (e: DateExpr, zone = SH): { en: string; zh: string } => {
    try {
      resolveDate(e, zone, now);
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      return (err as UserError).text;
    }
    throw new Error('expected a refusal');
  };

  it.each(['9999-12-31', '2037-01-01', '2099-12-31'])(
    'refuses %s, more than 10 years ahead (any date)',
    (raw) => {
      const t = refusal(expr(raw));
      expect(t.en).toContain('more than 10 years ahead (after 2036-12-02); check the year');
      expect(t.zh).toContain('10 年以后');
    },
  );

  it('refuses a date before 2000 (any date)', () => {
    expect(refusal(expr('1999-12-31')).en).toBe('The date 1999-12-31 is before 2000; check the year.');
  });

  it('takes the last day of the window and a plain past date that is not a deadline', () => {
    expect(resolveDate(expr('2036-12-02'), SH, now).date).toBe('2036-12-02');
    expect(resolveDate(expr('2025-01-01'), SH, now).date).toBe('2025-01-01');
  });

  it.each(['2025-01-01', '2026-12-01', 'yesterday'])('refuses the deadline %s, in the past', (raw) => {
    const t = refusal(deadline(raw));
    expect(t.en).toMatch(
      /^The date 20\d\d-\d\d-\d\d is in the past: a deadline is today or later, e.g. tomorrow/,
    );
    expect(t.zh).toMatch(/已经过去：期限应为今天或以后/);
  });

  it('refuses a deadline earlier today with a time, and takes today without one', () => {
    expect(refusal(deadline('09:00')).en).toBe(
      'The date 2026-12-02 09:00 has already passed: a deadline is from now on, e.g. tomorrow 10:00, +3d or 2026-12-09.',
    );
    expect(resolveDate(deadline('today'), SH, now).date).toBe('2026-12-02');
    expect(resolveDate(deadline('11:00'), SH, now).date).toBe('2026-12-02');
    expect(resolveDate(deadline('in 2 hours'), SH, now).hasTime).toBe(true);
  });

  it('judges "today" in the person’s zone: 2026-12-01 is still today in New York', () => {
    expect(resolveDate(deadline('2026-12-01'), NY, now).date).toBe('2026-12-01');
    expect(refusal(deadline('2026-12-01'), SH).en).toContain('in the past');
  });
});
