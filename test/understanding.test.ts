// What people type that is not quite the command language (issue 22, "Understanding people"): typos get
// "did you mean …?" when one word is clearly nearest, everyday phrases get the command that does it (or
// the command that comes closest), and two commands in one message are listed, never run in part.
// Parser level, both languages; test/examples.test.ts checks the same through the running app.
import { describe, expect, it } from 'vitest';
import { renderCommandError } from '../src/commands/errors.ts';
import { editDistance, nearest } from '../src/commands/nearest.ts';
import type { CommandError } from '../src/commands/parse.ts';
import { commandTable } from '../src/flows/index.ts';

const table = commandTable();
const nounCommands = (n: Parameters<typeof table.forNoun>[0]) => table.forNoun(n);
const render = (e: CommandError, locale: 'en' | 'zh') => renderCommandError(e, locale, nounCommands);

function error(text: string): CommandError {
  const r = table.parse(text);
  if (r.ok) throw new Error(`${JSON.stringify(text)} parsed as ${r.command.noun} ${r.command.verbs[0]}`);
  return r.error;
}
function command(text: string): string {
  const r = table.parse(text);
  if (!r.ok) throw new Error(`${JSON.stringify(text)} → ${r.error.code}: ${render(r.error, 'en')}`);
  return `${r.command.noun} ${r.command.verbs[0] ?? ''}`.trim();
}

describe('a mistyped noun, verb or key: did you mean …?', () => {
  it.each([
    ['custmer add name=Foo', { code: 'unknown_noun', word: 'custmer', suggestion: 'customer' }],
    ['ordr list', { code: 'unknown_noun', word: 'ordr', suggestion: 'order' }],
    ['qoute new customer=C-0001', { code: 'unknown_noun', word: 'qoute', suggestion: 'quote' }],
    ['add custmer name=Foo', { code: 'unknown_noun', word: 'custmer', suggestion: 'customer' }],
    ['nwe quote customer=C-0001', { code: 'unknown_noun', word: 'nwe', suggestion: 'new' }],
    ['quote lsit', { code: 'unknown_verb', noun: 'quote', word: 'lsit', suggestion: 'list' }],
    [
      'approval aprove A-0001',
      { code: 'unknown_verb', noun: 'approval', word: 'aprove', suggestion: 'approve' },
    ],
    ['customer ad name=Foo', { code: 'unknown_verb', noun: 'customer', word: 'ad', suggestion: 'add' }],
    ['lead follow L-0001 note=x du=tomorrow', { code: 'unknown_key', key: 'du', suggestion: 'due' }],
    ['customer add nmae=Foo', { code: 'unknown_key', key: 'nmae', suggestion: 'name' }],
    ['lead follow L-0001 notes=called', { code: 'unknown_key', key: 'notes', suggestion: 'note' }],
  ])('%s', (text, want) => {
    expect(error(text)).toMatchObject(want);
  });

  it.each([
    ['客护 新增 名称=华星', { code: 'unknown_noun', word: '客护', suggestion: '客户' }],
    ['线锁 列表', { code: 'unknown_noun', word: '线锁', suggestion: '线索' }],
    ['报价 提较 Q-0001', { code: 'unknown_verb', noun: 'quote', word: '提较', suggestion: '提交' }],
    ['线索 跟进 L-0001 备注=已联系 截至=明天', { code: 'unknown_key', key: '截至', suggestion: '截止' }],
    ['客户 新增 名字=华星', { code: 'unknown_key', key: '名字', suggestion: '名称' }],
  ])('%s (Chinese: one character off)', (text, want) => {
    expect(error(text)).toMatchObject(want);
  });

  it('says it in the reader’s language, before the list of what exists', () => {
    const noun = error('custmer add name=Foo');
    expect(render(noun, 'en')).toMatch(
      /^I don't understand "custmer"\. Did you mean customer\? Commands start with/,
    );
    expect(render(noun, 'zh')).toMatch(/^无法识别“custmer”，您是不是要输入“customer”？命令以这些词开头/);
    const zhNoun = error('客护 新增 名称=华星');
    expect(render(zhNoun, 'zh')).toContain('您是不是要输入“客户”？');
    const verb = error('quote lsit');
    expect(render(verb, 'en')).toMatch(
      /"lsit" is not something quote can do\. Did you mean list\?\nYou can type/,
    );
    expect(render(error('报价 提较 Q-0001'), 'zh')).toMatch(
      /报价没有“提较”这个操作。您是不是要输入“提交”？\n可以输入/,
    );
    const key = error('lead follow L-0001 note=x du=tomorrow');
    expect(render(key, 'en')).toContain(
      '"du" is not a key of this command. Did you mean due=? Keys: note, next, due.',
    );
    expect(render(error('线索 跟进 L-0001 备注=已联系 截至=明天'), 'zh')).toContain(
      '此命令没有“截至”这个键。您是不是要输入 截止=？可用的键：备注、下一步、截止。',
    );
  });

  it('guesses nothing when two words are equally near or nothing is near', () => {
    // 报单 is one character from 报价 (quote) and from 订单 (order).
    expect(error('报单 列表')).toEqual({ code: 'unknown_noun', word: '报单' });
    expect(error('invoice add amount=5')).toEqual({ code: 'unknown_noun', word: 'invoice' });
    expect(error('x add')).toEqual({ code: 'unknown_noun', word: 'x' });
    expect(error('customer fly C-0001')).toEqual({ code: 'unknown_verb', noun: 'customer', word: 'fly' });
    expect(error('customer add name=Acme colour=red')).not.toHaveProperty('suggestion');
    expect(render(error('报单 列表'), 'zh')).not.toContain('您是不是');
    expect(render(error('invoice add amount=5'), 'en')).not.toContain('Did you mean');
  });

  it('lists and suggests the nouns that do something, report and rectify included', () => {
    expect(table.forNoun('report').length).toBeGreaterThan(0);
    expect(error('reprot weekly')).toMatchObject({
      code: 'unknown_noun',
      word: 'reprot',
      suggestion: 'report',
    });
    // 报错 is as near 报表 (report) as 报价 (quote): not "corrected" to either.
    expect(error('报错 新增')).toEqual({ code: 'unknown_noun', word: '报错' });
    const en = render(error('foo bar'), 'en');
    const zh = render(error('foo bar'), 'zh');
    // Other nouns may come and go between them (backup); these are listed, in the vocabulary's order.
    expect(en).toMatch(
      /Commands start with: customer, lead, quote, order, intel, approval, remind, report, admin, audit, (\w+, )*rectify, me, (\w+, )*help\./,
    );
    expect(zh).toMatch(
      /客户, 线索, 报价, 订单, 情报, 审批, 提醒, 报表, 管理, 审计, (\S+, )*整改, 我, (\S+, )*帮助。/,
    );
  });

  it('a Damerau-style distance: two neighbouring letters swapped are one slip', () => {
    expect(editDistance('lsit', 'list')).toBe(1);
    expect(editDistance('custmer', 'customer')).toBe(1);
    expect(editDistance('户客', '客户')).toBe(1);
    expect(editDistance('abc', 'xyz')).toBe(3);
    expect(
      nearest('lsit', [
        ['list', 'list'],
        ['lead', 'lead'],
      ]),
    ).toEqual({ spelling: 'list', meaning: 'list' });
    // Relative to length: two slips in a four-letter word are too many.
    expect(nearest('lsot', [['list', 'list']])).toBeUndefined();
    // Two spellings of one meaning do not make a tie.
    expect(
      nearest('lst', [
        ['list', 'list'],
        ['ls', 'list'],
      ])?.meaning,
    ).toBe('list');
  });
});

