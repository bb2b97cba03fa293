// Platform-neutral messages and cards → Block Kit, within Slack's limits (see ../shared/platforms/slack.md §5):
// 50 blocks a message, header ≤150, section text ≤3000, ≤10 fields of ≤2000, ≤10 context elements,
// ≤25 buttons per actions block, button text ≤75, action_id ≤255, value ≤2000.
import { createHash } from 'node:crypto';
import type { Card, CardAction, Message } from '../../src/port/index.ts';

export type Block = Record<string, unknown>;
export type Rendered = { text: string; blocks?: Block[] };

const MAX_BLOCKS = 50;
const MAX_TEXT = 39_000; // chat.postMessage truncates at 40,000

/** Slack reads &, < and > as control characters in text; everything we show is escaped. */
export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max - 1)}…`;
}

const plain = (text: string, max: number) => ({
  type: 'plain_text',
  text: clip(text, max) || ' ',
  emoji: true,
});
const mrkdwn = (text: string, max: number) => ({ type: 'mrkdwn', text: clip(text, max) || ' ' });

/** The action_id for a card action: the id itself when it fits, else a stable digest (the id rides in value). */
export function actionIdFor(id: string): string {
  return id.length <= 255 ? id : `sr:${createHash('sha256').update(id).digest('hex').slice(0, 40)}`;
}

/** The button's value: the action id, or (when a text must be asked first) the id with what to ask. */
export function buttonValue(a: CardAction): string {
  if (a.input) {
    const packed = JSON.stringify({ i: a.id, in: a.input });
    if (packed.length <= 2000) return packed;
  }
  return a.id.slice(0, 2000);
}

function button(a: CardAction): Block {
  return {
    type: 'button',
    text: plain(a.label, 75),
    action_id: actionIdFor(a.id),
    value: buttonValue(a),
    ...(a.style === 'primary' || a.style === 'danger' ? { style: a.style } : {}),
  };
}

export function cardBlocks(card: Card): Block[] {
  const blocks: Block[] = [{ type: 'header', text: plain(card.title, 150) }];
  const fields = card.fields.map((f) => mrkdwn(`*${escapeText(f.label)}*\n${escapeText(f.value)}`, 2000));
  for (let i = 0; i < fields.length; i += 10)
    blocks.push({ type: 'section', fields: fields.slice(i, i + 10) });
  if (card.note) blocks.push({ type: 'context', elements: [mrkdwn(escapeText(card.note), 3000)] });
  const buttons = card.actions.map(button);
  const actionBlocks: Block[] = [];
  for (let i = 0; i < buttons.length; i += 25)
    actionBlocks.push({
      type: 'actions',
      block_id: `sr_actions_${i / 25}`,
      elements: buttons.slice(i, i + 25),
    });
  // Keep the buttons even when a huge card must be cut: drop fields from the end instead.
  const room = MAX_BLOCKS - actionBlocks.length;
  if (blocks.length > room) {
    blocks.length = room - 1;
    blocks.push({ type: 'context', elements: [mrkdwn('…', 10)] });
  }
  return [...blocks, ...actionBlocks];
}

/** A message as chat.postMessage / chat.update / response_url take it: text always, blocks for cards. */
export function render(message: Message): Rendered {
  const text = clip(escapeText(message.text), MAX_TEXT);
  if (!message.card) return { text };
  return { text, blocks: cardBlocks(message.card) };
}

/** The card after a decision made from an ephemeral copy: the same card without buttons. */
export function withoutButtons(r: Rendered): Rendered {
  if (!r.blocks) return r;
  return { ...r, blocks: r.blocks.filter((b) => b.type !== 'actions') };
}
