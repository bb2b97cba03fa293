// The self-built app (自建应用) transport: WeCom calls our HTTP endpoint (signed and encrypted), we answer
// through the app message API (message/send, message/update_template_card) with a cached access token.
import { createHash, randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  type Card,
  type ChatRef,
  type InboundUser,
  type Message,
  PermanentDeliveryError,
  type PostedRef,
  type PostOptions,
  type PostTarget,
  RetryLaterError,
  toLocale,
} from '../../src/port/index.ts';
import {
  buttonCard,
  cutBytes,
  hasButtons,
  isDuplicateTaskId,
  messageAsText,
  NOOP_KEY,
  taskIdFor,
} from './cards.ts';
import type { AppSettings } from './config.ts';
import { CallbackCryptoError, decryptMessage, signatureMatches } from './crypto.ts';
import { PLATFORM } from './platform.ts';
import { errcodeOf, type PreparedText, type Shared } from './shared.ts';
import { apiError } from './webhook.ts';

/** A field of WeCom's flat XML (CDATA or plain). */
export function xmlField(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(xml);
  return m ? (m[1] ?? m[2] ?? '') : undefined;
}

/** A signed callback is accepted this far from our clock, either way, as Slack's are: an old one is a replay. */
export const MAX_SKEW_S = 300;
/** One encrypted message in a small XML envelope; a user's text is at most a few KB. */
export const MAX_BODY_BYTES = 256 * 1024;
/** A response_code changes its card once, within 72 hours of the send or click that brought it. */
const CODE_VALID_MS = 72 * 3600_000;

/** A callback, understood and ready to record: a typed text or a card click. */
type Prepared =
  | { kind: 'text'; userId: string; text: PreparedText }
  | { kind: 'click'; userId: string; chat: ChatRef; key: string; taskId: string; eventId: string };

type ApiResult = {
  errcode: number;
  errmsg: string;
  access_token?: string;
  expires_in?: number;
  response_code?: string;
};

