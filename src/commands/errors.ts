// Says, in the person's language, what was wrong with a command and what to type instead.
import { type Locale, pick } from '../i18n/locale.ts';
import type { CommandError } from './parse.ts';
import type { AnyCommand } from './spec.ts';
import { formatRef, RECORD_PREFIX } from './values.ts';
import { NOUNS, type Noun, spell } from './vocabulary.ts';

const PROBLEMS: Record<string, { en: string; zh: string }> = {
  money: { en: 'an amount such as 1200.50 or ¥1,200', zh: '金额，例如 1200.50 或 ¥1,200' },
  quantity: { en: 'a positive number such as 200', zh: '正数，例如 200' },
  item: { en: 'name | model | quantity | unit price', zh: '名称 | 型号 | 数量 | 单价' },
  item_name: { en: 'an item with a name first', zh: '明细第一项应为名称' },
  item_quantity: { en: 'an item whose quantity is a positive number', zh: '明细数量应为正数' },
  item_price: { en: 'an item whose unit price is an amount', zh: '明细单价应为金额' },
  money_currency: {
    en: "an amount in this organisation's currency (amounts are not converted)",
    zh: '本组织记账币种的金额（不做币种换算）',
  },
  item_price_currency: {
    en: "an item whose unit price is in this organisation's currency (amounts are not converted)",
    zh: '明细单价应为本组织记账币种的金额（不做币种换算）',
  },
  phone: { en: 'a phone number', zh: '电话号码' },
  email: { en: 'an email address', zh: '邮箱地址' },
  bool: { en: 'yes or no', zh: '是 或 否' },
  month: { en: 'a month such as 2026-11', zh: '月份，例如 2026-11' },
  date: {
    en: 'a date such as 2026-12-04, 12-04, "Dec 20", today, tomorrow, +3d, "in 2 hours", "next monday", "end of month", optionally with a time 14:30',
    zh: '日期，例如 2026-12-04、12-04、12月20日、今天、明天、+3d、2小时后、下周一、月底，可加时间 14:30 或 上午9点',
  },
  choice: { en: 'one of', zh: '以下之一：' },
  timezone: { en: 'an IANA time zone', zh: 'IANA 时区' },
};

const say = (locale: Locale, en: string, zh: string) => pick(locale, { en, zh });

export function usageOf(command: Pick<AnyCommand<unknown>, 'usage'>, locale: Locale): string {
  return command.usage[locale];
}

type Listed = Pick<AnyCommand<unknown>, 'usage' | 'verbs'>;

