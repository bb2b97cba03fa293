// What a command is: its words, what it takes, who may run it, and what it does.
import { z } from 'zod';
import type { Message } from '../cards/card.ts';
import type { Actor } from '../core/actor.ts';
import type { Bilingual } from '../i18n/locale.ts';
import type { Token } from './lexer.ts';
import type { RecordKind } from './values.ts';
import type { Noun, Verb } from './vocabulary.ts';

export type Mention = Extract<Token, { kind: 'mention' }>;

export type Intent<S extends z.ZodRawShape> = {
  /** The record number named in the command, normalised (C-0001), if the command takes one. */
  ref: string | null;
  mentions: Mention[];
  /** Bare words after noun and verb (e.g. the role in `admin role @li sales_rep`). */
  words: string[];
  args: z.output<z.ZodObject<S>>;
  /** The text as typed, for confirmations that run it again. */
  text: string;
};

export type Permission = (actor: Actor) => boolean;

export type CommandSpec<S extends z.ZodRawShape, Ctx> = {
  noun: Noun;
  /** Canonical verb first; null for nouns used alone (`help`, `me`). */
  verbs: readonly (Verb | null)[];
  ref?: { kind: RecordKind; required: boolean };
  mention?: 'required' | 'optional' | 'many';
  /** Names of the bare words it takes, for usage and for refusing stray words. */
  words?: { name: Bilingual; required: boolean }[];
  keys: S;
  usage: Bilingual;
  summary: Bilingual;
  /** Who may run it at all; record-level checks (owner, department) happen in the flow. */
  allow: Permission;
  /**
   * Describes what a needed confirmation would do; the command then runs only on Confirm. null: nothing
   * to confirm this time (e.g. no likely duplicate), the command runs at once.
   */
  confirm?: (ctx: Ctx, intent: Intent<S>) => Promise<Bilingual | ConfirmAsk | null>;
  /**
   * A command work starts with (`lead add`, `quote new`): its noun has an entry point of its own on a
   * channel that offers them (a command, shortcut or menu beside the one for everything).
   */
  entry?: boolean;
  /**
   * Asked as a form, on a channel that has forms, when typed with nothing after it (`quote new`): the keys
   * the form asks for, in order (`item` line by line).
   */
  form?: CommandForm;
  /** Changes nothing but (perhaps) the audit log, so it runs without a savepoint. */
  readOnly?: boolean;
  run(ctx: Ctx, intent: Intent<S>): Promise<Message>;
};

/**
 * A confirmation with more to offer than Confirm / Cancel: buttons of its own before them (the likely
 * duplicate's [Use C-0007]), given the confirmation's id so pressing one can close it, and the Confirm
 * button's own label ([Create anyway]).
 */
export type ConfirmAsk = Bilingual & {
  confirmLabel?: Bilingual;
  actions?: (confirmation: string) => { id: string; label: Bilingual; style?: 'primary' | 'default' }[];
};

/**
 * The keys a form asks for. `oneOf`: keys of which the command needs one (the flow refuses otherwise): the
 * form requires the only one it asks for, or says so when all it asks for are left empty.
 */
export type CommandForm = { keys: readonly string[]; oneOf?: readonly (readonly string[])[] };

/** A command with its types erased, as the registry holds it. */
export type AnyCommand<Ctx> = CommandSpec<z.ZodRawShape, Ctx> & { schema: z.ZodObject<z.ZodRawShape> };

export function defineCommand<Ctx>() {
  return <S extends z.ZodRawShape>(spec: CommandSpec<S, Ctx>): AnyCommand<Ctx> =>
    ({ ...spec, schema: z.object(spec.keys).strict() }) as unknown as AnyCommand<Ctx>;
}
