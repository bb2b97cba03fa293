// Rectification notices (整改通知, policy 6): the record of one, its history, its card (Accept and Done for
// the responsible person, Close and Reopen for the supervision group once it is done), and the system
// reminders around its deadline: before it to the responsible, at it to management if not done.
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { encodeAction } from '../cards/actions.ts';
import type { Card, CardField, Message } from '../cards/card.ts';
import { createContext, type FlowContext } from '../core/context.ts';
import { loadOrg } from '../core/org.ts';
import { toActor } from '../core/people.ts';
import type { Queryable, Tx } from '../db/client.ts';
import { departments, people, rectifyEvents, rectifyNotices } from '../db/schema.ts';
import { type Locale, pick } from '../i18n/locale.ts';
import { cancelReminders, createReminder, toWorkingTime } from '../schedule/create.ts';
import { registerFireHook } from '../schedule/hooks.ts';

export type Notice = typeof rectifyNotices.$inferSelect;
export type NoticeEvent = typeof rectifyEvents.$inferSelect;
export type NoticeState = 'open' | 'accepted' | 'done' | 'closed';

export const STATE_NAMES: Record<NoticeState, { en: string; zh: string }> = {
  open: { en: 'Issued, not yet accepted', zh: '已下发，待接收' },
  accepted: { en: 'Accepted, being fixed', zh: '已接收，整改中' },
  done: { en: 'Done, waiting for the supervisor’s check', zh: '已完成，待监督组复核' },
  closed: { en: 'Closed', zh: '已关闭' },
};

export const EVENT_NAMES: Record<string, { en: string; zh: string }> = {
  new: { en: 'issued', zh: '下发' },
  accept: { en: 'accepted', zh: '接收' },
  done: { en: 'marked done', zh: '标记完成' },
  close: { en: 'closed after checking', zh: '复核关闭' },
  reopen: { en: 'reopened', zh: '退回重改' },
  overdue: { en: 'deadline passed; management told', zh: '逾期，已上报管理层' },
};

export const cardKey = (n: Pick<Notice, 'number'>) => `rectify:${n.number}`;

/** Still to be done by the responsible person (the deadline matters). */
export const isPending = (n: Pick<Notice, 'state'>) => n.state === 'open' || n.state === 'accepted';

export async function recordEvent(
  db: Queryable,
  notice: Pick<Notice, 'id'>,
  kind: string,
  personId: number | null,
  at: Date,
  note?: string | null,
): Promise<void> {
  await db.insert(rectifyEvents).values({ noticeId: notice.id, kind, personId, at, note: note ?? null });
}

export async function eventsOf(db: Queryable, noticeId: number) {
  return db
    .select({ kind: rectifyEvents.kind, at: rectifyEvents.at, note: rectifyEvents.note, who: people.name })
    .from(rectifyEvents)
    .leftJoin(people, eq(people.id, rectifyEvents.personId))
    .where(eq(rectifyEvents.noticeId, noticeId))
    .orderBy(asc(rectifyEvents.at), asc(rectifyEvents.id));
}

export type NoticeView = {
  notice: Notice;
  names: Map<number, string>;
  department: { en: string; zh: string } | null;
  when: (d: Date | null) => string;
};

export async function viewOf(db: Queryable, n: Notice, zone: string, fmt: FlowContext['fmtDate']) {
  const ids = [n.responsibleId, n.createdBy, n.assigneeId ?? 0, n.closedBy ?? 0].filter(Boolean);
  const rows = await db
    .select({ id: people.id, name: people.name })
    .from(people)
    .where(inArray(people.id, ids));
  const [dept] = n.departmentId
    ? await db
        .select({ en: departments.nameEn, zh: departments.nameZh })
        .from(departments)
        .where(eq(departments.id, n.departmentId))
    : [];
  void zone;
  return {
    notice: n,
    names: new Map(rows.map((r) => [r.id, r.name])),
    department: dept ?? null,
    when: (d: Date | null) => fmt(d, true),
  } satisfies NoticeView;
}

