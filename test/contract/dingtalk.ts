// DingTalk for the contract suite, through test/fakes/dingtalk/harness.ts: the real dingtalk-stream client
// and OpenAPI calls against the fake, with the card template published (interactive cards).

import { adapters } from '../../adapters/index.ts';
import type { App } from '../../src/app.ts';
import type { Sender } from '../../src/port/index.ts';
import type { Ack, CardState } from '../fakes/dingtalk/fake.ts';
import { type Harness, startHarness } from '../fakes/dingtalk/harness.ts';
import {
  type Group,
  organise,
  type Person,
  type PlatformDriver,
  type SeenCard,
  until,
  type Where,
} from './driver.ts';
import { Outage } from './outage.ts';

const GROUPS: Record<Group, string> = { management: 'cidManagement==', finance: 'cidFinance==' };
const NICKS: Record<Person, string> = {
  admin: 'Admin 管理员',
  li: 'Li Lei 李雷',
  wang: 'Wang Qiang 王强',
  zhao: 'Zhao Yun 赵云',
};
/** A person's 1:1 conversation with the robot; their cards are delivered to their staff id. */
const dmOf = (p: Person) => `cid_dm_${p}`;
const spaceOf = (w: Where) => ('person' in w ? w.person : GROUPS[w.group]);

const hint = (ack: Ack) =>
  (ack.data as { response?: { userPrivateData?: { cardParamMap?: { hint?: string } } } }).response
    ?.userPrivateData?.cardParamMap?.hint ?? '';

function shownActions(c: CardState): { id: string; label: string }[] {
  const out: { id: string; label: string }[] = [];
  for (let i = 1; i <= 4; i++)
    if (c.params[`btn${i}_show`] === 'true')
      out.push({ id: c.params[`btn${i}_action`]!, label: c.params[`btn${i}_label`]! });
  return out;
}

