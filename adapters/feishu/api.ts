// The OpenAPI calls the adapter makes, through the SDK's Client, and what Feishu's refusals mean to the
// outbox (test/fakes/feishu/index.ts lists the codes and their sources).
import * as lark from '@larksuiteoapi/node-sdk';
import type { Logger } from 'pino';
import { AdminActionError, PermanentDeliveryError, RetryLaterError } from '../../src/port/index.ts';
import type { FeishuSettings } from './config.ts';

/** The tenant token cache, our own so a token Feishu refused can be dropped (the SDK's is shared and kept). */
class TokenCache implements lark.Cache {
  private readonly m = new Map<string, { value: unknown; expire?: number }>();
  private k(key: unknown, o?: { namespace?: string }) {
    return `${o?.namespace ?? ''}:${String(key)}`;
  }
  // biome-ignore lint/complexity/noBannedTypes: the SDK's Cache interface names its keys `Symbol`
  async set(key: string | Symbol, value: unknown, expire?: number, o?: { namespace?: string }) {
    this.m.set(this.k(key, o), { value, ...(expire ? { expire } : {}) });
    return true;
  }
  // biome-ignore lint/complexity/noBannedTypes: as above
  async get(key: string | Symbol, o?: { namespace?: string }) {
    const e = this.m.get(this.k(key, o));
    return e && (!e.expire || e.expire > Date.now()) ? e.value : undefined;
  }
  clear() {
    this.m.clear();
  }
}

/** A refusal from Feishu: HTTP status, Feishu's code and message, and how long it asked us to wait. */
export type FeishuError = { status: number; code: number; msg: string; resetS?: number };

export function feishuErrorOf(err: unknown): FeishuError | null {
  const r = (err as { response?: { status?: number; data?: unknown; headers?: Record<string, unknown> } })
    .response;
  if (!r) return null;
  const data = (r.data ?? {}) as { code?: unknown; msg?: unknown };
  const reset = Number(r.headers?.['x-ogw-ratelimit-reset']);
  return {
    status: r.status ?? 0,
    code: typeof data.code === 'number' ? data.code : 0,
    msg: typeof data.msg === 'string' ? data.msg : '',
    ...(Number.isFinite(reset) && reset > 0 ? { resetS: reset } : {}),
  };
}

const BAD_TOKEN = new Set([99991661, 99991663, 99991664, 99991668]);

/** What a refusal means for the message: wait, give up, or an admin has to act. Else it is retried. */
export function classify(what: string, err: unknown): Error {
  const e = feishuErrorOf(err);
  if (!e) {
    const message = String((err as Error)?.message ?? err);
    if (/failed to get tenant_access_token/.test(message))
      return new AdminActionError(`feishu ${what}: ${message}`, {
        en: 'Feishu refused the app credentials: check FEISHU_APP_ID and FEISHU_APP_SECRET (凭证与基础信息).',
        zh: '飞书拒绝了应用凭证：请检查 FEISHU_APP_ID 与 FEISHU_APP_SECRET（凭证与基础信息）。',
      });
    return err instanceof Error ? err : new Error(message);
  }
  const text = `feishu ${what}: ${e.code} ${e.msg} (HTTP ${e.status})`;
  // Frequency limits: per app and API (99991400, HTTP 429) and per receiver (230020, 5 a second).
  if (e.code === 99991400 || e.status === 429) return new RetryLaterError(text, (e.resetS ?? 1) * 1000);
  if (e.code === 230020) return new RetryLaterError(text, 1000);
  if (e.code === 230049) return new RetryLaterError(text, 1000); // the message is being sent
  if (e.code === 230002)
    return new AdminActionError(text, {
      en: 'The SalesRelay bot is not in this Feishu group: add it (group settings › Bots › Add bot).',
      zh: 'SalesRelay 机器人不在这个飞书群里：请在群设置 › 群机器人 › 添加机器人。',
    });
  if (e.code === 230006 || e.code === 230027)
    return new AdminActionError(text, {
      en: 'The Feishu app lacks the bot ability or a permission: see docs/setup-feishu.md (bot, im:message).',
      zh: '飞书应用未开启机器人能力或缺少权限：见 docs/setup-feishu.md（机器人、im:message）。',
    });
  if (e.code === 230013)
    return new AdminActionError(text, {
      en: 'This person is outside the Feishu app’s availability: add them in 版本管理与发布 › 可用范围 and publish.',
      zh: '此人不在飞书应用的可用范围内：请在「版本管理与发布 › 可用范围」中添加并发布。',
    });
  // Will not get better by sending again: a removed person or chat, a message Feishu will not build.
  if (e.status >= 400 && e.status < 500 && !BAD_TOKEN.has(e.code)) return new PermanentDeliveryError(text);
  return new Error(text);
}

