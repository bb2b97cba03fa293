// R-KPI-3 completeness: of the records created in the period, the share of required fields filled, per
// record type and per responsible person, and the records missing the most. The fields are the
// organisation's (admin policy required.<type>=…), each a SQL test on the row.

import { type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import { at } from './instant.ts';
import { FIELDS, RECORD_TYPES, type RecordType, TABLE } from './required.ts';
import { ownerFilter, type Scope } from './scope.ts';

export type CompletenessRow = {
  level: 'all' | 'type' | 'person';
  type: RecordType | null;
  personId: number | null;
  person: string | null;
  records: number;
  required: number;
  filled: number;
};

export type IncompleteItem = { type: RecordType; ref: string; person: string | null; missing: string[] };

type Q = { from: Date; to: Date; scope: Scope; required: Record<RecordType, string[]> };

/** One row per record created in the period: type, ref, person_id, required, filled, missing[]. */
function perRecord(q: Q): SQL {
  return sql.join(
    RECORD_TYPES.map((type) => {
      const t = TABLE[type];
      const fields = q.required[type];
      const owner = sql.raw(t.owner);
      const tests = fields.map((f) => FIELDS[type][f]!.test);
      const filled = tests.map((x) => `(${x})::int`).join(' + ') || '0';
      const missing = fields.map((f, i) => `case when not (${tests[i]}) then '${f}' end`).join(', ');
      return sql`select ${sql.raw(`'${type}'`)} as type, r.number as ref, ${owner} as person_id,
        ${sql.raw(String(fields.length))} as required, ${sql.raw(filled)} as filled,
        array_remove(array[${sql.raw(missing || 'null::text')}]::text[], null) as missing
        from ${sql.raw(t.table)} r
        where r.created_at >= ${at(q.from)} and r.created_at < ${at(q.to)} and ${ownerFilter(q.scope, owner)}`;
    }),
    sql` union all `,
  );
}

export async function completeness(db: Queryable, q: Q): Promise<CompletenessRow[]> {
  const res = await db.execute(sql`
    with u as (${perRecord(q)}), agg as (
      select grouping(type) as gt, grouping(person_id) as gp, type, person_id,
        count(*) as records, sum(required) as required, sum(filled) as filled
      from u group by grouping sets ((), (type), (person_id))
    )
    select agg.*, p.name as person from agg left join people p on p.id = agg.person_id
    order by gt, gp, type, p.name`);
  return rowsOf<Record<string, unknown>>(res).map((r) => ({
    level: Number(r.gt) + Number(r.gp) === 2 ? 'all' : Number(r.gt) === 0 ? 'type' : 'person',
    type: (r.type as RecordType | null) ?? null,
    personId: r.person_id === null ? null : Number(r.person_id),
    person: (r.person as string | null) ?? null,
    records: Number(r.records),
    required: Number(r.required ?? 0),
    filled: Number(r.filled ?? 0),
  }));
}

export async function incomplete(db: Queryable, q: Q, limit: number): Promise<IncompleteItem[]> {
  const res = await db.execute(sql`
    with u as (${perRecord(q)})
    select u.type, u.ref, p.name as person, u.missing from u left join people p on p.id = u.person_id
    where cardinality(u.missing) > 0
    order by cardinality(u.missing) desc, u.type, u.ref limit ${limit}`);
  return rowsOf<Record<string, unknown>>(res).map((r) => ({
    type: r.type as RecordType,
    ref: r.ref as string,
    person: (r.person as string | null) ?? null,
    missing: parseArray(r.missing),
  }));
}

/** A text[] as the drivers hand it back: an array (postgres.js, PGlite) or the literal `{a,b}`. */
function parseArray(v: unknown): string[] {
  if (Array.isArray(v)) return v as string[];
  if (typeof v === 'string')
    return v
      .replace(/^\{|\}$/g, '')
      .split(',')
      .filter(Boolean);
  return [];
}
