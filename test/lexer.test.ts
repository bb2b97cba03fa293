// Tokenization of what people type on a phone or a keyboard (commands.md, "Form"): quotes of every kind,
// full-width punctuation, mentions, invisible characters, and the limits that protect the parser.
import { describe, expect, it } from 'vitest';
import { LexError, MAX_COMMAND_LENGTH, normalizeText, type Token, tokenize } from '../src/commands/lexer.ts';
import { commandTable } from '../src/flows/index.ts';

const word = (text: string, quoted = false): Token => ({ kind: 'word', text, quoted });
const pair = (key: string, value: string, quoted = false): Token => ({ kind: 'pair', key, value, quoted });

/** The LexError a text raises, or a failed expectation if it raises none. */
function lexError(text: string): LexError {
  try {
    tokenize(text);
  } catch (e) {
    expect(e).toBeInstanceOf(LexError);
    return e as LexError;
  }
  throw new Error(`expected a LexError for ${JSON.stringify(text.slice(0, 60))}`);
}

describe('words and key=value pairs', () => {
  it('splits words on spaces and reads key=value pairs', () => {
    expect(tokenize('customer add name=Acme phone=13800000000')).toEqual([
      word('customer'),
      word('add'),
      pair('name', 'Acme'),
      pair('phone', '13800000000'),
    ]);
  });

  it('treats tabs, newlines and runs of spaces as one separator', () => {
    expect(tokenize('  customer\t\tadd \n name=Acme\r\n')).toEqual([
      word('customer'),
      word('add'),
      pair('name', 'Acme'),
    ]);
  });

  it('keeps everything after the first separator in the value (a value may contain "=")', () => {
    expect(tokenize('note=a=b')).toEqual([pair('note', 'a=b')]);
  });

  it('does not treat an ASCII colon as a key separator (times and URLs keep theirs)', () => {
    expect(tokenize('due=14:30 14:30 https://example.com/x')).toEqual([
      pair('due', '14:30'),
      word('14:30'),
      word('https://example.com/x'),
    ]);
  });

  it('reads a bare value up to the next space', () => {
    expect(tokenize('name=Acme Ltd')).toEqual([pair('name', 'Acme'), word('Ltd')]);
  });

  it('gives a key with nothing after "=" an empty value (the parser refuses it by name)', () => {
    expect(tokenize('name= contact=Li')).toEqual([pair('name', ''), pair('contact', 'Li')]);
  });
});

describe('quotes', () => {
  it.each([
    ['ASCII double quotes', 'name="Acme Ltd"'],
    ['ASCII single quotes', "name='Acme Ltd'"],
    ['curly double quotes', 'name=“Acme Ltd”'],
    ['curly single quotes', 'name=‘Acme Ltd’'],
    ['a curly quote closed by a straight one', 'name=“Acme Ltd"'],
    ['two closing curly quotes (some phone keyboards)', 'name=”Acme Ltd”'],
    ['corner brackets 「」', 'name=「Acme Ltd」'],
    ['white corner brackets 『』', 'name=『Acme Ltd』'],
  ])('key="value with spaces" with %s', (_name, text) => {
    expect(tokenize(text)).toEqual([pair('name', 'Acme Ltd', true)]);
  });

  it('quotes a Chinese value with spaces in 「」 after a full-width ＝', () => {
    expect(tokenize('线索 新增 名称＝「星河 电子」 来源：展会')).toEqual([
      word('线索'),
      word('新增'),
      pair('名称', '星河 电子', true),
      pair('来源', '展会'),
    ]);
  });

  it('keeps "=" and other quote characters inside a quoted value', () => {
    expect(tokenize('note="a=b, 「c」 it\'s fine"')).toEqual([pair('note', "a=b, 「c」 it's fine", true)]);
  });

  it('keeps a newline inside a quoted value', () => {
    expect(tokenize('note="line one\nline two"')).toEqual([pair('note', 'line one\nline two', true)]);
  });

  it('reads a quoted word that is not a value as one quoted word', () => {
    expect(tokenize('customer list "Acme Ltd"')).toEqual([
      word('customer'),
      word('list'),
      word('Acme Ltd', true),
    ]);
  });

  it('distinguishes an empty quoted value from a missing one only by `quoted`', () => {
    expect(tokenize('name=""')).toEqual([pair('name', '', true)]);
  });

  it('leaves an apostrophe inside a bare word alone', () => {
    expect(tokenize("contact=O'Brien")).toEqual([pair('contact', "O'Brien")]);
  });

  it.each([
    ['an ASCII quote', 'customer add name="Acme Ltd', '"Acme Ltd'],
    ['a curly quote', 'customer add name=“Acme Ltd', '“Acme Ltd'],
    ['a corner bracket', '客户 新增 名称=「华星 科技', '「华星 科技'],
    ['a single quote (SQL-looking text)', "'; DROP TABLE people; --", "'; DROP TABLE people"],
  ])('refuses an unclosed quote (%s) with a LexError naming where it starts', (_name, text, near) => {
    const e = lexError(text);
    expect(e.code).toBe('unclosed_quote');
    expect(e.detail.startsWith(near)).toBe(true);
    expect(e.detail.length).toBeLessThanOrEqual(20);
  });
});

