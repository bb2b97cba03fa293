// Transfers (R-KPI-1/4): every piece of information the policy says must reach someone, with its event
// time, when it was delivered, when (and by whom) it was acknowledged, and its target. Most are derived from
// rows that exist anyway: distributions (approved order, change, cancellation → departments; delivery is
// when their cards' outbox rows were sent), and a lead's own dates (registered → assigned, assigned → first
// follow-up). The rest are rows of the transfers table, written in the event's transaction (recordTransfer).

import { eq, type SQL, sql } from 'drizzle-orm';
import type { DepartmentCode } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { departments, transfers } from '../db/schema.ts';
import { at } from './instant.ts';
import type { TargetKey } from './policy-keys.ts';
import { type Scope, scopeFilter } from './scope.ts';
import { type Targets, targetSeconds } from './targets.ts';
import { axisCte, axisDays, localTime, workingClock } from './working-time.ts';

export const FLOWS = [
  'order',
  'change',
  'cancel',
  'lead_assign',
  'lead_follow',
  'shipment',
  'quote',
  'correction',
] as const;
export type Flow = (typeof FLOWS)[number];

export const FLOW_NAMES: Record<Flow, { en: string; zh: string }> = {
  order: { en: 'approved order → departments', zh: '订单批准 → 各部门' },
  change: { en: 'order change → departments', zh: '订单变更 → 各部门' },
  cancel: { en: 'order cancellation → departments', zh: '订单取消 → 各部门' },
  lead_assign: { en: 'lead registered → assigned', zh: '线索登记 → 分配' },
  lead_follow: { en: 'lead assigned → first follow-up', zh: '线索分配 → 首次跟进' },
  shipment: { en: 'shipment → sales and service', zh: '发货 → 销售和客服' },
  quote: { en: 'quote decided → requester', zh: '报价审批结果 → 申请人' },
  correction: { en: 'customer correction → receivers', zh: '客户信息更正 → 已接收方' },
};

/** Each flow's targets: to be delivered (or done) and, where asked, acknowledged. */
const FLOW_TARGETS: Record<Flow, { deliver: TargetKey; ack?: TargetKey }> = {
  order: { deliver: 'target.order.deliver', ack: 'target.order.ack' },
  change: { deliver: 'target.change.deliver', ack: 'target.change.ack' },
  cancel: { deliver: 'target.cancel.deliver', ack: 'target.cancel.ack' },
  lead_assign: { deliver: 'target.lead.assign' },
  lead_follow: { deliver: 'target.lead.follow' },
  shipment: { deliver: 'target.shipment.deliver' },
  quote: { deliver: 'target.quote.deliver' },
  correction: { deliver: 'target.correction.deliver' },
};

/** Records, in the event's transaction, that information went to a department or a person. */
export async function recordTransfer(
  ctx: FlowContext,
  flow: Extract<Flow, 'shipment' | 'quote' | 'correction'>,
  subject: { type: string; id: number; ref: string },
  to: { department: DepartmentCode } | { personId: number },
): Promise<void> {
  let departmentId: number | null = null;
  if ('department' in to) {
    const [d] = await ctx.tx
      .select({ id: departments.id })
      .from(departments)
      .where(eq(departments.code, to.department));
    departmentId = d?.id ?? null;
  }
  await ctx.tx.insert(transfers).values({
    flow,
    subjectType: subject.type,
    subjectId: subject.id,
    subjectRef: subject.ref,
    eventAt: ctx.now,
    departmentId,
    personId: 'personId' in to ? to.personId : null,
  });
}

/** A working-time difference, floored at 0; null stays null (greatest() would turn it into 0). */
const nonNegative = (d: SQL) => sql`(case when (${d}) < 0 then 0 else (${d}) end)`;

export type TransferQuery = {
  /** Contiguous months, oldest first; each transfer carries the index of its event's (`period`). */
  periods: { from: Date; to: Date }[];
  zone: string;
  now: Date;
  targets: Targets;
  /** The rows read. */
  rows: Scope;
  /** The rows marked in_scope (within `rows`). */
  scope: Scope;
};

