// The web workspace's words, in the reader's language; texts sit where they are used, as en/zh pairs.
import type { Locale } from '../i18n/locale.ts';

export const say = (l: Locale, en: string, zh: string): string => (l === 'en' ? en : zh);

export const NAV = {
  dashboard: { en: 'Dashboard', zh: '概览' },
  customers: { en: 'Customers', zh: '客户' },
  leads: { en: 'Leads', zh: '线索' },
  quotes: { en: 'Quotes', zh: '报价' },
  orders: { en: 'Orders', zh: '订单' },
  intel: { en: 'Market info', zh: '市场信息' },
  approvals: { en: 'Approvals', zh: '审批' },
} as const;
export type Section = keyof typeof NAV;
