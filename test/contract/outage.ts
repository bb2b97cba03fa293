// A platform outage in front of a fake: the next `n` requests whose path matches are answered 503 (the
// first half) or have their connection reset (the rest) before the fake sees them, as a platform that is
// down does. It wraps the fake's own request handler (each fake's server calls `this.<method>(req, res)`
// at request time), so nothing in the fakes changes.
import type { IncomingMessage, ServerResponse } from 'node:http';

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

export class Outage {
  private left = 0;
  private total = 0;
  /** Requests refused so far. */
  seen = 0;

  constructor(
    fake: object,
    method: string,
    private readonly matches: (path: string) => boolean,
  ) {
    const target = fake as Record<string, Handler>;
    const original = target[method];
    if (typeof original !== 'function') throw new Error(`the fake has no ${method}()`);
    target[method] = (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (this.left > 0 && req.method !== 'GET' && this.matches(path)) {
        const i = this.total - this.left--;
        this.seen++;
        if (i < Math.ceil(this.total / 2)) {
          res.writeHead(503, { 'content-type': 'text/plain' });
          res.end('Service Unavailable');
        } else req.socket.destroy();
        // Some fakes chain on what their handler returns.
        return Promise.resolve();
      }
      return original.call(fake, req, res);
    };
  }

  /** The next `n` matching requests fail. */
  failNext(n: number): void {
    this.left = n;
    this.total = n;
  }
}
