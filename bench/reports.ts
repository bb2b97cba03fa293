// `npm run bench:reports`: the monthly reports over a generated organisation on PostgreSQL (issue 14,
// target "report ≤ 2 s"): `report kpi month=…` and `report month month=…` through Core.handleMessage, as
// an admin types them, against baselines measured in the same run over the same rows.
//
//   --orders 100000   orders over the 12 months before this one (4 distributions each, ~80 % acknowledged)
//   --messages 10     delivered messages (outbox rows, sent) per order: the distributions' cards and others
//   --people 200      people in all (the demo's 9 and sales reps)
//   --runs 10         timed runs of each report per round
//   --rounds 3        baseline and reports alternate (B R B R … B), so both see the same machine
//   --keep            keep the database instead of dropping it
//
// The rows are written with bulk INSERT … SELECT over generate_series (not through commands), then
// ANALYZEd. Baselines: `select count(*) from outbox` (the issue's: one count over every delivered message)
// and a plain aggregate of the same month's transfers (distributions joined to their cards' delivery, grouped
// by department: count, delivered, acknowledged), the least a timeliness figure has to read.
// It prints figures and never asserts: a benchmark, not a test.
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import pino from 'pino';
import postgres from 'postgres';
import { Core } from '../src/core/engine.ts';
import type { ChatRef, InboundUser } from '../src/core/inbound.ts';
import { openDatabase } from '../src/db/client.ts';
import { createDemoIfEmpty, PLATFORM } from '../src/db/demo.ts';
import { seedBasics } from '../src/db/seed.ts';
import { Delivery } from '../src/delivery/index.ts';
import { commandTable } from '../src/flows/index.ts';
import { dropDatabase, freshDatabaseUrl } from '../test/helpers/pg.ts';

const { values: opt } = parseArgs({
  options: {
    orders: { type: 'string', default: '100000' },
    messages: { type: 'string', default: '10' },
    people: { type: 'string', default: '200' },
    runs: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
  },
});
const ORDERS = Number(opt.orders);
const MESSAGES = Math.max(4, Number(opt.messages));
const PEOPLE = Number(opt.people);
const RUNS = Number(opt.runs);
const ROUNDS = Math.max(1, Number(opt.rounds));
const TARGET_MS = 2000;
const ZONE = 'Asia/Shanghai';

const say = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits });
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
const summary = (xs: number[]) =>
  `median ${fmt(quantile(xs, 0.5), 1)} ms, p90 ${fmt(quantile(xs, 0.9), 1)} ms`;

/** The 12 whole months before the current one, in the organisation's zone; the last is the one reported. */
const thisMonth = DateTime.now().setZone(ZONE).startOf('month');
const first = thisMonth.minus({ months: 12 });
const REPORT_MONTH = thisMonth.minus({ months: 1 }).toFormat('yyyy-MM');

