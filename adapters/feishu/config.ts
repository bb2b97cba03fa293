// Feishu (飞书) / Lark settings, validated here from the environment handed to the adapter (never process.env).
import { z } from 'zod';
import { ConfigError, settingsMessage } from '../../src/port/index.ts';

const optional = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

const ms = (fallback: number) =>
  optional.transform((v) => (v === undefined ? fallback : Number(v))).pipe(z.number().int().min(0));

export const feishuSchema = z.object({
  /** The app's App ID (凭证与基础信息), cli_ followed by 16 hex digits. */
  FEISHU_APP_ID: optional.pipe(
    z
      .string()
      .regex(/^cli_[0-9a-f]{16}$/i, 'an App ID such as cli_a1b2c3d4e5f60718 (凭证与基础信息 page)')
      .optional(),
  ),
  FEISHU_APP_SECRET: optional,
  /** feishu (open.feishu.cn), lark (open.larksuite.com, the international edition), or a base URL. */
  FEISHU_DOMAIN: optional
    .pipe(
      z
        .string()
        .refine((v) => v === 'feishu' || v === 'lark' || /^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(v), {
          message: 'feishu, lark, or a base URL such as https://open.feishu.cn',
        })
        .optional(),
    )
    .transform((v) => v ?? 'feishu'),
  /** How events and card actions arrive: the long connection (no public URL) or HTTP at /feishu/events. */
  FEISHU_EVENTS: optional
    .pipe(z.enum(['long-connection', 'http']).optional())
    .transform((v) => v ?? 'long-connection'),
  /** 事件与回调 › 加密策略: Encrypt Key (bodies encrypted and signed) and Verification Token, for HTTP events. */
  FEISHU_ENCRYPT_KEY: optional,
  FEISHU_VERIFICATION_TOKEN: optional,
  /** How often a replica without the long connection asks whether it may take it over. */
  FEISHU_LOCK_POLL_MS: ms(5000),
});

export type FeishuSettings = {
  appId: string;
  appSecret: string;
  /** The OpenAPI base URL the SDK calls. */
  domain: string;
  events: 'long-connection' | 'http';
  encryptKey: string | undefined;
  verificationToken: string | undefined;
  lockPollMs: number;
};

/** Exit code 2 at start, like the core settings. */
export class FeishuConfigError extends ConfigError {}

const TITLE = 'Invalid Feishu settings (see docs/setup-feishu.md):';

/** The settings, or null when Feishu is not configured at all (no app id). */
export function loadFeishuSettings(env: Record<string, string | undefined>): FeishuSettings | null {
  const parsed = feishuSchema.safeParse(env);
  if (!parsed.success) throw new FeishuConfigError(settingsMessage(TITLE, feishuSchema, parsed.error, env));
  const e = parsed.data;
  if (!e.FEISHU_APP_ID) return null;
  if (!e.FEISHU_APP_SECRET)
    throw new FeishuConfigError(
      `${TITLE}\n  FEISHU_APP_SECRET is missing: copy the App Secret from the app’s 凭证与基础信息 page`,
    );
  if (e.FEISHU_EVENTS === 'http' && !e.FEISHU_VERIFICATION_TOKEN)
    throw new FeishuConfigError(
      `${TITLE}\n  FEISHU_VERIFICATION_TOKEN is missing: with FEISHU_EVENTS=http every request is checked ` +
        'against it (事件与回调 › 加密策略); set FEISHU_ENCRYPT_KEY too',
    );
  const domain =
    e.FEISHU_DOMAIN === 'feishu'
      ? 'https://open.feishu.cn'
      : e.FEISHU_DOMAIN === 'lark'
        ? 'https://open.larksuite.com'
        : e.FEISHU_DOMAIN.replace(/\/+$/, '');
  return {
    appId: e.FEISHU_APP_ID,
    appSecret: e.FEISHU_APP_SECRET,
    domain,
    events: e.FEISHU_EVENTS,
    encryptKey: e.FEISHU_ENCRYPT_KEY,
    verificationToken: e.FEISHU_VERIFICATION_TOKEN,
    lockPollMs: Math.max(100, e.FEISHU_LOCK_POLL_MS),
  };
}
