// A browserless client of the web workspace: a cookie jar over fetch, as a browser would keep it, and the
// sign-in through a link the bot gave in a console chat.
import type { Driver } from './console.ts';

export type WebClient = {
  get(path: string): Promise<Response>;
  post(path: string, form: Record<string, string>): Promise<Response>;
  /** The CSRF token of the page at `path` (every form carries it). */
  csrf(path?: string): Promise<string>;
  cookies: Map<string, string>;
};

/** The sign-in link in a bot reply. */
export const linkIn = (text: string): string => {
  const m = /https?:\/\/\S+\/app\/sign-in\/[\w-]+/.exec(text);
  if (!m) throw new Error(`no sign-in link in: ${text}`);
  return m[0];
};

export function webClient(base: string): WebClient {
  const cookies = new Map<string, string>();
  const header = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair!.split('=');
      if (v === '' || /max-age=0/i.test(c)) cookies.delete(k!);
      else cookies.set(k!, v!);
    }
    return res;
  };
  const url = (path: string) => (path.startsWith('http') ? path : `${base}${path}`);
  const client: WebClient = {
    cookies,
    async get(path) {
      return keep(await fetch(url(path), { headers: { cookie: header() }, redirect: 'manual' }));
    },
    async post(path, form) {
      return keep(
        await fetch(url(path), {
          method: 'POST',
          headers: { cookie: header(), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form).toString(),
          redirect: 'manual',
        }),
      );
    },
    async csrf(path = '/app') {
      const html = await (await client.get(path)).text();
      const m = /name="_csrf" value="([^"]+)"/.exec(html);
      if (!m) throw new Error(`no CSRF token on ${path}`);
      return m[1]!;
    },
  };
  return client;
}

/** Asks the bot for a link as `user` in their private console chat and signs in with it. */
export async function signIn(d: Driver, user: string): Promise<WebClient> {
  const link = linkIn((await d.say(user, 'web')).text);
  const client = webClient(d.app.url);
  const token = link.split('/').pop()!;
  const res = await client.post('/app/sign-in', { token });
  if (res.status !== 303) throw new Error(`sign-in as ${user}: ${res.status} ${await res.text()}`);
  return client;
}
