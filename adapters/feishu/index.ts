// The Feishu (飞书) / Lark adapter, written against the port (src/port) only: events and card actions over
// the SDK's long connection (WSClient, no public URL; one replica holds it) or over HTTP with the Encrypt
// Key and Verification Token checked; messages and cards out with im.message.create, cards changed in place
// with im.message.patch or in the card action's answer. See docs/setup-feishu.md for the setup and
// test/fakes/feishu/index.ts for the platform facts and their sources.
import { createHash, timingSafeEqual } from 'node:crypto';
import * as lark from '@larksuiteoapi/node-sdk';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  type AdapterContext,
  type ChannelAdapter,
  type ChatRef,
  type DirectoryEntry,
  declareAdapter,
  type InboundAction,
  type InboundUser,
  idempotencyToken,
  inEveryLanguage,
  type Message,
  messages,
  type PortServices,
  type PostedRef,
  type PostOptions,
  type PostTarget,
  toLocale,
  typedPress,
} from '../../src/port/index.ts';
import { FeishuApi, sdkLogger } from './api.ts';
import { cardJson, cut, MAX_BUTTONS, render } from './cards.ts';
import { type FeishuSettings, feishuSchema, loadFeishuSettings } from './config.ts';
import { FeishuDirectory } from './directory.ts';
import { ConnectionLock } from './lock.ts';
import { ReceiverPace } from './pace.ts';

export const PLATFORM = 'feishu';
/** Feishu allows 3 s to answer a card action; the answer leaves with what is ready by then. */
const PRESS_BUDGET_MS = 2000;
const NAME_TTL_MS = 60 * 60 * 1000;
/** How far a signed HTTP request's timestamp may be from our clock (Feishu re-pushes for about 7 hours). */
const REPLAY_WINDOW_MS = 12 * 60 * 60 * 1000;

export const feishu = declareAdapter<FeishuSettings>({
  name: PLATFORM,
  configured: (env) => Boolean(env.FEISHU_APP_ID?.trim()),
  settings: loadFeishuSettings,
  schema: feishuSchema,
  capabilities: {
    cards: true,
    updateInPlace: 'always',
    // A reject reason is typed into the card's own form (an input and its submit button).
    forms: true,
    privateReplies: false,
    mentions: true,
    // Every outbox post carries a uuid from its row: Feishu sends one message per uuid within an hour.
    idempotentSends: true,
  },
  limits: {
    // 5 a second into one chat or to one person; 50 a second and 1000 a minute per app and API: 16 a
    // second keeps within both.
    rate: { perChat: { count: 5, perMs: 1000 }, perApp: { count: 16, perMs: 1000 } },
    // Text ≤ 150 KB; a card ≤ 30 KB; 3 s to answer a card action.
    text: { maxText: 140 * 1024, unit: 'bytes', maxButtons: MAX_BUTTONS, pressAnswerMs: 3000 },
  },
  create: (settings, ctx) => new FeishuAdapter(settings, ctx),
});

const idSchema = z.object({ open_id: z.string().optional(), user_id: z.string().optional() }).passthrough();
const mentionSchema = z
  .object({
    key: z.string(),
    id: idSchema,
    name: z.string().optional(),
    mentioned_type: z.string().optional(),
  })
  .passthrough();
const messageEvent = z
  .object({
    tenant_key: z.string().optional(),
    sender: z.object({
      sender_id: idSchema,
      sender_type: z.string().optional(),
      tenant_key: z.string().optional(),
    }),
    message: z.object({
      message_id: z.string().min(1),
      chat_id: z.string().min(1),
      chat_type: z.string(),
      message_type: z.string(),
      content: z.string(),
      mentions: z.array(mentionSchema).optional(),
    }),
  })
  .passthrough();

const cardEvent = z
  .object({
    event_id: z.string().optional(),
    tenant_key: z.string().optional(),
    operator: z.object({ open_id: z.string().min(1), tenant_key: z.string().optional() }).passthrough(),
    action: z
      .object({
        value: z.unknown().optional(),
        tag: z.string().optional(),
        form_value: z.record(z.string(), z.unknown()).optional(),
      })
      .passthrough(),
    context: z
      .object({ open_message_id: z.string().min(1), open_chat_id: z.string().optional() })
      .passthrough(),
  })
  .passthrough();

