// The approvals waiting for a person: their current step has an open seat this person may take. Asked by
// `approval list` and by the web workspace's dashboard, so both name the same ones.
import { and, eq, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { approvalSeats, approvals } from '../db/schema.ts';

export type WaitingApproval = {
  id: number;
  number: string;
  ref: string;
  type: string;
  step: number;
  since: Date;
  overdue: Date | null;
};

export async function approvalsWaitingFor(
  db: Queryable,
  personId: number,
  limit: number,
): Promise<WaitingApproval[]> {
  return db
    .selectDistinct({
      id: approvals.id,
      number: approvals.number,
      ref: approvals.subjectRef,
      type: approvals.subjectType,
      step: approvals.currentStep,
      since: approvals.updatedAt,
      overdue: approvals.overdueAt,
    })
    .from(approvals)
    .innerJoin(
      approvalSeats,
      and(eq(approvalSeats.approvalId, approvals.id), eq(approvalSeats.stepNo, approvals.currentStep)),
    )
    .where(
      and(
        eq(approvals.state, 'pending'),
        eq(approvalSeats.state, 'open'),
        sql`${personId} = any(${approvalSeats.eligible})`,
      ),
    )
    .orderBy(approvals.id)
    .limit(limit);
}
