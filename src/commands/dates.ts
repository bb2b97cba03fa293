// Dates and times as people type them, resolved in the person's time zone with Luxon. The forms below
// are read by hand (they are exact and fast); other phrases (`Dec 20`, `明天上午9点`, `next friday 3pm`)
// go to chrono-node, resolved against the same zone and `now`.
import * as chrono from 'chrono-node';
import { DateTime } from 'luxon';
import { refuseInput } from '../core/errors.ts';
import type { Parsed } from './values.ts';

export type TimeOfDay = { hour: number; minute: number };

export type DateExpr = (
  | { kind: 'absolute'; year: number; month: number; day: number }
  /** Month and day without a year: the next such date from today. */
  | { kind: 'monthDay'; month: number; day: number }
  | { kind: 'relative'; days: number }
  | { kind: 'hours'; hours: number }
  | { kind: 'minutes'; minutes: number }
  /** weekday 1 = Monday; nextWeek: "next monday" / 下周一 means the Monday of next week. */
  | { kind: 'weekday'; weekday: number; nextWeek: boolean }
  /** The last day of this month or year (月底, end of month), or of the `offset`-th after it (下月底). */
  | { kind: 'periodEnd'; unit: 'month' | 'year'; offset: number }
  /** A phrase chrono-node reads (`Dec 20`, `明天上午9点`); it is resolved by chrono against `now`. */
  | { kind: 'phrase'; text: string }
) & {
  time?: TimeOfDay;
  /** A deadline (k.date()): resolving refuses it when it is already past. */
  deadline?: boolean;
};

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
  return parseSpan(lower) ?? parsePeriodEnd(lower);
}

const SPAN_UNITS: [RegExp, 'minutes' | 'hours' | 'days' | 'weeks'][] = [
  [/^(?:minutes?|mins?|m|分钟|分鐘)$/, 'minutes'],
  [/^(?:hours?|hrs?|h|个?小时|個?小時|个?钟头|個?鐘頭)$/, 'hours'],
  [/^(?:days?|d|天)$/, 'days'],
  [/^(?:weeks?|wks?|w|个?星期|個?星期|周|週)$/, 'weeks'],
];

/** `in 2 hours`, `in 30 min`, `in 3 days`, `2小时后`, `30分钟后`, `3天后`, `两周后`. */
function parseSpan(s: string): DateExpr | null {
  const m =
    /^in\s+(\d{1,3}|an?|one|two|three)\s*([a-z]+)$/.exec(s) ??
    /^(\d{1,3}|[一两二三四五六七八九十半])\s*([^\d\s]+?)(?:之?后|以后|後|之後)$/.exec(s);
  if (!m) return null;
  const words: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, 一: 1, 两: 2, 二: 2 };
  const zh = '一二三四五六七八九十';
  const n = words[m[1]!] ?? (zh.includes(m[1]!) ? zh.indexOf(m[1]!) + 1 : Number(m[1]));
  const unit = SPAN_UNITS.find(([re]) => re.test(m[2]!))?.[1];
  if (!unit || !Number.isFinite(n) || n <= 0) return null;
  if (unit === 'minutes') return { kind: 'minutes', minutes: n };
  if (unit === 'hours') return { kind: 'hours', hours: n };
  return { kind: 'relative', days: unit === 'weeks' ? n * 7 : n };
}

/** `月底`, `本月底`, `下月底`, `下个月底`, `年底`, `end of month`, `end of next month`, `end of year`. */
function parsePeriodEnd(s: string): DateExpr | null {
  let m = /^(本|这个?|這個?|下个?|下個?)?(月|年)(?:底|末)$/.exec(s);
  if (m) {
    const offset = m[1]?.startsWith('下') ? 1 : 0;
    return { kind: 'periodEnd', unit: m[2] === '年' ? 'year' : 'month', offset };
  }
  m = /^(?:the\s+)?end\s+of\s+(?:the\s+|this\s+|(next)\s+)?(month|year)$/.exec(s);
  if (m) return { kind: 'periodEnd', unit: m[2] as 'month' | 'year', offset: m[1] ? 1 : 0 };
  return null;
}

// Understanding a phrase does not depend on the day it is read: any fixed reference serves at parse time.
const UNDERSTOOD_AT = { instant: new Date('2026-01-05T04:00:00Z'), timezone: 480 };

/** chrono-node's reading of the whole of `s` (not a date found inside other words), or null. */
function chronoRead(s: string, ref: chrono.ParsingReference): chrono.ParsedResult | null {
  const parser = /[\u4e00-\u9fff]/.test(s) ? chrono.zh.hans : chrono;
  // An open date (Dec 20, friday) is the next one; a phrase about the past (last friday, 上周五) is not.
  const forwardDate = !/^(?:last|previous)\b|\bago$|^上(?:周|週|星期|礼拜|禮拜|个|個|月)|前$/i.test(s);
  const [r] = parser.parse(s, ref, { forwardDate });
  if (r?.index !== 0 || r.text.length !== s.length) return null;
  // A weekday it named must be the weekday of the date it gives (its Chinese parser can slip: 周五下午).
  const weekday = r.start.get('weekday');
  if (r.start.isCertain('weekday') && weekday !== null) {
    const day = new Date(Date.UTC(r.start.get('year')!, r.start.get('month')! - 1, r.start.get('day')!));
    if (day.getUTCDay() !== weekday) return null;
  }
  return r;
}

