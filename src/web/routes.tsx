// The web workspace's routes, at /app on the same HTTP server as the platform webhooks. Pages are
// server-rendered (hono/jsx); the only script is the dashboard's charts. Sessions are a cookie (HttpOnly,
// SameSite=Lax, Secure over https) and every form carries the session's CSRF token.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { runButton } from '../cards/actions.ts';
import type { FlowContext } from '../core/context.ts';
import { findPersonById } from '../core/people.ts';
import { orderStatus } from '../flows/order.ts';
import { BrowserGuard } from '../http/same-origin.ts';
import { isLocale, type Locale } from '../i18n/locale.ts';
import { ApprovalsPage, waitingCards } from './approvals-page.tsx';
import { asPerson, type WebDeps, webChat } from './context.ts';
import { dashboard } from './dashboard-data.ts';
import { DashboardPage } from './dashboard-page.tsx';
import { type Table, toCsv, toXlsx } from './export.ts';
import { Notice, Page } from './layout.tsx';
import { auditShown, listOrders, readFilter } from './order-list.ts';
import { OrderPage, orderView } from './order-page.tsx';
import { columns, OrdersPage } from './orders-page.tsx';
import { oversightRoutes } from './oversight-routes.tsx';
import { recordRoutes } from './record-routes.tsx';
import { endSession, findSession, linkState, openSession, redeemLink, type Session } from './sessions.ts';
import { say } from './text.ts';
import { sameSecret } from './tokens.ts';

const COOKIE = 'sr_web';
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const assetDir = new URL('./assets/', import.meta.url);
const require = createRequire(import.meta.url);
const ASSETS: Record<string, { type: string; path: string | URL }> = {
  'app.css': { type: 'text/css; charset=utf-8', path: new URL('app.css', assetDir) },
  'app.js': { type: 'text/javascript; charset=utf-8', path: new URL('app.js', assetDir) },
  // Apache ECharts from the npm package, never a CDN.
  'echarts.min.js': {
    type: 'text/javascript; charset=utf-8',
    path: require.resolve('echarts/dist/echarts.min.js'),
  },
  'kpi.js': { type: 'text/javascript; charset=utf-8', path: new URL('kpi.js', assetDir) },
  'oversight.css': { type: 'text/css; charset=utf-8', path: new URL('oversight.css', assetDir) },
};

type Env = { Variables: { session: Session } };

/** The language of a page for someone not signed in: the browser's first choice of ours. */
function guestLocale(c: Context): Locale {
  const first = (c.req.header('accept-language') ?? '').split(',')[0]?.trim().slice(0, 2);
  return isLocale(first) ? first : 'zh';
}

const LINK_REFUSED = {
  used: {
    en: [
      'Link already used',
      'This sign-in link has been used. Type web in a chat with the bot for a new one.',
    ],
    zh: ['链接已使用', '此登录链接已被使用。请在与机器人的聊天中输入「网页」获取新链接。'],
  },
  expired: {
    en: [
      'Link expired',
      'This sign-in link is older than 10 minutes. Type web in a chat with the bot for a new one.',
    ],
    zh: ['链接已过期', '此登录链接已超过 10 分钟。请在与机器人的聊天中输入「网页」获取新链接。'],
  },
  unknown: {
    en: [
      'Not a sign-in link',
      'This link is not one the bot gave out. Type web in a chat with the bot for a link.',
    ],
    zh: ['无效的登录链接', '这不是机器人发出的链接。请在与机器人的聊天中输入「网页」获取链接。'],
  },
} as const;

