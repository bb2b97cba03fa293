// The email adapter on its own, against a real SMTP server in the test process: its settings (off without
// SMTP_URL, a clear error naming a missing or wrong one, not a chat platform), the open-tracking image only
// with EMAIL_TRACK_OPENS=on, per-domain pacing (waits, never drops; shared by processes through Redis),
// what a 4xx and a 5xx mean, and links that serve one purpose each.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailAdapter, email } from '../adapters/email/index.ts';
import { Links } from '../adapters/email/links.ts';
import { adapters } from '../adapters/index.ts';
import {
  ConfigError,
  failureKind,
  type Message,
  type PortServices,
  RetryLaterError,
  type SentMessage,
} from '../src/port/index.ts';
import { Limits } from '../src/queue/limits.ts';
import { FakeSmtp } from './fakes/smtp.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/11';

const SECRET = 'x'.repeat(40);
const smtp = new FakeSmtp();
beforeAll(() => smtp.start());
afterAll(() => smtp.stop());

const env = (extra: Record<string, string> = {}) => ({
  SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
  MAIL_FROM: 'SalesRelay <bot@salesrelay.test>',
  EMAIL_LINK_SECRET: SECRET,
  PUBLIC_URL: 'https://crm.example.test',
  ...extra,
});

/**
 * The contact services as the core gives them, over an in-memory directory of people and sent rows; the
 * pacing is the core's limits (this process's memory, or Redis as the core keeps them with REDIS_URL).
 */
function services(addresses: Record<string, string>, limits = new Limits()) {
  const opened: number[] = [];
  const contacts: PortServices['contacts'] = {
    async person(id) {
      const address = addresses[id];
      return address
        ? { personId: Number(id), name: `Person ${id}`, address, locale: 'en', active: true }
        : undefined;
    },
    async sent(): Promise<SentMessage | undefined> {
      return undefined;
    },
    async opened(id) {
      opened.push(id);
    },
    async press() {
      return { refused: 'not-found' as const };
    },
  };
  const s = {
    contacts,
    pacing: {
      take: (key: string, rate: { count: number; perMs: number }) => limits.takeOwn('email', key, rate),
    },
    kept: {
      async once() {
        throw new Error('EMAIL_LINK_SECRET is set: nothing is kept');
      },
    },
    org: async () => ({ timezone: 'Asia/Shanghai', locale: 'en' as const }),
  } as unknown as PortServices;
  return { services: s, opened };
}

const card = (title: string): Message => ({
  text: title,
  locale: 'en',
  headline: `SO-0099 approved: ${title}`,
  card: {
    title,
    fields: [{ label: 'Customer', value: 'C-0001 <b>Acme</b>' }],
    actions: [{ id: 'run:order ack SO-0099', label: 'Acknowledge', style: 'primary' }],
  },
});

function adapter(e: Record<string, string>, addresses: Record<string, string>, limits?: Limits) {
  const settings = email.settings(e)!;
  const s = services(addresses, limits);
  return { a: new EmailAdapter(settings, s.services, pino({ level: 'silent' }), e), opened: s.opened };
}

describe('settings', () => {
  it('without SMTP_URL email is off and it is not a chat platform either way', () => {
    expect(email.settings({})).toBeNull();
    expect(adapters.configured(env())).not.toContain('email');
    expect(adapters.contactChannels(env())).toEqual(['email']);
    expect(adapters.contactChannels({})).toEqual([]);
  });

  it('a missing or wrong setting is named', () => {
    const { MAIL_FROM: _, ...noFrom } = env();
    expect(() => email.settings(noFrom)).toThrow(ConfigError);
    expect(() => email.settings(noFrom)).toThrow(/MAIL_FROM/);
    expect(() => email.settings(env({ EMAIL_LINK_SECRET: 'short' }))).toThrow(/EMAIL_LINK_SECRET/);
    // Without EMAIL_LINK_SECRET the key is generated and kept in the database (test/email-secret.test.ts).
    const { EMAIL_LINK_SECRET: __, ...noSecret } = env();
    expect(email.settings(noSecret)).toMatchObject({ secret: undefined });
    expect(() => email.settings(env({ SMTP_URL: 'http://smtp.example.com' }))).toThrow(/SMTP_URL/);
    expect(() => email.settings(env({ EMAIL_TRACK_OPENS: 'yes' }))).toThrow(/EMAIL_TRACK_OPENS/);
    const s = email.settings(env())!;
    expect(s).toMatchObject({ ackDays: 14, trackOpens: false, fromDomain: 'salesrelay.test' });
    expect(s.baseUrl).toBe('https://crm.example.test');
  });
});