describe('full-width punctuation', () => {
  it('accepts full-width ＝ and ： as key separators', () => {
    expect(tokenize('名称＝华星科技 联系人：王芳 电话=13900000000')).toEqual([
      pair('名称', '华星科技'),
      pair('联系人', '王芳'),
      pair('电话', '13900000000'),
    ]);
  });

  it('treats the full-width space U+3000 as a separator', () => {
    expect(tokenize('客户\u3000新增\u3000名称=华星科技\u3000')).toEqual([
      word('客户'),
      word('新增'),
      pair('名称', '华星科技'),
    ]);
  });

  it('keeps a full-width ， in a bare value as typed (lists split on it later; free text keeps it)', () => {
    expect(tokenize('共享给=销售，管理层 备注=已电话沟通，需要报价')).toEqual([
      pair('共享给', '销售，管理层'),
      pair('备注', '已电话沟通，需要报价'),
    ]);
  });

  it('refuses a separator with no key before it, full-width or not', () => {
    for (const text of ['customer add =Acme', '客户 新增 ＝华星', '客户 新增 ：华星']) {
      expect(lexError(text).code).toBe('empty_key');
    }
  });
});

describe('mentions', () => {
  it('reads a platform mention <@U123>', () => {
    expect(tokenize('lead assign L-0001 <@U123>')).toEqual([
      word('lead'),
      word('assign'),
      word('L-0001'),
      { kind: 'mention', externalId: 'U123' },
    ]);
  });

  it('reads a platform mention with a display name <@U123|name>, spaces included', () => {
    expect(tokenize('<@U123|li> <@U456|Wang Qiang>')).toEqual([
      { kind: 'mention', externalId: 'U123', display: 'li' },
      { kind: 'mention', externalId: 'U456', display: 'Wang Qiang' },
    ]);
  });

  it('reads @handle and the full-width ＠handle', () => {
    expect(tokenize('@wang ＠王芳')).toEqual([
      { kind: 'mention', handle: 'wang' },
      { kind: 'mention', handle: '王芳' },
    ]);
  });

  it('does not read an e-mail address or a mid-word @ as a mention', () => {
    expect(tokenize('email=li@example.com li@example.com')).toEqual([
      pair('email', 'li@example.com'),
      word('li@example.com'),
    ]);
  });

  it('drops a lone @ (a mention of nobody) instead of inventing a person', () => {
    expect(tokenize('lead assign L-0001 @')).toEqual([word('lead'), word('assign'), word('L-0001')]);
  });

  it('reads "<@>" with no id as a plain word, not a mention', () => {
    expect(tokenize('<@>')).toEqual([word('<@>')]);
  });
});

describe('invisible characters', () => {
  it('removes zero-width characters inside a word, so the word stays whole', () => {
    expect(tokenize('customer show C-0\u200b001')).toEqual([word('customer'), word('show'), word('C-0001')]);
    expect(tokenize('名称=华星\u200b科技\u200d')).toEqual([pair('名称', '华星科技')]);
  });

  it('removes a byte-order mark and direction marks', () => {
    expect(tokenize('\ufeffcustomer\u200e add\u200f')).toEqual([word('customer'), word('add')]);
    expect(normalizeText('\u2060me\u2060')).toBe('me');
  });

  it('treats vertical tab, form feed, NEL and the line and paragraph separators as spaces', () => {
    expect(tokenize('customer\u000badd\u000cname=Acme\u0085\u2028\u2029')).toEqual([
      word('customer'),
      word('add'),
      pair('name', 'Acme'),
    ]);
  });

  it('gives no tokens for text made only of invisible characters', () => {
    expect(tokenize('\u200b\ufeff\u3000 \u2028\u202e\u2066')).toEqual([]);
  });

  // Issue 23: a name with a right-to-left override was stored raw and could disguise what a card shows.
  it.each([
    ['RLO U+202E', '\u202e'],
    ['LRO U+202D', '\u202d'],
    ['RLE U+202B', '\u202b'],
    ['LRE U+202A', '\u202a'],
    ['PDF U+202C', '\u202c'],
    ['LRI U+2066', '\u2066'],
    ['RLI U+2067', '\u2067'],
    ['FSI U+2068', '\u2068'],
    ['PDI U+2069', '\u2069'],
    ['LRM U+200E', '\u200e'],
    ['RLM U+200F', '\u200f'],
    ['ALM U+061C', '\u061c'],
  ])('removes the bidirectional control %s from words, bare values and quoted values', (_name, c) => {
    expect(tokenize(`customer add name=Ac${c}me note="x${c}y z" ${c}C-1`)).toEqual([
      word('customer'),
      word('add'),
      pair('name', 'Acme'),
      pair('note', 'xy z', true),
      word('C-1'),
    ]);
  });

  // Issue 23: NUL bytes became spaces and the command wrote a row.
  it.each([
    ['NUL', 'note="a\u0000b"', 'U+0000'],
    ['NUL between words', 'customer\u0000add name=Acme', 'U+0000'],
    ['BEL', 'customer add name=A\u0007', 'U+0007'],
    ['ESC', '\u001b[31mcustomer list', 'U+001B'],
    ['DEL', 'name=Acme\u007f', 'U+007F'],
    ['a C1 control', 'name=Acme\u009b', 'U+009B'],
    ['control characters only', '\u0000\u0001', 'U+0000'],
  ])('refuses a message carrying a control character (%s), naming it', (_name, text, code) => {
    const e = lexError(text);
    expect(e.code).toBe('control_char');
    expect(e.detail).toBe(code);
  });
});

