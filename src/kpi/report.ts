// One month's KPI figures for a scope, and the month before for comparison: every figure an SQL aggregate.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import { type AccuracyRow, accuracy, type CorrectionItem, corrections } from './accuracy.ts';
import { type CompletenessRow, completeness, type IncompleteItem, incomplete } from './completeness.ts';
import { monthPeriod, previousMonth } from './period.ts';
import type { Scope } from './scope.ts';
import { type KpiSettings, readKpiSettings } from './settings.ts';
import { type SharingRow, sharingCte, sharingRow } from './sharing.ts';
import type { Targets } from './targets.ts';
import {
  type LateItem,
  lateCte,
  lateItemsOf,
  type TimelinessRow,
  timelinessCte,
  timelinessRow,
} from './timeliness.ts';
import { transfersWith } from './transfers.ts';

export type MonthFigures = {
  month: string;
  timeliness: TimelinessRow[];
  accuracy: AccuracyRow[];
  completeness: CompletenessRow[];
  sharing: SharingRow[];
};

export type KpiReport = {
  current: MonthFigures;
  previous: MonthFigures;
  late: { items: LateItem[]; total: number };
  corrections: CorrectionItem[];
  incomplete: IncompleteItem[];
  targets: Targets;
};

export type ReportQuery = {
  month: string;
  zone: string;
  now: Date;
  scope: Scope;
  /** Items of the worst-items list per page. */
  pageSize: number;
  page: number;
};

/** Accuracy and completeness of a month (their own small statements over the records). */
async function recordFigures(
  db: Queryable,
  month: string,
  q: ReportQuery,
  settings: KpiSettings,
): Promise<Pick<MonthFigures, 'accuracy' | 'completeness'>> {
  const p = monthPeriod(month, q.zone);
  return {
    accuracy: await accuracy(db, { from: p.from, to: p.to, scope: q.scope }),
    completeness: await completeness(db, { ...p, scope: q.scope, required: settings.required }),
  };
}

/**
 * The transfers' figures of both months in one statement: the two months' transfers are read and timed
 * once (transfersWith), and timeliness, sharing and the late items are drawn from them, each returned as a
 * JSON array. Five statements each re-reading the month took ~1 s apiece at 100,000 orders (bench:reports).
 */
async function transferFigures(db: Queryable, q: ReportQuery, settings: KpiSettings, months: string[]) {
  const periods = months.map((m) => monthPeriod(m, q.zone));
  // Sharing is per department: a person's report shows everyone's (as their department would see it).
  const rows: Scope = q.scope.kind === 'person' ? { kind: 'all' } : q.scope;
  const current = periods.length - 1;
  const offset = (q.page - 1) * q.pageSize;
  const res = await db.execute(sql`${transfersWith({
    periods,
    zone: q.zone,
    now: q.now,
    targets: settings.targets,
    rows,
    scope: q.scope,
  })},
    tl as (${timelinessCte()}),
    sh as (${sharingCte(periods, rows)}),
    lt as (${lateCte(current)})
    select
      (select coalesce(json_agg(t order by t.ord), '[]')::text from tl t) as timeliness,
      (select coalesce(json_agg(s order by s.ord), '[]')::text from sh s) as sharing,
      (select coalesce(json_agg(l order by l.ord), '[]')::text from lt l
        where l.ord > ${sql.raw(String(offset))} and l.ord <= ${sql.raw(String(offset + q.pageSize))}) as late`);
  const [row] = rowsOf<{ timeliness: string; sharing: string; late: string }>(res);
  const parse = (v: string | undefined) => JSON.parse(v ?? '[]') as Record<string, unknown>[];
  const tl = parse(row?.timeliness);
  const sh = parse(row?.sharing);
  return {
    months: periods.map((_, i) => ({
      timeliness: tl.filter((r) => Number(r.period) === i).map(timelinessRow),
      sharing: sh.filter((r) => Number(r.period) === i).map(sharingRow),
    })),
    late: lateItemsOf(parse(row?.late)),
  };
}

export async function kpiReport(db: Queryable, q: ReportQuery): Promise<KpiReport> {
  // No JIT for this transaction (the command's): the transfers statement's cost estimates made PostgreSQL
  // compile it, ~12 s of compiling for ~0.5 s of work on a month of 7,000 transfers (bench:reports).
  await db.execute(sql`set local jit = off`);
  // The month's transfers (~70,000 rows for two months at 100,000 orders a year, ~40 MB as the statement
  // holds them) are kept and sorted in memory instead of temporary files (4 MB is the default).
  await db.execute(sql`set local work_mem = '64MB'`);
  const settings = await readKpiSettings(db);
  const p = monthPeriod(q.month, q.zone);
  const before = previousMonth(q.month, q.zone);
  const t = await transferFigures(db, q, settings, [before, q.month]);
  return {
    current: { month: q.month, ...t.months[1]!, ...(await recordFigures(db, q.month, q, settings)) },
    previous: { month: before, ...t.months[0]!, ...(await recordFigures(db, before, q, settings)) },
    late: t.late,
    corrections: await corrections(db, { from: p.from, to: p.to, scope: q.scope }, 10),
    incomplete: await incomplete(db, { ...p, scope: q.scope, required: settings.required }, 10),
    targets: settings.targets,
  };
}

/** Whether a month has anything to report. */
export function hasData(m: MonthFigures): boolean {
  const all = m.timeliness.find((r) => r.level === 'all');
  const acc = m.accuracy.find((r) => r.level === 'all');
  const comp = m.completeness.find((r) => r.level === 'all');
  return (
    (all?.n ?? 0) > 0 ||
    (acc?.created ?? 0) > 0 ||
    (acc?.filed ?? 0) > 0 ||
    (comp?.records ?? 0) > 0 ||
    m.sharing.length > 0
  );
}

/**
 * Several contiguous months' figures for one scope (oldest first), the transfers read and timed once: a
 * trend (the web KPI page). With `late`, also a page of the last month's late items (as kpiReport's).
 */
export async function kpiMonths(
  db: Queryable,
  q: { months: string[]; zone: string; now: Date; scope: Scope; late?: { pageSize: number; page: number } },
): Promise<{ months: MonthFigures[]; late: { items: LateItem[]; total: number } }> {
  await db.execute(sql`set local jit = off`);
  await db.execute(sql`set local work_mem = '64MB'`);
  const settings = await readKpiSettings(db);
  const last = q.months[q.months.length - 1]!;
  const query: ReportQuery = {
    month: last,
    zone: q.zone,
    now: q.now,
    scope: q.scope,
    pageSize: q.late?.pageSize ?? 0,
    page: q.late?.page ?? 1,
  };
  const t = await transferFigures(db, query, settings, q.months);
  const months: MonthFigures[] = [];
  for (const [i, month] of q.months.entries())
    months.push({ month, ...t.months[i]!, ...(await recordFigures(db, month, query, settings)) });
  return { months, late: t.late };
}
