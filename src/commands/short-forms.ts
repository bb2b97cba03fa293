// Everyday phrasings that are not NOUN VERB: "my approvals", "summary", "export customers", "/crm help".
// Each either stands for a command (its words are replaced and parsing goes on), or has no command of its
// own and is answered with the command that comes closest. help lists them from here.
import type { Token } from './lexer.ts';
import { lookupNoun, type Noun } from './vocabulary.ts';

/** Phrases that mean a command: what is typed (one word, or words that Chinese may also write fused). */
export const PHRASES: readonly { say: readonly string[]; means: readonly string[]; alone?: boolean }[] = [
  { say: ['summary'], means: ['report', 'weekly'] },
  { say: ['weekly', 'summary'], means: ['report', 'weekly'] },
  { say: ['weekly', 'report'], means: ['report', 'weekly'] },
  { say: ['汇总'], means: ['report', 'weekly'] },
  { say: ['总结'], means: ['report', 'weekly'] },
  { say: ['周报'], means: ['report', 'weekly'] },
  { say: ['kpi'], means: ['report', 'kpi'] },
  { say: ['kpis'], means: ['report', 'kpi'] },
  { say: ['绩效'], means: ['report', 'kpi'] },
  { say: ['指标'], means: ['report', 'kpi'] },
  // A greeting alone is someone finding out what the bot does.
  { say: ['hi'], means: ['help'], alone: true },
  { say: ['hello'], means: ['help'], alone: true },
  { say: ['menu'], means: ['help'], alone: true },
  { say: ['你好'], means: ['help'], alone: true },
  { say: ['菜单'], means: ['help'], alone: true },
];

const MY = ['my', '我的'];
const EXPORT = ['export', 'download', '导出', '導出', '下载'];

/**
 * "my <noun>" for the nouns that have a list of one's own: approval list (waiting for you, and your
 * requests), remind list (your reminders), me (your settings), lead list owner=me (the leads you own). Other
 * lists show more than one's own (a manager's quote list is everyone's), so "my quotes" is pointed at the
 * list instead of pretending to filter.
 */
export const MINE: Partial<
  Record<
    Noun,
    {
      means: readonly string[];
      /** Keys the short form adds, and how help shows them in each language. */
      pairs?: readonly [string, string][];
      shown?: { en: string; zh: string };
      say: readonly string[];
    }
  >
> = {
  approval: { means: ['approval', 'list'], say: ['my approvals', '我的审批'] },
  lead: {
    means: ['lead', 'list'],
    pairs: [['owner', 'me']],
    shown: { en: 'owner=me', zh: '负责人=我' },
    say: ['my leads', '我的线索'],
  },
  remind: { means: ['remind', 'list'], say: ['my reminders', '我的提醒'] },
  me: { means: ['me'], say: ['my settings', '我的设置'] },
};

export type ShortForm =
  | { kind: 'none' }
  | { kind: 'rewrite'; tokens: Token[] }
  /** "my leads": a list that does not filter by owner; the person is shown that list. */
  | { kind: 'mine'; asked: string; noun: Noun }
  /** "export customers": no export yet; the person is shown the list. */
  | { kind: 'export'; asked: string; noun: Noun | null };

const isWord = (t: Token | undefined): t is Extract<Token, { kind: 'word' }> =>
  t?.kind === 'word' && !t.quoted;
const words = (...ws: readonly string[]): Token[] =>
  ws.map((text) => ({ kind: 'word', text, quoted: false }));
const CJK_WORD = /^[\u4e00-\u9fff]+$/;

/** `crm help` and `/crm help`: the slash command's own name typed in a chat names nothing; `crm` alone is help. */
export function dropAppName(tokens: Token[]): Token[] {
  const first = tokens[0];
  if (!isWord(first) || first.text.toLowerCase() !== 'crm') return tokens;
  return tokens.length === 1 ? words('help') : tokens.slice(1);
}

