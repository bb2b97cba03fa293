// Splits command text into words, key=value pairs and mentions. It accepts what people type on a phone:
// ASCII, curly and corner-bracket quotes, full-width ＝ ： ， and spaces, and stray control characters.

export type Token =
  | { kind: 'word'; text: string; quoted: boolean }
  | { kind: 'pair'; key: string; value: string; quoted: boolean }
  /** `<@U123>` / `<@U123|name>` (platform mention, normalised by adapters) or `@handle`. */
  | { kind: 'mention'; externalId?: string; handle?: string; display?: string };

export const MAX_COMMAND_LENGTH = 8000;

export class LexError extends Error {
  constructor(
    readonly code: 'too_long' | 'unclosed_quote' | 'empty_key',
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
// Zero-width characters and C0/C1 controls other than newline and tab carry no meaning in a command.
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u2060\ufeff]/g;
const SPACE = /[\s\u3000]/;

export function normalizeText(raw: string): string {
  return raw
    .replace(/[\u200b-\u200f\u2060\ufeff]/g, '')
    .replace(INVISIBLE, ' ')
    .replace(/\u3000/g, ' ')
    .trim();
}

export function tokenize(raw: string): Token[] {
  if (raw.length > MAX_COMMAND_LENGTH) throw new LexError('too_long', String(raw.length));
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
  return tokens;
}
