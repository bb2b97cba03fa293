// The command table (commands.md, "Form" and "Errors"): English and Chinese words mean the same command
// with the same arguments; every kind of CommandError comes from a realistic mistake and reads, in both
// languages, as what was wrong plus the usage line of the command when the command is known.
import { describe, expect, it } from 'vitest';
import { renderCommandError } from '../src/commands/errors.ts';
import type { CommandError, ParseResult } from '../src/commands/parse.ts';
import type { FlowContext } from '../src/core/context.ts';
import { commandTable } from '../src/flows/index.ts';

const table = commandTable();

function ok(text: string) {
  const r = table.parse(text);
  if (!r.ok) throw new Error(`${text} → ${r.error.code}: ${renderCommandError(r.error, 'en', nounCommands)}`);
  return r;
}

function error(text: string): CommandError {
  const r: ParseResult<FlowContext> = table.parse(text);
  if (r.ok) throw new Error(`${text} parsed as ${r.command.noun} ${r.command.verbs[0]}`);
  return r.error;
}

const nounCommands = (n: Parameters<typeof table.forNoun>[0]) => table.forNoun(n);
const render = (e: CommandError, locale: 'en' | 'zh') => renderCommandError(e, locale, nounCommands);
const name = (r: { command: { noun: string; verbs: readonly (string | null)[] } }) =>
  `${r.command.noun} ${r.command.verbs[0] ?? ''}`.trim();

describe('English and Chinese mean the same command with the same arguments', () => {
  it.each([
    [
      'customer add',
      'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000 industry=manufacturing',
      '客户 新增 名称="Acme Ltd" 联系人="Li Lei" 电话=13800000000 行业=manufacturing',
    ],
    [
      'customer add (traditional characters)',
      'customer add name=華星 region=华南',
      '客戶 新增 名稱=華星 地區=华南',
    ],
    [
      'lead add',
      'lead add customer=C-0001 source=expo desc="needs 200 sensors" next="send catalogue" due=+3d important=yes',
      '线索 新增 客户=C-0001 来源=展会 描述="needs 200 sensors" 下一步="send catalogue" 截止=+3d 重要=是',
    ],
    ['lead assign', 'lead assign L-0001 @wang due=2026-12-10', '线索 分配 l-1 @wang 截止=2026-12-10'],
    [
      'lead follow',
      'lead follow L-0001 note="called; wants a quote" next="send quote" due=tomorrow',
      '线索 跟进 L-0001 备注="called; wants a quote" 下一步="send quote" 截止=明天',
    ],
    ['lead convert', 'lead convert L-0001', '线索 转化 L-0001'],
    [
      'quote new',
      'quote new customer=C-0001 item="Sensor | X200 | 200 | 35.5" valid=2026-12-31 tax=included payment="30% advance" delivery=2027-01-15',
      '报价 新建 客户=C-0001 明细="Sensor | X200 | 200 | 35.5" 有效期=2026-12-31 含税=含税 付款="30% advance" 交期=2027-01-15',
    ],
    [
      'order new',
      'order new customer=C-0001 from=Q-0001 delivery=2027-01-15 place=Shenzhen payment="30% advance, 70% on delivery"',
      '订单 新建 客户=C-0001 基于=Q-0001 交期=2027-01-15 交货地点=Shenzhen 付款="30% advance, 70% on delivery"',
    ],
    [
      'intel add',
      'intel add kind=competitor title="Rival cuts X200 price" level=confidential share=sales,management',
      '情报 新增 类型=竞争对手 标题="Rival cuts X200 price" 密级=机密 共享给=销售，管理层',
    ],
    [
      'customer share',
      'customer share C-0001 to=finance,service fields=contacts,history',
      '客户 共享 C-0001 给=财务、客服 字段=联系方式，交易记录',
    ],
    ['admin role', 'admin role @li sales_rep', '管理 角色 @li sales_rep'],
    ['me', 'me lang=en', '我 语言=英文'],
    ['help', 'help', '帮助'],
  ])('%s', (_name, en, zh) => {
    const a = ok(en);
    const b = ok(zh);
    expect(b.command).toBe(a.command);
    expect(b.intent.args).toEqual(a.intent.args);
    expect(b.intent.ref).toEqual(a.intent.ref);
    expect(b.intent.mentions).toEqual(a.intent.mentions);
  });

  it('parses the typed values: refs normalised, lists split, items priced exactly, dates as expressions', () => {
    expect(ok('线索 分配 l-1 @wang 截止=2026-12-10').intent).toMatchObject({
      ref: 'L-0001',
      mentions: [{ kind: 'mention', handle: 'wang' }],
      args: { due: { kind: 'absolute', year: 2026, month: 12, day: 10 } },
    });
    expect(ok('情报 新增 类型=竞争对手 标题=x 共享给=销售，管理层').intent.args).toEqual({
      kind: 'competitor',
      title: 'x',
      share: ['sales', 'management'],
    });
    expect(ok('quote new customer=c-1 item="Sensor | X200 | 200 | 35.5"').intent.args).toEqual({
      customer: 'C-0001',
      item: [{ name: 'Sensor', model: 'X200', quantity: '200', unitPriceMinor: 3550n }],
    });
  });

  it('reads help’s topic word in either language', () => {
    expect(ok('help quote').intent.words).toEqual(['quote']);
    expect(ok('帮助 报价').intent.words).toEqual(['报价']);
    expect(ok('? quote').command).toBe(ok('help quote').command);
  });

  it('ignores the case of nouns, verbs and keys', () => {
    const r = ok('CUSTOMER Add NAME=Acme');
    expect(name(r)).toBe('customer add');
    expect(r.intent.args).toEqual({ name: 'Acme' });
  });

  it('keeps aliases of one verb on one command (customer add = customer new = 客户 添加)', () => {
    expect(ok('customer new name=x').command).toBe(ok('customer add name=x').command);
    expect(ok('客户 添加 名称=x').command).toBe(ok('customer add name=x').command);
  });
});

