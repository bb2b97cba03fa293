// The WeCom adapter: the intelligent bot over the long connection and/or the self-built app over HTTP
// callbacks. Settings in config.ts; setup in docs/setup-wecom.md.
import { Hono } from 'hono';
import {
  AdminActionError,
  type ChannelAdapter,
  type DirectoryEntry,
  declareAdapter,
  type Message,
  type PostedRef,
  type PostOptions,
  type PostTarget,
} from '../../src/port/index.ts';
import { AppTransport } from './app.ts';
import { BotTransport } from './bot.ts';
import { MAX_BUTTONS } from './cards.ts';
import { loadWeComSettings, type WeComSettings, wecomSchema } from './config.ts';
import { BOT_ONLY_ADVICE, WeComDirectory } from './directory.ts';
import { PLATFORM } from './platform.ts';
import { Shared } from './shared.ts';

export class WeComAdapter implements ChannelAdapter {
  readonly platform = PLATFORM;
  readonly bot: BotTransport | null;
  readonly app: AppTransport | null;

  constructor(readonly shared: Shared) {
    const { settings } = shared;
    this.bot = settings.bot ? new BotTransport(shared, settings.bot) : null;
    this.app = settings.app ? new AppTransport(shared, settings.app) : null;
  }

  /** Messages for an app identity (tenant = corp id) go through the app; everything else through the bot. */
  private transport(tenant: string): BotTransport | AppTransport {
    if (this.app && (tenant === this.app.tenant || !this.bot)) return this.app;
    return this.bot!;
  }

  post(target: PostTarget, message: Message, opts?: PostOptions) {
    return this.transport(target.tenant).post(target, message, opts);
  }

  update(ref: PostedRef, message: Message) {
    return this.transport(ref.tenant).update(ref, message);
  }

  /**
   * The robot sends over its long connection, which one replica holds: the others leave its messages to
   * that one instead of claiming them and answering "retry later". With the self-built app too (HTTP, any
   * replica), the robot's messages are still refused here one by one (RetryLaterError in bot.ts).
   */
  canDeliver(): boolean {
    return !this.bot || this.app !== null || this.bot.holding;
  }

  /**
   * The corporation's people for admin directory import, through the self-built app's contact API
   * (adapters/wecom/directory.ts); the intelligent robot has none, so without the app the admin is told so.
   * The robot's and the app's user ids are the same corp userids, so either chat may import.
   */
  listDirectory(_tenant: string): Promise<DirectoryEntry[]> {
    const app = this.shared.settings.app;
    if (!app)
      return Promise.reject(
        new AdminActionError('wecom: no self-built app for the directory', BOT_ONLY_ADVICE),
      );
    this.directory ??= new WeComDirectory(this.shared.settings.apiUrl, app, this.shared.log);
    return this.directory.list();
  }
  private directory: WeComDirectory | undefined;

  routes(): Hono {
    return this.app?.routes() ?? new Hono();
  }

  async start(): Promise<void> {
    this.shared.journal.start();
    await this.bot?.start();
  }

  /** The intelligent robot's long connection; app mode has none (its callbacks come over HTTP). */
  connection(): { ok: boolean; detail?: string } | undefined {
    return this.bot?.connectionState();
  }

  async stop(): Promise<void> {
    await this.bot?.stop();
    await this.app?.settle();
    await this.shared.journal.stop();
  }
}

export const wecom = declareAdapter<WeComSettings>({
  name: PLATFORM,
  configured: (env) => Boolean(env.WECOM_BOT_ID?.trim() || env.WECOM_CORP_ID?.trim()),
  settings: loadWeComSettings,
  schema: wecomSchema,
  capabilities: {
    cards: true,
    // A bot card changes only while answering its click (5 s); later changes are a follow-up message.
    updateInPlace: 'on-press',
    forms: false,
    privateReplies: false,
    mentions: true,
    // A card's task_id comes from its outbox row (WeCom refuses one twice); markdown and webhooks have none.
    idempotentSends: 'some',
  },
  limits: {
    // 30 replies/pushes per minute per conversation, webhook robots 20 per minute: 20 per minute.
    rate: { perChat: { count: 20, perMs: 60_000 } },
    // Markdown 4,096 bytes (a stream reply 20,480); six buttons on a button_interaction card; 5 s to update it.
    text: { maxText: 4000, unit: 'bytes', maxButtons: MAX_BUTTONS, pressAnswerMs: 5000 },
  },
  create: (settings, ctx) => {
    const log = ctx.log.child({ platform: PLATFORM });
    // The connection lock needs a session: the URL the core gives for it (DATABASE_SESSION_URL behind PgBouncer).
    const lockUrl = ctx.databaseUrl ?? settings.databaseUrl;
    return new WeComAdapter(new Shared(ctx.services, log, { ...settings, databaseUrl: lockUrl }));
  },
});