export class AppTransport {
  private token: { value: string; until: number } | null = null;
  private tokenFetch: Promise<string> | null = null;
  /** Callback work in flight, so stop() and tests can wait for it. */
  readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly s: Shared,
    private readonly app: AppSettings,
  ) {}

  get tenant(): string {
    return this.app.corpId;
  }

  routes(): Hono {
    const http = new Hono();
    const path = this.app.callbackPath;
    // URL verification when the callback URL is saved in the admin console.
    http.get(path, (c) => {
      const q = c.req.query();
      const { msg_signature: sig, timestamp, nonce, echostr } = q;
      if (!sig || !timestamp || !nonce || !echostr) return c.text('missing parameters', 400);
      if (!signatureMatches(sig, this.app.token, timestamp, nonce, echostr)) {
        this.s.log.warn('wecom callback: URL verification with a bad signature refused');
        return c.text('bad signature', 403);
      }
      try {
        return c.text(decryptMessage(this.app.encodingAESKey, echostr, this.app.corpId));
      } catch (err) {
        this.s.log.warn({ err: (err as Error).message }, 'wecom callback: echostr did not decrypt');
        return c.text('bad echostr', 403);
      }
    });
    const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.text('too large', 413) });
    http.post(path, limit, async (c) => {
      const { msg_signature: sig, timestamp, nonce } = c.req.query();
      const body = await c.req.text();
      const encrypted = xmlField(body, 'Encrypt');
      if (!sig || !timestamp || !nonce || !encrypted) return c.text('missing parameters', 400);
      if (!signatureMatches(sig, this.app.token, timestamp, nonce, encrypted)) {
        this.s.log.warn('wecom callback: bad signature refused');
        return c.text('bad signature', 403);
      }
      // The signature covers the timestamp: a correctly signed old (or far future) callback is a replay.
      const ts = Number(timestamp);
      if (!Number.isFinite(ts) || Math.abs(Date.now() / 1000 - ts) > MAX_SKEW_S) {
        this.s.log.warn({ timestamp }, 'wecom callback: stale timestamp refused');
        return c.text('stale timestamp', 403);
      }
      let xml: string;
      try {
        xml = decryptMessage(this.app.encodingAESKey, encrypted, this.app.corpId);
      } catch (err) {
        const why = err instanceof CallbackCryptoError ? err.message : 'decrypt failed';
        this.s.log.warn({ why }, 'wecom callback: message did not decrypt');
        return c.text('bad message', 403);
      }
      // Recorded, then answered at once (WeCom retries after 5 s, and not after an answer); the work goes
      // on and its replies use the API. Not recorded: not answered, so WeCom sends it again.
      let prepared: Prepared | null;
      try {
        prepared = await this.prepare(xml);
        if (prepared?.kind === 'text') await this.s.record(prepared.text);
        else if (prepared)
          await this.s.journal.record({
            kind: 'action',
            inbound: {
              user: this.user(prepared.userId),
              chat: prepared.chat,
              actionId: prepared.key,
              messageId: prepared.taskId,
              eventId: prepared.eventId,
            },
          });
      } catch (err) {
        this.s.log.error({ err }, 'wecom callback: could not be recorded; not answered');
        return c.text('try again', 500);
      }
      if (!prepared) return c.text('');
      const work = this.handle(prepared).catch((err) =>
        this.s.log.error({ err }, 'wecom callback: handling failed'),
      );
      this.inflight.add(work);
      void work.finally(() => this.inflight.delete(work));
      return c.text('');
    });
    return http;
  }

  async settle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  private user(id: string): InboundUser {
    return { platform: PLATFORM, tenant: this.tenant, externalId: id };
  }

  private chat(id: string): ChatRef {
    return { platform: PLATFORM, tenant: this.tenant, chatId: `dm:${id}`, kind: 'dm' };
  }

  /** What a decrypted callback asks for, or null when there is nothing to do. */
  private async prepare(xml: string): Promise<Prepared | null> {
    const type = xmlField(xml, 'MsgType');
    const userId = xmlField(xml, 'FromUserName');
    if (!userId || !/^[\w.@-]{1,64}$/.test(userId)) {
      this.s.log.warn('wecom callback: malformed message dropped');
      return null;
    }
    const chat = this.chat(userId);
    if (type === 'text') {
      // Without a MsgId the same message posted twice is known by its digest (it carries CreateTime).
      const id = xmlField(xml, 'MsgId') || `sha256:${createHash('sha256').update(xml).digest('hex')}`;
      const text = (xmlField(xml, 'Content') ?? '').trim();
      return {
        kind: 'text',
        userId,
        text: await this.s.prepareText(this.user(userId), chat, text, `app:msg:${id}`),
      };
    }
    if (type === 'event' && xmlField(xml, 'Event') === 'template_card_event') {
      const key = xmlField(xml, 'EventKey');
      const taskId = xmlField(xml, 'TaskId');
      const code = xmlField(xml, 'ResponseCode');
      if (!key || !taskId) {
        this.s.log.warn('wecom callback: malformed card event dropped');
        return null;
      }
      if (code) await this.keepCode(taskId, code);
      if (key === NOOP_KEY) return null;
      const eventId = `app:evt:${code || `sha256:${createHash('sha256').update(xml).digest('hex')}`}`;
      return { kind: 'click', userId, chat, key, taskId, eventId };
    }
    this.s.log.debug({ type }, 'wecom callback: ignored');
    return null;
  }

  private async handle(p: Prepared): Promise<void> {
    if (p.kind === 'text') {
      await this.replyAll(p.userId, await this.s.runText(p.text));
      return;
    }
    const { userId, chat, key, taskId } = p;
    const before = await this.s.services.cards.mark();
    const replies = await this.s.services.commands.handleAction({
      user: this.user(userId),
      chat,
      actionId: key,
      messageId: taskId,
      eventId: p.eventId,
    });
    const ref: PostedRef = { tenant: this.tenant, chatId: chat.chatId, messageId: taskId };
    const render = await this.s.services.cards.rendersSince(ref, before);
    if (render && !this.s.alreadyShows(ref, render.message))
      await this.updateCard(ref, render.message, render.locale).catch(() => false);
    await this.replyAll(userId, replies);
  }

  private async replyAll(userId: string, replies: Message[]): Promise<void> {
    await this.s.services.replies.send(
      replies,
      async (r) => {
        await this.s.quota.acquire(`app:${userId}`);
        return this.send(userId, r);
      },
      { chat: this.chat(userId), fallback: null },
    );
  }

  // ---- the API ----

  private async accessToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    this.tokenFetch ??= (async () => {
      try {
        const url = `${this.s.settings.apiUrl}/cgi-bin/gettoken?corpid=${encodeURIComponent(this.app.corpId)}&corpsecret=${encodeURIComponent(this.app.secret)}`;
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        const json = (await res.json()) as ApiResult;
        if (json.errcode !== 0 || !json.access_token)
          throw apiError(json.errcode, `gettoken: ${json.errmsg}`, this.s.settings.quota.throttledRetryMs);
        // Refreshed five minutes early; WeCom's tokens live 7200 s.
        this.token = {
          value: json.access_token,
          until: Date.now() + ((json.expires_in ?? 7200) - 300) * 1000,
        };
        return json.access_token;
      } finally {
        this.tokenFetch = null;
      }
    })();
    return this.tokenFetch;
  }

  private async call(path: string, body: unknown, retried = false): Promise<ApiResult> {
    const token = await this.accessToken();
    const res = await fetch(
      `${this.s.settings.apiUrl}/cgi-bin/${path}?access_token=${encodeURIComponent(token)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      },
    );
    const json = (await res.json()) as ApiResult;
    if ([40014, 42001, 41001].includes(json.errcode) && !retried) {
      this.token = null; // expired or revoked: fetch a new one once
      return this.call(path, body, true);
    }
    if (json.errcode !== 0) {
      const err = apiError(json.errcode, `${path}: ${json.errmsg}`, this.s.settings.quota.throttledRetryMs);
      throw Object.assign(err, { errcode: json.errcode, errmsg: json.errmsg });
    }
    return json;
  }

  private async send(userId: string, m: Message, opts?: PostOptions): Promise<PostedRef> {
    const locale = m.locale ?? 'zh';
    const base = { touser: userId, agentid: this.app.agentId };
    if (hasButtons(m)) {
      const { taskId, keyed } = taskIdFor(opts, m);
      const ref = { tenant: this.tenant, chatId: `dm:${userId}`, messageId: taskId };
      let json: ApiResult;
      try {
        json = await this.call('message/send', {
          ...base,
          msgtype: 'template_card',
          template_card: buttonCard(m.card!, taskId, locale),
        });
      } catch (err) {
        const code = errcodeOf(err);
        if (keyed && code && isDuplicateTaskId(code.errcode, code.errmsg)) {
          this.s.log.info({ taskId }, 'wecom app: this card was sent by an earlier try; not shown again');
          return ref;
        }
        throw err;
      }
      if (json.response_code) await this.keepCode(taskId, json.response_code);
      return ref;
    }
    await this.call('message/send', {
      ...base,
      msgtype: 'text',
      text: { content: cutBytes(messageAsText(m, locale).replace(/\*\*/g, ''), 2000) },
    });
    return {
      tenant: this.tenant,
      chatId: `dm:${userId}`,
      messageId: `msg_${randomBytes(8).toString('hex')}`,
    };
  }

  /**
   * A card's response_code, kept in the database: the click or the send that brought it may have reached
   * another replica than the one that changes the card.
   */
  private keepCode(taskId: string, code: string): Promise<void> {
    return this.s.services.kept.put(`code:${taskId}`, code, CODE_VALID_MS);
  }

  /** Replaces a card through its response_code (once each; a click brings a new one). */
  private async updateCard(ref: PostedRef, m: Message, locale: 'en' | 'zh'): Promise<boolean> {
    const code = await this.s.services.kept.take(`code:${ref.messageId}`, CODE_VALID_MS);
    if (!code) return false;
    const card: Card = m.card ?? { title: m.text, fields: [], actions: [] };
    await this.call('message/update_template_card', {
      userids: [ref.chatId.slice(3)],
      agentid: this.app.agentId,
      response_code: code,
      template_card: buttonCard(card, ref.messageId, locale),
    });
    this.s.markShown(ref, m);
    return true;
  }

  async post(target: PostTarget, message: Message, opts?: PostOptions): Promise<PostedRef> {
    if (target.kind === 'chat') {
      // An app reaches people, not group chats: a bound group robot carries notices there.
      const key = (await this.s.services.chats.binding(this.tenant, target.id))?.settings.webhook;
      if (!key)
        throw new PermanentDeliveryError(
          'wecom app mode cannot post to a group chat without a group robot webhook',
        );
      await this.s.webhook.send(key, messageAsText(message, message.locale ?? 'zh'));
      return {
        tenant: this.tenant,
        chatId: target.id,
        messageId: `webhook_${randomBytes(8).toString('hex')}`,
      };
    }
    const wait = this.s.quota.take(`app:${target.id}`);
    if (wait > 0) throw new RetryLaterError(`wecom app: quota reached for ${target.id}`, wait);
    return this.send(target.id, message, opts);
  }

  async update(ref: PostedRef, message: Message): Promise<void> {
    if (this.s.alreadyShows(ref, message) || !ref.chatId.startsWith('dm:')) return;
    const copy = await this.s.services.cards.find(ref.messageId, ref);
    const locale = toLocale(copy?.locale);
    try {
      if (await this.updateCard(ref, message, locale)) return;
    } catch (err) {
      this.s.log.warn({ err: String(err) }, 'wecom app: card update refused; a follow-up will say it');
    }
    const userId = ref.chatId.slice(3);
    const wait = this.s.quota.take(`app:${userId}`);
    if (wait > 0) throw new RetryLaterError(`wecom app: quota reached for ${userId}`, wait);
    const posted = await this.send(userId, { ...message, locale });
    this.s.markShown(ref, message);
    if (hasButtons(message) && message.cardKey && copy)
      await this.s.services.cards.remember(message.cardKey, posted, copy.locale, copy.audience);
  }
}
