// A report's month: its first and last instant in the organisation's zone, and the month before it.
import { DateTime } from 'luxon';

export type Period = { month: string; from: Date; to: Date };

export function monthPeriod(month: string, zone: string): Period {
  const start = DateTime.fromISO(`${month}-01`, { zone }).startOf('month');
  return { month, from: start.toJSDate(), to: start.plus({ months: 1 }).toJSDate() };
}

export function previousMonth(month: string, zone: string): string {
  return DateTime.fromISO(`${month}-01`, { zone }).minus({ months: 1 }).toFormat('yyyy-MM');
}

export function monthOf(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat('yyyy-MM');
}