/** The card every copy shows; its buttons are for whoever may press them (others are refused on press). */
export function renderNotice(v: NoticeView, l: Locale, now: Date): Message {
  const n = v.notice;
  const t = (en: string, zh: string) => pick(l, { en, zh });
  const name = (id: number | null) => (id ? (v.names.get(id) ?? '?') : '—');
  const overdue = isPending(n) && n.dueAt.getTime() < now.getTime();
  const to =
    n.assigneeId === null && v.department
      ? `${v.department[l]} (${t('head', '负责人')} ${name(n.responsibleId)})`
      : name(n.responsibleId);
  const fields: CardField[] = [
    ...(n.recordRef ? [{ label: t('Record', '记录'), value: n.recordRef }] : []),
    { label: t('Issue', '问题'), value: n.issue },
    { label: t('To', '整改人'), value: to },
    {
      label: t('Deadline', '期限'),
      value: `${v.when(n.dueAt)}${overdue || n.overdueAt ? t(' ⚠️ overdue', ' ⚠️ 已逾期') : ''}`,
    },
    { label: t('Issued by', '下发人'), value: `${name(n.createdBy)} ${v.when(n.createdAt)}` },
    { label: t('Status', '状态'), value: STATE_NAMES[n.state as NoticeState]?.[l] ?? n.state },
  ];
  const run = (verb: string) => encodeAction({ kind: 'run', command: `rectify ${verb} ${n.number}` });
  const actions: Card['actions'] =
    n.state === 'open'
      ? [
          { id: run('accept'), label: t('Accept', '接收'), style: 'primary' },
          { id: run('done'), label: t('Done', '已完成'), style: 'default' },
        ]
      : n.state === 'accepted'
        ? [{ id: run('done'), label: t('Done', '已完成'), style: 'primary' }]
        : n.state === 'done'
          ? [
              {
                id: run('close'),
                label: t('Close (checked)', '复核通过'),
                style: 'primary',
                input: { name: 'note', label: t('What was checked', '复核说明'), required: true },
              },
              {
                id: run('reopen'),
                label: t('Reopen', '退回'),
                style: 'danger',
                input: { name: 'note', label: t('What is still wrong', '仍存在的问题'), required: true },
              },
            ]
          : [];
  const note =
    n.state === 'closed'
      ? t(
          `Closed by ${name(n.closedBy)} at ${v.when(n.closedAt)}${n.closeNote ? `: ${n.closeNote}` : ''}`,
          `${name(n.closedBy)} 于 ${v.when(n.closedAt)} 复核关闭${n.closeNote ? `：${n.closeNote}` : ''}`,
        )
      : n.state === 'done'
        ? t(
            'Accept and Done are for the person responsible; Close and Reopen for the supervision group.',
            '接收、完成由整改人操作；复核通过、退回由监督组操作。',
          )
        : t(
            `When it is fixed, press Done (or: rectify done ${n.number}); the supervision group then checks it.`,
            `整改完成后请按“已完成”（或输入：整改 完成 ${n.number}），由监督组复核。`,
          );
  const card: Card = {
    title: `${overdue ? '⚠️ ' : ''}${t('Rectification notice', '整改通知')} ${n.number}`,
    fields,
    actions,
    note,
  };
  const text = [card.title, ...fields.map((f) => `${f.label}: ${f.value}`), note].join('\n');
  return { text, card, cardKey: cardKey(n) };
}

/** Re-renders every posted copy of the notice's card. */
export async function rerender(ctx: FlowContext, n: Notice): Promise<void> {
  const v = await viewOf(ctx.tx, n, ctx.zone, ctx.fmtDate);
  await ctx.out.update(cardKey(n), (l) => renderNotice(v, l, ctx.now));
}

// ---- reminders: the morning before and of the deadline to the responsible; at it, escalation ----------

const KINDS = ['rectify', 'rectify_overdue'];

