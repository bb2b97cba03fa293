// Fires one reminder occurrence: its messages go into the outbox in the same transaction that marks it
// fired, so a retry, a second worker or a re-added job finds it fired and does nothing twice.
import { and, eq, sql } from 'drizzle-orm';
import type { DepartmentCode } from '../commands/keys.ts';
import { sendToContacts } from '../core/contact-posts.ts';
import { loadOrg, type Org } from '../core/org.ts';
import { OutboxBatch, type OutboxRow, type Target } from '../core/outbox.ts';
import type { Db, Queryable, Tx } from '../db/client.ts';
import { idArray, rowsOf } from '../db/rows.ts';
import { departments, people, reminderOccurrences, reminders } from '../db/schema.ts';
import { fireHook } from './hooks.ts';
import { renderReminder } from './render.ts';
import { nextOccurrence } from './repeat.ts';
import type { Occurrence, Reminder } from './rows.ts';

export type { Occurrence, Reminder } from './rows.ts';

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
  const { self } = await fireOccurrences(db, id, { now });
  return self === 'fired' ? 'fired' : 'skipped';
}

export type FireOptions = {
  /** The firing time the cards show (tests fire ahead of time); default now. */
  now?: Date;
  /** Also fire up to this many other occurrences that are due now, in due order, in the same transaction. */
  batch?: number;
  /** Write posts already claimed for this many ms, for the caller to send at once (see OutboxBatch). */
  leaseMs?: number;
  /** With leaseMs: whether a waiting outbox row is the caller's own (see OutboxBatch). */
  ownedHere?: (outboxId: number) => boolean;
  /** Configured channels that reach people by contact address (a hook may ask for its text to go there too). */
  contactChannels?: readonly string[];
};

export type FireResult = {
  /** What became of the occurrence asked for; 'busy': another worker holds it (batch mode), look again. */
  self: 'fired' | 'skipped' | 'busy';
  fired: number;
  /** Every occurrence this call claimed (fired or stood down), the one asked for included. */
  claimed: number[];
  /** The outbox rows written, in due order; those in state 'sending' are leased to the caller. */
  outbox: OutboxRow[];
};

/**
 * Fires occurrence `id` (and, with `batch`, others due now) in one transaction: claims them, writes their
 * messages to the outbox, and schedules the next occurrence of repeating ones. A second run, a second
 * worker or a re-added job finds them fired and does nothing. An occurrence another worker is firing
 * right now is waited for (row lock), so a crash of that worker rolls back to us and we fire it.
 */
export async function fireOccurrences(db: Db, id: number, opts: FireOptions = {}): Promise<FireResult> {
  // Most jobs of a burst find their occurrence fired by an earlier batch: one read, no transaction.
  const [current] = await db
    .select({ state: reminderOccurrences.state })
    .from(reminderOccurrences)
    .where(eq(reminderOccurrences.id, Number(id)));
  if (current?.state !== 'scheduled') return { self: 'skipped', fired: 0, claimed: [], outbox: [] };
  return fire(db, Number(id), opts);
}

/**
 * Fires up to `batch` occurrences due now, in due order, that no other worker holds: a worker that found
 * a full batch due goes on with the next one without waiting for their jobs to come round. `self` is
 * 'skipped' (there is no occurrence asked for).
 */
export async function fireDue(db: Db, opts: FireOptions & { batch: number }): Promise<FireResult> {
  return fire(db, null, opts);
}

