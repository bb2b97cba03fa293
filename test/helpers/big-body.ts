// Posts a body larger than a route accepts, as a client that does not stop: with a Content-Length, or
// streamed in chunks that never end. A server that reads the whole body before refusing never answers the
// second kind, so an answer at all shows it counted as the body came in.
import { request } from 'node:http';

export function postOversized(
  url: string,
  bytes: number,
  opts: { contentLength: boolean; headers?: Record<string, string> },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      // Its own connection: the server closes it after refusing, so it must not go back to a pool.
      agent: false,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(opts.contentLength ? { 'content-length': String(bytes) } : { 'transfer-encoding': 'chunked' }),
        ...opts.headers,
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (b: Buffer) => {
        text += b.toString();
      });
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, text });
      });
    });
    // Once the server has answered and closed, our writes fail: that is expected; only no answer is an error.
    let failure: Error | undefined;
    let answered = false;
    req.on('response', () => {
      answered = true;
    });
    req.on('error', (err) => {
      failure = err;
    });
    req.on('close', () => {
      if (!answered) reject(failure ?? new Error('closed without an answer'));
    });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      // With a Content-Length the body ends when it is all sent; a streamed one is left open.
      if (opts.contentLength) req.end();
    };
    pump();
  });
}
