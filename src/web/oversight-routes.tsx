// The routes of the KPI, audit and admin pages, mounted by routes.tsx after its session and CSRF checks:
// each page is refused (403, audited as a chat refusal is) to whoever its chat command refuses.
import type { Context, Hono } from 'hono';
import { runButton } from '../cards/actions.ts';
import type { FlowContext } from '../core/context.ts';
import { TARGET_KEYS, type TargetKey } from '../kpi/policy-keys.ts';
import { readKpiSettings } from '../kpi/settings.ts';
import { formatTarget, parseTarget } from '../kpi/targets.ts';
import { ADMIN_TABS, backupsOf, bindingRows, calendarOf, peopleRows, policyOf } from './admin-data.ts';
import {
  BackupsPage,
  CalendarPage,
  ChatsPage,
  type Flash,
  PeoplePage,
  PolicyPage,
  TARGET_NAMES,
} from './admin-pages.tsx';
import { auditPeople, auditRows, readAuditQuery } from './audit-data.ts';
import { AuditPage, auditTable, type Verdict } from './audit-page.tsx';
import { type WebDeps, webChat } from './context.ts';
import { toCsv, toXlsx } from './export.ts';
import { kpiItems, kpiView, readKpiQuery, whoFor } from './kpi-data.ts';
import { KpiItemsPage, KpiPage } from './kpi-page.tsx';
import { Notice } from './layout.tsx';
import { MAY_OPEN, OVERSIGHT_NAV, type OversightSection } from './oversight.ts';
import type { Session } from './sessions.ts';
import { say } from './text.ts';

type Env = { Variables: { session: Session } };
export type AsPerson = (
  c: Context<Env>,
  work: (ctx: FlowContext, csrf: string) => Promise<Response>,
) => Promise<Response>;

const COMMAND_OF: Record<OversightSection, string> = {
  kpi: 'report kpi',
  audit: 'audit list',
  admin: 'admin',
};

