// Platform-neutral cards → WeCom template cards. Buttons carry the core's action ids verbatim as keys
// (≤1024 bytes); a button that needs typed input cannot exist here, so the card says which command to type.
import { randomBytes } from 'node:crypto';
import type { TemplateCard } from '@wecom/aibot-node-sdk';
import {
  type Card,
  type CardAction,
  idempotencyToken,
  type Message,
  messages,
  messageText,
  type PostOptions,
  typedHint,
} from '../../src/port/index.ts';

export const MAX_BUTTONS = 6;
export const MAX_KEY_BYTES = 1024;
/** Clicking a decided card's only button does nothing. */
export const NOOP_KEY = 'noop';

/** Unique per bot; digits, letters and _-@ only; ≤128 bytes. */
export function newTaskId(): string {
  return `sr_${Date.now().toString(36)}_${randomBytes(6).toString('hex')}`;
}

/**
 * The task_id of a card: from its outbox row when it has one (WeCom refuses a task_id twice, so a card
 * re-sent after a crashed worker is refused instead of shown again), else a new one. `keyed` says which.
 */
export function taskIdFor(opts: PostOptions | undefined, m: Message): { taskId: string; keyed: boolean } {
  const keyed = idempotencyToken(opts, m, 'sr_', 32);
  return keyed ? { taskId: keyed, keyed: true } : { taskId: newTaskId(), keyed: false };
}

/** WeCom's answer to a task_id it has seen: the card was sent by an earlier try. */
export function isDuplicateTaskId(errcode: number, errmsg: string): boolean {
  return errcode === 40058 && /task_?id/i.test(errmsg) && /duplicat/i.test(errmsg);
}

export function cut(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/** Cuts to a byte budget on a character boundary. */
export function cutBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(`${out}${ch}…`) > maxBytes) break;
    out += ch;
  }
  return `${out}…`;
}

const STYLE = { primary: 1, default: 2, danger: 3 } as const;

export function buttonsOf(card: Card): { buttons: CardAction[]; hints: CardAction[] } {
  const buttons: CardAction[] = [];
  const hints: CardAction[] = [];
  for (const a of card.actions) {
    const fits = !a.input && Buffer.byteLength(a.id) <= MAX_KEY_BYTES && a.id !== NOOP_KEY;
    if (fits && buttons.length < MAX_BUTTONS && !buttons.some((b) => b.id === a.id)) buttons.push(a);
    else hints.push(a);
  }
  return { buttons, hints };
}

function subtitle(card: Card, extra: string[]): string | undefined {
  const lines = [...(card.note ? [card.note] : []), ...extra];
  return lines.length ? cut(lines.join('\n'), 112) : undefined;
}

function fieldsOf(card: Card) {
  return card.fields.slice(0, 6).map((f) => ({ keyname: cut(f.label, 10), value: cut(f.value, 60) }));
}

/**
 * A button_interaction card. With no buttons left (a decided card being replaced in place) it keeps
 * one inert button naming the state, since an update must stay a button_interaction card.
 */
export function buttonCard(card: Card, taskId: string, locale: 'en' | 'zh'): TemplateCard {
  const { buttons, hints } = buttonsOf(card);
  const extra = hints.map((h) => typedHint(h, locale)).filter((h): h is string => Boolean(h));
  if (card.fields.length > 6) extra.push(messages(locale).moreInText);
  const list =
    buttons.length > 0
      ? buttons.map((b) => ({ text: cut(b.label, 10), style: STYLE[b.style], key: b.id }))
      : [{ text: messages(locale).done, style: 2, key: NOOP_KEY }];
  const sub = subtitle(card, extra);
  return {
    card_type: 'button_interaction',
    main_title: {
      title: cut(card.title, 26),
      ...(card.title.length > 26 ? { desc: cut(card.title, 30) } : {}),
    },
    ...(sub ? { sub_title_text: sub } : {}),
    ...(card.fields.length ? { horizontal_content_list: fieldsOf(card) } : {}),
    button_list: list,
    task_id: taskId,
  } as TemplateCard;
}

/** A plain notice card (no buttons); WeCom requires a card_action, so only with a link to open. */
export function noticeCard(card: Card, taskId: string, url: string): TemplateCard {
  const sub = subtitle(card, []);
  return {
    card_type: 'text_notice',
    main_title: { title: cut(card.title, 26) },
    ...(sub ? { sub_title_text: sub } : {}),
    ...(card.fields.length ? { horizontal_content_list: fieldsOf(card) } : {}),
    card_action: { type: 1, url },
    task_id: taskId,
  } as TemplateCard;
}

/** Whether a message needs an interactive card. */
export function hasButtons(m: Message): boolean {
  return Boolean(m.card && buttonsOf(m.card).buttons.length > 0);
}

/** The text form: the card as lines, with the commands for its buttons (for markdown and webhooks). */
export function messageAsText(m: Message, locale: 'en' | 'zh'): string {
  return messageText(m, {
    title: (t) => `**${t}**`,
    commands: { line: (_cmd, a) => `> ${typedHint(a, locale)}` },
  });
}
