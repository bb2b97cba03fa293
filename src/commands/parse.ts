// Text → (command, typed intent) or a CommandError that says what was wrong. Pure: no database, no clock.
import type { z } from 'zod';
import type { Bilingual } from '../i18n/locale.ts';
import { type ProblemParams, withCurrency } from './keys.ts';
import { LexError, type Token, tokenize } from './lexer.ts';
import { commandsOf } from './lines.ts';
import { nearest } from './nearest.ts';
import { dropAppName, shortForm } from './short-forms.ts';
import type { AnyCommand, Intent, Mention } from './spec.ts';
import { parseRef, refKindOf } from './values.ts';
import {
  KEYS,
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
  | { code: 'control_char'; char: string }
  /** `suggestion`: the one word clearly nearest to what was typed (custmer → customer), if there is one. */
  | { code: 'unknown_noun'; word: string; suggestion?: string }
  | { code: 'unknown_verb'; noun: Noun; word: string | null; suggestion?: string }
  /** Two lines of one message that each start a command (one message is one command). */
  | { code: 'several_commands'; commands: string[] }
  /** An everyday phrase with no command of its own ("my leads", "export customers"): these come closest. */
  | {
      code: 'use_instead';
      why: 'mine' | 'export';
      asked: string;
      noun: Noun | null;
      instead: AnyCommand<unknown>[];
    }
  | { code: 'missing_ref'; command: AnyCommand<unknown> }
  | { code: 'bad_ref'; command: AnyCommand<unknown>; word: string }
  | { code: 'unknown_key'; command: AnyCommand<unknown>; key: string; suggestion?: string }
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
    if (/[\r\n]/.test(text)) {
      const commands = commandsOf(text, (piece) => this.startsCommand(piece));
      if (commands.length > 1) return fail({ code: 'several_commands', commands });
    }
    let tokens: Token[];
    try {
      tokens = tokenize(text);
    } catch (e) {
      if (!(e instanceof LexError)) throw e;
      if (e.code === 'too_long') return fail({ code: 'too_long', length: Number(e.detail) });
      if (e.code === 'unclosed_quote') return fail({ code: 'unclosed_quote', near: e.detail });
      if (e.code === 'control_char') return fail({ code: 'control_char', char: e.detail });
      return fail({ code: 'empty_key', near: e.detail });
    }
    tokens = dropAppName(stripSlash(tokens));
    const short = shortForm(tokens, (n) => this.find(n, 'list') !== undefined);
    if (short.kind === 'mine' || short.kind === 'export') {
      const nouns = short.noun ? [short.noun] : (Object.keys(NOUNS) as Noun[]);
      const instead = nouns.flatMap((n) => this.find(n, 'list') ?? []) as AnyCommand<unknown>[];
      return fail({ code: 'use_instead', why: short.kind, asked: short.asked, noun: short.noun, instead });
    }
    if (short.kind === 'rewrite') tokens = short.tokens;
    tokens = splitFusedWords(tokens);
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
    if (!noun) return fail(this.unknownNoun(first.text, rest[0]));

    let command: AnyCommand<Ctx> | undefined;
    const verbToken = rest[0];
    // A noun whose one command takes no verb but words (help) reads the next word as its own: `help kpi`.
    const own = this.forNoun(noun);
    const wordsOnly = own.length > 0 && own.every((c) => c.verbs.length === 1 && !c.verbs[0] && c.words);
    const verb =
      verbToken?.kind === 'word' && !verbToken.quoted && !wordsOnly ? lookupVerb(verbToken.text) : undefined;
    if (verb) {
      command = this.find(noun, verb);
      if (!command) return fail(this.unknownVerb(noun, (verbToken as { text: string }).text));
      rest = rest.slice(1);
    } else {
      command = this.find(noun, null);
      if (!command) return fail(this.unknownVerb(noun, verbToken?.kind === 'word' ? verbToken.text : null));
    }
    return withCurrency(opts.currency, () => bindArguments(command, rest, text));
  }

  /** Whether a line of a message starts a command of its own (for telling two commands from one long one). */
  private startsCommand(piece: string): boolean {
    let tokens: Token[];
    try {
      tokens = dropAppName(stripSlash(tokenize(piece)));
    } catch {
      return false;
    }
    const [a, b] = tokens;
    if (a?.kind !== 'word' || a.quoted) return false;
    if (lookupNoun(a.text) || splitFusedWords(tokens) !== tokens) return true;
    if (lookupVerb(a.text) && b?.kind === 'word' && lookupNoun(b.text)) return true;
    if (shortForm(tokens, () => true).kind !== 'none') return true;
    return this.nearestNoun(a.text) !== undefined;
  }

  /** The noun spelling nearest to a mistyped word, if one is clearly nearest. */
  nearestNoun(word: string): string | undefined {
    // Planned nouns take part, so that a word nearest to one is not "corrected" to another, but are not offered.
    const all = (Object.keys(NOUNS) as Noun[]).flatMap((n) => NOUNS[n].map((w) => [w, n] as const));
    const found = nearest(word, all);
    return found && this.forNoun(found.meaning).length > 0 ? found.spelling : undefined;
  }

  private unknownNoun(word: string, next: Token | undefined): CommandError {
    const after = next?.kind === 'word' && !next.quoted ? next.text : undefined;
    if (lookupVerb(word)) {
      // `add custmer …`: a verb first, then a mistyped noun.
      const meant = after && this.nearestNoun(after);
      return meant
        ? { code: 'unknown_noun', word: after, suggestion: meant }
        : { code: 'unknown_noun', word };
    }
    const suggestion = this.nearestNoun(word);
    if (suggestion) return { code: 'unknown_noun', word, suggestion };
    // `nwe customer …`: a mistyped verb first, then the noun.
    const noun = after && lookupNoun(after);
    const verb = noun && this.nearestVerb(noun, word);
    return verb ? { code: 'unknown_noun', word, suggestion: verb } : { code: 'unknown_noun', word };
  }

  private nearestVerb(noun: Noun, word: string): string | undefined {
    const verbs = this.forNoun(noun).flatMap((c) => c.verbs.filter((v): v is Verb => v !== null));
    return nearest(
      word,
      verbs.flatMap((v) => VERBS[v].map((w) => [w, v] as const)),
    )?.spelling;
  }

  private unknownVerb(noun: Noun, word: string | null): CommandError {
    const suggestion = word ? this.nearestVerb(noun, word) : undefined;
    return suggestion
      ? { code: 'unknown_verb', noun, word, suggestion }
      : { code: 'unknown_verb', noun, word };
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
      if (!key || !allowed.has(key)) {
        const spellings = [...allowed].flatMap((k) => (KEYS[k as Key] ?? [k]).map((w) => [w, k] as const));
        const suggestion = nearest(t.key, spellings)?.spelling;
        return fail({ code: 'unknown_key', command: c, key: t.key, ...(suggestion ? { suggestion } : {}) });
      }
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
