// Working time in SQL: a day axis (weekdays, calendar_days holidays and make-up days) with the working
// seconds before each day, so the working time between two instants is W(b) - W(a), two lookups per row
// instead of a walk over the days between. Working hours are the calendar's (09:00-18:00) in the org's zone.
// The axis is also one row of arrays (`wt_axis`), so a lookup is an array subscript by day number rather
// than a join: joined six times per transfer, the day table's unknown size (a CTE is guessed at 1,000 rows)
// multiplied the planner's estimates (4 million rows for 36,000) into sorts spilled to disk (bench:reports).
import { type SQL, sql } from 'drizzle-orm';
import { DEFAULT_HOURS } from '../schedule/calendar.ts';

export type WorkingAxis = { zone: string; from: Date; to: Date };

const START = sql.raw(String(DEFAULT_HOURS.start * 3600));
const LENGTH = sql.raw(String((DEFAULT_HOURS.end - DEFAULT_HOURS.start) * 3600));

/**
 * CTEs `wt(day, working, before)`: one row per day of the axis (with a margin), and `wt_axis(d0, before,
 * working)`: the same as arrays indexed by day - d0 + 1 (one row). Put them in a WITH list.
 */
export function axisCte(a: WorkingAxis): SQL {
  const { from, to } = axisDays(a);
  return sql`wt_days as (
      select g::date as day, coalesce(c.working, extract(isodow from g) < 6) as working
      from generate_series(${from}::date, ${to}::date, interval '1 day') g
      left join calendar_days c on c.date = g::date
    ), wt as (
      select day, working,
        coalesce(sum(case when working then ${LENGTH} else 0 end)
          over (order by day rows between unbounded preceding and 1 preceding), 0)::bigint as before
      from wt_days
    ), wt_axis as (
      select min(day) as d0, array_agg(before order by day) as before, array_agg(working order by day) as working
      from wt
    )`;
}

/** The first and last day of an axis (with its margin), as ISO dates. */
export function axisDays(a: WorkingAxis): { from: string; to: string } {
  return {
    from: new Date(a.from.getTime() - 3 * 86_400_000).toISOString().slice(0, 10),
    to: new Date(a.to.getTime() + 3 * 86_400_000).toISOString().slice(0, 10),
  };
}

/** An instant as the wall-clock time of the org's zone (timestamp without time zone). */
export function localTime(ts: SQL, zone: string): SQL {
  return sql`((${ts}) at time zone ${zone})`;
}

/**
 * W: working seconds from the axis start to an instant given as its local time (localTime), with
 * `wt_axis` joined as `alias`. Null when it is null or outside the axis (an array subscript out of range
 * is null), or outside the days [lo, hi] (a narrower axis's, as dates: the nulls that axis would give).
 * Taking the local time once per instant matters: the zone conversion is most of the cost (bench:reports).
 * The time of day is read as float8 (date_part), not numeric (extract): half the cost per clock at 70,000
 * transfers a report; workingSeconds rounds what comes back to the millisecond, so the float's last
 * digits never show.
 */
export function workingClock(local: SQL, alias: string, within?: { lo: SQL; hi: SQL }): SQL {
  const a = sql.raw(alias);
  const day = sql`(${local})::date`;
  const i = sql`(${day} - ${a}.d0 + 1)`;
  const w = sql`(${a}.before[${i}] + case when ${a}.working[${i}] then least(greatest(
      date_part('epoch', (${local})::time) - ${START}, 0), ${LENGTH}) else 0 end)`;
  return within ? sql`(case when ${day} between ${within.lo} and ${within.hi} then ${w} end)` : w;
}

/** A working-seconds figure as read from SQL (float8 clocks), to the millisecond; null stays null. */
export function workingSeconds(v: unknown): number | null {
  return v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000;
}