/** Reminders for a pending notice, replacing any it had; times already past are left out. */
export async function scheduleNoticeReminders(ctx: FlowContext, n: Notice): Promise<void> {
  await cancelNoticeReminders(ctx, n);
  const zone = ctx.org.timezone;
  const subject = { type: 'rectify', ref: n.number };
  // The mornings of the day before and of the deadline, in working time; one that working time moves
  // past the deadline (a Saturday deadline's own morning) is of no use and left out.
  const dueDay = DateTime.fromJSDate(n.dueAt, { zone }).startOf('day');
  const mornings = [];
  for (const d of [dueDay.minus({ days: 1 }), dueDay])
    mornings.push(await toWorkingTime(ctx.tx, d.set({ hour: 9 }).toJSDate(), zone));
  const before = mornings.filter((at) => at > ctx.now && at < n.dueAt);
  if (before.length)
    await createReminder(
      ctx.tx,
      {
        kind: 'rectify',
        subject,
        target: { kind: 'person', personId: n.responsibleId },
        text: { en: `Rectification ${n.number}`, zh: `整改 ${n.number}` },
        timezone: zone,
        urgent: true,
      },
      before,
    );
  // At the deadline itself (urgent: not moved to working time), to management and to whoever issued it.
  const at = new Date(Math.max(n.dueAt.getTime(), ctx.now.getTime()));
  for (const target of [
    { kind: 'department', code: 'management' } as const,
    { kind: 'person', personId: n.createdBy } as const,
  ])
    await createReminder(
      ctx.tx,
      {
        kind: 'rectify_overdue',
        subject,
        target,
        text: { en: `Rectification ${n.number} overdue`, zh: `整改 ${n.number} 逾期` },
        timezone: zone,
        urgent: true,
      },
      [at],
    );
}

export async function cancelNoticeReminders(ctx: FlowContext, n: Pick<Notice, 'number'>): Promise<void> {
  await cancelReminders(ctx.tx, { type: 'rectify', ref: n.number }, KINDS);
}

async function noticeNamed(tx: Tx, ref: string | null): Promise<Notice | undefined> {
  const [n] = await tx
    .select()
    .from(rectifyNotices)
    .where(eq(rectifyNotices.number, ref ?? ''));
  return n;
}

async function systemContext(tx: Tx, personId: number, now: Date): Promise<FlowContext> {
  const [p] = await tx.select().from(people).where(eq(people.id, personId));
  const org = await loadOrg(tx);
  const chat = { platform: 'system', tenant: '', chatId: 'scheduler', kind: 'dm' as const };
  return createContext({ tx, actor: toActor(p!, null, org), chat, now, org });
}

function what(n: Notice, names: Map<number, string>) {
  const who = names.get(n.responsibleId) ?? '?';
  const rec = n.recordRef ? `${n.recordRef}: ` : '';
  return { who, rec };
}

export function registerRectifyHooks(): void {
  // Before the deadline: still worth saying only while it is not done; the text is read at firing time.
  registerFireHook('rectify', async (tx, r, _o, now) => {
    const n = await noticeNamed(tx, r.subjectRef);
    if (!n || !isPending(n)) return { skip: true };
    const zone = r.timezone;
    const due = DateTime.fromJSDate(n.dueAt, { zone }).toFormat('yyyy-MM-dd HH:mm');
    const hours = Math.max(0, Math.round((n.dueAt.getTime() - now.getTime()) / 3600_000));
    const rec = n.recordRef ? `${n.recordRef}: ` : '';
    return {
      text: {
        en: `Rectification ${n.number} (${rec}${n.issue}) is due ${due} (in about ${hours} h). When fixed: rectify done ${n.number}`,
        zh: `整改 ${n.number}（${rec}${n.issue}）期限 ${due}（约 ${hours} 小时后）。完成后：整改 完成 ${n.number}`,
      },
    };
  });
  // At the deadline: if still not done, the notice is marked overdue (its card says so) and management hears.
  registerFireHook('rectify_overdue', async (tx, r, _o, now) => {
    const n = await noticeNamed(tx, r.subjectRef);
    if (!n || !isPending(n)) return { skip: true };
    const [marked] = await tx
      .update(rectifyNotices)
      .set({ overdueAt: now })
      .where(and(eq(rectifyNotices.id, n.id), isNull(rectifyNotices.overdueAt)))
      .returning();
    const ctx = await systemContext(tx, n.createdBy, now);
    if (marked) {
      await recordEvent(tx, n, 'overdue', null, now);
      await rerender(ctx, marked);
    }
    const v = await viewOf(tx, n, r.timezone, ctx.fmtDate);
    const { who, rec } = what(n, v.names);
    const due = ctx.fmtDate(n.dueAt, true);
    return {
      text: {
        en: `⚠️ Rectification ${n.number} (${rec}${n.issue}) for ${who} was due ${due} and is not done (${STATE_NAMES[n.state as NoticeState].en.toLowerCase()}).`,
        zh: `⚠️ 整改 ${n.number}（${rec}${n.issue}）整改人 ${who}，期限 ${due}，尚未完成（${STATE_NAMES[n.state as NoticeState].zh}）。`,
      },
    };
  });
}
