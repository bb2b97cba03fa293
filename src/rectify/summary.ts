// Rectification notices for one month, per department and per person (policy 6, R-KPI-5): how many were
// opened, closed, went past their deadline, and how long closing took. The monthly assessment reads this;
// one SQL statement over rectify_notices, grouped three ways (all, department, responsible person).
import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Queryable } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';

export type RectifyFigures = {
  /** Notices issued in the month. */
  opened: number;
  /** Notices closed (checked by a supervisor) in the month. */
  closed: number;
  /** Of those closed, how many were marked done by their deadline. */
  closedOnTime: number;
  /** Notices whose deadline fell in the month and that were not marked done by it. */
  overdue: number;
  /** Still not closed at the end of the month (issued before its end). */
  openAtEnd: number;
  /** Of those, past their deadline at the end of the month and not marked done. */
  overdueAtEnd: number;
  /** Issue to closure of the notices closed in the month, in hours: median and mean; null when none closed. */
  closeHoursMedian: number | null;
  closeHoursMean: number | null;
};

export type RectifyDepartment = RectifyFigures & { departmentId: number; code: string };
export type RectifyPerson = RectifyFigures & { personId: number; name: string; departmentId: number | null };

export type RectifyMonth = {
  month: string;
  /** The month's bounds in the organisation's time zone (start inclusive, end exclusive). */
  from: Date;
  to: Date;
  total: RectifyFigures;
  byDepartment: RectifyDepartment[];
  byPerson: RectifyPerson[];
};

/** The bounds of a month (YYYY-MM) in a time zone. */
export function monthBounds(month: string, zone: string): { from: Date; to: Date } {
  const start = DateTime.fromISO(`${month}-01`, { zone }).startOf('month');
  if (!start.isValid) throw new Error(`not a month: ${month}`);
  return { from: start.toJSDate(), to: start.plus({ months: 1 }).toJSDate() };
}

type Row = {
  g_dept: number;
  g_person: number;
  department_id: number | null;
  responsible_id: number | null;
  code: string | null;
  name: string | null;
  person_dept: number | null;
  opened: number;
  closed: number;
  closed_on_time: number;
  overdue: number;
  open_at_end: number;
  overdue_at_end: number;
  median_h: number | string | null;
  mean_h: number | string | null;
};

const num = (v: number | string | null): number | null =>
  v === null ? null : Math.round(Number(v) * 10) / 10;

function figures(r: Row | undefined): RectifyFigures {
  return {
    opened: Number(r?.opened ?? 0),
    closed: Number(r?.closed ?? 0),
    closedOnTime: Number(r?.closed_on_time ?? 0),
    overdue: Number(r?.overdue ?? 0),
    openAtEnd: Number(r?.open_at_end ?? 0),
    overdueAtEnd: Number(r?.overdue_at_end ?? 0),
    closeHoursMedian: num(r?.median_h ?? null),
    closeHoursMean: num(r?.mean_h ?? null),
  };
}

/**
 * The month's figures (month as YYYY-MM, in the organisation's zone). Departments and people with no
 * notice touching the month are left out; a notice addressed to a person counts for that person and for
 * the department they were in when it was issued.
 */
export async function rectifySummary(db: Queryable, month: string, zone: string): Promise<RectifyMonth> {
  const { from, to } = monthBounds(month, zone);
  // As text: postgres.js binds no Date in a raw statement.
  const f = sql`${from.toISOString()}::timestamptz`;
  const t = sql`${to.toISOString()}::timestamptz`;
  const rows = rowsOf<Row>(
    await db.execute(sql`
      with n as (
        select *,
          closed_at >= ${f} and closed_at < ${t} as closed_in,
          extract(epoch from closed_at - created_at) / 3600 as close_h
        from rectify_notices
        where created_at < ${t}
          and (closed_at is null or closed_at >= ${f} or due_at >= ${f}))
      select grouping(n.department_id)::int as g_dept, grouping(n.responsible_id)::int as g_person,
        n.department_id, n.responsible_id, max(d.code) as code, max(p.name) as name,
        max(p.department_id) as person_dept,
        count(*) filter (where n.created_at >= ${f})::int as opened,
        count(*) filter (where n.closed_in)::int as closed,
        count(*) filter (where n.closed_in and n.done_at <= n.due_at)::int as closed_on_time,
        count(*) filter (where n.due_at >= ${f} and n.due_at < ${t}
          and (n.done_at is null or n.done_at > n.due_at))::int as overdue,
        count(*) filter (where n.closed_at is null or n.closed_at >= ${t})::int as open_at_end,
        count(*) filter (where (n.closed_at is null or n.closed_at >= ${t}) and n.due_at < ${t}
          and (n.done_at is null or n.done_at > n.due_at))::int as overdue_at_end,
        percentile_cont(0.5) within group (order by n.close_h) filter (where n.closed_in) as median_h,
        avg(n.close_h) filter (where n.closed_in) as mean_h
      from n
      left join departments d on d.id = n.department_id
      left join people p on p.id = n.responsible_id
      group by grouping sets ((), (n.department_id), (n.responsible_id))`),
  );
  const total = rows.find((r) => Number(r.g_dept) === 1 && Number(r.g_person) === 1);
  const byDepartment = rows
    .filter((r) => Number(r.g_dept) === 0 && r.department_id !== null)
    .map((r) => ({ departmentId: Number(r.department_id), code: r.code ?? '', ...figures(r) }))
    .sort((a, b) => a.code.localeCompare(b.code));
  const byPerson = rows
    .filter((r) => Number(r.g_person) === 0 && r.responsible_id !== null)
    .map((r) => ({
      personId: Number(r.responsible_id),
      name: r.name ?? '',
      departmentId: r.person_dept === null ? null : Number(r.person_dept),
      ...figures(r),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { month, from, to, total: figures(total), byDepartment, byPerson };
}
