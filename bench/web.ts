// `npm run bench:web`: the web workspace's server time at 100,000 orders on PostgreSQL (issue 17, target
// p99 ≤ 200 ms): the dashboard, filtered order lists and the customer, lead and quote lists, requested over
// loopback HTTP as a signed-in sales manager and a sales rep would (the time includes rendering the page
// and the read audit it writes).
//
//   --orders 100000   orders over the 12 months before today
//   --people 200      people in all (the demo's 9 and sales reps)
//   --runs 50         timed requests of each page (after 5 untimed)
//   --keep            keep the database instead of dropping it
//
// Rows are written with INSERT … SELECT over generate_series, then ANALYZEd. It prints figures and never
// asserts: a benchmark, not a test.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { startApp } from '../src/app.ts';
import { dropDatabase, freshDatabaseUrl } from '../test/helpers/pg.ts';

const { values: opt } = parseArgs({
  options: {
    orders: { type: 'string', default: '100000' },
    people: { type: 'string', default: '200' },
    runs: { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
  },
});
const ORDERS = Number(opt.orders);
const REPS = Math.max(1, Number(opt.people) - 9);
const RUNS = Number(opt.runs);
const say = (line = '') => process.stdout.write(`${line}\n`);
const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
};

const url = await freshDatabaseUrl();
const app = await startApp({
  env: { DATABASE_URL: url, PORT: '0', CONSOLE: 'on', LOG_LEVEL: 'silent', QUEUE_WORKERS: 'on' },
  demo: true,
});
try {
  const t0 = performance.now();
  const db = app.database.db;
  const customers = Math.max(1, Math.round(ORDERS / 10));
  const statuses = `(array['confirmed','confirmed','in_production','shipped','completed','draft','pending','cancelled'])`;
  await db.transaction(async (tx) => {
    await tx.execute(
      sql.raw(`insert into people (handle, name, role, department_id)
        select 'rep' || g, 'Rep ' || g, 'sales_rep', (select id from departments where code = 'sales')
        from generate_series(1, ${REPS}) g`),
    );
    // Their console identities, so signing in as rep1 is that sales rep (not a new person without a role).
    await tx.execute(
      sql.raw(`insert into identities (person_id, platform, tenant, external_id)
        select id, 'console', '', handle from people where handle like 'rep%'`),
    );
    const reps = `(select array_agg(id order by id) as a from people where role = 'sales_rep')`;
    await tx.execute(
      sql.raw(`insert into customers (number, name, industry, created_by, owner_id)
        select 'C-' || lpad(g::text, 6, '0'), case when g % 2 = 0 then '客户' || g || '科技有限公司' else 'Customer ' || g || ' Ltd' end,
          'manufacturing', r.a[1 + g % ${REPS}], r.a[1 + g % ${REPS}]
        from generate_series(1, ${customers}) g, ${reps} r`),
    );
    await tx.execute(
      sql.raw(`insert into orders (number, customer_id, status, order_date, currency, total_minor, delivery_date,
          paid_minor, owner_id, created_at)
        select 'SO-' || lpad(g::text, 7, '0'), c.id, ${statuses}[1 + g % 8],
          current_date - (g % 365), 'CNY', 10000 + (g % 97) * 1000, current_date - (g % 365) + 20,
          case when g % 4 = 0 then 10000 else 0 end, c.owner_id, now() - ((g % 365) || ' days')::interval
        from generate_series(1, ${ORDERS}) g join customers c on c.number = 'C-' || lpad((1 + g % ${customers})::text, 6, '0')`),
    );
    await tx.execute(
      sql.raw(`insert into leads (number, prospect_name, source, status, owner_id, created_by)
        select 'L-' || lpad(g::text, 6, '0'), 'Prospect ' || g, (array['expo','online','referral','campaign'])[1 + g % 4],
          (array['new','assigned','following','converted','lost'])[1 + g % 5], r.a[1 + g % ${REPS}], r.a[1 + g % ${REPS}]
        from generate_series(1, ${Math.round(ORDERS / 5)}) g, ${reps} r`),
    );
    await tx.execute(
      sql.raw(`insert into quotes (number, customer_id, status, currency, total_minor, owner_id)
        select 'Q-' || lpad(g::text, 6, '0'), 1 + g % ${customers}, (array['draft','pending','approved','sent','accepted','rejected'])[1 + g % 6],
          'CNY', 10000 + g % 50 * 1000, r.a[1 + g % ${REPS}]
        from generate_series(1, ${Math.round(ORDERS / 3)}) g, ${reps} r`),
    );
  });
  await db.execute(sql`analyze`);
  say(
    `seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${ORDERS} orders, ${customers} customers, ${REPS} reps`,
  );

  /** Signs in as a console user through the link `web` answers with; returns the session cookie. */
  const signIn = async (handle: string) => {
    const [reply] = await app.core.handleMessage({
      user: { platform: 'console', tenant: '', externalId: handle },
      chat: { platform: 'console', tenant: '', chatId: `dm:${handle}`, kind: 'dm' },
      text: 'web',
    });
    const token = /sign-in\/([\w-]+)/.exec(reply!.text)![1]!;
    const res = await fetch(`${app.url}/app/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${token}`,
      redirect: 'manual',
    });
    return res.headers.getSetCookie()[0]!.split(';')[0]!;
  };
  const rep = (await db.execute(sql`select handle from people where handle = 'rep1'`)) as unknown as {
    handle: string;
  }[];
  const as = { manager: await signIn('wang'), rep: await signIn(rep[0]?.handle ?? 'li') };
  const pages: [string, keyof typeof as, string][] = [
    ['dashboard (manager)', 'manager', '/app'],
    ['dashboard (rep)', 'rep', '/app'],
    ['orders, newest first (manager)', 'manager', '/app/orders'],
    [
      'orders, status + date range (manager)',
      'manager',
      '/app/orders?status=confirmed&from=2026-01-01&to=2026-06-30',
    ],
    [
      'orders, search "科技" sorted by total (manager)',
      'manager',
      `/app/orders?q=${encodeURIComponent('科技')}&sort=total`,
    ],
    ['orders, page 200 (manager)', 'manager', '/app/orders?page=200'],
    ['orders, own (rep)', 'rep', '/app/orders?sort=delivery&dir=asc'],
    ['customers, newest first (manager)', 'manager', '/app/customers'],
    [
      'customers, search "科技" by name (manager)',
      'manager',
      `/app/customers?q=${encodeURIComponent('科技')}&sort=name&dir=asc`,
    ],
    ['customers, own (rep)', 'rep', '/app/customers'],
    ['leads, open (manager)', 'manager', '/app/leads?state=open'],
    ['quotes, by total (manager)', 'manager', '/app/quotes?sort=total'],
  ];
  say(`${RUNS} timed requests each (loopback HTTP, page rendered and read audit written):`);
  for (const [name, who, path] of pages) {
    const times: number[] = [];
    for (let i = 0; i < RUNS + 5; i++) {
      const t = performance.now();
      const res = await fetch(`${app.url}${path}`, { headers: { cookie: as[who] } });
      await res.text();
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      if (i >= 5) times.push(performance.now() - t);
    }
    say(
      `  ${name.padEnd(48)} median ${q(times, 0.5).toFixed(1)} ms, p90 ${q(times, 0.9).toFixed(1)} ms, p99 ${q(times, 0.99).toFixed(1)} ms`,
    );
  }
} finally {
  await app.close();
  if (!opt.keep) await dropDatabase(url);
  else say(`kept ${url}`);
}
