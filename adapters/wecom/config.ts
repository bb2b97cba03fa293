// WeCom settings, validated here (the composition root hands every adapter the raw environment).
// Two transports, either or both: the intelligent bot over the long connection (WECOM_BOT_ID/SECRET)
// and the self-built app over HTTP callbacks plus the app message API (WECOM_CORP_ID and friends).
import { z } from 'zod';
import { ConfigError, settingsMessage } from '../../src/port/index.ts';

const text = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));
const ms = (fallback: number) => z.coerce.number().int().min(1).max(3_600_000).default(fallback);
const count = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);

export const wecomSchema = z
  .object({
    WECOM_BOT_ID: text,
    WECOM_BOT_SECRET: text,
    /** Private deployments and tests; the SDK's default is wss://openws.work.weixin.qq.com. */
    WECOM_WS_URL: text.pipe(
      z
        .string()
        .regex(/^wss?:\/\//, 'a ws:// or wss:// URL')
        .optional(),
    ),
    /** Optional: the bot's display name, stripped wherever it is @-mentioned (a leading @… is always). */
    WECOM_BOT_NAME: text,
    WECOM_CORP_ID: text,
    WECOM_TOKEN: text,
    WECOM_ENCODING_AES_KEY: text.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9+/]{43}$/, 'the 43-character EncodingAESKey from the admin console')
        .optional(),
    ),
    WECOM_AGENT_ID: text.pipe(z.string().regex(/^\d+$/, 'the numeric AgentId').optional()),
    WECOM_APP_SECRET: text,
    /** qyapi base for the app message API and group-robot webhooks. */
    WECOM_API_URL: z
      .string()
      .default('https://qyapi.weixin.qq.com')
      .transform((v) => v.replace(/\/+$/, ''))
      .pipe(z.string().regex(/^https?:\/\//, 'an http(s) URL')),
    WECOM_CALLBACK_PATH: z
      .string()
      .default('/wecom/callback')
      .pipe(z.string().regex(/^\/[\w/-]*$/, 'a path such as /wecom/callback')),
    /** A link for text_notice cards (WeCom requires a card_action there); without it notices go as markdown. */
    WECOM_CARD_URL: text.pipe(
      z
        .string()
        .regex(/^https?:\/\//, 'an http(s) URL such as https://intranet.example.com/salesrelay')
        .optional(),
    ),
    // Quotas (WeCom, 2026-03: 30 messages/min and 1000/hour per conversation, webhooks 20/min per robot).
    WECOM_QUOTA_PER_MINUTE: count(30),
    WECOM_QUOTA_PER_HOUR: count(1000),
    WECOM_WEBHOOK_PER_MINUTE: count(20),
    /** How long a 45009 (api freq out of limit) answer makes the message wait. */
    WECOM_THROTTLED_RETRY_MS: ms(60_000),
    // The single long connection: lock polling, reconnect backoff, heartbeat, and the wait after being kicked.
    WECOM_LOCK_POLL_MS: ms(2_000),
    WECOM_RECONNECT_MS: ms(1_000),
    WECOM_HEARTBEAT_MS: ms(30_000),
    WECOM_KICKED_RETRY_MS: ms(60_000),
    /** The card update window after a click is 5 s at WeCom; we stop trying a little before it closes. */
    WECOM_UPDATE_WINDOW_MS: ms(4_500),
    /** The adapter's own PostgreSQL connection for the connection lock (the app's DATABASE_URL). */
    DATABASE_URL: text,
  })
  .superRefine((e, ctx) => {
    if (e.WECOM_BOT_ID && !e.WECOM_BOT_SECRET)
      ctx.addIssue({ code: 'custom', path: ['WECOM_BOT_SECRET'], message: 'required with WECOM_BOT_ID' });
    if (e.WECOM_CORP_ID) {
      for (const key of [
        'WECOM_TOKEN',
        'WECOM_ENCODING_AES_KEY',
        'WECOM_AGENT_ID',
        'WECOM_APP_SECRET',
      ] as const)
        if (!e[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'required with WECOM_CORP_ID' });
    }
  });

export type WeComEnv = z.output<typeof wecomSchema>;

export type BotSettings = {
  botId: string;
  secret: string;
  wsUrl: string | undefined;
  botName: string | undefined;
};
export type AppSettings = {
  corpId: string;
  token: string;
  encodingAESKey: string;
  agentId: number;
  secret: string;
  callbackPath: string;
};

export type WeComSettings = {
  bot: BotSettings | null;
  app: AppSettings | null;
  apiUrl: string;
  cardUrl: string | undefined;
  quota: { perMinute: number; perHour: number; webhookPerMinute: number; throttledRetryMs: number };
  connection: {
    lockPollMs: number;
    reconnectMs: number;
    heartbeatMs: number;
    kickedRetryMs: number;
    updateWindowMs: number;
  };
  databaseUrl: string | undefined;
};

/** Exit code 2 at start, like the core settings. */
export class WeComConfigError extends ConfigError {}

/** null when neither transport is configured. */
export function loadWeComSettings(env: Record<string, string | undefined>): WeComSettings | null {
  const parsed = wecomSchema.safeParse(env);
  if (!parsed.success) {
    const title = 'Invalid WeCom settings (see docs/setup-wecom.md):';
    throw new WeComConfigError(settingsMessage(title, wecomSchema, parsed.error, env));
  }
  const e = parsed.data;
  if (!e.WECOM_BOT_ID && !e.WECOM_CORP_ID) return null;
  return {
    bot: e.WECOM_BOT_ID
      ? {
          botId: e.WECOM_BOT_ID,
          secret: e.WECOM_BOT_SECRET!,
          wsUrl: e.WECOM_WS_URL,
          botName: e.WECOM_BOT_NAME,
        }
      : null,
    app: e.WECOM_CORP_ID
      ? {
          corpId: e.WECOM_CORP_ID,
          token: e.WECOM_TOKEN!,
          encodingAESKey: e.WECOM_ENCODING_AES_KEY!,
          agentId: Number(e.WECOM_AGENT_ID),
          secret: e.WECOM_APP_SECRET!,
          callbackPath: e.WECOM_CALLBACK_PATH,
        }
      : null,
    apiUrl: e.WECOM_API_URL,
    cardUrl: e.WECOM_CARD_URL,
    quota: {
      perMinute: e.WECOM_QUOTA_PER_MINUTE,
      perHour: e.WECOM_QUOTA_PER_HOUR,
      webhookPerMinute: e.WECOM_WEBHOOK_PER_MINUTE,
      throttledRetryMs: e.WECOM_THROTTLED_RETRY_MS,
    },
    connection: {
      lockPollMs: e.WECOM_LOCK_POLL_MS,
      reconnectMs: e.WECOM_RECONNECT_MS,
      heartbeatMs: e.WECOM_HEARTBEAT_MS,
      kickedRetryMs: e.WECOM_KICKED_RETRY_MS,
      updateWindowMs: e.WECOM_UPDATE_WINDOW_MS,
    },
    databaseUrl: e.DATABASE_URL,
  };
}
