// WeCom (企业微信) for the contract suite, through test/fakes/wecom/app.ts: the real @wecom/aibot-node-sdk
// over the intelligent bot's long connection against the fake. Replies answer the callback's req_id,
// notices are pushes (aibot_send_msg), a pressed card is replaced in place within WeCom's 5 s window.
import { adapters } from '../../adapters/index.ts';
import type { App } from '../../src/app.ts';
import type { Sender } from '../../src/port/index.ts';
import { BOT, People, SECRET, startWeComApp, stopWeComApp, textOf } from '../fakes/wecom/app.ts';
import { FakeWeCom, type Sent } from '../fakes/wecom/server.ts';
import {
  type Group,
  organise,
  type Person,
  type PlatformDriver,
  type SeenCard,
  until,
  type Where,
} from './driver.ts';

const GROUPS: Record<Group, string> = { management: 'wrkCHATmgmt01', finance: 'wrkCHATfin01' };
const convOf = (w: Where) => ('person' in w ? w.person : GROUPS[w.group]);
/** What the person reads as a message of its own (a replaced card is the same message). */
const isMessage = (s: Sent) => s.via !== 'update' && s.via !== 'app-update';

export function wecomDriver(): PlatformDriver {
  let fake: FakeWeCom;
  let app: App;
  let url: string;
  let people: People;
  // A failure asked for: pushes (aibot_send_msg) from frame `since` on meet it until `n` of them did.
  let failure: { n: number; since: number; restore: () => void } | null = null;
  let failed = 0;
  let watch: NodeJS.Timeout | undefined;
  const pushesSince = (i: number) =>
    fake.frames.slice(i).filter((f) => f.frame.cmd === 'aibot_send_msg').length;

  // The answer on the message's req_id; or, when WeCom refused that (its quota, 45009), the same answer
  // pushed into the conversation later through the outbox (the reply path's fallback).
  const say = async (who: Person, text: string, opts: { group?: Group; mention?: Person } = {}) => {
    if (!failure)
      return people.say(
        who,
        text.replace('{mention}', `@${opts.mention ?? ''}`),
        opts.group && GROUPS[opts.group],
      );
    const chatid = opts.group && GROUPS[opts.group];
    const content = text.replace('{mention}', `@${opts.mention ?? ''}`);
    const before = fake.sent.length;
    const reqId = fake.text(BOT, {
      userid: who,
      content: chatid ? `@SalesRelay\u2005${content}` : content,
      ...(chatid ? { chatid } : {}),
    });
    const conv = chatid ?? who;
    const answer = await until(
      () => fake.sent.find((x) => x.reqId === reqId) ?? fake.sent.slice(before).find((x) => x.conv === conv),
      `the answer to ${content}`,
      60_000,
    );
    return textOf(answer);
  };

  const seenCard = (where: Where, taskId: string): SeenCard => {
    const now = () => fake.card(BOT, taskId) ?? {};
    return {
      id: taskId,
      where,
      text: async () => JSON.stringify(now()),
      actions: async () =>
        ((now().button_list ?? []) as { key: string }[]).map((b) => b.key).filter((k) => k !== 'noop'),
      versions: async () =>
        1 + fake.sent.filter((s) => s.via === 'update' && s.body.template_card?.task_id === taskId).length,
    };
  };

  return {
    name: 'wecom',
    declaration: adapters.get('wecom'),
    get app(): App {
      return app;
    },
    async start() {
      fake = await new FakeWeCom({ bots: { [BOT]: SECRET } }).start();
      ({ app, url } = await startWeComApp(fake, {
        env: { ADMINS: 'wecom:admin', WECOM_THROTTLED_RETRY_MS: '1000' },
      }));
      people = new People(fake);
      await until(() => fake.isConnected(BOT), 'the bot connected');
      // Ends a failure once it was met as often as asked (WeCom's own state, not a timer).
      watch = setInterval(() => {
        if (failure && pushesSince(failure.since) >= failure.n) {
          failed += failure.n;
          failure.restore();
          failure = null;
        }
      }, 20);
      await organise(say, ['admin', 'li', 'wang', 'zhao'], {});
    },
    async close() {
      clearInterval(watch);
      await stopWeComApp(app, url);
      await fake?.close();
    },
    sender: (): Sender => app.platforms.find((p) => p.platform === 'wecom')!,
    async query<T>(sql: string) {
      const { sql: raw } = await import('drizzle-orm');
      const r = (await app.database.db.execute(raw.raw(sql))) as unknown;
      return (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
    },
    say,
    async sayTwice(who, text) {
      // WeCom sends a callback again with the same req_id and msgid.
      const reqId = fake.text(BOT, { userid: who, content: text, msgid: `dup_${Date.now()}` });
      await until(() => fake.sent.find((s) => s.reqId === reqId), `the answer to ${text}`);
      fake.redeliver(BOT, fake.lastCallbackFrame(reqId)!);
      // The long connection carries frames in order: once a message after it is answered, the
      // redelivered one has been taken in too.
      await say(who, 'me');
    },
    async card(where, needle) {
      const c = await people.card(convOf(where), needle);
      return seenCard(where, c.taskId);
    },
    async press(who, card, actionPrefix) {
      const key = (await card.actions()).find((a) => a.startsWith(actionPrefix));
      if (!key) throw new Error(`no ${actionPrefix} button on ${await card.text()}`);
      const conv = convOf(card.where);
      const before = fake.sent.length;
      const reqId = fake.click(BOT, {
        userid: who,
        taskId: card.id,
        key,
        ...('group' in card.where ? { chatid: conv } : {}),
      });
      // The answer: the card replaced on the click's req_id, or a message to the person or that chat.
      const answer = await until(
        () =>
          fake.sent.find((s) => s.reqId === reqId) ??
          fake.sent.slice(before).find((s) => s.conv === conv || s.conv === who),
        `the answer to ${who}'s press`,
      );
      return textOf(answer);
    },
    async shown(where, needle) {
      return fake.sent.filter((s) => s.conv === convOf(where) && isMessage(s) && textOf(s).includes(needle))
        .length;
    },
    target(where) {
      return 'person' in where
        ? { tenant: BOT, kind: 'user', id: where.person }
        : { tenant: BOT, kind: 'chat', id: GROUPS[where.group] };
    },
    fail(f) {
      const since = fake.frames.length;
      if (f.kind === 'outage') {
        // WeCom does not answer the pushes (the SDK gives up on each after its timeout).
        fake.withhold.add('aibot_send_msg');
        failure = { n: f.n, since, restore: () => fake.withhold.delete('aibot_send_msg') };
      } else {
        // WeCom's own answer to too many pushes into a conversation: 45009.
        const perMinute = fake.opts.perMinute;
        fake.opts.perMinute = 0;
        failure = {
          n: f.n,
          since,
          restore: () => {
            fake.opts.perMinute = perMinute;
            fake.resetQuota();
          },
        };
      }
    },
    failuresSeen: () => failed,
  };
}
