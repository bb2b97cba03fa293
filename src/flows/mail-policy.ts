// Which items also go to people by contact address (a channel that reaches people by address, beside the
// chat card, never instead): `admin policy email=order.distribution,order.change,…`, kept in org settings.
import { eq } from 'drizzle-orm';
import type { FlowContext } from '../core/context.ts';
import { refuseInput } from '../core/errors.ts';
import type { Queryable } from '../db/client.ts';
import { orgSettings } from '../db/schema.ts';

export const MAIL_ITEMS = {
  'order.distribution': { en: 'approved orders to the departments', zh: '已批准订单发往各部门' },
  'order.change': { en: 'order changes', zh: '订单变更' },
  'order.cancel': { en: 'order cancellations', zh: '订单取消' },
  'report.month': { en: 'the monthly report', zh: '月报' },
  rectify: { en: 'rectification notices', zh: '整改通知' },
} as const;
export type MailItem = keyof typeof MAIL_ITEMS;

export const DEFAULT_MAIL_ITEMS: MailItem[] = [
  'order.distribution',
  'order.change',
  'order.cancel',
  'report.month',
];

const isItem = (s: string): s is MailItem => Object.hasOwn(MAIL_ITEMS, s);

export async function readMailItems(db: Queryable): Promise<MailItem[]> {
  const [row] = await db.select({ settings: orgSettings.settings }).from(orgSettings).limit(1);
  const stored = row?.settings?.email;
  return Array.isArray(stored)
    ? stored.filter((s): s is MailItem => typeof s === 'string' && isItem(s))
    : DEFAULT_MAIL_ITEMS;
}

/** `email=…` of admin policy: the list (or `none`), checked; refused with the items there are. */
export function parseMailItems(raw: string): MailItem[] {
  const words = raw
    .split(/[,，、\s]+/)
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean);
  if (words.length === 1 && (words[0] === 'none' || words[0] === '无')) return [];
  const unknown = words.find((w) => !isItem(w));
  if (unknown !== undefined || words.length === 0)
    refuseInput(
      `email=${raw}: "${unknown ?? ''}" is not an item. Items: ${Object.keys(MAIL_ITEMS).join(', ')} (or none).`,
      `email=${raw}：“${unknown ?? ''}”不是可选事项。可选：${Object.keys(MAIL_ITEMS).join('、')}（或 none）。`,
    );
  return [...new Set(words as MailItem[])];
}

/** The email part of `admin policy`: changed when given, then shown. */
export async function mailPolicy(ctx: FlowContext, raw: string | undefined): Promise<string> {
  const before = await readMailItems(ctx.tx);
  let after = before;
  if (raw !== undefined) {
    after = parseMailItems(raw);
    if (after.join(',') !== before.join(',')) {
      const [row] = await ctx.tx.select({ settings: orgSettings.settings }).from(orgSettings).limit(1);
      await ctx.tx
        .update(orgSettings)
        .set({ settings: { ...(row?.settings ?? {}), email: after }, updatedAt: ctx.now })
        .where(eq(orgSettings.id, 1));
      await ctx.audit('admin.policy', 'org', 'email', { before, after });
    }
  }
  const list = after.length ? after.map((i) => `${i} (${MAIL_ITEMS[i][ctx.locale]})`).join(', ') : 'none';
  return ctx.t({
    en: `\n• Also by email (to people with an address, beside the chat card; email=…): ${list}`,
    zh: `\n• 同时发邮件（发给已设邮箱的人，群聊卡片照发；email=…）：${list === 'none' ? '无' : list}`,
  });
}
