// Modals: a text asked before a button acts (e.g. a reject reason), and the forms of the commands the
// command metadata marks as asked by a form (`quote new`, `order new` typed without arguments): one field per
// key the form asks for, named and typed as the command table says (a date picker, a choice, a record
// number), line items added one at a time (views.update keeps what was typed because every input keeps its
// block_id and action_id).
import {
  type CardAction,
  type CommandForm,
  type KeyInfo,
  type Locale,
  messages,
} from '../../src/port/index.ts';
import { type Block, clip } from './blocks.ts';

export const INPUT_CALLBACK = 'sr_input';
/** A form's callback_id: `sr_form_<noun>` (sr_form_quote, sr_form_order). */
export const FORM_CALLBACK = 'sr_form_';
export const formCallback = (form: Pick<CommandForm, 'noun'>) => `${FORM_CALLBACK}${form.noun}`;
export const ADD_LINE = 'sr_add_line';
export const MAX_LINES = 20;

/** Where the answer goes once the modal is submitted (kept in private_metadata, ≤3000 chars). */
export type ModalMeta = {
  /** team, channel, chat kind */
  t: string;
  c: string;
  k: 'dm' | 'group';
  /** response_url of the command or button that opened the modal */
  r?: string;
  /** the action id to run and the message it was on (input modals) */
  a?: string;
  m?: string;
  /** the name of the asked value (e.g. reason) and whether it is required */
  q?: string;
  o?: boolean;
  /** the button was on an ephemeral message */
  e?: boolean;
  /** the form's noun and number of lines (forms) */
  f?: string;
  n?: number;
};

const plain = (text: string, max = 2000) => ({
  type: 'plain_text',
  text: clip(text, max) || ' ',
  emoji: true,
});

export function packMeta(meta: ModalMeta): string {
  const s = JSON.stringify(meta);
  if (s.length <= 3000) return s;
  // A response_url is ~100 chars; only an absurd action id gets here. Answer by DM instead.
  const { r: _r, ...rest } = meta;
  return JSON.stringify(rest).slice(0, 3000);
}

export function unpackMeta(s: string | undefined): ModalMeta | null {
  try {
    const m = JSON.parse(s ?? '') as ModalMeta;
    return typeof m.t === 'string' && typeof m.c === 'string' ? m : null;
  } catch {
    return null;
  }
}

export function inputModal(
  action: CardAction & { input: NonNullable<CardAction['input']> },
  context: string,
  meta: ModalMeta,
  locale: Locale,
): Block {
  return {
    type: 'modal',
    callback_id: INPUT_CALLBACK,
    title: plain(action.label, 24),
    submit: plain(messages(locale).form.submit, 24),
    close: plain(messages(locale).form.cancel, 24),
    private_metadata: packMeta({ ...meta, q: action.input.name, o: !action.input.required }),
    blocks: [
      ...(context ? [{ type: 'section', text: { type: 'mrkdwn', text: clip(context, 3000) } }] : []),
      {
        type: 'input',
        block_id: 'sr_value',
        optional: !action.input.required,
        label: plain(action.input.label),
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 1000 },
      },
    ],
  };
}

function text(blockId: string, label: string, optional: boolean, extra: Record<string, unknown> = {}): Block {
  return {
    type: 'input',
    block_id: blockId,
    optional,
    label: plain(label),
    element: { type: 'plain_text_input', action_id: 'v', ...extra },
  };
}

