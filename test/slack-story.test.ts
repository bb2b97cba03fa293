// The story of the approvals issue through Slack: slash commands by li, wang, zhao and qian; buttons pressed
// by the right and the wrong people; cards updated in place everywhere; the reject-reason modal and the
// quote form with line items.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buttonsOf,
  CHANNELS,
  type Harness,
  hasButtons,
  mention,
  PEOPLE,
  type Person,
  startHarness,
  uid,
} from './fakes/slack/harness.ts';
import type { FakeView } from './fakes/slack/server.ts';

let h: Harness;

const roles: [Person, string][] = [
  ['li', 'sales_rep'],
  ['chen', 'sales_rep'],
  ['wang', 'sales_manager'],
  ['qian', 'head dept=marketing'],
  ['wu', 'head dept=service'],
  ['zhao', 'head dept=finance'],
  ['sun', 'head dept=production'],
  ['zhou', 'head dept=logistics'],
];

beforeAll(async () => {
  h = await startHarness();
  for (const p of Object.keys(PEOPLE) as Person[]) await h.say(p, 'me lang=en');
  for (const [dept, channel] of Object.entries(CHANNELS)) await h.say('admin', `admin bind ${dept}`, channel);
  for (const [p, role] of roles)
    await h.say('admin', `admin role ${mention(p)} ${role}`, CHANNELS.management);
}, 120_000);
afterAll(() => h?.close());

// Dates in the coming year: a deadline must be ahead, and within the ten years a date may reach.
const nextYear = new Date().getUTCFullYear() + 1;

const status = async (table: string, number: string) =>
  (await h.query<{ status: string }>(`select status from ${table} where number = '${number}'`))[0]?.status;

async function openView(who: Person): Promise<FakeView> {
  return h.waitFor(() => h.slack.openViewsOf(uid(who)).at(-1), `a modal for ${who}`);
}

async function submit(who: Person, view: FakeView, values: Record<string, string>) {
  h.slack.type(uid(who), view.id, values);
  const sent = await h.signer.interaction(h.slack.viewSubmission(uid(who), view.id));
  expect(sent.status).toBe(200);
  h.slack.applyViewAnswer(view.id, sent.json);
  return sent.json as { response_action?: string; errors?: Record<string, string> } | undefined;
}

const card = (channel: string, ref: string, who?: Person) =>
  h.waitFor(() => {
    try {
      return h.cardIn(channel, ref, who);
    } catch {
      return undefined;
    }
  }, `a card about ${ref} in ${channel}`);