describe('Chinese word order', () => {
  it.each([
    ['新增 客户 名称=华星科技 联系人=王芳', 'customer add'],
    ['新增客户 名称=华星科技 联系人=王芳', 'customer add'],
    ['客户新增 名称=华星科技 联系人=王芳', 'customer add'],
    ['查看客户 C-0001', 'customer show'],
    ['分配线索 L-1 @wang', 'lead assign'],
    ['列表 线索', 'lead list'],
    ['新建报价 客户=C-0001 明细="传感器 | 1 | 2"', 'quote new'],
    ['管理人员', 'admin people'],
  ])('%s is %s', (text, command) => {
    expect(name(ok(text))).toBe(command);
  });

  it('gives verb-first and fused forms the same arguments as noun-first', () => {
    const want = ok('客户 新增 名称=华星科技 联系人=王芳').intent.args;
    expect(ok('新增 客户 名称=华星科技 联系人=王芳').intent.args).toEqual(want);
    expect(ok('新增客户 名称=华星科技 联系人=王芳').intent.args).toEqual(want);
  });

  it('does not split a word that is not noun + verb', () => {
    expect(error('华星科技 新增')).toEqual({ code: 'unknown_noun', word: '华星科技' });
  });
});

describe('repeated keys', () => {
  it('repeated item= gives one line per item, in order', () => {
    const r = ok('quote new customer=C-0001 item="Sensor | X200 | 200 | 35.5" 明细="网关 | G1 | 2 | ¥1,200"');
    expect(r.intent.args.item).toEqual([
      { name: 'Sensor', model: 'X200', quantity: '200', unitPriceMinor: 3550n },
      { name: '网关', model: 'G1', quantity: '2', unitPriceMinor: 120000n },
    ]);
  });

  it('one item= still gives a list', () => {
    expect(ok('quote new customer=C-0001 item="a | 1 | 1"').intent.args.item).toHaveLength(1);
  });

  it('names the bad line among several items', () => {
    const e = error('quote new customer=C-0001 item="a | 1 | 1" item="b | zero | 1" item="c | 1 | 1"');
    expect(e).toMatchObject({ code: 'bad_value', key: 'item', value: 'b | zero | 1' });
  });

  it.each([
    ['customer add name=A name=B', 'name'],
    ['customer add name=A 名称=B', 'name'],
    ['lead follow L-0001 note=a note=b', 'note'],
    ['quote new customer=C-0001 customer=C-0002 item="a | 1 | 1"', 'customer'],
  ])('a repeated single key is duplicate_key: %s', (text, key) => {
    expect(error(text)).toMatchObject({ code: 'duplicate_key', key });
  });

  it('more than 100 items is refused as too many lines, not as "too long (characters)"', () => {
    const items = Array.from({ length: 101 }, (_, i) => `item="p${i} | 1 | 1"`).join(' ');
    const e = error(`quote new customer=C-0001 ${items}`);
    const en = render(e, 'en');
    expect(en).toMatch(/100/);
    expect(en).not.toMatch(/characters/);
    expect(render(e, 'zh')).not.toMatch(/字符/);
  });
});

