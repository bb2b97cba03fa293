// The adapters the composition root knows, from adapters/index.ts: which are configured, their settings
// checked before anything starts, their limits for the queue, and building the configured ones.
import type { AdapterContext, AnyAdapterDeclaration, ChannelAdapter, RateLimits } from './adapter.ts';

export type Env = Record<string, string | undefined>;

export class AdapterRegistry {
  constructor(readonly declarations: readonly AnyAdapterDeclaration[]) {
    const names = declarations.map((d) => d.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new Error(`two adapters are declared as "${twice}"`);
  }

  get(name: string): AnyAdapterDeclaration | undefined {
    return this.declarations.find((d) => d.name === name);
  }

  /**
   * The chat platforms whose settings are present (the console is on by default only without any). A
   * channel that reaches people by contact address is not one: see contactChannels.
   */
  configured(env: Env): string[] {
    return this.declarations
      .filter((d) => !d.capabilities.contactAddress && d.configured(env))
      .map((d) => d.name);
  }

  /** The configured channels that reach people by their contact address (capabilities.contactAddress). */
  contactChannels(env: Env): string[] {
    return this.declarations
      .filter((d) => d.capabilities.contactAddress && d.configured(env))
      .map((d) => d.name);
  }

  /** Checks every platform's settings; throws a ConfigError naming the wrong setting. */
  check(env: Env): void {
    for (const d of this.declarations) d.settings(env);
  }

  /** Platforms whose reply to a person in a group chat only that person sees (the reader is one person). */
  privateReplyPlatforms(): string[] {
    return this.declarations.filter((d) => d.capabilities.privateReplies).map((d) => d.name);
  }

  /** Every platform's send rates, for the shared rate limits. */
  rateLimits(): Record<string, RateLimits> {
    return Object.fromEntries(this.declarations.map((d) => [d.name, d.limits.rate]));
  }

  /** Builds the adapters that are configured, each with its own context (services bound to its platform). */
  async build(env: Env, contextFor: (name: string) => AdapterContext): Promise<ChannelAdapter[]> {
    const built: ChannelAdapter[] = [];
    for (const d of this.declarations) {
      const settings = d.settings(env);
      if (settings === null) continue;
      built.push(await d.create(settings, contextFor(d.name)));
    }
    return built;
  }
}
