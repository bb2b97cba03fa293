// R-KPI-1 timeliness: per flow, department and person, the share of transfers delivered within target and
// the median and p90 working delay from event to delivery and from delivery to acknowledgement. One
// aggregate over the transfers (grouping sets), part of the report's one statement (report.ts).
import { type SQL, sql } from 'drizzle-orm';
import type { Flow } from './transfers.ts';
import { workingSeconds } from './working-time.ts';

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

const num = workingSeconds;

/**
 * A CTE body over `x` (transfersWith): the timeliness rows of each period, of the rows in scope; `ord`
 * orders them within a period (all, then per flow, department, person).
 */
export function timelinessCte(): SQL {
  return sql`select a.*, d.code as department, p.name as person,
      row_number() over (order by a.period, a.gf, a.gd, a.gp, a.flow, d.id, p.name) as ord
    from (
      select period, grouping(flow) as gf, grouping(department_id) as gd, grouping(person_id) as gp,
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
      from x where in_scope
      group by period, grouping sets ((), (flow), (department_id), (person_id))
    ) a left join departments d on d.id = a.department_id left join people p on p.id = a.person_id`;
}

/** A row of timelinessCte (as JSON or as the driver hands it back). */
export function timelinessRow(r: Record<string, unknown>): TimelinessRow {
  return {
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
  };
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

/**
 * A CTE body over `x`: the worst transfers of `period` in scope, not done past their target first (oldest
 * first), then the most overdue; `ord` is their rank and `total` their number.
 */
export function lateCte(period: number): SQL {
  return sql`select l.*, d.code as department, p.name as person, count(*) over () as total,
      row_number() over (order by l.missing desc, l.over_s desc, l.subject_ref, d.id) as ord
    from (
      select x.*, greatest(
          case when deliver_state = 'late' then coalesce(deliver_s, since_event_s) - deliver_target end,
          case when ack_state = 'late' then coalesce(ack_s, since_delivery_s) - ack_target end) as over_s,
        (deliver_state = 'late' and delivered_at is null) or (ack_state = 'late' and acked_at is null) as missing
      from x where in_scope and period = ${sql.raw(String(period))} and (deliver_state = 'late' or ack_state = 'late')
    ) l left join departments d on d.id = l.department_id left join people p on p.id = l.person_id`;
}

/** One page of lateCte's rows (ord in (offset, offset + limit]), in order. */
export function lateItemsOf(rows: Record<string, unknown>[]): { items: LateItem[]; total: number } {
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
