// The intelligent bot over WeCom's long connection (@wecom/aibot-node-sdk). One replica holds the
// connection (see lock.ts); the others answer RetryLater to delivery so the holder sends.
import { randomBytes } from 'node:crypto';
import { type SendMsgBody, type TemplateCard, WSClient, type WsFrame } from '@wecom/aibot-node-sdk';
import { z } from 'zod';
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
  newTaskId,
  noticeCard,
  taskIdFor,
} from './cards.ts';
import type { BotSettings } from './config.ts';
import { stripBotMention } from './inbound.ts';
import { ConnectionLock } from './lock.ts';
import { PLATFORM } from './platform.ts';
import { errcodeOf, Shared, sdkLogger } from './shared.ts';
import { apiError } from './webhook.ts';

const from = z.object({ userid: z.string().min(1).max(128) });
const base = z.object({
  msgid: z.string().min(1).max(256),
  chattype: z.enum(['single', 'group']),
  chatid: z.string().min(1).max(256).optional(),
  from,
});
const messageBody = base.extend({
  msgtype: z.string(),
  text: z.object({ content: z.string().max(20_000) }).optional(),
  voice: z.object({ content: z.string().max(20_000) }).optional(),
  mixed: z
    .object({
      msg_item: z.array(
        z.object({ msgtype: z.string(), text: z.object({ content: z.string() }).optional() }),
      ),
    })
    .optional(),
});
const cardEvent = z.object({
  event_key: z.string().min(1).max(1024).optional(),
  task_id: z.string().min(1).max(128).optional(),
});
const eventBody = base.extend({
  msgtype: z.literal('event'),
  event: z
    .object({ eventtype: z.literal('template_card_event'), template_card_event: cardEvent.optional() })
    .and(cardEvent),
});

type Click = { frame: WsFrame; at: number };

export class BotTransport {
  private readonly client: WSClient;
  private readonly lock: ConnectionLock;
  private authenticated = false;
  private stopped = false;
  private kickedTimer: NodeJS.Timeout | null = null;
  private kicks = 0;
  private readonly clicks = new Map<string, Click>();
  private readonly ready: { promise: Promise<void>; resolve: () => void };

  constructor(
    private readonly s: Shared,
    private readonly bot: BotSettings,
  ) {
    const { connection } = s.settings;
    const log = s.log;
    this.client = new WSClient({
      botId: bot.botId,
      secret: bot.secret,
      ...(bot.wsUrl ? { wsUrl: bot.wsUrl } : {}),
      reconnectInterval: connection.reconnectMs,
      maxReconnectAttempts: -1,
      maxAuthFailureAttempts: -1,
      heartbeatInterval: connection.heartbeatMs,
      logger: sdkLogger(log.child({ sdk: 'aibot' })),
    });
    let resolve = () => {};
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.ready = { promise, resolve };
    this.client.on('authenticated', () => {
      this.authenticated = true;
      this.kicks = 0;
      log.info({ botId: bot.botId }, 'wecom long connection ready');
      this.ready.resolve();
    });
    this.client.on('disconnected', (reason) => {
      this.authenticated = false;
      log.warn({ reason }, 'wecom long connection closed');
    });
    this.client.on('reconnecting', (attempt) => log.info({ attempt }, 'wecom long connection: reconnecting'));
    this.client.on('error', (err) => log.warn({ err: err.message }, 'wecom long connection error'));
    this.client.on('message', (frame) => void this.onMessage(frame).catch((err) => this.fail(err, frame)));
    this.client.on(
      'event.template_card_event',
      (frame) => void this.onClick(frame).catch((err) => this.fail(err, frame)),
    );
    this.client.on('event.disconnected_event', () => void this.onKicked());
    this.lock = new ConnectionLock(s.settings.databaseUrl, bot.botId, connection.lockPollMs, log, {
      acquired: () => this.connect(),
      lost: () => this.disconnect(),
    });
  }

  get tenant(): string {
    return this.bot.botId;
  }

