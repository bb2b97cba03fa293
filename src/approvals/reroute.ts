// Re-routing the seats of a person whose role changed (admin role) or who left (admin offboard): they leave
// every pending seat they may no longer hold; a seat left empty goes to whoever holds its role now; a seat
// that was empty takes a person who now holds its role. On a handover the successor takes the seats they may
// hold and the requests the person made. The caller re-renders the cards and tells the new people.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.ts';
import { approvalEvents, approvalSeats, approvals } from '../db/schema.ts';
import { type Approval, lockApprovalReminders } from './engine.ts';
import { holderOf, holdersOf, mayHold, ruleOf } from './seats.ts';

export type Rerouted = {
  approval: Approval;
  /** People who got a seat of the step now deciding: they need the card. */
  added: number[];
  /** Whether a seat of the step now deciding has nobody who may decide it. */
  unstaffed: boolean;
  /** Seats the successor took from the person (a handover). */
  seatsToSuccessor: number;
  /** Whether the successor became the requester (a handover of the person's own request). */
  requestToSuccessor: boolean;
};

export async function rerouteSeats(
  tx: Tx,
  personId: number,
  byPersonId: number,
  now: Date,
  successorId?: number,
): Promise<Rerouted[]> {
  const person = await holderOf(tx, personId);
  if (!person) return [];
  const successor = successorId ? await holderOf(tx, successorId) : null;
  // Pending approvals where this person sits, or where a seat has nobody (or, on a handover, that this person
  // asked for), locked as a decision locks them.
  const touched = await tx
    .selectDistinct({ id: approvals.id, number: approvals.number })
    .from(approvals)
    .innerJoin(approvalSeats, eq(approvalSeats.approvalId, approvals.id))
    .where(
      and(
        eq(approvals.state, 'pending'),
        inArray(approvalSeats.state, ['open', 'waiting']),
        sql`(${personId} = any(${approvalSeats.eligible}) or cardinality(${approvalSeats.eligible}) = 0${successor ? sql` or ${approvals.requesterId} = ${personId}` : sql``})`,
      ),
    );
  if (touched.length === 0) return [];
  // Their reminder occurrences first, then the rows, as every change of an approval takes them (engine.ts).
  await lockApprovalReminders(
    tx,
    touched.map((t) => t.number),
  );
  const locked = await tx
    .select()
    .from(approvals)
    .where(
      and(
        inArray(
          approvals.id,
          touched.map((t) => t.id),
        ),
        eq(approvals.state, 'pending'),
      ),
    )
    .orderBy(approvals.id)
    .for('update');
  const out: Rerouted[] = [];
  for (let a of locked) {
    // The successor now owns the subject, so they hear the outcome and may withdraw; they cannot decide it.
    const requestToSuccessor = !!successor && a.requesterId === personId;
    if (successor && requestToSuccessor) {
      const [moved] = await tx
        .update(approvals)
        .set({ requesterId: successor.id, updatedAt: now })
        .where(eq(approvals.id, a.id))
        .returning();
      a = moved!;
      await tx.insert(approvalEvents).values({
        approvalId: a.id,
        stepNo: a.currentStep,
        personId: byPersonId,
        kind: 'handover',
        note: `requester: ${personId} -> ${successor.id}`,
        targetPersonId: successor.id,
        at: now,
      });
    }
    const seats = await tx
      .select()
      .from(approvalSeats)
      .where(and(eq(approvalSeats.approvalId, a.id), inArray(approvalSeats.state, ['open', 'waiting'])));
    const added = new Set<number>();
    let changed = requestToSuccessor;
    let unstaffed = false;
    let seatsToSuccessor = 0;
    for (const s of seats) {
      let eligible = s.eligible;
      if (eligible.includes(personId) && !mayHold(s.label, person)) {
        // Never on their own request, never twice on one seat, and only a seat their role may hold.
        const heir =
          successor &&
          successor.id !== a.requesterId &&
          !eligible.includes(successor.id) &&
          mayHold(s.label, successor)
            ? successor.id
            : null;
        eligible = eligible.flatMap((id) => (id !== personId ? [id] : heir ? [heir] : []));
        if (heir) seatsToSuccessor++;
      }
      // Nobody decides their own request, also one they took over.
      if (requestToSuccessor) eligible = eligible.filter((id) => id !== a.requesterId);
      if (eligible.length === 0) eligible = await holdersOf(tx, ruleOf(s.label), a.requesterId);
      if (eligible.join() === s.eligible.join()) {
        if (eligible.length === 0 && s.stepNo === a.currentStep) unstaffed = true;
        continue;
      }
      changed = true;
      await tx.update(approvalSeats).set({ eligible }).where(eq(approvalSeats.id, s.id));
      await tx.insert(approvalEvents).values({
        approvalId: a.id,
        stepNo: s.stepNo,
        personId: byPersonId,
        kind: 'reroute',
        note: `${s.label}: ${s.eligible.join(',') || '-'} -> ${eligible.join(',') || '-'}`,
        targetPersonId: personId,
        at: now,
      });
      if (s.stepNo === a.currentStep) {
        for (const id of eligible) if (!s.eligible.includes(id)) added.add(id);
        if (eligible.length === 0) unstaffed = true;
      }
    }
    if (changed || unstaffed)
      out.push({ approval: a, added: [...added], unstaffed, seatsToSuccessor, requestToSuccessor });
  }
  return out;
}
