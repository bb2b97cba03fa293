// R-KPI-2 accuracy: corrections filed and upheld against records created, per record type and per
// responsible person (the record's owner), and the list of corrections behind the figure. Today a
// correction is filed on a customer (customer correct → approval customer_correction); upheld = approved.

import { type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import { at } from './instant.ts';
import { RECORD_TYPES, type RecordType, TABLE } from './required.ts';
import { ownerFilter, type Scope } from './scope.ts';

export type AccuracyRow = {
  level: 'all' | 'type' | 'person';
  type: RecordType | null;
  personId: number | null;
  person: string | null;
  created: number;
  filed: number;
  upheld: number;
};

export type CorrectionItem = {
  number: string;
  customer: string;
  reason: string | null;
  state: string;
  filedBy: string | null;
  responsible: string | null;
  at: Date;
};

type Q = { from: Date; to: Date; scope: Scope };

function created(q: Q): SQL {
  return sql.join(
    RECORD_TYPES.map((type) => {
      const t = TABLE[type];
      const owner = sql.raw(t.owner);
      return sql`select ${sql.raw(`'${type}'`)} as type, ${owner} as person_id, 1 as created, 0 as filed,
        0 as upheld from ${sql.raw(t.table)} r
        where r.created_at >= ${at(q.from)} and r.created_at < ${at(q.to)} and ${ownerFilter(q.scope, owner)}`;
    }),
    sql` union all `,
  );
}

const correctionsWhere = (
  q: Q,
) => sql`a.subject_type = 'customer_correction' and a.created_at >= ${at(q.from)} and a.created_at < ${at(q.to)}
    and ${ownerFilter(q.scope, sql`coalesce(r.owner_id, r.created_by)`)}`;

export async function accuracy(db: Queryable, q: Q): Promise<AccuracyRow[]> {
  const res = await db.execute(sql`
    with u as (
      ${created(q)}
      union all
      select 'customer', coalesce(r.owner_id, r.created_by), 0, 1, (a.state = 'approved')::int
      from approvals a join customers r on r.id = a.subject_id where ${correctionsWhere(q)}
    ), agg as (
      select grouping(type) as gt, grouping(person_id) as gp, type, person_id,
        sum(created) as created, sum(filed) as filed, sum(upheld) as upheld
      from u group by grouping sets ((), (type), (person_id))
    )
    select agg.*, p.name as person from agg left join people p on p.id = agg.person_id
    order by gt, gp, type, p.name`);
  return rowsOf<Record<string, unknown>>(res).map((r) => ({
    level: Number(r.gt) + Number(r.gp) === 2 ? 'all' : Number(r.gt) === 0 ? 'type' : 'person',
    type: (r.type as RecordType | null) ?? null,
    personId: r.person_id === null ? null : Number(r.person_id),
    person: (r.person as string | null) ?? null,
    created: Number(r.created),
    filed: Number(r.filed),
    upheld: Number(r.upheld),
  }));
}

export async function corrections(db: Queryable, q: Q, limit: number): Promise<CorrectionItem[]> {
  const res = await db.execute(sql`
    select a.number, r.number || ' ' || r.name as customer, a.reason, a.state, f.name as filed_by,
      o.name as responsible, a.created_at
    from approvals a join customers r on r.id = a.subject_id
    left join people f on f.id = a.requester_id
    left join people o on o.id = coalesce(r.owner_id, r.created_by)
    where ${correctionsWhere(q)}
    order by a.created_at, a.id limit ${limit}`);
  return rowsOf<Record<string, unknown>>(res).map((r) => ({
    number: r.number as string,
    customer: r.customer as string,
    reason: (r.reason as string | null) ?? null,
    state: r.state as string,
    filedBy: (r.filed_by as string | null) ?? null,
    responsible: (r.responsible as string | null) ?? null,
    at: new Date(r.created_at as string),
  }));
}