  /** For /readyz: a replica standing by while another holds the connection is ready; one holding it must be up. */
  connectionState(): { ok: boolean; detail: string } {
    if (!this.lock.held) return { ok: true, detail: 'standby: another replica holds the long connection' };
    return this.authenticated
      ? { ok: true, detail: 'long connection up' }
      : { ok: false, detail: 'holding the long connection, not connected (reconnecting)' };
  }

  /** Whether this replica holds the connection and it is up. */
  get holding(): boolean {
    return this.lock.held && this.authenticated;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.lock.start();
    // Ready, or retrying: a standby replica (or one still connecting) does not hold up the app's start.
    if (this.lock.held) await Promise.race([this.ready.promise, new Promise((r) => setTimeout(r, 5000))]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.kickedTimer) clearTimeout(this.kickedTimer);
    this.disconnect();
    await this.lock.stop();
  }

  private connect(): void {
    if (this.stopped) return;
    this.client.connect();
  }

  private disconnect(): void {
    this.authenticated = false;
    if (this.kickedTimer) clearTimeout(this.kickedTimer);
    this.kickedTimer = null;
    // The SDK warns when asked to disconnect twice; only when it is running.
    if ((this.client as unknown as { started: boolean }).started) this.client.disconnect();
  }

  /**
   * Another connection subscribed with our bot id and WeCom closed ours. The SDK does not reconnect.
   * If our lock is gone, a replica of ours is taking over: stand by. If we still hold it, the other
   * connection is not one of ours (a second deployment, a laptop): say so loudly and try again only
   * after a long, growing wait, never in a loop that would fight it.
   */
  private async onKicked(): Promise<void> {
    this.authenticated = false;
    if (this.stopped) return;
    if (!(await this.lock.confirm())) {
      this.s.log.warn('wecom: kicked and no longer holding the lock; standing by');
      return;
    }
    this.kicks++;
    const wait = Math.min(this.s.settings.connection.kickedRetryMs * 2 ** (this.kicks - 1), 3_600_000);
    this.s.log.error(
      { botId: this.bot.botId, retryInMs: wait },
      'wecom: another connection outside this deployment took the bot (only one is allowed); not fighting it',
    );
    this.kickedTimer = setTimeout(() => {
      this.kickedTimer = null;
      if (this.stopped || !this.lock.held) return;
      this.client.connect();
    }, wait);
    this.kickedTimer.unref();
  }

  private fail(err: unknown, frame: WsFrame): void {
    this.s.log.error({ err, reqId: frame.headers?.req_id }, 'wecom: handling a callback failed');
  }

  private user(userid: string): InboundUser {
    return { platform: PLATFORM, tenant: this.tenant, externalId: userid };
  }

  private chat(b: {
    chattype: 'single' | 'group';
    chatid?: string | undefined;
    from: { userid: string };
  }): ChatRef {
    return b.chattype === 'group'
      ? { platform: PLATFORM, tenant: this.tenant, chatId: b.chatid!, kind: 'group' }
      : { platform: PLATFORM, tenant: this.tenant, chatId: `dm:${b.from.userid}`, kind: 'dm' };
  }

  /** Where aibot_send_msg goes: a group's chatid, or the userid for a direct chat. */
  private static conversation(chatId: string): string {
    return chatId.startsWith('dm:') ? chatId.slice(3) : chatId;
  }

  // ---- inbound ----

  private async onMessage(frame: WsFrame): Promise<void> {
    const parsed = messageBody.safeParse(frame.body);
    if (!parsed.success || (parsed.data.chattype === 'group' && !parsed.data.chatid)) {
      this.s.log.warn(
        { reqId: frame.headers?.req_id, issues: parsed.error?.issues.length ?? 'no chatid' },
        'wecom: malformed message callback dropped',
      );
      return;
    }
    const b = parsed.data;
    const raw =
      b.text?.content ??
      b.voice?.content ??
      b.mixed?.msg_item
        .map((i) => i.text?.content ?? '')
        .join(' ')
        .trim();
    if (!raw) {
      this.s.log.debug({ msgtype: b.msgtype }, 'wecom: non-text message ignored');
      return;
    }
    const chat = this.chat(b);
    const text = stripBotMention(raw, chat.kind === 'group', this.bot.botName);
    // The long connection has no ack to hold: recorded first, so a crash from here on loses nothing.
    const prepared = await this.s.prepareText(this.user(b.from.userid), chat, text, `bot:msg:${b.msgid}`);
    await this.s.record(prepared);
    await this.reply(frame, chat, await this.s.runText(prepared));
  }

