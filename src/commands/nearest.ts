// The word someone meant when they mistyped one: the nearest known spelling, offered only when one
// meaning is clearly nearer than every other (a wrong guess misleads more than no guess).
import { distance } from 'fastest-levenshtein';

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** Edits from a to b, where swapping two neighbouring letters counts as one edit (Damerau-style). */
export function editDistance(a: string, b: string): number {
  let best = distance(a, b);
  for (let i = 0; i + 1 < a.length; i++) {
    if (a[i] === a[i + 1]) continue;
    const swapped = a.slice(0, i) + a[i + 1] + a[i] + a.slice(i + 2);
    best = Math.min(best, 1 + distance(swapped, b));
  }
  return best;
}

/**
 * How many edits a word of this length may be from what was meant. Relative to length: one slip in a short
 * word, more in a long one. Chinese words are short and each character carries meaning, so a two- or
 * three-character word may differ in one character (a wrong homophone from the input method), a longer one in two.
 */
function tolerance(word: string): number {
  const n = [...word].length;
  if (CJK.test(word)) return n >= 4 ? 2 : n >= 2 ? 1 : 0;
  return n <= 1 ? 0 : n <= 5 ? 1 : n <= 9 ? 2 : 3;
}

/**
 * The spelling nearest to `typed` among `candidates` ([spelling, meaning] pairs: several spellings may share
 * a meaning, as aliases do) and its meaning, or undefined when nothing is near enough or two meanings are
 * equally near.
 */
export function nearest<M extends string>(
  typed: string,
  candidates: Iterable<readonly [spelling: string, meaning: M]>,
): { spelling: string; meaning: M } | undefined {
  const word = typed.toLowerCase();
  const cjk = CJK.test(word);
  const limit = tolerance(word);
  if (limit === 0) return undefined;
  // The nearest spelling of each meaning; a script never matches the other (客户 is not near "cust").
  const best = new Map<M, { spelling: string; meaning: M; d: number }>();
  for (const [spelling, meaning] of candidates) {
    if (CJK.test(spelling) !== cjk) continue;
    // Two letters differ too much from another two letters; but `du` may be `due` with a letter left out.
    if (!cjk && word.length <= 2 && spelling.length <= word.length) continue;
    const d = editDistance(word, spelling.toLowerCase());
    if (d === 0 || d > limit) continue;
    const prev = best.get(meaning);
    if (!prev || d < prev.d) best.set(meaning, { spelling, meaning, d });
  }
  const ranked = [...best.values()].sort((a, b) => a.d - b.d);
  const [first, second] = ranked;
  if (!first || (second && second.d <= first.d)) return undefined;
  return { spelling: first.spelling, meaning: first.meaning };
}
