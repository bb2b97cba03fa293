// The narrow services the core gives a channel instead of its database. Each adapter gets them bound to
// its own platform: it sees its own identities, cards and chats, never another platform's, never a table.
import type { Message } from '../cards/card.ts';
import type { Locale } from '../i18n/locale.ts';
import type { CommandMetadata } from './commands.ts';
import type { ChatRef, InboundAction, InboundMessage } from './inbound.ts';
import type { Audience, PostedRef, PostTarget } from './outbound.ts';

/** The command path in: the core's answers for the person who spoke or pressed, in their language. */
export interface CommandPath {
  handleMessage(inbound: InboundMessage): Promise<Message[]>;
  handleAction(inbound: InboundAction): Promise<Message[]>;
  /**
   * Which command a text is, as the core reads it (every language, alias and word order), without running
   * it: for a channel that opens a form for a command typed with nothing after it (`quote new`).
   */
  understand(text: string): { noun: string; verb: string; bare: boolean } | null;
  /** The command table described (src/port/commands.ts): the nouns with an entry point, the forms and their fields. */
  readonly metadata: CommandMetadata;
}

/** What is recorded before it is acknowledged: a message, or a button press, and how its live answer went. */
export type JournalEntry =
  | { kind: 'message'; inbound: InboundMessage & { eventId: string }; reply?: Record<string, string> }
  | { kind: 'action'; inbound: InboundAction & { eventId: string }; reply?: Record<string, string> };

/**
 * The inbound journal (what a platform was told is received is stored first; a sweep runs what a crashed
 * process left, its replies then go through the outbox).
 */
export interface Journal {
  /** Throws when it could not be stored: then do not acknowledge (the platform sends it again). */
  record(entry: JournalEntry): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  /** Runs what was recorded and never done (tests and start-up); how many. */
  sweep(): Promise<number>;
}

/** People as this platform knows them. */
export interface Identities {
  /** The display names we have for these user ids (from their own messages). */
  displayNames(tenant: string, externalIds: string[]): Promise<Map<string, string>>;
  /** The user id behind a name someone typed after `@`: a known user id, or a known display name. */
  resolveMention(tenant: string, nameOrId: string): Promise<string | undefined>;
  /** The language this person reads (their own setting, else the organisation's). */
  localeOf(tenant: string, externalId: string): Promise<Locale>;
  /** The person's role, for adapters that act on a setting only an admin may make. */
  roleOf(tenant: string, externalId: string): Promise<{ personId: number; role: string | null } | undefined>;
  /** Everyone known on this platform (the console's people list). */
  list(): Promise<DirectoryPerson[]>;
}

export type DirectoryPerson = {
  externalId: string;
  name: string;
  handle: string | null;
  role: string | null;
  department: string | null;
  active: boolean;
  timezone: string | null;
};

/** A card the core remembers having posted: where, for whom, in which language. */
export type PostedCard = PostedRef & { cardKey: string; locale: Locale; audience: Audience };

/** An opaque point in the stream of card re-renders (see Cards.rendersSince). */
export type RenderMark = number & { readonly __renderMark: unique symbol };

/** Where cards went and what they show now. */
export interface Cards {
  /** Remembers where a card went, so a change of its subject re-renders this copy too. */
  remember(cardKey: string, ref: PostedRef, locale: Locale, audience: Audience): Promise<void>;
  /** The posted card with this platform message id (a chat id narrows it where ids are per chat). */
  find(messageId: string, where?: { tenant: string; chatId: string }): Promise<PostedCard | null>;
  /** Now, in the stream of re-renders: pass it to rendersSince after handing in a press. */
  mark(): Promise<RenderMark>;
  /**
   * The newest re-render of the card at `ref` written after `mark`, in that copy's language and audience:
   * for platforms that can change a card only while answering the press (a short window).
   */
  rendersSince(ref: PostedRef, mark: RenderMark): Promise<{ message: Message; locale: Locale } | null>;
}

/** A chat as bound to a department (`admin bind`), and the settings kept with the binding. */
export type ChatBinding = {
  chatId: string;
  title: string | null;
  department: string;
  settings: Record<string, string>;
  boundBy: number | null;
};

export interface Chats {
  binding(tenant: string, chatId: string): Promise<ChatBinding | undefined>;
  /** Every bound chat of this platform in `tenant` (the console's chat list). */
  bound(tenant?: string): Promise<ChatBinding[]>;
  /** Sets one setting of a bound chat (kept with its binding). */
  setSetting(tenant: string, chatId: string, key: string, value: string): Promise<void>;
}

