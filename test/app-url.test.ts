// The address the app reports (printed at start, used by tests and links) is one a browser can open,
// for an IPv6 listen address too.
import { describe, expect, it } from 'vitest';
import { startApp } from '../src/app.ts';

describe('app.url', () => {
  it.each([
    ['::1', /^http:\/\/\[::1\]:\d+$/],
    ['127.0.0.1', /^http:\/\/127\.0\.0\.1:\d+$/],
    ['0.0.0.0', /^http:\/\/localhost:\d+$/],
  ])('HOST=%s gives an address that answers', async (host, shape) => {
    const app = await startApp({
      env: { DATA_DIR: '', PORT: '0', HOST: host, CONSOLE: 'off', LOG_LEVEL: 'silent' },
      demo: true,
    });
    try {
      expect(app.url).toMatch(shape);
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
