// The history and audit rows of one command, written together in one statement at its end instead of one
// insert each as the flow goes (issue 19: a statement saved on every command that changes something).
// Used only where the engine flushes it inside the command's savepoint: a refusal rolls back the savepoint
// and drops the buffer with it, exactly as the inserts were rolled back before.
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client.ts';
import { auditLog, recordHistory } from '../db/schema.ts';

export type AuditRow = typeof auditLog.$inferInsert;
export type HistoryRow = typeof recordHistory.$inferInsert;

export class Traces {
  private audits: AuditRow[] = [];
  private histories: HistoryRow[] = [];

  audit(rows: AuditRow[]): void {
    this.audits.push(...rows);
  }

  history(rows: HistoryRow[]): void {
    this.histories.push(...rows);
  }

  /** Writes what was kept (nothing, one kind with one insert, or both kinds in one statement). */
  async flush(tx: Tx): Promise<void> {
    const audits = this.audits;
    const histories = this.histories;
    this.audits = [];
    this.histories = [];
    if (audits.length === 0 && histories.length === 0) return;
    if (histories.length === 0) {
      await tx.insert(auditLog).values(audits);
      return;
    }
    if (audits.length === 0) {
      await tx.insert(recordHistory).values(histories);
      return;
    }
    // One parameter per table: the rows as JSON, unpacked by PostgreSQL (as the outbox's batch insert does).
    const h = histories.map((r) => ({
      entity: r.entity,
      entity_id: r.entityId,
      field: r.field,
      old_value: r.oldValue ?? null,
      new_value: r.newValue ?? null,
      person_id: r.personId ?? null,
      at: (r.at instanceof Date ? r.at : new Date()).toISOString(),
    }));
    const a = audits.map((r) => ({
      person_id: r.personId ?? null,
      action: r.action,
      entity: r.entity ?? null,
      entity_ref: r.entityRef ?? null,
      detail: r.detail ?? {},
    }));
    await tx.execute(sql`
      with h as (
        insert into record_history (entity, entity_id, field, old_value, new_value, person_id, at)
        select entity, entity_id, field, old_value, new_value, person_id, at
        from jsonb_to_recordset(${JSON.stringify(h)}::jsonb) as x(entity text, entity_id integer, field text,
          old_value text, new_value text, person_id integer, at timestamptz)
        returning 1)
      insert into audit_log (person_id, action, entity, entity_ref, detail)
      select person_id, action, entity, entity_ref, detail
      from jsonb_to_recordset(${JSON.stringify(a)}::jsonb) as x(person_id integer, action text, entity text,
        entity_ref text, detail jsonb)`);
  }
}