/** A leading word that is `prefix` + a noun, fused (我的线索) or not (我的 线索). */
function prefixedNoun(tokens: Token[], prefixes: readonly string[]) {
  const [a, b] = tokens;
  if (!isWord(a)) return undefined;
  const lower = a.text.toLowerCase();
  if (prefixes.includes(lower) && isWord(b) && lookupNoun(b.text))
    return { noun: lookupNoun(b.text)!, asked: `${a.text} ${b.text}`, rest: tokens.slice(2) };
  for (const p of prefixes) {
    if (!CJK_WORD.test(p) || !a.text.startsWith(p)) continue;
    const noun = lookupNoun(a.text.slice(p.length));
    if (noun) return { noun, asked: a.text, rest: tokens.slice(1) };
  }
  return undefined;
}

export function shortForm(tokens: Token[], hasList: (noun: Noun) => boolean): ShortForm {
  const mine = prefixedNoun(tokens, MY);
  if (mine) {
    const means = MINE[mine.noun];
    if (means) {
      const pairs: Token[] = (means.pairs ?? []).map(([key, value]) => ({
        kind: 'pair',
        key,
        value,
        quoted: false,
      }));
      return { kind: 'rewrite', tokens: [...words(...means.means), ...pairs, ...mine.rest] };
    }
    if (hasList(mine.noun)) return { kind: 'mine', asked: mine.asked, noun: mine.noun };
    return { kind: 'rewrite', tokens: [...words(mine.noun), ...mine.rest] };
  }

  const exported = prefixedNoun(tokens, EXPORT);
  if (exported) return { kind: 'export', asked: exported.asked, noun: exported.noun };
  const [a, b] = tokens;
  if (isWord(a) && isWord(b) && lookupNoun(a.text) && EXPORT.includes(b.text.toLowerCase()))
    return { kind: 'export', asked: `${a.text} ${b.text}`, noun: lookupNoun(a.text)! };
  if (isWord(a) && CJK_WORD.test(a.text)) {
    const fused = EXPORT.find((e) => CJK_WORD.test(e) && a.text.endsWith(e));
    const noun = fused && lookupNoun(a.text.slice(0, -fused.length));
    if (noun) return { kind: 'export', asked: a.text, noun };
  }
  if (isWord(a) && EXPORT.includes(a.text.toLowerCase()) && tokens.length === 1)
    return { kind: 'export', asked: a.text, noun: null };

  for (const p of PHRASES) {
    const n = matchPhrase(tokens, p.say);
    if (n === 0 || (p.alone && n < tokens.length)) continue;
    return { kind: 'rewrite', tokens: [...words(...p.means), ...tokens.slice(n)] };
  }
  return { kind: 'none' };
}

/** How many leading tokens spell the phrase (0: they do not); Chinese may write the phrase as one word. */
function matchPhrase(tokens: Token[], say: readonly string[]): number {
  const first = tokens[0];
  if (isWord(first) && say.length > 1 && first.text === say.join('') && CJK_WORD.test(first.text)) return 1;
  for (let i = 0; i < say.length; i++) {
    const t = tokens[i];
    if (!isWord(t) || t.text.toLowerCase() !== say[i]) return 0;
  }
  return say.length;
}

/** The phrases that stand for a command of `noun`, for help (e.g. approval: "my approvals", "我的审批"). */
export function phrasesFor(noun: Noun): string[] {
  const mine = MINE[noun]?.say ?? [];
  const fixed = PHRASES.filter((p) => p.means[0] === noun).map((p) => p.say.join(' '));
  return [...mine, ...fixed];
}

/** The noun a phrase stands for (`kpi` → report), so `help kpi` can answer. */
export function phraseNoun(word: string): Noun | undefined {
  const p = PHRASES.find((x) => x.say.length === 1 && x.say[0] === word.toLowerCase());
  return p ? lookupNoun(p.means[0]!) : undefined;
}
