// A meeting summary in words: the key figures in a few lines, each against the period before, and the
// detail (by source, stage, state, the top customers) behind a card. Amounts only for those who see prices.
import type { Card, CardField, Message } from '../cards/card.ts';
import { formatMoney } from '../core/money.ts';
import { LEAD_STATUS, nameOf, SOURCE_NAMES } from '../flows/labels.ts';
import { quoteStatus } from '../flows/quote.ts';
import { type Locale, pick } from '../i18n/locale.ts';
import { type Figures, type Group, isEmpty } from './figures.ts';
import type { Period } from './periods.ts';

export type SummaryInput = {
  period: Period;
  now: Figures;
  before: Figures;
  currency: string;
  /** Amounts are shown (R-SEC-1: sales, finance, management, supervision). */
  prices: boolean;
};

function delta(a: number | bigint, b: number | bigint, money?: (v: bigint) => string): string {
  const d = BigInt(a) - BigInt(b);
  if (d === 0n) return '(=)';
  const abs = d < 0n ? -d : d;
  return `(${d > 0n ? '+' : '−'}${money ? money(abs) : abs.toString()})`;
}

/** `3 (+1)` and, with amounts, `3 · ¥1,200.00 (+1, +¥200.00)`. */
function pair(
  n: number,
  was: number,
  value: bigint | null,
  wasValue: bigint | null,
  money: (v: bigint) => string,
): string {
  if (value === null || wasValue === null) return `${n} ${delta(n, was)}`;
  const dn = delta(n, was).slice(1, -1);
  const dv = delta(value, wasValue, money).slice(1, -1);
  return `${n} · ${money(value)} (${dn}, ${dv})`;
}

function groupLine(
  now: Group[],
  before: Group[],
  name: (k: string) => string,
  l: Locale,
  money: ((v: bigint) => string) | null,
): string {
  const keys = [...new Set([...now.map((g) => g.key), ...before.map((g) => g.key)])];
  if (keys.length === 0) return '—';
  return keys
    .map((k) => {
      const a = now.find((g) => g.key === k);
      const b = before.find((g) => g.key === k);
      const v = money && a ? ` ${money(a.value)}` : '';
      return `${name(k)} ${a?.n ?? 0}${v} ${delta(a?.n ?? 0, b?.n ?? 0)}`;
    })
    .join(pick(l, { en: ', ', zh: '，' }));
}

