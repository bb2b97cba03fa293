// help and help <noun>, in the person's language, listing only what exists (and marking what they may use).

import { MINE, phraseNoun, phrasesFor } from '../commands/short-forms.ts';
import { lookupNoun, lookupVerb, NOUNS, type Noun, spell } from '../commands/vocabulary.ts';
import type { FlowContext } from '../core/context.ts';
import { anyone } from '../core/permissions.ts';
import { pick } from '../i18n/locale.ts';
import { command } from './common.ts';

const NOUN_SUMMARY: Record<Noun, { en: string; zh: string }> = {
  customer: { en: 'customers and contacts', zh: '客户与联系人' },
  lead: { en: 'sales leads and follow-ups', zh: '销售线索与跟进' },
  quote: { en: 'quotes', zh: '报价' },
  order: { en: 'sales orders', zh: '销售订单' },
  intel: { en: 'market information', zh: '市场信息' },
  approval: { en: 'approvals', zh: '审批' },
  remind: { en: 'reminders', zh: '提醒' },
  report: { en: 'meeting summaries and KPIs', zh: '会议汇总与绩效' },
  admin: { en: 'roles and chat bindings (admins)', zh: '角色与群绑定（管理员）' },
  audit: { en: 'the audit log and samples (admins, supervisors)', zh: '审计日志与抽查（管理员、监督组）' },
  backup: { en: 'the backup log (admins)', zh: '备份日志（管理员）' },
  rectify: { en: 'rectification notices (整改通知)', zh: '整改通知' },
  me: { en: 'your language and time zone', zh: '我的语言和时区' },
  web: { en: 'a sign-in link to the web workspace', zh: '网页工作台登录链接' },
  help: { en: 'this help', zh: '帮助' },
};

function overview(ctx: FlowContext): string {
  const table = ctx.commands!;
  const l = ctx.locale;
  const lines = (Object.keys(NOUNS) as Noun[])
    .filter((n) => n !== 'help' && table.forNoun(n).length > 0)
    .map((n) => {
      const verbs = table.forNoun(n).map((c) =>
        // A noun used alone (remind me …, me lang=…) shows its first words instead of a verb.
        c.verbs[0]
          ? spell('verb', c.verbs[0], l)
          : c.usage[l].split(/\s+/).slice(1, 2).join(' ').replace(/[[\]]/g, ''),
      );
      return `• ${spell('noun', n, l)}${verbs.length ? ` ${verbs.join('|')}` : ''} — ${NOUN_SUMMARY[n][l]}`;
    });
  const head = pick(l, {
    en: 'Commands: NOUN VERB [record] key=value … Quote values with spaces: name="Acme Ltd".',
    zh: '命令格式：名词 动词 [编号] 键=值 … 含空格的值加引号：名称="华星 科技"。',
  });
  const mine = (Object.keys(MINE) as Noun[])
    .filter((n) => table.forNoun(n).length > 0)
    .map(
      (n) =>
        `${phrasesFor(n)[pick(l, { en: 0, zh: 1 })]} = ${[...MINE[n]!.means.map((w) => spelled(w, l)), ...(MINE[n]!.shown ? [MINE[n]!.shown[l]] : [])].join(' ')}`,
    );
  const short = pick(l, {
    en: `Also understood: ${mine.join(', ')}; list customers = customer list; crm help = help.`,
    zh: `也可以这样说：${mine.join('、')}；列表客户 = 客户 列表；crm 帮助 = 帮助。`,
  });
  const tail = pick(l, {
    en: 'More: help customer, help lead, help quote …',
    zh: '详细：帮助 客户、帮助 线索、帮助 报价 …',
  });
  return [head, ...lines, short, tail].join('\n');
}

/** A canonical word (noun or verb) in the reader's language. */
function spelled(word: string, l: 'en' | 'zh'): string {
  return lookupNoun(word) ? spell('noun', word, l) : spell('verb', word, l);
}

/** help <noun>'s closing lines: the other spellings of the noun and the phrases that stand for its commands. */
function alsoLines(noun: Noun, l: 'en' | 'zh'): string[] {
  const others = NOUNS[noun].filter((w) => w !== spell('noun', noun, l));
  const out = [pick(l, { en: `Also written: ${others.join(', ')}`, zh: `也可写作：${others.join('、')}` })];
  const phrases = phrasesFor(noun);
  const means = MINE[noun]?.means.map((w) => spelled(w, l)).join(' ');
  if (phrases.length && means)
    out.push(
      pick(l, {
        en: `Short forms: ${phrases.join(', ')} = ${means}`,
        zh: `简写：${phrases.join('、')} = ${means}`,
      }),
    );
  return out;
}

/** A verb that only one noun has (考核 → report, sample → audit): help for that noun. */
function verbNoun(ctx: FlowContext, word: string): Noun | undefined {
  const verb = lookupVerb(word);
  if (!verb) return undefined;
  const nouns = new Set(ctx.commands!.all.filter((c) => c.verbs.includes(verb)).map((c) => c.noun as Noun));
  return nouns.size === 1 ? [...nouns][0] : undefined;
}

const help = command({
  noun: 'help',
  verbs: [null],
  words: [{ name: { en: 'topic', zh: '主题' }, required: false }],
  keys: {},
  usage: {
    en: 'help [customer|lead|quote|order|approval|remind|intel|report|rectify|audit|backup|admin|me]',
    zh: '帮助 [客户|线索|报价|订单|审批|提醒|情报|报表|整改|审计|备份|管理|我]',
  },
  summary: { en: 'what you can type', zh: '可用命令' },
  allow: anyone,
  readOnly: true,
  async run(ctx, { words }) {
    const topic = words[0];
    if (!topic) return { text: overview(ctx) };
    const table = ctx.commands!;
    const l = ctx.locale;
    const noun = lookupNoun(topic) ?? phraseNoun(topic) ?? verbNoun(ctx, topic);
    const commands = noun ? table.forNoun(noun) : [];
    if (!noun) {
      const meant = table.nearestNoun(topic);
      const hint = meant
        ? ctx.t({ en: ` Did you mean help ${meant}?`, zh: `您是不是要输入「帮助 ${meant}」？` })
        : '';
      return {
        text: `${ctx.t({ en: `No help for "${topic}".`, zh: `没有“${topic}”的帮助。` })}${hint}\n\n${overview(ctx)}`,
      };
    }
    const blocks = commands.map((c) => {
      const mark = c.allow(ctx.actor)
        ? ''
        : pick(l, { en: ' (not for your role)', zh: '（您的角色不可用）' });
      return `• ${c.summary[l]}${mark}\n  ${c.usage[l]}`;
    });
    const title = `${spell('noun', noun, l)} — ${NOUN_SUMMARY[noun][l]}`;
    return { text: [title, ...blocks, ...alsoLines(noun, l)].join('\n') };
  },
});

export const helpCommands = [help];
