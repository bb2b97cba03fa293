// The command metadata (src/port/commands.ts), generated from the command table: what a channel reads to
// make its own entry points and forms, and what generated files are made from (`npm run docs:commands`).
import { z } from 'zod';
import type { Bilingual } from '../i18n/locale.ts';
import type {
  CommandForm,
  CommandInfo,
  CommandMetadata,
  KeyInfo,
  KeyValue,
  NounInfo,
} from '../port/commands.ts';
import { keyKinds } from './keys.ts';
import type { CommandTable } from './parse.ts';
import type { AnyCommand } from './spec.ts';
import { formatRef, RECORD_PREFIX } from './values.ts';
import { NOUNS, type Noun, spell } from './vocabulary.ts';

const both = (table: 'noun' | 'verb' | 'key', word: string): Bilingual => ({
  en: spell(table, word, 'en'),
  zh: spell(table, word, 'zh'),
});

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The schema inside `.optional()` / `.default()`, and whether the key may be left out. */
function unwrapped(schema: z.ZodType): { inner: z.ZodType; required: boolean } {
  let inner = schema;
  let required = true;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault || inner instanceof z.ZodNullable) {
    if (!(inner instanceof z.ZodNullable)) required = false;
    inner = inner.unwrap() as z.ZodType;
  }
  return { inner, required };
}

function takes(schema: z.ZodType): KeyValue {
  const kind = keyKinds.get(schema);
  if (!kind) return { type: 'text', max: schema instanceof z.ZodString ? schema.maxLength : null };
  switch (kind.type) {
    case 'text':
      return { type: 'text', max: kind.max };
    case 'ref': {
      const prefix = RECORD_PREFIX[kind.record];
      return { type: 'ref', record: kind.record, prefix, example: formatRef(prefix, 1), names: !!kind.names };
    }
    case 'choice':
      return {
        type: 'choice',
        many: kind.many,
        // The Chinese name is the first alias written in Chinese, as the parser offers them.
        options: Object.entries(kind.options).map(([value, aliases]) => ({
          value,
          name: { en: value, zh: aliases.find((a) => /[\u4e00-\u9fff]/.test(a)) ?? value },
        })),
      };
    default:
      return { type: kind.type };
  }
}

function keyInfo(key: string, schema: z.ZodType): KeyInfo {
  const { inner, required } = unwrapped(schema);
  return { ...takes(inner), key, name: both('key', key), required };
}

function formOf<Ctx>(c: AnyCommand<Ctx>, keys: KeyInfo[]): CommandForm | null {
  if (!c.form) return null;
  const verb = c.verbs[0];
  if (!verb) throw new Error(`${c.noun}: a form needs a command with a verb`);
  const byKey = new Map(keys.map((k) => [k.key, k]));
  const asked = new Set(c.form.keys);
  const oneOf: string[][] = [];
  const alone = new Set<string>();
  for (const group of c.form.oneOf ?? []) {
    for (const key of group)
      if (!byKey.has(key)) throw new Error(`${c.noun} ${verb}: oneOf names ${key}, not a key of it`);
    const inForm = group.filter((key) => asked.has(key));
    if (inForm.length === 1) alone.add(inForm[0]!);
    else if (inForm.length > 1) oneOf.push(inForm);
  }
  const fields = c.form.keys.map((key) => {
    const info = byKey.get(key);
    if (!info) throw new Error(`${c.noun} ${verb}: its form asks for ${key}, not a key of it`);
    return alone.has(key) ? { ...info, required: true } : info;
  });
  const v = both('verb', verb);
  const n = both('noun', c.noun);
  return {
    noun: c.noun,
    verb,
    title: { en: `${capitalised(v.en)} ${n.en}`, zh: `${v.zh}${n.zh}` },
    fields,
    oneOf,
  };
}

function commandInfo<Ctx>(c: AnyCommand<Ctx>): CommandInfo {
  const keys = Object.entries(c.keys).map(([key, schema]) => keyInfo(key, schema as z.ZodType));
  const verb = c.verbs[0] ?? null;
  const n = both('noun', c.noun);
  const v = verb ? both('verb', verb) : null;
  return {
    noun: c.noun,
    verb,
    name: v ? { en: `${n.en} ${v.en}`, zh: `${n.zh} ${v.zh}` } : n,
    usage: c.usage,
    summary: c.summary,
    keys,
    entry: c.entry === true,
    form: formOf(c, keys),
  };
}

const made = new WeakMap<object, CommandMetadata>();

/** The metadata of a command table (made once per table). */
export function commandMetadata<Ctx>(table: CommandTable<Ctx>): CommandMetadata {
  const known = made.get(table);
  if (known) return known;
  const nouns: NounInfo[] = [];
  for (const noun of Object.keys(NOUNS) as Noun[]) {
    const commands = table.forNoun(noun).map(commandInfo);
    if (commands.length === 0) continue;
    nouns.push({ noun, name: both('noun', noun), entry: commands.some((c) => c.entry), commands });
  }
  const forms = nouns.flatMap((n) => n.commands.flatMap((c) => c.form ?? []));
  const metadata = { nouns, forms };
  made.set(table, metadata);
  return metadata;
}
