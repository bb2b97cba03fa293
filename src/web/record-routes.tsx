// The routes of the record lists and pages (customers, leads, quotes, market information): each list, its
// CSV and XLSX export (exactly the list, audited as an export, each confidential value in it an audited
// read) and each record's page. Mounted by routes.tsx, which signs the person in and refuses what is not
// theirs to see.
import type { Context, Hono } from 'hono';
import type { Actor } from '../core/actor.ts';
import type { FlowContext } from '../core/context.ts';
import { isStaff, seesPrices } from '../core/permissions.ts';
import { readsLeads } from '../flows/list-queries.ts';
import { CustomerPage, customerView } from './customer-page.tsx';
import { IntelPage, intelView } from './intel-page.tsx';
import { Notice } from './layout.tsx';
import { LeadPage, leadView } from './lead-page.tsx';
import { QuotePage, quoteView } from './quote-page.tsx';
import {
  type ListFilter,
  ListPage,
  type ListSpec,
  readListFilter,
  sendTable,
  tableOf,
} from './record-list.tsx';
import {
  CUSTOMER_SORTS,
  customerSpec,
  INTEL_SORTS,
  intelSpec,
  LEAD_SORTS,
  leadSpec,
  listCustomers,
  listIntel,
  listLeads,
  listQuotes,
  ownerChoices,
  QUOTE_SORTS,
  quoteSpec,
} from './record-lists.tsx';
import type { Session } from './sessions.ts';
import { say } from './text.ts';

type Env = { Variables: { session: Session } };
type As = (c: Context<Env>, work: (ctx: FlowContext, csrf: string) => Promise<Response>) => Promise<Response>;
type Refused = (
  c: Context,
  ctx: FlowContext,
  csrf: string,
  what: 'missing' | 'refused',
  ref: string,
) => Response | Promise<Response>;

type AnyList = {
  entity: string;
  /** Who may open the list at all (as the chat command allows). */
  may: (a: Actor) => boolean;
  sorts: string[];
  spec: (ctx: FlowContext) => Promise<ListSpec<unknown>>;
  rows: (
    ctx: FlowContext,
    f: ListFilter,
    all: boolean,
  ) => Promise<{ rows: unknown[]; total: number; shown?: string[] }>;
  /** The confidential fields a shown row was read for (audited per row). */
  read?: string[];
};

const LISTS: Record<string, AnyList> = {
  customers: {
    entity: 'customer',
    may: isStaff,
    sorts: CUSTOMER_SORTS,
    spec: async (ctx) =>
      customerSpec(ctx.locale, await ownerChoices(ctx, { none: true })) as ListSpec<unknown>,
    rows: listCustomers,
    read: ['contacts'],
  },
  leads: {
    entity: 'lead',
    may: readsLeads,
    sorts: LEAD_SORTS,
    spec: async (ctx) => leadSpec(ctx.locale, await ownerChoices(ctx, { none: true })) as ListSpec<unknown>,
    rows: listLeads,
    read: ['contacts'],
  },
  quotes: {
    entity: 'quote',
    may: seesPrices,
    sorts: QUOTE_SORTS,
    spec: async (ctx) => quoteSpec(ctx.locale, await ownerChoices(ctx)) as ListSpec<unknown>,
    rows: listQuotes,
    read: ['total'],
  },
  intel: {
    entity: 'intel',
    may: isStaff,
    sorts: INTEL_SORTS,
    spec: async (ctx) =>
      intelSpec(ctx.locale, await ownerChoices(ctx, { anyone: true })) as ListSpec<unknown>,
    rows: listIntel,
  },
};

const PAGES = {
  customers: { view: customerView, Page: CustomerPage },
  leads: { view: leadView, Page: LeadPage },
  quotes: { view: quoteView, Page: QuotePage },
  intel: { view: intelView, Page: IntelPage },
} as const;

/** A list the person's role does not open (as its chat command would not). */
function notForYou(c: Context, ctx: FlowContext, csrf: string, title: string) {
  const l = ctx.locale;
  return c.html(
    <Notice
      actor={ctx.actor}
      csrf={csrf}
      title={say(l, 'Not open to you', '无权查看')}
      text={say(
        l,
        `${title} are not among what your role reads (as in chat); ask the sales manager or an admin.`,
        `您的角色无权查看${title}（与聊天中相同）；如需查看请联系销售经理或管理员。`,
      )}
      link="/app"
    />,
    403,
  );
}

export function recordRoutes(app: Hono<Env>, as: As, refused: Refused): void {
  for (const [name, list] of Object.entries(LISTS)) {
    const read = async (c: Context<Env>, ctx: FlowContext) => {
      const spec = await list.spec(ctx);
      const { filter, problems } = readListFilter(c.req.query(), {
        ...(spec.states ? { states: spec.states } : {}),
        ...(spec.kinds ? { kinds: spec.kinds } : {}),
        ...(spec.owners ? { owners: spec.owners } : {}),
        sorts: list.sorts,
        defaultSort: spec.defaultSort,
      });
      return { spec, filter, problems };
    };
    app.get(`/app/${name}`, (c) =>
      as(c, async (ctx, csrf) => {
        if (!list.may(ctx.actor)) return notForYou(c, ctx, csrf, (await list.spec(ctx)).title);
        const { spec, filter, problems } = await read(c, ctx);
        const { rows, total, shown } = await list.rows(ctx, filter, false);
        if (list.read) await ctx.auditRead(list.entity, shown ?? [], list.read, { via: 'web' });
        return c.html(
          <ListPage
            ctx={ctx}
            spec={spec}
            f={filter}
            rows={rows}
            total={total}
            problems={problems}
            csrf={csrf}
          />,
        );
      }),
    );
    for (const format of ['csv', 'xlsx'] as const)
      app.get(`/app/${name}/export.${format}`, (c) =>
        as(c, async (ctx, csrf) => {
          if (!list.may(ctx.actor)) return notForYou(c, ctx, csrf, (await list.spec(ctx)).title);
          const { spec, filter } = await read(c, ctx);
          const { rows, total, shown } = await list.rows(ctx, filter, true);
          // Each export is in the audit log: what was asked for and how much left; confidential cells as reads.
          await ctx.audit('web.export', list.entity, undefined, {
            format,
            rows: rows.length,
            matching: total,
            filter,
          });
          if (list.read)
            await ctx.auditRead(list.entity, shown ?? [], list.read, { via: 'web', export: format });
          return sendTable(c, ctx, format, spec.file, spec.title, tableOf(spec, rows));
        }),
      );
  }
  for (const [name, page] of Object.entries(PAGES)) {
    app.get(`/app/${name}/:number`, (c) =>
      as(c, async (ctx, csrf) => {
        const number = c.req.param('number');
        const v = await (page.view as (ctx: FlowContext, n: string) => Promise<unknown>)(ctx, number);
        if (typeof v === 'string') return refused(c, ctx, csrf, v as 'missing' | 'refused', number);
        const P = page.Page as (p: {
          ctx: FlowContext;
          v: unknown;
          csrf: string;
        }) => ReturnType<typeof CustomerPage>;
        return c.html(<P ctx={ctx} v={v} csrf={csrf} />);
      }),
    );
  }
}
