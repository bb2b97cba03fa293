// Starts the app against a fake WeCom, as tests of the WeCom adapter need it.
import pino from 'pino';
import { type App, startApp } from '../../../src/app.ts';
import { dropDatabase, freshDatabaseUrl } from '../../helpers/pg.ts';
import { type FakeWeCom, type Sent, waitFor } from './server.ts';

export const BOT = 'BOT1';
export const SECRET = 'S3CR3T-bot';

export type Lines = { level: number; msg: string }[];

/** A pino logger that keeps its lines, so tests can see what was logged. */
export function memoryLog(level = 'warn') {
  const lines: Lines = [];
  const log = pino(
    { level },
    {
      write(s: string) {
        const j = JSON.parse(s) as { level: number; msg: string };
        lines.push({ level: j.level, msg: j.msg });
      },
    },
  );
  return { log, lines };
}

export async function startWeComApp(
  fake: FakeWeCom,
  opts: { url?: string; env?: Record<string, string>; log?: pino.Logger } = {},
): Promise<{ app: App; url: string }> {
  const url = opts.url ?? (await freshDatabaseUrl());
  const app = await startApp({
    env: {
      DATABASE_URL: url,
      PORT: '0',
      CONSOLE: 'off',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ADMINS: 'wecom:boss',
      WECOM_BOT_ID: BOT,
      WECOM_BOT_SECRET: SECRET,
      WECOM_WS_URL: fake.wsUrl,
      WECOM_API_URL: fake.apiUrl,
      WECOM_LOCK_POLL_MS: '200',
      WECOM_RECONNECT_MS: '100',
      ...opts.env,
    },
    ...(opts.log ? { log: opts.log } : {}),
  });
  return { app, url };
}

/** A driver for one bot on the fake: people type, press, and read what the bot sent. */
export class People {
  constructor(
    readonly fake: FakeWeCom,
    readonly botId = BOT,
  ) {}

  /** Types `content` (1:1, or in group `chatid` after the bot's @mention) and waits for the answer. */
  async say(userid: string, content: string, chatid?: string): Promise<string> {
    const reqId = this.fake.text(this.botId, {
      userid,
      content: chatid ? `@SalesRelay\u2005${content}` : content,
      ...(chatid ? { chatid } : {}),
    });
    const r = await waitFor(
      () => this.fake.sent.find((s) => s.reqId === reqId),
      8000,
      `answer to ${content}`,
    );
    return textOf(r);
  }

  /** The newest card with buttons pushed to `conv` whose title or fields mention `ref`. */
  async card(conv: string, ref: string, since = 0): Promise<Sent & { taskId: string }> {
    const found = await waitFor(
      () =>
        this.fake.sent.findLast(
          (s, i) =>
            i >= since &&
            s.conv === conv &&
            s.body.msgtype === 'template_card' &&
            JSON.stringify(s.body.template_card).includes(ref),
        ),
      8000,
      `a card for ${ref} in ${conv}`,
    );
    return { ...found, taskId: found.body.template_card.task_id as string };
  }

  pushesTo(conv: string, since = 0): Sent[] {
    return this.fake.sent.filter((s, i) => i >= since && s.conv === conv && s.via === 'push');
  }
}

export function textOf(s: Sent): string {
  const b = s.body;
  if (b.msgtype === 'stream') return b.stream.content;
  if (b.msgtype === 'markdown') return b.markdown.content;
  if (b.msgtype === 'template_card' || b.template_card) return JSON.stringify(b.template_card);
  return JSON.stringify(b);
}

export async function stopWeComApp(app: App | undefined, url: string | undefined, drop = true) {
  await app?.close();
  if (url && drop) await dropDatabase(url);
}