  private async onClick(frame: WsFrame): Promise<void> {
    const at = Date.now();
    const parsed = eventBody.safeParse(frame.body);
    // Read nested first (the documented and observed shape), then the SDK's flat typing.
    const ev = parsed.success ? parsed.data.event : undefined;
    const key = ev?.template_card_event?.event_key ?? ev?.event_key;
    const taskId = ev?.template_card_event?.task_id ?? ev?.task_id;
    if (!parsed.success || !key || !taskId || (parsed.data.chattype === 'group' && !parsed.data.chatid)) {
      this.s.log.warn({ reqId: frame.headers?.req_id }, 'wecom: malformed card event dropped');
      return;
    }
    if (key === NOOP_KEY) return;
    const b = parsed.data;
    const chat = this.chat(b);
    const ref: PostedRef = { tenant: this.tenant, chatId: chat.chatId, messageId: taskId };
    const before = await this.s.services.cards.mark();
    this.clicks.set(Shared.refKey(ref), { frame, at });
    const press = {
      user: this.user(b.from.userid),
      chat,
      actionId: key,
      messageId: taskId,
      eventId: `bot:evt:${b.msgid}`,
    };
    await this.s.journal.record({ kind: 'action', inbound: press });
    const replies = await this.s.services.commands.handleAction(press);
    // The clicked card, re-rendered by the action: replace it now, within WeCom's 5 s (unless the
    // delivery of that re-render got here first through update()).
    const click = this.takeClick(ref);
    if (click) {
      const render = await this.s.services.cards.rendersSince(ref, before);
      if (render && !this.s.alreadyShows(ref, render.message))
        await this.updateInPlace(click, ref, render.message, render.locale).catch(() => {});
    }
    if (replies.length > 0) await this.reply(null, chat, replies);
  }

  /** A click's req_id, if its 5 s window is still open; taken once. */
  private takeClick(ref: PostedRef): Click | undefined {
    const k = Shared.refKey(ref);
    const click = this.clicks.get(k);
    this.clicks.delete(k);
    for (const [key, c] of this.clicks) if (Date.now() - c.at > 10_000) this.clicks.delete(key);
    if (!click || Date.now() - click.at > this.s.settings.connection.updateWindowMs) return undefined;
    return click;
  }

  private async updateInPlace(click: Click, ref: PostedRef, m: Message, locale: 'en' | 'zh'): Promise<void> {
    const card: Card = m.card ?? { title: m.text, fields: [], actions: [] };
    try {
      await this.client.updateTemplateCard(click.frame, buttonCard(card, ref.messageId, locale));
      this.s.markShown(ref, m);
    } catch (err) {
      this.s.log.warn(
        { err: errcodeOf(err) ?? String(err) },
        'wecom: card update refused; a follow-up will say it',
      );
      throw err;
    }
  }

  /** The replies to one message: the first answers the callback, the rest are pushed. */
  private async reply(frame: WsFrame | null, chat: ChatRef, replies: Message[]): Promise<void> {
    const conv = BotTransport.conversation(chat.chatId);
    await this.s.services.replies.send(
      replies,
      async (r, i) => {
        await this.s.quota.acquire(conv);
        const locale = r.locale ?? 'zh';
        if (!(i === 0 && frame)) return this.push(conv, chat.chatId, r);
        if (hasButtons(r)) {
          const taskId = newTaskId();
          await this.client.replyTemplateCard(frame, buttonCard(r.card!, taskId, locale));
          return { tenant: this.tenant, chatId: chat.chatId, messageId: taskId };
        }
        const streamId = `s_${randomBytes(8).toString('hex')}`;
        await this.client.replyStream(frame, streamId, cutBytes(messageAsText(r, locale), 20_000), true);
        return null;
      },
      // Refused now (the conversation's quota, the connection away): the outbox pushes it later, never dropped.
      { chat, fallback: { tenant: this.tenant, kind: 'chat', id: chat.chatId } },
    );
  }