export function dingtalkDriver(): PlatformDriver {
  let h: Harness;
  let outage: Outage;
  const qpsRefusals = () => h.fake.refusals.filter((r) => r.code.includes('QpsLimit')).length;

  const say = async (who: Person, text: string, opts: { group?: Group; mention?: Person } = {}) => {
    const space = opts.group ? GROUPS[opts.group] : who;
    // What the outbox had for this person or chat goes first (a notice of an earlier step, an answer
    // posted later): then the next new message there is the answer.
    const outboxDone = async () =>
      (
        await h.query<{ n: number }>(
          `select count(*)::int n from outbox where state in ('pending', 'sending')
             and target_id in ('${space}', '${who}')`,
        )
      )[0]!.n === 0;
    await until(outboxDone, `the outbox done with ${space}`);
    // Privately, a live answer goes back through the session webhook (to the 1:1 conversation); one the
    // outbox posts instead goes to the staff id.
    const texts = () =>
      opts.group ? h.fake.sentTo(space) : h.fake.sent.filter((s) => s.to === dmOf(who) || s.to === who);
    const before = texts().length;
    const cardsBefore = h.fake.cardsIn(space).length;
    const ack = await h.fake.robotMessage({
      from: who,
      nick: NICKS[who],
      text: text.replace('{mention}', '{mentions}'),
      ...(opts.group ? { group: GROUPS[opts.group] } : {}),
      ...(opts.mention ? { mentions: [opts.mention] } : {}),
    });
    if (ack.code !== 200) throw new Error(`DingTalk's ack was ${ack.code}`);
    // The answer is a text on the message's session webhook, or a card (createAndDeliver) in that chat;
    // an answer the outbox posted instead (its live answer failed) is taken once the outbox is done, so a
    // notice the command sent to the same person is not taken for it.
    return until(async () => {
      const fresh = texts().slice(before);
      const live = fresh.find((s) => s.api === 'sessionWebhook');
      if (live) return live.text;
      const card = h.fake.cardsIn(space)[cardsBefore];
      if (card) return JSON.stringify(card.params);
      if (fresh.length && (await outboxDone())) return fresh[0]!.text;
      return undefined;
    }, `a reply to ${text}`);
  };

  const seenCard = (where: Where, outTrackId: string): SeenCard => {
    const c = () => h.fake.cards.get(outTrackId)!;
    return {
      id: outTrackId,
      where,
      text: async () => JSON.stringify(c().params),
      actions: async () => shownActions(c()).map((a) => a.id),
      versions: async () => c().history.length,
    };
  };

  return {
    name: 'dingtalk',
    declaration: adapters.get('dingtalk'),
    get app(): App {
      return h.app;
    },
    async start() {
      h = await startHarness({ env: { ADMINS: 'dingtalk:admin', DINGTALK_GROUP_PER_MINUTE: '1000' } });
      outage = new Outage(
        h.fake,
        'http',
        (p) => p.startsWith('/v1.0/robot/') || p.startsWith('/v1.0/card/') || p === '/robot/sendBySession',
      );
      await until(() => h.fake.openConnections === 1, 'the stream connection');
      await organise(say, Object.keys(NICKS) as Person[]);
    },
    async close() {
      await h?.close();
    },
    sender: (): Sender => h.app.platforms.find((p) => p.platform === 'dingtalk')!,
    query: (sql) => h.query(sql),
    say,
    async sayTwice(who, text) {
      // The gateway sends a frame again, the same frame (its messageId and the message's msgId), when it
      // saw no ack in time.
      const first = h.fake.robotMessage({ from: who, nick: NICKS[who], text });
      const a1 = await first;
      const a2 = await h.fake.robotMessage({
        from: who,
        nick: NICKS[who],
        text,
        msgId: first.msgId,
        messageId: first.messageId,
      });
      if (a1.code !== 200 || a2.code !== 200) throw new Error(`acks ${a1.code}, ${a2.code}`);
    },
    async card(where, needle) {
      const c = await until(() => h.fake.cardIn(spaceOf(where), needle), `a ${needle} card`);
      return seenCard(where, c.outTrackId);
    },
    async press(who, card, actionPrefix) {
      const b = shownActions(h.fake.cards.get(card.id)!).find((a) => a.id.startsWith(actionPrefix));
      if (!b) throw new Error(`no ${actionPrefix} button on ${await card.text()}`);
      return hint(await h.fake.click(card.id, who, b.label));
    },
    async shown(where, needle) {
      const space = spaceOf(where);
      const texts =
        'person' in where
          ? h.fake.sentTo(dmOf(where.person)).concat(h.fake.sentTo(space))
          : h.fake.sentTo(space);
      return (
        texts.filter((s) => s.text.includes(needle) || s.title.includes(needle)).length +
        h.fake.cardsIn(space).filter((c) => JSON.stringify(c.history[0]).includes(needle)).length
      );
    },
    target(where) {
      return 'person' in where
        ? { tenant: h.fake.corpId, kind: 'user', id: where.person }
        : { tenant: h.fake.corpId, kind: 'chat', id: GROUPS[where.group] };
    },
    fail(f) {
      if (f.kind === 'outage') outage.failNext(f.n);
      else {
        // DingTalk's own answer to too many calls: 403 Forbidden.AccessDenied.QpsLimitForAppkeyAndApi.
        h.fake.throttleNext('/v1.0/card/instances/createAndDeliver', f.n);
      }
    },
    failuresSeen: () => outage.seen + qpsRefusals(),
    async textOnly(message) {
      // An organisation that has not imported the card template (no DINGTALK_CARD_TEMPLATE_ID): cards go
      // as markdown. A second app, for this case only.
      const plain = await startHarness({ cards: false, env: { ADMINS: 'dingtalk:admin' } });
      try {
        await until(() => plain.fake.openConnections === 1, 'the stream connection');
        await plain.fake.robotMessage({ from: 'li', nick: NICKS.li, text: 'me lang=en' });
        const adapter = plain.app.platforms.find((p) => p.platform === 'dingtalk')!;
        await adapter.post({ tenant: plain.fake.corpId, kind: 'user', id: 'li' }, message, {
          idempotencyKey: 'outbox:1',
        });
        const sent = await until(
          () => plain.fake.sentTo('li').find((s) => s.title.includes(message.card!.title)),
          'the markdown to li',
        );
        if (plain.fake.cards.size > 0) throw new Error('a card was created without a template');
        return sent.text;
      } finally {
        await plain.close();
      }
    },
  };
}
