// What is generated from the command table agrees with it: every command has its section in both languages
// of the reference, whose index is up to date; the command metadata describes the table (forms, entry
// points, keys); the Slack manifest's slash commands are the ones generated from it (npm run docs:commands).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  SLASH_END,
  SLASH_START,
  slashCommands,
  withSlashCommands,
} from '../adapters/slack/manifest-commands.ts';
import { commandMetadata } from '../src/commands/metadata.ts';
import { headingsOf, INDEX_END, INDEX_START, sectionOf, withIndex } from '../src/commands/reference.ts';
import { commandTable } from '../src/flows/index.ts';
import type { CommandMetadata } from '../src/port/index.ts';

const table = commandTable();
const metadata: CommandMetadata = commandMetadata(table);
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

describe('the command metadata', () => {
  it('describes every command of the table, once, with its keys', () => {
    const commands = metadata.nouns.flatMap((n) => n.commands);
    expect(commands.length).toBe(table.all.length);
    for (const c of commands) {
      const spec = table.find(c.noun as never, c.verb as never)!;
      expect(c.keys.map((k) => k.key)).toEqual(Object.keys(spec.keys));
      expect(c.usage).toEqual(spec.usage);
    }
  });

  it('names and types the keys as the command language reads them', () => {
    const quoteNew = metadata.nouns.find((n) => n.noun === 'quote')!.commands.find((c) => c.verb === 'new')!;
    const key = (k: string) => quoteNew.keys.find((x) => x.key === k)!;
    expect(key('valid')).toMatchObject({
      type: 'date',
      required: false,
      name: { en: 'valid', zh: '有效期' },
    });
    expect(key('tax')).toMatchObject({
      type: 'choice',
      options: [
        { value: 'included', name: { en: 'included', zh: '含税' } },
        { value: 'excluded', name: { en: 'excluded', zh: '不含税' } },
      ],
    });
    expect(key('item')).toMatchObject({ type: 'item', required: true });
    expect(key('customer')).toMatchObject({
      type: 'ref',
      record: 'customer',
      example: 'C-0001',
      names: true,
    });
    expect(key('lead')).toMatchObject({ type: 'ref', record: 'lead', names: false });
    expect(key('note')).toMatchObject({ type: 'text', max: 1000 });
  });

  it('gives lead, quote and order an entry point and quote new and order new a form', () => {
    expect(metadata.nouns.filter((n) => n.entry).map((n) => n.noun)).toEqual(['lead', 'quote', 'order']);
    expect(metadata.forms.map((f) => `${f.noun} ${f.verb}`)).toEqual(['quote new', 'order new']);
    const [quote, order] = metadata.forms;
    expect(quote!.title).toEqual({ en: 'New quote', zh: '新建报价' });
    // The quote form does not ask for lead=, so its customer is required; the order's customer or quote.
    expect(quote!.fields.find((f) => f.key === 'customer')!.required).toBe(true);
    expect(quote!.oneOf).toEqual([]);
    expect(order!.fields.find((f) => f.key === 'customer')!.required).toBe(false);
    expect(order!.oneOf).toEqual([['customer', 'from']]);
  });
});

describe('adapters/slack/manifest.yaml', () => {
  const manifest = readFileSync(new URL('../adapters/slack/manifest.yaml', import.meta.url), 'utf8');

  it('has the slash commands generated from the command table (npm run docs:commands)', () => {
    expect(manifest).toContain(SLASH_START);
    expect(manifest).toContain(SLASH_END);
    expect(withSlashCommands(manifest, metadata)).toBe(manifest);
  });

  it('is a manifest Slack takes: /crm and one command per noun with an entry point, within its limits', () => {
    const commands = parse(manifest).features.slash_commands as Record<string, unknown>[];
    expect(commands.map((c) => c.command)).toEqual(['/crm', '/lead', '/quote', '/order']);
    expect(commands.map((c) => c.command)).toEqual(slashCommands(metadata).map((c) => c.command));
    for (const c of commands) {
      expect(String(c.command).length).toBeLessThanOrEqual(32);
      expect(String(c.description).length).toBeLessThanOrEqual(2000);
      expect(String(c.usage_hint).length).toBeLessThanOrEqual(1000);
      expect(c).toMatchObject({ url: 'https://salesrelay.example.com/slack/events', should_escape: true });
    }
    expect(commands[2]!.description).toMatch(/\/quote new opens a form/);
  });

  it('fails when a command is missing from it', () => {
    const stale = manifest.replace(/ {4}- command: \/order[\s\S]*?should_escape: true\n/, '');
    expect(stale).not.toBe(manifest);
    expect(withSlashCommands(stale, metadata)).toBe(manifest);
  });
});
