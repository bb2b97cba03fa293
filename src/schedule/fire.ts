// Fires one reminder occurrence: its messages go into the outbox in the same transaction that marks it
// fired, so a retry, a second worker or a re-added job finds it fired and does nothing twice.
import { and, eq } from 'drizzle-orm';
import type { DepartmentCode } from '../commands/keys.ts';
import { loadOrg } from '../core/org.ts';
import { outboxWriter, type Target } from '../core/outbox.ts';
import type { Db, Queryable } from '../db/client.ts';
import { reminderOccurrences, reminders } from '../db/schema.ts';
import { fireHook } from './hooks.ts';
import { renderReminder } from './render.ts';
import { nextOccurrence } from './repeat.ts';

export type Reminder = typeof reminders.$inferSelect;
export type Occurrence = typeof reminderOccurrences.$inferSelect;

export function targetOf(r: Reminder): Target | null {
  if (r.targetKind === 'person' && r.targetPersonId) return { kind: 'person', personId: r.targetPersonId };
  if (r.targetKind === 'department' && r.targetDepartment)
    return { kind: 'department', code: r.targetDepartment as DepartmentCode };
  if (r.targetKind === 'chat' && r.targetPlatform && r.targetChatId) {
    return { kind: 'chat', platform: r.targetPlatform, tenant: r.targetTenant ?? '', chatId: r.targetChatId };
  }
  return null;
}

/** Returns 'fired' once per occurrence; 'skipped' when it was fired, done, snoozed or cancelled already. */
export async function fireOccurrence(
  db: Db,
  id: number,
  now: Date = new Date(),
): Promise<'fired' | 'skipped'> {
  return db.transaction(async (tx) => {
    const [occ] = await tx
      .update(reminderOccurrences)
      .set({ state: 'fired', firedAt: now })
      .where(and(eq(reminderOccurrences.id, id), eq(reminderOccurrences.state, 'scheduled')))
      .returning();
    if (!occ) return 'skipped';
    const [r] = await tx.select().from(reminders).where(eq(reminders.id, occ.reminderId));
    if (r?.state !== 'active') {
      await tx.update(reminderOccurrences).set({ state: 'cancelled' }).where(eq(reminderOccurrences.id, id));
      return 'skipped';
    }
    const hook = fireHook(r.kind);
    const outcome = hook ? await hook(tx, r, occ, now) : undefined;
    if (outcome && 'skip' in outcome) {
      await tx.update(reminderOccurrences).set({ state: 'cancelled' }).where(eq(reminderOccurrences.id, id));
      if (r.repeat) await scheduleNext(tx, r, occ.dueAt);
      return 'skipped';
    }
    const shown = outcome?.text ? { ...r, text: JSON.stringify(outcome.text) } : r;
    const target = targetOf(r);
    if (target) {
      const org = await loadOrg(tx);
      await outboxWriter(tx, org, '').send(
        target,
        (l, audience) => renderReminder(shown, occ, l, audience, now),
        `reminder:${occ.id}`,
      );
    }
    if (r.repeat) await scheduleNext(tx, r, occ.dueAt);
    return 'fired';
  });
}

/** The next occurrence of a repeating reminder, written in the same transaction as this one's firing. */
async function scheduleNext(tx: Queryable, r: Reminder, after: Date): Promise<void> {
  const next = await nextOccurrence(tx, r.repeat!, r.timezone, after);
  if (!next) return;
  await tx.insert(reminderOccurrences).values({ reminderId: r.id, dueAt: next }).onConflictDoNothing();
}
