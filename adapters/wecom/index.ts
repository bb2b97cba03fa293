// The WeCom adapter: the intelligent bot over the long connection and/or the self-built app over HTTP
// callbacks. Settings in config.ts; setup in docs/setup-wecom.md.
import { Hono } from 'hono';
import type { Message } from '../../src/cards/card.ts';
import type { AdapterFactory, PlatformAdapter } from '../../src/core/adapter.ts';
import type { PostedRef, PostTarget } from '../../src/core/delivery.ts';
import { AppTransport } from './app.ts';
import { BotTransport } from './bot.ts';
import { loadWeComSettings, type WeComSettings } from './config.ts';
import { Shared } from './shared.ts';
import { PLATFORM } from './store.ts';

export class WeComAdapter implements PlatformAdapter {
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

  post(target: PostTarget, message: Message) {
    return this.transport(target.tenant).post(target, message);
  }

  update(ref: PostedRef, message: Message) {
    return this.transport(ref.tenant).update(ref, message);
  }

  routes(): Hono {
    return this.app?.routes() ?? new Hono();
  }

  async start(): Promise<void> {
    this.shared.journal.start();
    await this.bot?.start();
  }

  async stop(): Promise<void> {
    await this.bot?.stop();
    await this.app?.settle();
    await this.shared.journal.stop();
  }
}

export const createWeComAdapter: AdapterFactory = async (ctx) => {
  const settings: WeComSettings | null = loadWeComSettings(ctx.env);
  if (!settings) return null;
  const log = ctx.log.child({ platform: PLATFORM });
  return new WeComAdapter(new Shared(ctx.services, ctx.db, log, settings));
};
