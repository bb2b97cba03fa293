// The four inbound paths of `npm run bench:ack`, each driven through its platform fake from test/fakes (the
// real wire formats): how a command is sent and sent again, when its ack arrives, and what reaches the fake
// as a reply. Times are performance.now() in this process, taken when the fake sends and when it receives.
import { performance } from 'node:perf_hooks';
import { FakeDingTalk } from '../../test/fakes/dingtalk/fake.ts';
import { FakeFeishu, textOf as feishuText } from '../../test/fakes/feishu/index.ts';
import { FakeSlack } from '../../test/fakes/slack/server.ts';
import { SlackSigner } from '../../test/fakes/slack/signer.ts';
import { FakeWeCom, type Frame as WeComFrame } from '../../test/fakes/wecom/server.ts';

export const PLATFORMS = ['slack', 'dingtalk', 'wecom', 'feishu'] as const;
export type PlatformName = (typeof PLATFORMS)[number];

/** One command as the load generator sends it; `key` is what the platform needs to send it again. */
export type Command = { i: number; user: number; text: string; key?: unknown };

/** Resolves with the time the ack arrived, or null when none came (a refusal, a dropped connection). */
export type Acked = Promise<number | null>;

export interface Platform {
  readonly name: PlatformName;
  /**
   * How deliveries reach the processes: 'spread' (any replica, as a load balancer spreads HTTP requests),
   * 'each' (every process keeps a connection of its own and the platform picks one per event), or 'one'
   * (one connection at a time: the app's replicas take a lock, the others stand by).
   */
  readonly topology: 'spread' | 'each' | 'one';
  /** What the ack is on this platform, for the print. */
  readonly ackIs: string;
  readonly replyIs: string;
  /** A limit of the platform or the adapter that bounds replies at this rate, if any. */
  limit(rate: number): string | undefined;
  start(onReply: (text: string, at: number) => void): Promise<void>;
  addUsers(n: number): void;
  /** The settings the app and the baseline read (the same names as the app's). */
  env(): Record<string, string>;
  /** The connections the platform sees now (spread: not applicable). */
  connections(): number;
  /** Spread only: where each process takes requests. */
  targets(urls: string[]): void;
  send(c: Command, process: number): Acked;
  /** The same event again, as the platform does after a slow ack; null when such a redelivery has no ack. */
  redeliver(c: Command, process: number): Acked | null;
  close(): Promise<void>;
}

/** Calls `fn` with each item pushed onto a fake's record (the fakes keep what happened in arrays). */
function tap<T>(list: T[], fn: (item: T) => void): void {
  const push = list.push.bind(list);
  list.push = (...items: T[]) => {
    for (const item of items) fn(item);
    return push(...items);
  };
}

const acked = (p: Promise<unknown>): Acked =>
  p.then(
    () => performance.now(),
    () => null,
  );

export class Slack implements Platform {
  readonly name = 'slack';
  readonly topology = 'spread';
  readonly ackIs = 'HTTP 200 to the signed slash command';
  readonly replyIs = 'POST to its response_url';
  limit() {
    return undefined; // response_urls are not rate limited (chat.postMessage is: 1 per second per channel)
  }
  protected readonly fake = new FakeSlack();
  private signers: SlackSigner[] = [];
  private readonly channel = 'C0BENCH';

  async start(onReply: (text: string, at: number) => void) {
    await this.fake.start();
    tap(this.fake.calls, (c) => {
      const reply = c.method === 'response_url' || c.method.startsWith('chat.post');
      if (reply && c.status === 200 && !c.error) onReply(String(c.args.text ?? ''), performance.now());
    });
  }

  addUsers(n: number) {
    const ids = Array.from({ length: n }, (_, u) => {
      this.fake.addUser(`U0B${u}`, `bench${u}`, `Bench Rep ${u}`);
      return `U0B${u}`;
    });
    this.fake.addChannel(this.channel, 'sales', ids);
  }

  env() {
    return {
      SLACK_BOT_TOKEN: this.fake.token,
      SLACK_SIGNING_SECRET: this.fake.signingSecret,
      SLACK_API_URL: this.fake.apiUrl,
      SLACK_API_RETRIES: '0',
      SLACK_APP_TOKEN: '',
    };
  }

  connections() {
    return 0;
  }

  targets(urls: string[]) {
    this.signers = urls.map((u) => new SlackSigner(u, this.fake.signingSecret));
  }

  send(c: Command, process: number): Acked {
    const fields = this.fake.slashCommand(`U0B${c.user}`, this.channel, '/crm', c.text);
    const raw = new URLSearchParams(fields).toString();
    c.key = raw;
    return this.post(process, raw);
  }

  /** Byte for byte the same request (the same trigger_id: the same event), signed anew, with X-Slack-Retry-Num. */
  redeliver(c: Command, process: number): Acked {
    return this.post(process, c.key as string, 1);
  }

  private post(process: number, raw: string, retryNum?: number): Acked {
    const signer = this.signers[process % this.signers.length]!;
    return signer.send(raw, 'application/x-www-form-urlencoded', retryNum ? { retryNum } : {}).then(
      (r) => (r.status === 200 ? performance.now() : null),
      () => null,
    );
  }

  close() {
    return this.fake.stop();
  }
}

export class DingTalk implements Platform {
  readonly name = 'dingtalk';
  readonly topology = 'each';
  readonly ackIs = 'the stream ACK frame for the robot CALLBACK';
  readonly replyIs = 'POST to the sessionWebhook (or the robot API)';
  limit(rate: number) {
    return rate > 20
      ? 'the adapter sends sessionWebhook replies through its per-API limiter (DINGTALK_API_QPS, 20/s): above 20 commands/s replies queue'
      : undefined;
  }
  protected fake!: FakeDingTalk;
  private template = '';

