// R-KPI-4 sharing and collaboration, per department: acknowledgements received out of those asked, with
// their working delay (median, p90), and market information shared with it and read by its people (reads
// of confidential information are in the audit log; other intel needs no read receipt).

import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import { at } from './instant.ts';
import { type Scope, scopeFilter } from './scope.ts';
import { type TransferQuery, transfersWith } from './transfers.ts';

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

export async function sharing(db: Queryable, q: TransferQuery): Promise<SharingRow[]> {
  const deptScope: Scope = q.scope.kind === 'person' ? { kind: 'all' } : q.scope;
  const res = await db.execute(sql`${transfersWith({ ...q, scope: deptScope })},
    acks as (
      select department_id, count(*) as asked, count(acked_at) as acked,
        count(*) filter (where ack_state = 'on_time') as ack_on_time,
        percentile_cont(0.5) within group (order by ack_s) as ack_p50,
        percentile_cont(0.9) within group (order by ack_s) as ack_p90
      from x where ack_asked group by department_id
    ),
    shared as (
      select d.id as department_id, i.number
      from intel i join departments d on d.code = any(i.shared_with)
      where i.created_at >= ${at(q.from)} and i.created_at < ${at(q.to)}
    ),
    intel_dept as (
      select s.department_id, count(*) as shared,
        count(*) filter (where exists (select 1 from audit_log a join people p on p.id = a.person_id
          where a.action = 'read.confidential' and a.entity = 'intel' and a.entity_ref = s.number
            and p.department_id = s.department_id)) as read
      from shared s group by s.department_id
    )
    select d.code, coalesce(a.asked, 0) as asked, coalesce(a.acked, 0) as acked,
      coalesce(a.ack_on_time, 0) as ack_on_time, a.ack_p50, a.ack_p90,
      coalesce(i.shared, 0) as intel_shared, coalesce(i.read, 0) as intel_read
    from departments d
    left join acks a on a.department_id = d.id
    left join intel_dept i on i.department_id = d.id
    where (a.asked is not null or i.shared is not null)
      and ${scopeFilter(deptScope, sql`d.id`, sql`null::int`)}
    order by d.id`);
  return rowsOf<Record<string, unknown>>(res).map((r) => ({
    department: r.code as string,
    asked: Number(r.asked),
    acked: Number(r.acked),
    ackOnTime: Number(r.ack_on_time),
    ackP50: r.ack_p50 === null ? null : Number(r.ack_p50),
    ackP90: r.ack_p90 === null ? null : Number(r.ack_p90),
    intelShared: Number(r.intel_shared),
    intelRead: Number(r.intel_read),
  }));
}
