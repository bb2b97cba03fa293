// Feishu (飞书) for the contract suite, through test/fakes/feishu/harness.ts: the real @larksuiteoapi/node-sdk
// over its long connection and OpenAPI calls against the fake.
import { adapters } from '../../adapters/index.ts';
import type { App } from '../../src/app.ts';
import type { Sender } from '../../src/port/index.ts';
import { type Harness, startHarness } from '../fakes/feishu/harness.ts';
import { buttonsOf, type Msg, textOf } from '../fakes/feishu/index.ts';
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

const NAMES: Record<Person, string> = {
  admin: '管理员',
  li: 'Li Lei 李雷',
  wang: 'Wang Qiang 王强',
  zhao: 'Zhao Yun 赵云',
};
const openId = (p: Person) => `ou_${p}`;
const actionOf = (b: { value?: unknown }) =>
  String((b.value as { action?: string } | undefined)?.action ?? '');

export function feishuDriver(): PlatformDriver {
  let h: Harness;
  let outage: Outage;
  const groups = {} as Record<Group, string>;
  const chatOf = (w: Where) => ('person' in w ? h.fake.p2pOf(openId(w.person)) : groups[w.group]);
  const msg = (id: string): Msg => {
    const m = h.fake.messages.get(id);
    if (!m) throw new Error(`no Feishu message ${id}`);
    return m;
  };

  const say = async (who: Person, text: string, opts: { group?: Group; mention?: Person } = {}) => {
    const chat = opts.group ? groups[opts.group] : h.fake.p2pOf(openId(who));
    // What the outbox had for this chat goes first (a notice of an earlier step): then the next new
    // message there is the answer.
    await until(
      async () =>
        (
          await h.query<{ n: number }>(
            `select count(*)::int n from outbox where state in ('pending', 'sending')
               and target_id in ('${chat}', '${openId(who)}')`,
          )
        )[0]!.n === 0,
      `the outbox done with ${chat}`,
    );
    const before = h.fake.messagesIn(chat).length;
    const ack = await h.fake.say({
      from: openId(who),
      text: text.replace('{mention}', '{mentions}'),
      ...(opts.group ? { chat: groups[opts.group] } : {}),
      ...(opts.mention ? { mentions: [openId(opts.mention)] } : {}),
    });
    if (ack.code !== 200) throw new Error(`Feishu's ack was ${ack.code}`);
    return textOf(await until(() => h.fake.messagesIn(chat)[before], `a reply to ${text}`));
  };

  const seenCard = (where: Where, id: string): SeenCard => ({
    id,
    where,
    text: async () => textOf(msg(id)),
    actions: async () => buttonsOf(msg(id).content).map(actionOf),
    versions: async () => msg(id).history.length,
  });

  return {
    name: 'feishu',
    declaration: adapters.get('feishu'),
    get app(): App {
      return h.app;
    },
    async start() {
      h = await startHarness({ env: { ADMINS: `feishu:${openId('admin')}` } });
      outage = new Outage(h.fake, 'http', (p) => p.startsWith('/open-apis/im/v1/messages'));
      for (const [p, name] of Object.entries(NAMES)) h.fake.addUser(name, openId(p as Person));
      groups.management = h.fake.addGroup('Management 管理层', [openId('admin'), openId('wang')]);
      groups.finance = h.fake.addGroup('Finance 财务', [openId('zhao')]);
      await until(() => h.fake.openConnections === 1, 'the long connection');
      await organise(say, Object.keys(NAMES) as Person[]);
    },
    async close() {
      await h?.close();
    },
    sender: (): Sender => h.app.platforms.find((p) => p.platform === 'feishu')!,
    query: (sql) => h.query(sql),
    say,
    async sayTwice(who, text) {
      // Feishu pushes an event again, the same event_id, when its answer did not come in time.
      const ev = h.fake.messageEvent({ from: openId(who), text });
      const a1 = await h.fake.push(ev);
      const a2 = await h.fake.push(ev);
      if (a1.code !== 200 || a2.code !== 200) throw new Error(`acks ${a1.code}, ${a2.code}`);
    },
    async card(where, needle) {
      const m = await until(() => h.fake.cardIn(chatOf(where), needle), `a ${needle} card`);
      return seenCard(where, m.messageId);
    },
    async press(who, card, actionPrefix) {
      const b = buttonsOf(msg(card.id).content).find((x) => actionOf(x).startsWith(actionPrefix));
      if (!b) throw new Error(`no ${actionPrefix} button on ${await card.text()}`);
      const answer = await h.fake.click(card.id, openId(who), b.label);
      return answer.toast?.content ?? '';
    },
    async shown(where, needle) {
      return h.fake.messagesIn(chatOf(where)).filter((m) => textOf(m).includes(needle)).length;
    },
    target(where) {
      return 'person' in where
        ? { tenant: h.fake.tenantKey, kind: 'user', id: openId(where.person) }
        : { tenant: h.fake.tenantKey, kind: 'chat', id: groups[where.group] };
    },
    fail(f) {
      if (f.kind === 'outage') outage.failNext(f.n);
      // Feishu's own answer to too many calls: HTTP 429 with code 99991400.
      else h.fake.throttleNext('/open-apis/im/v1/messages', f.n);
    },
    failuresSeen: () => outage.seen + h.fake.refusals.filter((r) => r.code === 99991400).length,
  };
}