  private body(m: Message, taskId: string): SendMsgBody {
    const locale = m.locale ?? 'zh';
    if (hasButtons(m))
      return { msgtype: 'template_card', template_card: buttonCard(m.card!, taskId, locale) };
    if (m.card && this.s.settings.cardUrl)
      return {
        msgtype: 'template_card',
        template_card: noticeCard(m.card, taskId, this.s.settings.cardUrl) as TemplateCard,
      };
    return { msgtype: 'markdown', markdown: { content: cutBytes(messageAsText(m, locale), 4000) } };
  }

  /** aibot_send_msg; the ref's messageId is the card's task_id. */
  private async push(conv: string, chatId: string, m: Message, opts?: PostOptions): Promise<PostedRef> {
    const { taskId, keyed } = taskIdFor(opts, m);
    try {
      await this.client.sendMessage(conv, this.body(m, taskId));
    } catch (err) {
      const code = errcodeOf(err);
      if (code && keyed && isDuplicateTaskId(code.errcode, code.errmsg)) {
        this.s.log.info({ taskId }, 'wecom: this card was sent by an earlier try; not shown again');
        return { tenant: this.tenant, chatId, messageId: taskId };
      }
      if (code) throw apiError(code.errcode, code.errmsg, this.s.settings.quota.throttledRetryMs);
      if (!this.client.isConnected) throw new RetryLaterError(`wecom: not connected (${String(err)})`, 2000);
      throw err;
    }
    return { tenant: this.tenant, chatId, messageId: taskId };
  }

  // ---- outbound from the outbox ----

  async post(target: PostTarget, message: Message, opts?: PostOptions): Promise<PostedRef> {
    const chatId = target.kind === 'user' ? `dm:${target.id}` : target.id;
    if (target.kind === 'chat' && !hasButtons(message)) {
      const key = (await this.s.services.chats.binding(this.tenant, chatId))?.settings.webhook;
      if (key) {
        await this.s.webhook.send(key, messageAsText(message, message.locale ?? 'zh'));
        return { tenant: this.tenant, chatId, messageId: `webhook_${randomBytes(8).toString('hex')}` };
      }
    }
    if (!this.holding)
      throw new RetryLaterError('wecom: this replica does not hold the long connection', 1000);
    const conv = BotTransport.conversation(chatId);
    const wait = this.s.quota.take(conv);
    if (wait > 0) throw new RetryLaterError(`wecom: conversation quota reached for ${conv}`, wait);
    return this.push(conv, chatId, message, opts);
  }

  async update(ref: PostedRef, message: Message): Promise<void> {
    if (this.s.alreadyShows(ref, message)) return;
    if (ref.messageId.startsWith('webhook_')) return; // webhook notices cannot change
    if (!this.holding)
      throw new RetryLaterError('wecom: this replica does not hold the long connection', 1000);
    const copy = await this.s.services.cards.find(ref.messageId, ref);
    const locale = toLocale(copy?.locale);
    const click = this.takeClick(ref);
    if (click) {
      try {
        await this.updateInPlace(click, ref, message, locale);
        return;
      } catch {
        // fall through: say it in a follow-up
      }
    }
    // Outside a click's 5 s window a bot card cannot change: a follow-up says what changed.
    const conv = BotTransport.conversation(ref.chatId);
    const wait = this.s.quota.take(conv);
    if (wait > 0) throw new RetryLaterError(`wecom: conversation quota reached for ${conv}`, wait);
    const posted = await this.push(conv, ref.chatId, { ...message, locale });
    this.s.markShown(ref, message);
    if (hasButtons(message) && message.cardKey && copy)
      await this.s.services.cards.remember(message.cardKey, posted, copy.locale, copy.audience);
  }
}

export { PermanentDeliveryError };