/** The index in `periods` (contiguous, oldest first) of the period holding instant `ts`. */
export function periodOf(ts: SQL, periods: { from: Date }[]): SQL {
  if (periods.length === 1) return sql`0`;
  const whens = periods
    .map((p, i) => ({ p, i }))
    .slice(1)
    .reverse()
    .map(({ p, i }) => sql`when ${ts} >= ${at(p.from)} then ${sql.raw(String(i))}`);
  return sql`(case ${sql.join(whens, sql` `)} else 0 end)`;
}

/**
 * A WITH list ending in `x`: one row per transfer whose event falls in one of the periods, with period,
 * in_scope, flow, subject_ref, department_id, person_id, event_at, delivered_at, acked_at, ack_asked,
 * deliver_s / ack_s (working seconds), deliver_target / ack_target (working seconds), and
 * deliver_state / ack_state: 'on_time', 'late' (done past target, or not done and past it), 'waiting'
 * (not done, target not yet reached) or null (no acknowledgement asked). The periods' rows are read and
 * timed once, in one statement, for every figure a report draws from them.
 */
export function transfersWith(q: TransferQuery): SQL {
  const { periods, zone } = q;
  const from = periods[0]!.from;
  const to = periods[periods.length - 1]!.to;
  // Each flow's targets as CASE expressions (a join to a VALUES list was a nested loop over every row).
  const target = (pick: (f: Flow) => number | null) =>
    sql.raw(
      `(case s.flow ${FLOWS.map((f) => {
        const v = pick(f);
        return `when '${f}' then ${v === null ? 'null' : String(v)}::bigint`;
      }).join(' ')} end)`,
    );
  const deliverTarget = target((f) => targetSeconds(q.targets[FLOW_TARGETS[f].deliver]));
  const ackTarget = target((f) => {
    const k = FLOW_TARGETS[f].ack;
    return k ? targetSeconds(q.targets[k]) : null;
  });
  const flows = sql.raw(FLOWS.map((f) => `'${f}'`).join(', '));
  // Acknowledgements and deliveries come after the month, up to now (the wall clock's, too).
  const wall = Date.now();
  const axisEnd = (end: Date) => new Date(Math.max(end.getTime(), q.now.getTime(), wall) + 7 * 86_400_000);
  // One axis for all the periods; each period's clocks stay within the axis it would have had alone.
  const days = periods.map((p) => axisDays({ zone, from: p.from, to: axisEnd(p.to) }));
  const bound = (which: 'from' | 'to') =>
    sql`(case s.period ${sql.join(
      days.map((d, i) => sql`when ${sql.raw(String(i))} then ${d[which]}::date`),
      sql` `,
    )} end)`;
  const W = (local: string) => workingClock(sql.raw(local), 'ax', { lo: bound('from'), hi: bound('to') });
  // now's clock per period, on that period's axis (an InitPlan each, computed once).
  const nowW = sql`(case s.period ${sql.join(
    days.map(
      (d, i) =>
        sql`when ${sql.raw(String(i))} then (select ${workingClock(sql`n.now_l`, 'ax', { lo: sql`${d.from}::date`, hi: sql`${d.to}::date` })}
          from (select ${localTime(at(q.now), zone)} as now_l) n cross join wt_axis ax)`,
    ),
    sql` `,
  )} end)`;
  return sql`with ${axisCte({ zone, from, to: axisEnd(to) })},
    sales as (select id from departments where code = 'sales'),
    -- One card for several departments in a chat bound to all of them (dist:<id>+<id>…, written in the
    -- distribution's transaction, so no earlier than the period): it delivers each distribution it names.
    shared_cards as (
      select x.id::int as dist_id, min(o.sent_at) as sent_at
      from outbox o cross join lateral unnest(string_to_array(substr(o.card_key, 6), '+')) as x(id)
      where o.op = 'post' and o.card_key like 'dist:%+%' and o.created_at >= ${at(from)}
      group by 1
    ),
    raw as (
      select d.kind as flow, d.subject_ref, d.department_id, d.acked_by as person_id, d.sent_at as event_at,
        least((select min(o.sent_at) from outbox o where o.card_key = 'dist:' || d.id and o.op = 'post'
          and o.card_key is not null), sc.sent_at) as delivered_at,
        d.acked_at, true as ack_asked, null::timestamptz as due_at
      from distributions d left join shared_cards sc on sc.dist_id = d.id
      where d.sent_at >= ${at(from)} and d.sent_at < ${at(to)}
      union all
      select 'lead_assign', l.number, (select id from sales), l.owner_id, l.created_at, l.assigned_at,
        null, false, null
      from leads l where l.created_at >= ${at(from)} and l.created_at < ${at(to)}
        and (l.assigned_at is not null or l.owner_id is null)
      union all
      select 'lead_follow', l.number, (select id from sales), l.owner_id, l.assigned_at,
        (select min(f.created_at) from lead_followups f
          where f.lead_id = l.id and f.person_id = l.owner_id and f.created_at >= l.assigned_at),
        null, false, l.follow_due_at
      from leads l where l.assigned_at >= ${at(from)} and l.assigned_at < ${at(to)}
      union all
      select t.flow, t.subject_ref, coalesce(t.department_id, p.department_id), t.person_id, t.event_at,
        (select min(o.sent_at) from outbox o
          where o.created_at = t.written_at and o.op = 'post' and (
            (t.department_id is not null and o.target_kind = 'chat' and exists (select 1 from chat_bindings b
              where b.department_id = t.department_id and b.platform = o.platform and b.tenant = o.tenant
                and b.chat_id = o.target_id))
            or (t.person_id is not null and o.target_kind = 'user' and exists (select 1 from identities i
              where i.person_id = t.person_id and i.platform = o.platform and i.tenant = o.tenant
                and i.external_id = o.target_id)))),
        null, false, null
      from transfers t left join people p on p.id = t.person_id
      where t.event_at >= ${at(from)} and t.event_at < ${at(to)}
    ),
    scoped as (
      select raw.*, ${periodOf(sql`raw.event_at`, periods)} as period,
        ${scopeFilter(q.scope, sql`department_id`, sql`person_id`)} as in_scope
      from raw where ${scopeFilter(q.rows, sql`department_id`, sql`person_id`)}
    ),
    -- Each instant's working clock once per row (materialized: the differences below, and the states and
    -- aggregates over them, would otherwise each re-evaluate the clock expressions they name, ~50 per row).
    clocked as materialized (
      select s.flow, s.subject_ref, s.department_id, s.person_id, s.event_at, s.delivered_at, s.acked_at,
        s.ack_asked, s.due_at, s.period, s.in_scope,
        ${deliverTarget} as flow_deliver, ${ackTarget} as ack_target,
        ${W('s.event_l')} as w_event, ${W('s.delivered_l')} as w_delivered, ${W('s.acked_l')} as w_acked,
        ${W('s.start_l')} as w_start, ${W('s.due_l')} as w_due, ${nowW} as w_now
      from (
        -- Each instant's local time once (offset 0 keeps the subquery from being merged into the clocks,
        -- which would convert each instant again for every use).
        select s.*, ${localTime(sql`s.event_at`, zone)} as event_l, ${localTime(sql`s.delivered_at`, zone)} as delivered_l,
          ${localTime(sql`s.acked_at`, zone)} as acked_l,
          ${localTime(sql`coalesce(s.delivered_at, s.event_at)`, zone)} as start_l,
          ${localTime(sql`s.due_at`, zone)} as due_l
        from scoped s where s.flow in (${flows}) offset 0
      ) s
      cross join wt_axis ax
    ),
    timed as (
      select c.*,
        ${nonNegative(sql`c.w_delivered - c.w_event`)} as deliver_s,
        ${nonNegative(sql`c.w_acked - c.w_start`)} as ack_s,
        coalesce(${nonNegative(sql`c.w_due - c.w_event`)}, c.flow_deliver) as deliver_target,
        c.w_now - c.w_event as since_event_s,
        c.w_now - c.w_start as since_delivery_s
      from clocked c
    ),
    x as (
      select t.*,
        case when t.deliver_s is not null
          then case when t.deliver_s <= t.deliver_target then 'on_time' else 'late' end
          else case when t.since_event_s > t.deliver_target then 'late' else 'waiting' end end as deliver_state,
        case when not t.ack_asked then null
          when t.ack_s is not null then case when t.ack_s <= t.ack_target then 'on_time' else 'late' end
          else case when t.since_delivery_s > t.ack_target then 'late' else 'waiting' end end as ack_state
      from timed t
    )`;
}
