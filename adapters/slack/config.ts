// The Slack settings, validated here (the composition root hands adapters the raw environment).
import { z } from 'zod';
import { ConfigError, settingsMessage } from '../../src/port/index.ts';

const optional = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

export const slackSchema = z
  .object({
    SLACK_BOT_TOKEN: optional.refine((v) => v === undefined || v.startsWith('xoxb-'), {
      message: 'should be the bot token, starting with xoxb- (OAuth & Permissions page)',
    }),
    SLACK_SIGNING_SECRET: optional,
    SLACK_APP_TOKEN: optional.refine((v) => v === undefined || v.startsWith('xapp-'), {
      message: 'should be an app-level token starting with xapp- (Basic Information → App-Level Tokens)',
    }),
    SLACK_API_URL: optional.refine((v) => v === undefined || /^https?:\/\/\S+$/.test(v), {
      message: 'should be a URL such as https://slack.com/api/',
    }),
    /** How often a failed Web API call is retried by the client itself (tests set 0). */
    SLACK_API_RETRIES: z.coerce.number().int().min(0).max(20).optional(),
    /** Minimum gap between two posts to the same channel (Slack allows about one per second). */
    SLACK_CHANNEL_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  })
  .superRefine((e, ctx) => {
    if (!e.SLACK_BOT_TOKEN) return;
    if (!e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message:
          'is needed in HTTP mode (Basic Information → Signing Secret); or set SLACK_APP_TOKEN for Socket Mode',
      });
  });

export type SlackConfig = {
  botToken: string;
  signingSecret: string | undefined;
  appToken: string | undefined;
  mode: 'http' | 'socket';
  apiUrl: string | undefined;
  retries: number | undefined;
  channelIntervalMs: number;
};

/** Exit code 2 at start, like the core settings. */
export class SlackConfigError extends ConfigError {}

/** The Slack settings, or null when Slack is not configured (no bot token). */
export function loadSlackConfig(env: Record<string, string | undefined>): SlackConfig | null {
  const parsed = slackSchema.safeParse(env);
  if (!parsed.success) {
    const title = 'Invalid Slack settings (see docs/setup-slack.md):';
    throw new SlackConfigError(settingsMessage(title, slackSchema, parsed.error, env));
  }
  const e = parsed.data;
  if (!e.SLACK_BOT_TOKEN) return null;
  return {
    botToken: e.SLACK_BOT_TOKEN,
    signingSecret: e.SLACK_SIGNING_SECRET,
    appToken: e.SLACK_APP_TOKEN,
    mode: e.SLACK_APP_TOKEN ? 'socket' : 'http',
    apiUrl: e.SLACK_API_URL
      ? e.SLACK_API_URL.endsWith('/')
        ? e.SLACK_API_URL
        : `${e.SLACK_API_URL}/`
      : undefined,
    retries: e.SLACK_API_RETRIES,
    channelIntervalMs: e.SLACK_CHANNEL_INTERVAL_MS,
  };
}
