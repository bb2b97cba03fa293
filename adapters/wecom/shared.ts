// What both transports share: the core's services, quotas, the webhook sender, and the inbound path
// for typed text (mentions, `admin bind … webhook=`), and the memory of what each posted card shows now.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  ChatRef,
  InboundMessage,
  InboundUser,
  Journal,
  Message,
  PortServices,
  PostedRef,
} from '../../src/port/index.ts';
import type { WeComSettings } from './config.ts';
import { normalizeMentions } from './inbound.ts';
import { Quota } from './quota.ts';
import { WebhookSender } from './webhook.ts';

/** A typed text ready for the core: the command as the core reads it (mentions resolved). */
export type PreparedText = { inbound: InboundMessage & { eventId: string } };

export class Shared {
  readonly quota: Quota;
  readonly webhook: WebhookSender;
  /** What is received is recorded before it is answered (src/core/inbound-journal.ts); both transports. */
  readonly journal: Journal;
  /** ref → hash of the message it shows (after an in-place update or a follow-up), so nothing is said twice. */
  private readonly shown = new Map<string, string>();

  constructor(
    readonly services: PortServices,
    readonly log: Logger,
    readonly settings: WeComSettings,
  ) {
    this.quota = new Quota([
      { ms: 60_000, max: settings.quota.perMinute },
      { ms: 3_600_000, max: settings.quota.perHour },
    ]);
    const hooks = new Quota([{ ms: 60_000, max: settings.quota.webhookPerMinute }]);
    this.webhook = new WebhookSender(settings.apiUrl, hooks, settings.quota.throttledRetryMs);
    this.journal = services.journal;
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

  /**
   * A typed text → what the core will read: mentions resolved. (`admin bind … webhook=<key>` is the core's:
   * it keeps the key out of the journal and the audit, src/commands/secrets.ts.)
   */
  async prepareText(user: InboundUser, chat: ChatRef, text: string, eventId: string): Promise<PreparedText> {
    const command = await normalizeMentions(
      (name) => this.services.identities.resolveMention(chat.tenant, name),
      text,
    );
    return { inbound: { user, chat, text: command, eventId } };
  }

  /** Records a prepared text, before it is answered or acted on. */
  async record(p: PreparedText): Promise<void> {
    await this.journal.record({ kind: 'message', inbound: p.inbound });
  }

  /** The core runs a prepared text. */
  async runText(p: PreparedText): Promise<Message[]> {
    return this.services.commands.handleMessage(p.inbound);
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
