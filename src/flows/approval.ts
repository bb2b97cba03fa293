// Approval commands and the path every submission takes: open the approval, post its card to each approver
// and to management, and after every decision re-render every copy, open the next step, tell the requester.
import { and, desc, eq } from 'drizzle-orm';
import { approvalCardViewer, renderApproval, type SubjectSummary, viewOf } from '../approvals/card.ts';
import {
  type Approval,
  type Decision,
  decide,
  delegate,
  loadApproval,
  openApproval,
  withdraw,
} from '../approvals/engine.ts';
import {
  planFor,
  readSettings,
  SUBJECT_NAMES,
  type SubjectFacts,
  type SubjectType,
} from '../approvals/policy.ts';
import { rerouteSeats } from '../approvals/reroute.ts';
import { approvalsWaitingFor } from '../approvals/waiting.ts';
import { k } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import type { Render } from '../core/outbox.ts';
import { isStaff } from '../core/permissions.ts';
import { auditCardRead, viewerOf } from '../core/visibility.ts';
import { approvals, orgSettings } from '../db/schema.ts';
import { cardKey } from './approval-card.ts';
import { command, label } from './common.ts';

import { cancelApprovalReminders, scheduleApprovalReminders } from './reminder-sources.ts';
import { subjectHandler } from './subjects.ts';

export async function approvalSettings(ctx: FlowContext) {
  const [row] = await ctx.tx.select({ settings: orgSettings.settings }).from(orgSettings).limit(1);
  return readSettings(row?.settings?.approvals);
}

/**
 * Posts an approval's card to a seat holder's private chat. The private copy shows what the decision needs
 * in full (core/visibility.ts: an approver), so it is a read of the subject by that person: audited.
 */
async function cardToApprover(
  ctx: FlowContext,
  personId: number,
  approval: Approval,
  summary: SubjectSummary,
  render: Render,
): Promise<void> {
  const sent = await ctx.out.send({ kind: 'person', personId }, render, cardKey(approval));
  if (sent === 0) return;
  const s = summary(ctx.locale, approvalCardViewer('private'));
  await auditCardRead(ctx, personId, s.entity, approval.subjectRef, s.read, { approval: approval.number });
}

/** Submits a subject for approval and sends the cards. Returns the approval for the caller's reply. */
export async function submitForApproval(
  ctx: FlowContext,
  input: {
    subjectType: SubjectType;
    subjectId: number;
    subjectRef: string;
    facts: SubjectFacts;
    reason?: string | null;
    payload?: Record<string, unknown>;
  },
): Promise<Approval> {
  const plan = planFor(input.facts, await approvalSettings(ctx));
  const approval = await openApproval(ctx, { ...input, plan });
  const view = await viewOf(ctx, approval);
  const summary = await subjectHandler(approval.subjectType).summary(ctx, approval);
  const render = (l: 'en' | 'zh', audience: 'private' | 'group') =>
    renderApproval(view, summary, l, audience);
  const firstStep = [...new Set(view.seats.filter((s) => s.stepNo === 1).flatMap((s) => s.eligible))];
  for (const personId of firstStep) await cardToApprover(ctx, personId, approval, summary, render);
  await ctx.out.send({ kind: 'department', code: 'management' }, render, cardKey(approval));
  await scheduleApprovalReminders(ctx, approval, firstStep);
  return approval;
}

/**
 * After a person's role changed: their pending seats they may no longer hold go to whoever holds the role
 * now (reroute.ts); every copy of those cards is re-rendered, the new approvers get the card and the
 * reminders. Returns what the admin should hear: the approvals re-routed and any left with nobody.
 */
export async function rerouteApprovals(
  ctx: FlowContext,
  personId: number,
  successorId?: number,
): Promise<{ number: string; unstaffed: boolean; seatsToSuccessor: number; requestToSuccessor: boolean }[]> {
  const changed = await rerouteSeats(ctx.tx, personId, ctx.actor.personId, ctx.now, successorId);
  for (const { approval, added } of changed) {
    const view = await viewOf(ctx, approval);
    const summary = await subjectHandler(approval.subjectType).summary(ctx, approval);
    const render = (l: 'en' | 'zh', audience: 'private' | 'group') =>
      renderApproval(view, summary, l, audience);
    await ctx.out.update(cardKey(approval), render);
    for (const id of added) await cardToApprover(ctx, id, approval, summary, render);
    const deciding = [
      ...new Set(
        view.seats
          .filter((s) => s.stepNo === approval.currentStep && s.state === 'open')
          .flatMap((s) => s.eligible),
      ),
    ];
    await scheduleApprovalReminders(ctx, approval, deciding);
  }
  return changed.map((c) => ({
    number: c.approval.number,
    unstaffed: c.unstaffed,
    seatsToSuccessor: c.seatsToSuccessor,
    requestToSuccessor: c.requestToSuccessor,
  }));
}