describe('a date value and the time after it (issue 22: 截止=下周五 15:00 without quotes)', () => {
  it.each([
    ['截止=下周五 15:00', '下周五 15:00'],
    ['due=tomorrow 14:30', 'tomorrow 14:30'],
    ['due=2026-12-04 9:05', '2026-12-04 9:05'],
    ['截止=明天 下午3点', '明天 下午3点'],
    ['截止=12月20日 15点', '12月20日 15点'],
    ['due=friday 3pm', 'friday 3pm'],
  ])('%s is one value %j', (text, value) => {
    expect(tokenize(text)).toEqual([pair(text.slice(0, text.search(/[=＝]/)), value)]);
  });

  it.each([
    ['a time after a time', 'due=14:30 14:30', [pair('due', '14:30'), word('14:30')]],
    ['a time after a date that has one', 'due=明天14:30 15:00', [pair('due', '明天14:30'), word('15:00')]],
    ['a time after a value that is not a date', 'name=Acme 15:00', [pair('name', 'Acme'), word('15:00')]],
    ['a time after a quoted date', 'due="tomorrow" 15:00', [pair('due', 'tomorrow', true), word('15:00')]],
    ['a quoted time', 'due=tomorrow "15:00"', [pair('due', 'tomorrow'), word('15:00', true)]],
    ['a word that is not a time', 'due=tomorrow call', [pair('due', 'tomorrow'), word('call')]],
  ])('leaves %s as typed', (_what, text, tokens) => {
    expect(tokenize(text)).toEqual(tokens);
  });
});

describe('leading slash', () => {
  const table = commandTable();

  it('keeps the slash in the token; the parser strips it', () => {
    expect(tokenize('/customer add')).toEqual([word('/customer'), word('add')]);
  });

  it.each([
    ['/customer list', 'customer'],
    ['／客户 列表', 'customer'],
    ['/ lead list', 'lead'],
    ['//lead list', 'lead'],
  ])('"%s" means the same as without the slash', (text, noun) => {
    const r = table.parse(text);
    expect(r.ok).toBe(true);
    if (r.ok) expect([r.command.noun, r.command.verbs[0]]).toEqual([noun, 'list']);
  });

  it('a slash alone is an empty command', () => {
    const r = table.parse('/');
    expect(r.ok ? null : r.error).toEqual({ code: 'empty' });
  });
});

describe('length limit', () => {
  it(`accepts exactly ${MAX_COMMAND_LENGTH} characters`, () => {
    const text = `note="${'x'.repeat(MAX_COMMAND_LENGTH - 7)}"`;
    expect(text.length).toBe(MAX_COMMAND_LENGTH);
    expect(tokenize(text)).toEqual([pair('note', 'x'.repeat(MAX_COMMAND_LENGTH - 7), true)]);
  });

  it(`refuses ${MAX_COMMAND_LENGTH + 1} characters with their count`, () => {
    const e = lexError(`note="${'x'.repeat(MAX_COMMAND_LENGTH - 6)}"`);
    expect(e.code).toBe('too_long');
    expect(e.detail).toBe(String(MAX_COMMAND_LENGTH + 1));
  });

  it('refuses a long text before doing any work on it, even when it is all spaces', () => {
    expect(lexError(' '.repeat(1_000_000)).code).toBe('too_long');
    expect(lexError('item="a|1|1" '.repeat(10_000)).code).toBe('too_long');
    // Read first, the unclosed quote (or the empty key) would be the error; the length is judged before.
    expect(lexError(`note="${'x'.repeat(MAX_COMMAND_LENGTH)}`).code).toBe('too_long');
    expect(lexError(`=${'x'.repeat(MAX_COMMAND_LENGTH)}`).code).toBe('too_long');
  });

  it('is 8000 as commands.md and the error text say', () => {
    expect(MAX_COMMAND_LENGTH).toBe(8000);
  });
});
