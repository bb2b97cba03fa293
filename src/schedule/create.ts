// Creating and cancelling reminders inside the caller's transaction, so a reminder exists exactly when the
// change that caused it was committed. The queue picks new occurrences up (enqueued_at is null).
import { and, eq, inArray } from 'drizzle-orm';
import type { DepartmentCode } from '../commands/keys.ts';
import { nextNumber } from '../core/numbering.ts';
import type { Queryable } from '../db/client.ts';
import { reminderOccurrences, reminders } from '../db/schema.ts';
import type { Bilingual } from '../i18n/locale.ts';
import { calendarAround, nextWorkingTime } from './calendar.ts';

export type ReminderTarget =
  | { kind: 'person'; personId: number }
  | { kind: 'department'; code: DepartmentCode }
  | { kind: 'chat'; platform: string; tenant: string; chatId: string };

export type NewReminder = {
  kind: string;
  subject?: { type: string; ref: string };
  target: ReminderTarget;
  /** Typed by a person (personal reminders), or both languages (system reminders). */
  text: string | Bilingual;
  repeat?: string | null;
  timezone: string;
  /** Non-urgent reminders move to the next working time of the target's calendar. */
  urgent?: boolean;
  createdBy?: number | null;
};

export async function createReminder(
  db: Queryable,
  input: NewReminder,
  dueTimes: Date[],
): Promise<{ id: number; number: string; due: Date[] }> {
  const number = await nextNumber(db, 'R');
  const t = input.target;
  const [row] = await db
    .insert(reminders)
    .values({
      number,
      kind: input.kind,
      subjectType: input.subject?.type ?? null,
      subjectRef: input.subject?.ref ?? null,
      targetKind: t.kind,
      targetPersonId: t.kind === 'person' ? t.personId : null,
      targetDepartment: t.kind === 'department' ? t.code : null,
      targetPlatform: t.kind === 'chat' ? t.platform : null,
      targetTenant: t.kind === 'chat' ? t.tenant : null,
      targetChatId: t.kind === 'chat' ? t.chatId : null,
      text: typeof input.text === 'string' ? input.text : JSON.stringify(input.text),
      repeat: input.repeat ?? null,
      timezone: input.timezone,
      urgent: input.urgent ?? false,
      createdBy: input.createdBy ?? null,
    })
    .returning({ id: reminders.id });
  const due = input.urgent
    ? dueTimes
    : await Promise.all(dueTimes.map((d) => toWorkingTime(db, d, input.timezone)));
  const unique = [...new Set(due.map((d) => d.getTime()))].map((ms) => new Date(ms));
  if (unique.length) {
    await db
      .insert(reminderOccurrences)
      .values(unique.map((dueAt) => ({ reminderId: row!.id, dueAt })))
      .onConflictDoNothing();
  }
  return { id: row!.id, number, due: unique };
}

export async function toWorkingTime(db: Queryable, at: Date, zone: string): Promise<Date> {
  return nextWorkingTime(at, zone, await calendarAround(db, at));
}

/** Cancels a subject's open reminders of the given kinds (e.g. when an order ships). */
export async function cancelReminders(
  db: Queryable,
  subject: { type: string; ref: string },
  kinds: string[],
): Promise<number> {
  const rows = await db
    .update(reminders)
    .set({ state: 'cancelled' })
    .where(
      and(
        eq(reminders.subjectType, subject.type),
        eq(reminders.subjectRef, subject.ref),
        inArray(reminders.kind, kinds),
        eq(reminders.state, 'active'),
      ),
    )
    .returning({ id: reminders.id });
  if (rows.length) {
    await db
      .update(reminderOccurrences)
      .set({ state: 'cancelled' })
      .where(
        and(
          inArray(
            reminderOccurrences.reminderId,
            rows.map((r) => r.id),
          ),
          eq(reminderOccurrences.state, 'scheduled'),
        ),
      );
  }
  return rows.length;
}