export function renderCommandError(
  error: CommandError,
  locale: Locale,
  nounCommands: (noun: Noun) => ReadonlyArray<Listed>,
): string {
  const usage =
    'command' in error ? `\n${say(locale, 'Usage', '用法')}: ${usageOf(error.command, locale)}` : '';
  const key = (k: string) => spell('key', k, locale);
  switch (error.code) {
    case 'empty':
      return say(
        locale,
        'Type a command, e.g. customer add name="Acme Ltd". Type help for the list.',
        '请输入命令，例如：客户 新增 名称=华星科技。输入「帮助」查看全部命令。',
      );
    case 'too_long':
      return say(
        locale,
        `That message is ${error.length} characters; a command may have at most 8000.`,
        `消息有 ${error.length} 个字符，命令最多 8000 个字符。`,
      );
    case 'unclosed_quote':
      return say(
        locale,
        `A quote is not closed near ${error.near}. Put the value between "…" or 「…」.`,
        `引号没有闭合（${error.near}）。请用 "…" 或 「…」 括住含空格的值。`,
      );
    case 'control_char':
      return say(
        locale,
        `The message contains a control character (${error.char}), which no keyboard types; nothing was done. Type the command again without it.`,
        `消息含有控制字符（${error.char}），不是键盘输入的内容，未做任何操作。请去掉后重新输入命令。`,
      );
    case 'empty_key':
      return say(
        locale,
        `Something is missing before "=" near ${error.near}.`,
        `“=” 前面缺少键名（${error.near}）。`,
      );
    case 'unknown_noun': {
      // Only nouns that do something.
      const nouns = (Object.keys(NOUNS) as Noun[])
        .filter((n) => nounCommands(n).length > 0)
        .map((n) => spell('noun', n, locale))
        .join(', ');
      const meant = error.suggestion
        ? say(locale, ` Did you mean ${error.suggestion}?`, `，您是不是要输入“${error.suggestion}”？`)
        : say(locale, '', '。');
      return say(
        locale,
        `I don't understand "${clip(error.word)}".${meant} Commands start with: ${nouns}. Type help for examples.`,
        `无法识别“${clip(error.word)}”${meant}命令以这些词开头：${nouns}。输入「帮助」查看示例。`,
      );
    }
    case 'unknown_verb': {
      const lines = nounCommands(error.noun).map((c) => `  ${usageOf(c, locale)}`);
      const meant = error.suggestion
        ? say(locale, ` Did you mean ${error.suggestion}?`, `您是不是要输入“${error.suggestion}”？`)
        : '';
      const head = error.word
        ? say(
            locale,
            `"${clip(error.word)}" is not something ${error.noun} can do.${meant}`,
            `${spell('noun', error.noun, locale)}没有“${clip(error.word)}”这个操作。${meant}`,
          )
        : say(
            locale,
            `What should I do with ${error.noun}?`,
            `请说明要对${spell('noun', error.noun, locale)}做什么。`,
          );
      return `${head}\n${say(locale, 'You can type', '可以输入')}:\n${lines.join('\n')}`;
    }
    case 'missing_ref':
      return (
        say(
          locale,
          `Which record? Add its number (like ${example(error.command)}).`,
          `请写明记录编号（例如 ${example(error.command)}）。`,
        ) + usage
      );
    case 'bad_ref':
      return (
        say(
          locale,
          `"${clip(error.word)}" is not a record number here; expected one like ${example(error.command)}.`,
          `“${clip(error.word)}”不是有效的编号，应类似 ${example(error.command)}。`,
        ) + usage
      );
    case 'unknown_key': {
      const names = Object.keys(error.command.keys).map(key);
      if (names.length === 0) {
        return (
          say(
            locale,
            `"${clip(error.key)}" is not understood: this command takes no keys.`,
            `无法理解“${clip(error.key)}”：此命令不接受任何键。`,
          ) + usage
        );
      }
      const keys = names.join(pick(locale, { en: ', ', zh: '、' }));
      const meant = error.suggestion
        ? say(locale, ` Did you mean ${error.suggestion}=?`, `您是不是要输入 ${error.suggestion}=？`)
        : '';
      return (
        say(
          locale,
          `"${clip(error.key)}" is not a key of this command.${meant} Keys: ${keys}.`,
          `此命令没有“${clip(error.key)}”这个键。${meant}可用的键：${keys}。`,
        ) + usage
      );
    }
    case 'several_commands': {
      const shown = error.commands.slice(0, 10).map((c, i) => `  ${i + 1}. ${clip(c, 100)}`);
      if (error.commands.length > 10) shown.push('  …');
      return [
        say(
          locale,
          `This message holds ${error.commands.length} commands, one per line. I carry out one command per message, so that a mistake in one cannot leave the others half done; nothing was changed. Send them one at a time:`,
          `这条消息包含 ${error.commands.length} 条命令（每行一条）。每条消息只执行一条命令，以免一条出错时其余只做了一半；未做任何修改。请逐条发送：`,
        ),
        ...shown,
        say(
          locale,
          'A line break inside a value is kept when the value is in quotes: note="…".',
          '值里需要换行时，请把值放在引号里：备注="…"。',
        ),
      ].join('\n');
    }
    case 'use_instead': {
      const lines = error.instead.map((c) => `  ${usageOf(c, locale)} — ${c.summary[locale]}`);
      const asked = clip(error.asked);
      const head =
        error.why === 'mine'
          ? say(
              locale,
              `There is no "${asked}" command of its own. This one shows them:`,
              `没有“${asked}”这个命令，可以用：`,
            )
          : say(
              locale,
              'Exporting is not available yet. To see the records in the chat, type:',
              '导出功能尚未开放。要在聊天中查看记录，可以输入：',
            );
      return [head, ...lines].join('\n');
    }
    case 'missing_key':
      return say(locale, `${key(error.key)}= is required.`, `缺少 ${key(error.key)}=。`) + usage;
    case 'duplicate_key':
      return (
        say(locale, `${key(error.key)}= is given more than once.`, `${key(error.key)}= 重复出现。`) + usage
      );
    case 'empty_value':
      return say(locale, `${key(error.key)}= has no value.`, `${key(error.key)}= 没有填写值。`) + usage;
    case 'too_long_value':
      return (
        say(
          locale,
          `${key(error.key)}= is too long (at most ${error.max} characters).`,
          `${key(error.key)}= 太长（最多 ${error.max} 个字符）。`,
        ) + usage
      );
    case 'too_many':
      return (
        say(
          locale,
          `Too many ${key(error.key)}= lines (at most ${error.max}); split it into several records.`,
          `${key(error.key)}= 行数过多（最多 ${error.max} 行），请拆分为多条记录。`,
        ) + usage
      );
    case 'bad_value': {
      // The value parser's own words, when it can say exactly what is wrong (values.ts).
      const own = error.params.say;
      if (own)
        return (
          say(
            locale,
            `${key(error.key)}="${clip(error.value)}" is not valid: ${own.en}.`.replace(/([.?])\.$/, '$1'),
            `${key(error.key)}=“${clip(error.value)}”无效：${own.zh}。`.replace(/([。？）])。$/, '$1'),
          ) + usage
        );
      const p = PROBLEMS[error.params.problem] ?? { en: 'a valid value', zh: '有效的值' };
      const list = pick(locale, {
        en: error.params.choices,
        zh: error.params.choicesZh ?? error.params.choices,
      });
      const choices = list ? ` ${list.join(pick(locale, { en: ', ', zh: '、' }))}` : '';
      const eg =
        error.params.example && !error.params.choices
          ? say(locale, ` (e.g. ${error.params.example})`, `（例如 ${error.params.example}）`)
          : '';
      return (
        say(
          locale,
          `${key(error.key)}="${clip(error.value)}" is not valid: expected ${p.en}${choices}${eg}.`,
          `${key(error.key)}=“${clip(error.value)}”无效，应为${p.zh}${choices}${eg}。`,
        ) + usage
      );
    }
    case 'stray_word':
      return (
        say(
          locale,
          `"${clip(error.word)}" is not understood here. Values go as key=value, with quotes when they have spaces.`,
          `无法理解“${clip(error.word)}”。值请写成 键=值，含空格时加引号。`,
        ) + usage
      );
    case 'missing_word':
      return say(locale, `Missing: ${error.name.en}.`, `缺少：${error.name.zh}。`) + usage;
    case 'missing_mention':
      return say(locale, 'Say who, with @name.', '请用 @姓名 指明是谁。') + usage;
    case 'stray_mention':
      return (
        say(
          locale,
          error.command.mention ? 'This command takes only one @mention.' : 'This command takes no @mention.',
          error.command.mention ? '此命令只接受一个 @提及。' : '此命令不接受 @提及。',
        ) + usage
      );
  }
}

function example(command: AnyCommand<unknown>): string {
  return formatRef(RECORD_PREFIX[command.ref?.kind ?? 'customer'], 1);
}

function clip(s: string, max = 40): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max)}…` : one;
}