async function seed(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const t0 = performance.now();
  const from = first.toUTC().toISO()!;
  const span = `(timestamptz '${thisMonth.toUTC().toISO()}' - timestamptz '${from}')`;
  // A point in the 12 months for row i of n, spread evenly, with a jitter of the hour.
  const when = (i: string, n: number) =>
    `timestamptz '${from}' + ${span} * ((${i} - 1)::float8 / ${n}) + (((${i}::bigint * 7919) % 3600) || ' s')::interval`;
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe(`
        insert into people (handle, name, role, department_id)
        select 'rep' || g, 'Rep ' || g, 'sales_rep', (select id from departments where code = 'sales')
        from generate_series(1, ${Math.max(0, PEOPLE - 9)}) g`);
      const customers = Math.max(1, Math.round(ORDERS / 10));
      await tx.unsafe(`
        insert into customers (number, name, industry, address, created_by, owner_id, created_at)
        select 'C-' || lpad(g::text, 6, '0'), 'Customer ' || g, 'manufacturing',
          case when g % 3 = 0 then null else 'Shanghai' end,
          r.id, r.id, ${when('g', customers)}
        from generate_series(1, ${customers}) g
        join lateral (select id from people where role = 'sales_rep' order by id offset (g % ${Math.max(1, PEOPLE - 9)}) limit 1) r on true`);
      const reps = `(select array_agg(id order by id) from people where role = 'sales_rep')`;
      await tx.unsafe(`
        insert into orders (number, customer_id, status, order_date, currency, total_minor, delivery_date,
          delivery_place, payment_terms, payment_due_date, paid_minor, shipped_at, owner_id, created_at)
        select 'SO-' || lpad(g::text, 7, '0'), 1 + (g % ${customers}), 'confirmed',
          (t at time zone '${ZONE}')::date, 'CNY', 10000 + (g % 97) * 1000,
          (t at time zone '${ZONE}')::date + 20, case when g % 5 = 0 then null else 'Shanghai' end,
          '30 days', (t at time zone '${ZONE}')::date + 30, case when g % 4 = 0 then 10000 else 0 end,
          case when g % 3 = 0 then t + interval '18 days' end,
          (${reps})[1 + g % ${Math.max(1, PEOPLE - 9)}], t
        from (select g, ${when('g', ORDERS)} as t from generate_series(1, ${ORDERS}) g) s`);
      // Four departments per approved order, its card delivered minutes later, most acknowledged in hours.
      await tx.unsafe(`
        insert into distributions (subject_type, subject_id, subject_ref, kind, department_id, sent_at, acked_by, acked_at)
        select 'order', o.id, o.number, 'order', d.id, o.created_at + interval '10 minutes',
          case when (o.id + d.id) % 5 <> 0 then h.id end,
          case when (o.id + d.id) % 5 <> 0 then o.created_at + ((o.id % 30) || ' hours')::interval end
        from orders o
        cross join departments d
        left join lateral (select id from people where department_id = d.id and role = 'head' limit 1) h on true
        where d.code in ('marketing', 'service', 'finance', 'production')`);
      await tx.unsafe(`
        insert into outbox (platform, target_kind, target_id, op, card_key, payload, state, created_at, sent_at)
        select 'console', 'chat', d.code, 'post', 'dist:' || x.id, '{}'::jsonb, 'sent',
          x.sent_at, x.sent_at + ((x.id % 120) || ' seconds')::interval
        from distributions x join departments d on d.id = x.department_id`);
      // The rest of the delivered messages: reminders, replies and other cards, to users.
      const others = ORDERS * (MESSAGES - 4);
      if (others > 0)
        await tx.unsafe(`
          insert into outbox (platform, target_kind, target_id, op, payload, state, created_at, sent_at)
          select 'console', 'user', 'rep' || (g % 190), 'post', '{}'::jsonb, 'sent', t, t + interval '1 second'
          from (select g, ${when('g', others)} as t from generate_series(1, ${others}) g) s`);
      const leads = Math.round(ORDERS / 5);
      await tx.unsafe(`
        insert into leads (number, prospect_name, source, status, owner_id, assigned_at, follow_due_at, created_by, created_at)
        select 'L-' || lpad(g::text, 6, '0'), 'Prospect ' || g, (array['expo','online','referral','campaign'])[1 + g % 4],
          'assigned', (${reps})[1 + g % ${Math.max(1, PEOPLE - 9)}], t + interval '20 hours', t + interval '3 days',
          (select id from people where handle = 'wang'), t
        from (select g, ${when('g', leads)} as t from generate_series(1, ${leads}) g) s`);
      // Payments: one per paid order, a week after it.
      await tx.unsafe(`
        insert into record_history (entity, entity_id, field, old_value, new_value, at)
        select 'order', id, 'paid_minor', '0', paid_minor::text, created_at + interval '7 days'
        from orders where paid_minor > 0`);
    });
    await sql.unsafe('analyze');
    const [counts] = await sql<{ orders: number; distributions: number; outbox: number; people: number }[]>`
      select (select count(*) from orders)::int as orders, (select count(*) from distributions)::int as distributions,
        (select count(*) from outbox)::int as outbox, (select count(*) from people)::int as people`;
    say(
      `seeded in ${fmt((performance.now() - t0) / 1000, 1)} s: ${fmt(counts!.people)} people, ${fmt(counts!.orders)} orders, ${fmt(counts!.distributions)} distributions, ${fmt(counts!.outbox)} delivered messages, over ${first.toFormat('yyyy-MM')} … ${REPORT_MONTH}`,
    );
  } finally {
    await sql.end();
  }
}

