// Working time: weekdays, public holidays and make-up working days (调休) as data in calendar_days, and
// working hours (09:00-18:00 by default) in the organisation's zone. Zone arithmetic is Luxon's.
import { and, gte, is, lte } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { DateTime } from 'luxon';
import type { Queryable } from '../db/client.ts';
import { calendarDays } from '../db/schema.ts';

export type WorkingHours = { start: number; end: number };
export const DEFAULT_HOURS: WorkingHours = { start: 9, end: 18 };

/** Dates that differ from the plain Monday-Friday rule, within a window. */
export type Calendar = { overrides: Map<string, boolean> };

/** Calendars read inside a transaction, kept for its other reads (a follow-up and its escalation). */
const readInTransaction = new WeakMap<object, { from: string; to: string; cal: Promise<Calendar> }[]>();
/** A read inside a transaction reaches this much further, so that nearby asks find it already read. */
const READ_AHEAD_DAYS = 31;

export async function loadCalendar(db: Queryable, from: string, to: string): Promise<Calendar> {
  // Only inside a transaction: outside one, nothing would tell a kept calendar that `npm run calendar`
  // changed it; a command's own transaction is short, and one view of the calendar is right for it.
  if (!is(db, PgTransaction)) return readCalendar(db, from, to);
  const kept = readInTransaction.get(db) ?? [];
  const hit = kept.find((k) => k.from <= from && k.to >= to);
  if (hit) return hit.cal;
  const until = DateTime.fromISO(to, { zone: 'UTC' }).plus({ days: READ_AHEAD_DAYS }).toISODate()!;
  const cal = readCalendar(db, from, until);
  kept.push({ from, to: until, cal });
  readInTransaction.set(db, kept);
  // A failed read is not kept (the transaction fails with it anyway, but a savepoint may carry on).
  cal.catch(() => {
    const at = kept.findIndex((k) => k.cal === cal);
    if (at >= 0) kept.splice(at, 1);
  });
  return cal;
}

async function readCalendar(db: Queryable, from: string, to: string): Promise<Calendar> {
  const rows = await db
    .select({ date: calendarDays.date, working: calendarDays.working })
    .from(calendarDays)
    .where(and(gte(calendarDays.date, from), lte(calendarDays.date, to)));
  return { overrides: new Map(rows.map((r) => [r.date, r.working])) };
}

/** Loads the calendar around an instant: enough for any "next working time" within two months. */
export async function calendarAround(db: Queryable, at: Date): Promise<Calendar> {
  const d = DateTime.fromJSDate(at, { zone: 'UTC' });
  return loadCalendar(db, d.minus({ days: 7 }).toISODate()!, d.plus({ days: 70 }).toISODate()!);
}

export function isWorkingDay(day: DateTime, cal: Calendar): boolean {
  const override = cal.overrides.get(day.toISODate()!);
  return override ?? day.weekday <= 5;
}

/** `at` itself if it falls in working time, else the start of the next working time. */
export function nextWorkingTime(
  at: Date,
  zone: string,
  cal: Calendar,
  hours: WorkingHours = DEFAULT_HOURS,
): Date {
  let t = DateTime.fromJSDate(at, { zone });
  for (let i = 0; i < 60; i++) {
    const start = t.set({ hour: hours.start, minute: 0, second: 0, millisecond: 0 });
    const end = t.set({ hour: hours.end, minute: 0, second: 0, millisecond: 0 });
    if (isWorkingDay(t, cal)) {
      if (t < start) return start.toJSDate();
      if (t < end) return t.toJSDate();
    }
    t = t.plus({ days: 1 }).startOf('day').set({ hour: hours.start });
  }
  return at; // no working day within 60 days: a calendar error; do not hold the reminder forever
}

/** Adds working hours (e.g. 4 working hours for a pending approval), skipping nights, weekends, holidays. */
export function addWorkingHours(
  from: Date,
  hoursToAdd: number,
  zone: string,
  cal: Calendar,
  hours: WorkingHours = DEFAULT_HOURS,
): Date {
  let t = DateTime.fromJSDate(nextWorkingTime(from, zone, cal, hours), { zone });
  let left = hoursToAdd * 60;
  for (let i = 0; i < 400 && left > 0; i++) {
    const end = t.set({ hour: hours.end, minute: 0, second: 0, millisecond: 0 });
    const available = end.diff(t, 'minutes').minutes;
    if (left <= available) return t.plus({ minutes: left }).toJSDate();
    left -= available;
    t = DateTime.fromJSDate(nextWorkingTime(end.plus({ minutes: 1 }).toJSDate(), zone, cal, hours), { zone });
  }
  return t.toJSDate();
}

/** The next working day's date after `day` (for "1 working day later"). */
export function nextWorkingDay(day: DateTime, cal: Calendar): DateTime {
  let d = day.plus({ days: 1 });
  for (let i = 0; i < 60 && !isWorkingDay(d, cal); i++) d = d.plus({ days: 1 });
  return d;
}
