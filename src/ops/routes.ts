// The operations endpoints on the shared HTTP server: /healthz (alive), /readyz (ready, with each part's
// state) and /metrics (Prometheus; behind METRICS_TOKEN when set, as a bearer token).
import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { Metrics } from './metrics.ts';
import type { Readiness } from './readiness.ts';

export type OpsRoutes = {
  metrics: Metrics;
  ready: () => Promise<Readiness>;
  alive: () => Promise<Record<string, unknown>>;
  metricsToken?: string | undefined;
};

function sameToken(given: string, want: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function opsRoutes(o: OpsRoutes): Hono {
  const http = new Hono();
  http.get('/healthz', async (c) => c.json({ ok: true, ...(await o.alive()) }));
  http.get('/readyz', async (c) => {
    const r = await o.ready();
    return c.json(r, r.ready ? 200 : 503);
  });
  http.get('/metrics', async (c) => {
    if (o.metricsToken) {
      const auth = c.req.header('authorization') ?? '';
      const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      if (!sameToken(given, o.metricsToken))
        return c.text('metrics need the bearer token of METRICS_TOKEN\n', 401, {
          'www-authenticate': 'Bearer realm="metrics"',
        });
    }
    try {
      const { text, contentType } = await o.metrics.exposition();
      return c.body(text, 200, { 'content-type': contentType });
    } catch (err) {
      return c.text(`metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`, 503);
    }
  });
  return http;
}
