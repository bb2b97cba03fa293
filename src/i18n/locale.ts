// The two languages people read. Texts live next to the code that says them, as { en, zh } pairs,
// so a reader sees both at once and a missing translation is a type error.

export type Locale = 'zh' | 'en';
export const locales: readonly Locale[] = ['zh', 'en'];

export type Bilingual = { en: string; zh: string };

export function isLocale(value: unknown): value is Locale {
  return value === 'zh' || value === 'en';
}

export function pick(locale: Locale, text: Bilingual): string {
  return text[locale];
}
