// The KPI page's figures: the KPI code's own (src/kpi, the figures `report kpi` shows), for this month and
// the five before it, for the scope `report kpi` would allow the reader (everyone, a department, a person),
// and the items behind each figure (late transfers, late acknowledgements, incomplete records, corrections).
import { and, asc, eq, isNull } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { DepartmentCode } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { departments, people } from '../db/schema.ts';
import { DEPARTMENT_NAMES } from '../flows/common.ts';
import { headOf, seesAll } from '../flows/report-kpi.ts';
import { type CorrectionItem, corrections } from '../kpi/accuracy.ts';
import { type IncompleteItem, incomplete } from '../kpi/completeness.ts';
import { monthOf, monthPeriod } from '../kpi/period.ts';
import { kpiMonths, type MonthFigures } from '../kpi/report.ts';
import type { Scope } from '../kpi/scope.ts';
import { readKpiSettings } from '../kpi/settings.ts';
import type { LateItem } from '../kpi/timeliness.ts';
import { say } from './text.ts';

/** This month and the five before it. */
export const TREND_MONTHS = 6;
export const ITEMS_PAGE = 50;
/** The most items read behind one figure (the page says when there are more). */
const ITEMS_MAX = 5000;

export const ITEM_KINDS = ['late', 'unacked', 'incomplete', 'corrections'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export type KpiQuery = {
  month: string;
  dept: DepartmentCode | undefined;
  personId: number | undefined;
  kind: ItemKind | undefined;
  page: number;
};

export type Who = {
  scope: Scope;
  label: string;
  dept: DepartmentCode | null;
  personId: number | null;
};

export type Choices = {
  months: string[];
  departments: DepartmentCode[];
  people: { id: number; name: string; dept: string | null }[];
};

export type KpiView = { who: Who; query: KpiQuery; months: MonthFigures[]; choices: Choices };

const isDept = (v: string | undefined): v is DepartmentCode => !!v && v in DEPARTMENT_NAMES;

/** The query string read as the page's filter; what is not understood is left out. */
export function readKpiQuery(ctx: FlowContext, q: Record<string, string>): KpiQuery {
  const now = monthOf(ctx.now, ctx.org.timezone);
  const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(q.month ?? '') && q.month! <= now ? q.month! : now;
  const person = Number(q.person);
  const page = Number(q.page);
  return {
    month,
    dept: isDept(q.dept) ? q.dept : undefined,
    personId: Number.isInteger(person) && person > 0 ? person : undefined,
    kind: (ITEM_KINDS as readonly string[]).includes(q.kind ?? '') ? (q.kind as ItemKind) : undefined,
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

const deptName = (code: string | null, l: 'en' | 'zh') =>
  code ? (DEPARTMENT_NAMES[code as DepartmentCode]?.[l] ?? code) : '—';

/**
 * Whose figures the page shows, by report kpi's rules (seesAll, headOf): a refusal (audited, as chat's) for
 * a department or person beyond the reader's, or for a reader who sees only their own figures.
 */
export async function whoFor(ctx: FlowContext, q: KpiQuery): Promise<Who | { refused: string }> {
  const l = ctx.locale;
  const all = seesAll(ctx);
  const head = headOf(ctx);
  const refuse = async (asked: string) => {
    await ctx.audit('denied', 'report', q.month, { command: 'report kpi', asked, via: 'web' });
    return {
      refused:
        all || head
          ? say(
              l,
              `You may see ${deptName(head, 'en')}'s figures and your own, not ${asked}'s. Admins, supervisors and management see every department.`,
              `您只能查看${deptName(head, 'zh')}和本人的考核数据，不能查看 ${asked} 的。管理员、监督组和管理层可查看所有部门。`,
            )
          : say(
              l,
              'The KPI pages are for department heads, the sales manager, supervisors, management and admins. Your own figures: type report kpi in a chat with the bot.',
              '考核页面供部门负责人、销售经理、监督组、管理层和管理员使用。查看本人的考核数据：在与机器人的聊天中输入「报表 考核」。',
            ),
    };
  };
  if (!all && !head) return refuse(ctx.actor.name);
  if (q.personId) {
    const [p] = await ctx.tx
      .select({ id: people.id, name: people.name, dept: departments.code })
      .from(people)
      .leftJoin(departments, eq(departments.id, people.departmentId))
      .where(eq(people.id, q.personId));
    if (!p) return refuse(`#${q.personId}`);
    if (!all && p.id !== ctx.actor.personId && p.dept !== head) return refuse(p.name);
    return { scope: { kind: 'person', id: p.id }, label: p.name, dept: null, personId: p.id };
  }
  const d = q.dept ?? (all ? undefined : (head ?? undefined));
  if (d) {
    if (!all && d !== head) return refuse(deptName(d, l));
    const [row] = await ctx.tx
      .select({ id: departments.id })
      .from(departments)
      .where(eq(departments.code, d));
    if (!row) return refuse(deptName(d, l));
    return { scope: { kind: 'department', id: row.id }, label: deptName(d, l), dept: d, personId: null };
  }
  return { scope: { kind: 'all' }, label: say(l, 'Everyone', '全部'), dept: null, personId: null };
}

/** The months of the trend, oldest first, ending with `month`. */
export function trendMonths(month: string, zone: string): string[] {
  const last = DateTime.fromISO(`${month}-01`, { zone });
  return Array.from({ length: TREND_MONTHS }, (_, i) =>
    last.minus({ months: TREND_MONTHS - 1 - i }).toFormat('yyyy-MM'),
  );
}

async function choicesFor(ctx: FlowContext): Promise<Choices> {
  const now = DateTime.fromJSDate(ctx.now, { zone: ctx.org.timezone });
  const months = Array.from({ length: 24 }, (_, i) => now.minus({ months: i }).toFormat('yyyy-MM'));
  const all = seesAll(ctx);
  const head = headOf(ctx);
  const codes = (await ctx.tx.select({ code: departments.code }).from(departments).orderBy(departments.id))
    .map((d) => d.code)
    .filter((c): c is DepartmentCode => isDept(c) && (all || c === head));
  const staff = await ctx.tx
    .select({ id: people.id, name: people.name, dept: departments.code })
    .from(people)
    .leftJoin(departments, eq(departments.id, people.departmentId))
    .where(and(isNull(people.mergedInto), all || !head ? undefined : eq(departments.code, head)))
    .orderBy(asc(departments.id), asc(people.name))
    .limit(500);
  return { months, departments: codes, people: staff.filter((p) => p.id !== null) };
}

/** The page's figures: the scope's six months, as report kpi computes them; the read is audited as chat's. */
export async function kpiView(ctx: FlowContext, query: KpiQuery, who: Who): Promise<KpiView> {
  const { months } = await kpiMonths(ctx.tx, {
    months: trendMonths(query.month, ctx.org.timezone),
    zone: ctx.org.timezone,
    now: ctx.now,
    scope: who.scope,
  });
  await ctx.audit('report.kpi', 'report', query.month, {
    scope: who.scope.kind,
    ...(who.scope.kind === 'all' ? {} : { id: who.scope.id }),
    via: 'web',
  });
  return { who, query, months, choices: await choicesFor(ctx) };
}

export type Items =
  | { kind: 'late' | 'unacked'; rows: LateItem[]; total: number; capped: boolean }
  | { kind: 'incomplete'; rows: IncompleteItem[]; total: number; capped: boolean }
  | { kind: 'corrections'; rows: CorrectionItem[]; total: number; capped: boolean };

/**
 * The items behind a figure of `month`: late transfers (delivered late, or not yet and past the target)
 * are the "late" of timeliness; late acknowledgements (or none yet, past the target) its "ack late";
 * incomplete records those completeness counts short; corrections those accuracy counts. One page.
 */
export async function kpiItems(ctx: FlowContext, q: KpiQuery, who: Who, kind: ItemKind): Promise<Items> {
  const zone = ctx.org.timezone;
  const page = (all: unknown[]) => all.slice((q.page - 1) * ITEMS_PAGE, q.page * ITEMS_PAGE);
  await ctx.audit('report.kpi', 'report', q.month, {
    scope: who.scope.kind,
    ...(who.scope.kind === 'all' ? {} : { id: who.scope.id }),
    items: kind,
    via: 'web',
  });
  if (kind === 'late' || kind === 'unacked') {
    const { late } = await kpiMonths(ctx.tx, {
      months: [q.month],
      zone,
      now: ctx.now,
      scope: who.scope,
      late: { pageSize: ITEMS_MAX, page: 1 },
    });
    const rows = late.items.filter((i) =>
      kind === 'late' ? i.deliverState === 'late' : i.ackState === 'late',
    );
    return { kind, rows: page(rows) as LateItem[], total: rows.length, capped: late.total > ITEMS_MAX };
  }
  const p = monthPeriod(q.month, zone);
  if (kind === 'incomplete') {
    const settings = await readKpiSettings(ctx.tx);
    const rows = await incomplete(ctx.tx, { ...p, scope: who.scope, required: settings.required }, ITEMS_MAX);
    return {
      kind,
      rows: page(rows) as IncompleteItem[],
      total: rows.length,
      capped: rows.length === ITEMS_MAX,
    };
  }
  const rows = await corrections(ctx.tx, { from: p.from, to: p.to, scope: who.scope }, ITEMS_MAX);
  return {
    kind,
    rows: page(rows) as CorrectionItem[],
    total: rows.length,
    capped: rows.length === ITEMS_MAX,
  };
}
