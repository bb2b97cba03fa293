// Email settings, validated here from the environment handed to the adapter (never process.env). No
// SMTP_URL: email is off and nothing else changes.
import { z } from 'zod';
import { ConfigError, settingsMessage } from '../../src/port/index.ts';

const optional = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

const int = (fallback: number, min: number) =>
  optional.transform((v) => (v === undefined ? fallback : Number(v))).pipe(z.number().int().min(min));

export const emailSchema = z.object({
  /** The SMTP server: smtps://user:pass@smtp.example.com:465 (TLS) or smtp://…:587 (STARTTLS). */
  SMTP_URL: optional.pipe(
    z
      .string()
      .regex(
        /^smtps?:\/\/[^\s/]+(:\d+)?\/?(\?\S*)?$/i,
        'an SMTP URL such as smtps://user:pass@smtp.example.com:465',
      )
      .optional(),
  ),
  /** The sender: "SalesRelay <bot@example.com>" or bot@example.com. */
  MAIL_FROM: optional,
  /**
   * The key the acknowledge links are signed with (32 characters or more). Unset: one is generated once
   * and kept in the database, the same for every replica and restart.
   */
  EMAIL_LINK_SECRET: optional.pipe(
    z.string().min(32, 'at least 32 characters (openssl rand -hex 32)').optional(),
  ),
  /** Days an acknowledge link stays valid. */
  EMAIL_ACK_DAYS: int(14, 1),
  /** An image that reports the opening of an email to the sender: off unless asked for. */
  EMAIL_TRACK_OPENS: optional.pipe(z.enum(['on', 'off']).optional()).transform((v) => v ?? 'off'),
  /** Emails to one recipient domain per minute (a large provider throttles a sender that floods it). */
  EMAIL_PER_DOMAIN_PER_MINUTE: int(30, 1),
  /** The address people open the links at (the core's setting, shared). */
  PUBLIC_URL: optional,
  HOST: optional,
  PORT: optional,
});

export type EmailSettings = {
  smtpUrl: string;
  from: string;
  /** The domain of MAIL_FROM: the right-hand side of every Message-ID. */
  fromDomain: string;
  /** EMAIL_LINK_SECRET; undefined: the key generated once and kept in the database (services.kept). */
  secret: string | undefined;
  ackDays: number;
  trackOpens: boolean;
  perDomainPerMinute: number;
  /** Where the links point, without a trailing slash. */
  baseUrl: string;
};

/** Exit code 2 at start, like the core settings. */
export class EmailConfigError extends ConfigError {}

const TITLE = 'Invalid email settings (see docs/setup-email.md):';

export function loadEmailSettings(env: Record<string, string | undefined>): EmailSettings | null {
  const parsed = emailSchema.safeParse(env);
  if (!parsed.success) throw new EmailConfigError(settingsMessage(TITLE, emailSchema, parsed.error, env));
  const e = parsed.data;
  if (!e.SMTP_URL) return null;
  const from = e.MAIL_FROM;
  const address = from ? (/<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from)?.[1] ?? from) : undefined;
  if (!address || !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(address))
    throw new EmailConfigError(
      `${TITLE}\n  MAIL_FROM ${from ? `"${from}" is not an address` : 'is missing'}: the sender, e.g. "SalesRelay <bot@example.com>"`,
    );
  const host = !e.HOST || e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST;
  const baseUrl = (e.PUBLIC_URL ?? `http://${host}:${e.PORT ?? '3000'}`).replace(/\/+$/, '');
  return {
    smtpUrl: e.SMTP_URL,
    from: from!,
    fromDomain: address.split('@')[1]!.toLowerCase(),
    secret: e.EMAIL_LINK_SECRET,
    ackDays: e.EMAIL_ACK_DAYS,
    trackOpens: e.EMAIL_TRACK_OPENS === 'on',
    perDomainPerMinute: e.EMAIL_PER_DOMAIN_PER_MINUTE,
    baseUrl,
  };
}
