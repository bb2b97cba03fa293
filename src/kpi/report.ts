// One month's KPI figures for a scope, and the month before for comparison: every figure an SQL aggregate.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { type AccuracyRow, accuracy, type CorrectionItem, corrections } from './accuracy.ts';
import { type CompletenessRow, completeness, type IncompleteItem, incomplete } from './completeness.ts';
import { monthPeriod, previousMonth } from './period.ts';
import type { Scope } from './scope.ts';
import { readKpiSettings } from './settings.ts';
import { type SharingRow, sharing } from './sharing.ts';
import type { Targets } from './targets.ts';
import { type LateItem, lateItems, type TimelinessRow, timeliness } from './timeliness.ts';

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

async function monthFigures(
  db: Queryable,
  month: string,
  q: ReportQuery,
  settings: Awaited<ReturnType<typeof readKpiSettings>>,
): Promise<MonthFigures> {
  const p = monthPeriod(month, q.zone);
  const tq = { from: p.from, to: p.to, zone: q.zone, now: q.now, targets: settings.targets, scope: q.scope };
  return {
    month,
    timeliness: await timeliness(db, tq),
    accuracy: await accuracy(db, { from: p.from, to: p.to, scope: q.scope }),
    completeness: await completeness(db, { ...p, scope: q.scope, required: settings.required }),
    sharing: await sharing(db, tq),
  };
}

export async function kpiReport(db: Queryable, q: ReportQuery): Promise<KpiReport> {
  // The transfer queries' estimates are far above their real size (the working-time axis is a CTE the
  // planner guesses at 1,000 rows), so PostgreSQL JIT-compiles them: ~12 s of compiling for ~0.5 s of
  // work on a month of 7,000 transfers (bench:reports). Off for this transaction only (the command's).
  await db.execute(sql`set local jit = off`);
  const settings = await readKpiSettings(db);
  const p = monthPeriod(q.month, q.zone);
  const tq = { from: p.from, to: p.to, zone: q.zone, now: q.now, targets: settings.targets, scope: q.scope };
  return {
    current: await monthFigures(db, q.month, q, settings),
    previous: await monthFigures(db, previousMonth(q.month, q.zone), q, settings),
    late: await lateItems(db, tq, q.pageSize, (q.page - 1) * q.pageSize),
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
