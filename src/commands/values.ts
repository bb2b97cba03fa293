// Value parsers for command keys: money, quantities, line items, phones, dates. They are pure (no clock,
// no zone): a date is parsed into a DateExpr and resolved against the person's zone later (dates.ts).

export type ValueProblem = { problem: string; example: string };
export type Parsed<T> = { ok: true; value: T } | ({ ok: false } & ValueProblem);

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (problem: string, example: string): Parsed<never> => ({ ok: false, problem, example });

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
 * Money in minor units (2 decimals). Accepts `35.5`, `¥1,200.00`, `1200元`, `12万`, `CNY 300`. With the
 * organisation's `currency`, an amount marked as another currency (`$100` where amounts are in CNY) is
 * refused rather than read as that many yuan; unmarked amounts are in the organisation's currency.
 */
export function parseMoney(raw: string, currency?: string): Parsed<bigint> {
  let s = raw.trim().replace(/[\s,，_]/g, '');
  let marked: readonly string[] | null = null;
  for (const [mark, currencies] of MARKS) {
    // A mark before and after the number (`¥100元`) is one currency said twice.
    const stripped = s.replace(mark, '').replace(mark, '');
    if (stripped !== s) {
      marked = currencies;
      s = stripped;
      break;
    }
  }
  let scale = 1n;
  if (s.endsWith('万')) {
    scale = 10_000n;
    s = s.slice(0, -1);
  }
  const m = /^(\d{1,15})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return bad('money', '1200.50');
  if (currency && marked && !marked.includes(currency.toUpperCase()))
    return bad(
      'money_currency',
      `${SYMBOL[currency.toUpperCase()] ?? `${currency} `}${m[0]}${scale > 1n ? '万' : ''}`,
    );
  const minor = (BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'))) * scale;
  return ok(minor);
}

/** A positive quantity with up to 3 decimals, as an exact decimal string. */
export function parseQuantity(raw: string): Parsed<string> {
  const s = raw.trim().replace(/[,，]/g, '');
  const m = /^(\d{1,12})(?:\.(\d{1,3}))?$/.exec(s);
  if (!m) return bad('quantity', '200');
  const value = m[2] ? `${BigInt(m[1]!)}.${m[2]}` : String(BigInt(m[1]!));
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
  if (!q.ok) return bad('item_quantity', example);
  const p = parseMoney(price ?? '', currency);
  if (!p.ok && p.problem === 'money_currency')
    return bad('item_price_currency', `${name} |${model ? ` ${model} ` : ' '}| ${qty} | ${p.example}`);
  if (!p.ok) return bad('item_price', example);
  return ok({ name, model: model || null, quantity: q.value, unitPriceMinor: p.value });
}

/** Line amount in minor units: quantity × unit price, rounded half up to the minor unit. */
export function lineAmount(quantity: string, unitPriceMinor: bigint): bigint {
  const [int, frac = ''] = quantity.split('.');
  const milli = BigInt(int!) * 1000n + BigInt(frac.padEnd(3, '0'));
  return (milli * unitPriceMinor + 500n) / 1000n;
}

export function parsePhone(raw: string): Parsed<string> {
  const s = raw.trim();
  const digits = s.replace(/\D/g, '');
  if (!/^\+?[\d\s()-]+$/.test(s) || digits.length < 5 || digits.length > 20)
    return bad('phone', '13800000000');
  return ok(s.replace(/\s+/g, ' '));
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
