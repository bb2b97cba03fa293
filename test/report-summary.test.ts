// report week and report month (R-CHAN-5) through the console with a scripted clock: an October and a
// November of customers, leads, quotes, orders, shipments and payments, and a few records in the week the
// Monday summary covers. Every expected figure is counted from what the test did (the `done` log), not
// written down by hand. Who may ask (supervisor, manager, admin; a rep is refused and audited), the Chinese
// form, and the Monday 09:00 summary sent once to the management chat (and once to the sales chat).
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMoney } from '../src/core/money.ts';
import { ensureWeeklySummaries } from '../src/flows/report-summary.ts';
import { fireOccurrence } from '../src/schedule/fire.ts';
import { type Driver, type Msg, startDriver } from './helpers/console.ts';

const ZONE = 'Asia/Shanghai';
const SOURCES: Record<string, string> = { expo: 'trade show', online: 'online', referral: 'referral' };

type Order = {
  at: Date;
  number: string;
  minor: bigint;
  delivery: string;
  payDue: string;
  placed: boolean;
  shippedAt?: Date;
};
/** What the test did, with the scripted time of each: the figures are counted from this. */
const done = {
  customers: [] as Date[],
  leads: [] as { at: Date; source: string }[],
  quotes: [] as { at: Date; minor: bigint }[],
  orders: [] as Order[],
  payments: [] as { at: Date; order: string; minor: bigint }[],
};

type Span = { from: Date; to: Date };
const within = (at: Date, s: Span) => at >= s.from && at < s.to;
/** Calendar dates of a span in Shanghai: [first, day after the last). */
const dates = (s: Span) => ({
  first: DateTime.fromJSDate(s.from, { zone: ZONE }).toISODate()!,
  after: DateTime.fromJSDate(s.to, { zone: ZONE }).toISODate()!,
});

/** The figures of a span, counted from `done` as the summary defines them. */
function expected(s: Span) {
  const d = dates(s);
  const placed = done.orders.filter((o) => o.placed);
  const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
  const paidOn = (o: Order) => sum(done.payments.filter((p) => p.order === o.number).map((p) => p.minor));
  const quotes = done.quotes.filter((q) => within(q.at, s));
  const orders = placed.filter((o) => within(o.at, s));
  const due = placed.filter((o) => o.delivery >= d.first && o.delivery < d.after);
  const shipped = due.filter((o) => o.shippedAt && o.shippedAt < s.to);
  const overdue = due.filter((o) => o.delivery < d.after && !(o.shippedAt && o.shippedAt < s.to));
  const collect = placed.filter((o) => o.payDue >= d.first && o.payDue < d.after);
  const bySource = new Map<string, number>();
  for (const l of done.leads.filter((x) => within(x.at, s)))
    bySource.set(l.source, (bySource.get(l.source) ?? 0) + 1);
  return {
    customers: done.customers.filter((at) => within(at, s)).length,
    leads: done.leads.filter((l) => within(l.at, s)).length,
    bySource,
    quotes: { n: quotes.length, value: sum(quotes.map((q) => q.minor)) },
    orders: { n: orders.length, value: sum(orders.map((o) => o.minor)) },
    deliveries: { due: due.length, shipped: shipped.length, overdue: overdue.length },
    collections: {
      n: collect.length,
      value: sum(collect.map((o) => o.minor)),
      unpaid: sum(collect.map((o) => o.minor - paidOn(o))),
      received: sum(done.payments.filter((p) => within(p.at, s)).map((p) => p.minor)),
    },
  };
}

const money = (v: bigint) => formatMoney(v, 'CNY');
/** (+n), (−n) or (=), as the card's note explains them. */
function delta(a: bigint | number, b: bigint | number, m?: (v: bigint) => string): string {
  const x = BigInt(a) - BigInt(b);
  if (x === 0n) return '(=)';
  const abs = x < 0n ? -x : x;
  return `(${x > 0n ? '+' : '−'}${m ? m(abs) : abs})`;
}
const bare = (s: string) => s.slice(1, -1);

