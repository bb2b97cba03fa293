// The command reference and the command table agree: every command has its section in both languages,
// and the generated index (npm run docs:commands) is up to date.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { headingsOf, INDEX_END, INDEX_START, sectionOf, withIndex } from '../src/commands/reference.ts';
import { commandTable } from '../src/flows/index.ts';

const table = commandTable();
const doc = (l: 'en' | 'zh') => readFileSync(new URL(`../docs/commands.${l}.md`, import.meta.url), 'utf8');

describe.each(['en', 'zh'] as const)('docs/commands.%s.md', (l) => {
  const text = doc(l);
  const headings = headingsOf(text);

  it('has a section for every command', () => {
    const missing = table.all
      .filter((c) => !sectionOf(c, headings))
      .map((c) => `${c.noun} ${c.verbs[0] ?? ''}`.trim());
    expect(missing).toEqual([]);
  });

  it('has the index generated from the command table (npm run docs:commands)', () => {
    expect(text).toContain(INDEX_START);
    expect(text).toContain(INDEX_END);
    expect(withIndex(text, table, l)).toBe(text);
  });

  it('links every index entry to a heading that exists', () => {
    const start = text.indexOf(INDEX_START);
    const index = text.slice(start, text.indexOf(INDEX_END));
    const anchors = new Set(headings.map((h) => h.anchor));
    const links = [...index.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThanOrEqual(table.all.length);
    expect(links.filter((a) => !anchors.has(a))).toEqual([]);
  });
});

describe('headingsOf', () => {
  it('makes the anchors GitHub makes, numbering repeats and skipping code blocks', () => {
    const md = '# A\n## customer · 客户\n```\n# not a heading\n```\n### `x` y (z)\n### `x` y (z)\n';
    expect(headingsOf(md).map((h) => h.anchor)).toEqual(['a', 'customer--客户', 'x-y-z', 'x-y-z-1']);
  });
});
