// The KPI page: a month's timeliness, acknowledgements, accuracy and completeness against the five months
// before, for everyone, a department or a person, as ECharts charts and tables; every figure links to the
// items behind it. The figures are src/kpi's (the same as `report kpi` in chat).
import { raw } from 'hono/html';
import type { DepartmentCode } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { DEPARTMENT_NAMES } from '../flows/common.ts';
import { ackShare, onTimeShare } from '../flows/report-kpi.ts';
import { quoteStatus } from '../flows/statuses.ts';
import { delay, pct, pctText } from '../kpi/format.ts';
import type { MonthFigures } from '../kpi/report.ts';
import { fieldNames } from '../kpi/required.ts';
import type { TimelinessRow } from '../kpi/timeliness.ts';
import { FLOW_NAMES } from '../kpi/transfers.ts';
import { ITEMS_PAGE, type ItemKind, type Items, type KpiQuery, type KpiView, type Who } from './kpi-data.ts';
import { Page } from './layout.tsx';
import { say } from './text.ts';

type L = 'en' | 'zh';
const deptName = (code: string | null, l: L) =>
  code ? (DEPARTMENT_NAMES[code as DepartmentCode]?.[l] ?? code) : '—';

/** A link to the KPI page (or its items) with the same scope and month. */
export function kpiHref(q: Partial<KpiQuery>, items?: ItemKind): string {
  const p = new URLSearchParams();
  if (q.month) p.set('month', q.month);
  if (q.dept) p.set('dept', q.dept);
  if (q.personId) p.set('person', String(q.personId));
  if (items) p.set('kind', items);
  if (q.page && q.page > 1) p.set('page', String(q.page));
  const s = p.toString();
  return `/app/kpi${items ? '/items' : ''}${s ? `?${s}` : ''}`;
}

const scopeOf = (w: Who): Partial<KpiQuery> => ({
  ...(w.dept ? { dept: w.dept } : {}),
  ...(w.personId ? { personId: w.personId } : {}),
});

const allRow = (m: MonthFigures | undefined) => m?.timeliness.find((r) => r.level === 'all');
const errorRate = (m: MonthFigures | undefined) => {
  const a = m?.accuracy.find((x) => x.level === 'all');
  return a ? pct(a.upheld, a.created) : null;
};
const filledShare = (m: MonthFigures | undefined) => {
  const c = m?.completeness.find((x) => x.level === 'all');
  return c ? pct(c.filled, c.required) : null;
};

/** "▲ 5 pts against 2026-10" or "—". */
function Versus(p: {
  now: number | null;
  before: number | null;
  month: string;
  l: L;
  lowerIsBetter?: boolean;
}) {
  if (p.now === null || p.before === null)
    return <small class="muted">{say(p.l, `${p.month}: —`, `${p.month}：—`)}</small>;
  const d = Math.round((p.now - p.before) * 10) / 10;
  const good = p.lowerIsBetter ? d < 0 : d > 0;
  const cls = d === 0 ? 'muted' : good ? 'up' : 'down';
  const arrow = d > 0 ? '▲' : d < 0 ? '▼' : '＝';
  return (
    <small class={cls}>
      {`${arrow} ${Math.abs(d)} ${say(p.l, 'pts', '个百分点')} · ${p.month} ${p.before}%`}
    </small>
  );
}

type Chart = {
  kind: 'line' | 'bar';
  labels: string[];
  series: { name: string; values: (number | null)[]; color?: string }[];
  percent: boolean;
  /** Category labels wrap instead of being left out (department names). */
  wrap?: boolean;
};

const GOOD = '#059669';
const BAD = '#dc2626';
const WAIT = '#f59e0b';
const BLUE = '#2563eb';
const VIOLET = '#7c3aed';

const jsonForScript = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

