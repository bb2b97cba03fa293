// `npm run bench:commands -- --platform slack|dingtalk|wecom`: the command mix through that adapter's real
// inbound path, in this process, against its platform fake (test/fakes, driven as bench/ack/platforms.ts
// drives them: signed Slack slash commands over HTTP to Bolt's receiver, DingTalk Stream CALLBACK frames to
// dingtalk-stream's client, WeCom robot frames to the aibot SDK). A command is done when its reply has
// reached the fake; the reply is the text the fake received. Each simulated person has one command in flight
// at most, so a reply is matched to its command by who it went to (WeCom: by the callback's req_id).
import type { App } from '../../src/app.ts';
import { DingTalk, Slack, WeCom } from '../ack/platforms.ts';

export const CHAT_PLATFORMS = ['slack', 'dingtalk', 'wecom'] as const;
export type ChatPlatform = (typeof CHAT_PLATFORMS)[number];

/** How long a command may wait for its reply before it counts as failed. */
const REPLY_TIMEOUT_MS = 30_000;

export interface ChatPath {
  readonly name: ChatPlatform;
  /** The settings the app reads for this platform (the fake's addresses, tokens, limits). */
  env(): Record<string, string>;
  /** After the app has started: where to send, and the platform's connection up. */
  attach(app: App): Promise<void>;
  /** Person `person` types `text`; resolves with the reply that reached the fake. */
  say(person: number, text: string): Promise<string>;
  /** What paces replies on this path in this run, for the print. */
  limits(people: number): string[];
  /** Replies that reached the fake for nobody waiting (notices, a second answer). */
  readonly strays: number;
  close(): Promise<void>;
}

/** Replies waited for, by key (the person, or the WeCom req_id). */
class Waiting<K> {
  private readonly waiting = new Map<K, { resolve: (text: string) => void; timer: NodeJS.Timeout }>();
  strays = 0;

  wait(key: K, sent: () => Promise<unknown>): Promise<string> {
    if (this.waiting.has(key)) return Promise.reject(new Error(`two commands in flight for ${key}`));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        resolve(`(no reply within ${REPLY_TIMEOUT_MS / 1000} s)`);
      }, REPLY_TIMEOUT_MS);
      this.waiting.set(key, { resolve, timer });
      sent().catch((err: Error) => {
        clearTimeout(timer);
        this.waiting.delete(key);
        reject(err);
      });
    });
  }

  /** A reply reached the fake for `key` (undefined: for nobody the bench can tell). */
  arrived(key: K | undefined, text: string): void {
    const w = key === undefined ? undefined : this.waiting.get(key);
    if (!w) {
      this.strays++;
      return;
    }
    clearTimeout(w.timer);
    this.waiting.delete(key!);
    w.resolve(text);
  }
}

/** Calls `fn` with each item pushed onto a fake's record (the fakes keep what happened in arrays). */
function tap<T>(list: T[], fn: (item: T) => void): void {
  const push = list.push.bind(list);
  list.push = (...items: T[]) => {
    for (const item of items) fn(item);
    return push(...items);
  };
}

const personOf = (id: string, re: RegExp): number | undefined => {
  const m = re.exec(id);
  return m ? Number(m[1]) : undefined;
};

class SlackPath extends Slack implements ChatPath {
  private readonly replies = new Waiting<number>();
  get strays() {
    return this.replies.strays;
  }

  async begin(people: number) {
    await this.start(() => {});
    this.addUsers(people);
    // The answer to a slash command: an ephemeral message through its response_url, for the person.
    tap(this.fake.messages, (m) => {
      if (m.user !== this.fake.botUserId) return;
      this.replies.arrived(personOf(m.ephemeralFor ?? '', /^U0B(\d+)$/), m.text);
    });
  }

  async attach(app: App) {
    this.targets([`${app.url}/slack/events`]);
  }

  say(person: number, text: string) {
    return this.replies.wait(person, async () => {
      const at = await super.send({ i: 0, user: person, text }, 0);
      if (at === null) throw new Error('the slash command was not acknowledged with HTTP 200');
    });
  }

  limits() {
    return ['Slack: none on this path (replies go through response_url, which Slack does not rate limit)'];
  }
}

class DingTalkPath extends DingTalk implements ChatPath {
  private readonly replies = new Waiting<number>();
  constructor(private readonly realLimits: boolean) {
    super();
  }
  get strays() {
    return this.replies.strays;
  }

  async begin() {
    await this.start(() => {});
    // sessionWebhook replies go to the 1:1 conversation (cid_dm_<staff id>), robot API ones to the staff id.
    tap(this.fake.sent, (s) => this.replies.arrived(personOf(s.to, /bench(\d+)$/), s.text));
  }

  override env() {
    return { ...super.env(), ...(this.realLimits ? {} : { DINGTALK_API_QPS: '100000' }) };
  }

  attach() {
    return connected(() => this.connections(), 'the app did not open its DingTalk Stream connection');
  }

  say(person: number, text: string) {
    return this.replies.wait(person, async () => {
      const at = await super.send({ i: 0, user: person, text });
      if (at === null) throw new Error('the CALLBACK frame was not acknowledged');
    });
  }

  limits() {
    return [
      this.realLimits
        ? 'DingTalk: the adapter sends sessionWebhook replies through its per-API limiter (DINGTALK_API_QPS, 20/s, as DingTalk allows per app per API): replies are paced at 20/s, so the closed loop measures that limit'
        : 'DingTalk: the adapter paces sessionWebhook replies to DINGTALK_API_QPS (20/s, as DingTalk allows per app per API); lifted to 100000 in this run so that the path is measured, not the pacing (--real-limits keeps 20/s)',
    ];
  }
}

class WeComPath extends WeCom implements ChatPath {
  private readonly replies = new Waiting<string>();
  get strays() {
    return this.replies.strays;
  }

  async begin() {
    await this.start(() => {});
    // The answer: the stream reply on the callback's req_id.
    tap(this.fake.sent, (s) => {
      if (s.via === 'push') return void this.replies.arrived(undefined, '');
      if (s.via !== 'respond') return;
      const b = s.body;
      this.replies.arrived(s.reqId, String(b.stream?.content ?? b.markdown?.content ?? JSON.stringify(b)));
    });
  }

  attach() {
    return connected(() => this.connections(), 'the app did not take the WeCom connection');
  }

  say(person: number, text: string) {
    const bot = this.env().WECOM_BOT_ID!;
    // The req_id is made by the fake as it sends the frame, and the reply may only come after this returns.
    const reqId = this.fake.text(bot, { userid: `bench${person}`, content: text });
    return this.replies.wait(reqId, async () => {});
  }

  limits(people: number) {
    return [
      `WeCom: 30 replies per minute and 1000 per hour per conversation (the adapter's quota and the fake both keep them); the ${people} people are taken in turn, so pacing starts above ${Math.floor(people / 2)} commands/s, or beyond 1000 commands per person in an hour`,
    ];
  }
}

export async function chatPath(name: ChatPlatform, people: number, realLimits: boolean): Promise<ChatPath> {
  switch (name) {
    case 'slack': {
      const p = new SlackPath();
      await p.begin(people);
      return p;
    }
    case 'dingtalk': {
      const p = new DingTalkPath(realLimits);
      await p.begin();
      return p;
    }
    case 'wecom': {
      const p = new WeComPath();
      await p.begin();
      return p;
    }
  }
}

/** Waits up to 30 s for the app to hold its long connection to the fake. */
async function connected(connections: () => number, failure: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (connections() < 1) {
    if (Date.now() > end) throw new Error(failure);
    await new Promise((r) => setTimeout(r, 50));
  }
}
