// What the adapter contract suite (test/adapter-contract.test.ts) needs of each platform: start the app with
// that adapter against its fake, speak and press as people, read what the fake received, make the platform
// fail and recover, deliver an event again. Each platform's driver (test/contract/<name>.ts) is built on the
// harness its own tests use; the cases are written once against this interface.
import type { App } from '../../src/app.ts';
import type { AnyAdapterDeclaration, Message, Sender } from '../../src/port/index.ts';

/** The people of every platform's organisation, by the role the cases give them. */
export type Person = 'admin' | 'li' | 'wang' | 'zhao';
export type Group = 'management' | 'finance';
/** A person's direct chat with the bot, or a group. */
export type Where = { person: Person } | { group: Group };

/** A card as the platform shows it now (read again on every call: it may have been updated in place). */
export type SeenCard = {
  /** The platform's handle on it (message id, outTrackId, task id). */
  readonly id: string;
  readonly where: Where;
  /** Everything it says, as one string (title, fields, note). */
  text(): Promise<string>;
  /** The action ids of the buttons it shows now. */
  actions(): Promise<string[]>;
  /** How many versions it has had (1: as posted; more: updated in place). */
  versions(): Promise<number>;
};

/** The suite's cases, by their number (test/adapter-contract.test.ts). */
export type CaseId = '1' | '2a' | '2b' | '3a' | '3b' | '4' | '5' | '6' | '7' | '8a' | '8b';

/** A letter as it arrived at the mail server (a channel that reaches people by address: email). */
export type Letter = {
  /** Its Message-ID header. */
  readonly messageId: string;
  /** The outbox row it was sent for. */
  readonly outboxId: number;
  readonly subject: string;
  /** The text part. */
  readonly text: string;
  readonly html: string;
  /** The single-use link in it that presses its button, if it has one. */
  readonly link: string | undefined;
};

/**
 * What the cases of a channel that reaches people by contact address (capabilities.contactAddress) need:
 * the chat its people speak in (where the cards are that a letter's link re-renders), the letters that
 * arrived for each person, a browser for the links, and a mail server that fails.
 */
export interface ByAddress {
  /** The chat platform the people speak through, running in the same app (the console). */
  readonly chat: PlatformDriver;
  /** The letters that arrived for `who` mentioning `needle` (subject or text), oldest first. */
  letters(who: Person, needle: string): Promise<Letter[]>;
  /** Opens `url` in a browser: GET, or POST its page's form (from that page), with the page's text. */
  follow(url: string, post?: Record<string, string>): Promise<{ status: number; text: string }>;
  /** The mail server answers 421 at the greeting to the next `n` connections. */
  busy(n: number): void;
  /** The mail server is down (connections refused) until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  /** The mail server refuses `who`'s address for good (550 at RCPT TO) for the next `n` letters. */
  reject(who: Person, n: number): void;
  /** How many connections and recipients the mail server refused so far, by code. */
  refused(code: number): number;
}

export type Failure =
  /** The platform answers 5xx, or the connection is reset, for the next `n` sends. */
  | { kind: 'outage'; n: number }
  /** The platform answers its own rate-limit error (HTTP 429, QPS code) for the next `n` sends. */
  | { kind: 'limit'; n: number };

export interface PlatformDriver {
  readonly name: string;
  /** The declaration in adapters/index.ts; undefined for the console (wired apart, declares nothing). */
  readonly declaration: AnyAdapterDeclaration | undefined;
  /** Cases that cannot apply to this channel, each with the reason (shown in the skipped case's name). */
  readonly cannot?: Partial<Record<CaseId, string>>;
  /** A channel that reaches people by contact address: its own cases (9.) run through this. */
  readonly byAddress?: ByAddress;
  /** Starts the fake and the app; people set their language, the admin binds groups and gives roles. */
  start(): Promise<void>;
  close(): Promise<void>;
  readonly app: App;
  /** The adapter the app built, as the core's delivery calls it. */
  sender(): Sender;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /**
   * `who` types `text` privately or in `group`; `{mention}` in it becomes that person's mention. Resolves
   * with the text of the first answer `who` gets.
   */
  say(who: Person, text: string, opts?: { group?: Group; mention?: Person }): Promise<string>;
  /**
   * `who` types `text` privately, and the platform delivers the same event (same platform event id) again
   * as it does when it did not see the ack in time. Resolves once both deliveries were acknowledged.
   */
  sayTwice?(who: Person, text: string): Promise<void>;
  /** Waits for the newest card in `where` mentioning `needle` (with buttons or not). */
  card(where: Where, needle: string): Promise<SeenCard>;
  /**
   * `who` presses the button whose action id starts with `actionPrefix`. Resolves with what `who` was told
   * in answer (a toast, an ephemeral, a reply): '' when the platform shows nothing.
   */
  press(who: Person, card: SeenCard, actionPrefix: string): Promise<string>;
  /** How many messages the platform shows in `where` that mention `needle`. */
  shown(where: Where, needle: string): Promise<number>;
  /** Where the core would post to (a person, a group), as the outbox addresses it. */
  target(where: Where): { tenant: string; kind: 'user' | 'chat'; id: string };
  /** Makes the platform fail the next sends; undefined where it cannot (the console has no network). */
  fail?(f: Failure): void;
  /** How many of the failures asked for were answered (so a case proves they happened). */
  failuresSeen?(): number;
  /**
   * Posts `message` (a card) where this platform can show text only, as the outbox would, and resolves
   * with what the person reads. Undefined where every chat of the platform shows cards.
   */
  textOnly?(message: Message): Promise<string>;
}

/** Waits until `check` returns something truthy (or throws its last error). */
export async function until<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw last instanceof Error ? new Error(`${what}: ${last.message}`) : new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

/** Roles every platform's organisation gets (the console's demo has them already). */
export const ROLES: [Person, string][] = [
  ['li', 'sales_rep'],
  ['wang', 'sales_manager'],
  ['zhao', 'head dept=finance'],
];

/**
 * The organisation every platform's cases start from: each person reads English, the management and
 * finance chats bound, the roles given by the admin (in the management group, or privately where the
 * platform takes admin commands only there: `roleChat: {}`).
 */
export async function organise(
  say: PlatformDriver['say'],
  people: readonly Person[],
  roleChat: { group?: Group } = { group: 'management' },
): Promise<void> {
  for (const p of people) await say(p, 'me lang=en');
  await say('admin', 'admin bind management', { group: 'management' });
  await say('admin', 'admin bind finance', { group: 'finance' });
  for (const [p, role] of ROLES)
    await say('admin', `admin role {mention} ${role}`, { ...roleChat, mention: p });
}
