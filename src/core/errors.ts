import type { Bilingual } from '../i18n/locale.ts';

/** A refusal a person caused: rolled back, nothing written, answered in their language. */
export class UserError extends Error {
  constructor(readonly text: Bilingual) {
    super(text.en);
  }
}

export const refuse = (en: string, zh: string): never => {
  throw new UserError({ en, zh });
};
