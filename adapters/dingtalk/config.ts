// DingTalk settings, validated here from the environment handed to the adapter (never process.env).
import { z } from 'zod';
import { ConfigError, settingsMessage } from '../../src/port/index.ts';

const optional = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

const url = (fallback: string) =>
  optional
    .pipe(z.string().url('a URL such as https://api.dingtalk.com').optional())
    .transform((v) => (v ?? fallback).replace(/\/+$/, ''));

const ms = (fallback: number) =>
  optional.transform((v) => (v === undefined ? fallback : Number(v))).pipe(z.number().int().min(0));

export const dingTalkSchema = z.object({
  DINGTALK_CLIENT_ID: optional,
  DINGTALK_CLIENT_SECRET: optional,
  /** The robot code; for an enterprise internal app it is the client id (AppKey). */
  DINGTALK_ROBOT_CODE: optional,
  /** The interactive card template (卡片平台) built from adapters/dingtalk/card-template.json. */
  DINGTALK_CARD_TEMPLATE_ID: optional,
  /** The Stream gateway: POST …/connections/open. For private deployments and tests. */
  DINGTALK_GATEWAY_URL: url('https://api.dingtalk.com/v1.0/gateway/connections/open'),
  /** The OpenAPI base (token, robot messages, cards). */
  DINGTALK_API_URL: url('https://api.dingtalk.com'),
  /** The server API base (oapi: the contact directory for admin directory import). */
  DINGTALK_OAPI_URL: url('https://oapi.dingtalk.com'),
  /** Reconnect backoff: first wait and ceiling (jitter is added). */
  DINGTALK_RECONNECT_MIN_MS: ms(1000),
  DINGTALK_RECONNECT_MAX_MS: ms(60_000),
  /** Calls per second per OpenAPI (DingTalk's standard-edition limit is 20 per app per API). */
  DINGTALK_API_QPS: ms(20),
  /** Messages per minute into one group chat (DingTalk documents no number; 20 is the webhook robot limit). */
  DINGTALK_GROUP_PER_MINUTE: ms(20),
});

export type DingTalkSettings = {
  clientId: string;
  clientSecret: string;
  robotCode: string;
  cardTemplateId: string | undefined;
  gatewayUrl: string;
  apiUrl: string;
  oapiUrl: string;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  apiQps: number;
  groupPerMinute: number;
};

/** Exit code 2 at start, like the core settings. */
export class DingTalkConfigError extends ConfigError {}

/** The settings, or null when DingTalk is not configured at all (no client id). */
export function loadDingTalkSettings(env: Record<string, string | undefined>): DingTalkSettings | null {
  const parsed = dingTalkSchema.safeParse(env);
  if (!parsed.success) {
    const title = 'Invalid DingTalk settings (see docs/setup-dingtalk.md):';
    throw new DingTalkConfigError(settingsMessage(title, dingTalkSchema, parsed.error, env));
  }
  const e = parsed.data;
  if (!e.DINGTALK_CLIENT_ID) return null;
  if (!e.DINGTALK_CLIENT_SECRET)
    throw new DingTalkConfigError(
      'Invalid DingTalk settings (see docs/setup-dingtalk.md):\n  DINGTALK_CLIENT_SECRET is missing: copy the ' +
        'Client Secret (AppSecret) from the app’s 凭证与基础信息 page',
    );
  return {
    clientId: e.DINGTALK_CLIENT_ID,
    clientSecret: e.DINGTALK_CLIENT_SECRET,
    robotCode: e.DINGTALK_ROBOT_CODE ?? e.DINGTALK_CLIENT_ID,
    cardTemplateId: e.DINGTALK_CARD_TEMPLATE_ID,
    gatewayUrl: e.DINGTALK_GATEWAY_URL,
    apiUrl: e.DINGTALK_API_URL,
    oapiUrl: e.DINGTALK_OAPI_URL,
    reconnectMinMs: Math.max(1, e.DINGTALK_RECONNECT_MIN_MS),
    reconnectMaxMs: Math.max(e.DINGTALK_RECONNECT_MIN_MS, e.DINGTALK_RECONNECT_MAX_MS),
    apiQps: Math.max(1, e.DINGTALK_API_QPS),
    groupPerMinute: Math.max(1, e.DINGTALK_GROUP_PER_MINUTE),
  };
}
