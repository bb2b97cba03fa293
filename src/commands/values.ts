// Value parsers for command keys: money, quantities, line items, phones, dates. They are pure (no clock,
// no zone): a date is parsed into a DateExpr and resolved against the person's zone later (dates.ts).
import {
  type CountryCode,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
} from 'libphonenumber-js/max';
import type { Bilingual } from '../i18n/locale.ts';

/** `say`, when given, tells in both languages what exactly is wrong (errors.ts shows it as the reason). */
export type ValueProblem = { problem: string; example: string; say?: Bilingual };
export type Parsed<T> = { ok: true; value: T } | ({ ok: false } & ValueProblem);

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (problem: string, example: string, say?: Bilingual): Parsed<never> =>
  say ? { ok: false, problem, example, say } : { ok: false, problem, example };

/**
 * Currency marks a person may type, and the currencies each can mean: ¥ is the yuan in China and the yen
 * in Japan, a bare $ any dollar. Codes are matched case-insensitively.
 */
const MARKS: [RegExp, readonly string[]][] = [
  // Longer marks first: 美元, 港元, 欧元 and 日元 end in 元, HK$ and US$ in $.
  [/^(?:US\$|USD)|(?:USD|美元|美金)$/i, ['USD']],
  [/^(?:HK\$|HKD)|(?:HKD|港币|港元)$/i, ['HKD']],
  [/^(?:€|EUR)|(?:EUR|欧元)$/i, ['EUR']],
  [/^(?:£|GBP)|(?:GBP|英镑)$/i, ['GBP']],
  [/^JPY|(?:JPY|日元)$/i, ['JPY']],
  [/^(?:[¥￥]|CNY|RMB)|(?:元|圆|块|人民币|CNY|RMB)$/i, ['CNY', 'JPY']],
  [/^\$/, ['USD', 'HKD', 'SGD', 'AUD', 'CAD', 'NZD', 'TWD']],
];

/** The symbol an amount in `currency` is written with in examples. */
const SYMBOL: Record<string, string> = { CNY: '¥', JPY: '¥', USD: '$', HKD: 'HK$', EUR: '€', GBP: '£' };

/**
 * The largest amount one value may hold: 15 digits of yuan. Money columns are bigint minor units (at most
 * 9.2 × 10^18); this leaves room for totals and sums of payments, and a larger figure is a typo.
 */
export const MAX_AMOUNT_MINOR = 10n ** 17n - 1n;
/** Quantities are numeric(18, 3) in the database; 12 digits before the point are plenty and fit. */
const MAX_QUANTITY_DIGITS = 12;

const MINUS = /^[-−－]/;

/**
 * A comma that cannot separate thousands (`35,5`, `1.200,50`): a decimal comma, which read as a
 * thousands separator would make the amount ten or a hundred times higher. Returns the reading with a
 * decimal point when there is one plausible reading, '' when there is none, null when every comma is fine.
 */
function decimalComma(s: string): string | null {
  const body = s.replace(/\s/g, '');
  const misplaced = [...body.matchAll(/[,，]/g)].some((m) => !/^\d{3}(?!\d)/.test(body.slice(m.index + 1)));
  if (!misplaced) return null;
  // One comma, the last separator, a point (if any) before it only as a thousands mark: 1.234,5 → 1234.5.
  const m = /^(\d+|\d{1,3}(?:\.\d{3})+)[,，](\d+)$/.exec(body);
  if (!m) return '';
  return `${m[1]!.replace(/\./g, '')}.${m[2]}`;
}

const NEGATIVE = {
  money: { example: '1200.50', en: 'an amount cannot be negative', zh: '金额不能为负数' },
  quantity: { example: '200', en: 'a quantity cannot be negative', zh: '数量不能为负数' },
};

/**
 * The refusal of a minus sign or of a decimal comma in `number` (the figures of `typed`, without its
 * currency marks), or null. The question offers `typed` with a decimal point when that reads (`ok`).
 */
