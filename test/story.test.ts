// The whole story of the policy through the console API, as the people in the demo would live it:
// lead → customer → quote with joint review → order → four departments → production → shipping → payment.
// Then the side roads: a change, a cancellation, a rejected quote, a withdrawn order, a delegation, a correction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, type Msg, startDriver } from './helpers/console.ts';

let d: Driver;
const people = ['li', 'chen', 'wang', 'qian', 'wu', 'zhao', 'sun', 'zhou', 'admin'];

beforeAll(async () => {
  d = await startDriver();
  for (const p of people) await d.say(p, 'me lang=en');
});
afterAll(() => d?.close());

/** The newest card in a chat whose title mentions `ref`. */
async function cardIn(chat: string, ref: string): Promise<Msg> {
  const card = (await d.messages(chat)).findLast((m) => m.card?.title.includes(ref));
  if (!card) throw new Error(`no card for ${ref} in ${chat}`);
  return card;
}

async function press(
  user: string,
  chat: string,
  ref: string,
  actionPrefix: string,
  values?: Record<string, string>,
) {
  const card = await cardIn(chat, ref);
  const action = card.card!.actions.find((a) => a.id.startsWith(actionPrefix));
  if (!action) throw new Error(`no ${actionPrefix} on ${ref} in ${chat}: ${JSON.stringify(card.card)}`);
  const res = await fetch(`${d.app.url}/console/api/actions`, {
    method: 'POST',
    headers: d.headers,
    body: JSON.stringify({ user, messageId: card.id, actionId: action.id, ...(values ? { values } : {}) }),
  });
  const json = (await res.json()) as { replies: Msg[]; error?: string };
  return { status: res.status, text: json.replies?.[0]?.text ?? json.error ?? '' };
}

const status = async (table: string, number: string) =>
  (await d.query<{ status: string }>(`select status from ${table} where number = '${number}'`))[0]?.status;

