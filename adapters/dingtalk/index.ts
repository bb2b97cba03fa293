// The DingTalk adapter: Stream mode in (robot @-messages and interactive card clicks), robot and card
// OpenAPIs out. See docs/setup-dingtalk.md for the setup and ../shared/platforms/dingtalk.md for the facts.
import { randomUUID } from 'node:crypto';
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
  type Journal,
  type Message,
  messages,
  PermanentDeliveryError,
  type PortServices,
  type PostedRef,
  type PostOptions,
  type PostTarget,
  RetryLaterError,
  toLocale,
  typedPress,
} from '../../src/port/index.ts';
import { DingTalkApi, WindowLimiter } from './api.ts';
import { type DingTalkSettings, dingTalkSchema, loadDingTalkSettings } from './config.ts';
import { DingTalkDirectory } from './directory.ts';
import { BUTTON_SLOTS, cardParams, inputHint, markdownOf } from './render.ts';
import { StreamConnection } from './stream.ts';

export const PLATFORM = 'dingtalk';
/** Our outTrackIds start with this; other message refs (markdown) cannot be edited in place. */
const CARD_PREFIX = 'sr_';
const MARKDOWN_PREFIX = 'md:';
/** A card callback is answered within DingTalk's 2 s window; slower work finishes afterwards. */
const CALLBACK_BUDGET_MS = 1500;
/** Do not use a sessionWebhook in its last minute. */
const WEBHOOK_MARGIN_MS = 60_000;

const atUser = z.object({ dingtalkId: z.string().optional(), staffId: z.string().optional() });
const robotMessage = z.object({
  conversationId: z.string().min(1),
  conversationType: z.string(),
  conversationTitle: z.string().optional(),
  msgId: z.string().min(1),
  msgtype: z.string(),
  senderNick: z.string().optional(),
  senderStaffId: z.string().optional(),
  senderId: z.string().optional(),
  senderCorpId: z.string().optional(),
  chatbotCorpId: z.string().optional(),
  chatbotUserId: z.string().optional(),
  sessionWebhook: z.string().optional(),
  sessionWebhookExpiredTime: z.number().optional(),
  atUsers: z.array(atUser).optional(),
  text: z.object({ content: z.string() }).optional(),
  content: z.unknown().optional(),
});
type RobotMessage = z.infer<typeof robotMessage>;

