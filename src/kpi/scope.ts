// Whose figures a report covers: everyone, one department, or one person. Each KPI applies it to its own
// rows (a transfer's receiving department or person; a record's responsible person and their department).
import { type SQL, sql } from 'drizzle-orm';

export type Scope = { kind: 'all' } | { kind: 'department'; id: number } | { kind: 'person'; id: number };

/** A filter on a row with a department id column and a person id column (SQL expressions). */
export function scopeFilter(scope: Scope, department: SQL, person: SQL): SQL {
  if (scope.kind === 'department') return sql`(${department}) = ${scope.id}`;
  if (scope.kind === 'person') return sql`(${person}) = ${scope.id}`;
  return sql`true`;
}

/** A filter on a record whose responsible person is `person`: that person, or anyone of the department. */
export function ownerFilter(scope: Scope, person: SQL): SQL {
  if (scope.kind === 'person') return sql`(${person}) = ${scope.id}`;
  if (scope.kind === 'department')
    return sql`(${person}) in (select id from people where department_id = ${scope.id})`;
  return sql`true`;
}
