// How an order's and a quote's states read, in both languages: shown by their own flows and by every page
// that points at them (a lead's links, a customer's records, the reports), so kept apart from both flows.
import type { Locale } from '../i18n/locale.ts';

export const ORDER_STATUS: Record<string, { en: string; zh: string }> = {
  draft: { en: 'draft', zh: '草稿' },
  pending: { en: 'pending approval', zh: '待审批' },
  confirmed: { en: 'confirmed', zh: '已确认' },
  in_production: { en: 'in production', zh: '生产中' },
  shipped: { en: 'shipped', zh: '已发货' },
  completed: { en: 'completed', zh: '已完成' },
  cancelled: { en: 'cancelled', zh: '已取消' },
};
export const orderStatus = (s: string, l: Locale) => ORDER_STATUS[s]?.[l] ?? s;

export const QUOTE_STATUS: Record<string, { en: string; zh: string }> = {
  draft: { en: 'draft', zh: '草稿' },
  pending: { en: 'pending approval', zh: '待审批' },
  approved: { en: 'approved', zh: '已批准' },
  rejected: { en: 'rejected', zh: '已驳回' },
  sent: { en: 'sent', zh: '已发送' },
  accepted: { en: 'accepted', zh: '已接受' },
  negotiating: { en: 'negotiating', zh: '谈判中' },
  declined: { en: 'declined', zh: '已拒绝' },
  expired: { en: 'expired', zh: '已过期' },
  superseded: { en: 'superseded by a revision', zh: '已被修订版取代' },
};
export const quoteStatus = (s: string, l: Locale) => QUOTE_STATUS[s]?.[l] ?? s;
