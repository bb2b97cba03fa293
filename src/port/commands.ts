// The command metadata a channel reads (services.commands.metadata, built from the command table by
// src/commands/metadata.ts): every noun and command with its words, usage and keys in both languages, which
// nouns have an entry point of their own, and which commands are asked as a form. A channel makes its own
// entry points and forms from it (a manifest's commands, a modal's fields) instead of a list of its own.
import type { Bilingual } from '../i18n/locale.ts';

/** What a key takes, as a form would ask for it. */
export type KeyValue =
  /** Free text, at most `max` characters (null: the command's own limit). */
  | { type: 'text'; max: number | null }
  /** A deadline (`date`: not in the past) or a day something happened (`day`), typed as 2026-12-31 too. */
  | { type: 'date' | 'day' }
  /** Line items, repeated: `name | model | quantity | unit price`. */
  | { type: 'item' }
  | { type: 'phone' | 'email' | 'money' | 'quantity' | 'bool' | 'month' }
  /** A record's number (`example`: C-0001), or also its name (`names`: a customer by name). */
  | { type: 'ref'; record: string; prefix: string; example: string; names: boolean }
  /** One of fixed values (or several, comma-separated: `many`), each with its name in both languages. */
  | { type: 'choice'; options: { value: string; name: Bilingual }[]; many: boolean };

export type KeyInfo = KeyValue & {
  /** The key as the core reads it (`valid`), in every language it is typed as `name.en=` or `name.zh=`. */
  key: string;
  name: Bilingual;
  required: boolean;
};

export type CommandForm = {
  noun: string;
  verb: string;
  /** The form's title: its verb and noun (`New quote`, `新建报价`). */
  title: Bilingual;
  /**
   * The keys it asks for, in order; `required` as the form needs them (a key the command needs unless
   * another is given is required when the form does not ask for the other).
   */
  fields: KeyInfo[];
  /** Keys of the form of which the command needs one: the form says so when all are left empty. */
  oneOf: string[][];
};

export type CommandInfo = {
  noun: string;
  /** The canonical verb; null for a noun used alone (`help`, `me`). */
  verb: string | null;
  /** Noun and verb as typed (`quote new`, `报价 新建`). */
  name: Bilingual;
  usage: Bilingual;
  summary: Bilingual;
  keys: KeyInfo[];
  /** A command work starts with: its noun has an entry point of its own. */
  entry: boolean;
  form: CommandForm | null;
};

export type NounInfo = {
  noun: string;
  name: Bilingual;
  /** Offered an entry point of its own (a command, shortcut or menu beside the one for everything). */
  entry: boolean;
  commands: CommandInfo[];
};

export type CommandMetadata = {
  /** Every noun that has commands, in the order help lists them. */
  nouns: NounInfo[];
  /** Every command asked as a form. */
  forms: CommandForm[];
};
