// SMTP_URL and MAIL_FROM suffice: without EMAIL_LINK_SECRET the email adapter's signing key is generated
// once and kept in the database (services.kept, table channel_values), so two replicas on one database,
// and a restart, sign and check the same links and Message-IDs; an explicit EMAIL_LINK_SECRET still wins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailAdapter, LINK_SECRET } from '../adapters/email/index.ts';
import { type App, startApp } from '../src/app.ts';
import type { Message } from '../src/port/index.ts';
import { FakeSmtp } from './fakes/smtp.ts';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';

const smtp = new FakeSmtp();
let url = '';
const apps: App[] = [];

const start = async (extra: Record<string, string> = {}, demo = false) => {
  const app = await startApp({
    env: {
      DATABASE_URL: url,
      PORT: '0',
      CONSOLE: 'on',
      DATABASE_POOL_MAX: '3',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      MAIL_FROM: 'SalesRelay <bot@salesrelay.test>',
      ...extra,
    },
    demo,
  });
  apps.push(app);
  return app;
};
const emailOf = (app: App) => app.platforms.find((p) => p.platform === 'email') as EmailAdapter;
const rows = async <T>(app: App, sql: string): Promise<T[]> => {
  const { sql: raw } = await import('drizzle-orm');
  const r = (await app.database.db.execute(raw.raw(sql))) as unknown;
  return (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
};

beforeAll(async () => {
  await smtp.start();
  url = await freshDatabaseUrl();
}, 60_000);
afterAll(async () => {
  for (const a of apps) await a.close().catch(() => undefined);
  await smtp.stop();
  if (url) await dropDatabase(url);
});

const MESSAGE: Message = {
  text: 'SO-0001',
  locale: 'en',
  headline: 'SO-0001 approved: a kept key',
  card: {
    title: 'SO-0001',
    fields: [{ label: 'Order', value: 'SO-0001' }],
    actions: [{ id: 'run:order ack SO-0001', label: 'Acknowledge', style: 'primary' }],
  },
};

describe('the link key without EMAIL_LINK_SECRET', () => {
  let a: App;
  let b: App;
  let outboxId = 0;
  let link = '';

  it('two replicas on one database generate one key between them and sign the same Message-ID', async () => {
    // Both start at once, as replicas do: the first to ask keeps its key, the other reads it.
    [a, b] = await Promise.all([start({}, true), start()]);
    const kept = await rows<{ n: number; len: number }>(
      a,
      `select count(*)::int n, max(length(value))::int len from channel_values
        where platform = 'email' and name = '${LINK_SECRET}'`,
    );
    expect(kept[0]).toEqual({ n: 1, len: 64 });
    const [sun] = await rows<{ id: number }>(a, `select id from people where handle = 'sun'`);
    // A sent email to sun, as delivery leaves it.
    const [row] = await rows<{ id: number }>(
      a,
      `insert into outbox (platform, target_kind, target_id, op, payload, locale, audience, state, sent_at)
       values ('email', 'user', '${sun!.id}', 'post', '${JSON.stringify(MESSAGE)}'::jsonb, 'en', 'private',
               'sent', now()) returning id::int`,
    );
    outboxId = row!.id;
    await emailOf(a).post({ tenant: '', kind: 'user', id: String(sun!.id) }, MESSAGE, {
      idempotencyKey: `outbox:${outboxId}`,
    });
    const mail = smtp.to('sun@example.com').at(-1)!;
    expect(mail.messageId).toBe(await emailOf(b).messageId(outboxId));
    link = /\/email\/ack\/[\w.-]+/.exec(mail.text ?? '')![0];
  }, 60_000);

  it('a link signed by one replica opens at the other', async () => {
    const page = await fetch(`${b.url}${link}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
  });

  it('after a restart the same key is used', async () => {
    await a.close();
    apps.splice(apps.indexOf(a), 1);
    const c = await start();
    expect(await emailOf(c).messageId(outboxId)).toBe(await emailOf(b).messageId(outboxId));
    expect((await fetch(`${c.url}${link}`)).status).toBe(200);
    const kept = await rows<{ n: number }>(c, `select count(*)::int n from channel_values`);
    expect(kept[0]!.n).toBe(1);
  }, 60_000);

  it('an explicit EMAIL_LINK_SECRET wins over the kept key', async () => {
    const d = await start({ EMAIL_LINK_SECRET: 'an-explicit-secret-of-forty-characters-00' });
    expect(await emailOf(d).messageId(outboxId)).not.toBe(await emailOf(b).messageId(outboxId));
    const refused = await fetch(`${d.url}${link}`);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/not valid|无效/);
  }, 60_000);
});