/** The four key lines of a summary, with amounts, in English or Chinese. */
function keyLines(s: Span, before: Span, l: 'en' | 'zh' = 'en'): string[] {
  const a = expected(s);
  const b = expected(before);
  const pair = (x: { n: number; value: bigint }, y: { n: number; value: bigint }) =>
    `${x.n} · ${money(x.value)} (${bare(delta(x.n, y.n))}, ${bare(delta(x.value, y.value, money))})`;
  const c = a.collections;
  const [dd, cd] = [delta(a.deliveries.due, b.deliveries.due), delta(c.value, b.collections.value, money)];
  const warn = a.deliveries.overdue ? ' ⚠️' : '';
  const received = delta(c.received, b.collections.received, money);
  if (l === 'zh')
    return [
      `新客户 ${a.customers} ${delta(a.customers, b.customers)} · 新线索 ${a.leads} ${delta(a.leads, b.leads)}`,
      `报价 ${pair(a.quotes, b.quotes)} · 订单 ${pair(a.orders, b.orders)}`,
      `交货：到期 ${a.deliveries.due} ${dd}，已发货 ${a.deliveries.shipped}，逾期 ${a.deliveries.overdue}${warn}`,
      `收款：到期 ${c.n} 单 ${money(c.value)} ${cd}，尚未收回 ${money(c.unpaid)}；到账 ${money(c.received)} ${received}`,
    ];
  return [
    `New customers ${a.customers} ${delta(a.customers, b.customers)} · new leads ${a.leads} ${delta(a.leads, b.leads)}`,
    `Quotes ${pair(a.quotes, b.quotes)} · orders ${pair(a.orders, b.orders)}`,
    `Deliveries due ${a.deliveries.due} ${dd}, shipped ${a.deliveries.shipped}, overdue ${a.deliveries.overdue}${warn}`,
    `Collections due ${c.n} orders ${money(c.value)} ${cd}, ${money(c.unpaid)} still unpaid; received ${money(c.received)} ${received}`,
  ];
}

const local = (s: string) => new Date(`${s}:00+08:00`);
const month = (m: string): Span => {
  const from = DateTime.fromISO(`${m}-01`, { zone: ZONE });
  return { from: from.toJSDate(), to: from.plus({ months: 1 }).toJSDate() };
};

