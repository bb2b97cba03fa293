// Rectification notices (整改通知, policy 6, R-KPI-5): the supervision group tells a person, or a
// department's head, what to fix by when; the card tracks it to closure: Accept, Done, the supervisor's
// check (Close) or Reopen. Reminders before the deadline; management hears when it passes.
import { and, count, desc, eq, inArray, lt, ne, or, type SQL, sql } from 'drizzle-orm';
import { resolveDate } from '../commands/dates.ts';
import { k } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse, refuseAudited, refuseInput } from '../core/errors.ts';
import { isStaff, isSupervisor } from '../core/permissions.ts';
import { rowsOf } from '../db/rows.ts';
import { departments, people, rectifyNotices } from '../db/schema.ts';
import { pick } from '../i18n/locale.ts';
import {
  cancelNoticeReminders,
  EVENT_NAMES,
  eventsOf,
  isPending,
  type Notice,
  type NoticeState,
  recordEvent,
  renderNotice,
  rerender,
  STATE_NAMES,
  scheduleNoticeReminders,
  viewOf,
} from '../rectify/notices.ts';
import { RECORD_TABLES, recordRef } from './audit.ts';
import { command, DEPARTMENT_NAMES, departmentId, deptChoice } from './common.ts';
import { LIST_SIZE } from './list-lines.ts';
import { mailNotice } from './rectify-mail.ts';

const REF = { kind: 'reminder', required: true } as const;

async function loadNotice(ctx: FlowContext, ref: string, forUpdate = false): Promise<Notice> {
  const q = ctx.tx.select().from(rectifyNotices).where(eq(rectifyNotices.number, ref));
  const [row] = forUpdate ? await q.for('update') : await q;
  return row ?? refuseInput(`There is no rectification notice ${ref}.`, `整改通知 ${ref} 不存在。`);
}

/** Who may act on the notice as the responsible: the person, or any active head of the department it went to. */
async function mayAnswer(ctx: FlowContext, n: Notice): Promise<boolean> {
  if (n.responsibleId === ctx.actor.personId) return true;
  if (n.assigneeId !== null || n.departmentId === null) return false;
  const [me] = await ctx.tx
    .select({ dept: people.departmentId, role: people.role })
    .from(people)
    .where(eq(people.id, ctx.actor.personId));
  return me?.role === 'head' && me.dept === n.departmentId;
}

/** Supervisors and admins see every notice; management too; heads their department's; others their own. */
function visible(ctx: FlowContext, deptId: number | null): SQL | undefined {
  if (isSupervisor(ctx.actor) || ctx.actor.department === 'management') return undefined;
  const own = or(
    eq(rectifyNotices.responsibleId, ctx.actor.personId),
    eq(rectifyNotices.assigneeId, ctx.actor.personId),
  );
  if (ctx.actor.role === 'head' && deptId !== null) return or(own, eq(rectifyNotices.departmentId, deptId));
  return own;
}

async function myDepartmentId(ctx: FlowContext): Promise<number | null> {
  const [me] = await ctx.tx
    .select({ dept: people.departmentId })
    .from(people)
    .where(eq(people.id, ctx.actor.personId));
  return me?.dept ?? null;
}

async function sendCard(ctx: FlowContext, n: Notice, to: number[]): Promise<void> {
  const v = await viewOf(ctx.tx, n, ctx.zone, ctx.fmtDate);
  for (const personId of [...new Set(to)])
    await ctx.out.send(
      { kind: 'person', personId },
      (l) => renderNotice(v, l, ctx.now),
      `rectify:${n.number}`,
    );
}