describe('the main story', () => {
  it('li registers a customer and a lead; wang assigns it; li follows up and converts it', async () => {
    expect(
      (await d.say('li', 'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000', 'sales')).text,
    ).toContain('C-0001');
    expect(
      (await d.say('li', 'lead add customer=C-0001 source=expo desc="needs 200 sensors"')).text,
    ).toContain('L-0001');
    await d.say('wang', 'lead assign L-0001 @li due=+2d');
    expect((await press('li', 'dm:li', 'L-0001', 'run:lead accept')).text).toMatch(/Accepted/);
    await d.say('li', 'lead follow L-0001 note="called; wants a quote" next="send quote" due=tomorrow');
    const ask = await d.say('li', 'lead convert L-0001');
    const ok = await d.press('li', ask.id, ask.card!.actions[0]!.id);
    expect(ok.replies[0]?.text).toMatch(/converted to C-0001/);
    expect(await status('leads', 'L-0001')).toBe('converted');
  });

  it('a quote above the threshold needs wang, then zhao and qian together', async () => {
    const q = await d.say(
      'li',
      'quote new customer=C-0001 item="Sensor | X200 | 200 | 600" valid=+30d tax=included delivery=+45d payment="30% advance"',
    );
    expect(q.text).toContain('¥120,000.00');
    const s = await d.say('li', 'quote submit Q-0001 note="volume price"');
    expect(s.text).toMatch(/A-0001.*joint review/);
    // The management chat sees the card, with the amount masked.
    const mgmt = await cardIn('management', 'A-0001');
    expect(mgmt.text).not.toContain('120,000');
    // wang's private card shows it.
    expect(
      (await cardIn('dm:wang', 'A-0001')).card!.fields.some((f) => f.value.includes('¥120,000.00')),
    ).toBe(true);
    // Finance may not decide step 1.
    expect((await press('zhao', 'management', 'A-0001', 'run:approval approve')).text).toMatch(
      /not an approver/,
    );
    expect((await press('wang', 'dm:wang', 'A-0001', 'run:approval approve')).text).toMatch(
      /moves to step 2/,
    );
    expect(await status('quotes', 'Q-0001')).toBe('pending');
    expect((await press('zhao', 'dm:zhao', 'A-0001', 'run:approval approve')).text).toMatch(
      /waiting for the other signers/,
    );
    expect((await press('qian', 'dm:qian', 'A-0001', 'run:approval approve')).text).toMatch(/now approved/);
    expect(await status('quotes', 'Q-0001')).toBe('approved');
    // Every copy of the card is re-rendered without buttons, and li is told.
    for (const chat of ['dm:wang', 'dm:zhao', 'dm:qian', 'management']) {
      const card = await cardIn(chat, 'A-0001');
      expect(card.card!.actions).toEqual([]);
      // Direct chats read English (everyone set lang=en); group chats read the organisation's language.
      expect(card.card!.note).toMatch(/Approved by Qian|Qian Hui 钱慧 于 .* 已批准/);
    }
    expect((await d.messages('dm:li')).some((m) => m.text.includes('Q-0001 approved'))).toBe(true);
  });

  it('li sends it and records acceptance; the manager hears of it', async () => {
    expect((await d.say('li', 'quote feedback Q-0001 result=accepted')).text).toMatch(
      /is approved; feedback needs it to be sent/,
    );
    await d.say('li', 'quote send Q-0001');
    expect((await d.say('li', 'quote feedback Q-0001 result=accepted note="signs next week"')).text).toMatch(
      /accepted/,
    );
    expect(
      (await d.messages('dm:wang')).some(
        (m) => m.text.includes('Q-0001') && m.text.includes('signs next week'),
      ),
    ).toBe(true);
  });

  it('li drafts the order from the quote; wang approves; four departments get it and acknowledge', async () => {
    expect((await d.say('li', 'order new from=Q-0001 place=Shenzhen')).text).toContain('SO-0001');
    expect((await d.say('li', 'order submit SO-0001')).text).toMatch(/A-0002/);
    expect((await press('wang', 'dm:wang', 'A-0002', 'run:approval approve')).text).toMatch(/now approved/);
    expect(await status('orders', 'SO-0001')).toBe('confirmed');
    for (const [who, chat] of [
      ['qian', 'marketing'],
      ['wu', 'service'],
      ['zhao', 'finance'],
      ['sun', 'production'],
    ] as const) {
      const card = await cardIn(chat, 'SO-0001');
      expect(card.card!.actions[0]!.id).toBe('run:order ack SO-0001');
      // A department chat is a group: amounts are masked there (finance reads them privately: order show).
      expect(card.text.includes('¥120,000.00')).toBe(false);
      expect(card.text.includes('¥•••')).toBe(chat === 'finance');
      expect((await press(who, chat, 'SO-0001', 'run:order ack')).text).toMatch(/Acknowledged SO-0001/);
      expect((await cardIn(chat, 'SO-0001')).card!.note).toMatch(/已于 .* 确认/);
    }
    // Logistics did not get it, and a second acknowledgement is answered, not recorded twice.
    expect((await d.say('zhou', 'order ack SO-0001')).text).toMatch(/was not sent to your department/);
    expect((await d.say('zhao', 'order ack SO-0001')).text).toMatch(/Already acknowledged/);
    const acks = await d.query<{ n: number }>(
      `select count(*)::int as n from distributions where acked_at is not null`,
    );
    expect(acks[0]?.n).toBe(4);
  });

  it('sun reports progress, zhou ships, zhao records payment, li completes', async () => {
    expect((await d.say('sun', 'order progress SO-0001 note="half of the units built"')).text).toMatch(
      /Progress recorded/,
    );
    expect(await status('orders', 'SO-0001')).toBe('in_production');
    expect((await d.say('li', 'order ship SO-0001 tracking=SF1')).text).toMatch(/may not use "order ship"/);
    expect((await d.say('zhou', 'order ship SO-0001 tracking=SF1234567890 carrier=SF')).text).toMatch(
      /marked shipped/,
    );
    expect((await d.messages('service')).some((m) => m.text.includes('SF1234567890'))).toBe(true);
    expect((await d.messages('dm:li')).some((m) => m.text.includes('SF1234567890'))).toBe(true);
    expect((await d.say('zhao', 'order paid SO-0001 amount=200000')).text).toMatch(/check the amount/);
    expect((await d.say('zhao', 'order paid SO-0001 amount=120000')).text).toMatch(
      /¥120,000.00 of ¥120,000.00 paid/,
    );
    expect((await d.say('li', 'order complete SO-0001')).text).toMatch(/SO-0001 completed/);
    const timeline = (await d.say('li', 'order show SO-0001')).text;
    for (const step of [
      'created',
      'status: pending approval',
      'status: confirmed',
      'Production acknowledged',
      'production progress: half of the units built',
      'shipped: SF SF1234567890',
      'paid so far: ¥120,000.00',
      'status: completed',
    ]) {
      expect(timeline).toContain(step);
    }
  });
});

