// The web workspace's words, in the reader's language; texts sit where they are used, as en/zh pairs.
import type { Actor } from '../core/actor.ts';
import { seesPrices } from '../core/permissions.ts';
import { readsLeads } from '../flows/list-queries.ts';
import { type Locale, pick } from '../i18n/locale.ts';

export const say = (l: Locale, en: string, zh: string): string => pick(l, { en, zh });

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

/** Sections some people may not open (as their chat commands admit): left out of their nav. */
const NAV_FOR: Partial<Record<Section, (a: Actor) => boolean>> = { leads: readsLeads, quotes: seesPrices };
export const inNav = (s: Section, a: Actor) => NAV_FOR[s]?.(a) ?? true;
