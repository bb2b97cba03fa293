// report kpi (R-KPI-1..4): a month's timeliness, accuracy, completeness and sharing figures against the
// month before, the worst items named. Admins, supervisors and management see everyone; department heads
// (and the sales manager) their department; everyone else themselves. Asking for more is refused and audited.
import type { CardField } from '../cards/card.ts';
import { type DepartmentCode, k } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { refuseAudited, refuseInput } from '../core/errors.ts';
import { isSupervisor } from '../core/permissions.ts';
import { pick } from '../i18n/locale.ts';
import { delay, pct, pctText } from '../kpi/format.ts';
import { monthOf } from '../kpi/period.ts';
import { hasData, type KpiReport, kpiReport, type MonthFigures } from '../kpi/report.ts';
import { fieldNames } from '../kpi/required.ts';
import type { Scope } from '../kpi/scope.ts';
import { formatTarget } from '../kpi/targets.ts';
import type { LateItem, TimelinessRow } from '../kpi/timeliness.ts';
import { FLOW_NAMES } from '../kpi/transfers.ts';
import { command, DEPARTMENT_NAMES, departmentId, deptChoice } from './common.ts';

const PAGE_SIZE = 10;

type Who = { scope: Scope; label: { en: string; zh: string } };

const deptName = (code: string | null, l: 'en' | 'zh') =>
  code ? (DEPARTMENT_NAMES[code as DepartmentCode]?.[l] ?? code) : '—';

/** Everyone's figures: admins, the supervision group, management. */
export const seesAll = (ctx: Pick<FlowContext, 'actor'>) =>
  isSupervisor(ctx.actor) || ctx.actor.department === 'management';
/** A department's figures: its head (the sales manager heads sales). */
export const headOf = (ctx: Pick<FlowContext, 'actor'>): DepartmentCode | null =>
  (ctx.actor.role === 'head' || ctx.actor.role === 'sales_manager') && ctx.actor.department
    ? ctx.actor.department
    : null;

