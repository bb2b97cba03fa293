// Re-routing the seats of a person whose role changed (admin role, and later offboarding): they leave every
// pending seat they may no longer hold; a seat left empty goes to whoever holds its role now; a seat that
// was empty takes a person who now holds its role. The caller re-renders the cards and tells the new people.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.ts';
import { approvalEvents, approvalSeats, approvals } from '../db/schema.ts';
import type { Approval } from './engine.ts';
import { holderOf, holdersOf, mayHold, ruleOf } from './seats.ts';

export type Rerouted = {
  approval: Approval;
  /** People who got a seat of the step now deciding: they need the card. */
  added: number[];
  /** Whether a seat of the step now deciding has nobody who may decide it. */
  unstaffed: boolean;
};

export async function rerouteSeats(
  tx: Tx,
  personId: number,
  byPersonId: number,
  now: Date,
): Promise<Rerouted[]> {
  const person = await holderOf(tx, personId);
  if (!person) return [];
  // Pending approvals where this person sits, or where a seat has nobody, locked as a decision locks them.
  const touched = await tx
    .selectDistinct({ id: approvals.id })
    .from(approvals)
    .innerJoin(approvalSeats, eq(approvalSeats.approvalId, approvals.id))
    .where(
      and(
        eq(approvals.state, 'pending'),
        inArray(approvalSeats.state, ['open', 'waiting']),
        sql`(${personId} = any(${approvalSeats.eligible}) or cardinality(${approvalSeats.eligible}) = 0)`,
      ),
    );
  if (touched.length === 0) return [];
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
  for (const a of locked) {
    const seats = await tx
      .select()
      .from(approvalSeats)
      .where(and(eq(approvalSeats.approvalId, a.id), inArray(approvalSeats.state, ['open', 'waiting'])));
    const added = new Set<number>();
    let changed = false;
    let unstaffed = false;
    for (const s of seats) {
      let eligible = s.eligible;
      if (eligible.includes(personId) && !mayHold(s.label, person))
        eligible = eligible.filter((id) => id !== personId);
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
    if (changed || unstaffed) out.push({ approval: a, added: [...added], unstaffed });
  }
  return out;
}