const newNotice = command({
  noun: 'rectify',
  verbs: ['new'],
  mention: 'optional',
  keys: {
    dept: k.choice(deptChoice).optional(),
    record: k.text(20).optional(),
    issue: k.text(500),
    due: k.date(),
  },
  usage: {
    en: 'rectify new @li|dept=finance [record=SO-0003] issue="delivery place missing" due=+5d',
    zh: '整改 新建 @li|部门=财务 [记录=SO-0003] 问题="缺少交货地点" 期限=+5d',
  },
  summary: {
    en: 'issue a rectification notice to a person or a department head (supervisors)',
    zh: '向个人或部门负责人下发整改通知（监督组）',
  },
  allow: isSupervisor,
  async run(ctx, { mentions, args }) {
    if (mentions.length > 0 === (args.dept !== undefined))
      refuseInput(
        'Say who must fix it: one @person, or dept=finance for the department head.',
        '请指明整改对象：一个 @某人，或 部门=财务（由部门负责人整改）。',
      );
    // A deadline without a time is the end of that working day.
    const due = resolveDate(args.due, ctx.zone, ctx.now, { hour: 18, minute: 0 });
    if (due.at <= ctx.now) refuseInput('The deadline has passed already.', '期限已过。');
    let record: string | null = null;
    if (args.record) {
      const { kind, ref } = recordRef(args.record);
      const found = rowsOf(
        await ctx.tx.execute(
          sql`select 1 from ${sql.identifier(RECORD_TABLES[kind])} where number = ${ref} limit 1`,
        ),
      );
      if (found.length === 0) refuseInput(`There is no record ${ref}.`, `记录 ${ref} 不存在。`);
      record = ref;
    }
    let assigneeId: number | null = null;
    let deptId: number | null;
    let responsibleId: number;
    if (mentions.length) {
      const { person } = await ctx.person(mentions[0]!);
      if (!person.active)
        refuse(
          `${person.name} has left; address the department instead.`,
          `${person.name} 已离职，请改为下发给部门。`,
        );
      if (person.id === ctx.actor.personId)
        refuse('A notice cannot be issued to oneself.', '不能向自己下发整改通知。');
      assigneeId = person.id;
      responsibleId = person.id;
      deptId = person.departmentId;
    } else {
      deptId = await departmentId(ctx, args.dept!);
      const heads = await ctx.tx
        .select({ id: people.id })
        .from(people)
        .where(and(eq(people.departmentId, deptId), eq(people.role, 'head'), eq(people.active, true)))
        .orderBy(people.id);
      if (heads.length === 0)
        refuse(
          `${DEPARTMENT_NAMES[args.dept!].en} has no head to answer it; name the person with @.`,
          `${DEPARTMENT_NAMES[args.dept!].zh}没有负责人，请用 @ 指明整改人。`,
        );
      responsibleId = heads[0]!.id;
    }
    const number = await ctx.nextNumber('R');
    const [n] = await ctx.tx
      .insert(rectifyNotices)
      .values({
        number,
        recordRef: record,
        issue: args.issue,
        assigneeId,
        departmentId: deptId,
        responsibleId: responsibleId!,
        dueAt: due.at,
        createdBy: ctx.actor.personId,
        createdAt: ctx.now,
      })
      .returning();
    await recordEvent(ctx.tx, n!, 'new', ctx.actor.personId, ctx.now, args.issue);
    await ctx.audit('rectify.new', 'rectify', number, { record, to: responsibleId! });
    await scheduleNoticeReminders(ctx, n!);
    await sendCard(ctx, n!, [responsibleId!]);
    await mailNotice(ctx, n!, responsibleId!);
    const v = await viewOf(ctx.tx, n!, ctx.zone, ctx.fmtDate);
    const card = renderNotice(v, ctx.locale, ctx.now);
    const who = v.names.get(responsibleId!) ?? '?';
    return {
      ...card,
      text: ctx.t({
        en: `Rectification notice ${number} issued to ${who}, due ${ctx.fmtDate(due.at, true)}; they have the card. Reminders before the deadline; management is told if it passes.`,
        zh: `整改通知 ${number} 已下发给 ${who}，期限 ${ctx.fmtDate(due.at, true)}，对方已收到卡片。期限前会提醒，逾期将上报管理层。`,
      }),
    };
  },
});

async function answerable(ctx: FlowContext, n: Notice, verb: { en: string; zh: string }): Promise<void> {
  if (await mayAnswer(ctx, n)) return;
  refuseAudited(
    { action: 'denied', entity: 'rectify', ref: n.number, detail: { verb: verb.en } },
    `${n.number} is not yours to ${verb.en}: only the person it was issued to can.`,
    `${n.number} 不是发给您的整改通知，只有整改人可以${verb.zh}。`,
  );
}

function stateIs(n: Notice, states: NoticeState[], en: string, zh: string): void {
  if (states.includes(n.state as NoticeState)) return;
  const now = STATE_NAMES[n.state as NoticeState] ?? { en: n.state, zh: n.state };
  refuse(`${n.number} is ${now.en.toLowerCase()}: ${en}`, `${n.number} ${now.zh}：${zh}`);
}

