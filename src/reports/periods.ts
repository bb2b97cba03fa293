// The periods a meeting summary covers (R-CHAN-5): a calendar week (Monday first) or month in the
// organisation's zone, and the period before it to compare with. A period still running is counted up to
// now and compared with the same stretch of the one before (Monday to Wednesday 10:00 against Monday to
// Wednesday 10:00 a week earlier), so a half-finished week is not set against a whole one.
import { DateTime } from 'luxon';

export type Span = {
  from: Date;
  to: Date;
  /** The calendar dates covered, for date columns (delivery, payment due): first, and the day after the last. */
  fromDate: string;
  toDate: string;
  /** The date at the span's end: a date before it has passed (today, for a span running to now). */
  endDate: string;
};

export type Period = {
  kind: 'week' | 'month';
  current: Span;
  previous: Span;
  /** Still running: counted up to now. */
  toDate: boolean;
  /** How the period is named: 2026-W49 (30 Nov – 6 Dec) or 2026-11. */
  label: { en: string; zh: string };
};

function span(from: DateTime, to: DateTime): Span {
  const last = to.minus({ milliseconds: 1 });
  return {
    from: from.toJSDate(),
    to: to.toJSDate(),
    fromDate: from.toISODate()!,
    toDate: last.plus({ days: 1 }).toISODate()!,
    endDate: to.toISODate()!,
  };
}

function build(kind: 'week' | 'month', start: DateTime, now: DateTime): Period | null {
  const unit = kind === 'week' ? { weeks: 1 } : { months: 1 };
  const end = start.plus(unit);
  if (start > now) return null;
  const running = end > now;
  const prevStart = start.minus(unit);
  // The same stretch of the period before, never past its own end (31 March against February).
  const prevEnd = running ? DateTime.min(prevStart.plus(now.diff(start)), start) : start;
  const to = running ? now : end;
  const last = end.minus({ days: 1 });
  const label =
    kind === 'week'
      ? {
          en: `week ${start.toFormat("kkkk-'W'WW")} (${start.toFormat('d LLL')} – ${last.setLocale('en').toFormat('d LLL')})`,
          zh: `${start.toFormat('kkkk')} 年第 ${start.weekNumber} 周（${start.toFormat('M月d日')}–${last.toFormat('M月d日')}）`,
        }
      : { en: start.setLocale('en').toFormat('LLLL yyyy'), zh: start.toFormat('yyyy年M月') };
  return { kind, current: span(start, to), previous: span(prevStart, prevEnd), toDate: running, label };
}

/** The week holding `day` (YYYY-MM-DD; default today); null if it has not begun. */
export function weekPeriod(now: Date, zone: string, day?: string): Period | null {
  const at = day ? DateTime.fromISO(day, { zone }) : DateTime.fromJSDate(now, { zone });
  return build('week', at.startOf('week'), DateTime.fromJSDate(now, { zone }));
}

/** The month (YYYY-MM; default this one); null if it has not begun. */
export function monthPeriod(now: Date, zone: string, month?: string): Period | null {
  const at = month ? DateTime.fromISO(`${month}-01`, { zone }) : DateTime.fromJSDate(now, { zone });
  return build('month', at.startOf('month'), DateTime.fromJSDate(now, { zone }));
}

/** The last complete week before `now`: what the Monday summary covers. */
export function lastWeek(now: Date, zone: string): Period {
  const start = DateTime.fromJSDate(now, { zone }).startOf('week').minus({ weeks: 1 });
  return build('week', start, start.plus({ weeks: 1 }))!;
}