function signOrComma(
  kind: 'money' | 'quantity',
  number: string,
  typed: string,
  ok: (text: string) => boolean,
): Parsed<never> | null {
  const neg = NEGATIVE[kind];
  if (MINUS.test(number) && /\d/.test(number))
    return bad(`${kind}_negative`, neg.example, {
      en: `${neg.en} (e.g. ${neg.example})`,
      zh: `${neg.zh}（例如 ${neg.example}）`,
    });
  const comma = decimalComma(number);
  if (comma === null) return null;
  // The suggestion keeps what was around the number (¥, 万, 元).
  const written = comma && typed.includes(number) ? typed.replace(number, comma) : comma;
  const suggestion = written && ok(written) ? written : '';
  const en = 'a comma only separates thousands, as in 1,200; decimals take a point';
  const zh = '逗号只用于千位分隔，如 1,200；小数请用小数点';
  return bad(
    `${kind}_comma`,
    suggestion || neg.example,
    suggestion
      ? { en: `did you mean ${suggestion}? (${en})`, zh: `是指 ${suggestion} 吗？（${zh}）` }
      : { en: `${en}.`, zh: `${zh}。` },
  );
}

/**
 * Money in minor units (2 decimals). Accepts `35.5`, `¥1,200.00`, `1200元`, `12万`, `CNY 300`. With the
 * organisation's `currency`, an amount marked as another currency (`$100` where amounts are in CNY) is
 * refused rather than read as that many yuan; unmarked amounts are in the organisation's currency. A
 * decimal comma, a negative amount, a third decimal and an amount beyond MAX_AMOUNT_MINOR are each refused
 * with what is wrong.
 */
