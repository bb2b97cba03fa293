// The monthly assessment (policy 6.3, R-KPI-5): on the first working day of each month, 09:00, to
// management's chats and to each supervisor: every department's and person's figures for the month before,
// against the month before that and the targets, with the rectification notices and their closure times.
// A reminder repeating on working days whose hook stands down on every other working day.
import { and, eq, inArray } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { DepartmentCode } from '../commands/keys.ts';
import type { Queryable, Tx } from '../db/client.ts';
import { people, reminders } from '../db/schema.ts';
import { readMailItems } from '../flows/mail-policy.ts';
import { type Bilingual, pick } from '../i18n/locale.ts';
import { rectifySummary } from '../rectify/summary.ts';
import { calendarAround, isWorkingDay } from '../schedule/calendar.ts';
import { createReminder } from '../schedule/create.ts';
import { registerFireHook } from '../schedule/hooks.ts';
import { delay, pct, pctText, versus } from './format.ts';
import { previousMonth } from './period.ts';
import { kpiReport } from './report.ts';
import { formatTarget } from './targets.ts';

export const ASSESSMENT_KIND = 'kpi_assessment';
const REPEAT = 'workdays@09:00';

const DEPT: Record<DepartmentCode, Bilingual> = {
  sales: { en: 'Sales', zh: '销售部' },
  marketing: { en: 'Marketing', zh: '市场部' },
  service: { en: 'Customer service', zh: '客服部' },
  finance: { en: 'Finance', zh: '财务部' },
  production: { en: 'Production', zh: '生产部' },
  logistics: { en: 'Logistics', zh: '物流部' },
  management: { en: 'Management', zh: '管理层' },
};

/** Management's chats and every active supervisor have one assessment reminder; run at start (hourly). */
export async function ensureAssessments(db: Queryable, zone: string): Promise<void> {
  const have = await db
    .select({ kind: reminders.targetKind, personId: reminders.targetPersonId })
    .from(reminders)
    .where(and(eq(reminders.kind, ASSESSMENT_KIND), eq(reminders.state, 'active')));
  const supervisors = await db
    .select({ id: people.id })
    .from(people)
    .where(and(inArray(people.role, ['supervisor']), eq(people.active, true)));
  const first = firstNine(zone);
  const text = { en: 'Monthly assessment', zh: '月度考核' };
  if (!have.some((h) => h.kind === 'department'))
    await createReminder(
      db,
      {
        kind: ASSESSMENT_KIND,
        target: { kind: 'department', code: 'management' },
        text,
        repeat: REPEAT,
        timezone: zone,
      },
      [first],
    );
  for (const s of supervisors)
    if (!have.some((h) => h.personId === s.id))
      await createReminder(
        db,
        {
          kind: ASSESSMENT_KIND,
          target: { kind: 'person', personId: s.id },
          text,
          repeat: REPEAT,
          timezone: zone,
        },
        [first],
      );
}

/** Tomorrow 09:00 in the zone: the repeat rule takes it to working days from there. */
function firstNine(zone: string): Date {
  return DateTime.now()
    .setZone(zone)
    .plus({ days: 1 })
    .set({ hour: 9, minute: 0, second: 0, millisecond: 0 })
    .toJSDate();
}

/** Whether `day` is the first working day of its month in the calendar. */
export async function isFirstWorkingDay(db: Queryable, day: DateTime): Promise<boolean> {
  const cal = await calendarAround(db, day.startOf('month').toJSDate());
  if (!isWorkingDay(day, cal)) return false;
  for (let d = day.startOf('month'); d < day.startOf('day'); d = d.plus({ days: 1 }))
    if (isWorkingDay(d, cal)) return false;
  return true;
}

