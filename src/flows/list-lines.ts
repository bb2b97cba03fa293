// List lines: a date says what it is and whether it has passed ("follow up by 2026-12-10", "⚠️ overdue
// since 2026-12-10", not a bare date), and a list cut at its size says so and how to narrow it.
import type { FlowContext } from '../core/context.ts';

/** ` · follow up by …` or ` · ⚠️ overdue since …` for an instant; '' without one. */
export function dueMark(ctx: FlowContext, at: Date | null | undefined): string {
  if (!at) return '';
  const when = ctx.fmtDate(at, hasTime(ctx, at));
  return at.getTime() < ctx.now.getTime()
    ? ctx.t({ en: ` · ⚠️ overdue since ${when}`, zh: ` · ⚠️ 已逾期（${when} 起）` })
    : ctx.t({ en: ` · follow up by ${when}`, zh: ` · 跟进期限 ${when}` });
}

/** ` · <what> <date>`, or ` · ⚠️ <what> passed on <date>` once the calendar date is behind today. */
export function dateMark(
  ctx: FlowContext,
  date: string | null | undefined,
  what: { en: string; zh: string },
  passed: { en: string; zh: string },
  live = true,
): string {
  if (!date) return '';
  const today = ctx.fmtDate(ctx.now);
  return live && date < today
    ? ctx.t({ en: ` · ⚠️ ${passed.en} ${date}`, zh: ` · ⚠️ ${passed.zh} ${date}` })
    : ctx.t({ en: ` · ${what.en} ${date}`, zh: ` · ${what.zh} ${date}` });
}

/** Whether an instant carries a time of day worth showing (not midnight in the reader's zone). */
function hasTime(ctx: FlowContext, at: Date): boolean {
  return !ctx.fmtDate(at, true).endsWith('00:00');
}

/** Rows a list shows per page (page=2 … for the rest, src/flows/list-filters.ts). */
export const LIST_SIZE = 20;