async function main() {
  say(
    `bench:reports · ${cpus().length} CPUs · load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} · ${new Date().toISOString()}`,
  );
  const url = await freshDatabaseUrl();
  say(`database ${new URL(url).pathname.slice(1)}`);
  const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'error' });
  const database = await openDatabase({ databaseUrl: url, maxConnections: 4 });
  const raw = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await database.migrate();
    await seedBasics(database.db, { name: 'Bench Co', timezone: ZONE, locale: 'zh', currency: 'CNY' });
    await createDemoIfEmpty(database.db);
    await seed(url);
    const core = new Core({
      db: database.db,
      config: { admins: [] },
      log: log.child({ part: 'core' }),
      delivery: new Delivery(database.db, log.child({ part: 'delivery' })),
      commands: commandTable(),
    });
    const user: InboundUser = { platform: PLATFORM, tenant: '', externalId: 'admin', name: 'admin' };
    const chat: ChatRef = {
      platform: PLATFORM,
      tenant: '',
      chatId: 'dm:admin',
      kind: 'dm',
      title: 'dm:admin',
    };
    const ask = async (text: string, expect: RegExp) => {
      const t = performance.now();
      const [r] = await core.handleMessage({ user, chat, text });
      const ms = performance.now() - t;
      if (!r || !expect.test(r.text)) throw new Error(`${text} → ${r?.text}`);
      return ms;
    };
    await ask('me lang=en', /^Saved\./);
    const kpi = `report kpi month=${REPORT_MONTH}`;
    const month = `report month month=${REPORT_MONTH}`;
    const monthStart = thisMonth.minus({ months: 1 });
    const [f, t] = [monthStart.toUTC().toISO()!, thisMonth.toUTC().toISO()!];
    const baselines = {
      'count(*) over the messages': () => raw.unsafe('select count(*) from outbox'),
      "the month's transfers, plain aggregate": () =>
        raw.unsafe(
          `select x.department_id, count(*), count(o.sent_at), count(x.acked_at),
             percentile_cont(0.5) within group (order by extract(epoch from x.acked_at - o.sent_at))
           from distributions x left join outbox o on o.card_key = 'dist:' || x.id and o.op = 'post'
           where x.sent_at >= $1 and x.sent_at < $2 group by 1`,
          [f, t],
        ),
    };
    // Warm-up: each once (plans, caches, the JIT).
    const first = { kpi: await ask(kpi, /^KPIs /), month: await ask(month, /^📊 Monthly summary/) };
    say(`first run (cold): ${kpi} ${fmt(first.kpi)} ms, ${month} ${fmt(first.month)} ms`);
    const times: Record<string, number[]> = { [kpi]: [], [month]: [] };
    for (const name of Object.keys(baselines)) times[name] = [];
    const baselineRound = async () => {
      for (const [name, q] of Object.entries(baselines))
        for (let i = 0; i < RUNS; i++) {
          const t0 = performance.now();
          await q();
          times[name]!.push(performance.now() - t0);
        }
    };
    await baselineRound();
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < RUNS; i++) times[kpi]!.push(await ask(kpi, /^KPIs /));
      for (let i = 0; i < RUNS; i++) times[month]!.push(await ask(month, /^📊 Monthly summary/));
      await baselineRound();
    }
    say();
    say(`| figure | ${RUNS * ROUNDS} runs (baselines ${RUNS * (ROUNDS + 1)}) | × count(*) | target |`);
    say('| --- | --- | --- | --- |');
    const base = quantile(times['count(*) over the messages']!, 0.5);
    for (const [name, xs] of Object.entries(times)) {
      const med = quantile(xs, 0.5);
      const target = name.startsWith('report')
        ? quantile(xs, 0.9) <= TARGET_MS
          ? '≤ 2 s: met'
          : '≤ 2 s: **miss**'
        : '';
      say(`| ${name} | ${summary(xs)} | ${fmt(med / base, 1)} × | ${target} |`);
    }
    say(
      `load at the end: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await raw.end();
    await database.close();
    if (!opt.keep) await dropDatabase(url);
  }
}

await main();
