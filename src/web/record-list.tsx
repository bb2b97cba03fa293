// The record lists of the web workspace (customers, leads, quotes, market information): one GET form of
// filters (so a filtered list is a link), sortable columns, pages, and the same list exported as CSV or
// XLSX. Each list says its columns and filters; what a column shows is what the export carries, cell for
// cell, so an export is exactly the list with what the person may see.
import type { Context } from 'hono';
import { DateTime } from 'luxon';
import type { FlowContext } from '../core/context.ts';
import { type Table, toCsv, toXlsx } from './export.ts';
import { Page } from './layout.tsx';
import { EXPORT_MAX, PAGE_SIZE } from './order-list.ts';
import { type Section, say } from './text.ts';

export type ListFilter = {
  q: string;
  state: string;
  /** '' anyone's, 'me', 'none' (unassigned), or a person's id. */
  owner: string;
  from: string;
  to: string;
  /** A lead's source or an item's kind: the list's own extra choice. */
  kind: string;
  sort: string;
  dir: 'asc' | 'desc';
  page: number;
};

export type Choice = { value: string; label: string };

export type Column<R> = {
  key: string;
  label: string;
  /** Sortable: the list's query knows this key. */
  sort?: boolean;
  num?: boolean;
  /** Left out on a phone's width (still in the export). */
  wide?: boolean;
  tag?: boolean;
  /** A tag's own look (e.g. a confidential level in red). */
  tagClass?: (r: R) => string;
  cell: (r: R) => string | null;
  href?: (r: R) => string | null;
};

export type ListSpec<R> = {
  path: string;
  section: Section;
  title: string;
  /** "12 customers". */
  count: (n: number) => string;
  empty: string;
  searchHint: string;
  states?: Choice[];
  stateLabel?: string;
  kinds?: Choice[];
  kindLabel?: string;
  owners?: Choice[];
  ownerLabel?: string;
  columns: Column<R>[];
  defaultSort: string;
  /** The name of the export's sheet and file. */
  file: string;
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (s: string) => DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));

/** The filters of a query string; a value that is not one of the list's is dropped and named in `problems`. */
export function readListFilter(
  q: Record<string, string | undefined>,
  allowed: { states?: Choice[]; kinds?: Choice[]; owners?: Choice[]; sorts: string[]; defaultSort: string },
): { filter: ListFilter; problems: string[] } {
  const problems: string[] = [];
  const pick = (key: 'state' | 'kind' | 'owner', choices: Choice[] | undefined) => {
    const v = (q[key] ?? '').trim();
    if (!v) return '';
    if (choices?.some((c) => c.value === v)) return v;
    problems.push(key);
    return '';
  };
  const date = (key: 'from' | 'to') => {
    const v = (q[key] ?? '').trim();
    if (v && !validDate(v)) {
      problems.push(key);
      return '';
    }
    return v;
  };
  const state = pick('state', allowed.states);
  const kind = pick('kind', allowed.kinds);
  const owner = pick('owner', allowed.owners);
  const from = date('from');
  const to = date('to');
  const sort = allowed.sorts.includes(q.sort ?? '') ? q.sort! : allowed.defaultSort;
  return {
    filter: {
      q: (q.q ?? '').trim().slice(0, 100),
      state,
      owner,
      kind,
      from,
      to,
      sort,
      dir: q.dir === 'asc' ? 'asc' : 'desc',
      page: Math.min(Math.max(Number.parseInt(q.page ?? '1', 10) || 1, 1), 100_000),
    },
    problems,
  };
}

/** from= and to= as the instants they mean: whole days in the reader's zone. */
export function dayRange(ctx: FlowContext, f: ListFilter): { since?: Date; until?: Date } {
  const zone = ctx.actor.timezone ?? ctx.org.timezone;
  const day = (d: string) => DateTime.fromISO(d, { zone }).startOf('day');
  const out: { since?: Date; until?: Date } = {};
  if (f.from) out.since = day(f.from).toJSDate();
  if (f.to) out.until = day(f.to).plus({ days: 1 }).toJSDate();
  return out;
}

/** owner= as list-filters reads it: a person's id, null for unassigned, undefined for anyone's. */
export function ownerOf(ctx: FlowContext, f: ListFilter): number | null | undefined {
  if (!f.owner) return undefined;
  if (f.owner === 'me') return ctx.actor.personId;
  if (f.owner === 'none') return null;
  return Number(f.owner);
}

/** Rows of one page, or (`all`) of an export. */
export const pageOf = (f: ListFilter, all: boolean) =>
  all ? { limit: EXPORT_MAX, offset: 0 } : { limit: PAGE_SIZE, offset: (f.page - 1) * PAGE_SIZE };

export function listQuery(spec: { defaultSort: string }, f: ListFilter, change: Partial<ListFilter> = {}) {
  const g = { ...f, ...change };
  const p = new URLSearchParams();
  if (g.q) p.set('q', g.q);
  if (g.state) p.set('state', g.state);
  if (g.owner) p.set('owner', g.owner);
  if (g.kind) p.set('kind', g.kind);
  if (g.from) p.set('from', g.from);
  if (g.to) p.set('to', g.to);
  if (g.sort !== spec.defaultSort) p.set('sort', g.sort);
  if (g.dir !== 'desc') p.set('dir', g.dir);
  if (g.page > 1) p.set('page', String(g.page));
  const s = p.toString();
  return s ? `?${s}` : '';
}