export type SendResult = { messageId: string; chatId: string };

export class FeishuApi {
  readonly client: lark.Client;
  private readonly cache = new TokenCache();

  constructor(
    settings: FeishuSettings,
    private readonly log: Logger,
  ) {
    this.client = new lark.Client({
      appId: settings.appId,
      appSecret: settings.appSecret,
      domain: settings.domain,
      cache: this.cache,
      logger: sdkLogger(log),
    });
  }

  /** One call; a token Feishu no longer takes is dropped and the call made once more with a new one. */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const e = feishuErrorOf(err);
      if (!e || !BAD_TOKEN.has(e.code)) throw classify(what, err);
      this.log.info({ code: e.code }, 'feishu: the tenant token was refused; asking for a new one');
      this.cache.clear();
      try {
        return await fn();
      } catch (again) {
        throw classify(what, again);
      }
    }
  }

  async create(
    receiveIdType: 'chat_id' | 'open_id',
    receiveId: string,
    msgType: 'text' | 'interactive',
    content: unknown,
    uuid?: string,
  ): Promise<SendResult> {
    const res = await this.call('im.message.create', () =>
      this.client.im.message.create({
        params: { receive_id_type: receiveIdType },
        data: {
          receive_id: receiveId,
          msg_type: msgType,
          content: JSON.stringify(content),
          ...(uuid ? { uuid } : {}),
        },
      }),
    );
    if (res.code !== 0 || !res.data?.message_id)
      throw new Error(`feishu im.message.create: ${res.code} ${res.msg ?? ''}`);
    return { messageId: res.data.message_id, chatId: res.data.chat_id ?? receiveId };
  }

  async patch(messageId: string, card: unknown): Promise<void> {
    const res = await this.call('im.message.patch', () =>
      this.client.im.message.patch({
        path: { message_id: messageId },
        data: { content: JSON.stringify(card) },
      }),
    );
    if (res.code !== 0) throw new Error(`feishu im.message.patch: ${res.code} ${res.msg ?? ''}`);
  }

  /** A person's name (contact:user.base:readonly); undefined when the app may not read it. */
  async userName(openId: string): Promise<string | undefined> {
    try {
      const res = await this.client.contact.user.get({
        path: { user_id: openId },
        params: { user_id_type: 'open_id' },
      });
      return res.data?.user?.name || undefined;
    } catch (err) {
      this.log.debug({ err: String((err as Error).message) }, 'feishu: no name for this person');
      return undefined;
    }
  }

  /** Whether a chat is a group or a 1:1 chat with the bot. */
  async chatMode(chatId: string): Promise<'group' | 'p2p' | undefined> {
    try {
      const res = await this.client.im.chat.get({ path: { chat_id: chatId } });
      const mode = res.data?.chat_mode;
      return mode === 'p2p' ? 'p2p' : mode ? 'group' : undefined;
    } catch {
      return undefined;
    }
  }

  /** The bot's own open_id, to tell its @mention from people's. */
  async botOpenId(): Promise<string | undefined> {
    try {
      const res = (await this.client.request({ method: 'GET', url: '/open-apis/bot/v3/info' })) as {
        bot?: { open_id?: string };
      };
      return res.bot?.open_id;
    } catch (err) {
      this.log.warn({ err: String((err as Error).message) }, 'feishu: bot info not available');
      return undefined;
    }
  }
}

/**
 * A failed request as the SDK logs it (an axios error with the request's body, the message we sent) cut to
 * what tells what went wrong: no message text (confidential amounts) in the logs.
 */
function loggable(v: unknown, depth = 0): unknown {
  if (Array.isArray(v)) return depth > 3 ? '[…]' : v.map((x) => loggable(x, depth + 1));
  if (v && typeof v === 'object' && ('config' in v || 'request' in v)) {
    const e = v as {
      message?: unknown;
      config?: { url?: unknown; method?: unknown };
      response?: { status?: unknown; data?: { code?: unknown; msg?: unknown } };
    };
    return {
      message: e.message,
      method: e.config?.method,
      url: e.config?.url,
      status: e.response?.status,
      code: e.response?.data?.code,
      msg: e.response?.data?.msg,
    };
  }
  return v;
}

/** The SDK's log lines, into ours (its info lines are chatty: debug). */
export function sdkLogger(log: Logger): lark.Logger {
  const line =
    (level: 'error' | 'warn' | 'debug') =>
    (...msg: unknown[]) =>
      log[level](
        { sdk: 'larksuiteoapi' },
        msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(loggable(m)))).join(' '),
      );
  return {
    error: line('error'),
    warn: line('warn'),
    info: line('debug'),
    debug: line('debug'),
    trace: () => {},
  };
}