describe('the main story through Slack', () => {
  it('li registers a customer and a lead; wang assigns it; li accepts with the button and converts it', async () => {
    const [c] = await h.say(
      'li',
      'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000',
      CHANNELS.sales,
    );
    expect(c!.text).toContain('C-0001');
    expect(
      (await h.say('li', 'lead add customer=C-0001 source=expo desc="needs 200 sensors"', CHANNELS.sales))[0]!
        .text,
    ).toContain('L-0001');
    await h.say('wang', `lead assign L-0001 ${mention('li')} due=+2d`, CHANNELS.sales);
    const assigned = await card(h.dm('li'), 'L-0001');
    const { answers } = await h.press('li', assigned, 'run:lead accept');
    expect(answers.map((m) => m.text).join()).toMatch(/Accepted/);
    await h.say(
      'li',
      'lead follow L-0001 note="called; wants a quote" next="send quote" due=tomorrow',
      CHANNELS.sales,
    );
    const [ask] = await h.say('li', 'lead convert L-0001');
    await h.press('li', ask!, (b) => String(b.value).startsWith('confirm:'));
    expect(await status('leads', 'L-0001')).toBe('converted');
    expect(hasButtons(ask!)).toBe(false);
  });

  it('/quote new opens a form; lines are added with views.update; bad values are shown in the form', async () => {
    const sent = await h.command('li', 'new', { channel: CHANNELS.sales, command: '/quote' });
    expect(sent.status).toBe(200);
    const view = await openView('li');
    expect(view.view.callback_id).toBe('sr_form_quote');
    // The tax field is the command's choice, with its options; valid= is a date.
    type Input = { block_id?: string; element?: { type: string; options?: { value: string }[] } };
    const input = (id: string) => (view.view.blocks as Input[]).find((b) => b.block_id === id)!;
    expect(input('tax').element?.options?.map((o) => o.value)).toEqual(['included', 'excluded']);
    expect(input('valid').element?.type).toBe('datepicker');
    h.slack.type(uid('li'), view.id, { customer: 'C-0001', line_1_name: 'Sensor', line_1_model: 'X200' });
    h.slack.type(uid('li'), view.id, { line_1_qty: '200', line_1_price: '600' });
    // Add a line: the view is updated and keeps what was typed.
    const add = await h.signer.interaction(h.slack.viewAction(uid('li'), view.id, 'sr_add_line'));
    expect(add.status).toBe(200);
    await h.waitFor(() => view.view.blocks.some((b) => b.block_id === 'line_2_name'), 'a second line');
    expect(view.values.line_1_qty).toBeDefined();
    // A second line with a name but a zero quantity is refused in the form, and nothing is written.
    let answer = await submit('li', view, { line_2_name: 'Cable', line_2_qty: '0', line_2_price: '5' });
    expect(answer?.response_action).toBe('errors');
    expect(Object.keys(answer!.errors!)).toEqual(['line_2_qty']);
    expect(view.open).toBe(true);
    answer = await submit('li', view, {
      line_2_qty: '10',
      valid: `${nextYear}-12-31`,
      delivery: `${nextYear}-02-15`,
      tax: 'included',
      payment: '30% advance',
    });
    expect(answer?.response_action).toBeUndefined();
    expect(view.open).toBe(false);
    const reply = await h.waitFor(
      () => h.slack.ephemeralsFor(uid('li'), CHANNELS.sales).find((m) => m.text.includes('Q-0001')),
      'the quote answer',
    );
    expect(reply.text).toContain('¥120,050.00');
    const lines = await h.query<{ n: number }>(
      `select count(*)::int as n from quote_items qi join quotes q on q.id = qi.quote_id where q.number = 'Q-0001'`,
    );
    expect(lines[0]?.n).toBe(2);
  });

  it('a quote above the threshold needs wang, then zhao and qian; wrong people are refused; cards update in place', async () => {
    const [s] = await h.say('li', 'quote submit Q-0001 note="volume price"', CHANNELS.sales);
    expect(s!.text).toMatch(/A-0001.*joint review/);
    const mgmt = await card(CHANNELS.management, 'A-0001');
    expect(mgmt.text).not.toContain('120,050');
    const wangs = await card(h.dm('wang'), 'A-0001');
    expect(JSON.stringify(wangs.blocks)).toContain('¥120,050.00');
    // Finance may not decide step 1, even from the management channel's card.
    const wrong = await h.press('zhao', mgmt, 'run:approval approve');
    expect(wrong.answers.map((m) => m.text).join()).toMatch(/not an approver/);
    expect(await status('quotes', 'Q-0001')).toBe('pending');
    expect((await h.press('wang', wangs, 'run:approval approve')).answers.map((m) => m.text).join()).toMatch(
      /moves to step 2/,
    );
    const zhaos = await card(h.dm('zhao'), 'A-0001');
    expect((await h.press('zhao', zhaos, 'run:approval approve')).answers.map((m) => m.text).join()).toMatch(
      /waiting for the other signers/,
    );
    const qians = await card(h.dm('qian'), 'A-0001');
    expect((await h.press('qian', qians, 'run:approval approve')).answers.map((m) => m.text).join()).toMatch(
      /now approved/,
    );
    expect(await status('quotes', 'Q-0001')).toBe('approved');
    // Every copy is re-rendered in place with chat.update, with no live buttons.
    for (const m of [wangs, zhaos, qians, mgmt])
      await h.waitFor(() => !hasButtons(m) && m.history.length > 0, `${m.channel} card updated`, 15_000);
    expect(JSON.stringify(mgmt.blocks)).toMatch(/Approved by Qian|已批准/);
    // A late click on an old copy changes nothing.
    expect(() =>
      h.slack.blockAction(uid('wang'), wangs, (b) => String(b.action_id).includes('approve')),
    ).toThrow(/no such button/);
    await h.waitFor(
      () => h.slack.messagesIn(h.dm('li')).find((m) => m.text.includes('Q-0001 approved')),
      'li told',
    );
  });

  it('li sends it and drafts the order; wang approves; four departments acknowledge with their buttons', async () => {
    await h.say('li', 'quote send Q-0001', CHANNELS.sales);
    await h.say('li', 'quote feedback Q-0001 result=accepted note="signs next week"', CHANNELS.sales);
    expect((await h.say('li', 'order new from=Q-0001 place=Shenzhen', CHANNELS.sales))[0]!.text).toContain(
      'SO-0001',
    );
    expect((await h.say('li', 'order submit SO-0001', CHANNELS.sales))[0]!.text).toMatch(/A-0002/);
    const wangs = await card(h.dm('wang'), 'A-0002');
    expect((await h.press('wang', wangs, 'run:approval approve')).answers.map((m) => m.text).join()).toMatch(
      /now approved/,
    );
    expect(await status('orders', 'SO-0001')).toBe('confirmed');
    for (const [who, chat] of [
      ['qian', CHANNELS.marketing],
      ['wu', CHANNELS.service],
      ['zhao', CHANNELS.finance],
      ['sun', CHANNELS.production],
    ] as const) {
      const c = await card(chat, 'SO-0001');
      expect(buttonsOf(c)[0]?.action_id).toBe('run:order ack SO-0001');
      // A department chat is a group: amounts are masked there (finance reads them privately: order show).
      expect(c.text.includes('120,050.00')).toBe(false);
      expect((await h.press(who, c, 'run:order ack')).answers.map((m) => m.text).join()).toMatch(
        /Acknowledged SO-0001/,
      );
      await h.waitFor(
        () => c.history.length > 0 && /已于 .* 确认|acknowledged/i.test(JSON.stringify(c.blocks)),
        'ack shown',
      );
    }
  });
});

