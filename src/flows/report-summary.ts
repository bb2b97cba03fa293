// report week / report month: the meeting summaries (R-CHAN-5, policy 4.4) for those who run the
// meetings and oversee them: admins, the supervision group, management, sales managers and department
// heads. Reps are refused (the engine audits it). Every Monday 09:00 the last week's summary goes to the
// sales chat and to management, computed when it fires.
import { and, eq, inArray } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { parseDateExpr, resolveDate } from '../commands/dates.ts';
import { k } from '../commands/keys.ts';
import type { Actor } from '../core/actor.ts';
import type { FlowContext } from '../core/context.ts';
import { refuseInput } from '../core/errors.ts';
import { loadOrg } from '../core/org.ts';
import { isHead, isSupervisor, seesPrices } from '../core/permissions.ts';
import type { Queryable } from '../db/client.ts';
import { reminders } from '../db/schema.ts';
import { figuresOf } from '../reports/figures.ts';
import { lastWeek, monthPeriod, type Period, weekPeriod } from '../reports/periods.ts';
import { renderSummary, summaryAsText } from '../reports/render.ts';
import { createReminder } from '../schedule/create.ts';
import { registerFireHook } from '../schedule/hooks.ts';
import { command } from './common.ts';

/** Heads (sales managers and admins included), the supervision group and management's members. */
export const mayReadSummary = (a: Actor) => isHead(a) || isSupervisor(a) || a.department === 'management';

async function reply(ctx: FlowContext, period: Period) {
  // One after the other: both run on the command's one connection.
  const now = await figuresOf(ctx.tx, period.current);
  const before = await figuresOf(ctx.tx, period.previous);
  return renderSummary(
    { period, now, before, currency: ctx.org.currency, prices: seesPrices(ctx.actor) },
    ctx.locale,
  );
}

const week = command({
  noun: 'report',
  verbs: ['week'],
  keys: { week: k.text(40).optional() },
  usage: { en: 'report week [week=2026-11-23]', zh: '报表 周 [所在周=2026-11-23]' },
  summary: {
    en: "the week's meeting summary against the week before (heads, managers, management, supervisors)",
    zh: '周会汇总，对比上周（部门负责人、经理、管理层、监督组）',
  },
  allow: mayReadSummary,
  readOnly: true,
  async run(ctx, { args }) {
    let day: string | undefined;
    if (args.week) {
      const parsed = parseDateExpr(args.week);
      if (!parsed.ok)
        refuseInput(
          `week=${args.week} is not a date: any day of the week, e.g. week=2026-11-23 or week="last monday".`,
          `所在周=${args.week} 不是日期：写该周任意一天，例如 所在周=2026-11-23。`,
        );
      if (parsed.ok) day = resolveDate(parsed.value, ctx.org.timezone, ctx.now).date;
    }
    const period = weekPeriod(ctx.now, ctx.org.timezone, day);
    if (!period) return refuseInput(`The week of ${day} has not begun yet.`, `${day} 所在的一周尚未开始。`);
    return reply(ctx, period);
  },
});

const month = command({
  noun: 'report',
  verbs: ['month'],
  keys: { month: k.month().optional() },
  usage: { en: 'report month [month=2026-11]', zh: '报表 月 [月份=2026-11]' },
  summary: {
    en: "the month's meeting summary against the month before (heads, managers, management, supervisors)",
    zh: '月度汇总，对比上月（部门负责人、经理、管理层、监督组）',
  },
  allow: mayReadSummary,
  readOnly: true,
  async run(ctx, { args }) {
    const period = monthPeriod(ctx.now, ctx.org.timezone, args.month);
    if (!period) return refuseInput(`${args.month} has not begun yet.`, `${args.month} 尚未开始。`);
    return reply(ctx, period);
  },
});

export const reportSummaryCommands = [week, month];

// ---- the Monday summary ---------------------------------------------------------------------------------

const TARGETS = ['sales', 'management'] as const;
export const WEEKLY_KIND = 'weekly_summary';

/** One weekly summary per target chat (sales, management): Monday 09:00 in the organisation's zone. */
export async function ensureWeeklySummaries(db: Queryable, zone: string, now = new Date()): Promise<void> {
  const have = await db
    .select({ code: reminders.targetDepartment })
    .from(reminders)
    .where(
      and(
        eq(reminders.kind, WEEKLY_KIND),
        eq(reminders.state, 'active'),
        inArray(reminders.targetDepartment, [...TARGETS]),
      ),
    );
  const first = DateTime.fromJSDate(now, { zone }).startOf('week').plus({ weeks: 1 }).set({ hour: 9 });
  for (const code of TARGETS) {
    if (have.some((h) => h.code === code)) continue;
    await createReminder(
      db,
      {
        kind: WEEKLY_KIND,
        target: { kind: 'department', code },
        text: { en: 'Weekly summary', zh: '周汇总' },
        repeat: 'weekly:1@09:00',
        timezone: zone,
        // Monday 09:00 even when Monday is a holiday: the figures are for the week that ended.
        urgent: true,
      },
      [first.toJSDate()],
    );
  }
}

export function registerReportHooks(): void {
  // The figures are read when it fires, for the last whole week; the chats see amounts (sales, management).
  registerFireHook(WEEKLY_KIND, async (tx, r, _o, now) => {
    const org = await loadOrg(tx);
    const period = lastWeek(now, r.timezone);
    const [cur, before] = [await figuresOf(tx, period.current), await figuresOf(tx, period.previous)];
    const input = { period, now: cur, before, currency: org.currency, prices: true };
    return { text: { en: summaryAsText(input, 'en'), zh: summaryAsText(input, 'zh') } };
  });
}