/** The assessment of `month` (YYYY-MM) for everyone, in both languages. */
export async function assessmentText(
  db: Tx | Queryable,
  month: string,
  zone: string,
  now: Date,
): Promise<Bilingual> {
  const r = await kpiReport(db, { month, zone, now, scope: { kind: 'all' }, pageSize: 5, page: 1 });
  const rect = await rectifySummary(db, month, zone);
  const prevMonth = previousMonth(month, zone);
  const out = (l: 'en' | 'zh') => {
    const lines = [
      pick(l, {
        en: `Monthly assessment ${month} (against ${prevMonth}; delays in working time)`,
        zh: `月度考核 ${month}（对比 ${prevMonth}；时长按工作时间）`,
      }),
    ];
    const t = r.targets;
    lines.push(
      pick(l, {
        en: `Targets: orders delivered within ${formatTarget(t['target.order.deliver'], l)}, acknowledged within ${formatTarget(t['target.order.ack'], l)}`,
        zh: `时限：订单 ${formatTarget(t['target.order.deliver'], l)} 内送达，${formatTarget(t['target.order.ack'], l)} 内确认`,
      }),
    );
    const depts = new Set<string>();
    for (const x of r.current.timeliness)
      if (x.level === 'department' && x.department) depts.add(x.department);
    for (const x of rect.byDepartment) depts.add(x.code);
    for (const code of depts) {
      const cur = r.current.timeliness.find((x) => x.level === 'department' && x.department === code);
      const prev = r.previous.timeliness.find((x) => x.level === 'department' && x.department === code);
      const rc = rect.byDepartment.find((x) => x.code === code);
      const share = cur ? pct(cur.onTime, cur.onTime + cur.late) : null;
      const pshare = prev ? pct(prev.onTime, prev.onTime + prev.late) : null;
      const name = DEPT[code as DepartmentCode]?.[l] ?? code;
      const ack = cur?.asked
        ? pick(l, {
            en: `; acknowledged ${cur.acked}/${cur.asked}, ${cur.ackOnTime} on time, median ${delay(cur.ackP50, l)}`,
            zh: `；确认 ${cur.acked}/${cur.asked}，按时 ${cur.ackOnTime}，中位 ${delay(cur.ackP50, l)}`,
          })
        : '';
      const notices = rc
        ? pick(l, {
            en: `; rectification: ${rc.opened} issued, ${rc.closed} closed (median ${rc.closeHoursMedian ?? '—'} h), ${rc.overdueAtEnd} overdue`,
            zh: `；整改：下发 ${rc.opened}，关闭 ${rc.closed}（中位 ${rc.closeHoursMedian ?? '—'} 小时），逾期 ${rc.overdueAtEnd}`,
          })
        : '';
      lines.push(
        `• ${name}: ${pick(l, { en: 'on time', zh: '按时' })} ${pctText(share)}, ${versus(share, pshare, l)}${ack}${notices}`,
      );
    }
    for (const p of r.current.timeliness.filter((x) => x.level === 'person' && x.person)) {
      const prev = r.previous.timeliness.find((x) => x.level === 'person' && x.personId === p.personId);
      const share = pct(p.onTime, p.onTime + p.late);
      const pshare = prev ? pct(prev.onTime, prev.onTime + prev.late) : null;
      const acc = r.current.accuracy.find((x) => x.level === 'person' && x.personId === p.personId);
      const comp = r.current.completeness.find((x) => x.level === 'person' && x.personId === p.personId);
      const rc = rect.byPerson.find((x) => x.personId === p.personId);
      lines.push(
        `  · ${p.person}: ${pick(l, { en: 'on time', zh: '按时' })} ${pctText(share)}, ${versus(share, pshare, l)}` +
          (acc?.created
            ? `; ${pick(l, { en: 'error rate', zh: '错误率' })} ${pctText(pct(acc.upheld, acc.created))}`
            : '') +
          (comp?.required
            ? `; ${pick(l, { en: 'complete', zh: '完整率' })} ${pctText(pct(comp.filled, comp.required))}`
            : '') +
          (rc ? `; ${pick(l, { en: 'notices', zh: '整改' })} ${rc.opened}/${rc.closed}` : ''),
      );
    }
    const acc = r.current.accuracy.find((x) => x.level === 'all');
    const comp = r.current.completeness.find((x) => x.level === 'all');
    lines.push(
      pick(l, {
        en: `Accuracy: ${acc?.upheld ?? 0} corrections upheld of ${acc?.created ?? 0} records (${pctText(pct(acc?.upheld ?? 0, acc?.created ?? 0))}); completeness ${pctText(pct(comp?.filled ?? 0, comp?.required ?? 0))}`,
        zh: `准确性：${acc?.created ?? 0} 条记录中更正成立 ${acc?.upheld ?? 0} 条（${pctText(pct(acc?.upheld ?? 0, acc?.created ?? 0))}）；完整率 ${pctText(pct(comp?.filled ?? 0, comp?.required ?? 0))}`,
      }),
      pick(l, {
        en: `Rectification notices: ${rect.total.opened} issued, ${rect.total.closed} closed (${rect.total.closedOnTime} on time, median ${rect.total.closeHoursMedian ?? '—'} h to close), ${rect.total.openAtEnd} open at month end (${rect.total.overdueAtEnd} overdue)`,
        zh: `整改通知：下发 ${rect.total.opened}，关闭 ${rect.total.closed}（按时 ${rect.total.closedOnTime}，关闭中位 ${rect.total.closeHoursMedian ?? '—'} 小时），月末未关闭 ${rect.total.openAtEnd}（逾期 ${rect.total.overdueAtEnd}）`,
      }),
      pick(l, { en: `Detail: report kpi month=${month}`, zh: `详情：报表 考核 月份=${month}` }),
    );
    return lines.join('\n');
  };
  return { en: out('en'), zh: out('zh') };
}

export function registerAssessmentHook(): void {
  registerFireHook(ASSESSMENT_KIND, async (tx, r, occ, now) => {
    const day = DateTime.fromJSDate(occ.dueAt, { zone: r.timezone });
    if (!(await isFirstWorkingDay(tx, day))) return { skip: true };
    const month = day.minus({ months: 1 }).toFormat('yyyy-MM');
    // The monthly report goes by email too when the policy says so (admin policy email=…report.month…).
    const byContact = (await readMailItems(tx)).includes('report.month');
    return { text: await assessmentText(tx, month, r.timezone, now), byContact };
  });
}