const accept = command({
  noun: 'rectify',
  verbs: ['accept'],
  ref: REF,
  keys: {},
  usage: { en: 'rectify accept R-0001', zh: '整改 接收 R-0001' },
  summary: { en: 'accept a notice issued to you', zh: '接收发给您的整改通知' },
  allow: isStaff,
  async run(ctx, { ref }) {
    const n = await loadNotice(ctx, ref!, true);
    await answerable(ctx, n, { en: 'accept', zh: '接收' });
    stateIs(n, ['open'], 'nothing to accept.', '无需再接收。');
    const [next] = await ctx.tx
      .update(rectifyNotices)
      .set({ state: 'accepted', acceptedAt: ctx.now })
      .where(eq(rectifyNotices.id, n.id))
      .returning();
    await recordEvent(ctx.tx, n, 'accept', ctx.actor.personId, ctx.now);
    await ctx.audit('rectify.accept', 'rectify', n.number);
    await rerender(ctx, next!);
    return {
      text: ctx.t({
        en: `${n.number} accepted; due ${ctx.fmtDate(n.dueAt, true)}. When fixed: rectify done ${n.number}`,
        zh: `已接收 ${n.number}，期限 ${ctx.fmtDate(n.dueAt, true)}。完成后：整改 完成 ${n.number}`,
      }),
    };
  },
});

const done = command({
  noun: 'rectify',
  verbs: ['done', 'complete'],
  ref: REF,
  keys: { note: k.text(500).optional() },
  usage: { en: 'rectify done R-0001 [note="place added"]', zh: '整改 完成 R-0001 [备注=已补充交货地点]' },
  summary: {
    en: 'say a notice is fixed; the supervision group then checks it',
    zh: '整改完成，交监督组复核',
  },
  allow: isStaff,
  async run(ctx, { ref, args }) {
    const n = await loadNotice(ctx, ref!, true);
    await answerable(ctx, n, { en: 'mark done', zh: '标记完成' });
    stateIs(n, ['open', 'accepted'], 'it is not being fixed.', '当前不在整改中。');
    const [next] = await ctx.tx
      .update(rectifyNotices)
      .set({ state: 'done', doneAt: ctx.now, acceptedAt: n.acceptedAt ?? ctx.now })
      .where(eq(rectifyNotices.id, n.id))
      .returning();
    await recordEvent(ctx.tx, n, 'done', ctx.actor.personId, ctx.now, args.note);
    await ctx.audit('rectify.done', 'rectify', n.number);
    await cancelNoticeReminders(ctx, n);
    await rerender(ctx, next!);
    // The issuer has the card too (sent now if this is their first copy), with Close and Reopen.
    await sendCard(ctx, next!, [n.createdBy]);
    return {
      text: ctx.t({
        en: `${n.number} marked done; the supervision group will check it and close it or send it back.`,
        zh: `${n.number} 已标记完成，待监督组复核后关闭或退回。`,
      }),
    };
  },
});

const close = command({
  noun: 'rectify',
  verbs: ['close'],
  ref: REF,
  keys: { note: k.text(500) },
  usage: {
    en: 'rectify close R-0001 note="checked: place on the order"',
    zh: '整改 关闭 R-0001 备注="已核实：订单已补交货地点"',
  },
  summary: {
    en: 'close a done notice after checking it (supervisors)',
    zh: '复核通过，关闭已完成的整改通知（监督组）',
  },
  allow: isSupervisor,
  async run(ctx, { ref, args }) {
    const n = await loadNotice(ctx, ref!, true);
    stateIs(n, ['done'], 'only a notice marked done can be closed.', '只有已完成的整改通知才能复核关闭。');
    const [next] = await ctx.tx
      .update(rectifyNotices)
      .set({ state: 'closed', closedAt: ctx.now, closedBy: ctx.actor.personId, closeNote: args.note })
      .where(eq(rectifyNotices.id, n.id))
      .returning();
    await recordEvent(ctx.tx, n, 'close', ctx.actor.personId, ctx.now, args.note);
    await ctx.audit('rectify.close', 'rectify', n.number);
    await rerender(ctx, next!);
    const hours = Math.round((ctx.now.getTime() - n.createdAt.getTime()) / 360_000) / 10;
    return {
      text: ctx.t({
        en: `${n.number} closed, ${hours} h after it was issued.`,
        zh: `${n.number} 已关闭，自下发起用时 ${hours} 小时。`,
      }),
    };
  },
});

