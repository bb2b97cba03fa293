// The dashboard: the pipeline as charts (ECharts, drawn in the browser from figures the server computed in
// SQL), the week's deliveries and the overdue ones, and the approvals waiting for the reader.
import { raw } from 'hono/html';
import { SUBJECT_NAMES } from '../approvals/policy.ts';
import type { FlowContext } from '../core/context.ts';
import { formatMoney } from '../core/money.ts';
import { LEAD_STATUS, nameOf, SOURCE_NAMES } from '../flows/labels.ts';
import { quoteStatus } from '../flows/quote.ts';
import type { Dashboard } from './dashboard-data.ts';
import { Page } from './layout.tsx';
import { say } from './text.ts';

type Chart = {
  kind: 'pie' | 'bar';
  name: string;
  labels: string[];
  values: number[];
  line?: { name: string; values: number[] };
};

/** Minor units to major, for the chart's axis (the tables show the exact amounts). */
const major = (minor: bigint) => Number(minor) / 100;

export function charts(ctx: FlowContext, d: Dashboard): Record<string, Chart> {
  const l = ctx.locale;
  const out: Record<string, Chart> = {};
  if (d.pipeline) {
    out.leadsByStage = {
      kind: 'pie',
      name: say(l, 'Leads', '线索'),
      labels: d.leadsByStage.map((r) => nameOf(LEAD_STATUS, r.key, l)),
      values: d.leadsByStage.map((r) => r.n),
    };
    out.leadsBySource = {
      kind: 'bar',
      name: say(l, 'Leads', '线索'),
      labels: d.leadsBySource.map((r) => nameOf(SOURCE_NAMES, r.key, l)),
      values: d.leadsBySource.map((r) => r.n),
    };
    out.quotesByState = {
      kind: 'bar',
      name: say(l, 'Quotes', '报价'),
      labels: d.quotesByState.map((r) => quoteStatus(r.key, l)),
      values: d.quotesByState.map((r) => r.n),
    };
  }
  out.ordersByMonth = {
    kind: 'bar',
    name: say(l, 'Orders', '订单数'),
    labels: d.ordersByMonth.map((m) => m.month),
    values: d.ordersByMonth.map((m) => m.n),
    ...(d.prices
      ? {
          line: {
            name: say(l, `Value (${ctx.org.currency})`, `金额（${ctx.org.currency}）`),
            values: d.ordersByMonth.map((m) => major(m.minor)),
          },
        }
      : {}),
  };
  return out;
}

/** JSON for a <script type="application/json">: `<` escaped so no text in it can close the tag. */
const jsonForScript = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

