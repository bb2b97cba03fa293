// What an approval does to its subject. Each subject's flow registers its handler (see flows/index.ts), so
// the approval commands need not know quotes from orders.
import type { SubjectSummary } from '../approvals/card.ts';
import type { Approval } from '../approvals/engine.ts';
import type { SubjectType } from '../approvals/policy.ts';
import type { FlowContext } from '../core/context.ts';

export type SubjectHandler = {
  /** The subject's part of the approval card, as it stands now. */
  summary(ctx: FlowContext, approval: Approval): Promise<SubjectSummary>;
  approved(ctx: FlowContext, approval: Approval): Promise<void>;
  rejected(ctx: FlowContext, approval: Approval): Promise<void>;
  withdrawn(ctx: FlowContext, approval: Approval): Promise<void>;
};

const handlers = new Map<string, SubjectHandler>();

export function registerSubject(type: SubjectType, handler: SubjectHandler): void {
  handlers.set(type, handler);
}

export function subjectHandler(type: string): SubjectHandler {
  const h = handlers.get(type);
  if (!h) throw new Error(`no subject handler for ${type}`);
  return h;
}