function number(blockId: string, label: string, optional: boolean): Block {
  return {
    type: 'input',
    block_id: blockId,
    optional,
    label: plain(label),
    element: { type: 'number_input', action_id: 'v', is_decimal_allowed: true, min_value: '0' },
  };
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A field's label: the key's name in the reader's language (`Valid`, `有效期`). */
export const labelOf = (field: Pick<KeyInfo, 'name'>, locale: Locale) => capitalised(field.name[locale]);

/** The input block of one key (line items are blocks of their own, see lineBlocks). */
function fieldBlock(field: KeyInfo, locale: Locale): Block {
  const label = labelOf(field, locale);
  const optional = !field.required;
  switch (field.type) {
    case 'date':
    case 'day':
      return {
        type: 'input',
        block_id: field.key,
        optional,
        label: plain(label),
        element: { type: 'datepicker', action_id: 'v' },
      };
    case 'choice':
      if (field.many) break;
      return {
        type: 'input',
        block_id: field.key,
        optional,
        label: plain(label),
        element: {
          type: 'static_select',
          action_id: 'v',
          options: field.options.slice(0, 100).map((o) => ({
            text: plain(capitalised(o.name[locale]), 75),
            value: o.value,
          })),
        },
      };
    case 'money':
    case 'quantity':
      return number(field.key, label, optional);
    case 'ref':
      return text(field.key, label, optional, { placeholder: plain(field.example, 150) });
    case 'text':
      return text(field.key, label, optional, {
        ...(field.max ? { max_length: Math.min(field.max, 3000) } : {}),
        ...(field.max && field.max > 300 ? { multiline: true } : {}),
      });
  }
  return text(field.key, label, optional);
}

/** Line items: `lines` of name, model, quantity and unit price; the first required when the key is. */
function lineBlocks(field: KeyInfo, lines: number, noun: string, locale: Locale): Block[] {
  const f = messages(locale).form;
  const blocks: Block[] = [];
  for (let i = 1; i <= lines; i++) {
    // Further lines (and all of an optional key) only when something is typed.
    const opt = !field.required || i > 1;
    blocks.push(
      { type: 'header', text: plain(f.line(i), 150) },
      text(`line_${i}_name`, f.product, opt, { max_length: 200 }),
      text(`line_${i}_model`, f.model, true, { max_length: 200 }),
      number(`line_${i}_qty`, f.quantity, opt),
      number(`line_${i}_price`, f.unitPrice, opt),
    );
  }
  if (lines < MAX_LINES)
    blocks.push({
      type: 'actions',
      block_id: 'sr_lines',
      elements: [{ type: 'button', action_id: ADD_LINE, text: plain(f.addLine, 75), value: noun }],
    });
  return blocks;
}

/** The form of a command (`quote new`, `order new`) with `lines` line items. */
export function formModal(form: CommandForm, lines: number, meta: ModalMeta, locale: Locale): Block {
  const f = messages(locale).form;
  const n = Math.max(1, Math.min(lines, MAX_LINES));
  const blocks = form.fields.flatMap((field) =>
    field.type === 'item' ? lineBlocks(field, n, form.noun, locale) : [fieldBlock(field, locale)],
  );
  return {
    type: 'modal',
    callback_id: formCallback(form),
    title: plain(form.title[locale], 24),
    submit: plain(f.create, 24),
    close: plain(f.cancel, 24),
    private_metadata: packMeta({ ...meta, f: form.noun, n }),
    blocks,
  };
}

type StateValue = {
  value?: string | null;
  selected_date?: string | null;
  selected_option?: { value: string } | null;
};
export type ViewState = Record<string, Record<string, StateValue>>;

function read(state: ViewState, blockId: string): string {
  const v = state[blockId]?.v ?? state[blockId]?.value;
  return (v?.value ?? v?.selected_date ?? v?.selected_option?.value ?? '').trim();
}

/** Quotes a value for the command language with marks it does not contain. */
export function quoteValue(v: string): string {
  const value = v.replace(/[\r\n]+/g, ' ').trim();
  const [open, close] = !value.includes('"')
    ? ['"', '"']
    : !value.includes('」')
      ? ['「', '」']
      : ['『', '』'];
  return `${open}${value.replaceAll(close!, '')}${close}`;
}

/** The form's values as a command, or the errors to show next to the fields (keys are block_ids). */
export function formCommand(
  form: CommandForm,
  lines: number,
  state: ViewState,
  locale: Locale,
): { ok: true; text: string } | { ok: false; errors: Record<string, string> } {
  const f = messages(locale).form;
  const errors: Record<string, string> = {};
  const parts: string[] = [`${form.noun} ${form.verb}`];
  const given = new Set<string>();
  for (const field of form.fields) {
    if (field.type === 'item') {
      let items = 0;
      for (let i = 1; i <= lines; i++) {
        const name = read(state, `line_${i}_name`).replaceAll('|', '/');
        const model = read(state, `line_${i}_model`).replaceAll('|', '/');
        const qty = read(state, `line_${i}_qty`);
        const price = read(state, `line_${i}_price`);
        if (!name && !model && !qty && !price) continue;
        if (!name) errors[`line_${i}_name`] = f.errors.productName;
        if (!(Number(qty) > 0)) errors[`line_${i}_qty`] = f.errors.quantityAboveZero;
        if (!price || !(Number(price) >= 0)) errors[`line_${i}_price`] = f.errors.price;
        parts.push(`${field.key}=${quoteValue(`${name} | ${model} | ${qty} | ${price}`)}`);
        items++;
      }
      if (items > 0) given.add(field.key);
      else if (field.required) errors.line_1_name = f.errors.oneLine;
      continue;
    }
    const v = read(state, field.key);
    if (!v) continue;
    given.add(field.key);
    if (field.type === 'ref') {
      // A record's number as the core reads it (C-1, c_0001); a name where the key takes names too.
      const number = new RegExp(`^${field.prefix}[-_－]?\\d{1,9}$`, 'i').test(v);
      if (number) parts.push(`${field.key}=${v}`);
      else if (field.names) parts.push(`${field.key}=${quoteValue(v)}`);
      else errors[field.key] = f.errors.recordNumber(field.example);
    } else if (field.type === 'date' || field.type === 'day' || field.type === 'choice') {
      parts.push(`${field.key}=${v}`);
    } else parts.push(`${field.key}=${quoteValue(v)}`);
  }
  for (const group of form.oneOf) {
    if (group.some((key) => given.has(key))) continue;
    const labels = group.map((key) => form.fields.find((x) => x.key === key)).filter((x) => x !== undefined);
    const first = labels[0]?.type === 'item' ? 'line_1_name' : group[0]!;
    errors[first] ??= f.errors.oneOf(labels.map((x) => labelOf(x, locale)));
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, text: parts.join(' ') };
}

/** The text typed into an input modal. */
export function inputValue(state: ViewState): string {
  return (state.sr_value?.value?.value ?? '').trim();
}
