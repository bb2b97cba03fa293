// Pinyin for search (issue 21): a customer or contact name is stored with its pinyin, whole and by
// initials ("华星科技" → "huaxingkeji hxkj"), so `customer find huaxing`, `customer find hxkj` and a name typed
// in traditional characters or with a homophone (華星) find it. Written with the name; rows written before
// this existed are filled once at start (fillMissingPinyin).
import { and, eq, isNull, sql } from 'drizzle-orm';
import { pinyin } from 'pinyin-pro';
import type { Queryable } from '../db/client.ts';
import { contacts, customers } from '../db/schema.ts';

const HAN = /\p{Script=Han}/u;

/** Lower case, full-width folded, and without spaces or punctuation: how names and queries are compared. */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}\s]+/gu, '');
}

/** The searchable pinyin of a name, or null when it has no Chinese characters (its letters are searched as they are). */
export function pinyinOf(name: string): string | null {
  if (!HAN.test(name)) return null;
  const folded = name.normalize('NFKC');
  const whole = pinyin(folded, { toneType: 'none', type: 'array', nonZh: 'consecutive' });
  const initials = pinyin(folded, {
    pattern: 'first',
    toneType: 'none',
    type: 'array',
    nonZh: 'consecutive',
  });
  return `${foldForSearch(whole.join(''))} ${foldForSearch(initials.join(''))}`;
}

/**
 * What a query is looked for in the stored pinyin: letters as typed (spaces and tone marks off), or a
 * Chinese query's own pinyin, so 華星 finds 华星. Null when the query has neither (digits only).
 */
export function pinyinQuery(text: string): string | null {
  const q = HAN.test(text)
    ? foldForSearch(
        pinyin(text.normalize('NFKC'), { toneType: 'none', type: 'array', nonZh: 'consecutive' }).join(''),
      )
    : foldForSearch(text.normalize('NFD').replace(/\p{M}/gu, ''));
  return /[a-z]{2,}/.test(q) ? q : null;
}

/** Fills the pinyin of names written before it was stored; a few hundred rows at a time, until none is left. */
export async function fillMissingPinyin(db: Queryable): Promise<number> {
  let filled = 0;
  for (const table of [customers, contacts] as const) {
    for (;;) {
      const rows = await db
        .select({ id: table.id, name: table.name })
        .from(table)
        .where(and(isNull(table.namePinyin), sql`${table.name} ~ '[一-鿿]'`))
        .limit(500);
      if (rows.length === 0) break;
      for (const r of rows)
        await db
          .update(table)
          .set({ namePinyin: pinyinOf(r.name) ?? '' })
          .where(eq(table.id, r.id));
      filled += rows.length;
    }
  }
  return filled;
}