const cardCallback = z.object({
  outTrackId: z.string().min(1),
  userId: z.string().min(1),
  corpId: z.string().optional(),
  spaceType: z.string().optional(),
  spaceId: z.string().optional(),
  content: z.string(),
});
const callbackContent = z.object({
  cardPrivateData: z
    .object({
      actionIds: z.array(z.string()).optional(),
      params: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});

export const dingtalk = declareAdapter<DingTalkSettings>({
  name: PLATFORM,
  configured: (env) => Boolean(env.DINGTALK_CLIENT_ID?.trim()),
  settings: loadDingTalkSettings,
  schema: dingTalkSchema,
  capabilities: {
    // With DINGTALK_CARD_TEMPLATE_ID; without it, cards go as markdown with the commands to type.
    cards: true,
    updateInPlace: 'always',
    forms: false,
    privateReplies: false,
    mentions: true,
    // A card's outTrackId comes from its outbox row: a card re-sent after a crash is refused as existing.
    // Markdown messages have no key.
    idempotentSends: 'some',
  },
  limits: {
    // OpenAPI 20 calls per second per app per API. The 20-per-minute figure is for robots in a group; the
    // adapter paces group sends itself (DINGTALK_GROUP_PER_MINUTE) since it knows a group from a 1:1 chat.
    rate: { perApp: { count: 20, perMs: 1000 } },
    // Markdown about 5,000 characters; four button slots in our card template; 2 s to answer a click.
    text: { maxText: 5000, unit: 'chars', maxButtons: BUTTON_SLOTS, pressAnswerMs: 2000 },
  },
  create: (settings, ctx) => new DingTalkAdapter(settings, ctx),
});

export class DingTalkAdapter implements ChannelAdapter {
  readonly platform = PLATFORM;
  readonly api: DingTalkApi;
  readonly stream: StreamConnection;
  private readonly services: PortServices;
  private readonly log: Logger;
  private readonly groups: WindowLimiter;
  private readonly pending = new Set<Promise<unknown>>();
  /** The contact directory reader (its own per-API call limiter), made on the first import. */
  private directory: DingTalkDirectory | undefined;
  /** A callback is recorded before it is acked; a sweep runs what a crashed process left. */
  readonly journal: Journal;

  constructor(
    private readonly settings: DingTalkSettings,
    ctx: AdapterContext,
  ) {
    this.services = ctx.services;
    this.log = ctx.log.child({ platform: PLATFORM });
    this.api = new DingTalkApi(settings, this.log);
    this.groups = new WindowLimiter(settings.groupPerMinute, 60_000);
    this.journal = ctx.services.journal;
    this.stream = new StreamConnection({
      settings,
      log: this.log,
      onRobotMessage: (_f, data) => this.onRobotMessage(data),
      onCardCallback: (f, data) => this.onCardCallback(f.headers.messageId, data),
    });
  }

  get cards(): boolean {
    return Boolean(this.settings.cardTemplateId);
  }

  async start(): Promise<void> {
    if (!this.cards)
      this.log.warn(
        'DINGTALK_CARD_TEMPLATE_ID is not set: cards are sent as markdown with the equivalent text commands (no buttons). See docs/setup-dingtalk.md to import the card template.',
      );
    this.journal.start();
    await this.stream.start();
  }

  /** Every replica keeps a Stream connection of its own (DingTalk hands each event to one of them). */
  connection(): { ok: boolean; detail?: string } {
    return this.stream.connected
      ? { ok: true, detail: 'stream connected' }
      : { ok: false, detail: 'stream not connected (reconnecting)' };
  }

  async stop(): Promise<void> {
    await this.stream.stop();
    await Promise.allSettled([...this.pending]);
    await this.journal.stop();
  }

  /** Work that outlives the stream callback (replies after the ack); stop() waits for it. */
  private track(p: Promise<unknown>): void {
    const q = p.catch((err) => this.log.error({ err }, 'dingtalk background work failed'));
    this.pending.add(q);
    void q.finally(() => this.pending.delete(q));
  }

  /**
   * The organisation's people for admin directory import: the contact directory through the server API
   * (adapters/dingtalk/directory.ts; permissions qyapi_get_department_list and qyapi_get_member).
   */
  listDirectory(_tenant: string): Promise<DirectoryEntry[]> {
    this.directory ??= new DingTalkDirectory(this.api, this.settings.oapiUrl, this.log, this.settings.apiQps);
    return this.directory.list();
  }

  // ---------------------------------------------------------------- outbound (the outbox calls these)

  async post(target: PostTarget, message: Message, opts?: PostOptions): Promise<PostedRef> {
    if (target.kind === 'chat') {
      const wait = this.groups.waitFor(target.id);
      if (wait > 0) throw new RetryLaterError(`dingtalk group ${target.id} throttled`, wait);
      this.groups.take(target.id);
    }
    return this.send(target, message, opts);
  }

  async update(ref: PostedRef, message: Message): Promise<void> {
    if (!ref.messageId.startsWith(CARD_PREFIX) || !message.card) return; // markdown cannot be edited
    const res = await this.api.call<{ success?: boolean }>('card.update', 'PUT', '/v1.0/card/instances', {
      outTrackId: ref.messageId,
      cardData: { cardParamMap: cardParams(message.card, message.locale ?? 'zh') },
      cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true },
      userIdType: 1,
    });
    if (res.success === false) throw new Error(`dingtalk card update of ${ref.messageId} failed`);
  }

  /** Sends to a group (openConversationId) or a person (staff id): a card when possible, else markdown. */
  private async send(target: PostTarget, message: Message, opts?: PostOptions): Promise<PostedRef> {
    if (message.card && this.cards) return this.sendCard(target, message, opts);
    const md = markdownOf(message, target.kind === 'chat');
    const msgParam = JSON.stringify(md);
    if (target.kind === 'chat') {
      const res = await this.api.call<{ processQueryKey?: string }>(
        'robot.groupMessages.send',
        'POST',
        '/v1.0/robot/groupMessages/send',
        {
          robotCode: this.settings.robotCode,
          openConversationId: target.id,
          msgKey: 'sampleMarkdown',
          msgParam,
        },
      );
      return {
        tenant: target.tenant,
        chatId: target.id,
        messageId: `${MARKDOWN_PREFIX}${res.processQueryKey ?? ''}`,
      };
    }
    const res = await this.api.call<{
      processQueryKey?: string;
      invalidStaffIdList?: string[];
      flowControlledStaffIdList?: string[];
    }>('robot.oToMessages.batchSend', 'POST', '/v1.0/robot/oToMessages/batchSend', {
      robotCode: this.settings.robotCode,
      userIds: [target.id],
      msgKey: 'sampleMarkdown',
      msgParam,
    });
    if (res.invalidStaffIdList?.includes(target.id))
      throw new PermanentDeliveryError(`dingtalk: ${target.id} is not a valid staff id for this robot`);
    if (res.flowControlledStaffIdList?.includes(target.id))
      throw new RetryLaterError(`dingtalk: messages to ${target.id} are flow-controlled`, 1000);
    return {
      tenant: target.tenant,
      chatId: target.id,
      messageId: `${MARKDOWN_PREFIX}${res.processQueryKey ?? ''}`,
    };
  }

  /**
   * An outbox post's outTrackId comes from its row (idempotencyToken), so the same row creates the same
   * card: a worker that crashed after DingTalk took the card and before the row was marked sent sends it
   * again, DingTalk answers that the card exists, and it is shown once. A direct reply has no row: a new id.
   */
  private async sendCard(target: PostTarget, message: Message, opts?: PostOptions): Promise<PostedRef> {
    const keyed = idempotencyToken(opts, message, CARD_PREFIX, 32);
    const outTrackId = keyed ?? `${CARD_PREFIX}${randomUUID().replaceAll('-', '')}`;
    const space =
      target.kind === 'chat'
        ? {
            openSpaceId: `dtv1.card//IM_GROUP.${target.id}`,
            imGroupOpenSpaceModel: { supportForward: false },
            imGroupOpenDeliverModel: { robotCode: this.settings.robotCode },
          }
        : {
            openSpaceId: `dtv1.card//IM_ROBOT.${target.id}`,
            imRobotOpenSpaceModel: { supportForward: false },
            imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: this.settings.robotCode },
          };
    const ref = { tenant: target.tenant, chatId: target.id, messageId: outTrackId };
    let res: { success?: boolean; result?: { deliverResults?: { success?: boolean; errorMsg?: string }[] } };
    try {
      res = await this.api.call('card.createAndDeliver', 'POST', '/v1.0/card/instances/createAndDeliver', {
        cardTemplateId: this.settings.cardTemplateId,
        outTrackId,
        callbackType: 'STREAM',
        cardData: { cardParamMap: cardParams(message.card!, message.locale ?? 'zh') },
        ...space,
        userIdType: 1,
      });
    } catch (err) {
      if (keyed && err instanceof PermanentDeliveryError && err.message.includes('cardAlreadyExist')) {
        this.log.info({ outTrackId }, 'dingtalk: this card was created by an earlier try; not shown again');
        return ref;
      }
      throw err;
    }
    const failed = res.result?.deliverResults?.find((d) => d.success === false);
    if (res.success === false || failed) {
      const why = `dingtalk card ${outTrackId} not delivered: ${failed?.errorMsg ?? 'unknown error'}`;
      // The card exists now and its outTrackId is taken: a keyed retry would be refused as existing, so an
      // outbox post is given up (the management chat is told); a direct reply goes to the outbox instead.
      throw keyed ? new PermanentDeliveryError(why) : new Error(why);
    }
    return ref;
  }

  // ---------------------------------------------------------------- inbound: robot messages

  private async onRobotMessage(data: unknown): Promise<null> {
    const parsed = robotMessage.safeParse(data);
    if (!parsed.success) {
      this.log.warn(
        { issues: parsed.error.issues.slice(0, 3) },
        'dingtalk: robot message not understood; dropped',
      );
      return null;
    }
    const m = parsed.data;
    const tenant = m.chatbotCorpId ?? m.senderCorpId ?? '';
    const externalId = m.senderStaffId || m.senderId;
    if (!externalId) return null;
    const user: InboundUser = {
      platform: PLATFORM,
      tenant,
      externalId,
      ...(m.senderNick ? { name: m.senderNick } : {}),
    };
    const group = m.conversationType !== '1';
    const chat: ChatRef = {
      platform: PLATFORM,
      tenant,
      chatId: m.conversationId,
      kind: group ? 'group' : 'dm',
      ...(m.conversationTitle ? { title: m.conversationTitle } : {}),
    };
    const raw = textOf(m);
    if (raw === null) {
      this.track(this.reply(m, chat, [{ text: inEveryLanguage((m) => m.textOnly) }]));
      return null;
    }
    const text = normalizeMentions(
      raw,
      m.atUsers ?? [],
      m.chatbotUserId,
      await this.namesOf(tenant, m.atUsers),
    );
    const eventId = `msg:${m.msgId}`;
    // Without card buttons, `confirm <id>` / `cancel <id>` stand for pressing them.
    const typed = typedPress(text);
    const press: (InboundAction & { eventId: string }) | null = typed
      ? { user, chat, actionId: typed, eventId }
      : null;
    // Recorded before anything else: robot messages are not sent again, so a crash from here on is recovered
    // from the record (a failure to record throws before the ack: DingTalk may then resend).
    await this.journal.record(
      press
        ? { kind: 'action', inbound: press }
        : { kind: 'message', inbound: { user, chat, text, eventId } },
    );
    const replies = press
      ? await this.services.commands.handleAction(press)
      : await this.services.commands.handleMessage({ user, chat, text, eventId });
    // The core has committed (and deduped): ack now, reply after.
    if (replies.length) this.track(this.reply(m, chat, replies));
    return null;
  }

  /** The nicks we know for the mentioned staff ids (each person's own messages gave us theirs). */
  private namesOf(tenant: string, atUsers: RobotMessage['atUsers']): Promise<Map<string, string>> {
    const ids = (atUsers ?? []).map((u) => u.staffId).filter((id): id is string => Boolean(id));
    return this.services.identities.displayNames(tenant, ids);
  }

  /** Replies to a command: through the sessionWebhook while valid, else the robot API; never lost. */
  private async reply(m: RobotMessage, chat: ChatRef, replies: Message[]): Promise<void> {
    const group = chat.kind === 'group';
    const target: PostTarget = group
      ? { tenant: chat.tenant, kind: 'chat', id: m.conversationId }
      : { tenant: chat.tenant, kind: 'user', id: m.senderStaffId || m.senderId || '' };
    await this.services.replies.send(
      replies,
      async (r) => {
        if (group) this.groups.take(m.conversationId);
        const webhookValid =
          m.sessionWebhook && (m.sessionWebhookExpiredTime ?? 0) - WEBHOOK_MARGIN_MS > Date.now();
        if (webhookValid && !(r.card && this.cards)) {
          try {
            await this.api.webhook(m.sessionWebhook!, {
              msgtype: 'markdown',
              markdown: markdownOf(r, group),
            });
            return null;
          } catch (err) {
            this.log.info(
              { err: String((err as Error).message) },
              'dingtalk sessionWebhook refused; using the robot API',
            );
          }
        }
        // Remembered under the conversation it was said in (a card's callback names it, not the staff id).
        return { ...(await this.send(target, r)), chatId: chat.chatId };
      },
      { chat, fallback: target },
    );
  }

  // ---------------------------------------------------------------- inbound: card button clicks

  private async onCardCallback(frameId: string, data: unknown): Promise<unknown> {
    const parsed = cardCallback.safeParse(data);
    if (!parsed.success) {
      this.log.warn(
        { issues: parsed.error.issues.slice(0, 3) },
        'dingtalk: card callback not understood; dropped',
      );
      return null;
    }
    const cb = parsed.data;
    let content: z.infer<typeof callbackContent>;
    try {
      content = callbackContent.parse(JSON.parse(cb.content));
    } catch {
      this.log.warn({ outTrackId: cb.outTrackId }, 'dingtalk: card callback content is not JSON; dropped');
      return null;
    }
    const params = content.cardPrivateData?.params ?? {};
    const actionId = typeof params.action === 'string' ? params.action : '';
    const input = typeof params.input === 'string' ? params.input : '';
    if (!actionId || actionId.startsWith('${')) return null;

    const where = await this.chatOfCard(cb);
    const user: InboundUser = { platform: PLATFORM, tenant: where.chat.tenant, externalId: cb.userId };
    const locale = where.locale;
    if (input) {
      // No form on this card: tell the person what to type, privately on the card and in their chat.
      const hint = inputHint({ id: actionId, input }, locale, where.chat.kind === 'group');
      this.track(this.post({ tenant: user.tenant, kind: 'user', id: cb.userId }, { text: hint, locale }));
      return privateHint(hint);
    }
    const press = {
      user,
      chat: where.chat,
      actionId,
      messageId: cb.outTrackId,
      eventId: `card:${frameId}`,
    };
    // The callback is acked after a short budget whether or not the work is done: recorded first.
    await this.journal.record({ kind: 'action', inbound: press });
    const work = this.services.commands.handleAction(press);
    const timeout = new Promise<null>((r) => setTimeout(() => r(null), CALLBACK_BUDGET_MS).unref?.());
    const early = await Promise.race([work, timeout]);
    // Whatever the core says goes to the clicker's own chat; the card itself is re-rendered through the outbox.
    this.track(work.then((replies) => this.tellClicker(user, replies)));
    if (!early) return privateHint(messages(locale).workingOnIt);
    return early.length ? privateHint(early[0]!.text) : null;
  }

  private async tellClicker(user: InboundUser, replies: Message[]): Promise<void> {
    const target: PostTarget = { tenant: user.tenant, kind: 'user', id: user.externalId };
    const chat: ChatRef = { platform: PLATFORM, tenant: user.tenant, chatId: user.externalId, kind: 'dm' };
    await this.services.replies.send(replies, (r) => this.send(target, r), { chat, fallback: target });
  }

  /** Where the clicked card is: from where we posted it (any replica), else from the callback. */
  private async chatOfCard(
    cb: z.infer<typeof cardCallback>,
  ): Promise<{ chat: ChatRef; locale: 'en' | 'zh' }> {
    const row = await this.services.cards.find(cb.outTrackId);
    const locale = toLocale(row?.locale);
    if (row)
      return {
        chat: {
          platform: PLATFORM,
          tenant: row.tenant || cb.corpId || '',
          chatId: row.chatId,
          kind: row.audience === 'group' ? 'group' : 'dm',
        },
        locale,
      };
    const group = cb.spaceType === 'IM_GROUP' && cb.spaceId;
    return {
      chat: {
        platform: PLATFORM,
        tenant: cb.corpId ?? '',
        chatId: group ? cb.spaceId! : cb.userId,
        kind: group ? 'group' : 'dm',
      },
      locale,
    };
  }
}

