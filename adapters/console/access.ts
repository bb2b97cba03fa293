// Who may use the console. Without CONSOLE_TOKEN it listens on a loopback address only (the config refuses
// anything else), so the people who can reach it are the people on this machine; a request that came
// through a proxy is then refused, since a proxy may be serving other computers. With CONSOLE_TOKEN every
// console request needs it: a program sends it as a Bearer token, the page signs in once and keeps an
// HttpOnly, SameSite=Strict cookie (a value derived from the token, so changing the token signs everyone out).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { isLoopbackHost, isWildcardHost } from '../../src/port/index.ts';

const COOKIE = 'salesrelay_console';
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip'];

export type AccessOptions = { token: string | undefined; host: string; publicUrl: string | undefined };

export class ConsoleAccess {
  private readonly session: string | undefined;
  // Guessing the password: 10 wrong tries a minute from one address, then a wait.
  private readonly wrongTries = new RateLimiterMemory({ points: 10, duration: 60 });

  constructor(private readonly opts: AccessOptions) {
    this.session = opts.token
      ? createHmac('sha256', opts.token).update('salesrelay console session').digest('base64url')
      : undefined;
  }

  get passwordRequired(): boolean {
    return this.opts.token !== undefined;
  }

  /** Refuses proxied requests when there is no password (see above). */
  local(): MiddlewareHandler {
    return async (c, next) => {
      if (!this.passwordRequired && PROXY_HEADERS.some((h) => c.req.header(h) !== undefined)) {
        return c.json(
          {
            code: 'proxied',
            error:
              'Refused: the console without CONSOLE_TOKEN serves this machine only, and this request came through a proxy. · 已拒绝：未设置 CONSOLE_TOKEN 的控制台只服务本机，此请求经过了代理。',
          },
          403,
        );
      }
      await next();
    };
  }

  /** Requires the password for everything but the session route (which is how one signs in). */
  signedIn(): MiddlewareHandler {
    return async (c, next) => {
      if (this.allows(c) || c.req.path === '/console/api/session') return next();
      return c.json(
        { code: 'sign-in', error: 'Sign in with the console password first. · 请先输入控制台口令登录。' },
        401,
      );
    };
  }

  allows(c: Context): boolean {
    if (!this.opts.token || !this.session) return true;
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (bearer !== undefined) return same(bearer, this.opts.token);
    const cookie = getCookie(c, COOKIE);
    return cookie !== undefined && same(cookie, this.session);
  }

  /**
   * Checks the password typed into the page; on success the browser keeps the session cookie.
   * 'wait' after too many wrong tries from one address.
   */
  async signIn(c: Context, password: string): Promise<'ok' | 'wrong' | 'wait'> {
    if (!this.opts.token || !this.session) return 'wrong';
    const from = remoteAddress(c);
    if ((await this.wrongTries.get(from))?.remainingPoints === 0) return 'wait';
    if (!same(password, this.opts.token)) {
      await this.wrongTries.consume(from).catch(() => undefined);
      return 'wrong';
    }
    setCookie(c, COOKIE, this.session, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: 30 * 24 * 3600,
      secure: this.opts.publicUrl?.startsWith('https:') ?? false,
    });
    return 'ok';
  }

  /** What the console is exposed to, for the start-up log. */
  exposure(): string {
    const { host, publicUrl } = this.opts;
    const reach = publicUrl
      ? `on ${host} and, through a proxy, at ${publicUrl}`
      : isWildcardHost(host)
        ? `on ${host}: every network this machine is on`
        : isLoopbackHost(host)
          ? `on ${host}: only programs on this machine can reach it`
          : `on ${host}: every computer that can reach that address`;
    const reachZh = publicUrl
      ? `${host}，并经代理在 ${publicUrl}`
      : isLoopbackHost(host) && !isWildcardHost(host)
        ? `${host}，只有本机的程序能访问`
        : `${host}，其他电脑也能访问`;
    return this.passwordRequired
      ? `The console chat lets whoever signs in act as anyone. It listens ${reach}, and asks for the console password (CONSOLE_TOKEN). · 控制台登录后可冒充任何人；监听 ${reachZh}；需要控制台口令（CONSOLE_TOKEN）。`
      : `The console chat lets anyone act as anyone, without a password. It listens ${reach}; requests through a proxy are refused. · 控制台可冒充任何人，无需口令；监听 ${reachZh}；经代理的请求会被拒绝。`;
  }
}

function remoteAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // not served by node (app.request in a test)
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
