// The console (the web chat of a first start) for the contract suite, through test/helpers/console.ts: its
// HTTP API as the page uses it, on the demo organisation (people and groups already have their roles).
import type { App } from '../../src/app.ts';
import type { Sender } from '../../src/port/index.ts';
import { type Driver, startDriver } from '../helpers/console.ts';
import type { Group, Person, PlatformDriver, SeenCard, Where } from './driver.ts';
import { until } from './driver.ts';

const chatOf = (w: Where) => ('person' in w ? `dm:${w.person}` : w.group);

/** `env`: more settings for the app (a channel beside the console: test/contract/email.ts). */
export function consoleDriver(opts: { env?: Record<string, string> } = {}): PlatformDriver {
  let d: Driver;
  const read = async (where: Where, id: string) => (await d.messages(chatOf(where))).find((m) => m.id === id);
  // The console keeps no history of a message: a version is a change of what it shows, as read here.
  const history = new Map<string, string[]>();
  const seenCard = (where: Where, id: string): SeenCard => {
    const versions = history.get(id) ?? [];
    history.set(id, versions);
    const now = async () => {
      const m = await read(where, id);
      const shown = JSON.stringify(m?.card ?? m?.text);
      if (versions.at(-1) !== shown) versions.push(shown);
      return m;
    };
    return {
      id,
      where,
      async text() {
        const m = await now();
        return m ? `${m.text}\n${JSON.stringify(m.card ?? {})}` : '';
      },
      actions: async () => (await now())?.card?.actions.map((a) => a.id) ?? [],
      async versions() {
        await now();
        return versions.length;
      },
    };
  };
  return {
    name: 'console',
    declaration: undefined,
    get app(): App {
      return d.app;
    },
    async start() {
      d = await startDriver(opts.env ? { env: opts.env } : {});
      for (const p of ['admin', 'li', 'wang', 'zhao'] as Person[]) await d.say(p, 'me lang=en');
    },
    async close() {
      await d?.close();
    },
    sender: (): Sender => d.app.console!,
    query: (sql) => d.query(sql),
    async say(who: Person, text: string, opts: { group?: Group; mention?: Person } = {}) {
      const reply = await d.say(who, text.replace('{mention}', `@${opts.mention ?? ''}`), opts.group);
      return `${reply.text}\n${JSON.stringify(reply.card ?? '')}`;
    },
    async card(where, needle) {
      const chat = chatOf(where);
      const m = await until(
        async () =>
          (await d.messages(chat)).findLast(
            (x) => x.card && `${x.text} ${JSON.stringify(x.card)}`.includes(needle),
          ),
        `a card about ${needle} in ${chat}`,
      );
      const card = seenCard(where, m.id);
      await card.versions();
      return card;
    },
    async press(who, card, actionPrefix) {
      const action = (await card.actions()).find((a) => a.startsWith(actionPrefix));
      if (!action) throw new Error(`no ${actionPrefix} button on ${await card.text()}`);
      const r = await d.press(who, card.id, action);
      return r.replies.map((m) => `${m.text} ${JSON.stringify(m.card ?? '')}`).join('\n') || (r.error ?? '');
    },
    async shown(where, needle) {
      return (await d.messages(chatOf(where))).filter((m) =>
        `${m.text} ${JSON.stringify(m.card ?? '')}`.includes(needle),
      ).length;
    },
    target(where) {
      return 'person' in where
        ? { tenant: '', kind: 'user', id: where.person }
        : { tenant: '', kind: 'chat', id: where.group };
    },
  };
}
