import type { Bilingual } from '../i18n/locale.ts';

/** What to keep in the audit log about a refusal, after the refused work is rolled back. */
export type RefusalAudit = {
  action: string;
  entity?: string;
  ref?: string;
  detail?: Record<string, unknown>;
};

/** A refusal a person caused: rolled back, nothing written, answered in their language. */
export class UserError extends Error {
  constructor(
    readonly text: Bilingual,
    readonly audit?: RefusalAudit,
    /** Add the command's usage line (the person typed something that does not fit, e.g. a wrong number). */
    readonly withUsage = false,
  ) {
    super(text.en);
  }
}

export const refuse = (en: string, zh: string): never => {
  throw new UserError({ en, zh });
};

/** A refusal of what was typed (a record that does not exist): the answer ends with the usage line. */
export const refuseInput = (en: string, zh: string): never => {
  throw new UserError({ en, zh }, undefined, true);
};

/** A refusal that is itself worth auditing (e.g. a non-approver pressing Approve). */
export const refuseAudited = (audit: RefusalAudit, en: string, zh: string): never => {
  throw new UserError({ en, zh }, audit);
};
