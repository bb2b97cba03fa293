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
    ['-5', 'negative'],
    ['1.234', 'three decimals'],
    ['abc', 'not a number'],
    ['', 'empty'],
    ['  ', 'blank'],
    ['¥', 'a symbol alone'],
    ['1.2.3', 'two decimal points'],
    ['1e5', 'scientific notation'],
    ['0x10', 'hexadecimal'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
    ['9999999999999999', 'sixteen digits of yuan'],
  ])('refuses %s (%s) with an example of a good amount', (raw) => {
    expect(parseMoney(raw)).toEqual({ ok: false, problem: 'money', example: '1200.50' });
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

  it.each(['0', '0.000', '-1', '1.2345', 'ten', '', '1/2', '1e3'])('refuses %j', (raw) => {
    expect(parseQuantity(raw)).toEqual({ ok: false, problem: 'quantity', example: '200' });
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
    ['Sensor | X200 | -2 | 35.5', 'item_quantity'],
    ['Sensor | X200 | 200 | cheap', 'item_price'],
    ['Sensor | X200 | 200 | -35.5', 'item_price'],
    ['Sensor | X200 | 200 | 35.555', 'item_price'],
  ])('refuses %j as %s, with the example', (raw, problem) => {
    expect(parseItem(raw)).toEqual({ ok: false, problem, example: 'Sensor | X200 | 200 | 35.5' });
  });
});

describe('parsePhone', () => {
  it.each([
    ['13800000000', '13800000000'],
    ['+86 138 0000 0000', '+86 138 0000 0000'],
    ['(010) 1234-5678', '(010) 1234-5678'],
    ['+86  138   0000', '+86 138 0000'],
    ['12345', '12345'],
  ])('%s → %s', (raw, phone) => {
    expect(parsePhone(raw)).toEqual({ ok: true, value: phone });
  });

  it.each(['call-me', '1234', '123456789012345678901', '138-0000-000x', '+86+138', '', '13800000000 ext 5'])(
    'refuses %j',
    (raw) => {
      expect(parsePhone(raw)).toEqual({ ok: false, problem: 'phone', example: '13800000000' });
    },
  );
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