describe('the side roads through Slack', () => {
  it('Reject opens a modal for the reason; the reason reaches the requester; the card loses its buttons', async () => {
    await h.say('chen', 'customer add name="Beta Co"', CHANNELS.sales);
    await h.say('chen', 'quote new customer=C-0002 item="Sensor | X200 | 10 | 20"', CHANNELS.sales);
    await h.say('chen', 'quote submit Q-0002', CHANNELS.sales);
    const wangs = await card(h.dm('wang'), 'A-0003');
    const reject = buttonsOf(wangs).find((b) => b.action_id.startsWith('run:approval reject'))!;
    expect(JSON.parse(reject.value!).in.name).toBe('reason');
    const press = await h.signer.interaction(
      h.slack.blockAction(uid('wang'), wangs, (b) => b.action_id === reject.action_id),
    );
    expect(press.status).toBe(200);
    const view = await openView('wang');
    expect(view.view.callback_id).toBe('sr_input');
    // The reason is required: the client will not submit an empty one.
    expect(() => h.slack.viewSubmission(uid('wang'), view.id)).toThrow(/required/);
    // Whitespace only is refused by the adapter in the form.
    expect((await submit('wang', view, { sr_value: '   ' }))?.response_action).toBe('errors');
    await submit('wang', view, { sr_value: 'margin too low' });
    await h.waitFor(async () => (await status('quotes', 'Q-0002')) === 'rejected', 'the quote rejected');
    await h.waitFor(
      () => h.slack.messagesIn(h.dm('chen')).find((m) => m.text.includes('margin too low')),
      'chen told the reason',
    );
    await h.waitFor(() => !hasButtons(wangs), 'the card without buttons');
    expect((await h.say('wang', 'approval approve A-0003', CHANNELS.sales))[0]!.text).toMatch(
      /already rejected/,
    );
  });

  it('an approval decided by a typed command re-renders the card in place', async () => {
    await h.say('li', 'quote new customer=C-0001 item="Sensor | X200 | 1 | 10"', CHANNELS.sales);
    await h.say('li', 'quote submit Q-0003', CHANNELS.sales);
    const wangs = await card(h.dm('wang'), 'A-0004');
    expect(hasButtons(wangs)).toBe(true);
    expect((await h.say('wang', 'approval approve A-0004', CHANNELS.management))[0]!.text).toMatch(
      /now approved/,
    );
    await h.waitFor(
      () => !hasButtons(wangs) && h.slack.callsTo('chat.update').some((c) => c.args.ts === wangs.ts),
      'chat.update',
    );
  });

  it('/order new without arguments opens the order form; a modal submission is done once', async () => {
    await h.command('li', 'order new', { channel: CHANNELS.sales });
    const view = await openView('li');
    expect(view.view.callback_id).toBe('sr_form_order');
    h.slack.type(uid('li'), view.id, {
      customer: 'C-0001',
      line_1_name: 'Gateway',
      line_1_qty: '2',
      line_1_price: '1200',
      place: 'Shanghai',
      payment: 'on delivery',
      delivery: `${nextYear}-01-15`,
    });
    const payload = h.slack.viewSubmission(uid('li'), view.id);
    const first = await h.signer.interaction(payload);
    const again = await h.signer.interaction(payload, { retryNum: 1 });
    expect([first.status, again.status]).toEqual([200, 200]);
    await h.waitFor(
      () => h.slack.ephemeralsFor(uid('li')).find((m) => m.text.includes('SO-0002')),
      'order answer',
    );
    await new Promise((r) => setTimeout(r, 500));
    const orders = await h.query<{ n: number }>(`select count(*)::int as n from orders`);
    expect(orders[0]?.n).toBe(2);
  });

  it('the shortcuts /lead /quote /order and Chinese commands work, and mentions resolve to people', async () => {
    const [a] = await h.say('li', 'lead add customer=C-0001 source=web desc=x', CHANNELS.sales);
    expect(a!.text).toContain('L-0002');
    const sent = await h.command('li', 'show L-0002', { channel: CHANNELS.sales, command: '/lead' });
    expect(sent.status).toBe(200);
    await h.waitFor(
      () =>
        h.slack.ephemeralsFor(uid('li'), CHANNELS.sales).filter((m) => m.text.includes('L-0002')).length >= 2,
      '/lead show',
    );
    await h.command('li', '列表', { channel: CHANNELS.sales, command: '/quote' });
    await h.command('li', '', { channel: CHANNELS.sales, command: '/order' });
    await h.say('wang', `线索 分配 L-0002 ${mention('chen')}`, CHANNELS.sales);
    await h.waitFor(
      () => h.slack.messagesIn(h.dm('chen')).find((m) => m.text.includes('L-0002')),
      'chen got it',
    );
  });
});
