// Group robot (群机器人) webhooks: notices without buttons to a chat the bot cannot push to. 20/min per robot.
import { PermanentDeliveryError, RetryLaterError } from '../../src/port/index.ts';
import { cutBytes } from './cards.ts';
import type { Quota } from './quota.ts';

export class WebhookSender {
  constructor(
    private readonly apiUrl: string,
    private readonly quota: Quota,
    private readonly throttledRetryMs: number,
  ) {}

  async send(key: string, markdown: string): Promise<void> {
    const wait = this.quota.take(`webhook:${key}`);
    if (wait > 0) throw new RetryLaterError('wecom webhook: 20 messages a minute per robot', wait);
    const res = await fetch(`${this.apiUrl}/cgi-bin/webhook/send?key=${encodeURIComponent(key)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msgtype: 'markdown', markdown: { content: cutBytes(markdown, 4000) } }),
      signal: AbortSignal.timeout(10_000),
    });
    const json = (await res.json().catch(() => ({}))) as { errcode?: number; errmsg?: string };
    if (res.ok && json.errcode === 0) return;
    throw apiError(json.errcode ?? res.status, json.errmsg ?? res.statusText, this.throttledRetryMs);
  }
}

/** WeCom errcodes → what delivery should do: wait, give up, or retry with backoff. */
export function apiError(errcode: number, errmsg: string, throttledRetryMs: number): Error {
  const message = `wecom errcode ${errcode}: ${errmsg}`;
  if (errcode === 45009 || errcode === 45033 || errcode === -1)
    return new RetryLaterError(message, throttledRetryMs);
  // invalid webhook key, invalid msgtype / parameter / content: sending it again will not help.
  if ([93000, 40008, 40058, 40035, 44004, 45002, 81013, 60011, 86008].includes(errcode))
    return new PermanentDeliveryError(message);
  return new Error(message);
}
