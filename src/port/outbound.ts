// What the core hands a channel to send, what it gets back, and how a channel tells it a send failed.
import { createHash } from 'node:crypto';
import type { Message } from '../cards/card.ts';
import type { Bilingual } from '../i18n/locale.ts';

export type { Message };

/** Where a message goes: a person (their direct chat) or a chat, within a tenant ('' where there is one). */
export type PostTarget = { tenant: string; kind: 'user' | 'chat'; id: string };
/** Where a message went, so it can be changed in place later. */
export type PostedRef = { tenant: string; chatId: string; messageId: string };
/** A direct chat shows everything; a group chat has the confidential parts masked. */
export type Audience = 'private' | 'group';

/**
 * Given with every post from the outbox: `outbox:<row id>`. The same key means the same message (a retry
 * after a crash); a channel that declares `idempotentSends` derives the platform's own key from it
 * (`idempotencyToken`), so the platform shows it once.
 */
export type PostOptions = { idempotencyKey: string };

/** What a channel offers the core for sending. */
export interface Sender {
  readonly platform: string;
  post(target: PostTarget, message: Message, opts?: PostOptions): Promise<PostedRef>;
  update(ref: PostedRef, message: Message): Promise<void>;
  /**
   * The platform's directory of people, where its API lets the bot read it (`admin directory import`).
   * Absent: the platform has none the bot may read. Active people only; departments by their name there.
   * A refusal an admin must fix (a missing permission or scope) is an AdminActionError whose advice names it:
   * the admin is answered with it and nothing is written; RetryLaterError: the platform asked to wait.
   */
  listDirectory?(tenant: string): Promise<DirectoryEntry[]>;
  /**
   * Whether this process can send for the platform now. False where sending needs a long connection that
   * another replica holds (then this process claims none of the platform's messages: they stay for the
   * holder). Absent: always.
   */
  canDeliver?(): boolean;
}

/** A person in a platform's directory, as `listDirectory` gives them. */
export type DirectoryEntry = {
  externalId: string;
  name: string;
  email?: string;
  /** The department's name in the platform's directory (matched to the bot's departments by name). */
  department?: string;
  /**
   * Further names to match when `department` matches none of the bot's: the departments above it, nearest
   * first, then the person's other departments (a directory nests 华东销售组 under 销售部).
   */
  otherDepartments?: string[];
};

// ---- what a failed send means. Anything else thrown is retried with growing pauses, up to a limit.

/** A failure that will not get better by retrying (e.g. the bot was removed from the chat): give up. */
export class PermanentDeliveryError extends Error {}

/**
 * Give up, and an admin has to act before this chat (or any) works again: invite the bot, fix a setting.
 * `advice` is what to do, in both languages; the dead-letter notice to the management chat carries it.
 */
export class AdminActionError extends PermanentDeliveryError {
  constructor(
    message: string,
    readonly advice: Bilingual,
  ) {
    super(message);
  }
}

/** The platform asked us to wait (rate limit, Retry-After, not connected here): not a failure; again after `afterMs`. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly afterMs: number,
  ) {
    super(message);
  }
}

/** What the core does with an error a send threw. */
export type FailureKind = 'retry-later' | 'give-up' | 'tell-admin' | 'retry';

export function failureKind(err: unknown): FailureKind {
  if (err instanceof RetryLaterError) return 'retry-later';
  if (err instanceof AdminActionError) return 'tell-admin';
  if (err instanceof PermanentDeliveryError) return 'give-up';
  return 'retry';
}

/**
 * A platform's idempotency token for an outbox post (a card's tracking id, a message's uuid, a request
 * id): derived from the row's key and its message, so the same row gives the same token in every
 * process and after every restart, and a database started afresh (ids from 1 again) does not collide
 * with the cards of the old one. Lower-case hex after `prefix`; undefined for a post without a key (a
 * direct reply), which then needs no token.
 */
export function idempotencyToken(
  opts: PostOptions | undefined,
  message: Message,
  prefix = '',
  hexLength = 32,
): string | undefined {
  if (!opts?.idempotencyKey) return undefined;
  const digest = createHash('sha256')
    .update(opts.idempotencyKey)
    .update('\n')
    .update(JSON.stringify(message));
  return `${prefix}${digest.digest('hex').slice(0, hexLength)}`;
}