export function renderSummary(input: SummaryInput, l: Locale): Message {
  const { period, now, before, prices } = input;
  const t = (en: string, zh: string) => pick(l, { en, zh });
  const money = (v: bigint) => formatMoney(v, input.currency);
  const m = prices ? money : null;
  const kindName = period.kind === 'week' ? t('Weekly summary', '周汇总') : t('Monthly summary', '月汇总');
  const stretch = period.toDate
    ? t(
        `${period.label.en}, to date; against the same days of the ${period.kind} before`,
        `${period.label.zh}，截至目前；对比上${period.kind === 'week' ? '周' : '月'}同期`,
      )
    : t(
        `${period.label.en}; against the ${period.kind} before`,
        `${period.label.zh}；对比上${period.kind === 'week' ? '周' : '月'}`,
      );
  const title = `📊 ${kindName} · ${stretch}`;
  if (isEmpty(now)) {
    const was = isEmpty(before)
      ? t('Nothing either in the period before.', '上一期同样没有。')
      : t(
          `The period before: ${before.newCustomers} new customers, ${before.newLeads} leads, ${before.quotes.n} quotes, ${before.orders.n} orders.`,
          `上一期：新客户 ${before.newCustomers}，线索 ${before.newLeads}，报价 ${before.quotes.n}，订单 ${before.orders.n}。`,
        );
    return {
      text: `${title}\n${t(
        'Nothing was recorded in this period: no new customers, leads, quotes or orders, no deliveries or payments due, no payments received.',
        '本期没有任何记录：无新客户、线索、报价、订单，无到期交货或收款，也无到账。',
      )}\n${was}`,
    };
  }
  const quotes = pair(now.quotes.n, before.quotes.n, m && now.quotes.value, m && before.quotes.value, money);
  const orders = pair(now.orders.n, before.orders.n, m && now.orders.value, m && before.orders.value, money);
  const c = now.collections;
  const cb = before.collections;
  const collections = prices
    ? t(
        `due ${c.dueOrders} orders ${money(c.dueValue)} ${delta(c.dueValue, cb.dueValue, money)}, ${money(c.outstanding)} still unpaid; received ${money(c.received)} ${delta(c.received, cb.received, money)}`,
        `到期 ${c.dueOrders} 单 ${money(c.dueValue)} ${delta(c.dueValue, cb.dueValue, money)}，尚未收回 ${money(c.outstanding)}；到账 ${money(c.received)} ${delta(c.received, cb.received, money)}`,
      )
    : t(
        `due ${c.dueOrders} orders ${delta(c.dueOrders, cb.dueOrders)}; ${c.payments} payments received ${delta(c.payments, cb.payments)}`,
        `到期 ${c.dueOrders} 单 ${delta(c.dueOrders, cb.dueOrders)}；到账 ${c.payments} 笔 ${delta(c.payments, cb.payments)}`,
      );
  const d = now.deliveries;
  const db = before.deliveries;
  const deliveries = t(
    `due ${d.due} ${delta(d.due, db.due)}, shipped ${d.shipped}, overdue ${d.overdue}${d.overdue ? ' ⚠️' : ''}`,
    `到期 ${d.due} ${delta(d.due, db.due)}，已发货 ${d.shipped}，逾期 ${d.overdue}${d.overdue ? ' ⚠️' : ''}`,
  );
  const lines = [
    t(
      `New customers ${now.newCustomers} ${delta(now.newCustomers, before.newCustomers)} · new leads ${now.newLeads} ${delta(now.newLeads, before.newLeads)}`,
      `新客户 ${now.newCustomers} ${delta(now.newCustomers, before.newCustomers)} · 新线索 ${now.newLeads} ${delta(now.newLeads, before.newLeads)}`,
    ),
    t(`Quotes ${quotes} · orders ${orders}`, `报价 ${quotes} · 订单 ${orders}`),
    t(`Deliveries ${deliveries}`, `交货：${deliveries}`),
    t(`Collections ${collections}`, `收款：${collections}`),
  ];
  const top = now.topCustomers.length
    ? now.topCustomers
        .map(
          (x, i) =>
            `${i + 1}. ${x.number} ${x.name} · ${x.n} ${t(x.n === 1 ? 'order' : 'orders', '单')}${m ? ` · ${money(x.value)}` : ''}`,
        )
        .join('\n')
    : '—';
  const fields: CardField[] = [
    {
      label: t('Leads by source', '线索来源'),
      value: groupLine(now.leadsBySource, before.leadsBySource, (k) => nameOf(SOURCE_NAMES, k, l), l, null),
    },
    {
      label: t('Leads by stage (registered in the period, stage now)', '线索阶段（本期登记，当前阶段）'),
      value: groupLine(now.leadsByStage, before.leadsByStage, (k) => nameOf(LEAD_STATUS, k, l), l, null),
    },
    {
      label: t('Quotes by state', '报价状态'),
      value: groupLine(now.quotesByState, before.quotesByState, (k) => quoteStatus(k, l), l, m),
    },
    { label: t('Orders placed', '新订单'), value: orders },
    { label: t('Deliveries', '交货'), value: deliveries },
    { label: t('Collections', '收款'), value: collections },
    { label: t('Top customers', '重点客户（按订单额）'), value: top },
  ];
  const card: Card = {
    title,
    fields,
    actions: [],
    note: t(
      '(+n) and (−n) compare with the period before; (=) is the same.',
      '（+n）（−n）为与上一期相比的增减；（=）表示持平。',
    ),
  };
  return { text: [title, ...lines, t('Details in the card.', '详情见卡片。')].join('\n'), card };
}

/** All of it as text, for a scheduled summary (a reminder carries text only). */
export function summaryAsText(input: SummaryInput, l: Locale): string {
  const msg = renderSummary(input, l);
  if (!msg.card) return msg.text;
  const head = msg.text.split('\n').slice(0, -1);
  const detail = msg.card.fields.slice(0, 3).map((f) => `${f.label}: ${f.value}`);
  const top = msg.card.fields.at(-1)!;
  return [...head, ...detail, `${top.label}:\n${top.value}`].join('\n');
}
