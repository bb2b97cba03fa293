// The console as an attacker's web page would meet it (issue 23): cross-site requests, DNS rebinding and
// proxies are refused and write nothing; the console does not start where other computers can reach it
// unless it has a password, and with one every request needs it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../adapters/index.ts';
import { ConfigError, loadConfig as loadCore } from '../src/config.ts';
import { type Driver, startDriver } from './helpers/console.ts';

// As the app does: the adapter registry says which platforms have settings.
const loadConfig = (env: Record<string, string | undefined>) => loadCore(env, adapters.configured(env));

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** A raw HTTP request (fetch does not let a test choose the Host header). */
function raw(url: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  const u = new URL(url);
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, method, path, headers: { connection: 'close', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          // The event stream never ends: its first bytes are enough to know it was served.
          if (path.endsWith('/events')) res.destroy();
        });
        res.on('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const postMessage = (d: Driver, headers: Record<string, string>, body: string) =>
  raw(d.app.url, 'POST', '/console/api/messages', headers, body);

const postPassword = (d: Driver, page: Record<string, string>, password: string) =>
  raw(d.app.url, 'POST', '/console/api/session', page, JSON.stringify({ password }));

const customers = async (d: Driver, name: string) =>
  Number(
    (await d.query<{ n: string }>(`select count(*)::text as n from customers where name = '${name}'`))[0]!.n,
  );

describe('the console refuses cross-site requests', () => {
  let d: Driver;
  let host: string;
  beforeAll(async () => {
    d = await startDriver();
    host = new URL(d.app.url).host;
  });
  afterAll(() => d?.close());

  const body = (name: string, user = 'li') =>
    JSON.stringify({ chat: 'sales', user, text: `customer add name="${name}"` });

  it('the probe: text/plain from http://evil.example creates nothing', async () => {
    const r = await postMessage(
      d,
      { host, origin: 'http://evil.example', 'content-type': 'text/plain' },
      body('Evil Plain Co'),
    );
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).code).toBe('cross-site');
    expect(await customers(d, 'Evil Plain Co')).toBe(0);
  });

  it.each([
    ['Origin: null (a sandboxed frame or a file)', { origin: 'null' }],
    ['another site, with JSON', { origin: 'http://evil.example' }],
    ['another port on this machine', { origin: 'http://127.0.0.1:1' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
  ])('%s is refused even with a valid page token, and creates nothing', async (_what, extra) => {
    const name = `Evil ${_what.slice(0, 20)}`;
    const r = await postMessage(d, { ...d.headers, host, ...extra }, body(name));
    expect(r.status).toBe(403);
    expect(await customers(d, name)).toBe(0);
  });

  it('admin role @li admin from another site changes no role', async () => {
    const r = await postMessage(
      d,
      { host, origin: 'null', 'content-type': 'text/plain' },
      JSON.stringify({ chat: 'management', user: 'admin', text: 'admin role @li admin' }),
    );
    expect(r.status).toBe(403);
    const [li] = await d.query<{ role: string }>(`select role from people where handle = 'li'`);
    expect(li?.role).toBe('sales_rep');
  });

  it('a POST that is not JSON, or has no page token or a forged one, is refused from anywhere', async () => {
    const same = { host, origin: `http://${host}` };
    const plain = await postMessage(
      d,
      { ...same, 'x-page-token': d.headers['x-page-token']!, 'content-type': 'text/plain' },
      body('Plain Co'),
    );
    expect(plain.status).toBe(415);
    const none = await postMessage(d, { ...same, 'content-type': 'application/json' }, body('No Token Co'));
    expect(none.status).toBe(403);
    expect(JSON.parse(none.body).code).toBe('page-token');
    const token = d.headers['x-page-token']!;
    const forged = `${token.split('.')[0]}.${'A'.repeat(43)}`;
    const bad = await raw(
      d.app.url,
      'POST',
      '/console/api/actions',
      { ...same, 'content-type': 'application/json', 'x-page-token': forged },
      JSON.stringify({ user: 'li', messageId: 'x', actionId: 'run:help' }),
    );
    expect(bad.status).toBe(403);
    expect(await customers(d, 'Plain Co')).toBe(0);
    expect(await customers(d, 'No Token Co')).toBe(0);
  });

  it('the same request from the console page itself is served (the checks let the page through)', async () => {
    const r = await postMessage(
      d,
      { ...d.headers, host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' },
      body('Own Page Co'),
    );
    expect(r.status).toBe(200);
    expect(await customers(d, 'Own Page Co')).toBe(1);
  });

  it.each([
    '/console/api/people',
    '/console/api/chats',
    '/console/api/chats/sales/messages',
    '/console/api/events',
    '/console/api/session',
    '/',
  ])('GET %s under a foreign Host (DNS rebinding) is refused and shows no data', async (path) => {
    await d.say('li', 'customer list', 'sales');
    const port = new URL(d.app.url).port;
    const r = await raw(d.app.url, 'GET', path, { host: `evil.example:${port}` });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).code).toBe('host');
    expect(r.body).not.toMatch(/Li Lei|customer list|pageToken|<html/i);
    // The same request under this server's own name is served.
    const ok = await raw(d.app.url, 'GET', path, { host });
    expect(ok.status).toBe(200);
  });

  it.each([
    ['Origin: null', { origin: 'null' }],
    ['another site', { origin: 'http://evil.example' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
  ])('GET of the people list with %s is refused', async (_what, extra) => {
    const r = await raw(d.app.url, 'GET', '/console/api/people', { host, ...extra });
    expect(r.status).toBe(403);
    expect(r.body).not.toContain('Li Lei');
  });

  it('no other site may frame the page (a framed console could be clicked through)', async () => {
    const r = await raw(d.app.url, 'GET', '/', { host });
    expect(r.headers['content-security-policy']).toBe("frame-ancestors 'none'");
    expect(r.headers['x-frame-options']).toBe('DENY');
  });

  it('without CONSOLE_TOKEN, a request that came through a proxy is refused', async () => {
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const r = await raw(d.app.url, 'GET', '/console/api/people', { host, [header]: '203.0.113.9' });
      expect(r.status, header).toBe(403);
      expect(JSON.parse(r.body).code).toBe('proxied');
    }
  });
});

describe('the console is not reachable from elsewhere without a password', () => {
  const token = 'correct-horse-battery-staple';

  it.each([
    ['HOST=0.0.0.0', { HOST: '0.0.0.0' }],
    ['HOST=::', { HOST: '::' }],
    ['a LAN address', { HOST: '192.168.1.20' }],
    ['a host name', { HOST: 'crm.internal' }],
    ['a public address through a proxy', { PUBLIC_URL: 'https://crm.example.com' }],
  ])('CONSOLE=on with %s and no CONSOLE_TOKEN: the settings are refused, naming CONSOLE_TOKEN', (_w, env) => {
    expect(() => loadConfig({ CONSOLE: 'on', ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ CONSOLE: 'on', ...env })).toThrow(/^CONSOLE_TOKEN: [\s\S]*CONSOLE_TOKEN：/);
  });

  it('the same with no platform set (the console is on by default)', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/CONSOLE_TOKEN/);
  });

  it.each([
    ['the default (127.0.0.1)', {}],
    ['HOST=localhost', { HOST: 'localhost' }],
    ['HOST=::1', { HOST: '::1' }],
    ['HOST=127.0.0.2', { HOST: '127.0.0.2' }],
    ['HOST=0.0.0.0 with a CONSOLE_TOKEN', { HOST: '0.0.0.0', CONSOLE_TOKEN: token }],
    ['HOST=0.0.0.0 with Slack and the console off', { HOST: '0.0.0.0', SLACK_BOT_TOKEN: 'xoxb-1' }],
    ['HOST=0.0.0.0 and CONSOLE=off', { HOST: '0.0.0.0', CONSOLE: 'off' }],
  ])('%s is accepted', (_w, env) => {
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('a short CONSOLE_TOKEN is refused, naming the setting', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0', CONSOLE_TOKEN: 'secret' })).toThrow(
      /CONSOLE_TOKEN: at least 16 characters/,
    );
  });

  it('npm start with HOST=0.0.0.0 prints a plain message naming CONSOLE_TOKEN and exits with 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sr-console-'));
    try {
      const root = fileURLToPath(new URL('..', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: root,
        env: { PATH: process.env.PATH, HOST: '0.0.0.0', CONSOLE: 'on', PORT: '0', DATA_DIR: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b));
      child.stderr.on('data', (b: Buffer) => (out += b));
      // If it starts after all (the bug), it would listen on every address until stopped: stop it.
      const started = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      clearTimeout(started);
      expect(code).toBe(2);
      expect(out).toMatch(/^CONSOLE_TOKEN: the console chat is on/m);
      expect(out).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('with CONSOLE_TOKEN, every console request needs it', () => {
  const token = 'correct-horse-battery-staple';
  let d: Driver;
  let host: string;
  beforeAll(async () => {
    d = await startDriver({ env: { CONSOLE_TOKEN: token } });
    host = new URL(d.app.url).host;
  });
  afterAll(() => d?.close());

  it('the driver, which sends it as a Bearer token, works as before', async () => {
    const r = await d.say('li', 'customer add name="Signed In Co"', 'sales');
    expect(r.text).toContain('C-0001');
  });

  it.each([
    '/console/api/people',
    '/console/api/chats',
    '/console/api/chats/sales/messages',
    '/console/api/events',
  ])('GET %s without it, or with a wrong one, is 401 and shows no data', async (path) => {
    for (const auth of [{}, { authorization: 'Bearer wrong-horse-battery-staple' }] as Record<
      string,
      string
    >[]) {
      const r = await raw(d.app.url, 'GET', path, { host, ...auth });
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body).code).toBe('sign-in');
    }
  });

  it('a POST without it writes nothing, though it has a page token', async () => {
    const { authorization: _, ...noPassword } = d.headers;
    const r = await postMessage(
      d,
      { ...noPassword, host },
      JSON.stringify({ chat: 'sales', user: 'li', text: 'customer add name="Anonymous Co"' }),
    );
    expect(r.status).toBe(401);
    expect(await customers(d, 'Anonymous Co')).toBe(0);
  });

  it('the page signs in once: a wrong password is refused; the right one sets an HttpOnly SameSite=Strict cookie', async () => {
    const session = await raw(d.app.url, 'GET', '/console/api/session', { host });
    expect(session.status).toBe(200);
    const s = JSON.parse(session.body);
    expect(s).toMatchObject({ passwordRequired: true, signedIn: false });
    const page = { host, 'content-type': 'application/json', 'x-page-token': s.pageToken };

    const wrong = await postPassword(d, page, 'x');
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const right = await postPassword(d, page, token);
    expect(right.status).toBe(200);
    const cookie = String(right.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(token);
    const jar = cookie.split(';')[0]!;

    const people = await raw(d.app.url, 'GET', '/console/api/people', { host, cookie: jar });
    expect(people.status).toBe(200);
    expect(people.body).toContain('Li Lei');
    const post = await postMessage(
      d,
      { ...page, cookie: jar },
      JSON.stringify({ chat: 'sales', user: 'li', text: 'customer add name="Cookie Co"' }),
    );
    expect(post.status).toBe(200);
    expect(await customers(d, 'Cookie Co')).toBe(1);
  });

  it('the page itself is served (it asks for the password), holding no data', async () => {
    const r = await raw(d.app.url, 'GET', '/', { host });
    expect(r.status).toBe(200);
    expect(r.body).toContain('data-testid="password"');
    expect(r.body).not.toContain('Li Lei');
  });

  it('a request through a proxy is served when it has the password', async () => {
    const r = await raw(d.app.url, 'GET', '/console/api/people', {
      host,
      'x-forwarded-for': '203.0.113.9',
      authorization: `Bearer ${token}`,
    });
    expect(r.status).toBe(200);
  });

  // Last in this group: it locks this address out of signing in for a minute.
  it('guessing is slowed: after 10 wrong passwords in a minute even the right one waits', async () => {
    const s = JSON.parse((await raw(d.app.url, 'GET', '/console/api/session', { host })).body);
    const page = { host, 'content-type': 'application/json', 'x-page-token': s.pageToken };
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await postPassword(d, page, `guess-${i}`)).status);
    }
    // Wrong, wrong, …, then waits (at most 10 wrong tries count, whatever tests ran before).
    const firstWait = statuses.indexOf(429);
    expect(firstWait).toBeGreaterThan(-1);
    expect(firstWait).toBeLessThanOrEqual(10);
    expect(statuses.slice(0, firstWait).every((x) => x === 401)).toBe(true);
    expect(statuses.slice(firstWait).every((x) => x === 429)).toBe(true);
    const right = await postPassword(d, page, token);
    expect(right.status).toBe(429);
    expect(right.headers['set-cookie']).toBeUndefined();
    // Programs with the Bearer token are not locked out.
    expect((await d.say('li', 'me', 'sales')).text).toContain('Li Lei');
  });

  it('the start-up log says what the console is exposed to', () => {
    expect(d.app.console!.exposure()).toMatch(
      /127\.0\.0\.1: only programs on this machine[\s\S]*CONSOLE_TOKEN/,
    );
  });
});

describe('what the start-up log says', () => {
  it('names the address and whether a password is asked for', async () => {
    const { ConsoleAccess } = await import('../adapters/console/access.ts');
    const open = new ConsoleAccess({ token: undefined, host: '127.0.0.1', publicUrl: undefined });
    expect(open.exposure()).toMatch(
      /only programs on this machine[\s\S]*without a password|without a password[\s\S]*only programs on this machine/,
    );
    const wide = new ConsoleAccess({ token: 'x'.repeat(16), host: '0.0.0.0', publicUrl: undefined });
    expect(wide.exposure()).toMatch(/every network this machine is on[\s\S]*CONSOLE_TOKEN/);
  });
});
