// The audit page (admins, supervisors): the audit log with audit list's filters, paged, exported as CSV or
// XLSX (each export audited), and `audit verify` run through the core, its answer shown as a verdict.
import type { FlowContext } from '../core/context.ts';
import type { AuditRow } from '../flows/audit.ts';
import {
  AUDIT_KINDS,
  AUDIT_PAGE,
  type AuditKind,
  type AuditQuery,
  channelOf,
  detailPairs,
} from './audit-data.ts';
import type { Table } from './export.ts';
import { Page } from './layout.tsx';
import { say } from './text.ts';

type L = 'en' | 'zh';

const KIND_NAMES: Record<AuditKind, { en: string; zh: string }> = {
  read: { en: 'Confidential reads', zh: '机密读取' },
  change: { en: 'Changes', zh: '修改' },
  denied: { en: 'Refusals', zh: '拒绝' },
};

export function kindOf(action: string): AuditKind {
  return action.startsWith('read.') ? 'read' : action === 'denied' ? 'denied' : 'change';
}

export function auditHref(q: Partial<AuditQuery>, path = '/app/audit'): string {
  const p = new URLSearchParams();
  if (q.who) p.set('who', String(q.who));
  if (q.action) p.set('action', q.action);
  if (q.kind) p.set('kind', q.kind);
  if (q.record) p.set('record', q.record);
  if (q.since) p.set('since', q.since);
  if (q.until) p.set('until', q.until);
  if (q.page && q.page > 1) p.set('page', String(q.page));
  const s = p.toString();
  return `${path}${s ? `?${s}` : ''}`;
}

const columns = (l: L) => ({
  id: '#',
  at: say(l, 'Time', '时间'),
  who: say(l, 'Person', '操作人'),
  action: say(l, 'Action', '操作'),
  record: say(l, 'Record', '记录'),
  channel: say(l, 'Channel', '渠道'),
  detail: say(l, 'Details', '详情'),
});

type Names = Map<number, string>;

/** The record a row names; a person by their name. */
function recordOf(r: AuditRow, names: Names): string {
  if (r.entity === 'person' && r.entityRef && /^\d+$/.test(r.entityRef))
    return names.get(Number(r.entityRef)) ?? `#${r.entityRef}`;
  return r.entityRef ?? r.entity ?? '';
}

/** The rows as exported: the columns of the page. */
export function auditTable(ctx: FlowContext, rows: AuditRow[], names: Names): Table {
  const c = columns(ctx.locale);
  return {
    header: [c.id, c.at, c.who, c.action, c.record, c.channel, c.detail],
    rows: rows.map((r) => [
      String(r.id),
      ctx.fmtDate(r.at, true),
      r.who ?? '—',
      r.action,
      recordOf(r, names),
      channelOf(r.detail, ctx.locale),
      detailPairs(r.detail)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; '),
    ]),
  };
}

export type Verdict = { ok: boolean; text: string };

