// The guard of every browser-facing route (the console now, the web workspace later): a request is served
// only if it names this server (Host: no DNS rebinding), comes from this server's own pages (Origin and
// Sec-Fetch-Site: no cross-site requests, `Origin: null` included) and, when it changes anything, is JSON
// (no HTML form or text/plain "simple request" can send it) and carries a token only our page can read.
// Hono's csrf middleware checks Origin for form content types only; this checks every request.
import type { Context, MiddlewareHandler } from 'hono';
import { servedHostNames } from './addresses.ts';
import { PAGE_TOKEN_HEADER, PageTokens } from './page-token.ts';

export type BrowserGuardOptions = {
  /** The address the server listens on (HOST). */
  listenHost: string;
  /** The address people open in their browser when a reverse proxy is in front (PUBLIC_URL). */
  publicUrl?: string | undefined;
};

export type Refusal = {
  status: 403 | 415;
  code: 'host' | 'cross-site' | 'json-only' | 'page-token';
  error: string;
};

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export class BrowserGuard {
  readonly pageTokens = new PageTokens();
  private readonly hosts: Set<string>;
  private readonly publicOrigin: string | undefined;

  constructor(opts: BrowserGuardOptions) {
    this.hosts = servedHostNames(opts.listenHost, opts.publicUrl);
    this.publicOrigin = opts.publicUrl ? new URL(opts.publicUrl).origin : undefined;
  }

  /** For pages a link from anywhere may open: the Host is checked, and no other site may frame them. */
  page(): MiddlewareHandler {
    return async (c, next) => {
      const refused = this.checkHost(c);
      if (refused) return c.json({ error: refused.error, code: refused.code }, refused.status);
      await next();
      c.header('content-security-policy', "frame-ancestors 'none'");
      c.header('x-frame-options', 'DENY');
      c.header('referrer-policy', 'no-referrer');
      c.header('x-content-type-options', 'nosniff');
    };
  }

  /** For everything a page fetches: Host, Origin, Sec-Fetch-Site; JSON and the page token to change state. */
  api(): MiddlewareHandler {
    return async (c, next) => {
      const refused = this.check(c);
      if (refused) return c.json({ error: refused.error, code: refused.code }, refused.status);
      await next();
      c.header('cache-control', 'no-store');
    };
  }

  check(c: Context): Refusal | undefined {
    const host = this.checkHost(c);
    if (host) return host;
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    if (
      (site !== undefined && site !== 'same-origin' && site !== 'none') ||
      (origin !== undefined && !this.sameOrigin(c, origin))
    ) {
      return {
        status: 403,
        code: 'cross-site',
        error: `Refused: this request comes from another site (${origin ?? site}). · 已拒绝：请求来自其他网站。`,
      };
    }
    if (SAFE.has(c.req.method)) return undefined;
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return {
        status: 415,
        code: 'json-only',
        error: `Refused: send JSON (content-type: application/json), not ${type || 'no content type'}. · 已拒绝：请以 JSON 发送。`,
      };
    }
    if (!this.pageTokens.verify(c.req.header(PAGE_TOKEN_HEADER))) {
      return {
        status: 403,
        code: 'page-token',
        error: `Refused: the ${PAGE_TOKEN_HEADER} header is missing or out of date; reload the page. · 已拒绝：页面令牌缺失或已过期，请刷新页面。`,
      };
    }
    return undefined;
  }

  private checkHost(c: Context): Refusal | undefined {
    const host = normalHost(c.req.header('host'));
    if (host && this.hosts.has(hostName(host))) return undefined;
    return {
      status: 403,
      code: 'host',
      error: `Refused: this server does not answer to the name ${JSON.stringify(c.req.header('host') ?? '')}. · 已拒绝：服务器不接受这个主机名。`,
    };
  }

  private sameOrigin(c: Context, origin: string): boolean {
    if (origin === 'null') return false;
    if (this.publicOrigin && origin === this.publicOrigin) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') && url.host === normalHost(c.req.header('host'))
    );
  }
}

/** A Host header as URL.host spells it (lower case, default port dropped), or undefined if it is not one. */
function normalHost(header: string | undefined): string | undefined {
  if (!header || /[\s/@?#\\]/.test(header)) return undefined;
  try {
    return new URL(`http://${header}`).host;
  } catch {
    return undefined;
  }
}

/** The name part of a URL.host: `[::1]:3000` → `::1`. */
function hostName(host: string): string {
  return new URL(`http://${host}`).hostname.replace(/^\[(.*)\]$/, '$1');
}
