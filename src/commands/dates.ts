// Dates and times as people type them, resolved in the person's time zone with Luxon.
import { DateTime } from 'luxon';
import type { Parsed } from './values.ts';

export type TimeOfDay = { hour: number; minute: number };

export type DateExpr = (
  | { kind: 'absolute'; year: number; month: number; day: number }
  /** Month and day without a year: the next such date from today. */
  | { kind: 'monthDay'; month: number; day: number }
  | { kind: 'relative'; days: number }
  | { kind: 'hours'; hours: number }
  /** weekday 1 = Monday; nextWeek: "next monday" / 下周一 means the Monday of next week. */
  | { kind: 'weekday'; weekday: number; nextWeek: boolean }
) & { time?: TimeOfDay };

const WEEKDAYS_EN: Record<string, number> = {
  monday: 1,
  mon: 1,
  tuesday: 2,
  tue: 2,
  tues: 2,
  wednesday: 3,
  wed: 3,
  thursday: 4,
  thu: 4,
  thurs: 4,
  friday: 5,
  fri: 5,
  saturday: 6,
  sat: 6,
  sunday: 7,
  sun: 7,
};
const WEEKDAYS_ZH: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7, 七: 7 };

const bad = (): Parsed<never> => ({ ok: false, problem: 'date', example: '2026-12-04' });

function validYmd(y: number, m: number, d: number): boolean {
  return DateTime.fromObject({ year: y, month: m, day: d }).isValid;
}

function parseTime(s: string): TimeOfDay | null {
  const m = /^(\d{1,2})[:：](\d{2})$/.exec(s) ?? /^(\d{1,2})[点時时](?:(\d{1,2})分?)?$/.exec(s);
  if (!m) return null;
  const hour = Number(m[1]);
  const minute = Number(m[2] ?? 0);
  if (hour > 23 || minute > 59) return null;
  return { hour, minute };
}

function parseDay(s: string): DateExpr | null {
  const lower = s.toLowerCase();
  if (lower === 'today' || s === '今天' || s === '今日') return { kind: 'relative', days: 0 };
  if (lower === 'tomorrow' || lower === 'tmr' || s === '明天' || s === '明日')
    return { kind: 'relative', days: 1 };
  if (s === '后天' || s === '後天') return { kind: 'relative', days: 2 };
  let m = /^\+(\d{1,3})\s*([dwh天周])?$/i.exec(lower);
  if (m) {
    const n = Number(m[1]);
    const unit = m[2] ?? 'd';
    if (unit === 'h') return { kind: 'hours', hours: n };
    return { kind: 'relative', days: unit === 'w' || unit === '周' ? n * 7 : n };
  }
  m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return validYmd(y, mo, d) ? { kind: 'absolute', year: y, month: mo, day: d } : null;
  }
  m = /^(\d{1,2})[-/.月](\d{1,2})日?$/.exec(s);
  if (m) {
    const [mo, d] = [Number(m[1]), Number(m[2])];
    return validYmd(2024, mo, d) ? { kind: 'monthDay', month: mo, day: d } : null;
  }
  m = /^(?:next[\s-]?)?([a-z]+)$/.exec(lower);
  if (m && WEEKDAYS_EN[m[1]!])
    return { kind: 'weekday', weekday: WEEKDAYS_EN[m[1]!]!, nextWeek: lower.startsWith('next') };
  m = /^(下)?(?:周|星期|礼拜|禮拜)([一二三四五六日天七])$/.exec(s);
  if (m) return { kind: 'weekday', weekday: WEEKDAYS_ZH[m[2]!]!, nextWeek: Boolean(m[1]) };
  return null;
}

/** `2026-12-04`, `2026/12/04`, `12-04`, `14:30`, `today`, `明天 14:30`, `+3d`, `next monday`, `下周一`. */
export function parseDateExpr(raw: string): Parsed<DateExpr> {
  const s = raw.trim().replace(/\s+/g, ' ');
  if (!s || s.length > 40) return bad();
  const onlyTime = parseTime(s);
  if (onlyTime) return { ok: true, value: { kind: 'relative', days: 0, time: onlyTime } };
  // A day and a time, with a space or as one run (明天14:30).
  const split = /^(.*?)\s*(\d{1,2}[:：.]\d{2}|\d{1,2}[点時时](?:\d{1,2}分?)?)$/.exec(s);
  if (split?.[1]) {
    const day = parseDay(split[1]);
    const time = parseTime(split[2]!);
    if (day && time && day.kind !== 'hours') return { ok: true, value: { ...day, time } };
  }
  const day = parseDay(s);
  return day ? { ok: true, value: day } : bad();
}

export type ResolvedDate = {
  /** The calendar date in the person's zone, YYYY-MM-DD. */
  date: string;
  /** The instant, in UTC: the given time, or `defaultTime` on that date. */
  at: Date;
  hasTime: boolean;
};

/**
 * Resolves against `now` in `zone`. A date without a time falls at `defaultTime` (09:00 by default:
 * a due date's reminder is useful in the morning, not at midnight).
 */
export function resolveDate(
  expr: DateExpr,
  zone: string,
  now: Date,
  defaultTime: TimeOfDay = { hour: 9, minute: 0 },
): ResolvedDate {
  const today = DateTime.fromJSDate(now, { zone }).startOf('day');
  let day: DateTime;
  switch (expr.kind) {
    case 'absolute':
      day = DateTime.fromObject({ year: expr.year, month: expr.month, day: expr.day }, { zone });
      break;
    case 'monthDay': {
      let candidate = DateTime.fromObject({ year: today.year, month: expr.month, day: expr.day }, { zone });
      // 02-29 in a non-leap year is invalid: move on to the next year that has it.
      for (let k = 1; (!candidate.isValid || candidate < today) && k <= 8; k++) {
        candidate = DateTime.fromObject({ year: today.year + k, month: expr.month, day: expr.day }, { zone });
      }
      day = candidate;
      break;
    }
    case 'relative':
      day = today.plus({ days: expr.days });
      break;
    case 'hours': {
      const at = DateTime.fromJSDate(now, { zone }).plus({ hours: expr.hours });
      return { date: at.toISODate()!, at: at.toJSDate(), hasTime: true };
    }
    case 'weekday': {
      if (expr.nextWeek) {
        day = today.startOf('week').plus({ weeks: 1, days: expr.weekday - 1 });
      } else {
        const diff = (expr.weekday - today.weekday + 7) % 7;
        day = today.plus({ days: diff === 0 ? 7 : diff });
      }
      break;
    }
  }
  const time = expr.time ?? defaultTime;
  const at = day.set({ hour: time.hour, minute: time.minute, second: 0, millisecond: 0 });
  return { date: day.toISODate()!, at: at.toJSDate(), hasTime: Boolean(expr.time) };
}

export function formatDate(date: Date | string | null | undefined, zone: string, withTime = false): string {
  if (!date) return '—';
  if (typeof date === 'string') return date;
  // A burst of reminders shows the same few times thousands of times; Luxon formatting is the costly part.
  const key = `${date.getTime()}|${zone}|${withTime}`;
  const known = formatted.get(key);
  if (known !== undefined) return known;
  const dt = DateTime.fromJSDate(date, { zone });
  const text = withTime ? dt.toFormat('yyyy-MM-dd HH:mm') : dt.toISODate()!;
  if (formatted.size >= 1000) formatted.clear();
  formatted.set(key, text);
  return text;
}
const formatted = new Map<string, string>();