export function AuditPage(p: {
  ctx: FlowContext;
  q: AuditQuery;
  problems: string[];
  rows: AuditRow[];
  total: number;
  people: { id: number; name: string }[];
  verdict?: Verdict;
  csrf: string;
}) {
  const { ctx, q } = p;
  const l = ctx.locale;
  const c = columns(l);
  const pages = Math.max(1, Math.ceil(p.total / AUDIT_PAGE));
  const filtered = { ...q, page: 1 };
  const names: Names = new Map(p.people.map((x) => [x.id, x.name]));
  const [summary, hash] = (p.verdict?.text ?? '')
    .replace(/^⚠️\s*/, '')
    .split(/(?:Last hash|最新哈希)[:：]\s*/);
  return (
    <Page title={say(l, 'Audit log', '审计日志')} actor={ctx.actor} csrf={p.csrf} section="audit">
      <link rel="stylesheet" href="/app/assets/oversight.css" />
      <h1>{say(l, 'Audit log', '审计日志')}</h1>
      {p.verdict ? (
        <div class={`verdict ${p.verdict.ok ? 'good' : 'bad'}`} data-testid="verdict">
          <span class="mark">{p.verdict.ok ? '✓' : '⚠'}</span>
          <div>
            <p>
              <b>
                {p.verdict.ok
                  ? say(l, 'Verified: nothing changed or removed', '校验通过：没有记录被修改或删除')
                  : say(l, 'Tampering found', '发现篡改')}
              </b>
            </p>
            <p class="summary">{summary}</p>
            {hash && (
              <p class="hash">
                {say(l, 'Last hash: ', '最新哈希：')}
                {hash}
              </p>
            )}
          </div>
          <VerifyForm l={l} csrf={p.csrf} again />
        </div>
      ) : (
        <div class="verdict card" data-testid="verify-box">
          <div>
            <p>
              <b>{say(l, 'Chain check', '链校验')}</b>
            </p>
            <p class="muted">
              {say(
                l,
                'Each entry is chained to the one before by its hash. Verify checks that none was changed or removed (audit verify in chat).',
                '每条记录都以哈希与前一条相链。校验可确认没有记录被修改或删除（聊天中的「审计 校验」）。',
              )}
            </p>
          </div>
          <VerifyForm l={l} csrf={p.csrf} />
        </div>
      )}
      <form class="filters" method="get" action="/app/audit" data-testid="audit-filters">
        <label>
          {say(l, 'Person', '操作人')}
          <select name="who">
            <option value="">{say(l, 'Anyone', '全部')}</option>
            {p.people.map((x) => (
              <option value={String(x.id)} selected={x.id === q.who}>
                {x.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {say(l, 'Kind', '类型')}
          <select name="kind">
            <option value="">{say(l, 'All', '全部')}</option>
            {AUDIT_KINDS.map((k) => (
              <option value={k} selected={k === q.kind}>
                {KIND_NAMES[k][l]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {say(l, 'Action', '操作')}
          <input
            type="text"
            name="action"
            value={q.action ?? ''}
            placeholder="order, web.export…"
            size={14}
          />
        </label>
        <label>
          {say(l, 'Record', '记录')}
          <input type="text" name="record" value={q.record ?? ''} placeholder="SO-0001" size={10} />
        </label>
        <label>
          {say(l, 'From', '起始')}
          <input type="date" name="since" value={q.since ?? ''} />
        </label>
        <label>
          {say(l, 'To', '截至')}
          <input type="date" name="until" value={q.until ?? ''} />
        </label>
        <button type="submit">{say(l, 'Filter', '筛选')}</button>
        <a class="button plain" href="/app/audit">
          {say(l, 'Clear', '清除')}
        </a>
      </form>
      {p.problems.length > 0 && (
        <p class="flash bad" data-testid="problems">
          {p.problems.join(' ')}
        </p>
      )}
      <div class="pager count">
        <span class="muted" data-testid="audit-count">
          {say(l, `${p.total} entries`, `共 ${p.total} 条`)}
        </span>
        <span class="spacer" />
        <a class="button plain" href={auditHref(filtered, '/app/audit/export.csv')} data-testid="export-csv">
          CSV
        </a>
        <a
          class="button plain"
          href={auditHref(filtered, '/app/audit/export.xlsx')}
          data-testid="export-xlsx"
        >
          XLSX
        </a>
      </div>
      <section class="card">
        {p.rows.length === 0 ? (
          <p class="muted">{say(l, 'No audit entries found.', '没有找到审计记录。')}</p>
        ) : (
          <div class="scroll">
            <table data-testid="audit-rows">
              <thead>
                <tr>
                  <th class="num hide-phone">{c.id}</th>
                  <th>{c.at}</th>
                  <th>{c.who}</th>
                  <th>{c.action}</th>
                  <th>{c.record}</th>
                  <th class="hide-phone">{c.channel}</th>
                  <th class="hide-phone">{c.detail}</th>
                </tr>
              </thead>
              <tbody>
                {p.rows.map((r) => {
                  const k = kindOf(r.action);
                  return (
                    <tr data-testid="audit-row" data-action={r.action}>
                      <td class="num muted hide-phone">{r.id}</td>
                      <td class="nowrap">{ctx.fmtDate(r.at, true)}</td>
                      <td>{r.who ?? '—'}</td>
                      <td>
                        {k !== 'change' && <span class={`tag kind-${k}`}>{KIND_NAMES[k][l]}</span>}{' '}
                        <span>{r.action}</span>
                      </td>
                      <td class="nowrap">
                        {r.entityRef && r.entity !== 'person' && /^[A-Z]{1,4}-\d+/.test(r.entityRef) ? (
                          <a href={auditHref({ record: r.entityRef.split(',')[0]! })}>{r.entityRef}</a>
                        ) : (
                          <span class={r.entityRef ? '' : 'muted'}>{recordOf(r, names)}</span>
                        )}
                      </td>
                      <td class="hide-phone nowrap muted">{channelOf(r.detail, l)}</td>
                      <td class="hide-phone">
                        <div class="chips detail">
                          {detailPairs(r.detail).map(([key, v]) => (
                            <span class="chip">{`${key}: ${v}`}</span>
                          ))}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {pages > 1 && (
          <div class="pager">
            {q.page > 1 && (
              <a href={auditHref({ ...q, page: q.page - 1 })}>← {say(l, 'Previous', '上一页')}</a>
            )}
            <span class="muted" data-testid="audit-page">
              {say(l, `Page ${q.page} of ${pages}`, `第 ${q.page}/${pages} 页`)}
            </span>
            {q.page < pages && (
              <a href={auditHref({ ...q, page: q.page + 1 })}>{say(l, 'Next', '下一页')} →</a>
            )}
          </div>
        )}
      </section>
      <p class="hint">
        {say(l, 'In chat: ', '聊天中：')}
        <code class="cmd">
          {say(l, 'audit list record=SO-0001 kind=read', '审计 列表 记录=SO-0001 类型=读取')}
        </code>{' '}
        <code class="cmd">{say(l, 'audit show SO-0001', '审计 查看 SO-0001')}</code>
      </p>
    </Page>
  );
}

function VerifyForm(p: { l: L; csrf: string; again?: boolean }) {
  return (
    <form method="post" action="/app/audit/verify">
      <input type="hidden" name="_csrf" value={p.csrf} />
      <button type="submit" class={p.again ? 'plain' : ''} data-testid="verify">
        {p.again ? say(p.l, 'Verify again', '重新校验') : say(p.l, 'Verify the chain', '校验审计链')}
      </button>
    </form>
  );
}
