// Repeat rules of reminders: `daily@09:00`, `weekly:1@09:00` (1 = Monday), `workdays@18:00`.
// Each occurrence is a local date and time turned into an instant by Luxon, so a DST change neither
// fires twice nor skips (a time that does not exist moves forward; an ambiguous one takes the first).
import { DateTime } from 'luxon';
import type { Queryable } from '../db/client.ts';
import { pick } from '../i18n/locale.ts';
import { calendarAround, isWorkingDay } from './calendar.ts';

export type RepeatRule =
  | { kind: 'daily'; hour: number; minute: number }
  | { kind: 'weekly'; weekday: number; hour: number; minute: number }
  | { kind: 'workdays'; hour: number; minute: number };

export function parseRepeat(rule: string): RepeatRule | null {
  const m = /^(daily|workdays|weekly:([1-7]))@(\d{2}):(\d{2})$/.exec(rule);
  if (!m) return null;
  const hour = Number(m[3]);
  const minute = Number(m[4]);
  if (hour > 23 || minute > 59) return null;
  if (m[1] === 'daily') return { kind: 'daily', hour, minute };
  if (m[1] === 'workdays') return { kind: 'workdays', hour, minute };
  return { kind: 'weekly', weekday: Number(m[2]), hour, minute };
}

export function formatRepeat(r: RepeatRule): string {
  const hm = `${String(r.hour).padStart(2, '0')}:${String(r.minute).padStart(2, '0')}`;
  return r.kind === 'weekly' ? `weekly:${r.weekday}@${hm}` : `${r.kind}@${hm}`;
}

/** The first occurrence strictly after `after`. */
export async function nextOccurrence(
  db: Queryable,
  rule: string,
  zone: string,
  after: Date,
): Promise<Date | null> {
  const r = parseRepeat(rule);
  if (!r) return null;
  const cal =
    r.kind === 'workdays' ? await calendarAround(db, after) : { overrides: new Map<string, boolean>() };
  let day = DateTime.fromJSDate(after, { zone }).startOf('day');
  for (let i = 0; i < 400; i++) {
    const at = DateTime.fromObject(
      { year: day.year, month: day.month, day: day.day, hour: r.hour, minute: r.minute },
      { zone },
    );
    const fits =
      r.kind === 'daily' || (r.kind === 'weekly' ? day.weekday === r.weekday : isWorkingDay(day, cal));
    if (fits && at.toMillis() > after.getTime()) return at.toJSDate();
    day = day.plus({ days: 1 });
  }
  return null;
}

const WEEKDAY_NAMES = {
  en: ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
  zh: ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'],
};

/** `weekly:1@09:00` as people say it: "every Monday 09:00", "每周一 09:00". */
export function describeRepeat(rule: string, l: 'en' | 'zh'): string {
  const r = parseRepeat(rule);
  if (!r) return rule;
  const hm = `${String(r.hour).padStart(2, '0')}:${String(r.minute).padStart(2, '0')}`;
  if (r.kind === 'daily') return pick(l, { en: `every day ${hm}`, zh: `每天 ${hm}` });
  if (r.kind === 'workdays') return pick(l, { en: `every working day ${hm}`, zh: `每个工作日 ${hm}` });
  return pick(l, {
    en: `every ${WEEKDAY_NAMES.en[r.weekday]} ${hm}`,
    zh: `每${WEEKDAY_NAMES.zh[r.weekday]} ${hm}`,
  });
}