const reopen = command({
  noun: 'rectify',
  verbs: ['reopen'],
  ref: REF,
  keys: { note: k.text(500), due: k.date().optional() },
  usage: {
    en: 'rectify reopen R-0001 note="still no place on SO-0003" [due=+2d]',
    zh: '整改 退回 R-0001 备注="SO-0003 仍无交货地点" [期限=+2d]',
  },
  summary: {
    en: 'send a done notice back to be fixed (supervisors)',
    zh: '退回已完成的整改通知重新整改（监督组）',
  },
  allow: isSupervisor,
  async run(ctx, { ref, args }) {
    const n = await loadNotice(ctx, ref!, true);
    stateIs(n, ['done'], 'only a notice marked done can be reopened.', '只有已完成的整改通知才能退回。');
    const due = args.due ? resolveDate(args.due, ctx.zone, ctx.now, { hour: 18, minute: 0 }).at : n.dueAt;
    if (args.due && due <= ctx.now) refuseInput('The deadline has passed already.', '期限已过。');
    const [next] = await ctx.tx
      .update(rectifyNotices)
      .set({
        state: 'accepted',
        doneAt: null,
        dueAt: due,
        overdueAt: due > ctx.now ? null : n.overdueAt,
      })
      .where(eq(rectifyNotices.id, n.id))
      .returning();
    await recordEvent(ctx.tx, n, 'reopen', ctx.actor.personId, ctx.now, args.note);
    await ctx.audit('rectify.reopen', 'rectify', n.number);
    await scheduleNoticeReminders(ctx, next!);
    await rerender(ctx, next!);
    await ctx.out.send({ kind: 'person', personId: n.responsibleId }, (l) => ({
      text: pick(l, {
        en: `↩️ ${n.number} was sent back by ${ctx.actor.name}: ${args.note}. Due ${ctx.fmtDate(due, true)}.`,
        zh: `↩️ ${n.number} 被 ${ctx.actor.name} 退回：${args.note}。期限 ${ctx.fmtDate(due, true)}。`,
      }),
    }));
    return {
      text: ctx.t({
        en: `${n.number} reopened; due ${ctx.fmtDate(due, true)}.`,
        zh: `${n.number} 已退回重新整改，期限 ${ctx.fmtDate(due, true)}。`,
      }),
    };
  },
});

const WHICH = {
  open: ['open', '未关闭', '进行中', '待办'],
  overdue: ['overdue', '逾期', '已逾期'],
  all: ['all', '全部'],
} as const;

function whichOf(word: string | undefined): keyof typeof WHICH {
  if (!word) return 'open';
  const w = word.toLowerCase();
  const hit = (Object.keys(WHICH) as (keyof typeof WHICH)[]).find((key) =>
    (WHICH[key] as readonly string[]).includes(w),
  );
  return (
    hit ??
    refuseInput(
      `"${word}" is not a list: open, overdue or all.`,
      `“${word}”不是可选的列表：未关闭、逾期 或 全部。`,
    )
  );
}