describe('everyday requests', () => {
  it.each([
    ['/crm help', 'help'],
    ['crm help', 'help'],
    ['/crm', 'help'],
    ['/CRM customer list', 'customer list'],
    ['/crm 帮助 报价', 'help'],
    ['my approvals', 'approval list'],
    ['我的审批', 'approval list'],
    ['我的 审批', 'approval list'],
    ['my reminders', 'remind list'],
    ['我的提醒', 'remind list'],
    ['my settings', 'me'],
    ['list customers', 'customer list'],
    ['我的设置', 'me'],
    ['crm 线索 列表', 'lead list'],
    ['列表客户', 'customer list'],
    ['menu', 'help'],
    ['菜单', 'help'],
    ['hi', 'help'],
    ['你好', 'help'],
  ])('%s is %s', (text, want) => {
    expect(command(text)).toBe(want);
  });

  it('/crm help reads the topic after it like help does', () => {
    const r = table.parse('/crm help quote');
    expect(r.ok && r.intent.words).toEqual(['quote']);
  });

  it('"my leads" is lead list owner=me; "my quotes" points at quote list, which does not filter by owner', () => {
    for (const text of ['my leads', '我的线索', '我的 线索']) {
      expect(command(text)).toBe('lead list');
      const r = table.parse(text);
      expect(r.ok && r.intent.args).toMatchObject({ owner: 'me' });
    }
    for (const [text, asked] of [
      ['my quotes', 'my quotes'],
      ['我的订单', '我的订单'],
    ] as const) {
      const e = error(text);
      expect(e).toMatchObject({ code: 'use_instead', why: 'mine', asked });
    }
    expect(render(error('my quotes'), 'en')).toMatch(
      /^There is no "my quotes" command of its own\. This one shows them:\n {2}quote list /,
    );
  });

  it.each([
    ['summary'],
    ['weekly report'],
    ['weekly summary'],
    ['汇总'],
    ['周报'],
    ['report weekly'],
    ['报表 周'],
  ])('%s is the weekly meeting summary', (text) => {
    expect(command(text)).toBe('report week');
  });

  it.each([
    ['export customers', 'customer'],
    ['export customer', 'customer'],
    ['customer export', 'customer'],
    ['导出客户', 'customer'],
    ['导出 客户', 'customer'],
    ['客户 导出', 'customer'],
    ['export leads', 'lead'],
    ['导出订单', 'order'],
  ])('%s: export is not available yet; the list is offered', (text, noun) => {
    const e = error(text);
    expect(e).toMatchObject({ code: 'use_instead', why: 'export', noun });
    const list = table.find(noun as 'customer', 'list')!;
    expect(render(e, 'en')).toBe(
      `Exporting is not available yet. To see the records in the chat, type:\n  ${list.usage.en} — ${list.summary.en}`,
    );
    expect(render(e, 'zh')).toBe(
      `导出功能尚未开放。要在聊天中查看记录，可以输入：\n  ${list.usage.zh} — ${list.summary.zh}`,
    );
  });

  it('"export" alone offers every list', () => {
    const e = error('export');
    expect(e).toMatchObject({ code: 'use_instead', why: 'export', noun: null });
    const en = render(e, 'en');
    for (const n of ['customer list', 'lead list', 'quote list', 'order list'])
      expect(en).toContain(`\n  ${n}`);
  });

  it('keeps the forms that already work', () => {
    expect(command('remind me tomorrow "call Li"')).toBe('remind');
    expect(command('me lang=en')).toBe('me');
    expect(command('列表 线索')).toBe('lead list');
    expect(command('列出客户')).toBe('customer list');
    expect(command('新增客户 名称=华星科技')).toBe('customer add');
    expect(command('/lead list')).toBe('lead list');
    // A greeting stands for help only alone: "hi" with more is not a command.
    expect(error('hi there')).toMatchObject({ code: 'unknown_noun', word: 'hi' });
  });
});