/** A time word that may follow a date value (`截止=下周五 15:00` typed without quotes). */
export function isTimeWord(s: string): boolean {
  return (
    /^(?:上午|下午|晚上|早上|中午|凌晨)?\d{1,2}(?:[:：]\d{2}|[点時时](?:\d{1,2}分?|半)?)$/.test(s) ||
    /^\d{1,2}(?::\d{2})?\s?(?:am|pm)$/i.test(s)
  );
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
    if (day && time && day.kind !== 'hours' && day.kind !== 'minutes')
      return { ok: true, value: { ...day, time } };
  }
  const day = parseDay(s);
  if (day) return { ok: true, value: day };
  return isPhrase(s) && chronoRead(s, UNDERSTOOD_AT)
    ? { ok: true, value: { kind: 'phrase', text: s } }
    : bad();
}

/**
 * What is left to chrono: words (`Dec 20`, `明天上午9点`). Figures and signs alone are read by hand or not
 * at all (chrono would take 2026-13-01 or -3d for something); a week, month or year is not a day.
 */
function isPhrase(s: string): boolean {
  if (/^[+\-−－]/.test(s) || !/[a-z]{2,}|[\u4e00-\u9fff]/i.test(s)) return false;
  return !/^(?:(?:next|this|last|the)\s+)?(?:week|month|year)$|^(?:下|本|这|這|上)?(?:个|個)?(?:周|週|星期|礼拜|月|年)$/i.test(
    s,
  );
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
 * a due date's reminder is useful in the morning, not at midnight). Every date is checked against the
 * window a person can mean (see checkWindow), and a deadline against the past: these are refused
 * (UserError) here, so that every key and every flow answers them alike, before anything is written.
 */
export function resolveDate(
  expr: DateExpr,
  zone: string,
  now: Date,
  defaultTime: TimeOfDay = { hour: 9, minute: 0 },
): ResolvedDate {
  const resolved = resolveUnchecked(expr, zone, now, defaultTime);
  checkWindow(expr, resolved, zone, now);
  return resolved;
}

function resolveUnchecked(expr: DateExpr, zone: string, now: Date, defaultTime: TimeOfDay): ResolvedDate {
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
    case 'hours':
    case 'minutes': {
      const span = expr.kind === 'hours' ? { hours: expr.hours } : { minutes: expr.minutes };
      const at = DateTime.fromJSDate(now, { zone }).plus(span);
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
    case 'periodEnd':
      day = today
        .plus(expr.unit === 'month' ? { months: expr.offset } : { years: expr.offset })
        .endOf(expr.unit);
      day = day.startOf('day');
      break;
    case 'phrase': {
      // chrono's Chinese parser reads 明天 from the process's local day, not the reference's zone: hand it
      // an instant whose local wall clock is the zone's (at 00:30 in Shanghai, 明天 is the day after).
      const wall = DateTime.fromJSDate(now, { zone });
      const local = new Date(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
      const r = chronoRead(expr.text, { instant: local, timezone: -local.getTimezoneOffset() });
      if (!r)
        return refuseInput(`"${expr.text}" is not a date I understand.`, `无法理解日期“${expr.text}”。`);
      // chrono reads in the zone's offset at `now`; the wall-clock fields are placed in the zone itself,
      // so a date across a daylight-saving change keeps its time.
      const c = r.start;
      day = DateTime.fromObject(
        { year: c.get('year')!, month: c.get('month')!, day: c.get('day')! },
        { zone },
      );
      if (c.isCertain('hour')) {
        const at = day.set({ hour: c.get('hour')!, minute: c.get('minute') ?? 0, second: 0, millisecond: 0 });
        return { date: day.toISODate()!, at: at.toJSDate(), hasTime: true };
      }
      break;
    }
  }
  const time = expr.time ?? defaultTime;
  const at = day.set({ hour: time.hour, minute: time.minute, second: 0, millisecond: 0 });
  return { date: day.toISODate()!, at: at.toJSDate(), hasTime: Boolean(expr.time) };
}

/** No date a person types is meant before 2000 (history) or more than 10 years ahead (a typo: 9999). */
export const EARLIEST_YEAR = 2000;
export const YEARS_AHEAD = 10;

function checkWindow(expr: DateExpr, r: ResolvedDate, zone: string, now: Date): void {
  const today = DateTime.fromJSDate(now, { zone });
  const latest = today.plus({ years: YEARS_AHEAD }).toISODate()!;
  const shown = r.hasTime ? formatDate(r.at, zone, true) : r.date;
  const named = `The date ${shown}`;
  const namedZh = `日期 ${shown} `;
  if (r.date > latest)
    refuseInput(
      `${named} is more than ${YEARS_AHEAD} years ahead (after ${latest}); check the year.`,
      `${namedZh}在 ${YEARS_AHEAD} 年以后（晚于 ${latest}），请检查年份。`,
    );
  if (r.date < `${EARLIEST_YEAR}-01-01`)
    refuseInput(
      `${named} is before ${EARLIEST_YEAR}; check the year.`,
      `${namedZh}早于 ${EARLIEST_YEAR} 年，请检查年份。`,
    );
  if (!expr.deadline) return;
  const past = r.hasTime ? r.at.getTime() < now.getTime() : r.date < today.toISODate()!;
  if (past) {
    const soon = today.plus({ days: 7 }).toISODate()!;
    refuseInput(
      r.hasTime
        ? `${named} has already passed: a deadline is from now on, e.g. tomorrow 10:00, +3d or ${soon}.`
        : `${named} is in the past: a deadline is today or later, e.g. tomorrow, +3d or ${soon}.`,
      r.hasTime
        ? `${namedZh}已经过去：期限应在此刻之后，例如 明天 10:00、+3d 或 ${soon}。`
        : `${namedZh}已经过去：期限应为今天或以后，例如 明天、+3d 或 ${soon}。`,
    );
  }
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
