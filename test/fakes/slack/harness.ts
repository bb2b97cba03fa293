// Starts the whole app (real PostgreSQL, real Bolt and web-api clients) against the fake Slack, with a
// workspace of the demo people, and drives it the way people in Slack would.
import { sql as drizzleSql } from 'drizzle-orm';
import { type App, startApp } from '../../../src/app.ts';
import { dropDatabase, freshDatabaseUrl } from '../../helpers/pg.ts';
import { type FakeMessage, FakeSlack } from './server.ts';
import { type SendOptions, type Sent, SlackSigner } from './signer.ts';

export const PEOPLE = {
  li: ['U0LI', 'Li Lei'],
  chen: ['U0CHEN', 'Chen Jing'],
  wang: ['U0WANG', 'Wang Qiang'],
  qian: ['U0QIAN', 'Qian Hui'],
  wu: ['U0WU', 'Wu Min'],
  zhao: ['U0ZHAO', 'Zhao Yun'],
  sun: ['U0SUN', 'Sun Li'],
  zhou: ['U0ZHOU', 'Zhou Tao'],
  admin: ['U0ADMIN', 'Admin'],
} as const;
export type Person = keyof typeof PEOPLE;

export const CHANNELS = {
  sales: 'C0SALES',
  marketing: 'C0MKT',
  service: 'C0SVC',
  finance: 'C0FIN',
  production: 'C0PROD',
  logistics: 'C0LOG',
  management: 'C0MGMT',
} as const;

export const uid = (p: Person) => PEOPLE[p][0];
export const mention = (p: Person) => `<@${uid(p)}|${p}>`;

export type Harness = {
  app: App;
  slack: FakeSlack;
  signer: SlackSigner;
  /** `/command text` by a person in a channel (default: their DM with the bot); answers once acked. */
  command(
    who: Person,
    text: string,
    opts?: { channel?: string; command?: string; send?: SendOptions },
  ): Promise<Sent & { fields: Record<string, string> }>;
  /** Types `/crm text` and waits for the answers that reach the person. */
  say(who: Person, text: string, channel?: string): Promise<FakeMessage[]>;
  /** Presses a button on a message and waits for the answers. */
  press(
    who: Person,
    message: FakeMessage,
    pick: string | ((b: Record<string, unknown>) => boolean),
  ): Promise<{ sent: Sent; answers: FakeMessage[] }>;
  /** The newest message in a channel whose text or header mentions `needle`. */
  cardIn(channel: string, needle: string, forUser?: Person): FakeMessage;
  dm(who: Person): string;
  waitFor<T>(
    fn: () => T | undefined | false | Promise<T | undefined | false>,
    what: string,
    ms?: number,
  ): Promise<T>;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
};

export async function startHarness(
  env: Record<string, string> = {},
  opts: { socketMode?: boolean } = {},
): Promise<Harness> {
  const slack = new FakeSlack();
  await slack.start();
  for (const [handle, [id, name]] of Object.entries(PEOPLE))
    slack.addUser(id, handle, name, `${handle}@example.com`);
  const everyone = Object.values(PEOPLE).map(([id]) => id);
  for (const [name, id] of Object.entries(CHANNELS)) slack.addChannel(id, name, everyone);
  const url = await freshDatabaseUrl();
  const app = await startApp({
    env: {
      DATABASE_URL: url,
      PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ADMINS: `slack:${uid('admin')}`,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      SLACK_API_RETRIES: '0',
      ...(opts.socketMode ? { SLACK_APP_TOKEN: slack.appToken, SLACK_SIGNING_SECRET: '' } : {}),
      ...env,
    },
    demo: true,
  });
  const signer = new SlackSigner(`${app.url}/slack/events`, slack.signingSecret);

  const waitFor: Harness['waitFor'] = async (fn, what, ms = 20_000) => {
    const until = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v as never;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  /** Everything the person sees that came after `mark`: ephemerals to them and bot posts in their DM. */
  const seenBy = (who: Person, channel: string) =>
    slack.messages.filter(
      (m) =>
        m.user === slack.botUserId &&
        (m.ephemeralFor === uid(who) ||
          (m.channel === channel && !m.ephemeralFor && channel.startsWith('D'))),
    );
  const settle = async (
    who: Person,
    channel: string,
    before: number,
    changed: () => boolean = () => false,
  ): Promise<FakeMessage[]> => {
    await waitFor(() => seenBy(who, channel).length > before || changed(), `an answer to ${who}`);
    // More answers may follow the first one; wait until none came for a moment.
    let n = seenBy(who, channel).length;
    for (;;) {
      // Posts in a DM are paced to one a second; answers through response_url are not.
      await new Promise((r) => setTimeout(r, channel.startsWith('D') ? 1200 : 150));
      const now = seenBy(who, channel).length;
      if (now === n) break;
      n = now;
    }
    return seenBy(who, channel).slice(before);
  };

  const h: Harness = {
    app,
    slack,
    signer,
    dm: (who) => slack.dmOf(uid(who)).id,
    async command(who, text, opts = {}) {
      const channel = opts.channel ?? slack.dmOf(uid(who)).id;
      const fields = slack.slashCommand(uid(who), channel, opts.command ?? '/crm', text);
      const sent = await signer.form(fields, opts.send);
      return { ...sent, fields };
    },
    async say(who, text, channel) {
      const ch = channel ?? slack.dmOf(uid(who)).id;
      const before = seenBy(who, ch).length;
      const sent = await h.command(who, text, { channel: ch });
      if (sent.status !== 200) throw new Error(`/crm ${text}: HTTP ${sent.status} ${sent.text}`);
      return settle(who, ch, before);
    },
    async press(who, message, pick) {
      const chooser =
        typeof pick === 'string'
          ? (b: Record<string, unknown>) =>
              String(b.action_id).startsWith(pick) ||
              String(b.value ?? '').includes(`"i":"${pick}`) ||
              (b.text as { text: string }).text === pick
          : pick;
      const before = seenBy(who, message.channel).length;
      const versions = message.history.length;
      const sent = await signer.interaction(slack.blockAction(uid(who), message, chooser));
      if (sent.status !== 200) throw new Error(`press: HTTP ${sent.status} ${sent.text}`);
      // An answer may replace the pressed (ephemeral) message instead of adding one.
      const answers = await settle(
        who,
        message.channel,
        before,
        () =>
          Boolean(message.ephemeralFor) && (message.history.length > versions || Boolean(message.deleted)),
      );
      return { sent, answers };
    },
    cardIn(channel, needle, forUser) {
      const found = slack
        .messagesIn(channel, forUser ? uid(forUser) : undefined)
        .findLast(
          (m) =>
            m.text.includes(needle) ||
            (m.blocks ?? []).some((b) => b.type === 'header' && JSON.stringify(b.text).includes(needle)),
        );
      if (!found) throw new Error(`no message about ${needle} in ${channel}`);
      return found;
    },
    waitFor,
    async query<T>(sql: string) {
      const result = (await app.database.db.execute(drizzleSql.raw(sql))) as unknown;
      return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
    },
    async close() {
      await app.close();
      await slack.stop();
      await dropDatabase(url);
    },
  };
  return h;
}

/** Whether a message still carries buttons. */
export function hasButtons(m: FakeMessage): boolean {
  return (m.blocks ?? []).some((b) => b.type === 'actions');
}

export function buttonsOf(m: FakeMessage): { action_id: string; value?: string; text: string }[] {
  return (m.blocks ?? [])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements as { action_id: string; value?: string; text: { text: string } }[])
    .map((e) => ({ action_id: e.action_id, ...(e.value ? { value: e.value } : {}), text: e.text.text }));
}
