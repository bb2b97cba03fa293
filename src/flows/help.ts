// help and help <noun>, in the person's language, listing only what exists (and marking what they may use).

import { lookupNoun, NOUNS, type Noun, spell } from '../commands/vocabulary.ts';
import type { FlowContext } from '../core/context.ts';
import { anyone } from '../core/permissions.ts';
import { command } from './common.ts';

const NOUN_SUMMARY: Record<Noun, { en: string; zh: string }> = {
  customer: { en: 'customers and contacts', zh: '客户与联系人' },
  lead: { en: 'sales leads and follow-ups', zh: '销售线索与跟进' },
  quote: { en: 'quotes', zh: '报价' },
  order: { en: 'sales orders', zh: '销售订单' },
  intel: { en: 'market information', zh: '市场信息' },
  approval: { en: 'approvals', zh: '审批' },
  remind: { en: 'reminders', zh: '提醒' },
  report: { en: 'reports', zh: '报表' },
  admin: { en: 'roles and chat bindings (admins)', zh: '角色与群绑定（管理员）' },
  me: { en: 'your language and time zone', zh: '我的语言和时区' },
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
  const head =
    l === 'en'
      ? 'Commands: NOUN VERB [record] key=value … Quote values with spaces: name="Acme Ltd".'
      : '命令格式：名词 动词 [编号] 键=值 … 含空格的值加引号：名称="华星 科技"。';
  const tail =
    l === 'en' ? 'More: help customer, help lead, help quote …' : '详细：帮助 客户、帮助 线索、帮助 报价 …';
  return [head, ...lines, tail].join('\n');
}

const help = command({
  noun: 'help',
  verbs: [null],
  words: [{ name: { en: 'topic', zh: '主题' }, required: false }],
  keys: {},
  usage: {
    en: 'help [customer|lead|quote|order|approval|remind|intel|admin|me]',
    zh: '帮助 [客户|线索|报价|订单|审批|提醒|情报|管理|我]',
  },
  summary: { en: 'what you can type', zh: '可用命令' },
  allow: anyone,
  readOnly: true,
  async run(ctx, { words }) {
    const topic = words[0];
    if (!topic) return { text: overview(ctx) };
    const noun = lookupNoun(topic);
    const commands = noun ? ctx.commands!.forNoun(noun) : [];
    if (!noun || commands.length === 0) {
      return {
        text: `${ctx.t({ en: `No help for "${topic}".`, zh: `没有“${topic}”的帮助。` })}\n\n${overview(ctx)}`,
      };
    }
    const l = ctx.locale;
    const blocks = commands.map((c) => {
      const mark = c.allow(ctx.actor) ? '' : l === 'en' ? ' (not for your role)' : '（您的角色不可用）';
      return `• ${c.summary[l]}${mark}\n  ${c.usage[l]}`;
    });
    const title = `${spell('noun', noun, l)} — ${NOUN_SUMMARY[noun][l]}`;
    return { text: [title, ...blocks].join('\n') };
  },
});

export const helpCommands = [help];