/** After any change: every copy of the card re-rendered, next approvers carded, requester told, subject updated. */
async function afterChange(ctx: FlowContext, approval: Approval, decision: Decision | null): Promise<void> {
  const handler = subjectHandler(approval.subjectType);
  const current = decision?.approval ?? approval;
  if (decision?.finished === 'approved') await handler.approved(ctx, current);
  if (decision?.finished === 'rejected') await handler.rejected(ctx, current);
  if (current.state === 'withdrawn') await handler.withdrawn(ctx, current);
  const view = await viewOf(ctx, current);
  const summary = await handler.summary(ctx, current);
  const render = (l: 'en' | 'zh', audience: 'private' | 'group') =>
    renderApproval(view, summary, l, audience);
  await ctx.out.update(cardKey(current), render);
  if (current.state !== 'pending') await cancelApprovalReminders(ctx, current.number);
  if (decision?.opened) {
    await scheduleApprovalReminders(ctx, current, decision.opened.approvers);
    for (const personId of decision.opened.approvers)
      await cardToApprover(ctx, personId, current, summary, render);
  }
  if (decision?.finished && current.requesterId !== ctx.actor.personId) {
    const subject = SUBJECT_NAMES[current.subjectType as SubjectType];
    await ctx.out.send({ kind: 'person', personId: current.requesterId }, (l) => ({
      text:
        decision.finished === 'approved'
          ? label(
              l,
              `✅ ${subject.en} ${current.subjectRef} approved (${current.number}) by ${ctx.actor.name}.`,
              `✅ ${subject.zh} ${current.subjectRef} 已获批准（${current.number}，${ctx.actor.name}）。`,
            )
          : label(
              l,
              `❌ ${subject.en} ${current.subjectRef} rejected (${current.number}) by ${ctx.actor.name}: ${current.decisionNote}`,
              `❌ ${subject.zh} ${current.subjectRef} 被驳回（${current.number}，${ctx.actor.name}）：${current.decisionNote}`,
            ),
    }));
  }
}

function outcomeText(ctx: FlowContext, d: Decision): string {
  const a = d.approval;
  if (d.finished === 'approved')
    return ctx.t({
      en: `Approved: ${a.number} (${a.subjectRef}) is now approved.`,
      zh: `已同意：${a.number}（${a.subjectRef}）审批通过。`,
    });
  if (d.finished === 'rejected')
    return ctx.t({
      en: `Rejected: ${a.number} (${a.subjectRef}).`,
      zh: `已驳回：${a.number}（${a.subjectRef}）。`,
    });
  if (d.opened)
    return ctx.t({
      en: `Approved your step of ${a.number}; it moves to step ${d.opened.stepNo}.`,
      zh: `已同意 ${a.number} 的本步骤，进入第 ${d.opened.stepNo} 步。`,
    });
  return ctx.t({
    en: `Approved your part of ${a.number}; waiting for the other signers.`,
    zh: `已同意 ${a.number}，等待其他会签人。`,
  });
}

const approve = command({
  noun: 'approval',
  verbs: ['approve'],
  ref: { kind: 'approval', required: true },
  keys: { note: k.text(1000).optional() },
  usage: { en: 'approval approve A-0001 [note="ok"]', zh: '审批 同意 A-0001 [备注=同意]' },
  summary: { en: 'approve (you must be an approver of the current step)', zh: '同意（须为当前步骤审批人）' },
  allow: isStaff,
  async run(ctx, { ref, args }) {
    const before = await loadApproval(ctx, ref!);
    const d = await decide(ctx, ref!, 'approve', args.note ?? null);
    await afterChange(ctx, before, d);
    return { text: outcomeText(ctx, d) };
  },
});

const reject = command({
  noun: 'approval',
  verbs: ['reject'],
  ref: { kind: 'approval', required: true },
  keys: { reason: k.text(1000) },
  usage: { en: 'approval reject A-0001 reason="margin too low"', zh: '审批 驳回 A-0001 原因="利润太低"' },
  summary: { en: 'reject, with a reason', zh: '驳回（须填写原因）' },
  allow: isStaff,
  async run(ctx, { ref, args }) {
    const before = await loadApproval(ctx, ref!);
    const d = await decide(ctx, ref!, 'reject', args.reason);
    await afterChange(ctx, before, d);
    return { text: outcomeText(ctx, d) };
  },
});

const withdrawCmd = command({
  noun: 'approval',
  verbs: ['withdraw'],
  ref: { kind: 'approval', required: true },
  keys: {},
  usage: { en: 'approval withdraw A-0001', zh: '审批 撤回 A-0001' },
  summary: { en: 'withdraw your own pending request', zh: '撤回自己待审批的申请' },
  allow: isStaff,
  async run(ctx, { ref }) {
    const a = await withdraw(ctx, ref!);
    await afterChange(ctx, a, null);
    return {
      text: ctx.t({
        en: `Withdrawn: ${a.number} (${a.subjectRef}).`,
        zh: `已撤回：${a.number}（${a.subjectRef}）。`,
      }),
    };
  },
});