export function parseMoney(raw: string, currency?: string): Parsed<bigint> {
  const typed = raw.trim();
  let s = typed;
  let marked: readonly string[] | null = null;
  for (const [mark, currencies] of MARKS) {
    // A mark before and after the number (`¥100元`) is one currency said twice.
    const stripped = s.replace(mark, '').replace(mark, '').trim();
    if (stripped !== s) {
      marked = currencies;
      s = stripped;
      break;
    }
  }
  let scale = 1n;
  if (s.endsWith('万')) {
    scale = 10_000n;
    s = s.slice(0, -1).trim();
  }
  const sign = signOrComma('money', s, typed, (t) => parseMoney(t, currency).ok);
  if (sign) return sign;
  s = s.replace(/[\s,，_]/g, '');
  const many = /^(\d+)\.(\d{3,})$/.exec(s);
  if (many) {
    const rounded = roundTo2(many[1]!, many[2]!);
    return bad('money_decimals', rounded, {
      en: `an amount has at most two decimals (e.g. ${rounded})`,
      zh: `金额最多两位小数（例如 ${rounded}）`,
    });
  }
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return bad('money', '1200.50');
  const minor = (BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'))) * scale;
  if (minor > MAX_AMOUNT_MINOR)
    return bad('money_range', '1200.50', {
      en: 'an amount can be at most 999,999,999,999,999.99; check the digits',
      zh: '金额最多为 999,999,999,999,999.99，请检查位数',
    });
  if (currency && marked && !marked.includes(currency.toUpperCase()))
    return bad(
      'money_currency',
      `${SYMBOL[currency.toUpperCase()] ?? `${currency} `}${m[0]}${scale > 1n ? '万' : ''}`,
    );
  return ok(minor);
}

/** `35.555` → `35.56` (half up), as an example of what two decimals look like. */
function roundTo2(int: string, frac: string): string {
  const cents = BigInt(int) * 100n + BigInt(frac.slice(0, 2)) + (Number(frac[2]) >= 5 ? 1n : 0n);
  return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
}

/** A positive quantity with up to 3 decimals, as an exact decimal string. */
export function parseQuantity(raw: string): Parsed<string> {
  const typed = raw.trim();
  const sign = signOrComma('quantity', typed, typed, (t) => parseQuantity(t).ok);
  if (sign) return sign;
  const s = typed.replace(/[\s,，_]/g, '');
  if (/^\d+\.\d{4,}$/.test(s))
    return bad('quantity_decimals', '200', {
      en: 'a quantity has at most three decimals (e.g. 2.5 or 0.125)',
      zh: '数量最多三位小数（例如 2.5 或 0.125）',
    });
  const m = /^(\d+)(?:\.(\d{1,3}))?$/.exec(s);
  if (!m) return bad('quantity', '200');
  const int = BigInt(m[1]!);
  if (String(int).length > MAX_QUANTITY_DIGITS)
    return bad('quantity_range', '200', {
      en: 'a quantity can be at most 999,999,999,999; check the digits',
      zh: '数量最多为 999,999,999,999，请检查位数',
    });
  const value = m[2] ? `${int}.${m[2]}` : String(int);
  if (/^0(?:\.0*)?$/.test(value)) return bad('quantity', '200');
  return ok(value);
}

export type LineItem = { name: string; model: string | null; quantity: string; unitPriceMinor: bigint };

/**
 * `name | model | quantity | unit price`; the model may be left empty; `｜` works too. The unit price is
 * in the organisation's `currency` (see parseMoney).
 */
export function parseItem(raw: string, currency?: string): Parsed<LineItem> {
  const example = 'Sensor | X200 | 200 | 35.5';
  const parts = raw.split(/[|｜]/).map((p) => p.trim());
  if (parts.length !== 4 && parts.length !== 3) return bad('item', example);
  const [name, model, qty, price] = parts.length === 4 ? parts : [parts[0], '', parts[1], parts[2]];
  if (!name) return bad('item_name', example);
  const q = parseQuantity(qty ?? '');
  if (!q.ok)
    return bad(
      'item_quantity',
      example,
      q.say && { en: `the quantity ${qty}: ${q.say.en}`, zh: `数量 ${qty}：${q.say.zh}` },
    );
  const p = parseMoney(price ?? '', currency);
  if (!p.ok && p.problem === 'money_currency')
    return bad('item_price_currency', `${name} |${model ? ` ${model} ` : ' '}| ${qty} | ${p.example}`);
  if (!p.ok)
    return bad(
      'item_price',
      example,
      p.say && { en: `the unit price ${price}: ${p.say.en}`, zh: `单价 ${price}：${p.say.zh}` },
    );
  return ok({ name, model: model || null, quantity: q.value, unitPriceMinor: p.value });
}

/** Line amount in minor units: quantity × unit price, rounded half up to the minor unit. */
export function lineAmount(quantity: string, unitPriceMinor: bigint): bigint {
  const [int, frac = ''] = quantity.split('.');
  const milli = BigInt(int!) * 1000n + BigInt(frac.padEnd(3, '0'));
  return (milli * unitPriceMinor + 500n) / 1000n;
}

/**
 * The region a phone number without +country code is read in, from the organisation's currency (its
 * settings name no country); a currency of several countries (EUR) has none, so numbers need a + code.
 */
const CURRENCY_REGION: Record<string, CountryCode> = {
  CNY: 'CN',
  HKD: 'HK',
  TWD: 'TW',
  USD: 'US',
  JPY: 'JP',
  GBP: 'GB',
  SGD: 'SG',
  AUD: 'AU',
  CAD: 'CA',
  NZD: 'NZ',
};
export function phoneRegion(currency: string | undefined): CountryCode | null {
  return currency ? (CURRENCY_REGION[currency.toUpperCase()] ?? null) : 'CN';
}

const PHONE_WHY: Record<string, Bilingual> = {
  TOO_SHORT: { en: 'too few digits', zh: '位数太少' },
  TOO_LONG: { en: 'too many digits', zh: '位数太多' },
  INVALID_LENGTH: { en: 'a wrong number of digits', zh: '位数不对' },
  INVALID_COUNTRY: {
    en: 'no country code: start with + and the code',
    zh: '缺少国家代码：请以 + 和代码开头',
  },
};

/**
 * A phone or fax number, checked with libphonenumber (full metadata: lengths and number ranges per
 * country) in `region` unless it starts with +code. It is kept as typed, spaces tidied: people read their
 * own way of writing numbers (138 0000 0000, 010-12345678 转 123), and cards mask it digit by digit.
 */
export function parsePhone(raw: string, region: CountryCode | null = 'CN'): Parsed<string> {
  const s = raw.trim().replace(/\s+/g, ' ');
  const example = region === 'CN' || !region ? '13800000000' : '+86 138 0000 0000';
  // 转 and 分机 are how Chinese writes an extension.
  const text = s.replace(/\s*(?:转|轉|分机|分機)\s*(\d+)$/, ' ext. $1');
  const number = /^[+＋]?[\d\s()（）.\-–—/]+(?:\s?(?:ext\.?|x|#)\s?\d+)?$/i.test(text)
    ? parsePhoneNumberFromString(text.replace(/^＋/, '+'), region ? { defaultCountry: region } : {})
    : undefined;
  if (number?.isValid()) return ok(s);
  const sample = region === 'CN' || !region ? '13800000000, 010-12345678' : example;
  const length = number
    ? validatePhoneNumberLength(text, region ? { defaultCountry: region } : {})
    : undefined;
  const why = length ? PHONE_WHY[length] : undefined;
  return bad('phone', example, {
    en: `expected a phone number such as ${sample} or +1 415 555 2671${why ? ` (${why.en})` : number ? ' (no such number range)' : ''}`,
    zh: `应为电话号码，例如 ${sample.replace(', ', '、')} 或 +1 415 555 2671${why ? `（${why.zh}）` : number ? '（号段不存在）' : ''}`,
  });
}

export function parseEmail(raw: string): Parsed<string> {
  const s = raw.trim();
  if (s.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s)) return bad('email', 'li@example.com');
  return ok(s);
}

const YES = new Set(['yes', 'y', 'true', '1', 'on', '是', '对', '要', '重要']);
const NO = new Set(['no', 'n', 'false', '0', 'off', '否', '不', '不要']);
export function parseBool(raw: string): Parsed<boolean> {
  const s = raw.trim().toLowerCase();
  if (YES.has(s)) return ok(true);
  if (NO.has(s)) return ok(false);
  return bad('bool', 'yes');
}

export function parseMonth(raw: string): Parsed<string> {
  const m = /^(\d{4})[-/.年](\d{1,2})月?$/.exec(raw.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return bad('month', '2026-11');
  return ok(`${m[1]}-${m[2]!.padStart(2, '0')}`);
}

export type RecordKind = 'customer' | 'lead' | 'quote' | 'order' | 'approval' | 'intel' | 'reminder';
export const RECORD_PREFIX: Record<RecordKind, string> = {
  customer: 'C',
  lead: 'L',
  quote: 'Q',
  order: 'SO',
  approval: 'A',
  intel: 'I',
  reminder: 'R',
};

export function formatRef(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(4, '0')}`;
}

/** Record numbers are case-insensitive and may drop leading zeros: `c-1` is `C-0001`. */
export function parseRef(kind: RecordKind, raw: string): Parsed<string> {
  const prefix = RECORD_PREFIX[kind];
  const m = new RegExp(`^${prefix}[-_－]?(\\d{1,9})$`, 'i').exec(raw.trim());
  if (!m) return bad(`ref_${kind}`, formatRef(prefix, 1));
  return ok(formatRef(prefix, Number(m[1])));
}

/** Which kind of record a token names, if any. */
export function refKindOf(raw: string): RecordKind | null {
  const m = /^(SO|C|L|Q|A|I|R)[-_－]?\d{1,9}$/i.exec(raw.trim());
  if (!m) return null;
  const p = m[1]!.toUpperCase();
  return (Object.keys(RECORD_PREFIX) as RecordKind[]).find((k) => RECORD_PREFIX[k] === p) ?? null;
}
