// Splits command text into words, key=value pairs and mentions. It accepts what people type on a phone:
// ASCII, curly and corner-bracket quotes, full-width ＝ ： ， and spaces. Invisible formatting characters
// are removed; control characters, which no keyboard types, are refused (see normalizeText).
import { isTimeWord, parseDateExpr } from './dates.ts';

export type Token =
  | { kind: 'word'; text: string; quoted: boolean }
  | { kind: 'pair'; key: string; value: string; quoted: boolean }
  /** `<@U123>` / `<@U123|name>` (platform mention, normalised by adapters) or `@handle`. */
  | { kind: 'mention'; externalId?: string; handle?: string; display?: string };

export const MAX_COMMAND_LENGTH = 8000;

export class LexError extends Error {
  constructor(
    readonly code: 'too_long' | 'unclosed_quote' | 'empty_key' | 'control_char',
    readonly detail: string = '',
  ) {
    super(code);
  }
}

const QUOTES: Record<string, string> = {
  '"': '"',
  '“': '”',
  '”': '”',
  '「': '」',
  '『': '』',
  '‘': '’',
  "'": "'",
};
const KEY_SEPARATORS = new Set(['=', '＝', '：']);
/**
 * Invisible formatting characters, removed: zero-width spaces and joiners, the byte-order mark, and the
 * bidirectional controls (LRM/RLM, ALM, the embeddings and overrides U+202A-202E, the isolates
 * U+2066-2069). They carry no meaning in a command, and an override stored in a name reorders what a card
 * shows (an RLO can make "Acme" read as something else). Removed rather than refused: people cannot see
 * them, so they could not find what to delete, and the visible text is what they meant.
 */
const FORMAT = /[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g;
/** Line and page breaks other than \n (vertical tab, form feed, NEL, U+2028/9) and U+3000: spaces. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: vertical tab and form feed are read as spaces
const BREAKS = /[\u000b\u000c\u0085\u2028\u2029\u3000]/g;
/**
 * C0 and C1 control characters other than tab, newline and carriage return (NUL, BEL, ESC, DEL, …). No
 * keyboard types them and PostgreSQL text cannot hold a NUL: a message carrying one is malformed (a broken
 * client or a probe), so it is refused, not silently changed into something that gets written.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f]/;
const SPACE = /[\s\u3000]/;

export function normalizeText(raw: string): string {
  return raw.replace(FORMAT, '').replace(BREAKS, ' ').trim();
}

export function tokenize(raw: string): Token[] {
  if (raw.length > MAX_COMMAND_LENGTH) throw new LexError('too_long', String(raw.length));
  const control = CONTROL.exec(raw);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new LexError('control_char', `U+${code}`);
  }
  const text = normalizeText(raw);
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;

  const readQuoted = (open: string): string => {
    const close = QUOTES[open]!;
    const end = text.indexOf(close, i + 1);
    // A curly open quote may be closed by a straight one on some keyboards.
    const altEnd = close !== '"' ? text.indexOf('"', i + 1) : -1;
    const stop = end >= 0 ? end : altEnd;
    if (stop < 0) throw new LexError('unclosed_quote', text.slice(i, i + 20));
    const value = text.slice(i + 1, stop);
    i = stop + 1;
    return value;
  };
  const readBare = (): string => {
    const start = i;
    while (i < n && !SPACE.test(text[i]!)) i++;
    return text.slice(start, i);
  };

  while (i < n) {
    const c = text[i]!;
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    if (c === '<' && text[i + 1] === '@') {
      const end = text.indexOf('>', i);
      if (end > 0) {
        const inner = text.slice(i + 2, end);
        const [id, display] = inner.split('|');
        if (id) {
          tokens.push({ kind: 'mention', externalId: id, ...(display ? { display } : {}) });
          i = end + 1;
          continue;
        }
      }
    }
    if (c === '@' || c === '＠') {
      i++;
      const handle = readBare();
      if (handle) tokens.push({ kind: 'mention', handle });
      continue;
    }
    if (QUOTES[c]) {
      tokens.push({ kind: 'word', text: readQuoted(c), quoted: true });
      continue;
    }
    // A bare run: a word, or key=value when a separator comes before the next space or quote.
    const start = i;
    while (i < n && !SPACE.test(text[i]!) && !KEY_SEPARATORS.has(text[i]!)) i++;
    if (i < n && KEY_SEPARATORS.has(text[i]!)) {
      const key = text.slice(start, i);
      i++;
      if (!key) throw new LexError('empty_key', text.slice(start, start + 20));
      const q = text[i];
      if (q !== undefined && QUOTES[q]) {
        tokens.push({ kind: 'pair', key, value: readQuoted(q), quoted: true });
      } else {
        tokens.push({ kind: 'pair', key, value: readBare(), quoted: false });
      }
      continue;
    }
    tokens.push({ kind: 'word', text: text.slice(start, i), quoted: false });
  }
  return joinTimes(tokens);
}

/**
 * `截止=下周五 15:00` typed without quotes: a bare date value followed by a bare time word is one value
 * (the time would otherwise be a stray word). Only when the date has no time of its own and the two read
 * as one date, so `due=14:30 14:30` and any other value are left as typed.
 */
function joinTimes(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (const t of tokens) {
    const prev = out[out.length - 1];
    if (
      t.kind === 'word' &&
      !t.quoted &&
      prev?.kind === 'pair' &&
      !prev.quoted &&
      isTimeWord(t.text) &&
      dateWithoutTime(prev.value)
    ) {
      const joined = `${prev.value} ${t.text}`;
      const r = parseDateExpr(joined);
      if (r.ok) {
        out[out.length - 1] = { ...prev, value: joined };
        continue;
      }
    }
    out.push(t);
  }
  return out;
}

function dateWithoutTime(value: string): boolean {
  const r = parseDateExpr(value);
  return r.ok && !r.value.time && r.value.kind !== 'hours' && r.value.kind !== 'minutes';
}
