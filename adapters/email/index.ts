// Email: one more delivery channel behind the port (issue 16, R-CHAN-3). Its recipients are people by the
// address they gave (services.contacts), sent in addition to the chat card, never instead. Each email is
// multipart text + HTML with a signed, single-use acknowledge link that presses the card's button as the
// recipient; an open-tracking image only with EMAIL_TRACK_OPENS=on. The links are served on the shared
// HTTP server (routes()).
import { createHmac, randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import {
  BrowserGuard,
  type ChannelAdapter,
  declareAdapter,
  type Locale,
  type Message,
  PermanentDeliveryError,
  type PortServices,
  type PostedRef,
  type PostOptions,
  type PostTarget,
  RetryLaterError,
} from '../../src/port/index.ts';
import { type EmailSettings, emailSchema, loadEmailSettings } from './config.ts';
import { deliveryError } from './errors.ts';
import { Links } from './links.ts';
import { page } from './pages.ts';
import { renderEmail } from './render.ts';

export const PLATFORM = 'email';

export const email = declareAdapter<EmailSettings>({
  name: PLATFORM,
  configured: (env) => Boolean(env.SMTP_URL?.trim()),
  settings: loadEmailSettings,
  schema: emailSchema,
  capabilities: {
    // An email cannot carry live buttons: its one action is a signed link to a confirmation page.
    cards: false,
    updateInPlace: 'never',
    forms: false,
    privateReplies: false,
    mentions: false,
    // SMTP checks no key; a re-send carries the same Message-ID, which clients use to drop the copy.
    idempotentSends: false,
    contactAddress: true,
  },
  limits: {
    // One recipient: one a second at most; the server as a whole: most providers allow ~10 a second.
    // Per recipient domain: EMAIL_PER_DOMAIN_PER_MINUTE (services.pacing, shared like these).
    rate: { perChat: { count: 1, perMs: 1000 }, perApp: { count: 10, perMs: 1000 } },
    text: { maxText: 200_000, unit: 'chars', maxButtons: 1 },
  },
  create: (settings, ctx) =>
    new EmailAdapter(settings, ctx.services, ctx.log.child({ platform: PLATFORM }), ctx.env),
});

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const DAY_MS = 24 * 3600_000;

export type EmailTransport = Pick<Transporter, 'sendMail' | 'close'>;

/** The name the generated link key is kept under (services.kept), when EMAIL_LINK_SECRET is not set. */
export const LINK_SECRET = 'link-secret';

export class EmailAdapter implements ChannelAdapter {
  readonly platform = PLATFORM;
  private keyRead: Promise<{ secret: string; links: Links }> | null = null;
  private readonly transport: EmailTransport;
  private readonly guard: BrowserGuard;

  constructor(
    private readonly settings: EmailSettings,
    private readonly services: PortServices,
    private readonly log: Logger,
    env: Record<string, string | undefined>,
    opts: { transport?: EmailTransport; now?: () => Date } = {},
  ) {
    this.transport = opts.transport ?? nodemailer.createTransport(settings.smtpUrl);
    this.now = opts.now ?? (() => new Date());
    this.guard = new BrowserGuard({ listenHost: env.HOST ?? '127.0.0.1', publicUrl: env.PUBLIC_URL });
  }

  private readonly now: () => Date;

  /**
   * The key links and Message-IDs are signed with: EMAIL_LINK_SECRET, or else one generated once and kept
   * in the database, so every replica and every restart signs and checks with the same key.
   */
  private key(): Promise<{ secret: string; links: Links }> {
    this.keyRead ??= (
      this.settings.secret
        ? Promise.resolve(this.settings.secret)
        : this.services.kept.once(LINK_SECRET, () => randomBytes(32).toString('hex'))
    )
      .then((secret) => ({ secret, links: new Links(secret) }))
      .catch((err) => {
        this.keyRead = null;
        throw err;
      });
    return this.keyRead;
  }

  async start(): Promise<void> {
    await this.key();
  }

  async stop(): Promise<void> {
    this.transport.close();
  }

  /** The Message-ID of an outbox row: the same on every re-send, distinct between deployments (keyed). */
  async messageId(outboxId: number): Promise<string> {
    const { secret } = await this.key();
    const tag = createHmac('sha256', secret).update(`message-id:${outboxId}`).digest('hex');
    return `<sr.${outboxId}.${tag.slice(0, 16)}@${this.settings.fromDomain}>`;
  }

  async post(target: PostTarget, message: Message, opts?: PostOptions): Promise<PostedRef> {
    const outboxId = Number(/^outbox:(\d+)$/.exec(opts?.idempotencyKey ?? '')?.[1] ?? Number.NaN);
    if (target.kind !== 'user' || !Number.isSafeInteger(outboxId))
      throw new PermanentDeliveryError('email goes to a person, from the outbox');
    const person = await this.services.contacts.person(target.id);
    if (!person) throw new PermanentDeliveryError(`person ${target.id} has no email address`);
    if (!person.active) throw new PermanentDeliveryError(`person ${target.id} has left`);
    const domain = person.address.split('@')[1]!.toLowerCase();
    // Per recipient domain, shared by every process (the core's limits, through Redis with REDIS_URL).
    const wait = await this.services.pacing.take(`domain:${domain}`, {
      count: this.settings.perDomainPerMinute,
      perMs: 60_000,
    });
    if (wait > 0) throw new RetryLaterError(`pacing mail to ${domain}`, wait);
    const { links } = await this.key();
    const locale: Locale = message.locale ?? person.locale;
    const action = message.card?.actions[0];
    const expires = new Date(this.now().getTime() + this.settings.ackDays * DAY_MS);
    const { timezone } = await this.services.org();
    const rendered = renderEmail(message, locale, {
      ...(action
        ? {
            ack: {
              url: `${this.settings.baseUrl}/email/ack/${links.sign('ack', outboxId, expires)}`,
              label: action.label,
              expires: when(expires, timezone),
            },
          }
        : {}),
      ...(this.settings.trackOpens
        ? { pixel: `${this.settings.baseUrl}/email/open/${links.sign('open', outboxId, expires)}.gif` }
        : {}),
    });
    const messageId = await this.messageId(outboxId);
    try {
      await this.transport.sendMail({
        from: this.settings.from,
        to: { name: person.name, address: person.address },
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        messageId,
        headers: { 'Auto-Submitted': 'auto-generated', 'X-SalesRelay-Outbox': String(outboxId) },
      });
    } catch (err) {
      throw deliveryError(err, person.address);
    }
    return { tenant: '', chatId: person.address, messageId };
  }

  /** A sent email cannot change; the chat cards carry the current state. */
  async update(): Promise<void> {}

  routes(): Hono {
    const app = new Hono();
    app.use('/email/*', this.guard.page());
    app.get('/email/ack/:token', async (c) => {
      const shown = await this.ackPage(c.req.param('token'), c.req.header('accept-language'));
      return c.html(shown.body, shown.status);
    });
    app.post('/email/ack/:token', async (c) => {
      // Only from our own page: another site's form cannot press it (the link's signature is the rest).
      const refused = this.guard.check(c);
      if (refused && (refused.code === 'host' || refused.code === 'cross-site'))
        return c.text(refused.error, refused.status);
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const values = Object.fromEntries(
        Object.entries(form).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v.slice(0, 500)]] : [])),
      );
      const shown = await this.acknowledge(c.req.param('token'), values, c.req.header('accept-language'));
      return c.html(shown.body, shown.status);
    });
    app.get('/email/open/:file', async (c) => {
      const token = c.req.param('file').replace(/\.gif$/, '');
      const { links } = await this.key();
      const link = links.check('open', token, this.now());
      if (link.ok) await this.services.contacts.opened(link.outboxId).catch(() => undefined);
      c.header('cache-control', 'no-store');
      return c.body(GIF, 200, { 'content-type': 'image/gif' });
    });
    return app;
  }

  private async ackPage(token: string, acceptLanguage: string | undefined) {
    const link = (await this.key()).links.check('ack', token, this.now());
    if (!link.ok) return page(guess(acceptLanguage), { kind: link.reason });
    const sent = await this.services.contacts.sent(link.outboxId);
    if (!sent?.message.card?.actions[0]) return page(guess(acceptLanguage), { kind: 'gone' });
    const locale = sent.message.locale ?? sent.person.locale;
    // Following the link is an opening too (the surest one there is).
    await this.services.contacts.opened(link.outboxId);
    if (sent.actedAt)
      return page(locale, { kind: 'used', at: when(sent.actedAt, (await this.services.org()).timezone) });
    const card = sent.message.card;
    const action = card.actions[0]!;
    return page(locale, {
      kind: 'confirm',
      title: card.title,
      fields: card.fields,
      button: action.label,
      ...(action.input ? { note: { name: action.input.name, label: action.input.label } } : {}),
    });
  }

  private async acknowledge(
    token: string,
    values: Record<string, string>,
    acceptLanguage: string | undefined,
  ) {
    const link = (await this.key()).links.check('ack', token, this.now());
    if (!link.ok) return page(guess(acceptLanguage), { kind: link.reason });
    const sent = await this.services.contacts.sent(link.outboxId);
    const action = sent?.message.card?.actions[0];
    if (!sent || !action) return page(guess(acceptLanguage), { kind: 'gone' });
    const locale = sent.message.locale ?? sent.person.locale;
    const pressed = await this.services.contacts.press(
      link.outboxId,
      action.id,
      action.input ? { [action.input.name]: values[action.input.name] ?? '' } : undefined,
    );
    if ('used' in pressed)
      return page(locale, { kind: 'used', at: when(pressed.used, (await this.services.org()).timezone) });
    if ('refused' in pressed) return page(locale, { kind: 'gone' });
    if ('declined' in pressed)
      return page(locale, { kind: 'declined', lines: pressed.declined.map((r) => r.text) });
    if ('failed' in pressed) {
      this.log.warn(
        { outboxId: link.outboxId },
        'an acknowledge link met an error: nothing recorded, usable again',
      );
      return page(locale, { kind: 'failed' });
    }
    this.log.info({ outboxId: link.outboxId }, 'acknowledged by email link');
    return page(locale, { kind: 'done', lines: pressed.replies.map((r) => r.text) });
  }
}

/** A page for someone whose link said nothing about them: their browser's language. */
function guess(acceptLanguage: string | undefined): Locale {
  return /^\s*en/i.test(acceptLanguage ?? '') ? 'en' : 'zh';
}

/** An instant as people read it in the organisation's zone: 2026-12-17 14:30. */
function when(d: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(d);
}
