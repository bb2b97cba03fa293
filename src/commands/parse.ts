// Text → (command, typed intent) or a CommandError that says what was wrong. Pure: no database, no clock.
import type { z } from 'zod';
import type { Bilingual } from '../i18n/locale.ts';
import { type ProblemParams, withCurrency } from './keys.ts';
import { LexError, type Token, tokenize } from './lexer.ts';
import type { AnyCommand, Intent, Mention } from './spec.ts';
import { parseRef, refKindOf } from './values.ts';
import {
  type Key,
  lookupKey,
  lookupNoun,
  lookupVerb,
  NOUNS,
  type Noun,
  VERBS,
  type Verb,
} from './vocabulary.ts';

export type CommandError =
  | { code: 'empty' }
  | { code: 'too_long'; length: number }
  | { code: 'unclosed_quote'; near: string }
  | { code: 'empty_key'; near: string }
  | { code: 'unknown_noun'; word: string }
  | { code: 'unknown_verb'; noun: Noun; word: string | null }
  | { code: 'missing_ref'; command: AnyCommand<unknown> }
  | { code: 'bad_ref'; command: AnyCommand<unknown>; word: string }
  | { code: 'unknown_key'; command: AnyCommand<unknown>; key: string }
  | { code: 'missing_key'; command: AnyCommand<unknown>; key: string }
  | { code: 'duplicate_key'; command: AnyCommand<unknown>; key: string }
  | { code: 'empty_value'; command: AnyCommand<unknown>; key: string }
  | { code: 'bad_value'; command: AnyCommand<unknown>; key: string; value: string; params: ProblemParams }
  | { code: 'too_long_value'; command: AnyCommand<unknown>; key: string; max: number }
  | { code: 'too_many'; command: AnyCommand<unknown>; key: string; max: number }
  | { code: 'stray_word'; command: AnyCommand<unknown>; word: string }
  | { code: 'missing_word'; command: AnyCommand<unknown>; name: Bilingual }
  | { code: 'missing_mention'; command: AnyCommand<unknown> }
  | { code: 'stray_mention'; command: AnyCommand<unknown> };

export type ParseResult<Ctx> =
  | { ok: true; command: AnyCommand<Ctx>; intent: Intent<z.ZodRawShape> }
  | { ok: false; error: CommandError };

export class CommandTable<Ctx> {
  private readonly byWords = new Map<string, AnyCommand<Ctx>>();
  readonly all: AnyCommand<Ctx>[];

  constructor(commands: AnyCommand<Ctx>[]) {
    this.all = commands;
    for (const c of commands) {
      for (const v of c.verbs) {
        const id = `${c.noun} ${v ?? ''}`;
        if (this.byWords.has(id)) throw new Error(`two commands for "${id}"`);
        this.byWords.set(id, c);
      }
    }
  }

  find(noun: Noun, verb: Verb | null): AnyCommand<Ctx> | undefined {
    return this.byWords.get(`${noun} ${verb ?? ''}`);
  }

  forNoun(noun: Noun): AnyCommand<Ctx>[] {
    return this.all.filter((c) => c.noun === noun);
  }

  /** `currency`: the organisation's, in which amounts are read (see parseMoney). */
  parse(text: string, opts: { currency?: string } = {}): ParseResult<Ctx> {
    let tokens: Token[];
    try {
      tokens = tokenize(text);
    } catch (e) {
      if (!(e instanceof LexError)) throw e;
      if (e.code === 'too_long') return fail({ code: 'too_long', length: Number(e.detail) });
      if (e.code === 'unclosed_quote') return fail({ code: 'unclosed_quote', near: e.detail });
      return fail({ code: 'empty_key', near: e.detail });
    }
    tokens = splitFusedWords(stripSlash(tokens));
    if (tokens.length === 0) return fail({ code: 'empty' });

    const first = tokens[0]!;
    if (first.kind !== 'word') return fail({ code: 'unknown_noun', word: tokenText(first) });
    let noun = lookupNoun(first.text);
    let rest = tokens.slice(1);
    // Chinese puts the verb first as often as not: 新增 客户 … is 客户 新增 ….
    if (!noun && lookupVerb(first.text) && rest[0]?.kind === 'word' && lookupNoun(rest[0].text)) {
      noun = lookupNoun(rest[0].text);
      rest = [first, ...rest.slice(1)];
    }
    if (!noun) return fail({ code: 'unknown_noun', word: first.text });

    let command: AnyCommand<Ctx> | undefined;
    const verbToken = rest[0];
    const verb = verbToken?.kind === 'word' && !verbToken.quoted ? lookupVerb(verbToken.text) : undefined;
    if (verb) {
      command = this.find(noun, verb);
      if (!command) return fail({ code: 'unknown_verb', noun, word: (verbToken as { text: string }).text });
      rest = rest.slice(1);
    } else {
      command = this.find(noun, null);
      if (!command) {
        const word = verbToken?.kind === 'word' ? verbToken.text : null;
        return fail({ code: 'unknown_verb', noun, word });
      }
    }
    return withCurrency(opts.currency, () => bindArguments(command, rest, text));
  }
}