const list = command({
  noun: 'rectify',
  verbs: ['list'],
  words: [{ name: { en: 'open|overdue|all', zh: '未关闭|逾期|全部' }, required: false }],
  keys: { page: k.text(6).optional() },
  usage: { en: 'rectify list [open|overdue|all] [page=2]', zh: '整改 列表 [未关闭|逾期|全部] [页=2]' },
  summary: {
    en: 'rectification notices (supervisors and management: all; heads: their department; others: their own)',
    zh: '整改通知列表（监督组、管理层：全部；部门负责人：本部门；其他人：本人）',
  },
  allow: isStaff,
  readOnly: true,
  async run(ctx, { words, args }) {
    const which = whichOf(words[0]);
    const page = args.page === undefined ? 1 : Number(args.page);
    if (!Number.isInteger(page) || page < 1)
      refuseInput(`page=${args.page} is not a page number: page=2.`, `页=${args.page} 不是页码：例如 页=2。`);
    const where = and(
      visible(ctx, await myDepartmentId(ctx)),
      which === 'open' ? ne(rectifyNotices.state, 'closed') : undefined,
      which === 'overdue'
        ? and(inArray(rectifyNotices.state, ['open', 'accepted']), lt(rectifyNotices.dueAt, ctx.now))
        : undefined,
    );
    const [{ n } = { n: 0 }] = await ctx.tx.select({ n: count() }).from(rectifyNotices).where(where);
    const name = {
      open: ctx.t({ en: 'open', zh: '未关闭' }),
      overdue: ctx.t({ en: 'overdue', zh: '逾期' }),
      all: ctx.t({ en: 'all', zh: '全部' }),
    }[which];
    if (n === 0)
      return {
        text: ctx.t({
          en: `No rectification notices (${name}).`,
          zh: `没有整改通知（${name}）。`,
        }),
      };
    const pages = Math.ceil(n / LIST_SIZE);
    if (page > pages)
      refuseInput(
        `There are ${pages} page(s) of ${n} notices; page=${page} is past the end.`,
        `共 ${n} 条，${pages} 页；页=${page} 超出范围。`,
      );
    const rows = await ctx.tx
      .select({
        number: rectifyNotices.number,
        recordRef: rectifyNotices.recordRef,
        issue: rectifyNotices.issue,
        state: rectifyNotices.state,
        dueAt: rectifyNotices.dueAt,
        who: people.name,
        dept: departments.code,
      })
      .from(rectifyNotices)
      .leftJoin(people, eq(people.id, rectifyNotices.responsibleId))
      .leftJoin(departments, eq(departments.id, rectifyNotices.departmentId))
      .where(where)
      .orderBy(desc(rectifyNotices.dueAt), desc(rectifyNotices.id))
      .limit(LIST_SIZE)
      .offset((page - 1) * LIST_SIZE);
    // The counts that matter at a glance, over the whole of what this reader may see.
    const [tally] = await ctx.tx
      .select({
        open: sql<number>`count(*) filter (where ${rectifyNotices.state} <> 'closed')::int`,
        overdue: sql<number>`count(*) filter (where ${rectifyNotices.state} in ('open','accepted') and ${rectifyNotices.dueAt} < ${ctx.now.toISOString()}::timestamptz)::int`,
        waiting: sql<number>`count(*) filter (where ${rectifyNotices.state} = 'done')::int`,
      })
      .from(rectifyNotices)
      .where(visible(ctx, await myDepartmentId(ctx)));
    const lines = rows.map((r) => {
      const late = isPending(r) && r.dueAt < ctx.now;
      return `${late ? '⚠️ ' : ''}${r.number}${r.recordRef ? ` ${r.recordRef}` : ''} · ${r.issue} · ${r.who ?? '—'}${r.dept ? ` (${DEPARTMENT_NAMES[r.dept as keyof typeof DEPARTMENT_NAMES]?.[ctx.locale] ?? r.dept})` : ''} · ${ctx.t({ en: 'due', zh: '期限' })} ${ctx.fmtDate(r.dueAt, true)} · ${STATE_NAMES[r.state as NoticeState]?.[ctx.locale] ?? r.state}`;
    });
    const more =
      page < pages
        ? ctx.t({ en: `\nNext: the same with page=${page + 1}`, zh: `\n下一页：同一命令加 页=${page + 1}` })
        : '';
    const head = ctx.t({
      en: `Rectification notices: ${tally?.open ?? 0} open, ${tally?.overdue ?? 0} overdue, ${tally?.waiting ?? 0} waiting for a check.\n${name} (page ${page} of ${pages}, ${n}):`,
      zh: `整改通知：未关闭 ${tally?.open ?? 0}，逾期 ${tally?.overdue ?? 0}，待复核 ${tally?.waiting ?? 0}。\n${name}（第 ${page}/${pages} 页，共 ${n} 条）：`,
    });
    return { text: `${head}\n${lines.join('\n')}${more}` };
  },
});

const show = command({
  noun: 'rectify',
  verbs: ['show'],
  ref: REF,
  keys: {},
  usage: { en: 'rectify show R-0001', zh: '整改 查看 R-0001' },
  summary: { en: 'a notice and its history', zh: '整改通知及其处理记录' },
  allow: isStaff,
  readOnly: true,
  async run(ctx, { ref }) {
    const n = await loadNotice(ctx, ref!);
    const scope = visible(ctx, await myDepartmentId(ctx));
    if (scope) {
      const [mine] = await ctx.tx
        .select({ id: rectifyNotices.id })
        .from(rectifyNotices)
        .where(and(eq(rectifyNotices.id, n.id), scope));
      if (!mine)
        refuseAudited(
          { action: 'denied', entity: 'rectify', ref: n.number, detail: { verb: 'show' } },
          `${n.number} is not one of yours or your department's.`,
          `${n.number} 不是您或您部门的整改通知。`,
        );
    }
    const v = await viewOf(ctx.tx, n, ctx.zone, ctx.fmtDate);
    const card = renderNotice(v, ctx.locale, ctx.now);
    const history = (await eventsOf(ctx.tx, n.id)).map(
      (e) =>
        `  ${ctx.fmtDate(e.at, true)} · ${e.who ?? ctx.t({ en: 'system', zh: '系统' })} · ${EVENT_NAMES[e.kind]?.[ctx.locale] ?? e.kind}${e.note ? `: ${e.note}` : ''}`,
    );
    const title = ctx.t({ en: 'History:', zh: '处理记录：' });
    return { ...card, text: `${card.text}\n${title}\n${history.join('\n')}` };
  },
});

export const rectifyCommands = [newNotice, accept, done, close, reopen, list, show];