function chartsOf(v: KpiView, l: L): Record<string, Chart> {
  const ms = v.months;
  const cur = ms[ms.length - 1]!;
  const prev = ms[ms.length - 2];
  const out: Record<string, Chart> = {
    trend: {
      kind: 'line',
      percent: true,
      labels: ms.map((m) => m.month),
      series: [
        {
          name: say(l, 'Delivered on time', '按时送达'),
          values: ms.map((m) => onTimeShare(allRow(m))),
          color: BLUE,
        },
        { name: say(l, 'Acknowledged', '已确认'), values: ms.map((m) => ackShare(allRow(m))), color: GOOD },
        {
          name: say(l, 'Required fields filled', '必填项填写率'),
          values: ms.map(filledShare),
          color: VIOLET,
        },
        { name: say(l, 'Error rate', '错误率'), values: ms.map(errorRate), color: BAD },
      ],
    },
    volume: {
      kind: 'bar',
      percent: false,
      labels: ms.map((m) => m.month),
      series: [
        { name: say(l, 'On time', '按时'), values: ms.map((m) => allRow(m)?.onTime ?? 0), color: GOOD },
        { name: say(l, 'Late', '超时'), values: ms.map((m) => allRow(m)?.late ?? 0), color: BAD },
        { name: say(l, 'Waiting', '未到时限'), values: ms.map((m) => allRow(m)?.waiting ?? 0), color: WAIT },
      ],
    },
  };
  const depts = cur.timeliness.filter((r) => r.level === 'department' && r.department);
  if (depts.length > 1) {
    const before = (code: string | null) =>
      prev?.timeliness.find((r) => r.level === 'department' && r.department === code);
    out.departments = {
      kind: 'bar',
      percent: true,
      wrap: true,
      labels: depts.map((r) => deptName(r.department, l)),
      series: [
        { name: cur.month, values: depts.map((r) => onTimeShare(r)), color: BLUE },
        ...(prev
          ? [
              {
                name: prev.month,
                values: depts.map((r) => onTimeShare(before(r.department))),
                color: '#93c5fd',
              },
            ]
          : []),
      ],
    };
  }
  return out;
}