function privateHint(text: string) {
  return {
    userPrivateData: { cardParamMap: { hint: text.slice(0, 900) } },
    cardUpdateOptions: { updatePrivateDataByKey: true },
  };
}

/** The command text of a robot message, or null for pictures, files and the like. */
function textOf(m: RobotMessage): string | null {
  if (m.msgtype === 'text' && m.text) return m.text.content.trim();
  if (m.msgtype === 'richText') {
    const rich = (m.content as { richText?: { text?: string }[] } | undefined)?.richText;
    if (Array.isArray(rich))
      return rich
        .map((p) => p.text ?? '')
        .join('')
        .trim();
  }
  return null;
}

/**
 * `@Nick` in the text → `<@staffId|Nick>`, matching the at-list. DingTalk writes each mention as `@` + the
 * person's nick (which may contain spaces) and lists them in atUsers without the nick: a nick we know (from
 * the person's own messages) is matched exactly; the others are matched in order, one word each. The bot's
 * own mention is removed by DingTalk; if a client left it in, the extra leading mention is dropped.
 */
export function normalizeMentions(
  content: string,
  atUsers: { dingtalkId?: string; staffId?: string }[],
  botUserId: string | undefined,
  knownNames: Map<string, string> = new Map(),
): string {
  const people = atUsers.filter((u) => !botUserId || u.dingtalkId !== botUserId);
  const botListed = botUserId !== undefined && atUsers.some((u) => u.dingtalkId === botUserId);
  const placeholders: string[] = [];
  const hold = (s: string) => `\uE000${placeholders.push(s) - 1}\uE000`;
  let text = content;
  const rest: { id: string }[] = [];
  for (const u of people) {
    const id = u.staffId || u.dingtalkId;
    if (!id) continue;
    const name = knownNames.get(id);
    const at = name ? text.indexOf(`@${name}`) : -1;
    if (name && at >= 0) {
      const display = name.replace(/[<>|]/g, '');
      text = `${text.slice(0, at)}${hold(`<@${id}|${display}>`)}${text.slice(at + name.length + 1)}`;
    } else rest.push({ id });
  }
  const pattern = /(^|\s)@([^\s@<>|\uE000]+)/g;
  const count = [...text.matchAll(pattern)].length;
  let skipBot = botListed && count === rest.length + 1;
  let i = 0;
  text = text.replace(pattern, (all, pre: string, name: string) => {
    if (skipBot) {
      skipBot = false;
      return pre;
    }
    const who = rest[i++];
    return who ? `${pre}<@${who.id}|${name}>` : all;
  });
  return text.replace(/\uE000(\d+)\uE000/g, (_m, n: string) => placeholders[Number(n)]!).trim();
}
