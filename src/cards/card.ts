// Platform-neutral messages and cards. Adapters render these into their platform's blocks, interactive
// or template cards, or the console page; the core never knows which. As text: src/cards/text.ts.

export type CardField = { label: string; value: string };

export type ActionStyle = 'primary' | 'danger' | 'default';

/** A button. Its id names what pressing it does (e.g. `confirm:<uuid>`), parsed again on press. */
export type CardAction = {
  id: string;
  label: string;
  style: ActionStyle;
  /** Ask for a text before acting (e.g. a reject reason); adapters show a form or modal. */
  input?: { name: string; label: string; required: boolean };
};

export type Card = {
  title: string;
  fields: CardField[];
  actions: CardAction[];
  /** A line under the fields: who decided and when, or what the buttons do. */
  note?: string;
};

/** What the bot says: text always (every platform can show it), a card where the platform can. */
export type Message = {
  text: string;
  card?: Card;
  /** Cards posted under the same key are re-rendered together when their subject changes. */
  cardKey?: string;
  /**
   * The key point in one line, leading with the record number (`SO-0012 approved: deliver 2027-01-15 to
   * Shenzhen, ¥7,120.50`): for a channel that shows a subject line; else the card's title serves.
   */
  headline?: string;
  /** The language it was rendered in, so a re-render of the card keeps it. */
  locale?: 'en' | 'zh';
};

export function textMessage(text: string): Message {
  return { text };
}
