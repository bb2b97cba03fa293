// Creating and cancelling reminders inside the caller's transaction, so a reminder exists exactly when the
// change that caused it was committed. The reconciler hands new occurrences to the queue after the commit.
import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { DepartmentCode } from '../commands/keys.ts';
import { formatInSql, nextvalOf, takeNumber } from '../core/numbering.ts';
import type { Queryable } from '../db/client.ts';
import { idArray, rowsOf } from '../db/rows.ts';
import type { Bilingual } from '../i18n/locale.ts';
import { calendarAround, loadCalendar, nextWorkingTime } from './calendar.ts';

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

/**
 * One statement: the reminder (numbered from the R sequence) and its occurrences. Creating reminders is
 * on the path of many commands (follow-ups, delivery dates), so it costs one round trip, plus one calendar
 * read for reminders that move to working time.
 */
export async function createReminder(
  db: Queryable,
  input: NewReminder,
  dueTimes: Date[],
): Promise<{ id: number; number: string; due: Date[] }> {
  const t = input.target;
  const { due, text } = await prepared(db, input, dueTimes);
  const res = await db.execute(sql`
    with r as (
      insert into reminders (number, kind, subject_type, subject_ref, target_kind, target_person_id,
        target_department, target_platform, target_tenant, target_chat_id, text, repeat, timezone, urgent,
        created_by)
      values (
        ${takeNumber('R')},
        ${input.kind}, ${input.subject?.type ?? null}, ${input.subject?.ref ?? null}, ${t.kind},
        ${t.kind === 'person' ? t.personId : null}, ${t.kind === 'department' ? t.code : null},
        ${t.kind === 'chat' ? t.platform : null}, ${t.kind === 'chat' ? t.tenant : null},
        ${t.kind === 'chat' ? t.chatId : null}, ${text}, ${input.repeat ?? null}, ${input.timezone},
        ${input.urgent ?? false}, ${input.createdBy ?? null})
      returning id, number),
    ${occurrencesOf(due)}
    select id, number from r`);
  const row = rowsOf<{ id: number | string; number: string }>(res)[0]!;
  return { id: Number(row.id), number: row.number, due };
}

/** The due times as stored (moved to working time unless urgent, each once) and the text as stored. */
async function prepared(
  db: Queryable,
  input: Omit<NewReminder, 'target'>,
  dueTimes: Date[],
): Promise<{ due: Date[]; text: string }> {
  const moved = input.urgent ? dueTimes : await toWorkingTimes(db, dueTimes, input.timezone);
  const due = [...new Set(moved.map((d) => d.getTime()))].map((ms) => new Date(ms));
  return { due, text: typeof input.text === 'string' ? input.text : JSON.stringify(input.text) };
}

/** The CTE `o` that writes each reminder of the CTE `r` an occurrence at each due time. */
function occurrencesOf(due: Date[]) {
  return sql`o as (
      insert into reminder_occurrences (reminder_id, due_at)
      select r.id, d::timestamptz
      from r, jsonb_array_elements_text(${JSON.stringify(due.map((d) => d.toISOString()))}::jsonb) as d
      on conflict do nothing)`;
}

/** Every active person of a role but some (a manager who is the lead's owner, say). */
export type RoleTarget = { role: string; except: readonly number[] };

/**
 * One statement: the same reminder for every active person of `to.role` (one reminder each, numbered from
 * the R sequence) and their occurrences, so that neither the people nor each reminder costs a round trip
 * of its own. Returns how many people it reached (none: the caller may turn to a department instead).
 */
export async function createReminderForRole(
  db: Queryable,
  input: Omit<NewReminder, 'target'>,
  to: RoleTarget,
  dueTimes: Date[],
): Promise<number> {
  const { due, text } = await prepared(db, input, dueTimes);
  const res = await db.execute(sql`
    with p as (
      select id, ${nextvalOf('R')} as n from people
      where role = ${to.role} and active and not (id = any(${idArray(to.except)}::int[]))
      order by id),
    r as (
      insert into reminders (number, kind, subject_type, subject_ref, target_kind, target_person_id, text,
        repeat, timezone, urgent, created_by)
      select ${formatInSql('R', sql.raw('p.n'))}, ${input.kind},
        ${input.subject?.type ?? null}, ${input.subject?.ref ?? null}, 'person', p.id, ${text},
        ${input.repeat ?? null}, ${input.timezone}, ${input.urgent ?? false}, ${input.createdBy ?? null}
      from p
      returning id),
    ${occurrencesOf(due)}
    select count(*)::int as n from r`);
  return Number(rowsOf<{ n: number | string }>(res)[0]!.n);
}

/** Moves each time to the next working time, with one read of the calendar around them. */
async function toWorkingTimes(db: Queryable, at: Date[], zone: string): Promise<Date[]> {
  if (at.length === 0) return [];
  const ms = at.map((d) => d.getTime());
  const from = DateTime.fromMillis(Math.min(...ms), { zone: 'UTC' }).minus({ days: 7 });
  const to = DateTime.fromMillis(Math.max(...ms), { zone: 'UTC' }).plus({ days: 70 });
  const cal = await loadCalendar(db, from.toISODate()!, to.toISODate()!);
  return at.map((d) => nextWorkingTime(d, zone, cal));
}

export async function toWorkingTime(db: Queryable, at: Date, zone: string): Promise<Date> {
  return nextWorkingTime(at, zone, await calendarAround(db, at));
}

/** Cancels a subject's open reminders of the given kinds (e.g. when an order ships), with their occurrences. */
export async function cancelReminders(
  db: Queryable,
  subject: { type: string; ref: string },
  kinds: string[],
): Promise<number> {
  // One statement: the reminders and their scheduled occurrences.
  const res = await db.execute(sql`
    with r as (
      update reminders set state = 'cancelled'
      where subject_type = ${subject.type} and subject_ref = ${subject.ref} and state = 'active'
        and kind in ${kinds}
      returning id),
    o as (
      update reminder_occurrences set state = 'cancelled'
      where reminder_id in (select id from r) and state = 'scheduled')
    select count(*)::int as n from r`);
  return Number(rowsOf<{ n: number | string }>(res)[0]!.n);
}