  async start(onReply: (text: string, at: number) => void) {
    this.fake = await FakeDingTalk.start();
    this.template = this.fake.publishTemplate();
    tap(this.fake.sent, (s) => onReply(s.text, performance.now()));
  }

  addUsers() {} // staff appear with their first message

  env() {
    return {
      ...this.fake.env(this.template),
      DINGTALK_RECONNECT_MIN_MS: '50',
      DINGTALK_RECONNECT_MAX_MS: '2000',
    };
  }

  connections() {
    return this.fake.openConnections;
  }

  targets() {}

  send(c: Command): Acked {
    const p = this.fake.robotMessage({ from: `bench${c.user}`, nick: `Bench Rep ${c.user}`, text: c.text });
    c.key = p.msgId;
    return acked(p);
  }

  /** The same robot message (msgId) in a new CALLBACK frame. */
  redeliver(c: Command): Acked {
    return acked(
      this.fake.robotMessage({
        from: `bench${c.user}`,
        nick: `Bench Rep ${c.user}`,
        text: c.text,
        msgId: c.key as string,
      }),
    );
  }

  close() {
    return this.fake.close();
  }
}

const BOT = 'BENCHBOT';
const SECRET = 'bench-bot-secret';

export class WeCom implements Platform {
  readonly name = 'wecom';
  readonly topology = 'one';
  readonly ackIs = 'the first aibot_respond_msg on the callback req_id (the robot has no other ack)';
  readonly replyIs = 'the same frame (stream reply), or aibot_send_msg';
  limit() {
    return 'WeCom allows 30 replies per minute per conversation: the load is spread over many people';
  }
  protected fake!: FakeWeCom;
  private readonly waiting = new Map<string, (at: number) => void>();

  async start(onReply: (text: string, at: number) => void) {
    this.fake = await new FakeWeCom({ bots: { [BOT]: SECRET } }).start();
    tap(this.fake.frames, ({ frame }) => {
      if (frame.cmd !== 'aibot_respond_msg') return;
      const id = frame.headers?.req_id ?? '';
      const done = this.waiting.get(id);
      if (!done) return;
      this.waiting.delete(id);
      done(performance.now());
    });
    tap(this.fake.sent, (s) => {
      if (s.via !== 'respond' && s.via !== 'push') return;
      const b = s.body;
      onReply(String(b.stream?.content ?? b.markdown?.content ?? JSON.stringify(b)), performance.now());
    });
  }

  addUsers() {}

  env() {
    return {
      WECOM_BOT_ID: BOT,
      WECOM_BOT_SECRET: SECRET,
      WECOM_WS_URL: this.fake.wsUrl,
      WECOM_API_URL: this.fake.apiUrl,
      WECOM_LOCK_POLL_MS: '500',
      WECOM_RECONNECT_MS: '200',
    };
  }

  connections() {
    return this.fake.isConnected(BOT) ? 1 : 0;
  }

  targets() {}

  send(c: Command): Acked {
    try {
      const reqId = this.fake.text(BOT, { userid: `bench${c.user}`, content: c.text });
      c.key = reqId;
      return new Promise((resolve) => this.waiting.set(reqId, resolve));
    } catch {
      return Promise.resolve(null); // not connected
    }
  }

  /** The recorded frame again: the same req_id and msgid. A deduped one is not answered, so it has no ack. */
  redeliver(c: Command): null {
    const frame = this.fake.lastCallbackFrame(c.key as string) as WeComFrame | undefined;
    if (frame) {
      try {
        this.fake.redeliver(BOT, frame);
      } catch {}
    }
    return null;
  }

  close() {
    return this.fake.close();
  }
}

class Feishu implements Platform {
  readonly name = 'feishu';
  readonly topology = 'one';
  readonly ackIs = "the WSClient's answer frame to the event (code 200)";
  readonly replyIs = 'im.message.create into the chat';
  limit(rate: number) {
    return rate > 1000 / 60
      ? 'Feishu allows im.message.create 50/s and 1000/min per app (the fake enforces both): above 16.7 commands/s not every reply can go at once; refused ones go through the outbox (ours) or are lost (baseline, never retried)'
      : undefined;
  }
  private fake!: FakeFeishu;

  async start(onReply: (text: string, at: number) => void) {
    this.fake = await FakeFeishu.start();
    const messages = this.fake.messages;
    const set = messages.set.bind(messages);
    messages.set = (id, m) => {
      if (m.sender === 'app') onReply(feishuText(m), performance.now());
      return set(id, m);
    };
  }

  addUsers(n: number) {
    for (let u = 0; u < n; u++) this.fake.addUser(`Bench Rep ${u}`, `ou_bench${u}`);
  }

  env() {
    return { ...this.fake.env(), FEISHU_LOCK_POLL_MS: '500' };
  }

  connections() {
    return this.fake.openConnections;
  }

  targets() {}

  send(c: Command): Acked {
    const event = this.fake.messageEvent({ from: `ou_bench${c.user}`, text: c.text });
    c.key = event;
    return acked(this.fake.push(event));
  }

  /** The same event JSON (event_id, message_id) pushed again. */
  redeliver(c: Command): Acked {
    return acked(this.fake.push(c.key as { header: { event_id: string } }));
  }

  close() {
    return this.fake.close();
  }
}

export function platform(name: PlatformName): Platform {
  switch (name) {
    case 'slack':
      return new Slack();
    case 'dingtalk':
      return new DingTalk();
    case 'wecom':
      return new WeCom();
    case 'feishu':
      return new Feishu();
  }
}