function refuseScope(ctx: FlowContext, asked: string): never {
  return refuseAudited(
    { action: 'denied', entity: 'report', detail: { command: 'report kpi', asked } },
    `You may see ${headOf(ctx) ? `${deptName(headOf(ctx), 'en')}'s figures and your own` : 'your own figures'}, not ${asked}'s. Admins, supervisors and management see every department.`,
    `您只能查看${headOf(ctx) ? `${deptName(headOf(ctx), 'zh')}和本人` : '本人'}的考核数据，不能查看 ${asked} 的。管理员、监督组和管理层可查看所有部门。`,
  );
}

async function whoFor(
  ctx: FlowContext,
  dept: DepartmentCode | undefined,
  personArg: string | undefined,
  mention: Parameters<FlowContext['person']>[0] | undefined,
): Promise<Who> {
  if ((personArg || mention) && dept)
    refuseInput('Give dept= or person=, not both.', '请只写 部门= 或 人员= 其中一个。');
  const m =
    mention ??
    (personArg
      ? ({ kind: 'mention', handle: personArg.replace(/^[@＠]/, '') } as Parameters<FlowContext['person']>[0])
      : undefined);
  if (m) {
    const { person, department } = await ctx.person(m);
    const own = person.id === ctx.actor.personId;
    if (!own && !seesAll(ctx) && !(headOf(ctx) && headOf(ctx) === department)) refuseScope(ctx, person.name);
    return { scope: { kind: 'person', id: person.id }, label: { en: person.name, zh: person.name } };
  }
  const d = dept ?? (seesAll(ctx) ? undefined : (headOf(ctx) ?? undefined));
  if (d) {
    if (!seesAll(ctx) && headOf(ctx) !== d) refuseScope(ctx, deptName(d, ctx.locale));
    return {
      scope: { kind: 'department', id: await departmentId(ctx, d) },
      label: { en: DEPARTMENT_NAMES[d].en, zh: DEPARTMENT_NAMES[d].zh },
    };
  }
  if (seesAll(ctx)) return { scope: { kind: 'all' }, label: { en: 'everyone', zh: '全部' } };
  return {
    scope: { kind: 'person', id: ctx.actor.personId },
    label: { en: ctx.actor.name, zh: ctx.actor.name },
  };
}

/** "was 50%" against the month before; "—" when it had none. */
function was(ctx: FlowContext, v: number | null): string {
  return ctx.t({ en: `was ${pctText(v)}`, zh: `上月 ${pctText(v)}` });
}

const rowOf = (m: MonthFigures, level: TimelinessRow['level'], pick?: (r: TimelinessRow) => boolean) =>
  m.timeliness.find((r) => r.level === level && (!pick || pick(r)));

/** On time of those decided (delivered, or past their target). */
export const onTimeShare = (r: TimelinessRow | undefined) => (r ? pct(r.onTime, r.onTime + r.late) : null);
export const ackShare = (r: TimelinessRow | undefined) => (r ? pct(r.acked, r.asked) : null);

function timelinessLine(ctx: FlowContext, r: TimelinessRow, l: 'en' | 'zh'): string {
  const parts = [
    pick(l, {
      en: `delivered on time ${r.onTime}/${r.n}${r.waiting ? ` (${r.waiting} waiting)` : ''}, median ${delay(r.deliverP50, l)}, p90 ${delay(r.deliverP90, l)}`,
      zh: `按时送达 ${r.onTime}/${r.n}${r.waiting ? `（${r.waiting} 未到时限）` : ''}，中位 ${delay(r.deliverP50, l)}，P90 ${delay(r.deliverP90, l)}`,
    }),
  ];
  if (r.asked)
    parts.push(
      pick(l, {
        en: `acknowledged ${r.acked}/${r.asked} (on time ${r.ackOnTime}), median ${delay(r.ackP50, l)}, p90 ${delay(r.ackP90, l)}`,
        zh: `已确认 ${r.acked}/${r.asked}（按时 ${r.ackOnTime}），中位 ${delay(r.ackP50, l)}，P90 ${delay(r.ackP90, l)}`,
      }),
    );
  void ctx;
  return parts.join(pick(l, { en: '; ', zh: '；' }));
}

export function lateLine(ctx: FlowContext, i: LateItem): string {
  const l = ctx.locale;
  const dept = deptName(i.department, l);
  const flow = FLOW_NAMES[i.flow][l];
  if (i.ackState === 'late') {
    if (!i.ackedAt)
      return pick(l, {
        en: `${i.ref} → ${dept}: not acknowledged (${flow}, target ${delay(i.ackTarget, l)})`,
        zh: `${i.ref} → ${dept}：未确认（${flow}，时限 ${delay(i.ackTarget, l)}）`,
      });
    return pick(l, {
      en: `${i.ref} → ${dept}: acknowledged ${delay(i.ackS, l)} after delivery by ${i.person ?? '?'} (target ${delay(i.ackTarget, l)})`,
      zh: `${i.ref} → ${dept}：${i.person ?? '?'} 于送达后 ${delay(i.ackS, l)} 确认（时限 ${delay(i.ackTarget, l)}）`,
    });
  }
  const who = i.person ? ` (${i.person})` : '';
  if (i.deliverS === null)
    return pick(l, {
      en: `${i.ref} → ${i.department ? dept : (i.person ?? '—')}: ${flow} not done (target ${delay(i.deliverTarget, l)})`,
      zh: `${i.ref} → ${i.department ? dept : (i.person ?? '—')}：${flow} 未完成（时限 ${delay(i.deliverTarget, l)}）`,
    });
  return pick(l, {
    en: `${i.ref} → ${dept}${who}: ${flow} took ${delay(i.deliverS, l)} (target ${delay(i.deliverTarget, l)})`,
    zh: `${i.ref} → ${dept}${who}：${flow} 用时 ${delay(i.deliverS, l)}（时限 ${delay(i.deliverTarget, l)}）`,
  });
}

function render(ctx: FlowContext, who: Who, r: KpiReport, page: number) {
  const l = ctx.locale;
  const cur = r.current;
  const prev = r.previous;
  const all = rowOf(cur, 'all');
  const pall = rowOf(prev, 'all');
  const acc = cur.accuracy.find((x) => x.level === 'all');
  const pacc = prev.accuracy.find((x) => x.level === 'all');
  const comp = cur.completeness.find((x) => x.level === 'all');
  const pcomp = prev.completeness.find((x) => x.level === 'all');
  const title = ctx.t({
    en: `KPIs ${cur.month} · ${who.label.en} · against ${prev.month} (delays in working time)`,
    zh: `考核 ${cur.month} · ${who.label.zh} · 对比 ${prev.month}（时长按工作时间）`,
  });
  const lines = [title];
  if (all?.n)
    lines.push(
      ctx.t({
        en: `Timeliness: ${pctText(onTimeShare(all))} delivered within target (${all.onTime}/${all.onTime + all.late}${all.waiting ? `, ${all.waiting} waiting` : ''}), ${was(ctx, onTimeShare(pall))}; median ${delay(all.deliverP50, 'en')}, p90 ${delay(all.deliverP90, 'en')}`,
        zh: `及时性：按时送达 ${pctText(onTimeShare(all))}（${all.onTime}/${all.onTime + all.late}${all.waiting ? `，${all.waiting} 未到时限` : ''}），${was(ctx, onTimeShare(pall))}；中位 ${delay(all.deliverP50, 'zh')}，P90 ${delay(all.deliverP90, 'zh')}`,
      }),
    );
  if (all?.asked)
    lines.push(
      ctx.t({
        en: `Acknowledgements: ${all.acked}/${all.asked} received (${pctText(ackShare(all))}), ${all.ackOnTime} on time, ${was(ctx, ackShare(pall))}; median ${delay(all.ackP50, 'en')} after delivery`,
        zh: `确认：已收到 ${all.acked}/${all.asked}（${pctText(ackShare(all))}），按时 ${all.ackOnTime}，${was(ctx, ackShare(pall))}；送达后中位 ${delay(all.ackP50, 'zh')}`,
      }),
    );
  if (acc && (acc.created || acc.filed))
    lines.push(
      ctx.t({
        en: `Accuracy: ${acc.upheld} correction(s) upheld of ${acc.created} records (error rate ${pctText(pct(acc.upheld, acc.created))}), ${acc.filed} filed, ${was(ctx, pacc ? pct(pacc.upheld, pacc.created) : null)}`,
        zh: `准确性：${acc.created} 条记录中更正成立 ${acc.upheld} 条（错误率 ${pctText(pct(acc.upheld, acc.created))}），共提出 ${acc.filed} 条，${was(ctx, pacc ? pct(pacc.upheld, pacc.created) : null)}`,
      }),
    );
  if (comp?.records)
    lines.push(
      ctx.t({
        en: `Completeness: ${pctText(pct(comp.filled, comp.required))} of required fields filled (${comp.filled}/${comp.required} in ${comp.records} records), ${was(ctx, pcomp ? pct(pcomp.filled, pcomp.required) : null)}`,
        zh: `完整性：必填项填写率 ${pctText(pct(comp.filled, comp.required))}（${comp.records} 条记录 ${comp.filled}/${comp.required}），${was(ctx, pcomp ? pct(pcomp.filled, pcomp.required) : null)}`,
      }),
    );
  if (r.late.items[0] && page === 1)
    lines.push(`${ctx.t({ en: 'Worst', zh: '最差' })}: ${lateLine(ctx, r.late.items[0])}`);

  const fields: CardField[] = [];
  const add = (label: string, value: string) => fields.push({ label, value });
  for (const d of cur.timeliness.filter((x) => x.level === 'department' && x.department))
    add(`${ctx.t({ en: 'Department', zh: '部门' })} ${deptName(d.department, l)}`, timelinessLine(ctx, d, l));
  for (const f of cur.timeliness.filter((x) => x.level === 'flow' && x.flow))
    add(FLOW_NAMES[f.flow!][l], timelinessLine(ctx, f, l));
  for (const p of cur.timeliness.filter((x) => x.level === 'person' && x.person).slice(0, 20))
    add(`${ctx.t({ en: 'Person', zh: '人员' })} ${p.person}`, timelinessLine(ctx, p, l));
  for (const s of cur.sharing)
    add(
      `${ctx.t({ en: 'Sharing', zh: '共享协同' })} ${deptName(s.department, l)}`,
      ctx.t({
        en: `acknowledgements ${s.acked}/${s.asked} (on time ${s.ackOnTime}), median ${delay(s.ackP50, 'en')}, p90 ${delay(s.ackP90, 'en')}; market information shared ${s.intelShared}, read (confidential) ${s.intelRead}`,
        zh: `确认 ${s.acked}/${s.asked}（按时 ${s.ackOnTime}），中位 ${delay(s.ackP50, 'zh')}，P90 ${delay(s.ackP90, 'zh')}；市场信息共享 ${s.intelShared}，已阅（保密）${s.intelRead}`,
      }),
    );
  for (const a of cur.accuracy.filter((x) => x.level !== 'all' && (x.created || x.filed)))
    add(
      `${ctx.t({ en: 'Accuracy', zh: '准确性' })} ${a.level === 'type' ? typeName(a.type!, l) : (a.person ?? '—')}`,
      ctx.t({
        en: `${a.upheld} upheld / ${a.created} created (${pctText(pct(a.upheld, a.created))}), ${a.filed} filed`,
        zh: `成立 ${a.upheld} / 新建 ${a.created}（${pctText(pct(a.upheld, a.created))}），提出 ${a.filed}`,
      }),
    );
  for (const c of r.corrections)
    add(
      ctx.t({ en: 'Correction', zh: '更正' }),
      `${c.number} ${c.customer} · ${c.state} · ${c.filedBy ?? '—'} → ${c.responsible ?? '—'}${c.reason ? ` · ${c.reason}` : ''}`,
    );
  for (const c of cur.completeness.filter((x) => x.level !== 'all' && x.records))
    add(
      `${ctx.t({ en: 'Completeness', zh: '完整性' })} ${c.level === 'type' ? typeName(c.type!, l) : (c.person ?? '—')}`,
      `${pctText(pct(c.filled, c.required))} (${c.filled}/${c.required}, ${c.records} ${ctx.t({ en: 'records', zh: '条' })})`,
    );
  for (const i of r.incomplete)
    add(
      ctx.t({ en: 'Missing', zh: '缺项' }),
      `${i.ref} (${i.person ?? '—'}): ${fieldNames(i.type, i.missing, l)}`,
    );
  const pages = Math.max(1, Math.ceil(r.late.total / PAGE_SIZE));
  for (const i of r.late.items) add(ctx.t({ en: 'Late', zh: '超时' }), lateLine(ctx, i));
  const note =
    r.late.total > PAGE_SIZE
      ? ctx.t({
          en: `Late items page ${page}/${pages} (${r.late.total}); next: report kpi month=${cur.month} page=${Math.min(page + 1, pages)}`,
          zh: `超时事项第 ${page}/${pages} 页（共 ${r.late.total} 条）；下一页：报表 考核 月份=${cur.month} 页=${Math.min(page + 1, pages)}`,
        })
      : ctx.t({
          en: `Targets: order delivered within ${formatTarget(r.targets['target.order.deliver'], 'en')}, acknowledged within ${formatTarget(r.targets['target.order.ack'], 'en')} (admin policy shows them all)`,
          zh: `时限：订单 ${formatTarget(r.targets['target.order.deliver'], 'zh')} 内送达、${formatTarget(r.targets['target.order.ack'], 'zh')} 内确认（管理 规则 查看全部）`,
        });
  return {
    text: [...lines, ...fields.map((f) => `${f.label}: ${f.value}`), note].join('\n'),
    card: { title, fields, actions: [], note },
  };
}

const TYPE_NAMES = {
  customer: { en: 'customers', zh: '客户' },
  lead: { en: 'leads', zh: '线索' },
  quote: { en: 'quotes', zh: '报价' },
  order: { en: 'orders', zh: '订单' },
} as const;
const typeName = (t: keyof typeof TYPE_NAMES, l: 'en' | 'zh') => TYPE_NAMES[t][l];

const kpi = command({
  noun: 'report',
  verbs: ['kpi'],
  mention: 'optional',
  keys: {
    month: k.month().optional(),
    dept: k.choice(deptChoice).optional(),
    person: k.text(100).optional(),
    page: k.text(6).optional(),
  },
  usage: {
    en: 'report kpi [month=2026-12] [dept=finance] [person=@li] [page=2]',
    zh: '报表 考核 [月份=2026-12] [部门=财务] [人员=@li] [页=2]',
  },
  summary: {
    en: 'monthly KPIs: timeliness, accuracy, completeness, sharing',
    zh: '月度考核：及时性、准确性、完整性、共享协同',
  },
  allow: (a) => a.role !== null,
  readOnly: true,
  async run(ctx, { args, mentions }) {
    const page = args.page === undefined ? 1 : Number(args.page);
    if (!Number.isInteger(page) || page < 1)
      refuseInput(`page=${args.page} is not a page number: page=2.`, `页=${args.page} 不是页码：例如 页=2。`);
    const zone = ctx.org.timezone;
    const month = args.month ?? monthOf(ctx.now, zone);
    if (month > monthOf(ctx.now, zone))
      refuseInput(
        `${month} has not begun yet; the newest month with figures is ${monthOf(ctx.now, zone)}.`,
        `${month} 尚未开始；最近可查的月份是 ${monthOf(ctx.now, zone)}。`,
      );
    const who = await whoFor(ctx, args.dept, args.person, mentions[0]);
    const report = await kpiReport(ctx.tx, {
      month,
      zone,
      now: ctx.now,
      scope: who.scope,
      pageSize: PAGE_SIZE,
      page,
    });
    await ctx.audit('report.kpi', 'report', month, {
      scope: who.scope.kind,
      ...(who.scope.kind === 'all' ? {} : { id: who.scope.id }),
    });
    if (!hasData(report.current))
      return {
        text: ctx.t({
          en: `No data for ${month} (${who.label.en}): nothing was distributed, assigned, created or corrected that month.${hasData(report.previous) ? ` ${report.previous.month} has figures: report kpi month=${report.previous.month}` : ''}`,
          zh: `${month}（${who.label.zh}）没有数据：当月没有分发、分配、新建或更正的记录。${hasData(report.previous) ? `${report.previous.month} 有数据：报表 考核 月份=${report.previous.month}` : ''}`,
        }),
      };
    if (page > 1 && report.late.items.length === 0)
      refuseInput(
        `There are ${Math.ceil(report.late.total / PAGE_SIZE) || 1} page(s) of late items; page=${page} is past the end.`,
        `超时事项共 ${Math.ceil(report.late.total / PAGE_SIZE) || 1} 页；第 ${page} 页超出范围。`,
      );
    return render(ctx, who, report, page);
  },
});

export const reportKpiCommands = [kpi];
