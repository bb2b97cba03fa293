// The command mix of `npm run bench:commands`: customer add, lead add, lead follow (on one of the sender's own
// leads), quote new with three items, in turn; each reply checked for the new record's number or "recorded".
import { randomBytes } from 'node:crypto';
import type { Core } from '../../src/core/engine.ts';
import type { ChatRef, InboundUser } from '../../src/core/inbound.ts';
import { PLATFORM } from '../../src/db/demo.ts';

export type Kind = 'customer' | 'lead' | 'follow' | 'quote';
export const KINDS: Kind[] = ['customer', 'lead', 'follow', 'quote'];
export const KIND_NAMES: Record<Kind, string> = {
  customer: 'customer add',
  lead: 'lead add',
  follow: 'lead follow',
  quote: 'quote new (3 items)',
};
const EXPECT: Record<Kind, RegExp> = {
  customer: /^Customer (C-\d+) .* registered\./,
  lead: /^Lead (L-\d+) registered:/,
  follow: /^Follow-up recorded on (L-\d+)\./,
  quote: /^Quote (Q-\d+) drafted for /,
};

/** Sends `text` as person number `person`; resolves with the (first) reply's text. */
export type Send = (person: number, text: string) => Promise<string>;

/** Straight to Core.handleMessage, as the console users `names` (the demo's sales reps). */
export function coreSender(core: Core, names: readonly string[], eventIds: boolean): Send {
  const runId = randomBytes(3).toString('hex');
  let seq = 0;
  return async (person, text) => {
    const name = names[person]!;
    const user: InboundUser = { platform: PLATFORM, tenant: '', externalId: name, name };
    const chat: ChatRef = {
      platform: PLATFORM,
      tenant: '',
      chatId: `dm:${name}`,
      kind: 'dm',
      title: `dm:${name}`,
    };
    const replies = await core.handleMessage({
      user,
      chat,
      text,
      ...(eventIds ? { eventId: `bench-${runId}-${seq++}` } : {}),
    });
    return replies[0]?.text ?? '(no reply)';
  };
}

/** A reply as text to check: markup of the chat platforms (Slack mrkdwn, DingTalk markdown) taken out. */
const plain = (reply: string) => reply.replace(/[*_`~]/g, '').trimStart();

export class Workload {
  private readonly runId = randomBytes(3).toString('hex');
  /** Customers anyone may refer to, and each person's own leads (followed up only by their owner). */
  private readonly customers: string[] = [];
  private readonly leads: string[][];
  /** Exclusive: the people free to send (each has one command in flight at most), in turn. */
  private readonly idle: number[];
  private readonly waiters: ((person: number) => void)[] = [];
  readonly failures = new Map<string, { count: number; example: string }>();
  failed = 0;

  /**
   * `exclusive`: every person has one command in flight at most, and they are taken in turn (the chat paths
   * match a reply to its command by who it went to); else command i goes to person ⌊i/4⌋ mod people.
   */
  constructor(
    private readonly send: Send,
    private readonly people: number,
    private readonly exclusive: boolean,
  ) {
    this.leads = Array.from({ length: people }, () => []);
    this.idle = exclusive ? Array.from({ length: people }, (_, p) => p) : [];
  }

  private pick<T>(xs: T[]): T | undefined {
    return xs.length === 0 ? undefined : xs[Math.floor(Math.random() * xs.length)];
  }

  private take(i: number): Promise<number> | number {
    if (!this.exclusive) return Math.floor(i / KINDS.length) % this.people;
    const p = this.idle.shift();
    if (p !== undefined) return p;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(person: number) {
    if (!this.exclusive) return;
    const w = this.waiters.shift();
    if (w) w(person);
    else this.idle.push(person);
  }

  /** Command i for `person`: kinds rotate; one that needs a record not there yet creates one. */
  next(i: number, person: number): { kind: Kind; text: string } {
    let kind = KINDS[i % KINDS.length]!;
    const customer = this.pick(this.customers);
    const lead = this.pick(this.leads[person]!);
    if ((kind === 'lead' || kind === 'quote') && !customer) kind = 'customer';
    if (kind === 'follow' && !lead) kind = customer ? 'lead' : 'customer';
    const n = i + 1;
    const text = {
      customer: `customer add name="Bench ${this.runId} Co ${n}" contact="Buyer ${n}" phone=1380000${String(n % 10000).padStart(4, '0')} industry=manufacturing region=East`,
      lead: `lead add customer=${customer} source=expo desc="needs ${n % 500} sensors" next="send catalogue" due=+3d`,
      follow: `lead follow ${lead} note="called, wants a quote (${n})" next="send quote" due=tomorrow`,
      quote: `quote new customer=${customer} item="Sensor | X200 | ${(n % 300) + 1} | 35.5" item="Cable | | 50 | 2.75" item="Mount | M1 | 10 | 120" tax=included payment="30% advance"`,
    }[kind];
    return { kind, text };
  }

  /** Sends command i and checks its reply; returns its kind and whether it did what it should. */
  async run(i: number): Promise<{ kind: Kind; ok: boolean }> {
    const person = await this.take(i);
    const { kind, text } = this.next(i, person);
    let reply: string;
    try {
      reply = await this.send(person, text);
    } catch (err) {
      reply = `threw: ${(err as Error).message}`;
    } finally {
      this.release(person);
    }
    const m = EXPECT[kind].exec(plain(reply));
    if (!m) {
      this.failed++;
      const key = `${kind}: ${reply.split('\n')[0]!.slice(0, 160)}`;
      const f = this.failures.get(key);
      if (f) f.count++;
      else this.failures.set(key, { count: 1, example: text });
      return { kind, ok: false };
    }
    if (kind === 'customer') this.customers.push(m[1]!);
    if (kind === 'lead') this.leads[person]!.push(m[1]!);
    return { kind, ok: true };
  }
}