/** The outbox, as a channel may use it. */
export interface Outbox {
  /** A post that could not be made now: the outbox sends it later, after what waits for that chat, never dropped. */
  postLater(target: PostTarget, message: Message, audience: Audience): Promise<void>;
  /** Delivers what is due now (the console answers after its messages went out). */
  flush(): Promise<void>;
}

/**
 * How one reply to a person is answered live: the adapter's own way (an answer in place, a response URL,
 * a post). It returns where the message went when it can be changed later, or null.
 */
export type AnswerLive = (reply: Message, index: number) => Promise<PostedRef | null>;

export type ReplyOptions = {
  /** The chat the person spoke in (direct or group): decides the audience of remembered cards. */
  chat: ChatRef;
  /**
   * Where the outbox posts a reply whose live answer failed (throttled, refused for now). null: the live
   * answer is the only way (it is logged and dropped when it fails).
   */
  fallback: PostTarget | null;
  /** Where a remembered card's copy is (default: the chat spoken in; a press answered in a DM: that DM). */
  audience?: Audience;
};

/** The reply path: live now, cards remembered, or the outbox when the live answer cannot be made. */
export interface Replies {
  send(replies: Message[], answer: AnswerLive, opts: ReplyOptions): Promise<void>;
}

/** A person as a channel that reaches people by contact address knows them (capabilities.contactAddress). */
export type ContactPerson = {
  personId: number;
  name: string;
  /** Their contact address (`me email=…`, `admin person @… email=…`). */
  address: string;
  locale: Locale;
  active: boolean;
};

/** A message this channel sent to a person, as the core keeps it (for the links in it). */
export type SentMessage = {
  outboxId: number;
  person: ContactPerson;
  message: Message;
  sentAt: Date | null;
  openedAt: Date | null;
  /** When a single-use link in it was used to press its button. */
  actedAt: Date | null;
};

/**
 * For a channel whose recipients are people addressed by contact address: a post's target id is the
 * person's id. The channel proves who acts by a link only that person was sent (signed by the channel);
 * the core checks the message was this channel's to them and that the button is one of its own.
 */
export interface Contacts {
  /** The person a post to target `{ kind: 'user', id }` is for; undefined if unknown or without an address. */
  person(id: string): Promise<ContactPerson | undefined>;
  /** A message this channel posted (its outbox row id, from the post's idempotency key `outbox:<id>`). */
  sent(outboxId: number): Promise<SentMessage | undefined>;
  /** Records that its recipient opened it; the first time counts. */
  opened(outboxId: number): Promise<void>;
  /**
   * Presses a button of that message as its recipient, once (the same as pressing it on the card: the
   * cards are re-rendered, the records count it). `used`: the link was used before; nothing is done.
   */
  press(
    outboxId: number,
    actionId: string,
    values?: Record<string, string>,
  ): Promise<
    | { replies: Message[] }
    | { used: Date }
    | { refused: 'not-found' | 'not-a-button' }
    /** The core answered without doing anything (refused, not allowed): the link is not used up. */
    | { declined: Message[] }
    /** The press failed on our side (logged): nothing was recorded and the link is not used up. */
    | { failed: Message[] }
  >;
}

/**
 * Limits a channel keeps beside the ones it declares (email: per recipient domain), shared by every
 * process like those (Redis with REDIS_URL, else this process's memory), kept as pacing: a message waits,
 * never drops.
 */
export interface Pacing {
  /** Takes a slot of `rate` for `key`: 0 to send now, else the milliseconds to wait (nothing was taken). */
  take(key: string, rate: { count: number; perMs: number }): Promise<number>;
}

/** Values a channel keeps in the database: the same for every replica and after every restart. */
export interface Kept {
  /**
   * The value kept under `name` for this platform; when there is none yet, `make()` is kept (the first
   * process to ask wins, every other one gets that value).
   */
  once(name: string, make: () => string): Promise<string>;
  /**
   * Keeps `value` under `name` (replacing one kept before), for whichever replica needs it next: what a
   * platform hands one process and another may have to use (a code that lets a card be changed once).
   * Values kept this way are forgotten after `maxAgeMs`.
   */
  put(name: string, value: string, maxAgeMs: number): Promise<void>;
  /** The value put under `name`, removed as it is read (null when none, or older than it may be). */
  take(name: string, maxAgeMs: number): Promise<string | null>;
}

/** Everything the core gives a channel. */
export type PortServices = {
  contacts: Contacts;
  kept: Kept;
  pacing: Pacing;
  commands: CommandPath;
  journal: Journal;
  identities: Identities;
  cards: Cards;
  chats: Chats;
  outbox: Outbox;
  replies: Replies;
  /** The organisation's time zone and language (the console shows times in it). */
  org(): Promise<{ timezone: string; locale: Locale }>;
};
