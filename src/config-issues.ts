// Turns a settings schema's zod issues into a message an IT admin can act on (thrown as a ConfigError): each line names the
// setting and says what a good value looks like (zod's own words, "expected number, received NaN", do not).
import type { z } from 'zod';

type Schema = z.ZodObject<z.ZodRawShape>;
type Internal = { _zod: { def: { type: string; innerType?: Internal; out?: Internal; in?: Internal } } };

/**
 * Values of these are never echoed back into a log: secrets, tokens, passwords, and any key (a setting
 * named KEY or …_KEY, such as an encryption or AES key).
 */
export const SECRET = /SECRET|TOKEN|PASSWORD|PASSPHRASE|(?:^|_)KEY(?:_|$)/;

/** A value as it may be shown: the password of a URL (user:password@host) replaced by ***. */
function shownValue(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:)[^@/\s]*@/i, '$1***@');
}

/** What the schema gives for a setting left out (undefined: no default). */
export function settingDefault(schema: Schema, key: string): unknown {
  const field = schema.shape[key] as z.ZodType | undefined;
  if (!field) return undefined;
  const r = field.safeParse(undefined);
  return r.success ? r.data : undefined;
}

/** The number schema inside defaults, optionals and pipes, if the setting is a number. */
function numberOf(field: unknown): { minValue: number | null; maxValue: number | null } | null {
  let f = field as Internal | undefined;
  for (let depth = 0; f && depth < 8; depth++) {
    const def = f._zod.def;
    if (def.type === 'number') return f as unknown as { minValue: number | null; maxValue: number | null };
    f = def.type === 'pipe' ? def.out : def.innerType;
  }
  return null;
}

function good(schema: Schema, key: string, issue: z.core.$ZodIssue): string {
  const number = numberOf(schema.shape[key]);
  if (number && ['invalid_type', 'too_small', 'too_big'].includes(issue.code)) {
    // .int() alone sets the safe-integer bounds: no bound worth telling.
    const bound = (n: number | null) => (n !== null && Math.abs(n) < Number.MAX_SAFE_INTEGER ? n : null);
    const [min, max] = [bound(number.minValue), bound(number.maxValue)];
    const range =
      min !== null && max !== null ? ` from ${min} to ${max}` : min !== null ? ` of at least ${min}` : '';
    return `should be a whole number${range}`;
  }
  if (issue.code === 'invalid_value') return `should be one of ${issue.values.map(String).join(', ')}`;
  return issue.message;
}

/**
 * `title` then one line per setting: `  KEY: what is wrong (is "value"), e.g. KEY=default`. The example is
 * the default where there is one: a value known to work.
 */
export function settingsMessage(
  title: string,
  schema: Schema,
  error: z.ZodError,
  env: Record<string, string | undefined>,
): string {
  const lines = error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const value = env[key];
    const shown =
      value !== undefined && value.trim() !== '' && !SECRET.test(key) ? ` (is "${shownValue(value)}")` : '';
    const fallback = settingDefault(schema, key);
    const example = fallback !== undefined && fallback !== '' ? `, e.g. ${key}=${String(fallback)}` : '';
    return `  ${key}: ${good(schema, key, issue)}${shown}${example}`;
  });
  return `${title}\n${lines.join('\n')}`;
}