function Select(p: { name: string; label: string; value: string; choices: Choice[]; all: string }) {
  return (
    <label>
      {p.label}
      <select name={p.name}>
        <option value="">{p.all}</option>
        {p.choices.map((c) => (
          <option value={c.value} selected={p.value === c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ListPage<R>(p: {
  ctx: FlowContext;
  spec: ListSpec<R>;
  f: ListFilter;
  rows: R[];
  total: number;
  problems: string[];
  csrf: string;
}) {
  const { ctx, spec, f, rows } = p;
  const l = ctx.locale;
  const pages = Math.max(1, Math.ceil(p.total / PAGE_SIZE));
  const all = say(l, 'all', '全部');
  const cls = (c: Column<R>) => [c.num ? 'num' : '', c.wide ? 'hide-phone' : ''].filter(Boolean).join(' ');
  const head = (c: Column<R>) => {
    if (!c.sort) return <th class={cls(c)}>{c.label}</th>;
    const on = f.sort === c.key;
    const dir = on && f.dir === 'desc' ? 'asc' : 'desc';
    return (
      <th class={cls(c)}>
        <a href={`${spec.path}${listQuery(spec, f, { sort: c.key, dir, page: 1 })}`}>
          {c.label}
          {on ? (f.dir === 'desc' ? ' ↓' : ' ↑') : ''}
        </a>
      </th>
    );
  };
  return (
    <Page title={spec.title} actor={ctx.actor} csrf={p.csrf} section={spec.section}>
      <h1>{spec.title}</h1>
      {p.problems.length > 0 && (
        <p class="flash bad" data-testid="problems">
          {say(
            l,
            `Left out what is not a valid value: ${p.problems.join(', ')} (dates as 2026-01-31).`,
            `以下筛选值无效，已忽略：${p.problems.join('、')}（日期格式如 2026-01-31）。`,
          )}
        </p>
      )}
      <form class="filters card" method="get" action={spec.path}>
        <label class="grow">
          {say(l, 'Search', '搜索')}
          <input type="search" name="q" value={f.q} placeholder={spec.searchHint} />
        </label>
        {spec.states && (
          <Select
            name="state"
            label={spec.stateLabel ?? say(l, 'State', '状态')}
            value={f.state}
            choices={spec.states}
            all={all}
          />
        )}
        {spec.kinds && (
          <Select name="kind" label={spec.kindLabel ?? ''} value={f.kind} choices={spec.kinds} all={all} />
        )}
        {spec.owners && (
          <Select
            name="owner"
            label={spec.ownerLabel ?? say(l, 'Owner', '负责人')}
            value={f.owner}
            choices={spec.owners}
            all={all}
          />
        )}
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
        <a class="button plain" href={spec.path}>
          {say(l, 'Clear', '清除')}
        </a>
      </form>
      <section class="card">
        <div class="list-head">
          <p class="muted count" data-testid="list-count">
            {spec.count(p.total)}
          </p>
          <span class="exports">
            <span class="muted">{say(l, 'Export', '导出')}</span>
            <a
              class="button plain small"
              href={`${spec.path}/export.csv${listQuery(spec, f, { page: 1 })}`}
              data-testid="export-csv"
            >
              CSV
            </a>
            <a
              class="button plain small"
              href={`${spec.path}/export.xlsx${listQuery(spec, f, { page: 1 })}`}
              data-testid="export-xlsx"
            >
              XLSX
            </a>
          </span>
        </div>
        <div class="scroll">
          <table data-testid="list">
            <thead>
              <tr>{spec.columns.map(head)}</tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr data-testid="list-row">
                  {spec.columns.map((c, i) => {
                    const v = c.cell(r);
                    const href = c.href?.(r);
                    const text = v ?? '—';
                    const inner =
                      c.tag && v ? <span class={`tag ${c.tagClass?.(r) ?? ''}`.trim()}>{v}</span> : text;
                    return (
                      <td class={[cls(c), i === 0 ? 'nowrap' : ''].filter(Boolean).join(' ')}>
                        {href ? <a href={href}>{inner}</a> : inner}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {rows.length === 0 && <p class="muted">{spec.empty}</p>}
        <div class="pager">
          {f.page > 1 && (
            <a href={`${spec.path}${listQuery(spec, f, { page: f.page - 1 })}`}>
              {say(l, '← Previous', '← 上一页')}
            </a>
          )}
          <span class="muted">{say(l, `Page ${f.page} of ${pages}`, `第 ${f.page} / ${pages} 页`)}</span>
          {f.page < pages && (
            <a href={`${spec.path}${listQuery(spec, f, { page: f.page + 1 })}`}>
              {say(l, 'Next →', '下一页 →')}
            </a>
          )}
        </div>
      </section>
    </Page>
  );
}

/** The list as a table: the page's columns and cells, nothing more. */
export const tableOf = <R,>(spec: ListSpec<R>, rows: R[]): Table => ({
  header: spec.columns.map((c) => c.label),
  rows: rows.map((r) => spec.columns.map((c) => c.cell(r))),
});

/** The export's response: CSV (UTF-8 with a BOM) or XLSX, named after the list and the day. */
export async function sendTable(
  c: Context,
  ctx: FlowContext,
  format: 'csv' | 'xlsx',
  file: string,
  sheet: string,
  table: Table,
): Promise<Response> {
  const name = `${file}-${ctx.now.toISOString().slice(0, 10)}.${format}`;
  c.header('content-disposition', `attachment; filename="${name}"`);
  if (format === 'csv') {
    c.header('content-type', 'text/csv; charset=utf-8');
    return c.body(toCsv(table));
  }
  c.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  return c.body(new Uint8Array(await toXlsx(table, sheet)));
}
