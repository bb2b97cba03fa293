// Modals: a text asked before a button acts (e.g. a reject reason), and the forms for `quote new` and
// `order new` typed without arguments, with line items added one at a time (views.update keeps what was typed
// because every input keeps its block_id and action_id).
import { type CardAction, type Locale, messages } from '../../src/port/index.ts';
import { type Block, clip } from './blocks.ts';

export const INPUT_CALLBACK = 'sr_input';
export const FORM_CALLBACK = { quote: 'sr_form_quote', order: 'sr_form_order' } as const;
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
  /** form kind and number of lines (forms) */
  f?: 'quote' | 'order';
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

function date(blockId: string, label: string): Block {
  return {
    type: 'input',
    block_id: blockId,
    optional: true,
    label: plain(label),
    element: { type: 'datepicker', action_id: 'v' },
  };
}

/** The `quote new` / `order new` form with `lines` line items. */
export function formModal(kind: 'quote' | 'order', lines: number, meta: ModalMeta, locale: Locale): Block {
  const f = messages(locale).form;
  const n = Math.max(1, Math.min(lines, MAX_LINES));
  const quote = kind === 'quote';
  const blocks: Block[] = [
    text('customer', f.customer, !quote, {
      placeholder: plain('C-0001', 150),
    }),
  ];
  if (!quote) blocks.push(text('from', f.fromQuote, true));
  for (let i = 1; i <= n; i++) {
    // The first line of a quote is required; further lines (and order lines) only when something is typed.
    const opt = !quote || i > 1;
    blocks.push(
      { type: 'header', text: plain(f.line(i), 150) },
      text(`line_${i}_name`, f.product, opt, { max_length: 200 }),
      text(`line_${i}_model`, f.model, true, { max_length: 200 }),
      number(`line_${i}_qty`, f.quantity, opt),
      number(`line_${i}_price`, f.unitPrice, opt),
    );
  }
  if (n < MAX_LINES)
    blocks.push({
      type: 'actions',
      block_id: 'sr_lines',
      elements: [
        {
          type: 'button',
          action_id: ADD_LINE,
          text: plain(f.addLine, 75),
          value: kind,
        },
      ],
    });
  if (quote) {
    blocks.push(date('valid', f.validUntil), {
      type: 'input',
      block_id: 'tax',
      optional: true,
      label: plain(f.tax),
      element: {
        type: 'static_select',
        action_id: 'v',
        options: [
          { text: plain(f.taxIncluded, 75), value: 'included' },
          { text: plain(f.taxExcluded, 75), value: 'excluded' },
        ],
      },
    });
  }
  blocks.push(
    date('delivery', f.deliveryDate),
    ...(quote ? [] : [text('place', f.deliveryPlace, true, { max_length: 300 })]),
    text('payment', f.paymentTerms, true, { max_length: 300 }),
    text('note', f.note, true, { multiline: true, max_length: 1000 }),
  );
  return {
    type: 'modal',
    callback_id: FORM_CALLBACK[kind],
    title: plain(quote ? f.newQuote : f.newOrder, 24),
    submit: plain(f.create, 24),
    close: plain(f.cancel, 24),
    private_metadata: packMeta({ ...meta, f: kind, n }),
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
  kind: 'quote' | 'order',
  lines: number,
  state: ViewState,
  locale: Locale,
): { ok: true; text: string } | { ok: false; errors: Record<string, string> } {
  const f = messages(locale).form;
  const errors: Record<string, string> = {};
  const parts: string[] = [`${kind} new`];
  const customer = read(state, 'customer');
  if (customer) {
    if (!/^C-?\d{1,6}$/i.test(customer)) errors.customer = f.errors.customerNumber;
    else parts.push(`customer=${customer}`);
  }
  const from = read(state, 'from');
  if (from) {
    if (!/^Q-?\d{1,6}$/i.test(from)) errors.from = f.errors.quoteNumber;
    else parts.push(`from=${from}`);
  }
  if (kind === 'order' && !customer && !from) errors.customer = f.errors.customerOrQuote;
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
    parts.push(`item=${quoteValue(`${name} | ${model} | ${qty} | ${price}`)}`);
    items++;
  }
  if (kind === 'quote' && items === 0) errors.line_1_name = f.errors.oneLine;
  for (const key of ['valid', 'tax', 'delivery'] as const) {
    const v = read(state, key);
    if (v) parts.push(`${key}=${v}`);
  }
  for (const key of ['place', 'payment', 'note'] as const) {
    const v = read(state, key);
    if (v) parts.push(`${key}=${quoteValue(v)}`);
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, text: parts.join(' ') };
}

/** The text typed into an input modal. */
export function inputValue(state: ViewState): string {
  return (state.sr_value?.value?.value ?? '').trim();
}
