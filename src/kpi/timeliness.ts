// R-KPI-1 timeliness: per flow, department and person, the share of transfers delivered within target and
// the median and p90 working delay from event to delivery and from delivery to acknowledgement. One
// aggregate statement over the transfers (grouping sets), nothing loaded row by row.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import { type Flow, type TransferQuery, transfersWith } from './transfers.ts';

export type TimelinessRow = {
  level: 'all' | 'flow' | 'department' | 'person';
  flow: Flow | null;
  departmentId: number | null;
  department: string | null;
  personId: number | null;
  person: string | null;
  n: number;
  delivered: number;
  onTime: number;
  late: number;
  waiting: number;
  deliverP50: number | null;
  deliverP90: number | null;
  asked: number;
  acked: number;
  ackOnTime: number;
  ackLate: number;
  ackWaiting: number;
  ackP50: number | null;
  ackP90: number | null;
};

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function timeliness(db: Queryable, q: TransferQuery): Promise<TimelinessRow[]> {
  const res = await db.execute(sql`${transfersWith(q)},
    agg as (
      select grouping(flow) as gf, grouping(department_id) as gd, grouping(person_id) as gp,
        flow, department_id, person_id,
        count(*) as n,
        count(delivered_at) as delivered,
        count(*) filter (where deliver_state = 'on_time') as on_time,
        count(*) filter (where deliver_state = 'late') as late,
        count(*) filter (where deliver_state = 'waiting') as waiting,
        percentile_cont(0.5) within group (order by deliver_s) as deliver_p50,
        percentile_cont(0.9) within group (order by deliver_s) as deliver_p90,
        count(*) filter (where ack_asked) as asked,
        count(acked_at) filter (where ack_asked) as acked,
        count(*) filter (where ack_state = 'on_time') as ack_on_time,
        count(*) filter (where ack_state = 'late') as ack_late,
        count(*) filter (where ack_state = 'waiting') as ack_waiting,
        percentile_cont(0.5) within group (order by ack_s) as ack_p50,
        percentile_cont(0.9) within group (order by ack_s) as ack_p90
      from x
      group by grouping sets ((), (flow), (department_id), (person_id))
    )
    select a.*, d.code as department, p.name as person
    from agg a left join departments d on d.id = a.department_id left join people p on p.id = a.person_id
    order by a.gf, a.gd, a.gp, a.flow, d.id, p.name`);
  return rowsOf<Record<string, unknown>>(res).map((r) => ({
    level:
      Number(r.gf) + Number(r.gd) + Number(r.gp) === 3
        ? 'all'
        : Number(r.gf) === 0
          ? 'flow'
          : Number(r.gd) === 0
            ? 'department'
            : 'person',
    flow: (r.flow as Flow | null) ?? null,
    departmentId: num(r.department_id),
    department: (r.department as string | null) ?? null,
    personId: num(r.person_id),
    person: (r.person as string | null) ?? null,
    n: Number(r.n),
    delivered: Number(r.delivered),
    onTime: Number(r.on_time),
    late: Number(r.late),
    waiting: Number(r.waiting),
    deliverP50: num(r.deliver_p50),
    deliverP90: num(r.deliver_p90),
    asked: Number(r.asked),
    acked: Number(r.acked),
    ackOnTime: Number(r.ack_on_time),
    ackLate: Number(r.ack_late),
    ackWaiting: Number(r.ack_waiting),
    ackP50: num(r.ack_p50),
    ackP90: num(r.ack_p90),
  }));
}

export type LateItem = {
  flow: Flow;
  ref: string;
  department: string | null;
  person: string | null;
  eventAt: Date;
  deliveredAt: Date | null;
  ackedAt: Date | null;
  deliverS: number | null;
  ackS: number | null;
  deliverTarget: number;
  ackTarget: number | null;
  deliverState: string;
  ackState: string | null;
};

/** The worst transfers: not done past their target first (oldest first), then the most overdue. */
export async function lateItems(
  db: Queryable,
  q: TransferQuery,
  limit: number,
  offset = 0,
): Promise<{ items: LateItem[]; total: number }> {
  const res = await db.execute(sql`${transfersWith(q)},
    late as (
      select x.*, greatest(
          case when deliver_state = 'late' then coalesce(deliver_s, since_event_s) - deliver_target end,
          case when ack_state = 'late' then coalesce(ack_s, since_delivery_s) - ack_target end) as over_s,
        (deliver_state = 'late' and delivered_at is null) or (ack_state = 'late' and acked_at is null) as missing
      from x where deliver_state = 'late' or ack_state = 'late'
    )
    select l.*, d.code as department, p.name as person, count(*) over () as total
    from late l left join departments d on d.id = l.department_id left join people p on p.id = l.person_id
    order by l.missing desc, l.over_s desc, l.subject_ref, d.id
    limit ${limit} offset ${offset}`);
  const rows = rowsOf<Record<string, unknown>>(res);
  return {
    total: rows.length ? Number(rows[0]!.total) : 0,
    items: rows.map((r) => ({
      flow: r.flow as Flow,
      ref: r.subject_ref as string,
      department: (r.department as string | null) ?? null,
      person: (r.person as string | null) ?? null,
      eventAt: new Date(r.event_at as string),
      deliveredAt: r.delivered_at ? new Date(r.delivered_at as string) : null,
      ackedAt: r.acked_at ? new Date(r.acked_at as string) : null,
      deliverS: num(r.deliver_s),
      ackS: num(r.ack_s),
      deliverTarget: Number(r.deliver_target),
      ackTarget: num(r.ack_target),
      deliverState: r.deliver_state as string,
      ackState: (r.ack_state as string | null) ?? null,
    })),
  };
}