function Filters(p: { v: KpiView; l: L }) {
  const { v, l } = p;
  const c = v.choices;
  return (
    <form class="filters" method="get" action="/app/kpi" data-testid="kpi-filters">
      <label>
        {say(l, 'Month', '月份')}
        <select name="month">
          {c.months.map((m) => (
            <option value={m} selected={m === v.query.month}>
              {m}
            </option>
          ))}
        </select>
      </label>
      {c.departments.length > 0 && (
        <label>
          {say(l, 'Department', '部门')}
          <select name="dept">
            {c.departments.length > 1 && <option value="">{say(l, 'All departments', '全部部门')}</option>}
            {c.departments.map((d) => (
              <option value={d} selected={d === v.who.dept}>
                {deptName(d, l)}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        {say(l, 'Person', '人员')}
        <select name="person">
          <option value="">{say(l, '—', '—')}</option>
          {c.people.map((x) => (
            <option value={String(x.id)} selected={x.id === v.who.personId}>
              {`${x.name}${x.dept ? ` · ${deptName(x.dept, l)}` : ''}`}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">{say(l, 'Show', '查看')}</button>
    </form>
  );
}

function Figure(p: {
  id: string;
  title: string;
  value: number | null;
  detail: string;
  before: number | null;
  month: string;
  l: L;
  lowerIsBetter?: boolean;
  link?: { href: string; text: string };
}) {
  return (
    <div class="card figure kpi-figure" data-testid={p.id}>
      <span>{p.title}</span>
      <b>{pctText(p.value)}</b>
      <div class="muted small">{p.detail}</div>
      <Versus
        now={p.value}
        before={p.before}
        month={p.month}
        l={p.l}
        {...(p.lowerIsBetter ? { lowerIsBetter: true } : {})}
      />
      {p.link && (
        <a class="more" href={p.link.href} data-testid={`${p.id}-items`}>
          {p.link.text}
        </a>
      )}
    </div>
  );
}

function TimelinessTable(p: {
  rows: TimelinessRow[];
  first: string;
  name: (r: TimelinessRow) => unknown;
  items: (r: TimelinessRow) => Partial<KpiQuery> | null;
  /** The same row of the month before, for its on-time rate. */
  before: (r: TimelinessRow) => TimelinessRow | undefined;
  month: string;
  l: L;
  id: string;
}) {
  const l = p.l;
  if (p.rows.length === 0)
    return <p class="muted">{say(l, 'No transfers this month.', '本月没有需送达的信息。')}</p>;
  return (
    <div class="scroll">
      <table data-testid={p.id}>
        <thead>
          <tr>
            <th class="name">{p.first}</th>
            <th class="num hide-phone">{say(l, 'Transfers', '信息数')}</th>
            <th class="num hide-phone">{say(l, 'On time', '按时')}</th>
            <th class="num">{say(l, 'Late', '超时')}</th>
            <th class="num">{say(l, 'On-time rate', '按时率')}</th>
            <th class="num hide-phone">{say(l, 'Last month', '上月')}</th>
            <th class="num hide-phone">{say(l, 'Median delay', '中位用时')}</th>
            <th class="num">{say(l, 'Acknowledged', '已确认')}</th>
            <th class="num">{say(l, 'Ack late', '确认超时')}</th>
            <th class="num hide-phone">{say(l, 'Median to ack', '确认中位用时')}</th>
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r) => {
            const scope = p.items(r);
            const link = (n: number, kind: ItemKind) =>
              n > 0 && scope ? <a href={kpiHref({ ...scope, month: p.month }, kind)}>{n}</a> : String(n);
            return (
              <tr>
                <td class="name">{p.name(r)}</td>
                <td class="num hide-phone">{r.n}</td>
                <td class="num hide-phone">{r.onTime}</td>
                <td class={`num ${r.late ? 'overdue' : ''}`}>{link(r.late, 'late')}</td>
                <td class="num">{pctText(onTimeShare(r))}</td>
                <td class="num muted hide-phone">{pctText(onTimeShare(p.before(r)))}</td>
                <td class="num hide-phone">{delay(r.deliverP50, l)}</td>
                <td class="num">{r.asked ? `${r.acked}/${r.asked}` : '—'}</td>
                <td class={`num ${r.ackLate ? 'overdue' : ''}`}>
                  {r.asked ? link(r.ackLate, 'unacked') : '—'}
                </td>
                <td class="num hide-phone">{delay(r.ackP50, l)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function KpiPage(p: { ctx: FlowContext; v: KpiView; csrf: string }) {
  const { ctx, v } = p;
  const l = ctx.locale;
  const ms = v.months;
  const cur = ms[ms.length - 1]!;
  const prev = ms[ms.length - 2];
  const all = allRow(cur);
  const pall = allRow(prev);
  const acc = cur.accuracy.find((x) => x.level === 'all');
  const comp = cur.completeness.find((x) => x.level === 'all');
  const scope = scopeOf(v.who);
  const at = { ...scope, month: cur.month };
  const n = (k: number, en: string, zh: string) => say(l, `${k} ${en}`, `${k} ${zh}`);
  return (
    <Page
      title={say(l, 'KPIs', '考核')}
      actor={ctx.actor}
      csrf={p.csrf}
      section="kpi"
      scripts={['/app/assets/echarts.min.js', '/app/assets/kpi.js']}
    >
      <link rel="stylesheet" href="/app/assets/oversight.css" />
      <h1 data-testid="kpi-title">
        {say(l, 'KPIs', '考核')} · {v.who.label} · {cur.month}
      </h1>
      <Filters v={v} l={l} />
      <div class="figures">
        <Figure
          id="fig-ontime"
          l={l}
          month={prev?.month ?? ''}
          title={say(l, 'Delivered within target', '按时送达')}
          value={onTimeShare(all)}
          before={onTimeShare(pall)}
          detail={
            all
              ? say(
                  l,
                  `${all.onTime} of ${all.onTime + all.late} decided${all.waiting ? `, ${all.waiting} waiting` : ''} · median ${delay(all.deliverP50, 'en')}`,
                  `已到时限 ${all.onTime + all.late} 条中按时 ${all.onTime} 条${all.waiting ? `，${all.waiting} 条未到时限` : ''} · 中位 ${delay(all.deliverP50, 'zh')}`,
                )
              : say(l, 'No transfers', '无需送达的信息')
          }
          {...(all?.late
            ? {
                link: {
                  href: kpiHref(at, 'late'),
                  text: say(l, `${n(all.late, 'late', '条超时')} →`, `查看 ${all.late} 条超时 →`),
                },
              }
            : {})}
        />
        <Figure
          id="fig-acked"
          l={l}
          month={prev?.month ?? ''}
          title={say(l, 'Acknowledged', '已确认')}
          value={ackShare(all)}
          before={ackShare(pall)}
          detail={
            all?.asked
              ? say(
                  l,
                  `${all.acked} of ${all.asked} · ${all.ackOnTime} on time · median ${delay(all.ackP50, 'en')}`,
                  `${all.asked} 条中已确认 ${all.acked} 条 · 按时 ${all.ackOnTime} · 中位 ${delay(all.ackP50, 'zh')}`,
                )
              : say(l, 'No acknowledgements asked', '无需确认')
          }
          {...(all?.ackLate
            ? {
                link: {
                  href: kpiHref(at, 'unacked'),
                  text: say(l, `${all.ackLate} late or missing →`, `查看 ${all.ackLate} 条超时或未确认 →`),
                },
              }
            : {})}
        />
        <Figure
          id="fig-errors"
          l={l}
          month={prev?.month ?? ''}
          lowerIsBetter
          title={say(l, 'Error rate (corrections upheld)', '错误率（更正成立）')}
          value={errorRate(cur)}
          before={errorRate(prev)}
          detail={
            acc
              ? say(
                  l,
                  `${acc.upheld} upheld of ${acc.created} records · ${acc.filed} filed`,
                  `${acc.created} 条记录中成立 ${acc.upheld} 条 · 共提出 ${acc.filed} 条`,
                )
              : say(l, 'No records', '无记录')
          }
          {...(acc?.filed
            ? {
                link: {
                  href: kpiHref(at, 'corrections'),
                  text: say(l, `${acc.filed} corrections →`, `查看 ${acc.filed} 条更正 →`),
                },
              }
            : {})}
        />
        <Figure
          id="fig-complete"
          l={l}
          month={prev?.month ?? ''}
          title={say(l, 'Required fields filled', '必填项填写率')}
          value={filledShare(cur)}
          before={filledShare(prev)}
          detail={
            comp?.records
              ? say(
                  l,
                  `${comp.filled} of ${comp.required} in ${comp.records} new records`,
                  `${comp.records} 条新记录 ${comp.filled}/${comp.required}`,
                )
              : say(l, 'No new records', '无新记录')
          }
          {...(comp && comp.filled < comp.required
            ? {
                link: {
                  href: kpiHref(at, 'incomplete'),
                  text: say(l, 'Incomplete records →', '查看缺项记录 →'),
                },
              }
            : {})}
        />
      </div>
      <div class="grid">
        <section class="card">
          <h2>{say(l, `The last ${ms.length} months (%)`, `近 ${ms.length} 个月（%）`)}</h2>
          <div class="chart" data-chart="trend" data-testid="chart-trend" />
        </section>
        <section class="card">
          <h2>{say(l, 'Transfers by month', '每月需送达的信息')}</h2>
          <div class="chart" data-chart="volume" data-testid="chart-volume" />
        </section>
        {cur.timeliness.filter((r) => r.level === 'department').length > 1 && (
          <section class="card">
            <h2>{say(l, 'On time by department (%)', '各部门按时率（%）')}</h2>
            <div class="chart" data-chart="departments" data-testid="chart-departments" />
          </section>
        )}
      </div>
      <section class="card block">
        <h2>{say(l, 'Month by month', '逐月对比')}</h2>
        <div class="scroll">
          <table data-testid="kpi-months">
            <thead>
              <tr>
                <th>{say(l, 'Month', '月份')}</th>
                <th class="num hide-phone">{say(l, 'Transfers', '信息数')}</th>
                <th class="num">{say(l, 'On time', '按时率')}</th>
                <th class="num">{say(l, 'Acknowledged', '确认率')}</th>
                <th class="num hide-phone">{say(l, 'Median delay', '中位用时')}</th>
                <th class="num">{say(l, 'Error rate', '错误率')}</th>
                <th class="num">{say(l, 'Complete', '完整性')}</th>
              </tr>
            </thead>
            <tbody>
              {[...ms].reverse().map((m) => {
                const r = allRow(m);
                return (
                  <tr data-month={m.month} class={m.month === cur.month ? 'current' : ''}>
                    <td class="nowrap">
                      <a href={kpiHref({ ...scope, month: m.month })}>{m.month}</a>
                    </td>
                    <td class="num hide-phone">{r?.n ?? 0}</td>
                    <td class="num" data-testid="m-ontime">
                      {pctText(onTimeShare(r))}
                    </td>
                    <td class="num" data-testid="m-acked">
                      {pctText(ackShare(r))}
                    </td>
                    <td class="num hide-phone">{delay(r?.deliverP50 ?? null, l)}</td>
                    <td class="num">{pctText(errorRate(m))}</td>
                    <td class="num">{pctText(filledShare(m))}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
      {v.who.scope.kind !== 'person' && (
        <section class="card block">
          <h2>{say(l, `By department · ${cur.month}`, `按部门 · ${cur.month}`)}</h2>
          <TimelinessTable
            id="kpi-departments"
            l={l}
            month={cur.month}
            first={say(l, 'Department', '部门')}
            before={(r) =>
              prev?.timeliness.find((x) => x.level === 'department' && x.department === r.department)
            }
            rows={cur.timeliness.filter((r) => r.level === 'department' && r.department)}
            name={(r) =>
              v.choices.departments.includes(r.department as DepartmentCode) ? (
                <a href={kpiHref({ month: cur.month, dept: r.department as DepartmentCode })}>
                  {deptName(r.department, l)}
                </a>
              ) : (
                deptName(r.department, l)
              )
            }
            items={(r) =>
              v.choices.departments.includes(r.department as DepartmentCode)
                ? { dept: r.department as DepartmentCode }
                : null
            }
          />
        </section>
      )}
      <section class="card block">
        <h2>{say(l, `By person · ${cur.month}`, `按人员 · ${cur.month}`)}</h2>
        <TimelinessTable
          id="kpi-people"
          l={l}
          month={cur.month}
          first={say(l, 'Person', '人员')}
          before={(r) => prev?.timeliness.find((x) => x.level === 'person' && x.personId === r.personId)}
          rows={cur.timeliness.filter((r) => r.level === 'person' && r.person)}
          name={(r) =>
            r.personId && v.choices.people.some((x) => x.id === r.personId) ? (
              <a href={kpiHref({ month: cur.month, personId: r.personId })}>{r.person}</a>
            ) : (
              r.person
            )
          }
          items={(r) =>
            r.personId && v.choices.people.some((x) => x.id === r.personId) ? { personId: r.personId } : null
          }
        />
      </section>
      <section class="card block">
        <h2>{say(l, `By flow · ${cur.month}`, `按流程 · ${cur.month}`)}</h2>
        <TimelinessTable
          id="kpi-flows"
          l={l}
          month={cur.month}
          first={say(l, 'Flow', '流程')}
          before={(r) => prev?.timeliness.find((x) => x.level === 'flow' && x.flow === r.flow)}
          rows={cur.timeliness.filter((r) => r.level === 'flow' && r.flow)}
          name={(r) => FLOW_NAMES[r.flow!][l]}
          items={() => scope}
        />
      </section>
      <div class="grid">
        <section class="card">
          <h2>{say(l, 'Accuracy by person', '各人准确性')}</h2>
          <PeopleShares
            l={l}
            id="kpi-accuracy"
            rows={cur.accuracy
              .filter((a) => a.level === 'person' && (a.created || a.filed))
              .map((a) => ({
                name: a.person ?? '—',
                figure: pctText(pct(a.upheld, a.created)),
                detail: say(
                  l,
                  `${a.upheld} upheld / ${a.created} created`,
                  `成立 ${a.upheld} / 新建 ${a.created}`,
                ),
              }))}
            head={say(l, 'Error rate', '错误率')}
          />
        </section>
        <section class="card">
          <h2>{say(l, 'Completeness by person', '各人完整性')}</h2>
          <PeopleShares
            l={l}
            id="kpi-completeness"
            rows={cur.completeness
              .filter((c) => c.level === 'person' && c.records)
              .map((c) => ({
                name: c.person ?? '—',
                figure: pctText(pct(c.filled, c.required)),
                detail: say(
                  l,
                  `${c.filled}/${c.required} in ${c.records} records`,
                  `${c.records} 条记录 ${c.filled}/${c.required}`,
                ),
              }))}
            head={say(l, 'Filled', '填写率')}
          />
        </section>
        {cur.sharing.length > 0 && (
          <section class="card">
            <h2>{say(l, 'Sharing by department', '各部门共享协同')}</h2>
            <div class="scroll">
              <table data-testid="kpi-sharing">
                <thead>
                  <tr>
                    <th>{say(l, 'Department', '部门')}</th>
                    <th class="num">{say(l, 'Acknowledged', '已确认')}</th>
                    <th class="num">{say(l, 'Median', '中位')}</th>
                    {cur.sharing.some((x) => x.intelShared) && (
                      <th class="num">{say(l, 'Info shared', '共享信息')}</th>
                    )}
                  </tr>
                </thead>
                <tbody>
                  {cur.sharing.map((s) => (
                    <tr>
                      <td>{deptName(s.department, l)}</td>
                      <td class="num">{`${s.acked}/${s.asked}`}</td>
                      <td class="num">{delay(s.ackP50, l)}</td>
                      {cur.sharing.some((x) => x.intelShared) && <td class="num">{s.intelShared}</td>}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        )}
      </div>
      <p class="muted small">
        {say(
          l,
          'Delays are in working time (the working calendar, 09:00–18:00). The same figures in chat: report kpi month=',
          '时长按工作时间计算（工作日历，09:00–18:00）。聊天中查看相同数据：报表 考核 月份=',
        )}
        {cur.month}
      </p>
      <script type="application/json" id="kpi-data">
        {raw(jsonForScript(chartsOf(v, l)))}
      </script>
    </Page>
  );
}

function PeopleShares(p: {
  l: L;
  id: string;
  head: string;
  rows: { name: string; figure: string; detail: string }[];
}) {
  if (p.rows.length === 0) return <p class="muted">{say(p.l, 'No records this month.', '本月无记录。')}</p>;
  return (
    <table data-testid={p.id}>
      <thead>
        <tr>
          <th>{say(p.l, 'Person', '人员')}</th>
          <th class="num">{p.head}</th>
          <th class="hide-phone">{say(p.l, 'Of', '明细')}</th>
        </tr>
      </thead>
      <tbody>
        {p.rows.map((r) => (
          <tr>
            <td>{r.name}</td>
            <td class="num">{r.figure}</td>
            <td class="muted hide-phone">{r.detail}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A record number as a link to its page, where the workspace has one. */
export function RecordLink(p: { ref: string }) {
  const m = /^(SO|C|L|Q)-/.exec(p.ref);
  const path = m
    ? { SO: 'orders', C: 'customers', L: 'leads', Q: 'quotes' }[m[1] as 'SO' | 'C' | 'L' | 'Q']
    : null;
  return path ? <a href={`/app/${path}/${encodeURIComponent(p.ref)}`}>{p.ref}</a> : p.ref;
}

const ITEM_TITLES: Record<ItemKind, { en: string; zh: string }> = {
  late: { en: 'Late transfers', zh: '超时送达' },
  unacked: { en: 'Late or missing acknowledgements', zh: '超时或未确认' },
  incomplete: { en: 'Records with required fields missing', zh: '缺少必填项的记录' },
  corrections: { en: 'Corrections filed', zh: '提出的更正' },
};

export function KpiItemsPage(p: {
  ctx: FlowContext;
  v: { who: Who; query: KpiQuery };
  items: Items;
  csrf: string;
}) {
  const { ctx, items } = p;
  const l = ctx.locale;
  const q = p.v.query;
  const scope = scopeOf(p.v.who);
  const pages = Math.max(1, Math.ceil(items.total / ITEMS_PAGE));
  const when = (d: Date | null) => (d ? ctx.fmtDate(d, true) : '—');
  return (
    <Page title={ITEM_TITLES[items.kind][l]} actor={ctx.actor} csrf={p.csrf} section="kpi">
      <link rel="stylesheet" href="/app/assets/oversight.css" />
      <p class="crumbs">
        <a href={kpiHref({ ...scope, month: q.month })}>
          ← {say(l, 'KPIs', '考核')} · {p.v.who.label} · {q.month}
        </a>
      </p>
      <h1>{ITEM_TITLES[items.kind][l]}</h1>
      <p class="muted count" data-testid="items-count">
        {say(
          l,
          `${items.total} items · ${p.v.who.label} · ${q.month}`,
          `共 ${items.total} 条 · ${p.v.who.label} · ${q.month}`,
        )}
        {items.capped && say(l, ' (the first 5,000)', '（前 5,000 条）')}
      </p>
      <section class="card">
        {items.total === 0 ? (
          <p class="muted">{say(l, 'None.', '无。')}</p>
        ) : (
          <div class="scroll">
            {(items.kind === 'late' || items.kind === 'unacked') && (
              <table data-testid="kpi-items">
                <thead>
                  <tr>
                    <th>{say(l, 'Record', '记录')}</th>
                    <th>{say(l, 'Flow', '流程')}</th>
                    <th>{say(l, 'To', '接收方')}</th>
                    <th>{say(l, 'Event', '发生时间')}</th>
                    {items.kind === 'late' ? (
                      <>
                        <th class="num">{say(l, 'Took', '用时')}</th>
                        <th class="num">{say(l, 'Target', '时限')}</th>
                      </>
                    ) : (
                      <>
                        <th>{say(l, 'Acknowledged', '确认')}</th>
                        <th class="num">{say(l, 'Target', '时限')}</th>
                      </>
                    )}
                  </tr>
                </thead>
                <tbody>
                  {items.rows.map((i) => (
                    <tr data-testid="item" data-ref={i.ref}>
                      <td class="nowrap">
                        <RecordLink ref={i.ref} />
                      </td>
                      <td>{FLOW_NAMES[i.flow][l]}</td>
                      <td>
                        {i.department ? deptName(i.department, l) : (i.person ?? '—')}
                        {i.department && i.person ? <small class="muted"> · {i.person}</small> : null}
                      </td>
                      <td class="nowrap">{when(i.eventAt)}</td>
                      {items.kind === 'late' ? (
                        <>
                          <td class="num overdue">
                            {i.deliverS === null ? say(l, 'not done', '未完成') : delay(i.deliverS, l)}
                          </td>
                          <td class="num">{delay(i.deliverTarget, l)}</td>
                        </>
                      ) : (
                        <>
                          <td class="overdue">
                            {i.ackedAt
                              ? say(
                                  l,
                                  `${delay(i.ackS, 'en')} after delivery`,
                                  `送达后 ${delay(i.ackS, 'zh')}`,
                                )
                              : say(l, 'not acknowledged', '未确认')}
                          </td>
                          <td class="num">{delay(i.ackTarget, l)}</td>
                        </>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {items.kind === 'incomplete' && (
              <table data-testid="kpi-items">
                <thead>
                  <tr>
                    <th>{say(l, 'Record', '记录')}</th>
                    <th>{say(l, 'Responsible', '负责人')}</th>
                    <th>{say(l, 'Missing', '缺项')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.rows.map((i) => (
                    <tr data-testid="item" data-ref={i.ref}>
                      <td class="nowrap">
                        <RecordLink ref={i.ref} />
                      </td>
                      <td>{i.person ?? '—'}</td>
                      <td>{fieldNames(i.type, i.missing, l)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {items.kind === 'corrections' && (
              <table data-testid="kpi-items">
                <thead>
                  <tr>
                    <th>{say(l, 'Approval', '审批')}</th>
                    <th>{say(l, 'Customer', '客户')}</th>
                    <th>{say(l, 'State', '状态')}</th>
                    <th>{say(l, 'Filed by', '提出人')}</th>
                    <th>{say(l, 'Responsible', '负责人')}</th>
                    <th class="hide-phone">{say(l, 'Reason', '原因')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.rows.map((c) => (
                    <tr data-testid="item" data-ref={c.number}>
                      <td class="nowrap">{c.number}</td>
                      <td>{c.customer}</td>
                      <td>{quoteStatus(c.state, l)}</td>
                      <td>{c.filedBy ?? '—'}</td>
                      <td>{c.responsible ?? '—'}</td>
                      <td class="hide-phone">{c.reason ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        )}
        {pages > 1 && (
          <div class="pager">
            {q.page > 1 && (
              <a href={kpiHref({ ...scope, month: q.month, page: q.page - 1 }, items.kind)}>
                ← {say(l, 'Previous', '上一页')}
              </a>
            )}
            <span class="muted">{say(l, `Page ${q.page} of ${pages}`, `第 ${q.page}/${pages} 页`)}</span>
            {q.page < pages && (
              <a href={kpiHref({ ...scope, month: q.month, page: q.page + 1 }, items.kind)}>
                {say(l, 'Next', '下一页')} →
              </a>
            )}
          </div>
        )}
      </section>
    </Page>
  );
}
