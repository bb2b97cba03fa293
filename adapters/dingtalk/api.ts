// The DingTalk OpenAPI as the bot uses it: plain fetch, the access token cached and refreshed before it
// expires (one refresh at a time), a per-API call limiter (DingTalk allows 20 calls/s per app per API),
// and DingTalk's errors mapped onto the delivery contract: throttling → RetryLaterError (wait, never drop),
// hopeless requests → PermanentDeliveryError, the rest → a plain error retried with backoff.
import type { Logger } from 'pino';
import { PermanentDeliveryError, RetryLaterError } from '../../src/port/index.ts';
import type { DingTalkSettings } from './config.ts';

/** DingTalk's advice for QPS errors is to wait about a second and try again. */
export const QPS_WAIT_MS = 1000;

export class DingTalkApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

type Token = { value: string; refreshAt: number; expiresAt: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * At most `perWindow` calls per `windowMs` for each key; callers wait their turn. A call acquired with
 * `acquire` holds its slot until its response came back plus the window: the platform counts a request when
 * it arrives, which is somewhere between our start and the response, so counting from the response on is
 * what keeps a stalled process or a slow network from landing more than `perWindow` in one of its windows.
 */
export class WindowLimiter {
  /** Per key: when each taken slot frees (Infinity while its request is in flight). */
  private readonly slots = new Map<string, { until: number }[]>();

  constructor(
    private readonly perWindow: number,
    private readonly windowMs: number,
  ) {}

  /** How long until a call for `key` is allowed (0: now). */
  waitFor(key: string, now = Date.now()): number {
    const list = (this.slots.get(key) ?? []).filter((slot) => slot.until > now);
    this.slots.set(key, list);
    if (list.length < this.perWindow) return 0;
    const first = Math.min(...list.map((slot) => slot.until));
    // Every slot in flight: look again shortly (one frees when its response arrives).
    return Number.isFinite(first) ? first - now : 20;
  }

  /** Takes a slot counted from now (a message with no response to wait for). */
  take(key: string, now = Date.now()): void {
    this.hold(key, now + this.windowMs);
  }

  /** Waits for a free slot and holds it; call the returned function when the response has arrived. */
  async acquire(key: string): Promise<() => void> {
    for (;;) {
      const wait = this.waitFor(key);
      if (wait <= 0) break;
      await sleep(wait);
    }
    const slot = this.hold(key, Number.POSITIVE_INFINITY);
    return () => {
      if (slot.until === Number.POSITIVE_INFINITY) slot.until = Date.now() + this.windowMs;
    };
  }

  private hold(key: string, until: number): { until: number } {
    const slot = { until };
    const list = this.slots.get(key) ?? [];
    list.push(slot);
    this.slots.set(key, list);
    return slot;
  }
}

function isQpsCode(code: string | number | undefined): boolean {
  if (code === undefined) return false;
  const c = String(code);
  return /QpsLimit|ApiCountLimit|^90018$|^90002$|^130101$|flowControl/i.test(c);
}

function isTokenCode(status: number, code: string): boolean {
  return status === 401 || /InvalidAuthentication|accessToken|^40001$|^40014$|^42001$/i.test(code);
}

function retryAfterMs(res: Response): number {
  const h = res.headers.get('retry-after');
  const s = h ? Number(h) : Number.NaN;
  return Number.isFinite(s) && s >= 0 ? Math.ceil(s * 1000) : QPS_WAIT_MS;
}

export class DingTalkApi {
  private token: Token | null = null;
  private refreshing: Promise<Token> | null = null;
  private readonly limiter: WindowLimiter;
  /** Token requests made (for health and tests). */
  tokenRequests = 0;

  constructor(
    private readonly settings: DingTalkSettings,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    // A little over a second: network jitter must not let DingTalk count 21 calls in its window.
    this.limiter = new WindowLimiter(settings.apiQps, 1000);
  }

  /** A valid access token: cached, refreshed a little before expiry, one refresh at a time. */
  async accessToken(): Promise<string> {
    const t = this.token;
    if (t && this.now() < t.refreshAt) return t.value;
    // Still valid but due for refresh: refresh, but keep using the old one if the refresh fails.
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = null;
    });
    try {
      return (await this.refreshing).value;
    } catch (err) {
      if (t && this.now() < t.expiresAt - 5000) {
        this.log.warn({ err }, 'dingtalk token refresh failed; using the current token until it expires');
        return t.value;
      }
      throw err;
    }
  }

  /** Forgets a token DingTalk refused, so the next call fetches a new one (once, for all callers). */
  invalidate(value: string): void {
    if (this.token?.value === value) this.token = null;
  }

  private async refresh(): Promise<Token> {
    this.tokenRequests++;
    const res = await fetch(`${this.settings.apiUrl}/v1.0/oauth2/accessToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ appKey: this.settings.clientId, appSecret: this.settings.clientSecret }),
    });
    const body = (await res.json().catch(() => ({}))) as {
      accessToken?: string;
      expireIn?: number;
      code?: string;
      message?: string;
    };
    if (!res.ok || !body.accessToken) {
      const code = body.code ?? String(res.status);
      if (isQpsCode(code)) throw new RetryLaterError(`dingtalk token: ${code}`, retryAfterMs(res));
      throw new DingTalkApiError(
        `dingtalk token refused: ${res.status} ${code} ${body.message ?? ''}`.trim(),
        res.status,
        code,
      );
    }
    const ttl = Math.max(1, body.expireIn ?? 7200) * 1000;
    const obtained = this.now();
    // Refresh 5 minutes early (a quarter of the lifetime for short-lived tokens).
    const margin = Math.min(300_000, ttl / 4);
    this.token = { value: body.accessToken, refreshAt: obtained + ttl - margin, expiresAt: obtained + ttl };
    this.log.debug({ expiresInS: ttl / 1000 }, 'dingtalk access token refreshed');
    return this.token;
  }

  /**
   * Calls one OpenAPI. `api` names the limiter bucket (one per API, as DingTalk counts them).
   * A refused token is replaced once; throttling becomes RetryLaterError.
   */
  async call<T>(api: string, method: 'POST' | 'PUT', path: string, body: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      const release = await this.limiter.acquire(api);
      let res: Response;
      let text: string;
      try {
        res = await fetch(`${this.settings.apiUrl}${path}`, {
          method,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'x-acs-dingtalk-access-token': token,
          },
          body: JSON.stringify(body),
        });
        text = await res.text();
      } finally {
        release();
      }
      let json: Record<string, unknown> = {};
      try {
        json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        json = {};
      }
      if (res.ok) return json as T;
      const code = String(json.code ?? res.status);
      const message = `dingtalk ${api}: ${res.status} ${code} ${String(json.message ?? '')}`.trim();
      if (isQpsCode(code) || res.status === 429) throw new RetryLaterError(message, retryAfterMs(res));
      if (isTokenCode(res.status, code) && attempt === 0) {
        this.log.info({ api, code }, 'dingtalk refused the access token; fetching a new one');
        this.invalidate(token);
        continue;
      }
      if (res.status >= 400 && res.status < 500 && !isTokenCode(res.status, code))
        throw new PermanentDeliveryError(message);
      throw new DingTalkApiError(message, res.status, code);
    }
  }

  /** Posts to a sessionWebhook (old-style API: HTTP 200 with errcode). Returns normally only on errcode 0. */
  async webhook(url: string, body: unknown): Promise<void> {
    const release = await this.limiter.acquire('sessionWebhook');
    let res: Response;
    let json: { errcode?: number; errmsg?: string };
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
      json = (await res.json().catch(() => ({}))) as { errcode?: number; errmsg?: string };
    } finally {
      release();
    }
    if (res.ok && (json.errcode ?? 0) === 0) return;
    const message =
      `dingtalk sessionWebhook: ${res.status} ${json.errcode ?? ''} ${json.errmsg ?? ''}`.trim();
    if (isQpsCode(json.errcode)) throw new RetryLaterError(message, retryAfterMs(res));
    throw new DingTalkApiError(message, res.status, String(json.errcode ?? res.status));
  }
}
