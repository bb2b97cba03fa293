// /healthz, /readyz and /metrics (issue 18) on a running app with PostgreSQL and Redis: readiness names
// each part's state, the metrics count commands by noun and outcome and read the queues from the database,
// and METRICS_TOKEN keeps /metrics to the one who has it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
let d: Driver;

beforeAll(async () => {
  d = await startDriver({
    env: {
      REDIS_URL: 'redis://127.0.0.1:6379/0',
      QUEUE_PREFIX: `sr-ops-${process.pid}`,
      METRICS_TOKEN: TOKEN,
    },
  });
});
afterAll(async () => {
  await d?.close();
});

const scrape = async () => {
  const res = await fetch(`${d.app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
};

/** The value of one sample of the exposition (labels in the order prom-client writes them). */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('/healthz and /readyz', () => {
  it('healthz says the process lives; readyz names the database and Redis, each ok', async () => {
    const h = await fetch(`${d.app.url}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ ok: true, database: 'postgres' });
    const r = await fetch(`${d.app.url}/readyz`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { ready: boolean; parts: Record<string, { ok: boolean; ms?: number }> };
    expect(body.ready).toBe(true);
    expect(body.parts.database?.ok).toBe(true);
    expect(body.parts.redis?.ok).toBe(true);
    expect(typeof body.parts.database?.ms).toBe('number');
  });

  it('readyz answers 503 with the part that is down', async () => {
    // Redis goes away under the app (its connection is closed): the next probe says so.
    const redis = d.app.queues.redis!;
    const original = redis.ping.bind(redis);
    redis.ping = (async () => {
      throw new Error('Connection is closed.');
    }) as typeof redis.ping;
    try {
      const r = await fetch(`${d.app.url}/readyz`);
      expect(r.status).toBe(503);
      const body = (await r.json()) as {
        ready: boolean;
        parts: Record<string, { ok: boolean; detail?: string }>;
      };
      expect(body.ready).toBe(false);
      expect(body.parts.redis).toEqual({ ok: false, detail: 'Connection is closed.' });
      expect(body.parts.database?.ok).toBe(true);
    } finally {
      redis.ping = original;
    }
  });
});

describe('/metrics', () => {
  it('asks for the token, and refuses a wrong one', async () => {
    expect((await fetch(`${d.app.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${d.app.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/Bearer/);
  });

  it('counts commands by noun and outcome, with their latency', async () => {
    const before = await scrape();
    const okBefore = sample(before, 'salesrelay_commands_total', 'noun="customer",outcome="ok"') ?? 0;
    await d.say('li', 'customer add name="Metrics Ltd" contact="Ms Gu" phone=13800009999');
    await d.say('li', 'customer list');
    // Refused by the flow (unknown customer), denied by permission (a rep is not an admin), not understood.
    await d.say('li', 'customer show C-9999');
    await d.say('li', 'admin role @chen sales_manager');
    await d.say('li', 'frobnicate everything');
    const after = await scrape();
    expect(sample(after, 'salesrelay_commands_total', 'noun="customer",outcome="ok"')).toBe(okBefore + 2);
    expect(
      sample(after, 'salesrelay_commands_total', 'noun="customer",outcome="refused"'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(after, 'salesrelay_commands_total', 'noun="admin",outcome="denied"'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(after, 'salesrelay_commands_total', 'noun="unknown",outcome="invalid"'),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'salesrelay_command_seconds_count', 'noun="customer"')).toBeGreaterThanOrEqual(3);
    expect(after).toMatch(/^salesrelay_process_cpu_seconds_total /m);
  });

  it('reads the outbox, approvals and dead letters from the database', async () => {
    await d.query(`insert into outbox (platform, target_kind, target_id, payload, state, created_at)
      values ('console', 'user', 'nobody', '{"text":"x"}', 'failed', now() - interval '1 hour')`);
    const quote = await d.say('li', 'quote new customer=C-0001 item="Sensor | X200 | 10 | 35.5" valid=+30d');
    const q = /Q-\d{4}/.exec(quote.text)?.[0];
    expect(q, quote.text).toBeDefined();
    await d.say('li', `quote submit ${q}`);
    const [{ n }] = (await d.query<{ n: number }>(
      `select count(*)::int as n from approvals where state = 'pending'`,
    )) as [{ n: number }];
    const [{ dead }] = (await d.query<{ dead: number }>(
      `select count(*)::int as dead from outbox where state = 'failed' and platform = 'console'`,
    )) as [{ dead: number }];
    const text = await scrape();
    expect(sample(text, 'salesrelay_approvals_waiting')).toBe(n);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'salesrelay_dead_letters', 'platform="console"')).toBe(dead);
    expect(sample(text, 'salesrelay_outbox_messages', 'platform="console",state="failed"')).toBe(dead);
  });
});
