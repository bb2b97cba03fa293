// R-KPI-4 sharing and collaboration, per department: acknowledgements received out of those asked, with
// their working delay (median, p90), and market information shared with it and read by its people (reads
// of confidential information are in the audit log; other intel needs no read receipt).

import { type SQL, sql } from 'drizzle-orm';
import { at } from './instant.ts';
import { type Scope, scopeFilter } from './scope.ts';
import { periodOf } from './transfers.ts';
import { workingSeconds } from './working-time.ts';

export type SharingRow = {
  department: string;
  asked: number;
  acked: number;
  ackOnTime: number;
  ackP50: number | null;
  ackP90: number | null;
  intelShared: number;
  intelRead: number;
};

/**
 * A CTE body over `x` (transfersWith, its rows read in `scope`, a person's as everyone's): per period and
 * department, acknowledgements asked and received with their delay, and intel shared and read; `ord`
 * orders them (period, department).
 */
export function sharingCte(periods: { from: Date; to: Date }[], scope: Scope): SQL {
  const from = periods[0]!.from;
  const to = periods[periods.length - 1]!.to;
  const ps = sql.join(
    periods.map((_, i) => sql`(${sql.raw(String(i))})`),
    sql`, `,
  );
  return sql`with acks as (
      select period, department_id, count(*) as asked, count(acked_at) as acked,
        count(*) filter (where ack_state = 'on_time') as ack_on_time,
        percentile_cont(0.5) within group (order by ack_s) as ack_p50,
        percentile_cont(0.9) within group (order by ack_s) as ack_p90
      from x where ack_asked group by period, department_id
    ),
    shared as (
      select ${periodOf(sql`i.created_at`, periods)} as period, d.id as department_id, i.number
      from intel i join departments d on d.code = any(i.shared_with)
      where i.created_at >= ${at(from)} and i.created_at < ${at(to)}
    ),
    intel_dept as (
      select s.period, s.department_id, count(*) as shared,
        count(*) filter (where exists (select 1 from audit_log a join people p on p.id = a.person_id
          where a.action = 'read.confidential' and a.entity = 'intel' and a.entity_ref = s.number
            and p.department_id = s.department_id)) as read
      from shared s group by s.period, s.department_id
    )
    select ps.period, d.code, coalesce(a.asked, 0) as asked, coalesce(a.acked, 0) as acked,
      coalesce(a.ack_on_time, 0) as ack_on_time, a.ack_p50, a.ack_p90,
      coalesce(i.shared, 0) as intel_shared, coalesce(i.read, 0) as intel_read,
      row_number() over (order by ps.period, d.id) as ord
    from (values ${ps}) ps(period) cross join departments d
    left join acks a on a.department_id = d.id and a.period = ps.period
    left join intel_dept i on i.department_id = d.id and i.period = ps.period
    where (a.asked is not null or i.shared is not null)
      and ${scopeFilter(scope, sql`d.id`, sql`null::int`)}`;
}

/** A row of sharingCte. */
export function sharingRow(r: Record<string, unknown>): SharingRow {
  return {
    department: r.code as string,
    asked: Number(r.asked),
    acked: Number(r.acked),
    ackOnTime: Number(r.ack_on_time),
    ackP50: workingSeconds(r.ack_p50),
    ackP90: workingSeconds(r.ack_p90),
    intelShared: Number(r.intel_shared),
    intelRead: Number(r.intel_read),
  };
}
