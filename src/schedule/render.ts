// A reminder as a card: what and when, with Done and Snooze where they make sense.

import { runButton } from '../cards/actions.ts';
import type { Card, Message } from '../cards/card.ts';
import { formatDate } from '../commands/dates.ts';
import type { Audience } from '../core/outbox.ts';
import { type Locale, pick } from '../i18n/locale.ts';
import { describeRepeat } from './repeat.ts';
import type { Occurrence, Reminder } from './rows.ts';

/** System reminders store their text in both languages as JSON; personal ones as typed. */
export function reminderText(r: Pick<Reminder, 'text'>, l: Locale): string {
  if (r.text.startsWith('{')) {
    try {
      const t = JSON.parse(r.text) as { en?: string; zh?: string };
      if (t.en && t.zh) return pick(l, { en: t.en, zh: t.zh });
    } catch {
      // typed by a person and happens to start with a brace
    }
  }
  return r.text;
}

const TITLES: Record<string, { en: string; zh: string }> = {
  personal: { en: 'Reminder', zh: '提醒' },
  delivery: { en: 'Delivery date coming', zh: '交期提醒' },
  overdue: { en: 'Order overdue', zh: '订单逾期' },
  followup: { en: 'Follow-up due', zh: '跟进提醒' },
  followup_escalation: { en: 'Follow-up missed', zh: '跟进逾期' },
  approval: { en: 'Approval waiting', zh: '待审批提醒' },
  approval_escalation: { en: 'Approval overdue', zh: '审批超时' },
  quote_expiry: { en: 'Quote expires soon', zh: '报价即将过期' },
  digest: { en: 'Weekly digest', zh: '每周汇总' },
  weekly_summary: { en: 'Weekly summary', zh: '周汇总' },
  rectify: { en: 'Rectification due', zh: '整改到期' },
  rectify_overdue: { en: 'Rectification overdue', zh: '整改逾期' },
  backup: { en: 'Scheduled backup', zh: '定时备份' },
  backup_drill: { en: 'Restore drill', zh: '恢复演练' },
  collection: { en: 'Payment due', zh: '收款提醒' },
  collection_overdue: { en: 'Payment overdue', zh: '收款逾期' },
};

/**
 * Repeating reminders the organisation's policy sets (summaries, overdue notices): stopping one is not
 * the reader's call, so their card does not offer `remind cancel`.
 */
const POLICY_REPEATS = new Set([
  'digest',
  'weekly_summary',
  'rectify_overdue',
  'overdue',
  'followup_escalation',
  'backup',
  'backup_drill',
  'collection_overdue',
]);

/** Kinds whose card asks the reader to act, so Done and Snooze make sense. */
const ACTIONABLE = new Set([
  'personal',
  'followup',
  'followup_escalation',
  'delivery',
  'overdue',
  'quote_expiry',
  'collection',
  'collection_overdue',
]);

export function renderReminder(
  r: Reminder,
  occ: Occurrence,
  l: Locale,
  _audience: Audience,
  now: Date,
): Message {
  const t = (en: string, zh: string) => pick(l, { en, zh });
  const title = TITLES[r.kind]?.[l] ?? t('Reminder', '提醒');
  const body = reminderText(r, l);
  const late = now.getTime() - occ.dueAt.getTime() > 10 * 60_000;
  const due = formatDate(occ.dueAt, r.timezone, true);
  const card: Card = {
    title: `⏰ ${title}${r.subjectRef ? ` · ${r.subjectRef}` : ''}`,
    fields: [
      { label: t('What', '内容'), value: body },
      { label: t('Due', '时间'), value: late ? t(`${due} (delivered late)`, `${due}（延迟送达）`) : due },
    ],
    actions: ACTIONABLE.has(r.kind)
      ? [
          { id: runButton(`remind done ${occ.id}`), label: t('Done', '完成'), style: 'primary' },
          {
            id: runButton(`remind snooze ${occ.id} for=1h`),
            label: t('Snooze 1 hour', '稍后 1 小时'),
            style: 'default',
          },
          {
            id: runButton(`remind snooze ${occ.id} for=1d`),
            label: t('Snooze 1 working day', '推迟 1 个工作日'),
            style: 'default',
          },
        ]
      : [],
    ...(r.repeat && !POLICY_REPEATS.has(r.kind)
      ? {
          note: t(
            `Repeats ${describeRepeat(r.repeat, 'en')} (${r.number}); stop with: remind cancel ${r.number}`,
            `重复：${describeRepeat(r.repeat, 'zh')}（${r.number}），停止：提醒 取消 ${r.number}`,
          ),
        }
      : {}),
  };
  return { text: `${card.title}\n${body}\n${card.fields[1]!.label}: ${card.fields[1]!.value}`, card };
}