describe('the side roads', () => {
  it('a change of delivery date is approved by production and logistics together, then everyone is told', async () => {
    await d.say(
      'li',
      'order new customer=C-0001 item="Gateway | G1 | 2 | 1200" delivery=+20d place=Shanghai payment="on delivery"',
    );
    await d.say('li', 'order submit SO-0002');
    await press('wang', 'dm:wang', 'A-0003', 'run:approval approve');
    const r = await d.say('li', 'order change SO-0002 delivery=+25d reason="customer moved the date"');
    expect(r.text).toMatch(/A-0004.*Production, Logistics must all sign/);
    expect((await press('zhao', 'management', 'A-0004', 'run:approval approve')).text).toMatch(
      /not an approver/,
    );
    expect((await press('sun', 'dm:sun', 'A-0004', 'run:approval approve')).text).toMatch(
      /waiting for the other signers/,
    );
    const before = (
      await d.query<{ delivery_date: string }>(
        `select delivery_date::text from orders where number = 'SO-0002'`,
      )
    )[0];
    expect((await press('zhou', 'dm:zhou', 'A-0004', 'run:approval approve')).text).toMatch(/now approved/);
    const after = (
      await d.query<{ delivery_date: string }>(
        `select delivery_date::text from orders where number = 'SO-0002'`,
      )
    )[0];
    expect(after?.delivery_date).not.toBe(before?.delivery_date);
    for (const chat of ['marketing', 'service', 'finance', 'production']) {
      expect((await cardIn(chat, 'SO-0002')).card!.title).toMatch(/已变更/);
    }
  });

  it('a cancellation needs wang, then each department records how it handled it', async () => {
    expect((await d.say('li', 'order cancel SO-0002')).text).toMatch(/reason= is required/);
    await d.say('li', 'order cancel SO-0002 reason="customer withdrew"');
    await press('wang', 'dm:wang', 'A-0005', 'run:approval approve');
    expect(await status('orders', 'SO-0002')).toBe('cancelled');
    expect((await d.say('sun', 'order ack SO-0002')).text).toMatch(/how your department handled/);
    expect(
      (await press('sun', 'production', 'SO-0002', 'run:order ack', { note: 'stopped the line' })).text,
    ).toMatch(/Acknowledged/);
    expect((await cardIn('production', 'SO-0002')).card!.note).toMatch(/stopped the line/);
    expect((await d.say('sun', 'order progress SO-0002 note="x"')).text).toMatch(/is cancelled/);
  });

  it('a rejected quote needs a reason and ends the approval', async () => {
    await d.say('chen', 'customer add name="Beta Co"');
    await d.say('chen', 'quote new customer=C-0002 item="Sensor | X200 | 10 | 20"');
    await d.say('chen', 'quote submit Q-0002');
    expect((await d.say('wang', 'approval reject A-0006')).text).toMatch(/reason= is required/);
    expect(
      (await press('wang', 'dm:wang', 'A-0006', 'run:approval reject', { reason: 'margin too low' })).text,
    ).toMatch(/Rejected/);
    expect(await status('quotes', 'Q-0002')).toBe('rejected');
    expect((await d.messages('dm:chen')).some((m) => m.text.includes('margin too low'))).toBe(true);
    expect((await d.say('wang', 'approval approve A-0006')).text).toMatch(/already rejected by Wang/);
  });

  it('a withdrawn order goes back to draft, and only its requester may withdraw', async () => {
    await d.say(
      'chen',
      'order new customer=C-0002 item="Sensor | X200 | 10 | 20" delivery=+20d place=Ningbo payment="net 30"',
    );
    await d.say('chen', 'order submit SO-0003');
    expect((await d.say('li', 'approval withdraw A-0007')).text).toMatch(/Only the person who asked/);
    expect((await d.say('chen', 'approval withdraw A-0007')).text).toMatch(/Withdrawn/);
    expect(await status('orders', 'SO-0003')).toBe('draft');
    expect((await cardIn('dm:wang', 'A-0007')).card!.actions).toEqual([]);
  });

  it('a delegated approval is decided by the delegate', async () => {
    await d.say('admin', 'admin role @chen sales_manager');
    await d.say('li', 'quote new customer=C-0001 item="Sensor | X200 | 1 | 10"');
    await d.say('li', 'quote submit Q-0003');
    expect((await d.say('wang', 'approval delegate A-0008 @sun')).text).toMatch(/same or a higher role/);
    expect((await d.say('wang', 'approval delegate A-0008 @chen')).text).toMatch(/handed to Chen/);
    expect((await d.say('wang', 'approval approve A-0008')).text).toMatch(/not an approver/);
    expect((await d.say('chen', 'approval approve A-0008')).text).toMatch(/now approved/);
    const events = await d.query<{ kind: string }>(
      `select e.kind from approval_events e join approvals a on a.id = e.approval_id where a.number = 'A-0008' order by e.id`,
    );
    expect(events.map((e) => e.kind)).toEqual(['submit', 'delegate', 'approve']);
  });

  it('finance files a correction; the owner verifies it and the departments shared it are told', async () => {
    await d.say('li', 'customer share C-0001 to=finance fields=contacts');
    expect(
      (
        await d.say(
          'zhao',
          'customer correct C-0001 phone=13800000001 reason="customer says the number changed"',
        )
      ).text,
    ).toMatch(/A-0009/);
    expect((await d.say('zhao', 'approval approve A-0009')).text).toMatch(/own request/);
    expect((await press('li', 'dm:li', 'A-0009', 'run:approval approve')).text).toMatch(/now approved/);
    const [c] = await d.query<{ phone: string }>(
      `select c.phone from contacts c join customers k on k.id = c.customer_id where k.number = 'C-0001'`,
    );
    expect(c?.phone).toBe('13800000001');
    expect(
      (await d.messages('finance')).some((m) => m.text.includes('已更正') && m.text.includes('138****0001')),
    ).toBe(true);
    expect((await d.messages('finance')).some((m) => m.text.includes('13800000001'))).toBe(false);
  });
});
