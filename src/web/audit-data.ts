// The audit page's rows: audit list's filters (src/flows/audit.ts: a record's rows, a person's, a kind, a
// date range in the reader's zone), plus an action (exact, or a prefix such as `order`), newest first.
import { and, desc, eq, gte, like, lt, or, type SQL, sql } from 'drizzle-orm';
import type { FlowContext } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { auditLog, people } from '../db/schema.ts';
import {
  type AuditRow,
  dayStart,
  KIND_FILTER,
  KINDS,
  namesRecord,
  recordRef,
  selectRows,
} from '../flows/audit.ts';
import { pick } from '../i18n/locale.ts';

export const AUDIT_PAGE = 50;
export const EXPORT_MAX = 10_000;

export type AuditKind = keyof typeof KINDS;
export const AUDIT_KINDS = Object.keys(KINDS) as AuditKind[];

export type AuditQuery = {
  who: number | undefined;
  action: string | undefined;
  kind: AuditKind | undefined;
  record: string | undefined;
  since: string | undefined;
  until: string | undefined;
  page: number;
};

export type AuditFilter = { query: AuditQuery; where: SQL | undefined; problems: string[] };

/** The query string as audit list's filters; a value that is not one is named and left out. */
export function readAuditQuery(ctx: FlowContext, q: Record<string, string>): AuditFilter {
  const problems: string[] = [];
  const text = (v: string | undefined, max: number) => {
    const s = (v ?? '').trim();
    return s ? s.slice(0, max) : undefined;
  };
  const tryOr = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (err) {
      if (err instanceof UserError) {
        problems.push(err.text[ctx.locale]);
        return undefined;
      }
      throw err;
    }
  };
  const who = Number(q.who);
  const page = Number(q.page);
  const action = text(q.action, 60);
  const query: AuditQuery = {
    who: Number.isInteger(who) && who > 0 ? who : undefined,
    action: action && /^[\w.-]+$/.test(action) ? action : undefined,
    kind: (AUDIT_KINDS as string[]).includes(q.kind ?? '') ? (q.kind as AuditKind) : undefined,
    record: text(q.record, 20),
    since: text(q.since, 40),
    until: text(q.until, 40),
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
  if (action && !query.action)
    problems.push(ctx.t({ en: `"${action}" is not an action.`, zh: `“${action}”不是操作名。` }));
  const ref = query.record ? tryOr(() => recordRef(query.record!).ref) : undefined;
  if (query.record && !ref) query.record = undefined;
  const since = query.since ? tryOr(() => dayStart(ctx, query.since!, 'since', false)) : undefined;
  if (query.since && !since) query.since = undefined;
  const until = query.until ? tryOr(() => dayStart(ctx, query.until!, 'until', true)) : undefined;
  if (query.until && !until) query.until = undefined;
  const where = and(
    ref ? namesRecord(ref) : undefined,
    query.who ? eq(auditLog.personId, query.who) : undefined,
    query.kind ? KIND_FILTER[query.kind] : undefined,
    query.action
      ? or(eq(auditLog.action, query.action), like(auditLog.action, `${query.action.replace(/[%_]/g, '')}.%`))
      : undefined,
    since ? gte(auditLog.at, since) : undefined,
    until ? lt(auditLog.at, until) : undefined,
  );
  return { query, where, problems };
}

/** One page of rows (or, for an export, up to EXPORT_MAX) and how many match. */
export async function auditRows(
  ctx: FlowContext,
  f: AuditFilter,
  opts: { all?: boolean } = {},
): Promise<{ rows: AuditRow[]; total: number }> {
  const [{ n } = { n: 0 }] = await ctx.tx
    .select({ n: sql<number>`count(*)::int` })
    .from(auditLog)
    .where(f.where);
  const rows = await selectRows(ctx)
    .where(f.where)
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(opts.all ? EXPORT_MAX : AUDIT_PAGE)
    .offset(opts.all ? 0 : (f.query.page - 1) * AUDIT_PAGE);
  return { rows, total: Number(n) };
}

/** The people to filter by: everyone who has a row in the log is a person. */
export async function auditPeople(ctx: FlowContext): Promise<{ id: number; name: string }[]> {
  return ctx.tx.select({ id: people.id, name: people.name }).from(people).orderBy(people.name).limit(1000);
}

/** Where a row was written: the platform and the kind of chat (kept apart from its details). */
export function channelOf(detail: Record<string, unknown>, l: 'en' | 'zh'): string {
  const kind = detail?.chatKind;
  const chat =
    kind === 'dm'
      ? pick(l, { en: 'private', zh: '私聊' })
      : kind === 'group'
        ? pick(l, { en: 'group', zh: '群聊' })
        : '';
  return [detail?.platform, chat].filter(Boolean).join(' · ');
}

const WHERE_KEYS = new Set(['chat', 'chatKind', 'platform']);

/** A row's detail as short "key: value" pairs (nested values one level deep), never raw JSON. */
export function detailPairs(detail: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  const show = (v: unknown): string => {
    if (v === null || v === undefined) return '—';
    if (Array.isArray(v)) return v.map(show).join(', ');
    if (typeof v === 'object')
      return Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => `${k} ${typeof x === 'object' && x !== null ? '…' : String(x)}`)
        .join(', ');
    return String(v);
  };
  for (const [k, v] of Object.entries(detail ?? {})) {
    if (WHERE_KEYS.has(k)) continue;
    const s = show(v);
    out.push([k, s.length > 80 ? `${s.slice(0, 79)}…` : s]);
  }
  return out;
}
