// The approval card: what is asked, by whom and why, where each step stands, and Approve / Reject while
// it is pending. The same card is rendered again, in place, after every change.
import { inArray } from 'drizzle-orm';
import { runButton } from '../cards/actions.ts';
import type { Card, CardField, Message } from '../cards/card.ts';
import type { FlowContext } from '../core/context.ts';
import type { Audience } from '../core/outbox.ts';
import { privateNote, type Viewer } from '../core/visibility.ts';
import { people } from '../db/schema.ts';
import { type Locale, pick } from '../i18n/locale.ts';
import { type Approval, type Seat, seatsOf } from './engine.ts';
import { SUBJECT_NAMES } from './policy.ts';
import { SEAT_NAMES } from './seats.ts';

/**
 * What the subject contributes to its card, for one reader (core/visibility.ts decides each confidential
 * value): its fields, the command for details, and which confidential fields it showed in full (`read`,
 * of the record `entity`), for the audit.
 */
export type SubjectSummary = (
  locale: Locale,
  viewer: Viewer,
) => { fields: CardField[]; details: string; entity: string; read: string[]; masked?: boolean };

/**
 * The reader of a copy the outbox renders by audience: a private copy goes only to a seat holder of the
 * approval (first step, next step, delegate, re-routed seat) and a group copy to the management chat.
 */
export function approvalCardViewer(audience: Audience): Viewer {
  return audience === 'private' ? { audience, approver: true } : { audience, department: 'management' };
}

export type ApprovalView = {
  approval: Approval;
  seats: Seat[];
  names: Map<number, string>;
  when: (d: Date | null) => string;
};

export async function viewOf(ctx: FlowContext, approval: Approval): Promise<ApprovalView> {
  const seats = await seatsOf(ctx, approval.id);
  const ids = [
    ...new Set(
      [approval.requesterId, ...seats.flatMap((s) => [...s.eligible, s.decidedBy ?? 0])].filter(Boolean),
    ),
  ];
  const rows = ids.length
    ? await ctx.tx.select({ id: people.id, name: people.name }).from(people).where(inArray(people.id, ids))
    : [];
  return {
    approval,
    seats,
    names: new Map(rows.map((r) => [r.id, r.name])),
    when: (d) => ctx.fmtDate(d, true),
  };
}

const STATE: Record<string, { en: string; zh: string }> = {
  pending: { en: 'Pending', zh: '待审批' },
  approved: { en: 'Approved', zh: '已批准' },
  rejected: { en: 'Rejected', zh: '已驳回' },
  withdrawn: { en: 'Withdrawn', zh: '已撤回' },
};

function seatLine(v: ApprovalView, s: Seat, l: Locale): string {
  const who = SEAT_NAMES[s.label]?.[l] ?? s.label;
  const name = (id: number | null) => (id ? (v.names.get(id) ?? '?') : '?');
  switch (s.state) {
    case 'approved':
      return `✅ ${who}: ${name(s.decidedBy)} ${v.when(s.decidedAt)}${s.note ? ` — ${s.note}` : ''}`;
    case 'rejected':
      return `❌ ${who}: ${name(s.decidedBy)} ${v.when(s.decidedAt)} — ${s.note ?? ''}`;
    case 'open':
      return `⏳ ${who}: ${s.eligible.map(name).join(pick(l, { en: ' or ', zh: ' 或 ' }))}`;
    case 'skipped':
      return `— ${who}`;
    default:
      return `· ${who}: ${s.eligible.map(name).join(pick(l, { en: ' or ', zh: ' 或 ' }))}`;
  }
}

export function renderApproval(
  v: ApprovalView,
  summary: SubjectSummary,
  l: Locale,
  reader: Audience | Viewer,
): Message {
  const a = v.approval;
  const t = (en: string, zh: string) => pick(l, { en, zh });
  const viewer = typeof reader === 'string' ? approvalCardViewer(reader) : reader;
  const subject = summary(l, viewer);
  const steps = [...new Set(v.seats.map((s) => s.stepNo))].map((n) => {
    const seats = v.seats.filter((s) => s.stepNo === n);
    const mode = seats[0]?.mode === 'all' ? t('all must sign', '会签') : t('any one', '或签');
    return {
      label: t(`Step ${n} (${mode})`, `第 ${n} 步（${mode}）`),
      value: seats.map((s) => seatLine(v, s, l)).join('\n'),
    };
  });
  const requester = v.names.get(a.requesterId) ?? '?';
  const fields: CardField[] = [
    ...subject.fields,
    { label: t('Requested by', '申请人'), value: `${requester} ${v.when(a.createdAt)}` },
    ...(a.reason ? [{ label: t('Reason', '原因'), value: a.reason }] : []),
    ...steps,
    {
      label: t('Status', '状态'),
      value:
        (STATE[a.state]?.[l] ?? a.state) +
        (a.state === 'pending' && a.overdueAt
          ? t(` — ⚠️ overdue since ${v.when(a.overdueAt)}`, ` — ⚠️ 已超时（${v.when(a.overdueAt)}）`)
          : ''),
    },
  ];
  const decided =
    a.state === 'pending'
      ? undefined
      : t(
          `${STATE[a.state]!.en} by ${v.names.get(a.decidedBy ?? 0) ?? '?'} at ${v.when(a.decidedAt)}${a.decisionNote ? `: ${a.decisionNote}` : ''}`,
          `${v.names.get(a.decidedBy ?? 0) ?? '?'} 于 ${v.when(a.decidedAt)} ${STATE[a.state]!.zh}${a.decisionNote ? `：${a.decisionNote}` : ''}`,
        );
  const card: Card = {
    title: `${a.state === 'pending' && a.overdueAt ? '⚠️ ' : ''}${SUBJECT_NAMES[a.subjectType as keyof typeof SUBJECT_NAMES]?.[l] ?? a.subjectType} ${a.subjectRef} · ${t('approval', '审批')} ${a.number}`,
    fields,
    actions:
      a.state === 'pending'
        ? [
            { id: runButton(`approval approve ${a.number}`), label: t('Approve', '同意'), style: 'primary' },
            {
              id: runButton(`approval reject ${a.number}`),
              label: t('Reject', '驳回'),
              style: 'danger',
              input: { name: 'reason', label: t('Reason for rejecting', '驳回原因'), required: true },
            },
          ]
        : [],
    note: [
      decided ?? t(`Details: ${subject.details}`, `详情：${subject.details}`),
      subject.masked ? privateNote(l) : null,
    ]
      .filter(Boolean)
      .join('\n'),
  };
  const text = [
    card.title,
    ...fields.filter((f) => !f.label.startsWith(t('Step', '第'))).map((f) => `${f.label}: ${f.value}`),
    card.note,
  ]
    .filter(Boolean)
    .join('\n');
  return { text, card };
}