function fail(error: CommandError): { ok: false; error: CommandError } {
  return { ok: false, error };
}

function tokenText(t: Token): string {
  if (t.kind === 'word') return t.text;
  if (t.kind === 'pair') return `${t.key}=${t.value}`;
  return `@${t.handle ?? t.externalId}`;
}

function stripSlash(tokens: Token[]): Token[] {
  const first = tokens[0];
  if (first?.kind === 'word' && !first.quoted && /^[/／]/.test(first.text)) {
    const text = first.text.replace(/^[/／]+/, '');
    return text ? [{ ...first, text }, ...tokens.slice(1)] : tokens.slice(1);
  }
  return tokens;
}

/** `新增客户` or `客户新增` typed as one word: split into noun and verb. */
function splitFusedWords(tokens: Token[]): Token[] {
  const first = tokens[0];
  if (first?.kind !== 'word' || first.quoted || lookupNoun(first.text) || lookupVerb(first.text))
    return tokens;
  if (!/^[\u4e00-\u9fff]{3,}$/.test(first.text)) return tokens;
  for (let cut = 1; cut < first.text.length; cut++) {
    const [a, b] = [first.text.slice(0, cut), first.text.slice(cut)];
    const fused =
      (lookupNoun(a) && lookupVerb(b)) || (lookupVerb(a) && lookupNoun(b))
        ? [
            { kind: 'word', text: a, quoted: false },
            { kind: 'word', text: b, quoted: false },
          ]
        : null;
    if (fused) return [...(fused as Token[]), ...tokens.slice(1)];
  }
  return tokens;
}

function bindArguments<Ctx>(command: AnyCommand<Ctx>, tokens: Token[], text: string): ParseResult<Ctx> {
  const c = command as AnyCommand<unknown>;
  let ref: string | null = null;
  const mentions: Mention[] = [];
  const words: string[] = [];
  const raw: Record<string, string | string[]> = {};
  const allowed = new Set(Object.keys(command.keys));

  for (const t of tokens) {
    if (t.kind === 'mention') {
      if (!command.mention) return fail({ code: 'stray_mention', command: c });
      mentions.push(t);
      continue;
    }
    if (t.kind === 'pair') {
      const key = lookupKey(t.key) as Key | undefined;
      if (!key || !allowed.has(key)) return fail({ code: 'unknown_key', command: c, key: t.key });
      if (!t.value.trim()) return fail({ code: 'empty_value', command: c, key });
      const prev = raw[key];
      raw[key] = prev === undefined ? t.value : Array.isArray(prev) ? [...prev, t.value] : [prev, t.value];
      continue;
    }
    // A bare word: the record number, or one of the command's words.
    if (command.ref && ref === null && !t.quoted && refKindOf(t.text)) {
      const parsed = parseRef(command.ref.kind, t.text);
      if (!parsed.ok) return fail({ code: 'bad_ref', command: c, word: t.text });
      ref = parsed.value;
      continue;
    }
    if (words.length < (command.words?.length ?? 0)) {
      words.push(t.text);
      continue;
    }
    if (command.ref && ref === null && !t.quoted) return fail({ code: 'bad_ref', command: c, word: t.text });
    return fail({ code: 'stray_word', command: c, word: t.text });
  }

  if (command.ref?.required && ref === null) return fail({ code: 'missing_ref', command: c });
  const missingWord = command.words?.find((w, i) => w.required && words[i] === undefined);
  if (missingWord) return fail({ code: 'missing_word', command: c, name: missingWord.name });
  if (command.mention === 'required' && mentions.length === 0)
    return fail({ code: 'missing_mention', command: c });
  if ((command.mention === 'required' || command.mention === 'optional') && mentions.length > 1) {
    return fail({ code: 'stray_mention', command: c });
  }

  const parsed = command.schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const given = raw[key];
    if (given === undefined) return fail({ code: 'missing_key', command: c, key });
    if (issue.code === 'invalid_type' && Array.isArray(given))
      return fail({ code: 'duplicate_key', command: c, key });
    if (issue.code === 'too_big' && Array.isArray(given) && issue.path.length === 1)
      return fail({ code: 'too_many', command: c, key, max: Number(issue.maximum) });
    if (issue.code === 'too_big')
      return fail({ code: 'too_long_value', command: c, key, max: Number(issue.maximum) });
    if (issue.code === 'too_small') return fail({ code: 'empty_value', command: c, key });
    const params = (issue.code === 'custom' ? issue.params : undefined) as ProblemParams | undefined;
    const value = Array.isArray(given) ? (given[Number(issue.path[1] ?? 0)] ?? given[0]!) : given;
    return fail({
      code: 'bad_value',
      command: c,
      key,
      value,
      params: params ?? { problem: 'value', example: '' },
    });
  }
  return { ok: true, command, intent: { ref, mentions, words, args: parsed.data, text } };
}

export { NOUNS, VERBS };