export function webRoutes(deps: WebDeps): Hono<Env> {
  const app = new Hono<Env>();
  const now = () => deps.clock?.() ?? new Date();
  const guard = new BrowserGuard({ listenHost: deps.listenHost, publicUrl: deps.publicUrl });
  const assets = new Map<string, Buffer>();

  app.use('/app/*', guard.page(), async (c, next) => {
    await next();
    c.header('content-security-policy', CSP);
    if (!c.req.path.startsWith('/app/assets/')) c.header('cache-control', 'no-store');
  });

  app.get('/app/assets/:file', (c) => {
    const file = c.req.param('file');
    const asset = ASSETS[file];
    if (!asset) return c.notFound();
    let body = assets.get(file);
    if (!body) {
      body = readFileSync(asset.path);
      assets.set(file, body);
    }
    c.header('content-type', asset.type);
    c.header('cache-control', 'public, max-age=3600');
    return c.body(new Uint8Array(body));
  });

  /** A link's page speaks its person's language; a forged link's, the browser's. */
  const linkLocale = async (c: Context, personId: number | undefined): Promise<Locale> => {
    const found = personId ? await findPersonById(deps.db, personId) : undefined;
    return found && isLocale(found.person.locale) ? found.person.locale : guestLocale(c);
  };
  const refusedLink = async (c: Context, why: keyof typeof LINK_REFUSED, personId?: number) => {
    const l = await linkLocale(c, personId);
    const [title, text] = LINK_REFUSED[why][l];
    return c.html(<Notice title={title} text={text} locale={l} />, why === 'unknown' ? 404 : 410);
  };

  // The link opens a page that asks before it signs in: link previews fetch links, and must not use them up.
  app.get('/app/sign-in/:token', async (c) => {
    const token = c.req.param('token');
    const { state, personId } = await linkState(deps.db, token, now());
    if (state !== 'ok') return refusedLink(c, state, personId);
    const l = await linkLocale(c, personId);
    return c.html(
      <Page title={say(l, 'Sign in', '登录')} locale={l}>
        <section class="notice card">
          <h1>{say(l, 'Sign in to SalesRelay', '登录 SalesRelay')}</h1>
          <p>{say(l, 'This link signs you in once, on this device.', '此链接仅可在本设备上登录一次。')}</p>
          <form method="post" action="/app/sign-in">
            <input type="hidden" name="token" value={token} />
            <button type="submit" data-testid="sign-in">
              {say(l, 'Sign in', '登录')}
            </button>
          </form>
        </section>
      </Page>,
    );
  });

  app.post('/app/sign-in', async (c) => {
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token : '';
    const result = await redeemLink(deps.db, token, now());
    if ('refused' in result) return refusedLink(c, result.refused, result.personId);
    const person = await findPersonById(deps.db, result.personId);
    if (!person?.person.active) return refusedLink(c, 'unknown');
    const { token: cookie } = await openSession(deps.db, result.personId, now(), deps.sessionHours);
    setCookie(c, COOKIE, cookie, {
      httpOnly: true,
      secure: deps.secure,
      sameSite: 'Lax',
      path: '/app',
      maxAge: deps.sessionHours * 3600,
    });
    return c.redirect('/app', 303);
  });

  // Everything else needs a session; a form also needs the session's CSRF token.
  app.use('/app/*', async (c, next) => {
    const session = await findSession(deps.db, getCookie(c, COOKIE), now());
    const l = guestLocale(c);
    if (!session) {
      return c.html(
        <Notice
          locale={l}
          title={say(l, 'Please sign in', '请登录')}
          text={say(
            l,
            'Type web in a chat with the bot: it answers with a sign-in link.',
            '请在与机器人的聊天中输入「网页」，机器人会回复登录链接。',
          )}
        />,
        401,
      );
    }
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody();
      if (!sameSecret(typeof form._csrf === 'string' ? form._csrf : undefined, session.csrfToken)) {
        const l = await linkLocale(c, session.personId);
        return c.html(
          <Notice
            locale={l}
            title={say(l, 'Refused', '已拒绝')}
            text={say(
              l,
              'This form is out of date or did not come from this site. Reload the page and try again.',
              '表单已过期或并非来自本站，请刷新页面后重试。',
            )}
          />,
          403,
        );
      }
    }
    c.set('session', session);
    await next();
  });

  /** Renders as the signed-in person; a person offboarded since has no session any more. */
  const as = async (c: Context<Env>, work: (ctx: FlowContext, csrf: string) => Promise<Response>) => {
    const session = c.get('session');
    const done = await asPerson(deps, session.personId, (ctx) => work(ctx, session.csrfToken));
    if (done) return done.value;
    await endSession(deps.db, session.id);
    deleteCookie(c, COOKIE, { path: '/app' });
    const l = guestLocale(c);
    return c.html(
      <Notice
        locale={l}
        title={say(l, 'Access revoked', '权限已收回')}
        text={say(l, 'Your access has been revoked.', '您的权限已被收回。')}
      />,
      403,
    );
  };

  const refused = (c: Context, ctx: FlowContext, csrf: string, what: 'missing' | 'refused', ref: string) => {
    const l = ctx.locale;
    return c.html(
      <Notice
        actor={ctx.actor}
        csrf={csrf}
        title={what === 'missing' ? say(l, 'Not found', '未找到') : say(l, 'Not yours to see', '无权查看')}
        text={
          what === 'missing'
            ? say(l, `There is no ${ref}.`, `没有 ${ref}。`)
            : say(
                l,
                `You may not see ${ref}: it belongs to someone else and was not shared with you.`,
                `您无权查看 ${ref}：它属于他人，且未与您共享。`,
              )
        }
        link="/app"
      />,
      what === 'missing' ? 404 : 403,
    );
  };

  app.get('/app', (c) =>
    as(c, async (ctx, csrf) => c.html(<DashboardPage ctx={ctx} d={await dashboard(ctx)} csrf={csrf} />)),
  );

  app.get('/app/orders', (c) =>
    as(c, async (ctx, csrf) => {
      const { filter, problems } = readFilter(c.req.query());
      const { rows, total, shown } = await listOrders(ctx, filter);
      await auditShown(ctx, shown);
      return c.html(
        <OrdersPage ctx={ctx} f={filter} rows={rows} total={total} problems={problems} csrf={csrf} />,
      );
    }),
  );

  const exportOrders = (format: 'csv' | 'xlsx') => (c: Context<Env>) =>
    as(c, async (ctx) => {
      const { filter } = readFilter(c.req.query());
      const { rows, total, shown } = await listOrders(ctx, filter, { all: true });
      const col = columns(ctx.locale);
      const money = rows.some((r) => r.total !== null);
      const table: Table = {
        header: [
          col.number,
          col.customer,
          col.status,
          col.date,
          col.delivery,
          col.owner,
          ...(money ? [col.total, col.paid] : []),
        ],
        rows: rows.map((r) => [
          r.number,
          r.customer,
          orderStatus(r.status, ctx.locale),
          r.orderDate,
          r.due,
          r.owner,
          ...(money ? [r.total, r.paid] : []),
        ]),
      };
      // Each export is in the audit log: what was asked for and how much left; the amounts as reads.
      await ctx.audit('web.export', 'order', undefined, {
        format,
        rows: rows.length,
        matching: total,
        filter,
      });
      await auditShown(ctx, shown, { export: format });
      const name = `orders-${ctx.now.toISOString().slice(0, 10)}.${format}`;
      c.header('content-disposition', `attachment; filename="${name}"`);
      if (format === 'csv') {
        c.header('content-type', 'text/csv; charset=utf-8');
        return c.body(toCsv(table));
      }
      c.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      return c.body(new Uint8Array(await toXlsx(table, say(ctx.locale, 'Orders', '订单'))));
    });
  app.get('/app/orders/export.csv', exportOrders('csv'));
  app.get('/app/orders/export.xlsx', exportOrders('xlsx'));

  app.get('/app/orders/:number', (c) =>
    as(c, async (ctx, csrf) => {
      const number = c.req.param('number');
      const v = await orderView(ctx, number);
      if (typeof v === 'string') return refused(c, ctx, csrf, v, number);
      return c.html(<OrderPage ctx={ctx} v={v} csrf={csrf} />);
    }),
  );

  // Customers, leads, quotes, market information: lists, exports, pages (record-routes.tsx).
  recordRoutes(app, as, refused);

  app.get('/app/approvals', (c) =>
    as(c, async (ctx, csrf) =>
      c.html(<ApprovalsPage ctx={ctx} cards={await waitingCards(ctx)} csrf={csrf} />),
    ),
  );

  app.post('/app/approvals/:number', async (c) => {
    const session = c.get('session');
    const number = c.req.param('number').toUpperCase();
    const form = await c.req.parseBody();
    const decision = form.decision === 'reject' ? 'reject' : form.decision === 'approve' ? 'approve' : null;
    const reason = typeof form.reason === 'string' ? form.reason.trim().slice(0, 1000) : '';
    let text: string;
    if (!/^[A-Z]{1,4}-\d{1,9}$/.test(number) || !decision) {
      text = '';
    } else {
      // The same command a card's button runs, as this person, through the core.
      const values: Record<string, string> = reason
        ? { [decision === 'reject' ? 'reason' : 'note']: reason }
        : {};
      const replies = await deps.core.handleWebAction(
        session.personId,
        webChat(session.personId),
        runButton(`approval ${decision} ${number}`),
        values,
      );
      text = replies.map((r) => r.text).join('\n');
    }
    return as(c, async (ctx, csrf) => {
      const cards = await waitingCards(ctx);
      const stillWaiting = cards.some((x) => x.number === number);
      const flash = {
        text: text || say(ctx.locale, 'Choose approve or reject.', '请选择同意或驳回。'),
        bad: !text || stillWaiting,
      };
      return c.html(<ApprovalsPage ctx={ctx} cards={cards} csrf={csrf} flash={flash} />);
    });
  });

  // KPIs, audit and admin (oversight-routes.tsx).
  oversightRoutes(app, deps, as);

  app.post('/app/sign-out', async (c) => {
    const session = c.get('session');
    await endSession(deps.db, session.id);
    deleteCookie(c, COOKIE, { path: '/app' });
    const l = await linkLocale(c, session.personId);
    return c.html(
      <Notice
        locale={l}
        title={say(l, 'Signed out', '已退出')}
        text={say(l, 'You are signed out.', '您已退出登录。')}
      />,
    );
  });

  return app;
}
