// Every key, verb and noun a command uses is in the vocabulary, in both languages, so help and error
// answers can name it and people can type it in Chinese.
import { describe, expect, it } from 'vitest';
import { KEYS, lookupKey, lookupNoun, lookupVerb, spell } from '../src/commands/vocabulary.ts';
import { commandTable } from '../src/flows/index.ts';

const table = commandTable();

describe('vocabulary', () => {
  it.each(table.all.map((c) => [`${c.noun} ${c.verbs[0] ?? ''}`.trim(), c] as const))(
    '%s: its words are known',
    (_, c) => {
      expect(lookupNoun(c.noun)).toBe(c.noun);
      for (const v of c.verbs) if (v) expect(lookupVerb(v)).toBe(v);
      for (const key of Object.keys(c.keys)) {
        expect(lookupKey(key), `key ${key}`).toBe(key);
        expect(spell('key', key, 'zh'), `Chinese for ${key}`).toMatch(/[\u4e00-\u9fff]/);
      }
    },
  );

  it('no alias means two keys', () => {
    const seen = new Map<string, string>();
    for (const [key, aliases] of Object.entries(KEYS)) {
      for (const a of aliases) {
        const other = seen.get(a.toLowerCase());
        expect(other === undefined || other === key, `${a} is both ${other} and ${key}`).toBe(true);
        seen.set(a.toLowerCase(), key);
      }
    }
  });
});
