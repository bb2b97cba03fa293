// Keys whose values are credentials (a group robot's webhook key): the command runs with them, but they are
// not kept with the inbound event (the journal), in logs or in the audit. One list for every channel, so no
// adapter has to intercept a command to keep its secret out of the core.
import { KEYS, type Key } from './vocabulary.ts';

export const SECRET_KEYS: readonly Key[] = ['webhook'];

/** What a redacted value reads as; a command replayed from the journal sees it and asks to be sent again. */
export const REDACTED = '[redacted]';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const NAMES = SECRET_KEYS.flatMap((k) => KEYS[k])
  .map(escapeRe)
  .join('|');
// key, separator (as the lexer reads them: = ＝ : ：), then a quoted value or a run of non-spaces.
const SECRET = new RegExp(
  `(^|[\\s\\u3000])(${NAMES})(\\s*[=＝:：]\\s*)("[^"]*"?|“[^”]*”?|「[^」]*」?|『[^』]*』?|'[^']*'?|[^\\s\\u3000]+)`,
  'giu',
);

/** The text with every secret key's value replaced by REDACTED. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET, (_m, pre: string, key: string, sep: string) => `${pre}${key}${sep}${REDACTED}`);
}
