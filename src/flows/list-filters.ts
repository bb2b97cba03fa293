// What every list takes (issue 21, search): page=2, since=/until= (the day a record was made, in the reader's
// zone, parsed as every date is: src/commands/dates.ts) and owner=me|@li|none; and the footer that says
// which page this is and how to get the next. Read once here, so customer, lead, quote, order and intel
// lists (and the web workspace, through the list queries) answer alike.
import { and, eq, gte, isNull, lt, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { type DateExpr, resolveDate } from '../commands/dates.ts';
import { k } from '../commands/keys.ts';
import { type Token, tokenize } from '../commands/lexer.ts';
import type { Mention } from '../commands/spec.ts';
import type { FlowContext } from '../core/context.ts';
import { refuseInput } from '../core/errors.ts';
import { LIST_SIZE } from './list-lines.ts';

/** The keys, to spread into a list command's own. */
export const LIST_KEYS = {
  page: k.text(4).optional(),
  since: k.day().optional(),
  until: k.day().optional(),
  owner: k.text(200).optional(),
};

export type ListFilters = {
  page: number;
  /** Made at or after this instant (the start of the since= day). */
  since?: Date;
  /** Made before this instant (the end of the until= day). */
  until?: Date;
  /** A person's id, null for no owner; absent: anyone's. */
  owner?: number | null;
};

const NOBODY = ['none', 'nobody', 'unassigned', '无', '無', '没有', '未分配'];
const ME = ['me', 'mine', '我', '我的', '自己'];
const DAY_MS = 24 * 3600_000;

/** owner=: me, a mentioned person (@li), or none; anything else is answered. */
export async function ownerFilter(ctx: FlowContext, value: string): Promise<number | null> {
  const v = value.trim().toLowerCase();
  if (ME.includes(v)) return ctx.actor.personId;
  if (NOBODY.includes(v)) return null;
  let tokens: Token[] = [];
  try {
    tokens = tokenize(value);
  } catch {
    // Not a mention: answered below.
  }
  const [t] = tokens;
  if (tokens.length !== 1 || t?.kind !== 'mention')
    refuseInput(
      `owner= is me, a person (owner=@li) or none (unassigned); "${value}" is none of these.`,
      `负责人= 可以是 我、某人（负责人=@li）或 无（未分配）；“${value}”都不是。`,
    );
  return (await ctx.person(t as Mention)).person.id;
}

/** The page and filters a list was given, or a clear refusal before anything is read. */
export async function listFilters(
  ctx: FlowContext,
  args: {
    page?: string | undefined;
    since?: DateExpr | undefined;
    until?: DateExpr | undefined;
    owner?: string | undefined;
  },
): Promise<ListFilters> {
  const page = args.page === undefined ? 1 : Number(args.page);
  if (!Number.isInteger(page) || page < 1)
    refuseInput(
      `page=${args.page} is not a page number; pages start at 1.`,
      `页=${args.page} 不是页码；页码从 1 开始。`,
    );
  // A day means the whole day in the reader's zone: since= from its first moment, until= to its last.
  const day = (e: DateExpr) => resolveDate(e, ctx.actor.timezone, ctx.now, { hour: 0, minute: 0 });
  const since = args.since ? day(args.since) : undefined;
  const until = args.until ? day(args.until) : undefined;
  const untilAt = until ? (until.hasTime ? until.at : new Date(until.at.getTime() + DAY_MS)) : undefined;
  if (since && untilAt && untilAt <= since.at)
    refuseInput(
      `since=${since.date} is after until=${until!.date}; the range is empty.`,
      `起始=${since.date} 晚于 截至=${until!.date}，范围为空。`,
    );
  const out: ListFilters = { page };
  if (since) out.since = since.at;
  if (untilAt) out.until = untilAt;
  if (args.owner !== undefined) out.owner = await ownerFilter(ctx, args.owner);
  return out;
}

/** The filters as a condition on a list's own columns (when it was made, whose it is). */
export function filterWhere(f: ListFilters, made: PgColumn, owner?: PgColumn): SQL | undefined {
  return and(
    f.since ? gte(made, f.since) : undefined,
    f.until ? lt(made, f.until) : undefined,
    owner && f.owner !== undefined ? (f.owner === null ? isNull(owner) : eq(owner, f.owner)) : undefined,
  );
}

/** How many pages `total` rows make; a page past the end is refused, naming how many there are. */
export function pagesOf(total: number, f: ListFilters): { pages: number; offset: number; limit: number } {
  const pages = Math.max(1, Math.ceil(total / LIST_SIZE));
  if (f.page > pages)
    refuseInput(
      `This list has ${total} row(s) on ${pages} page(s); page=${f.page} is past the end.`,
      `此列表共 ${total} 条，${pages} 页；页=${f.page} 超出范围。`,
    );
  return { pages, offset: (f.page - 1) * LIST_SIZE, limit: LIST_SIZE };
}

const PAGE_KEY = /(^|\s)(page|页码|页|頁)\s*[=＝:：]\s*\S+/giu;

/**
 * "Page 1 of 3; next: customer list industry=x page=2" under a list with more than one page: the command as
 * it was typed, with the next page. Nothing for a list of one page.
 */
export function pageFooter(ctx: FlowContext, typed: string, page: number, pages: number): string {
  if (pages <= 1) return '';
  const base = typed.replace(PAGE_KEY, '$1').replace(/\s+/g, ' ').trim();
  const next = page < pages ? page + 1 : null;
  return ctx.t({
    en: `\nPage ${page} of ${pages}${next ? `; next: ${base} page=${next}` : ''}`,
    zh: `\n第 ${page}/${pages} 页${next ? `；下一页：${base} 页=${next}` : ''}`,
  });
}

/** A rep's list holds their own records only: owner=@someone-else is answered, not quietly emptied. */
export function refuseOthers(ctx: FlowContext, f: ListFilters, what: { en: string; zh: string }): void {
  if (ctx.actor.role === 'sales_rep' && f.owner !== undefined && f.owner !== ctx.actor.personId)
    refuseInput(
      `You see your own ${what.en}; the sales manager sees everyone’s.`,
      `您只能查看自己的${what.zh}；其他人的请找销售经理。`,
    );
}
