// The message catalogue (src/i18n/catalogue.ts): the compiler makes every language give every message;
// this checks what it cannot — no message is empty, and the Chinese one is in Chinese.
import { describe, expect, it } from 'vitest';
import { type Catalogue, inEveryLanguage, messages } from '../src/i18n/catalogue.ts';
import { locales } from '../src/i18n/locale.ts';

/** Every message of a catalogue as text (functions given a sample argument), by its path. */
function leaves(c: unknown, path = ''): [string, string][] {
  if (typeof c === 'string') return [[path, c]];
  // A sample argument every message function takes: a list of one value reads as that value in a text.
  if (typeof c === 'function') return [[path, String((c as (x: unknown) => unknown)(['7']))]];
  return Object.entries(c as Record<string, unknown>).flatMap(([k, v]) =>
    leaves(v, path ? `${path}.${k}` : k),
  );
}

describe('the message catalogue', () => {
  it.each(locales)('%s gives every message, none empty', (l) => {
    const all = leaves(messages(l));
    expect(all.length).toBe(leaves(messages('en')).length);
    expect(all.filter(([, text]) => text.trim() === '').map(([p]) => p)).toEqual([]);
  });

  it('the Chinese messages are written in Chinese (a copied English one would show)', () => {
    const notChinese = leaves(messages('zh')).filter(([, t]) => !/[\u4e00-\u9fff]/.test(t));
    expect(notChinese.map(([p]) => p)).toEqual([]);
  });

  it('a message for a reader whose language is not known yet carries every language', () => {
    const text = inEveryLanguage((m: Catalogue) => m.textOnly);
    for (const l of locales) expect(text).toContain(messages(l).textOnly);
  });

  it('messages with a value put it in', () => {
    for (const l of locales)
      expect(messages(l).typeInstead('order ack SO-0001')).toContain('order ack SO-0001');
  });
});
