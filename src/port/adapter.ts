// What a channel is, to the core: what it declares (name, when it is configured, its settings, what it
// can do, its limits) and what it must do (start, stop, post, update, answer presses, resolve mentions,
// say what a failure means). adapters/index.ts lists the declarations; the composition root builds
// the configured ones and hands each its PortServices. Nothing here imports the engine.
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Sender } from './outbound.ts';
import type { PortServices } from './services.ts';

/** One limit: `count` messages per `perMs`. */
export type Rate = { count: number; perMs: number };

/** The platform's send rates, kept by the core for every worker (shared through Redis): a message waits, never drops. */
export type RateLimits = {
  /** Messages into one chat (a group, a person's direct chat). */
  perChat?: Rate;
  /** Calls of the whole app. */
  perApp?: Rate;
};

/** What the platform can show in one message; the adapter cuts to fit, the core may use it to page. */
export type TextLimits = {
  /** Longest text of one message, in characters or UTF-8 bytes as the platform counts. */
  maxText: number;
  unit: 'chars' | 'bytes';
  /** Buttons one card can show; the rest are offered as typed commands. */
  maxButtons: number;
  /** How long the platform waits for the answer to a button press (the adapter answers within it). */
  pressAnswerMs?: number;
};

export type Capabilities = {
  /** Interactive cards with buttons (false: cards as text with typed commands, src/cards/text.ts). */
  cards: boolean;
  /** A posted card can be changed in place: always, only while answering its press, or never. */
  updateInPlace: 'always' | 'on-press' | 'never';
  /** A form or modal can ask for a value (a reason) before a button acts; else the command is typed. */
  forms: boolean;
  /** A reply only the person sees, in a group chat. */
  privateReplies: boolean;
  /** @mentions of people arrive resolved to user ids. */
  mentions: boolean;
  /**
   * The platform checks a key we give on send, so a message re-sent after a crashed worker shows once.
   * 'some': for some kinds of sends only (e.g. cards, not text). false: a crash between the platform's
   * answer and our sent mark can show that message twice (docs/architecture.md, The outbox).
   */
  idempotentSends: boolean | 'some';
  /**
   * The channel reaches people by the contact address they gave (people's `email`), not by a chat
   * identity: not a chat platform (the console stays as it is), and the core addresses its posts to
   * people, in addition to the chat card, never instead (`services.contacts`).
   */
  contactAddress?: boolean;
};

/** What an adapter must do once built. */
export interface ChannelAdapter extends Sender {
  /** HTTP routes served on the shared port (a platform's event callback), if any. */
  routes?(): Hono;
  /** Connects (long connections, sockets); resolves once ready or retrying. */
  start(): Promise<void>;
  /** Disconnects and stops retrying; delivery in flight may finish. */
  stop(): Promise<void>;
  /**
   * The state of its long connection, for /readyz (ok false: this replica cannot hear that platform now).
   * Absent: it has none (events come over HTTP), or it cannot tell.
   */
  connection?(): { ok: boolean; detail?: string } | undefined;
}

export type AdapterContext = {
  /** The process environment as given to the app; each adapter validates its own settings. */
  env: Record<string, string | undefined>;
  services: PortServices;
  log: Logger;
  /** A PostgreSQL URL with session semantics (DATABASE_SESSION_URL, else DATABASE_URL), for an adapter that needs a session of its own (a connection lock). */
  databaseUrl?: string | undefined;
};

/** A channel, as adapters/index.ts lists it. */
export interface AdapterDeclaration<S = unknown> {
  /** The platform name: in identities, chat bindings, ADMINS entries, outbox rows. */
  readonly name: string;
  /** Whether the environment names this platform at all (its first setting is present). */
  configured(env: Record<string, string | undefined>): boolean;
  /**
   * Reads and checks its settings: null when not configured, else the settings; throws a ConfigError
   * (exit code 2) naming the wrong setting. Run before anything is created.
   */
  settings(env: Record<string, string | undefined>): S | null;
  /** Its settings schema, for the settings documentation test. */
  readonly schema: unknown;
  readonly capabilities: Capabilities;
  readonly limits: { rate: RateLimits; text: TextLimits };
  /** Builds the adapter from its settings. */
  create(settings: S, ctx: AdapterContext): Promise<ChannelAdapter> | ChannelAdapter;
}

/** A declaration with its settings type forgotten, as the registry holds them. */
export type AnyAdapterDeclaration = AdapterDeclaration<unknown>;

/** Declares a channel (keeps the settings type between `settings` and `create`). */
export function declareAdapter<S>(d: AdapterDeclaration<S>): AdapterDeclaration<S> {
  return d;
}