describe('two commands on two lines: one message is one command', () => {
  it.each([
    ['customer add name=Foo\ncustomer add name=Bar', ['customer add name=Foo', 'customer add name=Bar']],
    ['客户 新增 名称=甲\r\n客户 新增 名称=乙', ['客户 新增 名称=甲', '客户 新增 名称=乙']],
    ['lead list\n\n  quote list  ', ['lead list', 'quote list']],
    [
      '新增客户 名称=甲\n/customer add name=B\nmy approvals',
      ['新增客户 名称=甲', '/customer add name=B', 'my approvals'],
    ],
    // A second line with a mistyped noun is a second command too.
    ['customer add name=Foo\ncustmer add name=Bar', ['customer add name=Foo', 'custmer add name=Bar']],
    // A line that starts no command continues the one before.
    [
      'customer add name=Foo\nindustry=retail\ncustomer add name=Bar',
      ['customer add name=Foo industry=retail', 'customer add name=Bar'],
    ],
  ])('%j is refused, its commands listed', (text, commands) => {
    expect(error(text)).toEqual({ code: 'several_commands', commands });
  });

  it('says why and what to do, in both languages, listing the lines', () => {
    const e = error('customer add name=Foo\ncustomer add name=Bar');
    expect(render(e, 'en')).toBe(
      [
        'This message holds 2 commands, one per line. I carry out one command per message, so that a mistake in one cannot leave the others half done; nothing was changed. Send them one at a time:',
        '  1. customer add name=Foo',
        '  2. customer add name=Bar',
        'A line break inside a value is kept when the value is in quotes: note="…".',
      ].join('\n'),
    );
    const zh = render(error('客户 新增 名称=甲\n客户 新增 名称=乙'), 'zh');
    expect(zh).toContain('这条消息包含 2 条命令（每行一条）');
    expect(zh).toContain('未做任何修改');
    expect(zh).toContain('\n  1. 客户 新增 名称=甲\n  2. 客户 新增 名称=乙\n');
  });

  it('one command over several lines stays one command', () => {
    const r = table.parse('quote new customer=C-0001\nitem="a | 1 | 1"\n明细="b | 1 | 2"\nvalid=2026-12-31');
    expect(r.ok && r.intent.args.item).toHaveLength(2);
    expect(command('customer add\nname=Foo\ncontact=Li')).toBe('customer add');
  });

  it('a line break inside quotes belongs to the value, even when the next line reads like a command', () => {
    const r = table.parse(
      'lead follow L-0001 note="called twice\ncustomer add name=x is what they asked" next=visit',
    );
    expect(r.ok && r.intent.args).toMatchObject({
      note: 'called twice\ncustomer add name=x is what they asked',
      next: 'visit',
    });
    expect(command('客户 新增 名称=华星 地址=「上海\n浦东」')).toBe('customer add');
  });

  it('an unclosed quote over lines is still an unclosed quote', () => {
    expect(error('customer add name="Foo\ncustomer add name=Bar')).toMatchObject({ code: 'unclosed_quote' });
  });
});
