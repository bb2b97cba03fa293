// Required fields per record type (R-KPI-3, policy section 2): what a record must carry to count as complete.
// Defaults follow the policy; admins change them with `admin policy required.customer=contact,phone,…`,
// stored in org_settings.settings.kpi.required. Each field is a SQL test on the record's row (alias r).

import { lookupKey } from '../commands/vocabulary.ts';
import { pick } from '../i18n/locale.ts';
import type { RequiredKey } from './policy-keys.ts';

export type RecordType = 'customer' | 'lead' | 'quote' | 'order';
export const RECORD_TYPES: RecordType[] = ['customer', 'lead', 'quote', 'order'];

const filled = (col: string) => `(r.${col} is not null and btrim(r.${col}::text) <> '')`;

/** Every field that may be required, per type: its SQL test and its names. */
export const FIELDS: Record<RecordType, Record<string, { test: string; en: string; zh: string }>> = {
  customer: {
    contact: {
      test: 'exists (select 1 from contacts c where c.customer_id = r.id)',
      en: 'contact',
      zh: '联系人',
    },
    phone: {
      test: "exists (select 1 from contacts c where c.customer_id = r.id and coalesce(c.phone, '') <> '')",
      en: 'phone',
      zh: '电话',
    },
    email: {
      test: "exists (select 1 from contacts c where c.customer_id = r.id and coalesce(c.email, '') <> '')",
      en: 'email',
      zh: '邮箱',
    },
    address: { test: filled('address'), en: 'address', zh: '地址' },
    scope: { test: filled('scope'), en: 'business scope', zh: '经营范围' },
    size: { test: filled('size'), en: 'company size', zh: '企业规模' },
    industry: { test: filled('industry'), en: 'industry', zh: '行业' },
    region: { test: filled('region'), en: 'region', zh: '地区' },
  },
  lead: {
    source: { test: filled('source'), en: 'source', zh: '来源' },
    desc: { test: filled('description'), en: 'description', zh: '描述' },
    next: { test: filled('next_step'), en: 'next step', zh: '下一步' },
    due: { test: 'r.next_due_at is not null', en: 'next step date', zh: '下一步日期' },
    industry: { test: filled('industry'), en: 'industry', zh: '行业' },
    region: { test: filled('region'), en: 'region', zh: '地区' },
    contact: {
      test: `(r.customer_id is not null or ${filled('contact_name')})`,
      en: 'contact',
      zh: '联系人',
    },
  },
  quote: {
    item: {
      test: 'exists (select 1 from quote_items i where i.quote_id = r.id)',
      en: 'line items',
      zh: '明细',
    },
    valid: { test: 'r.valid_until is not null', en: 'valid until', zh: '有效期' },
    tax: { test: 'r.tax_included is not null', en: 'tax included', zh: '含税' },
    payment: { test: filled('payment'), en: 'payment', zh: '付款方式' },
    delivery: { test: 'r.delivery_date is not null', en: 'delivery time', zh: '交期' },
    adjustment: { test: filled('adjustment'), en: 'price adjustment', zh: '价格调整' },
  },
  order: {
    item: {
      test: 'exists (select 1 from order_items i where i.order_id = r.id)',
      en: 'line items',
      zh: '明细',
    },
    place: { test: filled('delivery_place'), en: 'delivery place', zh: '交货地点' },
    delivery: { test: 'r.delivery_date is not null', en: 'delivery date', zh: '交期' },
    payment: { test: filled('payment_terms'), en: 'payment terms', zh: '付款条款' },
    payment_due: { test: 'r.payment_due_date is not null', en: 'payment due date', zh: '付款期限' },
    late: { test: filled('late_payment_rule'), en: 'late-payment rule', zh: '逾期规定' },
  },
};

export const DEFAULT_REQUIRED: Record<RecordType, string[]> = {
  customer: ['contact', 'phone', 'address', 'scope', 'size'],
  lead: ['source', 'desc', 'next'],
  quote: ['item', 'valid', 'tax', 'payment', 'delivery'],
  order: ['item', 'place', 'delivery', 'payment'],
};

/** The table, its owner column (the person responsible) and its creation time, per type. */
export const TABLE: Record<RecordType, { table: string; owner: string; prefix: string }> = {
  customer: { table: 'customers', owner: 'coalesce(r.owner_id, r.created_by)', prefix: 'C' },
  lead: { table: 'leads', owner: 'coalesce(r.owner_id, r.created_by)', prefix: 'L' },
  quote: { table: 'quotes', owner: 'r.owner_id', prefix: 'Q' },
  order: { table: 'orders', owner: 'r.owner_id', prefix: 'SO' },
};

export const typeOfKey = (key: RequiredKey): RecordType => key.slice('required.'.length) as RecordType;

/** Field names as typed (English or Chinese) → canonical; null naming the first unknown one. */
export function parseFields(type: RecordType, raw: string): { fields: string[] } | { unknown: string } {
  const words = raw.split(/[,，、\s]+/).filter(Boolean);
  const out: string[] = [];
  for (const w of words) {
    const lw = w.toLowerCase();
    const hit = Object.entries(FIELDS[type]).find(
      // The field's own names, or any spelling of the command key it is (规模 = size, 联系人 = contact).
      ([name, f]) => name === lw || f.zh === w || f.en.toLowerCase() === lw || lookupKey(w) === name,
    );
    if (!hit) return { unknown: w };
    if (!out.includes(hit[0])) out.push(hit[0]);
  }
  return out.length ? { fields: out } : { unknown: raw };
}

export function readRequired(stored: unknown): Record<RecordType, string[]> {
  const s = (stored ?? {}) as Partial<Record<RecordType, string[]>>;
  const out = { ...DEFAULT_REQUIRED };
  for (const type of RECORD_TYPES) {
    const list = s[type]?.filter((f) => f in FIELDS[type]);
    if (list?.length) out[type] = list;
  }
  return out;
}

export function fieldNames(type: RecordType, fields: string[], locale: 'en' | 'zh'): string {
  return fields.map((f) => FIELDS[type][f]?.[locale] ?? f).join(pick(locale, { en: ', ', zh: '、' }));
}