async function fire(db: Db, id: number | null, opts: FireOptions): Promise<FireResult> {
  const now = opts.now ?? new Date();
  const extra = Math.max(0, (opts.batch ?? 1) - (id === null ? 0 : 1));
  return db.transaction(async (tx) => {
    let self: FireResult['self'] = 'skipped';
    // This one and, in batch mode, the next ones due, locked first: each lookup walks an index, and
    // one another worker is firing right now is skipped (waiting for it would hold a connection per
    // waiting job; the caller looks again shortly instead).
    let ids = id === null ? [] : [id];
    if (extra > 0) {
      const locked = rowsOf<{ id: string | number; state: string }>(
        await tx.execute(sql`
          with self as (
            select id, state from reminder_occurrences where id = ${id ?? 0} for update skip locked),
          others as (
            select id, state from reminder_occurrences
            where state = 'scheduled' and due_at <= now() and id <> ${id ?? 0}
            order by due_at, id limit ${extra} for update skip locked)
          select id, state from self union all select id, state from others`),
      );
      // Not among them: another worker holds it ('busy'). Among them but no longer scheduled: fired
      // meanwhile by another batch ('skipped').
      if (id !== null && !locked.some((r) => Number(r.id) === id)) self = 'busy';
      ids = locked.filter((r) => r.state === 'scheduled').map((r) => Number(r.id));
    }
    const claimed = await tx
      .update(reminderOccurrences)
      .set({ state: 'fired', firedAt: now })
      .where(
        and(
          eq(reminderOccurrences.state, 'scheduled'),
          sql`${reminderOccurrences.id} = any(${idArray(ids)}::bigint[])`,
        ),
      )
      .returning();
    if (claimed.length === 0) return { self, fired: 0, claimed: [], outbox: [] };
    const owners = await tx
      .select()
      .from(reminders)
      .where(sql`${reminders.id} = any(${idArray(claimed.map((o) => o.reminderId))}::int[])`);
    const byId = new Map(owners.map((r) => [r.id, r]));
    // In due order; at one due time, by subject: a hook may lock its subject (an escalation locks its
    // approval), and two batches then lock the subjects they share in one order (no deadlock between them).
    // Whatever changes a subject locks its occurrences first (approvals/engine.ts lockApprovalReminders).
    const subject = (o: Occurrence) => {
      const r = byId.get(o.reminderId);
      return `${r?.subjectType ?? ''}\n${r?.subjectRef ?? ''}`;
    };
    claimed.sort(
      (a, b) =>
        a.dueAt.getTime() - b.dueAt.getTime() ||
        (subject(a) < subject(b) ? -1 : subject(a) > subject(b) ? 1 : 0) ||
        a.id - b.id,
    );
    const org = { ...(await loadOrg(tx)), contactChannels: opts.contactChannels ?? [] };
    const batch = new OutboxBatch(tx, org);
    await batch.preload(owners.flatMap((r) => targetOf(r) ?? []));
    const stood: number[] = [];
    for (const occ of claimed) {
      const r = byId.get(occ.reminderId);
      const result = await fireOne(tx, r, occ, now, batch, org);
      if (result === 'fired') {
        if (occ.id === id) self = 'fired';
      } else stood.push(occ.id);
      if (r?.repeat && result !== 'gone') await scheduleNext(tx, r, occ.dueAt);
    }
    if (stood.length)
      await tx
        .update(reminderOccurrences)
        .set({ state: 'cancelled' })
        .where(sql`${reminderOccurrences.id} = any(${idArray(stood)}::bigint[])`);
    const rows = await batch.flush(
      opts.leaseMs ? { leaseMs: opts.leaseMs, ...(opts.ownedHere ? { ownedHere: opts.ownedHere } : {}) } : {},
    );
    return { self, fired: claimed.length - stood.length, claimed: claimed.map((o) => o.id), outbox: rows };
  });
}

/** Adds one occurrence's messages to the batch, unless its reminder is gone or its hook says skip. */
async function fireOne(
  tx: Tx,
  r: Reminder | undefined,
  occ: Occurrence,
  now: Date,
  batch: OutboxBatch,
  org: Org,
): Promise<'fired' | 'skip' | 'gone'> {
  if (r?.state !== 'active') return 'gone';
  const hook = fireHook(r.kind);
  const outcome = hook ? await hook(tx, r, occ, now) : undefined;
  if (outcome && 'skip' in outcome) return 'skip';
  const shown = outcome?.text ? { ...r, text: JSON.stringify(outcome.text) } : r;
  const target = targetOf(r);
  if (target)
    await batch.send(
      target,
      (l, audience) => renderReminder(shown, occ, l, audience, now),
      `reminder:${occ.id}`,
    );
  // Also by contact address (a monthly report the policy says goes by email too): to the person it is for,
  // or to everyone of the department it is for; the same text, as their direct chat would show it.
  if (outcome && 'text' in outcome && outcome.byContact && target) {
    const ids = await recipientsOf(tx, r);
    await sendToContacts(
      tx,
      org,
      ids,
      (l) => renderReminder(shown, occ, l, 'private', now),
      `mail:reminder:${occ.id}`,
    );
  }
  return 'fired';
}

/** The people a reminder is for: its person, or the active people of its department (none for a chat). */
async function recipientsOf(tx: Tx, r: Reminder): Promise<number[]> {
  if (r.targetKind === 'person' && r.targetPersonId) return [r.targetPersonId];
  if (r.targetKind !== 'department' || !r.targetDepartment) return [];
  const rows = await tx
    .select({ id: people.id })
    .from(people)
    .innerJoin(departments, eq(departments.id, people.departmentId))
    .where(and(eq(departments.code, r.targetDepartment), eq(people.active, true)));
  return rows.map((p) => p.id);
}

/** The next occurrence of a repeating reminder, written in the same transaction as this one's firing. */
async function scheduleNext(tx: Queryable, r: Reminder, after: Date): Promise<void> {
  const next = await nextOccurrence(tx, r.repeat!, r.timezone, after);
  if (!next) return;
  await tx.insert(reminderOccurrences).values({ reminderId: r.id, dueAt: next }).onConflictDoNothing();
}
