// The two languages people read. Texts live next to the code that says them, as { en, zh } pairs,
// so a reader sees both at once and a missing translation is a type error.

export type Locale = 'zh' | 'en';
export const locales: readonly Locale[] = ['zh', 'en'];

export type Bilingual = { en: string; zh: string };

export function isLocale(value: unknown): value is Locale {
  return value === 'zh' || value === 'en';
}

/** The reader's language's choice of a pair: a text, or anything else that differs by language (a separator,
 * a date format). Every language must be given, so a third language is a type error wherever a choice is made. */
export function pick<T>(locale: Locale, choices: Record<Locale, T>): T {
  return choices[locale];
}

/** A stored or received language tag as a Locale: 'en' stays English, anything else reads Chinese. */
export function toLocale(value: unknown): Locale {
  return isLocale(value) ? value : 'zh';
}
