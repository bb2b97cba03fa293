// The shared rate limits (src/queue/limits.ts) on Redis and in memory must agree: a slot shorter than a
// second (Feishu: 5 a second into a chat, 16 a second per app) ends after its length. On Redis it did not:
// rate-limiter-flexible rounds a duration down to whole seconds and counted sub-second slots with an INCR
// that never expired, so every later message was told to wait longer, and Feishu's outbox stood still.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Limits } from '../src/queue/limits.ts';

const redis = new Redis('redis://127.0.0.1:6379/0', { maxRetriesPerRequest: 2 });
afterAll(() => redis.disconnect());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const table = {
  feishu: { perChat: { count: 5, perMs: 1000 }, perApp: { count: 16, perMs: 1000 } },
  slow: { perApp: { count: 2, perMs: 3000 } }, // a 1.5 s slot: not whole seconds either
};

describe.each([
  ['Redis', () => new Limits({ redis, prefix: `sr-rl-${randomBytes(4).toString('hex')}`, limits: table })],
  ['memory', () => new Limits({ limits: table })],
])('%s', (_, make) => {
  it('a sub-second slot is free again once it has passed, however many asked during it', async () => {
    const limits = make();
    expect(await limits.take('feishu', 'u1')).toBe(0);
    // Eight more in the same slot are spread over the following slots (62.5 ms each), none told 0.
    const waits: number[] = [];
    for (let i = 2; i <= 9; i++) waits.push(await limits.take('feishu', `u${i}`));
    expect(waits.every((w) => w > 0)).toBe(true);
    expect(Math.max(...waits)).toBeLessThan(9 * 62.5 + 80);
    // After the slots they were given, the limit is free: each of them, coming back, is let through.
    await sleep(Math.max(...waits) + 100);
    const again: number[] = [];
    for (let i = 2; i <= 9; i++) {
      again.push(await limits.take('feishu', `u${i}`));
      await sleep(70);
    }
    expect(again).toEqual(Array(8).fill(0));
  });

  it('a slot of 1.5 s lasts 1.5 s (not rounded to a second)', async () => {
    const limits = make();
    expect(await limits.take('slow', 'a')).toBe(0);
    await sleep(1100);
    expect(await limits.take('slow', 'b')).toBeGreaterThan(0);
    await sleep(600);
    expect(await limits.take('slow', 'c')).toBe(0);
  });
});