describe.each([
  ['PostgreSQL', false],
  ['PGlite', true],
])('report week and report month on %s', (_, pglite) => {
  let d: Driver;
  let now = local('2026-10-12T09:00');
  /** The management chat's Monday summary: its occurrence and when it is due. */
  let weekly: { id: number; due: Date };
  /** The week that summary covers: the seven days before it. */
  let week: Span;

  async function say(user: string, text: string, expect?: RegExp): Promise<Msg> {
    const r = await d.say(user, text);
    if (expect && !expect.test(r.text)) throw new Error(`${text} → ${r.text}`);
    return r;
  }
  async function customer(user: string, name: string) {
    const r = await say(
      user,
      // A phone of its own: the same phone on two customers is asked about as a likely duplicate.
      `customer add name="${name}" contact="Zhang Wei" phone=138${String(10_000_000 + done.customers.length).slice(-8)}`,
      /registered/,
    );
    done.customers.push(now);
    return /C-\d{4}/.exec(r.text)![0];
  }
  async function lead(customerRef: string, source: string) {
    await say('li', `lead add customer=${customerRef} source=${source} desc="needs sensors"`, /registered/);
    done.leads.push({ at: now, source });
  }
  async function quote(customerRef: string, qty: number, price: number) {
    await say(
      'li',
      `quote new customer=${customerRef} item="Sensor | X2 | ${qty} | ${price}" valid=+30d`,
      /drafted/,
    );
    done.quotes.push({ at: now, minor: BigInt(qty * price * 100) });
  }
  /** An order drafted and, with `submit`, submitted and approved by the sales manager. */
  async function order(
    customerRef: string,
    qty: number,
    price: number,
    delivery: string,
    payDue: string,
    submit = true,
  ) {
    const r = await say(
      'li',
      `order new customer=${customerRef} item="Gateway | G1 | ${qty} | ${price}" delivery=${delivery} place=Shanghai payment="30 days" payment_due=${payDue}`,
      /drafted/,
    );
    const number = /SO-\d{4}/.exec(r.text)![0];
    if (submit) {
      const a = /A-\d{4}/.exec((await say('li', `order submit ${number}`, /submitted/)).text)![0];
      await say('wang', `approval approve ${a}`, /approved/);
    }
    const o: Order = { at: now, number, minor: BigInt(qty * price * 100), delivery, payDue, placed: submit };
    done.orders.push(o);
    return o;
  }
  async function ship(o: Order) {
    await say('sun', `order ack ${o.number}`, /Acknowledged/);
    await say('zhou', `order ship ${o.number} tracking=SF100 carrier=SF`, /shipped|Shipped/);
    o.shippedAt = now;
  }
  async function pay(o: Order, yuan: number) {
    await say('zhao', `order paid ${o.number} amount=${yuan}`, /Payment recorded/);
    done.payments.push({ at: now, order: o.number, minor: BigInt(yuan * 100) });
  }

  beforeAll(async () => {
    done.customers = [];
    done.leads = [];
    done.quotes = [];
    done.orders = [];
    done.payments = [];
    d = await startDriver({ pglite, clock: () => now });
    for (const p of ['li', 'chen', 'wang', 'zhao', 'sun', 'zhou', 'admin', 'xu'])
      await d.say(p, 'me lang=en');
    await d.say('admin', 'admin role @xu supervisor');
    // The Monday summaries were set up when the app started (housekeeping): one per chat, Monday 09:00.
    const [row] = await d.query<{ id: number; due_at: Date }>(
      `select o.id::int as id, o.due_at from reminder_occurrences o join reminders r on r.id = o.reminder_id
       where r.kind = 'weekly_summary' and r.target_department = 'management' and o.state = 'scheduled'`,
    );
    weekly = { id: row!.id, due: new Date(row!.due_at) };
    const start = DateTime.fromJSDate(weekly.due, { zone: ZONE }).minus({ weeks: 1 }).startOf('day');
    week = { from: start.toJSDate(), to: start.plus({ weeks: 1 }).toJSDate() };

    // October: the month before.
    now = local('2026-10-12T10:00');
    const old = await customer('li', 'Old Co');
    await lead(old, 'referral');
    const so1 = await order(old, 1, 500, '2026-10-30', '2026-10-31');
    // November.
    now = local('2026-11-03T10:00');
    const acme = await customer('li', 'Acme Ltd');
    const beta = await customer('li', 'Beta Co');
    await customer('chen', 'Gamma Ltd');
    now = local('2026-11-04T11:00');
    await lead(acme, 'expo');
    await lead(beta, 'expo');
    await lead(beta, 'online');
    now = local('2026-11-05T15:00');
    await quote(acme, 10, 35);
    await quote(beta, 4, 100);
    now = local('2026-11-09T10:00');
    const so2 = await order(acme, 2, 1200, '2026-11-20', '2026-11-25');
    await order(beta, 5, 300, '2026-11-27', '2026-12-10');
    // A draft is not an order placed, and its dates count nowhere.
    await order(beta, 1, 300, '2026-11-15', '2026-11-15', false);
    now = local('2026-11-16T14:00');
    await ship(so2);
    now = local('2026-11-20T10:00');
    await pay(so2, 1000);
    now = local('2026-11-26T10:00');
    await pay(so1, 500);
    // The week the Monday summary covers: a customer, a lead and an order on its Tuesday.
    now = new Date(week.from.getTime() + 34 * 3600_000);
    const delta = await customer('li', 'Delta Ltd');
    await lead(delta, 'expo');
    await order(delta, 3, 250, DateTime.fromJSDate(week.to, { zone: ZONE }).toISODate()!, '2027-02-01');
    // Reports are asked after it, on the Monday morning the summary is sent.
    now = new Date(weekly.due.getTime() + 3600_000);
  });
  afterAll(() => d?.close());

  it('report month: the figures of November against October, counted from what was done', async () => {
    const r = await d.say('admin', 'report month month=2026-11');
    const lines = r.text.split('\n');
    expect(lines[0]).toBe('📊 Monthly summary · November 2026; against the month before');
    expect(lines.slice(1, 5)).toEqual(keyLines(month('2026-11'), month('2026-10')));
    const nov = expected(month('2026-11'));
    const oct = expected(month('2026-10'));
    const sources = r.card!.fields.find((f) => f.label === 'Leads by source')!.value.split(', ');
    for (const [source, n] of nov.bySource)
      expect(sources).toContain(`${SOURCES[source]} ${n} ${delta(n, oct.bySource.get(source) ?? 0)}`);
    // A source of October's only is shown at 0 against it.
    for (const [source, n] of oct.bySource)
      if (!nov.bySource.has(source)) expect(sources).toContain(`${SOURCES[source]} 0 ${delta(0, n)}`);
    const top = r.card!.fields.find((f) => f.label === 'Top customers')!.value.split('\n');
    expect(top[0]).toBe(`1. C-0002 Acme Ltd · 1 order · ${money(2400_00n)}`);
    expect(top).toHaveLength(2);
  });

  it('report week: the week the Monday summary covers, against the week before', async () => {
    const day = DateTime.fromJSDate(week.from, { zone: ZONE }).toISODate()!;
    const r = await d.say('wang', `report week week=${day}`);
    const before = { from: new Date(week.from.getTime() - 7 * 86400_000), to: week.from };
    const lines = r.text.split('\n');
    expect(lines[0]).toMatch(/^📊 Weekly summary · week \d{4}-W\d\d \(.+\); against the week before$/);
    expect(lines.slice(1, 5)).toEqual(keyLines(week, before));
    // The week holds what the test did on its Tuesday and nothing of November's first weeks.
    expect(expected(week).customers).toBe(1);
  });

  it('supervisors, managers and admins may ask; a rep is refused, audited, and nothing else is written', async () => {
    expect((await d.say('xu', 'report month month=2026-11')).text).toMatch(
      /^📊 Monthly summary · November 2026/,
    );
    expect((await d.say('wang', 'report month month=2026-11')).text).toMatch(/^📊 Monthly summary/);
    const count = async () =>
      (await d.query<{ n: number }>(`select count(*)::int as n from audit_log`))[0]!.n;
    const before = await count();
    for (const text of ['report month month=2026-11', 'report week']) {
      const r = await d.say('li', text);
      expect(r.text).toMatch(
        new RegExp(`^A sales rep may not use "${text.split(' ').slice(0, 2).join(' ')}"`),
      );
      expect(r.card).toBeUndefined();
    }
    const rows = await d.query<{ action: string }>(`select action from audit_log order by id desc limit 2`);
    expect(rows.map((x) => x.action)).toEqual(['denied', 'denied']);
    expect(await count()).toBe(before + 2);
  });

  it('bad arguments and a month with nothing in it are answered', async () => {
    expect((await d.say('admin', 'report month month=2026-13')).text).toMatch(/month="2026-13" is not valid/);
    expect((await d.say('admin', 'report week week=someday')).text).toMatch(/week=someday is not a date/);
    expect((await d.say('admin', 'report month month=2030-01')).text).toMatch(/^2030-01 has not begun yet\./);
    const empty = await d.say('admin', 'report month month=2026-09');
    expect(empty.text).toContain('Nothing was recorded in this period');
  });

  it('speaks Chinese: 报表 月 and 报表 周', async () => {
    await d.say('admin', 'me lang=zh');
    const r = await d.say('admin', '报表 月 月份=2026-11');
    const lines = r.text.split('\n');
    expect(lines[0]).toBe('📊 月汇总 · 2026年11月；对比上月');
    expect(lines.slice(1, 5)).toEqual(keyLines(month('2026-11'), month('2026-10'), 'zh'));
    expect(r.card!.fields.map((f) => f.label)).toContain('线索来源');
    const day = DateTime.fromJSDate(week.from, { zone: ZONE }).toISODate()!;
    expect((await d.say('admin', `报表 周 所在周=${day}`)).text).toMatch(/^📊 周汇总 · \d{4} 年第 \d+ 周/);
    await d.say('admin', 'me lang=en');
  });

  it('help report, help kpi, help rectify and 帮助 报表 give the right help', async () => {
    const report = (await d.say('admin', 'help report')).text;
    expect(report).toMatch(/^report — meeting summaries and KPIs/);
    for (const usage of ['report week [week=2026-11-23]', 'report month [month=2026-11]', 'report kpi '])
      expect(report).toContain(usage);
    expect((await d.say('admin', 'help kpi')).text).toBe(report);
    expect((await d.say('admin', 'help rectify')).text).toMatch(
      /^rectify — rectification notices[\s\S]*rectify new @li/,
    );
    await d.say('admin', 'me lang=zh');
    const zh = (await d.say('admin', '帮助 报表')).text;
    expect(zh).toMatch(/^报表 — 会议汇总与绩效/);
    expect(zh).toContain('报表 月 [月份=2026-11]');
    expect((await d.say('admin', '帮助 考核')).text).toBe(zh);
    await d.say('admin', 'me lang=en');
  });

  it('the Monday 09:00 summary goes once to the management chat, with the week’s figures', async () => {
    expect(DateTime.fromJSDate(weekly.due, { zone: ZONE }).toFormat('EEE HH:mm')).toBe('Mon 09:00');
    // Housekeeping runs again every hour and at every start: still one summary per chat.
    await ensureWeeklySummaries(d.app.database.db, ZONE, now);
    const reminders = await d.query<{ target: string; n: number }>(
      `select target_department as target, count(*)::int as n from reminders
       where kind = 'weekly_summary' and state = 'active' group by 1 order by 1`,
    );
    expect(reminders).toEqual([
      { target: 'management', n: 1 },
      { target: 'sales', n: 1 },
    ]);
    expect(await fireOccurrence(d.app.database.db, weekly.id, weekly.due)).toBe('fired');
    // A second run (another worker, a re-added job) sends nothing more.
    expect(await fireOccurrence(d.app.database.db, weekly.id, weekly.due)).toBe('skipped');
    await d.app.delivery.drain();
    // The chats speak the organisation's language (Chinese here); amounts are shown (sales, management).
    const sent = (await d.messages('management')).filter((m) => m.text.includes('📊 周汇总'));
    expect(sent).toHaveLength(1);
    const before = { from: new Date(week.from.getTime() - 7 * 86400_000), to: week.from };
    const text = sent[0]!.text;
    for (const line of keyLines(week, before, 'zh')) expect(text).toContain(line);
    const delta5 = done.orders.at(-1)!;
    expect(text).toContain(`重点客户（按订单额）:\n1. C-0005 Delta Ltd · 1 单 · ${money(delta5.minor)}`);
    // The sales chat has not been sent the management chat's summary.
    expect((await d.messages('sales')).filter((m) => m.text.includes('📊 周汇总'))).toHaveLength(0);
  });
});