type ErrorCase = {
  text: string;
  error: Partial<CommandError> & { code: CommandError['code'] };
  en: (string | RegExp)[];
  zh: (string | RegExp)[];
  /** The usage line's start in each language, when the command is known. */
  usage?: [string, string];
};

const long = 'x'.repeat(8001);
const cases: ErrorCase[] = [
  { text: '', error: { code: 'empty' }, en: ['Type a command', 'help'], zh: ['请输入命令', '帮助'] },
  { text: ' \u3000 \t', error: { code: 'empty' }, en: ['Type a command'], zh: ['请输入命令'] },
  {
    text: long,
    error: { code: 'too_long', length: 8001 },
    en: ['8001 characters', 'at most 8000'],
    zh: ['8001 个字符', '最多 8000'],
  },
  {
    text: 'customer add name="Acme Ltd',
    error: { code: 'unclosed_quote', near: '"Acme Ltd' },
    en: ['not closed', '"Acme Ltd'],
    zh: ['引号没有闭合', '"Acme Ltd'],
  },
  {
    text: 'customer add =Acme',
    error: { code: 'empty_key', near: '=Acme' },
    en: ['before "="', '=Acme'],
    zh: ['缺少键名', '=Acme'],
  },
  {
    text: 'invoice add amount=5',
    error: { code: 'unknown_noun', word: 'invoice' },
    en: ['"invoice"', 'customer, lead, quote, order', 'help'],
    zh: ['“invoice”', '客户, 线索, 报价, 订单', '帮助'],
  },
  {
    text: 'name=Acme',
    error: { code: 'unknown_noun', word: 'name=Acme' },
    en: ['"name=Acme"'],
    zh: ['“name=Acme”'],
  },
  {
    text: 'customer fly C-0001',
    error: { code: 'unknown_verb', noun: 'customer', word: 'fly' },
    en: ['"fly" is not something customer can do', 'customer add name=', 'customer show C-0001'],
    zh: ['客户没有“fly”这个操作', '客户 新增 名称=', '客户 查看 C-0001'],
  },
  {
    text: '线索',
    error: { code: 'unknown_verb', noun: 'lead', word: null },
    en: ['What should I do with lead', 'lead add', 'lead follow L-0001'],
    zh: ['请说明要对线索做什么', '线索 新增', '线索 跟进 L-0001'],
  },
  {
    text: 'lead follow note=called',
    error: { code: 'missing_ref' },
    en: ['Which record', 'L-0001'],
    zh: ['请写明记录编号', 'L-0001'],
    usage: ['lead follow', '线索 跟进'],
  },
  {
    text: 'customer show L-0001',
    error: { code: 'bad_ref', word: 'L-0001' },
    en: ['"L-0001" is not a record number here', 'C-0001'],
    zh: ['“L-0001”不是有效的编号', 'C-0001'],
    usage: ['customer show', '客户 查看'],
  },
  {
    text: 'order show acme',
    error: { code: 'bad_ref', word: 'acme' },
    en: ['"acme"', 'SO-0001'],
    zh: ['“acme”', 'SO-0001'],
    usage: ['order show', '订单 查看'],
  },
  {
    text: 'customer add name=Acme colour=red',
    error: { code: 'unknown_key', key: 'colour' },
    en: ['"colour" is not a key', 'Keys: name, contact, phone, email'],
    zh: ['没有“colour”这个键', '可用的键：名称、联系人、电话、邮箱'],
    usage: ['customer add', '客户 新增'],
  },
  {
    text: 'lead add source=expo 客户=C-0001 颜色=红',
    error: { code: 'unknown_key', key: '颜色' },
    en: ['"颜色"', 'customer, name, contact, phone, source'],
    zh: ['“颜色”', '客户、名称、联系人、电话、来源'],
    usage: ['lead add', '线索 新增'],
  },
  {
    text: 'customer add contact="Li Lei" phone=13800000000',
    error: { code: 'missing_key', key: 'name' },
    en: ['name= is required'],
    zh: ['缺少 名称='],
    usage: ['customer add', '客户 新增'],
  },
  {
    text: 'quote new customer=C-0001 valid=2026-12-31',
    error: { code: 'missing_key', key: 'item' },
    en: ['item= is required'],
    zh: ['缺少 明细='],
    usage: ['quote new', '报价 新建'],
  },
  {
    text: 'customer add name=A name=B',
    error: { code: 'duplicate_key', key: 'name' },
    en: ['name= is given more than once'],
    zh: ['名称= 重复出现'],
    usage: ['customer add', '客户 新增'],
  },
  {
    text: 'customer add name= contact=Li',
    error: { code: 'empty_value', key: 'name' },
    en: ['name= has no value'],
    zh: ['名称= 没有填写值'],
    usage: ['customer add', '客户 新增'],
  },
  {
    text: 'lead follow L-0001 note="   "',
    error: { code: 'empty_value', key: 'note' },
    en: ['note= has no value'],
    zh: ['备注= 没有填写值'],
    usage: ['lead follow', '线索 跟进'],
  },
  {
    text: 'customer add name=Acme contact=Li phone=call-me',
    error: { code: 'bad_value', key: 'phone', value: 'call-me' },
    en: ['phone="call-me" is not valid', 'phone number', '13800000000'],
    zh: ['电话=“call-me”无效', '电话号码', '13800000000'],
    usage: ['customer add', '客户 新增'],
  },
  {
    text: 'lead follow L-0001 note=called next=visit due=2026-02-30',
    error: { code: 'bad_value', key: 'due', value: '2026-02-30' },
    en: ['due="2026-02-30" is not valid', 'a date such as', '2026-12-04'],
    zh: ['截止=“2026-02-30”无效', '日期', '2026-12-04'],
    usage: ['lead follow', '线索 跟进'],
  },
  {
    text: 'customer update C-0001 budget=-5',
    error: { code: 'bad_value', key: 'budget', value: '-5' },
    en: ['budget="-5" is not valid', 'an amount', '1200.50'],
    zh: ['预算=“-5”无效', '金额', '1200.50'],
    usage: ['customer update', '客户 修改'],
  },
  {
    text: 'quote new customer=C-0001 item="Sensor | X200 | 200 | cheap"',
    error: { code: 'bad_value', key: 'item', value: 'Sensor | X200 | 200 | cheap' },
    en: ['item="Sensor | X200 | 200 | cheap" is not valid', 'unit price', 'Sensor | X200 | 200 | 35.5'],
    zh: ['明细=“Sensor | X200 | 200 | cheap”无效', '单价', 'Sensor | X200 | 200 | 35.5'],
    usage: ['quote new', '报价 新建'],
  },
  {
    text: 'lead add customer=C-0001 source=tv',
    error: { code: 'bad_value', key: 'source', value: 'tv' },
    en: ['source="tv" is not valid', 'one of', 'expo'],
    zh: ['来源=“tv”无效', '以下之一'],
    usage: ['lead add', '线索 新增'],
  },
  {
    text: `customer add name="${'x'.repeat(201)}"`,
    error: { code: 'too_long_value', key: 'name', max: 200 },
    en: ['name= is too long', 'at most 200 characters'],
    zh: ['名称= 太长', '最多 200 个字符'],
    usage: ['customer add', '客户 新增'],
  },
  {
    text: 'customer add name=Acme Ltd',
    error: { code: 'stray_word', word: 'Ltd' },
    en: ['"Ltd" is not understood here', 'key=value', 'quotes'],
    zh: ['无法理解“Ltd”', '键=值', '引号'],
    usage: ['customer add', '客户 新增'],
  },
  {
    text: 'admin role @li',
    error: { code: 'missing_word', name: { en: 'role', zh: '角色' } },
    en: ['Missing: role'],
    zh: ['缺少：'],
    usage: ['admin role', '管理 角色'],
  },
  {
    text: 'approval delegate A-0001 note=away',
    error: { code: 'missing_mention' },
    en: ['Say who, with @name'],
    zh: ['请用 @姓名 指明是谁'],
    usage: ['approval delegate', '审批 转交'],
  },
  {
    text: 'lead assign L-0001 @li @chen',
    error: { code: 'stray_mention' },
    en: ['only one @mention'],
    zh: ['@提及'],
    usage: ['lead assign', '线索 分配'],
  },
  {
    text: 'customer add name=Foo\ncustomer add name=Bar',
    error: { code: 'several_commands', commands: ['customer add name=Foo', 'customer add name=Bar'] },
    en: ['2 commands', 'one command per message', 'nothing was changed', '1. customer add name=Foo'],
    zh: ['2 条命令', '每条消息只执行一条命令', '未做任何修改', '2. customer add name=Bar'],
  },
  {
    text: 'export customers',
    error: { code: 'use_instead', why: 'export', noun: 'customer' },
    en: ['Exporting is not available yet', 'customer list'],
    zh: ['导出功能尚未开放', '客户 列表'],
  },
];