function DueTable(p: { ctx: FlowContext; rows: Dashboard['dueThisWeek']; late?: boolean; id: string }) {
  const l = p.ctx.locale;
  if (p.rows.length === 0) return <p class="muted">{say(l, 'None.', '无。')}</p>;
  return (
    <div class="scroll">
      <table data-testid={p.id}>
        <thead>
          <tr>
            <th>{say(l, 'Order', '订单')}</th>
            <th>{say(l, 'Customer', '客户')}</th>
            <th>{say(l, 'Due', '交期')}</th>
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r) => (
            <tr>
              <td class="nowrap">
                <a href={`/app/orders/${encodeURIComponent(r.number)}`}>{r.number}</a>
              </td>
              <td>{r.customer}</td>
              <td class={p.late ? 'overdue nowrap' : 'nowrap'}>{r.due}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DashboardPage(p: { ctx: FlowContext; d: Dashboard; csrf: string }) {
  const { ctx, d } = p;
  const l = ctx.locale;
  const cur = ctx.org.currency;
  const year = d.ordersByMonth.reduce((a, m) => ({ n: a.n + m.n, minor: a.minor + m.minor }), {
    n: 0,
    minor: 0n,
  });
  return (
    <Page
      title={say(l, 'Dashboard', '概览')}
      actor={ctx.actor}
      csrf={p.csrf}
      section="dashboard"
      scripts={['/app/assets/echarts.min.js', '/app/assets/app.js']}
    >
      <h1>{say(l, 'Dashboard', '概览')}</h1>
      <div class="figures">
        <div class="card figure" data-testid="fig-orders">
          <b>{year.n}</b>
          <span>{say(l, 'orders in the last 12 months', '近 12 个月订单')}</span>
        </div>
        {d.prices && (
          <div class="card figure" data-testid="fig-value">
            <b>{formatMoney(year.minor, cur)}</b>
            <span>{say(l, 'ordered in the last 12 months', '近 12 个月订单金额')}</span>
          </div>
        )}
        <div class="card figure" data-testid="fig-due">
          <b>{d.dueThisWeek.length}</b>
          <span>{say(l, 'deliveries due this week', '本周到期交付')}</span>
        </div>
        <div class={`card figure ${d.overdue.length ? 'bad' : ''}`} data-testid="fig-overdue">
          <b>{d.overdue.length}</b>
          <span>{say(l, 'deliveries overdue', '逾期交付')}</span>
        </div>
        <div class="card figure" data-testid="fig-waiting">
          <b>{d.waiting.length}</b>
          <span>{say(l, 'approvals waiting for you', '待我审批')}</span>
        </div>
      </div>
      <div class="grid">
        <section class="card">
          <h2>{say(l, 'Orders by month', '每月订单')}</h2>
          <div class="chart" data-chart="ordersByMonth" data-testid="chart-orders" />
        </section>
        {d.pipeline && (
          <section class="card">
            <h2>{say(l, 'Leads by stage', '线索阶段')}</h2>
            <div class="chart" data-chart="leadsByStage" data-testid="chart-leads-stage" />
          </section>
        )}
        {d.pipeline && (
          <section class="card">
            <h2>{say(l, 'Leads by source', '线索来源')}</h2>
            <div class="chart" data-chart="leadsBySource" data-testid="chart-leads-source" />
          </section>
        )}
        {d.pipeline && (
          <section class="card">
            <h2>{say(l, 'Quotes by state', '报价状态')}</h2>
            <div class="chart" data-chart="quotesByState" data-testid="chart-quotes" />
            <table data-testid="quotes-table">
              <tbody>
                {d.quotesByState.map((q) => (
                  <tr>
                    <td>{quoteStatus(q.key, l)}</td>
                    <td class="num">{q.n}</td>
                    {d.prices && <td class="num">{formatMoney(q.minor ?? 0n, cur)}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      </div>
      <div class="grid">
        <section class="card">
          <h2>
            {say(l, 'Deliveries due this week', '本周到期交付')}{' '}
            <small class="muted">{`${d.today} – ${d.weekEnd}`}</small>
          </h2>
          <DueTable ctx={ctx} rows={d.dueThisWeek} id="due-week" />
        </section>
        <section class="card">
          <h2>{say(l, 'Overdue deliveries', '逾期交付')}</h2>
          <DueTable ctx={ctx} rows={d.overdue} late id="due-overdue" />
        </section>
        <section class="card">
          <h2>{say(l, 'Waiting for my approval', '待我审批')}</h2>
          {d.waiting.length === 0 ? (
            <p class="muted">{say(l, 'Nothing waits for you.', '暂无待审批事项。')}</p>
          ) : (
            <ul>
              {d.waiting.map((w) => (
                <li>
                  <a href="/app/approvals">{w.number}</a>{' '}
                  {SUBJECT_NAMES[w.type as keyof typeof SUBJECT_NAMES]?.[l] ?? w.type} {w.ref}
                  {w.overdue && <span class="overdue"> · {say(l, 'overdue', '已超时')}</span>}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <table class="hide" hidden data-testid="orders-by-month">
        <tbody>
          {d.ordersByMonth.map((m) => (
            <tr data-month={m.month} data-n={String(m.n)} data-minor={d.prices ? m.minor.toString() : ''} />
          ))}
        </tbody>
      </table>
      <script type="application/json" id="dash-data">
        {raw(jsonForScript(charts(ctx, d)))}
      </script>
    </Page>
  );
}
