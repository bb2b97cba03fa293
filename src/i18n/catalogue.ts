// The message catalogue: what people read that is not a flow's own answer — the words every channel needs
// around the core's messages (a text-only hint, "working on it", a form's labels, a button typed instead).
// Typed: each language is one file (src/i18n/messages/<locale>.ts) that must give every message, so a
// missing translation is a compile error and a third language is one more file. The flows' answers are
// still { en, zh } pairs beside their code (src/i18n/locale.ts); they move here as they are touched.
import type { Catalogue } from './catalogue-shape.ts';
import type { Locale } from './locale.ts';
import { en } from './messages/en.ts';
import { zh } from './messages/zh.ts';

export type { Catalogue };

const CATALOGUES: Record<Locale, Catalogue> = { en, zh };

/** The catalogue of a language. */
export function messages(l: Locale): Catalogue {
  return CATALOGUES[l];
}

/** A message in every language, for a reader whose language is not known yet ("en / zh"). */
export function inEveryLanguage(pick: (c: Catalogue) => string): string {
  return [pick(en), pick(zh)].join(' / ');
}