type CardAnswer = {
  toast?: { type: 'info' | 'success' | 'error' | 'warning'; content: string };
  card?: { type: 'raw'; data: Record<string, unknown> };
};

export class FeishuAdapter implements ChannelAdapter {
  readonly platform = PLATFORM;
  readonly api: FeishuApi;
  private readonly services: PortServices;
  private readonly log: Logger;
  private readonly dispatcher: lark.EventDispatcher;
  private readonly lock: ConnectionLock | null;
  private ws: lark.WSClient | null = null;
  private botOpenId: string | undefined;
  private readonly names = new Map<string, { name: string | undefined; at: number }>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly pace = new ReceiverPace();
  /** A person's 1:1 chat with the bot (open_id → chat_id): Feishu's 5 a second counts the person, however addressed. */
  private readonly p2p = new Map<string, string>();

  constructor(
    private readonly settings: FeishuSettings,
    ctx: AdapterContext,
  ) {
    this.services = ctx.services;
    this.log = ctx.log.child({ platform: PLATFORM });
    this.api = new FeishuApi(settings, this.log);
    this.dispatcher = new lark.EventDispatcher({
      ...(settings.encryptKey ? { encryptKey: settings.encryptKey } : {}),
      ...(settings.verificationToken ? { verificationToken: settings.verificationToken } : {}),
      logger: sdkLogger(this.log),
    }).register({
      'im.message.receive_v1': (d: unknown) => this.onMessage(d),
      'card.action.trigger': ((d: unknown) => this.onCardAction(d)) as never,
    });
    this.lock =
      settings.events === 'long-connection'
        ? new ConnectionLock(ctx.databaseUrl, settings.appId, settings.lockPollMs, this.log, {
            acquired: () => void this.connect(),
            lost: () => this.disconnect(),
          })
        : null;
  }

  async start(): Promise<void> {
    this.services.journal.start();
    this.botOpenId = await this.api.botOpenId();
    if (this.settings.events === 'http')
      this.log.info({ appId: this.settings.appId }, 'feishu events over HTTP at /feishu/events');
    await this.lock?.start();
  }

  /** The long connection, owned by one replica at a time (the others stand by); over HTTP there is none. */
  connection(): { ok: boolean; detail?: string } | undefined {
    if (!this.lock) return undefined;
    if (!this.lock.held) return { ok: true, detail: 'standby: another replica holds the long connection' };
    return this.connected
      ? { ok: true, detail: 'long connection up' }
      : { ok: false, detail: 'holding the long connection, not connected (reconnecting)' };
  }

  /**
   * The tenant's people for admin directory import: the contact directory through the SDK's Client
   * (adapters/feishu/directory.ts; scopes contact:contact.base:readonly and friends, and the contact range).
   */
  listDirectory(_tenant: string): Promise<DirectoryEntry[]> {
    this.directory ??= new FeishuDirectory(this.api, this.log);
    return this.directory.list();
  }
  /** The contact directory reader (its own call pacing), made on the first import. */
  private directory: FeishuDirectory | undefined;

  async stop(): Promise<void> {
    await this.lock?.stop();
    this.disconnect();
    await Promise.allSettled([...this.pending]);
    await this.services.journal.stop();
  }

  /** Waits for the work begun by the events taken so far (their replies); for tests and a graceful stop. */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** Whether this replica holds the long connection now. */
  get connected(): boolean {
    return this.ws !== null;
  }

  private async connect(): Promise<void> {
    if (this.ws) return;
    const ws = new lark.WSClient({
      appId: this.settings.appId,
      appSecret: this.settings.appSecret,
      domain: this.settings.domain,
      logger: sdkLogger(this.log),
      onError: (err: Error) => this.log.error({ err: err.message }, 'feishu: the long connection gave up'),
    });
    this.ws = ws;
    await ws.start({ eventDispatcher: this.dispatcher });
    this.log.info({ appId: this.settings.appId }, 'feishu long connection started');
  }

  private disconnect(): void {
    this.ws?.close({ force: true });
    this.ws = null;
  }

  /** Work that outlives the event's answer (replies after the ack); stop() waits for it. */
  private track(p: Promise<unknown>): void {
    const q = p.catch((err) => this.log.error({ err }, 'feishu background work failed'));
    this.pending.add(q);
    void q.finally(() => this.pending.delete(q));
  }