export function oversightRoutes(app: Hono<Env>, deps: WebDeps, as: AsPerson): void {
  /** A clear refusal page (403), audited as the chat audits a refused command. */
  const refusal = async (
    c: Context,
    ctx: FlowContext,
    csrf: string,
    section: OversightSection,
    text?: string,
  ) => {
    const l = ctx.locale;
    if (!text)
      await ctx.audit('denied', 'page', `/app/${section}`, { command: COMMAND_OF[section], via: 'web' });
    const who = {
      kpi: say(
        l,
        'department heads, the sales manager, supervisors, management and admins',
        '部门负责人、销售经理、监督组、管理层和管理员',
      ),
      audit: say(l, 'admins and the supervision group', '管理员和监督组'),
      admin: say(l, 'admins', '管理员'),
    }[section];
    return c.html(
      <Notice
        actor={ctx.actor}
        csrf={csrf}
        title={say(l, 'Not open to you', '无权访问')}
        text={
          text ??
          say(
            l,
            `The ${OVERSIGHT_NAV[section].en} pages are for ${who}, as in chat.${section === 'kpi' ? ' Your own figures: type report kpi in a chat with the bot.' : ''}`,
            `${OVERSIGHT_NAV[section].zh}页面仅供${who}使用，与聊天中的权限相同。${section === 'kpi' ? '查看本人的考核数据：在与机器人的聊天中输入「报表 考核」。' : ''}`,
          )
        }
        link="/app"
      />,
      403,
    );
  };
  /** Runs `work` for a reader the section admits; everyone else gets the refusal. */
  const gated =
    (
      section: OversightSection,
      work: (c: Context<Env>, ctx: FlowContext, csrf: string) => Promise<Response>,
    ) =>
    (c: Context<Env>) =>
      as(c, (ctx, csrf) =>
        MAY_OPEN[section](ctx.actor) ? work(c, ctx, csrf) : refusal(c, ctx, csrf, section),
      );

  // KPIs
  app.get(
    '/app/kpi',
    gated('kpi', async (c, ctx, csrf) => {
      const q = readKpiQuery(ctx, c.req.query());
      const who = await whoFor(ctx, q);
      if ('refused' in who) return refusal(c, ctx, csrf, 'kpi', who.refused);
      return c.html(<KpiPage ctx={ctx} v={await kpiView(ctx, q, who)} csrf={csrf} />);
    }),
  );
  app.get(
    '/app/kpi/items',
    gated('kpi', async (c, ctx, csrf) => {
      const q = readKpiQuery(ctx, c.req.query());
      const who = await whoFor(ctx, q);
      if ('refused' in who) return refusal(c, ctx, csrf, 'kpi', who.refused);
      const items = await kpiItems(ctx, q, who, q.kind ?? 'late');
      return c.html(<KpiItemsPage ctx={ctx} v={{ who, query: q }} items={items} csrf={csrf} />);
    }),
  );

  // Audit
  const auditPage = async (c: Context<Env>, ctx: FlowContext, csrf: string, verdict?: Verdict) => {
    const f = readAuditQuery(ctx, c.req.query());
    const { rows, total } = await auditRows(ctx, f);
    return c.html(
      <AuditPage
        ctx={ctx}
        q={f.query}
        problems={f.problems}
        rows={rows}
        total={total}
        people={await auditPeople(ctx)}
        {...(verdict ? { verdict } : {})}
        csrf={csrf}
      />,
    );
  };
  app.get('/app/audit', gated('audit', auditPage));

  const exportAudit = (format: 'csv' | 'xlsx') =>
    gated('audit', async (c, ctx) => {
      const f = readAuditQuery(ctx, c.req.query());
      const { rows, total } = await auditRows(ctx, f, { all: true });
      await ctx.audit('web.export', 'audit', undefined, {
        format,
        rows: rows.length,
        matching: total,
        filter: Object.fromEntries(
          Object.entries(f.query).filter(([k, v]) => v !== undefined && k !== 'page'),
        ),
      });
      const names = new Map((await auditPeople(ctx)).map((x) => [x.id, x.name]));
      const table = auditTable(ctx, rows, names);
      const name = `audit-${ctx.now.toISOString().slice(0, 10)}.${format}`;
      c.header('content-disposition', `attachment; filename="${name}"`);
      if (format === 'csv') {
        c.header('content-type', 'text/csv; charset=utf-8');
        return c.body(toCsv(table));
      }
      c.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      return c.body(new Uint8Array(await toXlsx(table, say(ctx.locale, 'Audit log', '审计日志'))));
    });
  app.get('/app/audit/export.csv', exportAudit('csv'));
  app.get('/app/audit/export.xlsx', exportAudit('xlsx'));

  // audit verify, the command itself, through the core as the person (its permission and answer).
  app.post('/app/audit/verify', async (c) => {
    const session = c.get('session');
    const replies = await deps.core.handleWebAction(
      session.personId,
      webChat(session.personId),
      runButton('audit verify'),
    );
    const text = replies.map((r) => r.text).join('\n');
    return as(c, (ctx, csrf) =>
      MAY_OPEN.audit(ctx.actor)
        ? auditPage(c, ctx, csrf, { ok: !text.startsWith('⚠️') && /intact|完好/.test(text), text })
        : refusal(c, ctx, csrf, 'audit'),
    );
  });

  // Admin
  app.get(
    '/app/admin',
    gated('admin', async (c, ctx, csrf) =>
      c.html(<PeoplePage ctx={ctx} csrf={csrf} rows={await peopleRows(ctx)} />),
    ),
  );
  app.get('/app/admin/:tab', (c) => {
    const tab = c.req.param('tab');
    if (!(ADMIN_TABS as readonly string[]).includes(tab)) return c.notFound();
    return gated('admin', async (c, ctx, csrf) => {
      if (tab === 'chats') return c.html(<ChatsPage ctx={ctx} csrf={csrf} rows={await bindingRows(ctx)} />);
      if (tab === 'policy') return c.html(<PolicyPage ctx={ctx} csrf={csrf} policy={await policyOf(ctx)} />);
      if (tab === 'calendar')
        return c.html(<CalendarPage ctx={ctx} csrf={csrf} cal={await calendarOf(ctx)} />);
      if (tab === 'backups') return c.html(<BackupsPage ctx={ctx} csrf={csrf} b={await backupsOf(ctx)} />);
      return c.html(<PeoplePage ctx={ctx} csrf={csrf} rows={await peopleRows(ctx)} />);
    })(c);
  });

  // A KPI target changed from the policy page: `admin policy <key>=<value>` run as the person, through the
  // core (its permission, its checks, its audit entry), as if typed in chat.
  app.post('/app/admin/policy', async (c) => {
    const session = c.get('session');
    const form = await c.req.parseBody();
    const key =
      typeof form.key === 'string' && Object.hasOwn(TARGET_KEYS, form.key) ? (form.key as TargetKey) : null;
    const value = typeof form.value === 'string' ? form.value.trim().slice(0, 10) : '';
    const typed = !!key && /^[\w.\u4e00-\u9fff]{1,10}$/.test(value);
    const replies = typed
      ? await deps.core.handleWebAction(
          session.personId,
          webChat(session.personId),
          runButton(`admin policy ${key}=${value}`),
        )
      : [];
    const answer = replies.map((r) => r.text).join('\n');
    return as(c, async (ctx, csrf) => {
      if (!MAY_OPEN.admin(ctx.actor)) return refusal(c, ctx, csrf, 'admin');
      const l = ctx.locale;
      const wanted = typed ? parseTarget(value) : null;
      const now = key ? (await readKpiSettings(ctx.tx)).targets[key] : null;
      const saved = !!wanted && !!now && JSON.stringify(wanted) === JSON.stringify(now);
      const flash: Flash = saved
        ? {
            text: say(
              l,
              `Saved: ${key} = ${formatTarget(now!, 'en')}.`,
              `已保存：${TARGET_NAMES[key!].zh} = ${formatTarget(now!, 'zh')}。`,
            ),
            bad: false,
          }
        : {
            text:
              (answer.split('\n')[0] ?? '') ||
              say(
                l,
                'Choose a target and write its value, e.g. 8h or 1d.',
                '请选择时限并填写新值，例如 8h 或 1d。',
              ),
            bad: true,
          };
      return c.html(<PolicyPage ctx={ctx} csrf={csrf} policy={await policyOf(ctx)} flash={flash} />);
    });
  });
}
