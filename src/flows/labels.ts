// Names of stored codes in both languages, so replies never show a Chinese reader "expo" or "active".
import { type Locale, pick } from '../i18n/locale.ts';

type Names = Record<string, { en: string; zh: string }>;

export const SOURCE_NAMES: Names = {
  campaign: { en: 'campaign', zh: '市场活动' },
  online: { en: 'online', zh: '网络推广' },
  referral: { en: 'referral', zh: '客户推荐' },
  expo: { en: 'trade show', zh: '行业展会' },
  other: { en: 'other', zh: '其他' },
};

export const LEAD_STATUS = {
  new: { en: 'new', zh: '新建' },
  assigned: { en: 'assigned', zh: '已分配' },
  following: { en: 'following up', zh: '跟进中' },
  converted: { en: 'converted', zh: '已转化' },
  closed: { en: 'closed', zh: '已关闭' },
} as const;

export const CUSTOMER_STATUS: Names = {
  active: { en: 'active', zh: '正式客户' },
  prospect: { en: 'prospect', zh: '潜在客户' },
};

export const LEVEL3: Names = {
  high: { en: 'high', zh: '高' },
  medium: { en: 'medium', zh: '中' },
  low: { en: 'low', zh: '低' },
};

export const SHARE_FIELD_NAMES: Names = {
  contacts: { en: 'contacts', zh: '联系方式' },
  needs: { en: 'needs', zh: '需求' },
  intent: { en: 'purchase intent', zh: '购买意向' },
  history: { en: 'trade history', zh: '交易记录' },
};

export const INTEL_KINDS: Names = {
  industry: { en: 'industry news', zh: '行业动态' },
  competitor: { en: 'competitor', zh: '竞争对手' },
  campaign: { en: 'campaign feedback', zh: '市场活动反馈' },
  tip: { en: 'tip', zh: '信息线索' },
};

export const FIELD_NAMES: Names = {
  name: { en: 'name', zh: '名称' },
  contact: { en: 'contact', zh: '联系人' },
  phone: { en: 'phone', zh: '电话' },
  email: { en: 'email', zh: '邮箱' },
  fax: { en: 'fax', zh: '传真' },
  address: { en: 'address', zh: '地址' },
  industry: { en: 'industry', zh: '行业' },
  scope: { en: 'business scope', zh: '经营范围' },
  size: { en: 'size', zh: '规模' },
  region: { en: 'region', zh: '地区' },
  key: { en: 'key account', zh: '重点客户' },
  likelihood: { en: 'likelihood', zh: '购买可能性' },
  budget: { en: 'budget', zh: '预算' },
  process: { en: 'procurement process', zh: '采购流程' },
  decision: { en: 'decision makers', zh: '决策人' },
  delivery: { en: 'delivery date', zh: '交期' },
  place: { en: 'delivery place', zh: '交货地点' },
  payment: { en: 'payment terms', zh: '付款条款' },
  payment_due: { en: 'payment due date', zh: '付款期限' },
  late: { en: 'late-payment rule', zh: '逾期规定' },
  note: { en: 'note', zh: '备注' },
  item: { en: 'items', zh: '明细' },
  valid: { en: 'valid until', zh: '有效期' },
  tax: { en: 'tax', zh: '含税' },
  adjustment: { en: 'price adjustment', zh: '价格调整' },
};

/** The name of a code in the reader's language; unknown codes pass through. */
export function nameOf(names: Names, code: string | null | undefined, l: Locale): string {
  if (!code) return '—';
  return names[code]?.[l] ?? code;
}

/** A list of codes, joined the way each language joins lists. */
export function namesOf(names: Names, codes: readonly string[], l: Locale): string {
  return codes.map((c) => nameOf(names, c, l)).join(pick(l, { en: ', ', zh: '、' }));
}

/** 200.000 → 200, 1.500 → 1.5: exact, without the padding the database keeps. */
export function formatQuantity(q: string): string {
  return q.includes('.') ? q.replace(/\.?0+$/, '') : q;
}
