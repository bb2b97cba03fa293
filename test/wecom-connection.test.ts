// The single long connection: two replicas, one holds it (PostgreSQL advisory lock), the other does not
// fight for it and takes over within seconds when the holder dies; a kick from outside is not fought;
// a dropped connection reconnects with growing backoff.
import { type ChildProcess, spawn } from 'node:child_process';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { App } from '../src/app.ts';
import { outbox } from '../src/db/schema.ts';
import { BOT, People, SECRET, startWeComApp, stopWeComApp } from './fakes/wecom/app.ts';
import { FakeWeCom, waitFor } from './fakes/wecom/server.ts';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';

let fake: FakeWeCom;
let url: string;
let child: ChildProcess | undefined;
let b: App | undefined;

function startReplica(): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/fakes/wecom/replica.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: '0',
      CONSOLE: 'off',
      LOG_LEVEL: 'silent',
      ADMINS: 'wecom:boss',
      WECOM_BOT_ID: BOT,
      WECOM_BOT_SECRET: SECRET,
      WECOM_WS_URL: fake.wsUrl,
      WECOM_API_URL: fake.apiUrl,
      WECOM_LOCK_POLL_MS: '200',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(proc));
    proc.once('exit', (code) => reject(new Error(`replica exited ${code}`)));
  });
}

beforeAll(async () => {
  fake = await new FakeWeCom({ bots: { [BOT]: SECRET } }).start();
  url = await freshDatabaseUrl();
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await stopWeComApp(b, undefined);
  await fake?.close();
  await dropDatabase(url);
});

describe('two replicas, one connection', () => {
  it('the first replica holds the connection; the second stands by without subscribing', async () => {
    child = await startReplica();
    await waitFor(() => fake.isConnected(BOT), 10_000, 'replica A to connect');
    ({ app: b } = await startWeComApp(fake, { url, env: { WECOM_KICKED_RETRY_MS: '2000' } }));
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.subscribes.filter((s) => s.ok)).toHaveLength(1);
    expect(fake.frames.some((f) => f.frame.body?.event?.eventtype === 'disconnected_event')).toBe(false);
    // The standby is ready (it serves HTTP and stands by); /readyz says it does not hold the connection.
    const ready = (await (await fetch(`${b!.url}/readyz`)).json()) as {
      ready: boolean;
      parts: Record<string, { ok: boolean; detail?: string }>;
    };
    expect(ready.ready).toBe(true);
    expect(ready.parts.wecom?.detail).toMatch(/standby/);
  });

  it('the standby claims none of the robot’s messages: the holder sends them', async () => {
    // The robot may write to a person who has written to it (WeCom's rule, and the fake's).
    expect(await new People(fake).say('boss', 'help')).toBeTruthy();
    const db = b!.database.db;
    const [row] = await db
      .insert(outbox)
      .values({
        platform: 'wecom',
        tenant: BOT,
        targetKind: 'user',
        targetId: 'boss',
        op: 'post',
        payload: { text: 'from the outbox, sent by the holder' },
        locale: 'zh',
        audience: 'private',
      })
      .returning({ id: outbox.id });
    await b!.delivery.drain(); // the standby's own pass: leaves the row alone
    const [mid] = await db.select().from(outbox).where(eq(outbox.id, row!.id));
    expect(mid!.lastError).toBeNull(); // never claimed here, not even to be told "retry later"
    await waitFor(
      async () => (await db.select().from(outbox).where(eq(outbox.id, row!.id)))[0]!.state === 'sent',
      15_000,
      'the holder to send it',
    );
    const [done] = await db.select().from(outbox).where(eq(outbox.id, row!.id));
    expect({ attempts: done!.attempts, lastError: done!.lastError }).toEqual({
      attempts: 1,
      lastError: null,
    });
  });

  it('when the holder dies (kill -9) the standby takes over within seconds', async () => {
    const died = Date.now();
    child!.kill('SIGKILL');
    await waitFor(() => fake.subscribes.filter((s) => s.ok).length === 2, 10_000, 'replica B to subscribe');
    const took = fake.subscribes.at(-1)!.at - died;
    expect(took).toBeLessThan(5000);
    await waitFor(() => fake.isConnected(BOT), 5000, 'B connected');
    expect(await new People(fake).say('boss', 'help')).toBeTruthy();
    const ready = (await (await fetch(`${b!.url}/readyz`)).json()) as {
      parts: Record<string, { ok: boolean; detail?: string }>;
    };
    expect(ready.parts.wecom).toEqual({ ok: true, detail: 'long connection up' });
  });

  it('a kick by a connection from outside is not fought: the holder waits, and no replica races in', async () => {
    const intruder = new WebSocket(fake.wsUrl);
    await new Promise((r) => intruder.once('open', r));
    const kickedAt = Date.now();
    intruder.send(
      JSON.stringify({
        cmd: 'aibot_subscribe',
        headers: { req_id: 'aibot_subscribe_x' },
        body: { bot_id: BOT, secret: SECRET },
      }),
    );
    await new Promise((r) => setTimeout(r, 1200));
    // Only the intruder subscribed since; nobody of ours came back yet.
    expect(fake.subscribes.filter((s) => s.ok && s.at >= kickedAt)).toHaveLength(1);
    intruder.close();
    // After its wait (2 s here, 60 s by default, growing) the holder of the lock connects again.
    await waitFor(
      () => fake.subscribes.filter((s) => s.ok && s.at >= kickedAt).length === 2,
      8000,
      'reconnect',
    );
    expect(fake.subscribes.at(-1)!.at - kickedAt).toBeGreaterThanOrEqual(1900);
  });

  it('a dropped connection reconnects with a growing backoff', async () => {
    fake.refuseConnections = true;
    const from = fake.connectionsOpened.length;
    fake.dropConnection(BOT);
    await waitFor(() => fake.connectionsOpened.length - from >= 4, 15_000, 'four attempts');
    fake.refuseConnections = false;
    const t = fake.connectionsOpened.slice(from);
    const gaps = t.slice(1).map((x, i) => x - t[i]!);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThan(gaps[i - 1]! * 1.5);
    await waitFor(() => fake.isConnected(BOT), 15_000, 'reconnected');
    expect(await new People(fake).say('boss', 'help')).toBeTruthy();
  });

  it('a graceful stop lets go of the lock and the connection', async () => {
    await b!.close();
    b = undefined;
    await waitFor(() => !fake.isConnected(BOT), 5000, 'disconnected');
    child = await startReplica();
    await waitFor(() => fake.isConnected(BOT), 10_000, 'a new replica connects');
  });
});
