// Rate limits per chat and per platform app (as each adapter declares them), shared by every worker (Redis when REDIS_URL, memory
// otherwise), with rate-limiter-flexible. Over a limit a message waits: `take` answers how long, and the
// delivery reschedules the job; nothing is dropped.
//
// Each limit is kept as pacing: one message per (window ÷ count), a little slower (PACE_MARGIN), so a
// platform that counts in a sliding window never sees more than it allows. A refused consume still counts
// (rate-limiter-flexible increments before it refuses), so the k-th waiter in a slot is told to come back
// k-1 slots later: a burst to one chat is spread out in arrival order instead of stampeding every slot.
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';

export type Rate = { count: number; perMs: number };
export type PlatformLimit = { perChat?: Rate; perApp?: Rate };

const PACE_MARGIN = 1.03;

/** The time one message takes of a rate, paced a little slower than the platform allows. */
const slotOf = (rate: Rate) => Math.ceil((rate.perMs / rate.count) * PACE_MARGIN);

/**
 * The increment script, with the slot's own length in milliseconds. rate-limiter-flexible rounds a duration
 * down to whole seconds (`Math.floor(ms / 1000)`) and, for 0 (any slot shorter than a second: 5 a
 * second into a chat, 16 a second per app), counts with a plain INCR that never expires: every later caller
 * was then told to wait longer and longer, and messages waited for good. The script is what sets the expiry,
 * so it carries the slot length itself instead of the rounded seconds.
 */
const pxScript = (
  slotMs: number,
) => `redis.call('set', KEYS[1], 0, 'PX', ${Math.max(1, Math.ceil(slotMs))}, 'NX') \
local consumed = redis.call('incrby', KEYS[1], ARGV[1]) \
local ttl = redis.call('pttl', KEYS[1]) \
if ttl == -1 then \
  redis.call('pexpire', KEYS[1], ${Math.max(1, Math.ceil(slotMs))}) \
  ttl = ${Math.max(1, Math.ceil(slotMs))} \
end \
return {consumed, ttl}`;

export type LimitsOptions = {
  redis?: Redis;
  prefix?: string;
  /** Per platform (its adapter's declared rates); a platform not listed is not throttled here. */
  limits?: Record<string, PlatformLimit>;
};

export class Limits {
  private readonly table: Record<string, PlatformLimit>;
  private readonly limiters = new Map<string, { rl: RateLimiterAbstract; slotMs: number }>();

  constructor(private readonly opts: LimitsOptions = {}) {
    this.table = { ...opts.limits };
  }

  /** Sets or replaces a platform's limits (fake platforms in tests and benchmarks). */
  set(platform: string, limit: PlatformLimit): void {
    this.table[platform] = limit;
    for (const k of [...this.limiters.keys()]) if (k.startsWith(`${platform}/`)) this.limiters.delete(k);
  }

  get(platform: string): PlatformLimit | undefined {
    return this.table[platform];
  }

  /** The time between two messages to one chat of `platform` (0: no per-chat limit). */
  spacingMs(platform: string): number {
    const rate = this.table[platform]?.perChat;
    return rate ? slotOf(rate) : 0;
  }

  /**
   * Takes one message slot for `chat` on `platform`: 0 means send now, otherwise the milliseconds to wait
   * (nothing was taken then).
   */
  async take(platform: string, chat: string): Promise<number> {
    const limit = this.table[platform];
    if (!limit) return 0;
    if (limit.perChat) {
      const wait = await this.consume(this.limiter(platform, 'chat', limit.perChat), chat);
      if (wait > 0) return wait;
    }
    if (limit.perApp) {
      const wait = await this.consume(this.limiter(platform, 'app', limit.perApp), 'app');
      if (wait > 0) {
        if (limit.perChat)
          await this.limiter(platform, 'chat', limit.perChat)
            .rl.reward(chat, 1)
            .catch(() => {});
        return wait;
      }
    }
    return 0;
  }

  /**
   * Takes one slot of `rate` for `key` in a limit of the platform's own, beside its declared ones (email's
   * per recipient domain), shared the same way: 0 means send now, otherwise the milliseconds to wait.
   */
  async takeOwn(platform: string, key: string, rate: Rate): Promise<number> {
    return this.consume(this.limiter(platform, `own/${rate.count}per${rate.perMs}`, rate), key);
  }

  private limiter(platform: string, scope: string, rate: Rate) {
    const key = `${platform}/${scope}`;
    let l = this.limiters.get(key);
    if (!l) {
      const slotMs = slotOf(rate);
      const common = { points: 1, keyPrefix: `${this.opts.prefix ?? 'sr'}:rl:${key}` };
      const rl = this.opts.redis
        ? new RateLimiterRedis({
            ...common,
            // At least a second, so the library runs the script (which expires the key after the slot).
            duration: Math.max(1, slotMs / 1000),
            storeClient: this.opts.redis,
            customIncrTtlLuaScript: pxScript(slotMs),
          })
        : new RateLimiterMemory({ ...common, duration: slotMs / 1000 });
      l = { rl, slotMs };
      this.limiters.set(key, l);
    }
    return l;
  }

  private async consume(l: { rl: RateLimiterAbstract; slotMs: number }, key: string): Promise<number> {
    try {
      await l.rl.consume(key, 1);
      return 0;
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      // The k-th caller in this slot comes back k-1 slots later (k ≥ 2 here).
      return res.msBeforeNext + Math.max(0, res.consumedPoints - 2) * l.slotMs + 2;
    }
  }
}
