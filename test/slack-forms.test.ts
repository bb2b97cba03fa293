// The Slack forms made from the command metadata (adapters/slack/modals.ts): the fields of the quote and
// order forms are the keys the command table's form asks for, and what is typed into them becomes the
// command the core reads, or errors shown next to the fields.
import { describe, expect, it } from 'vitest';
import { formCommand, formModal, type ViewState } from '../adapters/slack/modals.ts';
import { commandMetadata } from '../src/commands/metadata.ts';
import { commandTable } from '../src/flows/index.ts';
import { validateView } from './fakes/slack/validate.ts';

const table = commandTable();
const metadata = commandMetadata(table);
const form = (noun: string) => metadata.forms.find((f) => f.noun === noun)!;
const meta = { t: 'T1', c: 'C1', k: 'group' as const };
const state = (values: Record<string, string>): ViewState =>
  Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      { v: /^\d{4}-\d\d-\d\d$/.test(v) ? { selected_date: v } : { value: v } },
    ]),
  );

type Input = {
  type: string;
  block_id?: string;
  optional?: boolean;
  label?: { text: string };
  element?: {
    type: string;
    options?: { text: { text: string }; value: string }[];
    placeholder?: { text: string };
  };
};

describe('the quote form', () => {
  it('has a field per key of its form, named in the reader’s language, valid Block Kit', () => {
    for (const locale of ['en', 'zh'] as const) {
      const view = formModal(form('quote'), 2, meta, locale);
      expect(validateView(view)).toEqual([]);
      const inputs = (view.blocks as Input[]).filter((b) => b.type === 'input');
      const by = (id: string) => inputs.find((b) => b.block_id === id)!;
      expect(inputs.map((b) => b.block_id)).toEqual([
        'customer',
        ...[1, 2].flatMap((i) => [`line_${i}_name`, `line_${i}_model`, `line_${i}_qty`, `line_${i}_price`]),
        'valid',
        'tax',
        'delivery',
        'payment',
        'note',
      ]);
      // The quote form does not ask for lead=: its customer is required, as its first line.
      expect(by('customer').optional).toBe(false);
      expect(by('line_1_name').optional).toBe(false);
      expect(by('line_2_name').optional).toBe(true);
      expect(by('customer').element?.placeholder?.text).toBe('C-0001');
      expect(by('valid').element?.type).toBe('datepicker');
      expect(by('tax').element?.type).toBe('static_select');
      if (locale === 'zh') {
        expect(view.title).toMatchObject({ text: '新建报价' });
        expect(by('valid').label?.text).toBe('有效期');
        expect(by('tax').element?.options?.map((o) => o.text.text)).toEqual(['含税', '不含税']);
      } else {
        expect(view.title).toMatchObject({ text: 'New quote' });
        expect(by('valid').label?.text).toBe('Valid');
        expect(by('tax').element?.options?.map((o) => o.text.text)).toEqual(['Included', 'Excluded']);
      }
    }
  });

  it('becomes the command the core reads, which parses', () => {
    const typed = formCommand(
      form('quote'),
      1,
      state({
        customer: 'Acme Ltd',
        line_1_name: 'Sensor',
        line_1_model: 'X200',
        line_1_qty: '200',
        line_1_price: '35.5',
        valid: '2099-12-31',
        tax: 'included',
        note: 'rush',
      }),
      'en',
    );
    expect(typed).toEqual({
      ok: true,
      text: 'quote new customer="Acme Ltd" item="Sensor | X200 | 200 | 35.5" valid=2099-12-31 tax=included note="rush"',
    });
    expect(typed.ok && table.parse(typed.text, { currency: 'CNY' }).ok).toBe(true);
  });

  it('shows what is wrong next to the field', () => {
    const none = formCommand(form('quote'), 1, state({ customer: 'C-0001' }), 'zh');
    expect(none).toEqual({ ok: false, errors: { line_1_name: '至少需要一行明细' } });
  });
});

describe('the order form', () => {
  it('asks for a customer or the quote to start from, and a quote by its number', () => {
    const empty = formCommand(form('order'), 1, state({}), 'en');
    expect(empty).toEqual({ ok: false, errors: { customer: 'Fill in one of: Customer, From' } });
    const wrong = formCommand(form('order'), 1, state({ from: 'Acme' }), 'en');
    expect(wrong).toEqual({ ok: false, errors: { from: 'A number such as Q-0001' } });
    const ok = formCommand(form('order'), 1, state({ from: 'q-12', place: 'Shenzhen' }), 'en');
    expect(ok).toEqual({ ok: true, text: 'order new from=q-12 place="Shenzhen"' });
    expect(ok.ok && table.parse(ok.text).ok).toBe(true);
  });
});