  // ---------------------------------------------------------------- HTTP delivery (FEISHU_EVENTS=http)

  routes(): Hono {
    const http = new Hono();
    if (this.settings.events !== 'http') return http;
    http.post('/feishu/events', bodyLimit({ maxSize: 1024 * 1024 }), async (c) => {
      const raw = await c.req.text();
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw);
      } catch {
        return c.json({ msg: 'not JSON' }, 400);
      }
      let plain: Record<string, unknown> = body;
      if (typeof body.encrypt === 'string') {
        if (!this.settings.encryptKey) return c.json({ msg: 'encrypted, and no FEISHU_ENCRYPT_KEY' }, 400);
        try {
          plain = JSON.parse(new lark.AESCipher(this.settings.encryptKey).decrypt(body.encrypt));
        } catch {
          this.log.warn('feishu: an event that does not decrypt with FEISHU_ENCRYPT_KEY; refused');
          return c.json({ msg: 'cannot decrypt' }, 400);
        }
      }
      // The SDK checks the signature (with the Encrypt Key) but not the Verification Token: checked here.
      const header = plain.header as { token?: unknown } | undefined;
      const token = header?.token ?? plain.token;
      if (typeof token !== 'string' || !sameText(token, this.settings.verificationToken ?? '')) {
        this.log.warn('feishu: an event with a wrong verification token; refused');
        return c.json({ msg: 'wrong token' }, 401);
      }
      if (plain.type === 'url_verification') return c.json({ challenge: plain.challenge });
      // With an Encrypt Key every event is signed: sha256(timestamp + nonce + key + body), over the body as sent.
      if (this.settings.encryptKey) {
        const h = (name: string) => c.req.header(name) ?? '';
        // A signed request far from now is a recording played again: refused while its record could be
        // gone (inbound events are kept a day), within it a redelivery is done once (Feishu retries for ~7 h).
        const sentAt = Number(h('x-lark-request-timestamp')) * 1000;
        if (!Number.isFinite(sentAt) || Math.abs(Date.now() - sentAt) > REPLAY_WINDOW_MS) {
          this.log.warn('feishu: a signed event too far from our clock (a replay?); refused');
          return c.json({ msg: 'stale request' }, 401);
        }
        const expected = createHash('sha256')
          .update(h('x-lark-request-timestamp') + h('x-lark-request-nonce') + this.settings.encryptKey + raw)
          .digest('hex');
        if (!sameText(h('x-lark-signature'), expected)) {
          this.log.warn('feishu: an event with a wrong signature; refused');
          return c.json({ msg: 'signature mismatch' }, 401);
        }
      }
      const result = await this.dispatcher.invoke(body, { needCheck: false });
      return c.json(typeof result === 'object' && result ? result : {});
    });
    return http;
  }

  // ---------------------------------------------------------------- outbound (the outbox calls these)

  /**
   * An outbox post's uuid comes from its row (idempotencyToken): a message re-sent after a crashed worker
   * carries the same uuid, and Feishu answers with the message it already sent instead of a second one.
   */
  async post(target: PostTarget, message: Message, opts?: PostOptions): Promise<PostedRef> {
    const uuid = idempotencyToken(opts, message, '', 32);
    return this.send(target, message, uuid);
  }

  private async send(target: PostTarget, message: Message, uuid?: string): Promise<PostedRef> {
    const { msgType, content } = render(message);
    const type = target.kind === 'chat' ? 'chat_id' : 'open_id';
    await this.pace.take(
      target.kind === 'chat' ? target.id : (this.p2p.get(target.id) ?? `user:${target.id}`),
    );
    const sent = await this.api.create(type, target.id, msgType, content, uuid);
    if (target.kind === 'user') this.learnP2p(target.id, sent.chatId);
    return { tenant: target.tenant, chatId: sent.chatId, messageId: sent.messageId };
  }

  private learnP2p(openId: string, chatId: string): void {
    if (this.p2p.size > 50_000) this.p2p.clear();
    this.p2p.set(openId, chatId);
  }

  async update(ref: PostedRef, message: Message): Promise<void> {
    if (!message.card) return; // only cards are changed in place
    await this.pace.take(`patch:${ref.messageId}`);
    await this.api.patch(ref.messageId, cardJson(message.card, message.locale ?? 'zh'));
  }

  // ---------------------------------------------------------------- inbound: messages

  private async nameOf(openId: string): Promise<string | undefined> {
    const known = this.names.get(openId);
    if (known && Date.now() - known.at < NAME_TTL_MS) return known.name;
    const name = await this.api.userName(openId);
    this.names.set(openId, { name, at: Date.now() });
    return name;
  }

  private async onMessage(data: unknown): Promise<undefined> {
    const parsed = messageEvent.safeParse(data);
    if (!parsed.success) {
      this.log.warn(
        { issues: parsed.error.issues.slice(0, 3) },
        'feishu: message event not understood; dropped',
      );
      return undefined;
    }
    const m = parsed.data;
    const openId = m.sender.sender_id.open_id;
    if (m.sender.sender_type !== 'user' || !openId) return undefined; // the bot's own and other apps' messages
    const tenant = m.tenant_key ?? m.sender.tenant_key ?? '';
    const name = await this.nameOf(openId);
    const user: InboundUser = { platform: PLATFORM, tenant, externalId: openId, ...(name ? { name } : {}) };
    const group = m.message.chat_type !== 'p2p';
    if (!group) this.learnP2p(openId, m.message.chat_id);
    const chat: ChatRef = {
      platform: PLATFORM,
      tenant,
      chatId: m.message.chat_id,
      kind: group ? 'group' : 'dm',
    };
    const target: PostTarget = group
      ? { tenant, kind: 'chat', id: m.message.chat_id }
      : { tenant, kind: 'user', id: openId };
    const raw = textOf(m.message.message_type, m.message.content);
    if (raw === null) {
      this.track(this.reply(chat, target, [{ text: inEveryLanguage((m) => m.textOnly) }]));
      return undefined;
    }
    const text = normalizeMentions(raw, m.message.mentions ?? [], this.botOpenId);
    // A re-pushed event has the same message_id: the core answers it once.
    const eventId = `msg:${m.message.message_id}`;
    const typed = typedPress(text);
    const press: (InboundAction & { eventId: string }) | null = typed
      ? { user, chat, actionId: typed, eventId }
      : null;
    // Recorded before the answer that stops Feishu pushing it again; a crash after this is run by the sweep.
    await this.services.journal.record(
      press
        ? { kind: 'action', inbound: press }
        : { kind: 'message', inbound: { user, chat, text, eventId } },
    );
    this.track(
      (async () => {
        const replies = press
          ? await this.services.commands.handleAction(press)
          : await this.services.commands.handleMessage({ user, chat, text, eventId });
        if (replies.length) await this.reply(chat, target, replies);
      })(),
    );
    return undefined;
  }

  /** Answers in the chat spoken in; what cannot go now goes through the outbox to the same place. */
  private reply(chat: ChatRef, fallback: PostTarget, replies: Message[]): Promise<void> {
    const here: PostTarget = { tenant: chat.tenant, kind: 'chat', id: chat.chatId };
    return this.services.replies.send(replies, (r) => this.send(here, r), { chat, fallback });
  }

  // ---------------------------------------------------------------- inbound: card actions

  private async onCardAction(data: unknown): Promise<CardAnswer> {
    const parsed = cardEvent.safeParse(data);
    if (!parsed.success) {
      this.log.warn(
        { issues: parsed.error.issues.slice(0, 3) },
        'feishu: card action not understood; dropped',
      );
      return {};
    }
    const ev = parsed.data;
    const value = ev.action.value as { action?: unknown } | undefined;
    const actionId = typeof value?.action === 'string' ? value.action : '';
    if (!actionId) return {};
    const tenant = ev.tenant_key ?? ev.operator.tenant_key ?? '';
    const messageId = ev.context.open_message_id;
    const where = await this.chatOfCard(tenant, messageId, ev.context.open_chat_id);
    const user: InboundUser = { platform: PLATFORM, tenant, externalId: ev.operator.open_id };
    const values = Object.fromEntries(
      Object.entries(ev.action.form_value ?? {}).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
    );
    const press: InboundAction & { eventId: string } = {
      user,
      chat: where.chat,
      actionId,
      messageId,
      eventId: `card:${ev.event_id ?? messageId}`,
      ...(Object.keys(values).length ? { values } : {}),
    };
    await this.services.journal.record({ kind: 'action', inbound: press });
    const mark = await this.services.cards.mark();
    const work = this.services.commands.handleAction(press);
    const timeout = new Promise<null>((r) => setTimeout(() => r(null), PRESS_BUDGET_MS).unref?.());
    const early = await Promise.race([work, timeout]);
    // What the core says goes to the presser's own chat too; every copy of the card is patched by the outbox.
    this.track(work.then((replies) => this.tellPresser(user, replies)));
    if (!early) return { toast: { type: 'info', content: messages(toLocale(where.locale)).workingOnIt } };
    const answer: CardAnswer = {};
    if (early[0]) answer.toast = { type: 'info', content: cut(early[0].text.split('\n')[0] ?? '', 80) };
    // The card changes at once in the answer; the outbox's patch of the same card follows.
    const ref = { tenant: where.chat.tenant, chatId: where.chatId, messageId };
    const rerender = await this.services.cards.rendersSince(ref, mark).catch(() => null);
    if (rerender?.message.card)
      answer.card = { type: 'raw', data: cardJson(rerender.message.card, rerender.locale) };
    return answer;
  }

  private async tellPresser(user: InboundUser, replies: Message[]): Promise<void> {
    if (!replies.length) return;
    const target: PostTarget = { tenant: user.tenant, kind: 'user', id: user.externalId };
    const chat: ChatRef = { platform: PLATFORM, tenant: user.tenant, chatId: user.externalId, kind: 'dm' };
    await this.services.replies.send(replies, (r) => this.send(target, r), { chat, fallback: target });
  }

  /** Where the pressed card is: from where we posted it (any replica), else from the chat Feishu names. */
  private async chatOfCard(
    tenant: string,
    messageId: string,
    chatId: string | undefined,
  ): Promise<{ chat: ChatRef; chatId: string; locale: 'en' | 'zh' }> {
    const row = await this.services.cards.find(messageId);
    if (row)
      return {
        chat: {
          platform: PLATFORM,
          tenant: row.tenant || tenant,
          chatId: row.chatId,
          kind: row.audience === 'group' ? 'group' : 'dm',
        },
        chatId: row.chatId,
        locale: row.locale,
      };
    const mode = chatId ? await this.api.chatMode(chatId) : undefined;
    return {
      chat: { platform: PLATFORM, tenant, chatId: chatId ?? '', kind: mode === 'p2p' ? 'dm' : 'group' },
      chatId: chatId ?? '',
      locale: 'zh',
    };
  }
}

