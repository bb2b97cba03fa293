// Where an approval's card is kept (its card key) and how every copy of it is re-rendered as it stands: used
// by the approval flow after each decision and by the reminders that mark an approval overdue, so neither
// imports the other.
import { renderApproval, viewOf } from '../approvals/card.ts';
import type { Approval } from '../approvals/engine.ts';
import type { FlowContext } from '../core/context.ts';
import { subjectHandler } from './subjects.ts';

export const cardKey = (a: Pick<Approval, 'number'>) => `approval:${a.number}`;

/** Re-renders every copy of an approval's card as it stands (e.g. after it was marked overdue). */
export async function rerenderApproval(ctx: FlowContext, approval: Approval): Promise<void> {
  const view = await viewOf(ctx, approval);
  const summary = await subjectHandler(approval.subjectType).summary(ctx, approval);
  await ctx.out.update(cardKey(approval), (l, audience) => renderApproval(view, summary, l, audience));
}