const delegateCmd = command({
  noun: 'approval',
  verbs: ['delegate'],
  ref: { kind: 'approval', required: true },
  mention: 'required',
  keys: { note: k.text(500).optional() },
  usage: { en: 'approval delegate A-0001 @zhao', zh: '审批 转交 A-0001 @zhao' },
  summary: {
    en: 'hand your decision to someone of the same or higher role',
    zh: '将审批转交给同级或更高角色的人员',
  },
  allow: isStaff,
  async run(ctx, { ref, mentions }) {
    const { person, department } = await ctx.person(mentions[0]!);
    const a = await delegate(ctx, ref!, {
      id: person.id,
      role: person.role,
      department: department ?? null,
      active: person.active,
    });
    const view = await viewOf(ctx, a);
    const summary = await subjectHandler(a.subjectType).summary(ctx, a);
    const render = (l: 'en' | 'zh', audience: 'private' | 'group') =>
      renderApproval(view, summary, l, audience);
    await ctx.out.update(cardKey(a), render);
    await cardToApprover(ctx, person.id, a, summary, (l, audience) => {
      const m = render(l, audience);
      return {
        ...m,
        text: `${label(l, `${ctx.actor.name} handed you this decision.`, `${ctx.actor.name} 将此审批转交给您。`)}\n${m.text}`,
      };
    });
    return {
      text: ctx.t({
        en: `${a.number} handed to ${person.name}.`,
        zh: `${a.number} 已转交给 ${person.name}。`,
      }),
    };
  },
});

const list = command({
  noun: 'approval',
  verbs: ['list'],
  keys: {},
  usage: { en: 'approval list', zh: '审批 列表' },
  summary: {
    en: 'approvals waiting for you, and your own pending requests',
    zh: '待您审批的事项和您的待审批申请',
  },
  allow: isStaff,
  readOnly: true,
  async run(ctx) {
    const mine = await approvalsWaitingFor(ctx.tx, ctx.actor.personId, 50);
    const asked = await ctx.tx
      .select({
        number: approvals.number,
        ref: approvals.subjectRef,
        type: approvals.subjectType,
        step: approvals.currentStep,
        since: approvals.updatedAt,
        overdue: approvals.overdueAt,
      })
      .from(approvals)
      .where(and(eq(approvals.state, 'pending'), eq(approvals.requesterId, ctx.actor.personId)))
      .orderBy(desc(approvals.id))
      .limit(50);
    const line = (r: {
      number: string;
      ref: string;
      type: string;
      step: number;
      since: Date;
      overdue: Date | null;
    }) =>
      `${r.number}  ${SUBJECT_NAMES[r.type as SubjectType]?.[ctx.locale] ?? r.type} ${r.ref} · ${ctx.t({ en: `step ${r.step}`, zh: `第 ${r.step} 步` })} · ${
        r.overdue
          ? ctx.t({
              en: `⚠️ overdue since ${ctx.fmtDate(r.overdue, true)}`,
              zh: `⚠️ 已超时（${ctx.fmtDate(r.overdue, true)} 起）`,
            })
          : ctx.t({
              en: `waiting since ${ctx.fmtDate(r.since, true)}`,
              zh: `${ctx.fmtDate(r.since, true)} 起等待`,
            })
      }`;
    const parts = [
      `${ctx.t({ en: 'Waiting for you:', zh: '待您审批：' })}\n${mine.length ? mine.map(line).join('\n') : ctx.t({ en: '(none)', zh: '（无）' })}`,
      `${ctx.t({ en: 'Your pending requests:', zh: '您的待审批申请：' })}\n${asked.length ? asked.map(line).join('\n') : ctx.t({ en: '(none)', zh: '（无）' })}`,
    ];
    return { text: parts.join('\n\n') };
  },
});

const show = command({
  noun: 'approval',
  verbs: ['show'],
  ref: { kind: 'approval', required: true },
  keys: {},
  usage: { en: 'approval show A-0001', zh: '审批 查看 A-0001' },
  summary: { en: 'show an approval and its steps', zh: '查看审批及各步骤' },
  allow: isStaff,
  readOnly: true,
  async run(ctx, { ref }) {
    const a = await loadApproval(ctx, ref!);
    const view = await viewOf(ctx, a);
    const approver = view.seats.some((s) => s.eligible.includes(ctx.actor.personId));
    // This reader, by the one rule: a seat holder sees what the decision needs, others what their role allows.
    const viewer = viewerOf(ctx, { approver });
    const summary = await subjectHandler(a.subjectType).summary(ctx, a);
    const m = renderApproval(view, summary, ctx.locale, viewer);
    const s = summary(ctx.locale, viewer);
    await ctx.auditRead(s.entity, a.subjectRef, s.read, { approval: a.number });
    // A copy shown on request is re-rendered with the rest, so its buttons never go stale; the re-render
    // is by chat (a private copy as an approver's), so a private copy keeps its key only for a seat holder
    // or the requester, and anyone else's stays as shown.
    const keep = ctx.chat.kind === 'group' || approver || a.requesterId === ctx.actor.personId;
    return keep ? { ...m, cardKey: cardKey(a) } : m;
  },
});

export const approvalCommands = [approve, reject, withdrawCmd, delegateCmd, list, show];
