// A card as text, once, for platforms and chats that cannot show it: the title, the fields, the note, and
// for each button the command to type instead (src/cards/actions.ts). Channels differ only in markup
// (bold, line breaks), passed as a style.
import { pick } from '../i18n/locale.ts';
import { typedCommand } from './actions.ts';
import type { Card, CardAction, Message } from './card.ts';

type Locale = 'en' | 'zh';

export type TextStyle = {
  /** The title line (default: as it is). */
  title?: (title: string) => string;
  /** One field (default: `label: value`). */
  field?: (label: string, value: string) => string;
  /** The note under the fields (default: as it is). */
  note?: (note: string) => string;
  /** The typed commands for the buttons (default: none are listed). */
  commands?: {
    /** A line before them, when there are any. */
    header?: string;
    line: (command: string, action: CardAction) => string;
  };
  /** Between lines (default '\n'). */
  newline?: string;
};

/** What to type instead of pressing `a`, with the button's label: `Approve: type approval approve A-0001`. */
export function typedHint(a: CardAction, locale: Locale): string | null {
  const cmd = typedCommand(a);
  if (!cmd) return null;
  return pick(locale, { en: `${a.label}: type ${cmd}`, zh: `${a.label}：发送 ${cmd}` });
}

/** The card as lines of text, in `style`. */
export function cardText(card: Card, style: TextStyle = {}): string {
  const lines = [
    style.title ? style.title(card.title) : card.title,
    ...card.fields.map((f) => (style.field ? style.field(f.label, f.value) : `${f.label}: ${f.value}`)),
  ];
  if (card.note) lines.push(style.note ? style.note(card.note) : card.note);
  const { commands } = style;
  if (commands) {
    const typed = card.actions.flatMap((a) => {
      const cmd = typedCommand(a);
      return cmd ? [commands.line(cmd, a)] : [];
    });
    if (typed.length && commands.header !== undefined) lines.push(commands.header);
    lines.push(...typed);
  }
  return lines.join(style.newline ?? '\n');
}

/** A message as text: its text, or its card as text when it has one. */
export function messageText(m: Message, style: TextStyle = {}): string {
  return m.card ? cardText(m.card, style) : m.text;
}
