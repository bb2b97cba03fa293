// The console chat: a real adapter over the same core, for trying the bot and for end-to-end tests.
// It lets anyone act as anyone, so it only runs when no platform is configured (or CONSOLE=on), listens on
// 127.0.0.1 unless it has a password (CONSOLE_TOKEN), and serves only its own page (src/http/same-origin.ts).
import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type {
  ChannelAdapter,
  ChatRef,
  Config,
  DirectoryEntry,
  InboundUser,
  Message,
  PortServices,
  PostedRef,
  PostTarget,
} from '../../src/port/index.ts';
import { BrowserGuard } from '../../src/port/index.ts';
import { ConsoleAccess } from './access.ts';
import { CONSOLE_DIRECTORY } from './directory.ts';
import { PLATFORM } from './platform.ts';
import { Transcript } from './transcript.ts';

const handle = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_.-]{1,32}$/, 'a handle such as li');
const chatId = z
  .string()
  .trim()
  .regex(/^[\w:.-]{1,64}$/, 'a chat id such as sales or dm:li');
const messageBody = z.object({ chat: chatId, user: handle, text: z.string().max(200_000) });
const actionBody = z.object({
  user: handle,
  messageId: z.string().max(64),
  actionId: z.string().max(500),
  values: z.record(z.string().regex(/^[a-z_]{1,20}$/), z.string().max(2000)).optional(),
});

const signInBody = z.object({ password: z.string().max(500) });

const publicDir = new URL('./public/', import.meta.url);

export type ConsoleSettings = Pick<Config, 'host' | 'publicUrl' | 'consoleToken'>;

export class ConsoleAdapter implements ChannelAdapter {
  readonly platform = PLATFORM;
  readonly transcript = new Transcript();
  private readonly guard: BrowserGuard;
  private readonly access: ConsoleAccess;

