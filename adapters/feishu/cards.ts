// Platform-neutral messages → Feishu messages: text as msg_type text, a card as a schema 2.0 interactive
// card (always a shared card, so it can be patched in place). A button that asks for a value (a reject
// reason) is a form: an input and its submit button, whose press carries the typed value. Within Feishu's
// limits: a card ≤ 30 KB, text ≤ 150 KB (test/fakes/feishu/index.ts lists the sources).
import type { Card, CardAction, Locale, Message } from '../../src/port/index.ts';
import { typedHint } from '../../src/port/index.ts';

export const MAX_BUTTONS = 10;
const CARD_BUDGET = 28 * 1024; // under the 30 KB limit, with room for the JSON string's escapes
const TEXT_BUDGET = 140 * 1024;
const FIELD_MAX = 2000;

/** The value a button carries back in card.action.trigger: our action id, verbatim. */
export type ButtonValue = { action: string };

/** Feishu's card markdown reads tags (<at>, <font>, …) in text: what we show is escaped as HTML entities. */
export function escapeMd(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function cut(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

export function cutBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = s;
  while (Buffer.byteLength(out) > maxBytes - 3) out = out.slice(0, Math.floor(out.length * 0.9));
  return `${out}…`;
}

const plain = (content: string) => ({ tag: 'plain_text', content });
const TYPE = { primary: 'primary', danger: 'danger', default: 'default' } as const;

function button(a: CardAction, extra: Record<string, unknown> = {}) {
  const value: ButtonValue = { action: a.id };
  return {
    tag: 'button',
    text: plain(cut(a.label, 40)),
    type: TYPE[a.style] ?? 'default',
    behaviors: [{ type: 'callback', value }],
    ...extra,
  };
}

/** A button that needs a value first: an input and a submit button in a form. */
function form(a: CardAction, i: number) {
  const input = a.input!;
  return {
    tag: 'form',
    name: `form_${i}`,
    elements: [
      {
        tag: 'input',
        name: input.name,
        required: input.required,
        label: plain(input.label),
        placeholder: plain(input.label),
        max_length: 1000,
      },
      button(a, { name: `submit_${i}`, form_action_type: 'submit' }),
    ],
  };
}

/** The card JSON for `card`, in `locale` (for the hint lines of buttons beyond what a card shows). */
export function cardJson(card: Card, locale: Locale): Record<string, unknown> {
  const shown = card.actions.slice(0, MAX_BUTTONS);
  const typed = card.actions.slice(MAX_BUTTONS).flatMap((a) => typedHint(a, locale) ?? []);
  const elements: Record<string, unknown>[] = [];
  if (card.fields.length)
    elements.push({
      tag: 'markdown',
      content: card.fields
        .map((f) => `**${escapeMd(f.label)}**：${escapeMd(cut(f.value, FIELD_MAX))}`)
        .join('\n'),
    });
  if (card.note) elements.push({ tag: 'markdown', content: escapeMd(card.note), text_size: 'notation' });
  if (typed.length)
    elements.push({ tag: 'markdown', content: typed.map(escapeMd).join('\n'), text_size: 'notation' });
  shown.forEach((a, i) => {
    elements.push(a.input ? form(a, i) : button(a));
  });
  const json = {
    schema: '2.0',
    config: { update_multi: true, width_mode: 'fill' },
    header: { title: plain(cut(card.title, 100)), template: 'blue' },
    body: { elements },
  };
  if (Buffer.byteLength(JSON.stringify(json)) <= CARD_BUDGET) return json;
  // Too long for one card (a long list): the fields are cut; the list's own paging says what is left.
  const text = card.fields.map((f) => `${f.label}: ${f.value}`).join('\n');
  elements[0] = { tag: 'markdown', content: escapeMd(cutBytes(text, CARD_BUDGET / 2)) };
  return json;
}

/** What im.message.create sends for a message: a card when it has one, else text. */
export function render(m: Message): { msgType: 'text' | 'interactive'; content: Record<string, unknown> } {
  if (m.card) return { msgType: 'interactive', content: cardJson(m.card, m.locale ?? 'zh') };
  return { msgType: 'text', content: { text: cutBytes(m.text || ' ', TEXT_BUDGET) } };
}
