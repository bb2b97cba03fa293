// Value parsers (commands.md: money "stored exactly, never as a float", line items, record numbers
// "case-insensitive", phones, e-mails, yes/no, months). Expected amounts were worked out by hand or with
// Python's Decimal, not read from the implementation.
import { describe, expect, it } from 'vitest';
import {
  formatRef,
  lineAmount,
  parseBool,
  parseEmail,
  parseItem,
  parseMoney,
  parseMonth,
  parsePhone,
  parseQuantity,
  parseRef,
  phoneRegion,
  type RecordKind,
  refKindOf,
} from '../src/commands/values.ts';

const value = <T>(r: { ok: true; value: T } | { ok: false }) => (r.ok ? r.value : undefined);

describe('parseMoney (minor units, exact)', () => {
  it.each([
    ['35.5', 3550n],
    ['35.50', 3550n],
    ['0.01', 1n],
    ['1200', 120000n],
    ['¥1,200.00', 120000n],
    ['￥1,200', 120000n],
    ['1 200.5', 120050n],
    ['1200元', 120000n],
    ['1200 块', 120000n],
    ['CNY 300', 30000n],
    ['RMB300', 30000n],
    ['12万', 12000000n],
    ['1.5万', 1500000n],
    ['12万元', 12000000n],
    ['0', 0n],
    // The largest amount it takes: 15 digits of yuan, still exact.
    ['999999999999999.99', 99999999999999999n],
  ])('%s → %s fen', (raw, minor) => {
    expect(parseMoney(raw)).toEqual({ ok: true, value: minor });
  });

  it.each([
    ['abc', 'not a number'],
    ['', 'empty'],
    ['  ', 'blank'],
    ['¥', 'a symbol alone'],
    ['1.2.3', 'two decimal points'],
    ['1e5', 'scientific notation'],
    ['0x10', 'hexadecimal'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
  ])('refuses %s (%s) with an example of a good amount', (raw) => {
    expect(parseMoney(raw)).toEqual({ ok: false, problem: 'money', example: '1200.50' });
  });

  // Issue 22: a decimal comma was read as a thousands separator (35,5 → ¥355.00, ten times the price).
  it.each([
    ['35,5', '35.5'],
    ['35，5', '35.5'],
    ['12,50', '12.50'],
    ['¥35,5', '¥35.5'],
    ['3,5万', '3.5万'],
    ['1.200,50', '1200.50'],
    ['1.234.567,8', '1234567.8'],
  ])('refuses the decimal comma in %s with the question "did you mean %s?"', (raw, meant) => {
    const r = parseMoney(raw, 'CNY');
    expect(r).toMatchObject({ ok: false, problem: 'money_comma', example: meant });
    if (r.ok) return;
    expect(r.say?.en).toBe(
      `did you mean ${meant}? (a comma only separates thousands, as in 1,200; decimals take a point)`,
    );
    expect(r.say?.zh).toBe(`是指 ${meant} 吗？（逗号只用于千位分隔，如 1,200；小数请用小数点）`);
  });

  it.each(['1,2345', '1,2,3', ',5', '1,,000'])(
    'refuses %j, a comma that separates no thousands, without guessing a meaning',
    (raw) => {
      const r = parseMoney(raw);
      expect(r).toMatchObject({ ok: false, problem: 'money_comma' });
      if (!r.ok) expect(r.say?.en).not.toContain('did you mean');
    },
  );

  it.each([
    ['1,200', 120000n],
    ['1，200', 120000n],
    ['1,234,567.89', 123456789n],
    ['12,000万', 12000000000n],
  ])('still reads %s, whose commas separate thousands', (raw, minor) => {
    expect(parseMoney(raw)).toEqual({ ok: true, value: minor });
  });

  it.each([
    ['-5', 'money_negative', 'cannot be negative'],
    ['－5', 'money_negative', 'cannot be negative'],
    ['¥-5', 'money_negative', 'cannot be negative'],
    ['35.555', 'money_decimals', 'at most two decimals (e.g. 35.56)'],
    ['1.234', 'money_decimals', 'at most two decimals (e.g. 1.23)'],
    ['9999999999999999', 'money_range', 'at most 999,999,999,999,999.99'],
    // Issue 23: 999999999999999万 overflowed the bigint column ("Something went wrong").
    ['999999999999999万', 'money_range', 'at most 999,999,999,999,999.99'],
    ['10000000000000万', 'money_range', 'at most 999,999,999,999,999.99'],
  ])('refuses %s as %s, saying what is wrong (%s)', (raw, problem, says) => {
    const r = parseMoney(raw);
    expect(r).toMatchObject({ ok: false, problem });
    if (!r.ok) {
      expect(r.say?.en).toContain(says);
      expect(r.say?.zh).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('takes the largest amount that fits, in 万 too', () => {
    expect(parseMoney('9999999999999.9999万')).toMatchObject({ ok: false, problem: 'money_decimals' });
    expect(parseMoney('99999999999万')).toEqual({ ok: true, value: 99999999999n * 1_000_000n });
    expect(parseMoney('999999999999999.99')).toEqual({ ok: true, value: 99999999999999999n });
    expect(parseMoney('100000000000万')).toMatchObject({ ok: false, problem: 'money_range' });
  });

  it.each([
    ['$100', 'CNY', '¥100'],
    ['US$100', 'CNY', '¥100'],
    ['100 USD', 'CNY', '¥100'],
    ['100美元', 'CNY', '¥100'],
    ['€1,200.50', 'CNY', '¥1200.50'],
    ['£3万', 'CNY', '¥3万'],
    ['¥100', 'USD', '$100'],
    ['100元', 'EUR', '€100'],
    ['HK$100', 'USD', '$100'],
  ])('refuses %s where amounts are in %s, with the example %s', (raw, currency, example) => {
    expect(parseMoney(raw, currency)).toEqual({ ok: false, problem: 'money_currency', example });
  });

  it.each([
    ['¥100', 'CNY', 10000n],
    ['100元', 'CNY', 10000n],
    ['¥100元', 'CNY', 10000n],
    ['RMB 100', 'CNY', 10000n],
    ['100', 'USD', 10000n],
    ['$100', 'USD', 10000n],
    ['100 usd', 'USD', 10000n],
    ['$100', 'HKD', 10000n],
    ['HK$100', 'HKD', 10000n],
    ['¥100', 'JPY', 10000n],
    ['€5', 'EUR', 500n],
  ])('takes %s where amounts are in %s', (raw, currency, minor) => {
    expect(parseMoney(raw, currency)).toEqual({ ok: true, value: minor });
  });

  it('an item priced in another currency is refused, with the item written in the right one', () => {
    expect(parseItem('Sensor | X200 | 2 | $35.5', 'CNY')).toEqual({
      ok: false,
      problem: 'item_price_currency',
      example: 'Sensor | X200 | 2 | ¥35.5',
    });
    expect(parseItem('传感器 | 2 | $35.5', 'CNY')).toEqual({
      ok: false,
      problem: 'item_price_currency',
      example: '传感器 | | 2 | ¥35.5',
    });
  });

  it('returns a bigint, never a float', () => {
    expect(typeof value(parseMoney('0.1'))).toBe('bigint');
  });
});

describe('lineAmount (quantity × unit price, half up to the fen)', () => {
  it('3 × ¥0.10 is exactly ¥0.30 (0.1 * 3 is 0.30000000000000004 in floating point)', () => {
    expect(lineAmount('3', 10n)).toBe(30n);
  });

  it('10 × ¥0.10 is exactly ¥1.00', () => {
    expect(lineAmount('10', 10n)).toBe(100n);
  });

  it('1.5 × ¥33.33 = 49.995 rounds half up to ¥50.00', () => {
    expect(lineAmount('1.5', 3333n)).toBe(5000n);
  });

  it('1.005 × ¥19.99 = 20.08995 rounds to ¥20.09', () => {
    expect(lineAmount('1.005', 1999n)).toBe(2009n);
  });

  it('rounds a half fen up and less than half down', () => {
    expect(lineAmount('0.5', 1n)).toBe(1n); // 0.005 → 0.01
    expect(lineAmount('0.499', 1n)).toBe(0n); // 0.00499 → 0.00
    expect(lineAmount('2.5', 1n)).toBe(3n); // 0.025 → 0.03 (half up, not half even)
    expect(lineAmount('0.333', 10n)).toBe(3n); // 0.0333 → 0.03
  });

  it('200 × ¥35.5 is ¥7,100.00 (the commands.md example)', () => {
    expect(lineAmount('200', 3550n)).toBe(710000n);
  });

  it('keeps huge amounts exact as bigint', () => {
    // 987654321098.765 × 12345678901234567.89 = 12193263113702174187806784787.66 (Python Decimal)
    expect(lineAmount('987654321098.765', 1234567890123456789n)).toBe(1219326311370217418780678478766n);
    // 999999999999.999 × 999999999999999.99 = 999999999999998990000000000.00
    expect(lineAmount('999999999999.999', 99999999999999999n)).toBe(99999999999999899000000000000n);
  });

  it('composes with the parsers: an item string gives the exact amount', () => {
    const item = value(parseItem('Gateway | G1 | 1.5 | 33.33'))!;
    expect(lineAmount(item.quantity, item.unitPriceMinor)).toBe(5000n);
  });
});

describe('parseQuantity', () => {
  it.each([
    ['200', '200'],
    ['1.5', '1.5'],
    ['0.001', '0.001'],
    ['1,000', '1000'],
    ['1，000', '1000'],
    ['007', '7'],
    [' 12 ', '12'],
  ])('%s → %s', (raw, exact) => {
    expect(parseQuantity(raw)).toEqual({ ok: true, value: exact });
  });

  it.each(['0', '0.000', 'ten', '', '1/2', '1e3'])('refuses %j', (raw) => {
    expect(parseQuantity(raw)).toEqual({ ok: false, problem: 'quantity', example: '200' });
  });

  it.each([
    ['-1', 'quantity_negative', 'cannot be negative'],
    ['1.2345', 'quantity_decimals', 'at most three decimals'],
    ['1000000000000', 'quantity_range', 'at most 999,999,999,999'],
    ['2,5', 'quantity_comma', 'did you mean 2.5?'],
    ['2，5', 'quantity_comma', 'did you mean 2.5?'],
    ['1,0000', 'quantity_comma', 'a comma only separates thousands'],
  ])('refuses %j as %s, saying what is wrong', (raw, problem, says) => {
    const r = parseQuantity(raw);
    expect(r).toMatchObject({ ok: false, problem });
    if (!r.ok) expect(r.say?.en).toContain(says);
  });
});

describe('parseItem', () => {
  it('reads name | model | quantity | unit price', () => {
    expect(parseItem('Sensor | X200 | 200 | 35.5')).toEqual({
      ok: true,
      value: { name: 'Sensor', model: 'X200', quantity: '200', unitPriceMinor: 3550n },
    });
  });

  it('reads name | quantity | unit price (no model)', () => {
    expect(parseItem('传感器 | 200 | ¥1,200')).toEqual({
      ok: true,
      value: { name: '传感器', model: null, quantity: '200', unitPriceMinor: 120000n },
    });
  });

  it('accepts the full-width bar ｜ and no spaces', () => {
    expect(parseItem('传感器｜X200｜200｜35.5')).toEqual(parseItem('传感器 | X200 | 200 | 35.5'));
  });

  it('takes an empty model as no model', () => {
    expect(value(parseItem('Sensor | | 2 | 1'))?.model).toBeNull();
  });

  it('keeps spaces inside the name', () => {
    expect(value(parseItem('  Temperature sensor  | X200 | 1 | 1'))?.name).toBe('Temperature sensor');
  });

  it.each([
    ['Sensor 200 35.5', 'item'],
    ['Sensor | 200', 'item'],
    ['a | b | c | d | e', 'item'],
    [' | X200 | 200 | 35.5', 'item_name'],
    ['Sensor | X200 | many | 35.5', 'item_quantity'],
    ['Sensor | X200 | 0 | 35.5', 'item_quantity'],
    ['Sensor | X200 | 200 | cheap', 'item_price'],
  ])('refuses %j as %s, with the example', (raw, problem) => {
    expect(parseItem(raw)).toEqual({ ok: false, problem, example: 'Sensor | X200 | 200 | 35.5' });
  });

  it.each([
    [
      'Sensor | X200 | 200 | 35,5',
      'item_price',
      'the unit price 35,5: did you mean 35.5?',
      '单价 35,5：是指 35.5 吗？',
    ],
    [
      'Sensor | X200 | 200 | 35，5',
      'item_price',
      'the unit price 35，5: did you mean 35.5?',
      '单价 35，5：是指 35.5 吗？',
    ],
    [
      'Sensor | X200 | 2,5 | 35.5',
      'item_quantity',
      'the quantity 2,5: did you mean 2.5?',
      '数量 2,5：是指 2.5 吗？',
    ],
    [
      'Sensor | X200 | 200 | -35.5',
      'item_price',
      'the unit price -35.5: an amount cannot be negative',
      '单价 -35.5：金额不能为负数',
    ],
    [
      'Sensor | X200 | 200 | 35.555',
      'item_price',
      'the unit price 35.555: an amount has at most two decimals',
      '单价 35.555：金额最多两位小数',
    ],
    [
      'Sensor | X200 | -2 | 35.5',
      'item_quantity',
      'the quantity -2: a quantity cannot be negative',
      '数量 -2：数量不能为负数',
    ],
  ])('refuses %j as %s, naming the part that is wrong', (raw, problem, en, zh) => {
    const r = parseItem(raw);
    expect(r).toMatchObject({ ok: false, problem, example: 'Sensor | X200 | 200 | 35.5' });
    if (r.ok) return;
    expect(r.say?.en.startsWith(en)).toBe(true);
    expect(r.say?.zh.startsWith(zh)).toBe(true);
  });
});

describe('parsePhone (libphonenumber, China unless +code; kept as typed)', () => {
  it.each([
    ['13800000000', '13800000000'],
    ['138 0000 0000', '138 0000 0000'],
    ['+86 138 0000 0000', '+86 138 0000 0000'],
    ['＋86 138 0000 0000', '＋86 138 0000 0000'],
    ['(010) 1234-5678', '(010) 1234-5678'],
    ['0755-8888 6666', '0755-8888 6666'],
    ['400-820-8820', '400-820-8820'],
    ['+1 415  555 2671', '+1 415 555 2671'],
    ['+44 20 7946 0958', '+44 20 7946 0958'],
    ['010-12345678 转 123', '010-12345678 转 123'],
    ['13800000000 ext 5', '13800000000 ext 5'],
  ])('%s → %s', (raw, phone) => {
    expect(parsePhone(raw)).toEqual({ ok: true, value: phone });
  });

  // Issue 22: 电话=12345 was taken as a phone number.
  it.each([
    ['12345', 'too few digits'],
    ['1380000000', ''],
    ['1380000000000000', 'too many digits'],
    ['12800000000', 'no such number range'],
    ['+86 138 0000', ''],
    ['call-me', ''],
    ['1234', 'too few digits'],
    ['123456789012345678901', 'too many digits'],
    ['138-0000-000x', ''],
    ['+86+138', ''],
    ['', ''],
  ])('refuses %j, saying why (%s) and what a good one looks like', (raw, why) => {
    const r = parsePhone(raw);
    expect(r).toMatchObject({ ok: false, problem: 'phone', example: '13800000000' });
    if (r.ok) return;
    expect(r.say?.en).toContain('13800000000');
    expect(r.say?.zh).toContain('电话号码');
    if (why) expect(r.say?.en).toContain(why);
  });

  it('reads a number without +code in the organisation’s region', () => {
    expect(parsePhone('(415) 555-2671', 'US')).toEqual({ ok: true, value: '(415) 555-2671' });
    expect(parsePhone('(415) 555-2671', null).ok).toBe(false);
    // A currency of several countries names no region: a number then needs its +code.
    expect(phoneRegion('EUR')).toBeNull();
    expect(parsePhone('030 123456', null).ok).toBe(false);
    expect(parsePhone('+49 30 1234567', null)).toEqual({ ok: true, value: '+49 30 1234567' });
    expect(phoneRegion('CNY')).toBe('CN');
  });
});

describe('parseEmail', () => {
  it('accepts an address', () => {
    expect(parseEmail(' li@example.com ')).toEqual({ ok: true, value: 'li@example.com' });
  });

  it.each(['li@example', 'li example@x.com', '@x.com', 'li@', 'li', `${'a'.repeat(250)}@x.com`])(
    'refuses %j',
    (raw) => {
      expect(parseEmail(raw)).toEqual({ ok: false, problem: 'email', example: 'li@example.com' });
    },
  );
});

describe('parseBool', () => {
  it.each(['yes', 'YES', 'y', 'true', '1', 'on', '是', '对', '要'])('%s is yes', (raw) => {
    expect(parseBool(raw)).toEqual({ ok: true, value: true });
  });

  it.each(['no', 'No', 'n', 'false', '0', 'off', '否', '不', '不要'])('%s is no', (raw) => {
    expect(parseBool(raw)).toEqual({ ok: true, value: false });
  });

  it.each(['maybe', '', '2', '也许'])('refuses %j', (raw) => {
    expect(parseBool(raw)).toEqual({ ok: false, problem: 'bool', example: 'yes' });
  });
});

describe('parseMonth', () => {
  it.each([
    ['2026-11', '2026-11'],
    ['2026/1', '2026-01'],
    ['2026.3', '2026-03'],
    ['2026年11月', '2026-11'],
    ['2026年1月', '2026-01'],
  ])('%s → %s', (raw, month) => {
    expect(parseMonth(raw)).toEqual({ ok: true, value: month });
  });

  it.each(['2026-13', '2026-00', '11-2026', '2026-011', 'November', '', '2026'])('refuses %j', (raw) => {
    expect(parseMonth(raw)).toEqual({ ok: false, problem: 'month', example: '2026-11' });
  });
});

describe('record numbers', () => {
  it.each<[RecordKind, string, string]>([
    ['customer', 'c-1', 'C-0001'],
    ['customer', 'C-0001', 'C-0001'],
    ['customer', 'C0001', 'C-0001'],
    ['customer', 'c_5', 'C-0005'],
    ['customer', 'C－7', 'C-0007'],
    ['customer', ' c-0042 ', 'C-0042'],
    ['customer', 'C-12345', 'C-12345'],
    ['lead', 'l-3', 'L-0003'],
    ['quote', 'q-10', 'Q-0010'],
    ['order', 'so-12', 'SO-0012'],
    ['order', 'So-0012', 'SO-0012'],
    ['approval', 'a-1', 'A-0001'],
    ['intel', 'i-9', 'I-0009'],
  ])('parseRef(%s, %j) → %s', (kind, raw, ref) => {
    expect(parseRef(kind, raw)).toEqual({ ok: true, value: ref });
  });

  it.each<[RecordKind, string, string]>([
    ['customer', 'L-0001', 'C-0001'],
    ['lead', 'C-0001', 'L-0001'],
    ['order', 'Q-0001', 'SO-0001'],
    ['order', 'S-1', 'SO-0001'],
    ['quote', 'SO-1', 'Q-0001'],
    ['customer', 'C-', 'C-0001'],
    ['customer', 'C-1234567890', 'C-0001'],
    ['customer', 'Acme', 'C-0001'],
    ['customer', 'C-1x', 'C-0001'],
  ])(
    'parseRef(%s, %j) refuses another kind or a malformed number, with an example like %s',
    (kind, raw, eg) => {
      expect(parseRef(kind, raw)).toEqual({ ok: false, problem: `ref_${kind}`, example: eg });
    },
  );

  it.each([
    ['C-0001', 'customer'],
    ['c1', 'customer'],
    ['L-7', 'lead'],
    ['q_9', 'quote'],
    ['SO-1', 'order'],
    ['so1', 'order'],
    ['A-1', 'approval'],
    ['I-3', 'intel'],
    ['S-1', null],
    ['X-1', null],
    ['CO-1', null],
    ['C-', null],
    ['Acme', null],
    ['13800000000', null],
  ])('refKindOf(%j) is %s', (raw, kind) => {
    expect(refKindOf(raw)).toBe(kind);
  });

  it('formatRef pads to four digits and never truncates', () => {
    expect(formatRef('SO', 7)).toBe('SO-0007');
    expect(formatRef('C', 12345)).toBe('C-12345');
  });
});