  constructor(
    private readonly services: PortServices,
    settings: ConsoleSettings = { host: '127.0.0.1', publicUrl: undefined, consoleToken: undefined },
  ) {
    this.guard = new BrowserGuard({ listenHost: settings.host, publicUrl: settings.publicUrl });
    this.access = new ConsoleAccess({
      token: settings.consoleToken,
      host: settings.host,
      publicUrl: settings.publicUrl,
    });
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  /** What the console is exposed to, for the start-up log. */
  exposure(): string {
    return this.access.exposure();
  }

  // ---- outbound: the core's delivery hands messages here ----

  async post(target: PostTarget, message: Message): Promise<PostedRef> {
    const chat = target.kind === 'user' ? `dm:${target.id}` : target.id;
    const m = this.transcript.append(chat, message.text, message.card ? { card: message.card } : {});
    return { tenant: '', chatId: chat, messageId: m.id };
  }

  async update(ref: PostedRef, message: Message): Promise<void> {
    this.transcript.replace(ref.messageId, message.text, message.card);
  }

  // ---- inbound: HTTP API and the page ----

  routes(): Hono {
    const app = new Hono();
    // The page holds no data (it asks the API), so it is served to anyone on a served name; the API needs
    // a same-origin request and, with CONSOLE_TOKEN, the password.
    app.get('/', this.guard.page(), this.access.local(), async (c) =>
      c.html(await readFile(new URL('index.html', publicDir), 'utf8')),
    );
    app.use('/console/*', this.guard.api(), this.access.local(), this.access.signedIn());

    // The page's first request: its page token (sent back on every POST) and whether to ask for the password.
    app.get('/console/api/session', async (c) =>
      c.json({
        pageToken: this.guard.pageTokens.issue(),
        passwordRequired: this.access.passwordRequired,
        signedIn: this.access.allows(c),
        timezone: (await this.services.org()).timezone,
      }),
    );
    app.post('/console/api/session', async (c) => {
      const body = signInBody.safeParse(await c.req.json().catch(() => null));
      if (!body.success) return c.json({ error: describe(body.error) }, 400);
      const result = await this.access.signIn(c, body.data.password);
      if (result === 'wait') {
        return c.json(
          {
            code: 'sign-in',
            error: 'Too many wrong passwords; wait a minute. · 口令错误次数过多，请一分钟后再试。',
          },
          429,
        );
      }
      if (result === 'wrong') {
        return c.json(
          { code: 'sign-in', error: 'That is not the console password. · 控制台口令不对。' },
          401,
        );
      }
      return c.json({ signedIn: true });
    });
    app.get('/console/static/:file{[\\w.-]+}', async (c) => {
      const file = c.req.param('file');
      try {
        const body = await readFile(new URL(file, publicDir));
        const type = file.endsWith('.js')
          ? 'text/javascript'
          : file.endsWith('.css')
            ? 'text/css'
            : 'application/octet-stream';
        return c.body(body, 200, { 'content-type': `${type}; charset=utf-8` });
      } catch {
        return c.json({ error: 'not found' }, 404);
      }
    });

    app.get('/console/api/people', async (c) => {
      const rows = await this.services.identities.list();
      const org = await this.services.org();
      return c.json(
        rows.map((p) => ({
          handle: p.externalId,
          name: p.name,
          role: p.role,
          department: p.department,
          active: p.active,
          // The zone the bot writes this person's times in: the page shows message times in it too.
          timezone: p.timezone ?? org.timezone,
        })),
      );
    });

    app.get('/console/api/chats', async (c) => {
      const bound = await this.services.chats.bound();
      const people = await this.services.identities.list();
      const seen = new Set<string>();
      const chats: { id: string; title: string; kind: 'group' | 'dm'; department?: string }[] = [];
      for (const b of bound) {
        seen.add(b.chatId);
        chats.push({ id: b.chatId, title: b.title ?? b.chatId, kind: 'group', department: b.department });
      }
      for (const id of this.transcript.chatIds()) {
        if (!seen.has(id) && !id.startsWith('dm:')) chats.push({ id, title: id, kind: 'group' });
        seen.add(id);
      }
      for (const p of people) chats.push({ id: `dm:${p.externalId}`, title: p.name, kind: 'dm' });
      return c.json(chats);
    });

    app.get('/console/api/chats/:chat/messages', (c) => {
      const chat = chatId.safeParse(c.req.param('chat'));
      if (!chat.success) return c.json({ error: 'unknown chat' }, 400);
      return c.json(this.transcript.messages(chat.data));
    });

    app.post('/console/api/messages', async (c) => {
      const body = messageBody.safeParse(await c.req.json().catch(() => null));
      if (!body.success) return c.json({ error: describe(body.error) }, 400);
      const { chat, user, text } = body.data;
      if (chat.startsWith('dm:') && chat !== `dm:${user}`) {
        return c.json(
          { error: `${chat} is the direct chat of ${chat.slice(3)}; act as them to use it` },
          400,
        );
      }
      this.transcript.append(chat, text, { from: user });
      const replies = await this.services.commands.handleMessage({
        user: this.user(user),
        chat: this.chat(chat),
        text,
      });
      return c.json({ replies: await this.reply(chat, replies) });
    });

    app.post('/console/api/actions', async (c) => {
      const body = actionBody.safeParse(await c.req.json().catch(() => null));
      if (!body.success) return c.json({ error: describe(body.error) }, 400);
      const { user, messageId, actionId, values } = body.data;
      const m = this.transcript.get(messageId);
      // The button must be on that message now: a stale or forged action id is refused.
      if (!m?.card?.actions.some((a) => a.id === actionId)) {
        return c.json({ error: 'that button is not on that message (any more)' }, 409);
      }
      const replies = await this.services.commands.handleAction({
        user: this.user(user),
        chat: this.chat(m.chat),
        actionId,
        messageId,
        ...(values ? { values } : {}),
      });
      return c.json({ replies: await this.reply(m.chat, replies) });
    });

    app.get('/console/api/events', (c) =>
      streamSSE(c, async (stream) => {
        const queue: string[] = [];
        let wake: (() => void) | null = null;
        const unsubscribe = this.transcript.subscribe((m) => {
          queue.push(JSON.stringify(m));
          wake?.();
        });
        stream.onAbort(() => {
          unsubscribe();
          wake?.();
        });
        await stream.writeSSE({ event: 'ready', data: '{}' });
        while (!stream.aborted) {
          if (queue.length === 0) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, 15_000); // keep-alive
            });
            wake = null;
            if (queue.length === 0 && !stream.aborted) await stream.writeSSE({ event: 'ping', data: '{}' });
            continue;
          }
          await stream.writeSSE({ event: 'message', data: queue.shift()! });
        }
        unsubscribe();
      }),
    );
    return app;
  }

  /** The console's sample directory (admin directory import); it has one tenant. */
  async listDirectory(_tenant: string): Promise<DirectoryEntry[]> {
    return [...CONSOLE_DIRECTORY];
  }

  private user(h: string): InboundUser {
    return { platform: PLATFORM, tenant: '', externalId: h, name: h };
  }

  private chat(id: string): ChatRef {
    return {
      platform: PLATFORM,
      tenant: '',
      chatId: id,
      kind: id.startsWith('dm:') ? 'dm' : 'group',
      title: id,
    };
  }

  /** Posts the replies into the chat, remembers their cards, and lets the outbox deliver before answering. */
  private async reply(chat: string, replies: Message[]) {
    const posted: ReturnType<Transcript['append']>[] = [];
    await this.services.replies.send(
      replies,
      async (r) => {
        const m = this.transcript.append(chat, r.text, r.card ? { card: r.card } : {});
        posted.push(m);
        return { tenant: '', chatId: chat, messageId: m.id };
      },
      { chat: this.chat(chat), fallback: null },
    );
    await this.services.outbox.flush();
    return posted;
  }
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}
