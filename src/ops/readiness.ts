// /readyz: whether this process can do its work now — the database answers, Redis answers when configured,
// and each configured platform's connection is up where its adapter can tell. A load balancer or a
// Kubernetes readiness probe stops sending it requests while it is not ready; /healthz says only that it lives.
import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Db } from '../db/client.ts';
import type { ChannelAdapter } from '../port/index.ts';

export type PartState = { ok: boolean; detail?: string; ms?: number };
export type Readiness = { ready: boolean; parts: Record<string, PartState> };

const TIMEOUT_MS = 2000;

async function timed(check: () => Promise<string | undefined>): Promise<PartState> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      }),
    ]);
    return { ok: true, ms: Math.round(performance.now() - t0), ...(detail ? { detail } : {}) };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export async function readiness(parts: {
  db: Db;
  databaseKind: string;
  redis?: Redis | undefined;
  platforms: ChannelAdapter[];
}): Promise<Readiness> {
  const out: Record<string, PartState> = {};
  out.database = await timed(async () => {
    await parts.db.execute(sql`select 1`);
    return parts.databaseKind;
  });
  if (parts.redis) {
    const redis = parts.redis;
    out.redis = await timed(async () => {
      const pong = await redis.ping();
      if (pong !== 'PONG') throw new Error(`answered ${pong}`);
      return undefined;
    });
  }
  for (const p of parts.platforms) {
    const state = p.connection?.();
    out[p.platform] = state ?? { ok: true, detail: 'no long connection (requests come over HTTP)' };
  }
  return { ready: Object.values(out).every((s) => s.ok), parts: out };
}
