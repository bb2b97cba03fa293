// The order list page: a GET form of filters (so a filtered list is a link), sortable columns, pages, and
// the same filters exported as CSV or XLSX.
import type { FlowContext } from '../core/context.ts';
import { orderStatus } from '../flows/order.ts';
import { Page } from './layout.tsx';
import { ORDER_STATUSES, type OrderFilter, type OrderRow, PAGE_SIZE, type Sort } from './order-list.ts';
import { say } from './text.ts';

export function query(f: OrderFilter, change: Partial<OrderFilter> = {}): string {
  const g = { ...f, ...change };
  const p = new URLSearchParams();
  if (g.q) p.set('q', g.q);
  if (g.status) p.set('status', g.status);
  if (g.from) p.set('from', g.from);
  if (g.to) p.set('to', g.to);
  if (g.sort !== 'date') p.set('sort', g.sort);
  if (g.dir !== 'desc') p.set('dir', g.dir);
  if (g.page > 1) p.set('page', String(g.page));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const columns = (l: 'en' | 'zh') => ({
  number: say(l, 'Order', '订单号'),
  customer: say(l, 'Customer', '客户'),
  status: say(l, 'Status', '状态'),
  date: say(l, 'Order date', '下单日期'),
  delivery: say(l, 'Delivery', '交期'),
  owner: say(l, 'Owner', '负责人'),
  total: say(l, 'Total', '总价'),
  paid: say(l, 'Paid', '已收款'),
});

export function OrdersPage(p: {
  ctx: FlowContext;
  f: OrderFilter;
  rows: OrderRow[];
  total: number;
  problems: string[];
  csrf: string;
}) {
  const { ctx, f, rows } = p;
  const l = ctx.locale;
  const c = columns(l);
  const money = rows.some((r) => r.total !== null);
  const pages = Math.max(1, Math.ceil(p.total / PAGE_SIZE));
  const head = (key: Sort, text: string, num = false) => {
    const on = f.sort === key;
    const dir = on && f.dir === 'desc' ? 'asc' : 'desc';
    return (
      <th class={num ? 'num' : ''}>
        <a href={`/app/orders${query(f, { sort: key, dir, page: 1 })}`}>
          {text}
          {on ? (f.dir === 'desc' ? ' ↓' : ' ↑') : ''}
        </a>
      </th>
    );
  };
  return (
    <Page title={say(l, 'Orders', '订单')} actor={ctx.actor} csrf={p.csrf} section="orders">
      <h1>{say(l, 'Orders', '订单')}</h1>
      {p.problems.length > 0 && (
        <p class="flash bad">
          {say(
            l,
            `Left out what is not a valid value: ${p.problems.join(', ')} (dates as 2026-01-31).`,
            `以下筛选值无效，已忽略：${p.problems.join('、')}（日期格式如 2026-01-31）。`,
          )}
        </p>
      )}
      <form class="filters card" method="get" action="/app/orders">
        <label class="grow">
          {say(l, 'Search', '搜索')}
          <input
            type="search"
            name="q"
            value={f.q}
            placeholder={say(l, 'number, customer, contact, pinyin', '订单号、客户、联系人、拼音')}
          />
        </label>
        <label>
          {c.status}
          <select name="status">
            <option value="">{say(l, 'all', '全部')}</option>
            {ORDER_STATUSES.map((s) => (
              <option value={s} selected={f.status === s}>
                {orderStatus(s, l)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {say(l, 'From', '起始日期')}
          <input type="date" name="from" value={f.from} />
        </label>
        <label>
          {say(l, 'To', '截止日期')}
          <input type="date" name="to" value={f.to} />
        </label>
        <input type="hidden" name="sort" value={f.sort} />
        <input type="hidden" name="dir" value={f.dir} />
        <button type="submit">{say(l, 'Filter', '筛选')}</button>
        <a class="button plain" href="/app/orders">
          {say(l, 'Clear', '清除')}
        </a>
      </form>
      <section class="card">
        <div class="list-head">
          <p class="muted count" data-testid="order-count">
            {say(l, `${p.total} orders`, `共 ${p.total} 个订单`)}
          </p>
          <span class="exports">
            <span class="muted">{say(l, 'Export', '导出')}</span>
            <a
              class="button plain small"
              href={`/app/orders/export.csv${query(f, { page: 1 })}`}
              data-testid="export-csv"
            >
              CSV
            </a>
            <a
              class="button plain small"
              href={`/app/orders/export.xlsx${query(f, { page: 1 })}`}
              data-testid="export-xlsx"
            >
              XLSX
            </a>
          </span>
        </div>
        <div class="scroll">
          <table data-testid="orders">
            <thead>
              <tr>
                {head('number', c.number)}
                {head('customer', c.customer)}
                <th>{c.status}</th>
                {head('date', c.date)}
                {head('delivery', c.delivery)}
                <th class="hide-phone">{c.owner}</th>
                {money && head('total', c.total, true)}
                {money && <th class="num hide-phone">{c.paid}</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr data-testid="order-row">
                  <td class="nowrap">
                    <a href={`/app/orders/${encodeURIComponent(r.number)}`}>{r.number}</a>
                  </td>
                  <td>
                    <a href={`/app/customers/${encodeURIComponent(r.customerNumber)}`}>{r.customer}</a>
                  </td>
                  <td>
                    <span class="tag">{orderStatus(r.status, l)}</span>
                  </td>
                  <td class="nowrap">{r.orderDate}</td>
                  <td class="nowrap">{r.due ?? '—'}</td>
                  <td class="hide-phone">{r.owner}</td>
                  {money && <td class="num">{r.total ?? '—'}</td>}
                  {money && <td class="num hide-phone">{r.paid ?? '—'}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {rows.length === 0 && <p class="muted">{say(l, 'No orders match.', '没有符合条件的订单。')}</p>}
        <div class="pager">
          {f.page > 1 && (
            <a href={`/app/orders${query(f, { page: f.page - 1 })}`}>{say(l, '← Previous', '← 上一页')}</a>
          )}
          <span class="muted">{say(l, `Page ${f.page} of ${pages}`, `第 ${f.page} / ${pages} 页`)}</span>
          {f.page < pages && (
            <a href={`/app/orders${query(f, { page: f.page + 1 })}`}>{say(l, 'Next →', '下一页 →')}</a>
          )}
        </div>
      </section>
    </Page>
  );
}
