// What both transports share: the core, the database, quotas, the webhook sender, and the inbound path
// for typed text (mentions, `admin bind … webhook=`), and the memory of what each posted card shows now.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Message } from '../../src/cards/card.ts';
import type { PostedRef } from '../../src/core/delivery.ts';
import type { ChatRef, InboundUser } from '../../src/core/inbound.ts';
import type { CoreServices } from '../../src/core/services.ts';
import type { Db } from '../../src/db/client.ts';
import type { WeComSettings } from './config.ts';
import { normalizeMentions, splitWebhookBind, WEBHOOK_KEY } from './inbound.ts';
import { Quota } from './quota.ts';
import { bindingOf, personIdOf, storeWebhookKey } from './store.ts';
import { WebhookSender } from './webhook.ts';

export class Shared {
  readonly quota: Quota;
  readonly webhook: WebhookSender;
  /** ref → hash of the message it shows (after an in-place update or a follow-up), so nothing is said twice. */
  private readonly shown = new Map<string, string>();

  constructor(
    readonly services: CoreServices,
    readonly db: Db,
    readonly log: Logger,
    readonly settings: WeComSettings,
  ) {
    this.quota = new Quota([
      { ms: 60_000, max: settings.quota.perMinute },
      { ms: 3_600_000, max: settings.quota.perHour },
    ]);
    const hooks = new Quota([{ ms: 60_000, max: settings.quota.webhookPerMinute }]);
    this.webhook = new WebhookSender(settings.apiUrl, hooks, settings.quota.throttledRetryMs);
  }

  static refKey(ref: PostedRef): string {
    return `${ref.tenant}|${ref.chatId}|${ref.messageId}`;
  }

  static hash(m: Message): string {
    return createHash('sha1')
      .update(JSON.stringify({ t: m.text, c: m.card ?? null }))
      .digest('hex');
  }

  alreadyShows(ref: PostedRef, m: Message): boolean {
    return this.shown.get(Shared.refKey(ref)) === Shared.hash(m);
  }

  markShown(ref: PostedRef, m: Message): void {
    if (this.shown.size > 10_000) this.shown.clear();
    this.shown.set(Shared.refKey(ref), Shared.hash(m));
  }

  async remember(cardKey: string | undefined, ref: PostedRef, locale: string | undefined, dm: boolean) {
    if (!cardKey) return;
    await this.services.delivery.remember(cardKey, 'wecom', ref, locale ?? 'zh', dm ? 'private' : 'group');
  }

  /** A typed text → the core. `admin bind <dept> webhook=<key>` binds through the core, then keeps the key. */
  async handleText(user: InboundUser, chat: ChatRef, text: string, eventId: string): Promise<Message[]> {
    const bind = splitWebhookBind(text);
    const command = await normalizeMentions(this.db, chat.tenant, bind ? bind.text : text);
    if (bind && !WEBHOOK_KEY.test(bind.key)) {
      return [
        {
          text: 'That webhook key does not look right: copy the key= part of the group robot URL. / webhook 密钥格式不对：请复制群机器人地址中 key= 后面的部分。',
        },
      ];
    }
    const replies = await this.services.core.handleMessage({ user, chat, text: command, eventId });
    if (bind && replies.length > 0 && chat.kind === 'group') {
      // Only when the core did bind this chat just now, for an admin.
      const binding = await bindingOf(this.db, chat.tenant, chat.chatId);
      const who = await personIdOf(this.db, user.tenant, user.externalId);
      if (binding && who && who.role === 'admin' && binding.boundBy === who.personId) {
        await storeWebhookKey(this.db, chat.tenant, chat.chatId, bind.key);
        this.log.info({ chat: chat.chatId }, 'wecom: group robot webhook bound');
        const en = 'Notices without buttons for this chat go through its group robot.';
        const zh = '本群不含按钮的通知将通过群机器人发送。';
        replies[0] = {
          ...replies[0]!,
          text: `${replies[0]!.text}\n${replies[0]!.locale === 'en' ? en : zh}`,
        };
      }
    }
    return replies;
  }
}

export function sdkLogger(log: Logger) {
  const fmt = (message: string, args: unknown[]) => ({
    args: args.map((a) => (a instanceof Error ? a.message : a)),
    msg: message,
  });
  return {
    debug: (m: string, ...a: unknown[]) => log.debug(fmt(m, a), m),
    info: (m: string, ...a: unknown[]) => log.debug(fmt(m, a), m),
    warn: (m: string, ...a: unknown[]) => log.warn(fmt(m, a), m),
    error: (m: string, ...a: unknown[]) => log.error(fmt(m, a), m),
  };
}

/** The SDK rejects with the raw ack frame on errcode≠0, or with an Error (timeout, not connected). */
export function errcodeOf(err: unknown): { errcode: number; errmsg: string } | null {
  if (err && typeof err === 'object' && 'errcode' in err) {
    const e = err as { errcode: unknown; errmsg?: unknown };
    return { errcode: Number(e.errcode), errmsg: String(e.errmsg ?? '') };
  }
  return null;
}
