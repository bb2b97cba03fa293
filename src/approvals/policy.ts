// Who must sign what (policy 3.3-3.4): steps per subject type, each step a set of seats. Defaults here;
// the organisation overrides the knobs in org_settings.settings.approvals (admin policy command).
import type { DepartmentCode } from '../commands/keys.ts';
import type { Bilingual } from '../i18n/locale.ts';

export type SubjectType = 'quote' | 'order' | 'order_change' | 'order_cancel' | 'customer_correction';

export type SeatRule =
  | { kind: 'sales_manager' }
  | { kind: 'head'; dept: DepartmentCode }
  /** The customer's owning rep or any sales manager (customer corrections). */
  | { kind: 'owner_or_manager'; ownerId: number | null };

/** 'any' (或签): one seat's sign-off completes the step. 'all' (会签): every seat must sign. */
export type StepPlan = { mode: 'any' | 'all'; seats: SeatRule[] };

export type ApprovalSettings = {
  /** Quotes above this total (minor units) also need the joint review. */
  quoteThresholdMinor: bigint;
  /** Departments whose heads sign big or key-account quotes together. */
  quoteJoint: DepartmentCode[];
};

export const DEFAULT_SETTINGS: ApprovalSettings = {
  quoteThresholdMinor: 100_000n * 100n,
  quoteJoint: ['finance', 'marketing'],
};

export function readSettings(stored: unknown): ApprovalSettings {
  const s = (stored ?? {}) as { quoteThresholdMinor?: string; quoteJoint?: DepartmentCode[] };
  return {
    quoteThresholdMinor: s.quoteThresholdMinor
      ? BigInt(s.quoteThresholdMinor)
      : DEFAULT_SETTINGS.quoteThresholdMinor,
    quoteJoint: s.quoteJoint?.length ? s.quoteJoint : DEFAULT_SETTINGS.quoteJoint,
  };
}

export function storeSettings(s: ApprovalSettings): Record<string, unknown> {
  return { quoteThresholdMinor: s.quoteThresholdMinor.toString(), quoteJoint: s.quoteJoint };
}

/** Which order fields a change touches decides whose heads must sign it. */
export const CHANGE_SIGNERS: Record<string, DepartmentCode[]> = {
  delivery: ['production', 'logistics'],
  place: ['production', 'logistics'],
  item: ['production', 'finance'],
  payment: ['production', 'finance'],
};

export type SubjectFacts =
  | { type: 'quote'; totalMinor: bigint; keyAccount: boolean }
  | { type: 'order' }
  | { type: 'order_change'; fields: string[] }
  | { type: 'order_cancel' }
  | { type: 'customer_correction'; ownerId: number | null };

export function planFor(facts: SubjectFacts, settings: ApprovalSettings): StepPlan[] {
  switch (facts.type) {
    case 'quote': {
      const steps: StepPlan[] = [{ mode: 'any', seats: [{ kind: 'sales_manager' }] }];
      if (facts.totalMinor > settings.quoteThresholdMinor || facts.keyAccount) {
        steps.push({ mode: 'all', seats: settings.quoteJoint.map((dept) => ({ kind: 'head', dept })) });
      }
      return steps;
    }
    case 'order':
    case 'order_cancel':
      return [{ mode: 'any', seats: [{ kind: 'sales_manager' }] }];
    case 'order_change': {
      const depts = [...new Set(facts.fields.flatMap((f) => CHANGE_SIGNERS[f] ?? []))];
      return [{ mode: 'all', seats: depts.map((dept) => ({ kind: 'head', dept })) }];
    }
    case 'customer_correction':
      return [{ mode: 'any', seats: [{ kind: 'owner_or_manager', ownerId: facts.ownerId }] }];
  }
}

export const SUBJECT_NAMES: Record<SubjectType, Bilingual> = {
  quote: { en: 'Quote', zh: '报价' },
  order: { en: 'Order', zh: '订单' },
  order_change: { en: 'Order change', zh: '订单变更' },
  order_cancel: { en: 'Order cancellation', zh: '订单取消' },
  customer_correction: { en: 'Customer correction', zh: '客户信息更正' },
};
