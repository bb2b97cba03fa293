// Platform-neutral messages → what DingTalk shows: interactive card parameters (strings only, as the card
// platform requires) for the template in card-template.json, or markdown with the equivalent text commands.
import {
  type Card,
  type Locale,
  type Message,
  messages,
  messageText,
  typedCommand,
} from '../../src/port/index.ts';

/** The template has this many button slots; a card with more actions lists the rest as text commands. */
export const BUTTON_SLOTS = 4;
/** DingTalk: cardParamMap values ≤ 1 KB (bytes), keys ≤ 100 B. */
const MAX_VALUE_BYTES = 1000;

function clip(value: string): string {
  if (Buffer.byteLength(value, 'utf8') <= MAX_VALUE_BYTES) return value;
  let s = value;
  while (Buffer.byteLength(`${s}…`, 'utf8') > MAX_VALUE_BYTES) s = s.slice(0, -8);
  return `${s}…`;
}

export function cardBody(card: Card): string {
  return card.fields.map((f) => `**${f.label}**: ${f.value}`).join('  \n');
}

/** The card's public data: every value a string, every button slot set (hidden ones too). */
export function cardParams(card: Card, locale: Locale): Record<string, string> {
  const shown = card.actions.slice(0, BUTTON_SLOTS);
  const extra = card.actions.slice(BUTTON_SLOTS);
  const extraLine = extra.length
    ? `\n${messages(locale).orType}: ${extra
        .map(typedCommand)
        .filter(Boolean)
        .map((c) => `\`${c}\``)
        .join(' · ')}`
    : '';
  const params: Record<string, string> = {
    title: clip(card.title),
    body: clip(cardBody(card)),
    note: clip(`${card.note ?? ''}${extraLine}`.trim()),
    locale,
    status: card.actions.length ? 'open' : 'closed',
  };
  for (let i = 0; i < BUTTON_SLOTS; i++) {
    const a = shown[i];
    const n = i + 1;
    params[`btn${n}_show`] = a ? 'true' : 'false';
    params[`btn${n}_label`] = a ? clip(a.label) : '';
    params[`btn${n}_action`] = a ? clip(a.id) : '';
    params[`btn${n}_style`] = a?.style ?? 'default';
    params[`btn${n}_input`] = a?.input?.name ?? '';
  }
  return params;
}

/** Markdown for chats without the card template: the card as text and the commands its buttons stand for. */
export function markdownOf(message: Message, group: boolean): { title: string; text: string } {
  const locale: Locale = message.locale ?? 'zh';
  const card = message.card;
  if (!card) return { title: firstLine(message.text), text: escapeLines(message.text) };
  const at = group ? messages(locale).mentionTheBot : '';
  const text = messageText(message, {
    title: (t) => `#### ${t}\n`,
    // DingTalk markdown joins single newlines: two trailing spaces break the line.
    field: (label, value) => `**${label}**: ${value}  `,
    note: (note) => `\n${note}`,
    commands: { header: `\n${messages(locale).replyWith}${at}:`, line: (c) => `- \`${c}\`` },
  });
  return { title: card.title, text };
}

export function plainTextOf(message: Message): string {
  return messageText(message);
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 60) || 'SalesRelay';
}

/** DingTalk markdown joins single newlines; keep the line breaks people expect. */
function escapeLines(text: string): string {
  return text.replace(/\n/g, '  \n');
}

/** The reply to a button that needs a typed value (DingTalk cards here have no form). */
export function inputHint(action: { id: string; input: string }, locale: Locale, group: boolean): string {
  const cmd = typedCommand({ id: action.id, input: { name: action.input, label: '', required: true } });
  const at = group ? messages(locale).mentionTheBotAndType : messages(locale).typeCommand;
  return `${at}: ${cmd}`;
}