describe('sending', () => {
  it('no tracking image by default; with EMAIL_TRACK_OPENS=on one, whose loading records the opening', async () => {
    const plain = adapter(env(), { '1': 'one@a.test' });
    await plain.a.post({ tenant: '', kind: 'user', id: '1' }, card('plain'), {
      idempotencyKey: 'outbox:101',
    });
    const m1 = smtp.to('one@a.test')[0]!;
    expect(m1.subject).toBe('SO-0099 approved: plain');
    expect(m1.html).not.toContain('/email/open/');
    expect(m1.html).toContain('C-0001 &lt;b&gt;Acme&lt;/b&gt;');
    expect(m1.text).toContain('https://crm.example.test/email/ack/101.');

    const tracked = adapter(env({ EMAIL_TRACK_OPENS: 'on' }), { '2': 'two@a.test' });
    await tracked.a.post({ tenant: '', kind: 'user', id: '2' }, card('tracked'), {
      idempotencyKey: 'outbox:102',
    });
    const m2 = smtp.to('two@a.test')[0]!;
    const pixel = /https:\/\/crm\.example\.test(\/email\/open\/[\w.-]+\.gif)/.exec(m2.html || '')![1]!;
    const app = tracked.a.routes();
    const res = await app.request(pixel, { headers: { host: 'crm.example.test' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(tracked.opened).toEqual([102]);
    // An altered image link still answers an image, and records nothing.
    await app.request(pixel.replace('102.', '103.'), { headers: { host: 'crm.example.test' } });
    expect(tracked.opened).toEqual([102]);
  });

  it('emails to one domain are paced: over the limit the send waits (RetryLaterError), nothing is lost', async () => {
    const { a } = adapter(env({ EMAIL_PER_DOMAIN_PER_MINUTE: '2' }), {
      '3': 'x@paced.test',
      '4': 'y@paced.test',
      '5': 'z@other.test',
    });
    await a.post({ tenant: '', kind: 'user', id: '3' }, card('p1'), { idempotencyKey: 'outbox:201' });
    // Two a minute: one each half minute (a little more), to any address of the domain.
    const second = a.post({ tenant: '', kind: 'user', id: '4' }, card('p2'), {
      idempotencyKey: 'outbox:202',
    });
    const waited = await second.catch((e) => e);
    expect(waited).toBeInstanceOf(RetryLaterError);
    expect(failureKind(waited)).toBe('retry-later');
    expect(waited.afterMs).toBeGreaterThan(25_000);
    expect(waited.afterMs).toBeLessThanOrEqual(31_000);
    // Another domain is not held up.
    await a.post({ tenant: '', kind: 'user', id: '5' }, card('p4'), { idempotencyKey: 'outbox:204' });
    expect(smtp.to('x@paced.test')).toHaveLength(1);
    expect(smtp.to('y@paced.test')).toHaveLength(0);
    expect(smtp.to('z@other.test')).toHaveLength(1);
  });

  it('the pacing per domain is shared by every process through Redis (REDIS_URL), as the chat platforms’ limits', async () => {
    const prefix = `sr-test-${randomBytes(4).toString('hex')}`;
    const r1 = new Redis(REDIS_URL);
    const r2 = new Redis(REDIS_URL);
    try {
      // Two processes: each its own adapter and its own limits, one Redis.
      const e = env({ EMAIL_PER_DOMAIN_PER_MINUTE: '6' });
      const addresses = { '8': 'one@shared.test', '9': 'two@shared.test' };
      const { a: first } = adapter(e, addresses, new Limits({ redis: r1, prefix }));
      const { a: second } = adapter(e, addresses, new Limits({ redis: r2, prefix }));
      await first.post({ tenant: '', kind: 'user', id: '8' }, card('s1'), { idempotencyKey: 'outbox:401' });
      const waited = await second
        .post({ tenant: '', kind: 'user', id: '9' }, card('s2'), { idempotencyKey: 'outbox:402' })
        .catch((x) => x);
      expect(waited).toBeInstanceOf(RetryLaterError);
      expect(waited.afterMs).toBeGreaterThan(5_000);
      expect(smtp.to('two@shared.test')).toHaveLength(0);
      // Another process with memory limits only would have sent it: the wait came from Redis.
      const { a: alone } = adapter(e, addresses);
      await alone.post({ tenant: '', kind: 'user', id: '9' }, card('s3'), { idempotencyKey: 'outbox:403' });
      expect(smtp.to('two@shared.test')).toHaveLength(1);
    } finally {
      const keys = await r1.keys(`${prefix}:*`);
      if (keys.length) await r1.del(...keys);
      r1.disconnect();
      r2.disconnect();
    }
  });

  it('a 4xx is retried, a 5xx tells the admin; a post without an outbox key or an address is given up', async () => {
    // Pacing per domain out of the way (a send that fails takes its slot too).
    const { a } = adapter(env({ EMAIL_PER_DOMAIN_PER_MINUTE: '60000' }), {
      '6': 'later@a.test',
      '7': 'never@a.test',
    });
    smtp.refuse('later@a.test', 451, 'Greylisted, try again', 1);
    smtp.refuse('never@a.test', 550, 'Mailbox unavailable');
    const t6 = { tenant: '', kind: 'user' as const, id: '6' };
    const soft = await a.post(t6, card('g'), { idempotencyKey: 'outbox:301' }).catch((e) => e);
    expect(failureKind(soft)).toBe('retry');
    expect(String(soft.message)).toMatch(/451/);
    await a.post(t6, card('g'), { idempotencyKey: 'outbox:301' });
    expect(smtp.to('later@a.test')).toHaveLength(1);
    const hard = await a
      .post({ tenant: '', kind: 'user', id: '7' }, card('h'), { idempotencyKey: 'outbox:302' })
      .catch((e) => e);
    expect(failureKind(hard)).toBe('tell-admin');
    expect(hard.advice.en).toMatch(/admin person/);
    expect(failureKind(await a.post(t6, card('k')).catch((e) => e))).toBe('give-up');
    expect(
      failureKind(
        await a
          .post({ tenant: '', kind: 'user', id: '99' }, card('k'), { idempotencyKey: 'outbox:303' })
          .catch((e) => e),
      ),
    ).toBe('give-up');
  });

  it('the same outbox row gives the same Message-ID; another row another', async () => {
    const { a } = adapter(env(), {});
    expect(await a.messageId(5)).toBe(await a.messageId(5));
    expect(await a.messageId(5)).not.toBe(await a.messageId(6));
    expect(await a.messageId(5)).toMatch(/^<sr\.5\.[0-9a-f]{16}@salesrelay\.test>$/);
  });
});

describe('links', () => {
  it('serve one purpose, one row, until their expiry', () => {
    const links = new Links(SECRET);
    const now = new Date('2026-12-03T00:00:00Z');
    const later = new Date('2026-12-17T00:00:00Z');
    const ack = links.sign('ack', 7, later);
    expect(links.check('ack', ack, now)).toMatchObject({ ok: true, outboxId: 7 });
    expect(links.check('open', ack, now)).toEqual({ ok: false, reason: 'tampered' });
    expect(links.check('ack', ack, later)).toEqual({ ok: false, reason: 'expired' });
    expect(links.check('ack', ack.replace(/^7\./, '8.'), now)).toEqual({ ok: false, reason: 'tampered' });
    expect(new Links('y'.repeat(40)).check('ack', ack, now)).toEqual({ ok: false, reason: 'tampered' });
    expect(links.check('ack', 'garbage', now)).toEqual({ ok: false, reason: 'tampered' });
  });
});