describe('every CommandError, from a realistic mistake, explained in both languages', () => {
  it('covers every error code', () => {
    const codes = new Set(cases.map((c) => c.error.code));
    expect([...codes].sort()).toEqual(
      [
        'empty',
        'too_long',
        'unclosed_quote',
        'empty_key',
        'unknown_noun',
        'unknown_verb',
        'missing_ref',
        'bad_ref',
        'unknown_key',
        'missing_key',
        'duplicate_key',
        'empty_value',
        'bad_value',
        'too_long_value',
        'stray_word',
        'missing_word',
        'missing_mention',
        'stray_mention',
        'several_commands',
        'use_instead',
      ].sort(),
    );
  });

  for (const c of cases) {
    const label = c.text.length > 60 ? `${c.text.slice(0, 40)}… (${c.text.length} chars)` : c.text;
    it(`${c.error.code}: ${JSON.stringify(label)}`, () => {
      const e = error(c.text);
      expect(e).toMatchObject(c.error);
      const en = render(e, 'en');
      const zh = render(e, 'zh');
      for (const f of c.en) expect(en).toMatch(f);
      for (const f of c.zh) expect(zh).toMatch(f);
      // English replies are English; Chinese replies are Chinese.
      if (!/[\u4e00-\u9fff]/.test(c.text)) expect(en).not.toMatch(/[\u4e00-\u9fff]/);
      expect(zh).toMatch(/[\u4e00-\u9fff]/);
      // A long input is not echoed back in full.
      expect(en.length).toBeLessThan(2000);
      if (c.usage) {
        expect('command' in e).toBe(true);
        const cmd = (e as { command: { usage: { en: string; zh: string } } }).command;
        expect(en).toContain(`\nUsage: ${cmd.usage.en}`);
        expect(zh).toContain(`\n用法: ${cmd.usage.zh}`);
        expect(cmd.usage.en.startsWith(c.usage[0])).toBe(true);
        expect(cmd.usage.zh.startsWith(c.usage[1])).toBe(true);
      } else {
        expect(en).not.toContain('Usage:');
        expect(zh).not.toContain('用法:');
      }
    });
  }

  it('an unknown key lists exactly the keys of that command, in the reader’s language', () => {
    const e = error('lead follow L-0001 note=x colour=red');
    expect(render(e, 'en')).toContain('Keys: note, next, due.');
    expect(render(e, 'zh')).toContain('可用的键：备注、下一步、截止。');
  });

  it('clips a long word it quotes back', () => {
    const e = error(`${'z'.repeat(500)} add`);
    expect(render(e, 'en')).toContain(`"${'z'.repeat(40)}…"`);
  });
});

describe('error texts that would puzzle the reader (expected to be fixed; see the report)', () => {
  it('a command that takes no @mention does not say "no more than one" when given one', () => {
    const e = error('customer add name=Acme @wang');
    expect(e.code).toBe('stray_mention');
    expect(render(e, 'en')).not.toMatch(/no more than one/);
  });

  it('an unknown key on a command with no keys does not print an empty list ("Keys: .")', () => {
    const e = error('customer show C-0001 name=Acme');
    expect(e.code).toBe('unknown_key');
    expect(render(e, 'en')).not.toMatch(/Keys: \./);
    expect(render(e, 'zh')).not.toMatch(/可用的键：。/);
  });

  it('a missing word is named in Chinese for a Chinese reader (缺少：角色, not 缺少：role)', () => {
    expect(render(error('管理 角色 @li'), 'zh')).toContain('缺少：角色');
  });

  it('a bad choice offers the Chinese words to a Chinese reader (来源=展会, as the usage line shows)', () => {
    const firstLine = render(error('线索 新增 客户=C-0001 来源=电视'), 'zh').split('\n')[0];
    expect(firstLine).toMatch(/展会/);
  });
});
