// Slack for the contract suite, through test/fakes/slack/harness.ts: the real Bolt receiver and web-api
// client against the fake Slack, slash commands and button presses signed as Slack signs them.
import { randomBytes } from 'node:crypto';
import { adapters } from '../../adapters/index.ts';
import type { App } from '../../src/app.ts';
import type { Sender } from '../../src/port/index.ts';
import {
  buttonsOf,
  CHANNELS,
  type Harness,
  mention,
  type Person as SlackPerson,
  startHarness,
  uid,
} from '../fakes/slack/harness.ts';
import type { FakeMessage } from '../fakes/slack/server.ts';
import {
  type Group,
  type Person,
  type PlatformDriver,
  ROLES,
  type SeenCard,
  until,
  type Where,
} from './driver.ts';
import { Outage } from './outage.ts';

/** The card action a Slack button stands for: its value, or the id packed with what a form asks first. */
function actionOf(b: { value?: string }): string {
  const v = b.value ?? '';
  if (v.startsWith('{')) {
    try {
      return String((JSON.parse(v) as { i?: string }).i ?? v);
    } catch {}
  }
  return v;
}

const shownText = (m: FakeMessage) => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;

export function slackDriver(): PlatformDriver {
  let h: Harness;
  let outage: Outage;
  const channelOf = (w: Where) => ('person' in w ? h.dm(w.person as SlackPerson) : CHANNELS[w.group]);
  const byTs = (channel: string, ts: string) => {
    const m = h.slack.messages.find((x) => x.channel === channel && x.ts === ts);
    if (!m) throw new Error(`no Slack message ${ts} in ${channel}`);
    return m;
  };
  const say = async (who: Person, text: string, opts: { group?: Group; mention?: Person } = {}) => {
    const t = text.replace('{mention}', opts.mention ? mention(opts.mention) : '');
    const answers = await h.say(who, t, opts.group ? CHANNELS[opts.group] : undefined);
    return answers.map(shownText).join('\n');
  };
  const seenCard = (where: Where, m: FakeMessage): SeenCard => {
    const channel = channelOf(where);
    const now = () => byTs(channel, m.ts);
    return {
      id: m.ts,
      where,
      text: async () => shownText(now()),
      actions: async () => buttonsOf(now()).map(actionOf),
      // chat.update keeps the versions before it in history.
      versions: async () => now().history.length + 1,
    };
  };

  return {
    name: 'slack',
    declaration: adapters.get('slack'),
    get app(): App {
      return h.app;
    },
    async start() {
      h = await startHarness();
      outage = new Outage(h.slack, 'handle', (p) => p === '/api/chat.postMessage');
      for (const p of ['admin', 'li', 'wang', 'zhao'] as Person[]) await say(p, 'me lang=en');
      await h.say('admin', 'admin bind management', CHANNELS.management);
      await h.say('admin', 'admin bind finance', CHANNELS.finance);
      for (const [p, role] of ROLES)
        await h.say('admin', `admin role ${mention(p)} ${role}`, CHANNELS.management);
    },
    async close() {
      await h?.close();
    },
    sender: (): Sender => h.app.platforms.find((p) => p.platform === 'slack')!,
    query: (sql) => h.query(sql),
    say,
    async sayTwice(who, text) {
      // Slack sends an event again, the same event_id, with X-Slack-Retry-Num when it saw no 200 in time.
      const body = {
        token: 'x',
        team_id: h.slack.team,
        api_app_id: 'A0SALESRELAY',
        type: 'event_callback',
        event_id: `Ev0${randomBytes(5).toString('hex').toUpperCase()}`,
        event_time: Math.floor(Date.now() / 1000),
        event: {
          type: 'message',
          channel_type: 'im',
          channel: h.dm(who),
          user: uid(who),
          text,
          ts: `${Date.now() / 1000}`,
        },
      };
      const first = await h.signer.event(body);
      const again = await h.signer.event(body, { retryNum: 1 });
      if (first.status !== 200 || again.status !== 200)
        throw new Error(`Slack got ${first.status}, ${again.status}`);
    },
    async card(where, needle) {
      const channel = channelOf(where);
      const m = await until(
        () => h.slack.messagesIn(channel).findLast((x) => x.blocks && shownText(x).includes(needle)),
        `a ${needle} card in ${channel}`,
      );
      return seenCard(where, m);
    },
    async press(who, card, actionPrefix) {
      const m = byTs(channelOf(card.where), card.id);
      const { answers } = await h.press(who, m, (b) =>
        actionOf(b as { value?: string }).startsWith(actionPrefix),
      );
      return answers.map(shownText).join('\n');
    },
    async shown(where, needle) {
      return h.slack
        .messagesIn(channelOf(where))
        .filter((m) => !m.ephemeralFor && shownText(m).includes(needle)).length;
    },
    target(where) {
      return 'person' in where
        ? { tenant: h.slack.team, kind: 'user', id: uid(where.person) }
        : { tenant: h.slack.team, kind: 'chat', id: CHANNELS[where.group] };
    },
    fail(f) {
      if (f.kind === 'outage') outage.failNext(f.n);
      // Slack's own answer: HTTP 429 ratelimited with Retry-After.
      else h.slack.failNext.set('chat.postMessage', { error: 'ratelimited', count: f.n });
    },
    failuresSeen: () => outage.seen + h.slack.calls.filter((c) => c.status === 429).length,
  };
}