/** Compares a secret-derived value in constant time. */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && y.length > 0 && timingSafeEqual(x, y);
}

/** The command text of a message, or null for pictures, files and the like. */
export function textOf(type: string, content: string): string | null {
  let c: unknown;
  try {
    c = JSON.parse(content);
  } catch {
    return null;
  }
  if (type === 'text')
    return typeof (c as { text?: unknown }).text === 'string' ? (c as { text: string }).text : null;
  if (type === 'post') {
    // {title, content: [[{tag:'text', text}, {tag:'at', user_id}, …], …]}, possibly under a locale key.
    const root = c as Record<string, unknown>;
    const post = (Array.isArray(root.content) ? root : Object.values(root)[0]) as
      | { content?: { tag?: string; text?: string; user_id?: string }[][] }
      | undefined;
    if (!Array.isArray(post?.content)) return null;
    return post.content
      .map((line) =>
        line.map((el) => (el.tag === 'at' && el.user_id ? el.user_id : (el.text ?? ''))).join(''),
      )
      .join('\n');
  }
  return null;
}

/**
 * `@_user_N` keys → `<@open_id|name>`, as the core reads mentions; the bot's own mention is dropped. Feishu
 * writes each mention into the text as its key and lists them in `mentions` with the person's open_id.
 */
export function normalizeMentions(
  text: string,
  mentions: {
    key: string;
    id: { open_id?: string | undefined };
    name?: string | undefined;
    mentioned_type?: string | undefined;
  }[],
  botOpenId: string | undefined,
): string {
  const byKey = new Map(mentions.map((m) => [m.key, m]));
  return text
    .replace(/@_user_\d+|@_all/g, (key) => {
      const m = byKey.get(key);
      if (!m) return key;
      const openId = m.id.open_id;
      if (!openId || openId === botOpenId || m.mentioned_type === 'bot') return '';
      const name = (m.name ?? '').replace(/[<>|]/g, '');
      return name ? `<@${openId}|${name}>` : `<@${openId}>`;
    })
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}
