// zod schemas for key values. Each turns the typed string into a typed value or a problem that the error
// renderer can explain ("phone: 13800000000 is a good example").
import { z } from 'zod';
import type { Bilingual } from '../i18n/locale.ts';
import { type DateExpr, parseDateExpr } from './dates.ts';
import {
  type LineItem,
  type Parsed,
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
} from './values.ts';

/**
 * What a key builder makes, kept beside its schema for the command metadata (src/commands/metadata.ts): a
 * channel's form field for the key, its line in the reference. A schema made otherwise has none (plain text).
 */
export type KeyKind =
  | { type: 'text'; max: number }
  | { type: 'phone' | 'email' | 'money' | 'quantity' | 'bool' | 'month' | 'date' | 'day' | 'item' }
  | { type: 'ref'; record: RecordKind; names?: boolean }
  | { type: 'choice'; options: Record<string, readonly string[]>; many: boolean };

export const keyKinds = z.registry<KeyKind>();

/** Marks a key's schema with what it takes (for schemas made outside `k`, e.g. a customer by number or name). */
export function kind<T extends z.ZodType>(schema: T, meta: KeyKind): T {
  keyKinds.add(schema as z.ZodType, meta);
  return schema;
}

/** Params of a value problem, read back by errors.ts. */
export type ProblemParams = {
  problem: string;
  example: string;
  choices?: string[];
  choicesZh?: string[];
  /** What exactly is wrong, when the parser can say (a decimal comma, a third decimal, a past date). */
  say?: Bilingual;
};

/**
 * The organisation's currency while a command is parsed: money is read in it (`$100` is refused where
 * amounts are in CNY), and so are phone numbers without a country code (CNY: China). Parsing is
 * synchronous, so this is set around one parse (withCurrency).
 */
let parsingCurrency: string | undefined;

export function withCurrency<T>(currency: string | undefined, parse: () => T): T {
  const before = parsingCurrency;
  parsingCurrency = currency;
  try {
    return parse();
  } finally {
    parsingCurrency = before;
  }
}

function fromParser<T>(parser: (raw: string) => Parsed<T>) {
  return z.string().transform((raw, ctx): T => {
    const r = parser(raw);
    if (r.ok) return r.value;
    ctx.addIssue({
      code: 'custom',
      message: r.problem,
      params: {
        problem: r.problem,
        example: r.example,
        ...(r.say ? { say: r.say } : {}),
      } satisfies ProblemParams,
    });
    return z.NEVER;
  });
}

function text(max = 500) {
  return kind(z.string().trim().min(1).max(max), { type: 'text', max });
}

/** A fixed set of values, each with aliases (English and Chinese). */
function choice<const T extends string>(options: Record<T, readonly string[]>) {
  const index = new Map<string, T>();
  for (const [value, aliases] of Object.entries(options) as [T, readonly string[]][]) {
    index.set(value.toLowerCase(), value);
    for (const a of aliases) index.set(a.toLowerCase(), value);
  }
  const names = Object.keys(options);
  // Chinese readers are offered the Chinese words (the first alias written in Chinese).
  const namesZh = (Object.entries(options) as [T, readonly string[]][]).map(
    ([value, aliases]) => aliases.find((a) => /[\u4e00-\u9fff]/.test(a)) ?? value,
  );
  const schema = z.string().transform((raw, ctx): T => {
    const v = index.get(raw.trim().toLowerCase());
    if (v) return v;
    ctx.addIssue({
      code: 'custom',
      message: 'choice',
      params: {
        problem: 'choice',
        example: names[0]!,
        choices: names,
        choicesZh: namesZh,
      } satisfies ProblemParams,
    });
    return z.NEVER;
  });
  return kind(schema, { type: 'choice', options, many: false });
}

/** A comma-separated list of choices, e.g. share=sales,management. */
function choices<const T extends string>(options: Record<T, readonly string[]>) {
  const one = choice(options);
  const schema = z
    .string()
    .transform((raw) => raw.split(/[,，、\s]+/).filter(Boolean))
    .pipe(z.array(one).min(1));
  return kind(schema, { type: 'choice', options, many: true });
}

/** Repeatable key: `item=… item=…`. The parser hands over a string or, when repeated, an array. */
function repeated<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(schema).min(1).max(100));
}

export const k = {
  text,
  phone: () =>
    kind(
      fromParser((raw) => parsePhone(raw, phoneRegion(parsingCurrency))),
      { type: 'phone' },
    ),
  email: () => kind(fromParser(parseEmail), { type: 'email' }),
  money: () =>
    kind(
      fromParser((raw) => parseMoney(raw, parsingCurrency)),
      { type: 'money' },
    ),
  quantity: () => kind(fromParser(parseQuantity), { type: 'quantity' }),
  bool: () => kind(fromParser(parseBool), { type: 'bool' }),
  month: () => kind(fromParser(parseMonth), { type: 'month' }),
  /**
   * A date a command takes: every one today is a deadline (due, valid, delivery, until, payment_due, a
   * need's delivery), so each is marked as one: resolving it (dates.ts resolveDate) refuses the past, and
   * any date outside the sane window, with the same answer for every key and flow.
   */
  date: () =>
    kind(
      fromParser<DateExpr>((raw) => {
        const r = parseDateExpr(raw);
        return r.ok ? { ok: true, value: { ...r.value, deadline: true } } : r;
      }),
      { type: 'date' },
    ),
  /** A day something happened (a payment arrived): may be in the past, unlike a deadline. */
  day: () => kind(fromParser<DateExpr>(parseDateExpr), { type: 'day' }),
  item: () =>
    kind(repeated(fromParser<LineItem>((raw) => parseItem(raw, parsingCurrency))), { type: 'item' }),
  ref: (record: RecordKind) =>
    kind(
      fromParser((raw) => parseRef(record, raw)),
      { type: 'ref', record },
    ),
  choice,
  choices,
};

export const DEPARTMENTS = {
  sales: ['销售', '銷售', '销售部'],
  marketing: ['市场', '市場', '市场部', 'market'],
  service: ['客服', '客服部', 'customer_service', 'support'],
  finance: ['财务', '財務', '财务部'],
  production: ['生产', '生產', '生产部'],
  logistics: ['物流', '物流部'],
  management: ['管理层', '管理層', '管理', 'mgmt'],
} as const;
export type DepartmentCode = keyof typeof DEPARTMENTS;
