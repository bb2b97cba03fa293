// The email adapter on its own, against a real SMTP server in the test process: its settings (off without
// SMTP_URL, a clear error naming a missing or wrong one, not a chat platform), the open-tracking image only
// with EMAIL_TRACK_OPENS=on, per-domain pacing (waits, never drops), what a 4xx and a 5xx mean, and links
// that serve one purpose each.
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
import { FakeSmtp } from './fakes/smtp.ts';

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

/** The contact services as the core gives them, over an in-memory directory of people and sent rows. */
function services(addresses: Record<string, string>) {
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

function adapter(e: Record<string, string>, addresses: Record<string, string>) {
  const settings = email.settings(e)!;
  const s = services(addresses);
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
    await a.post({ tenant: '', kind: 'user', id: '4' }, card('p2'), { idempotencyKey: 'outbox:202' });
    const third = a.post({ tenant: '', kind: 'user', id: '3' }, card('p3'), { idempotencyKey: 'outbox:203' });
    await expect(third).rejects.toBeInstanceOf(RetryLaterError);
    expect(failureKind(await third.catch((e) => e))).toBe('retry-later');
    // Another domain is not held up.
    await a.post({ tenant: '', kind: 'user', id: '5' }, card('p4'), { idempotencyKey: 'outbox:204' });
    expect(smtp.to('x@paced.test')).toHaveLength(1);
    expect(smtp.to('z@other.test')).toHaveLength(1);
  });

  it('a 4xx is retried, a 5xx tells the admin; a post without an outbox key or an address is given up', async () => {
    const { a } = adapter(env(), { '6': 'later@a.test', '7': 'never@a.test' });
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
