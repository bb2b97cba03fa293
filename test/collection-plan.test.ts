// Finance's collection plan and payment ledger (R-ORD-3, issue 21): `order plan` reads the payment terms
// into instalments with due dates and amounts, `order paid` puts each payment against them, reminders go to
// finance and the rep on the due day and every morning while overdue, and order show has the outstanding
// amount. Through the console API with the app's clock; the payment-terms reader on its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTerms, splitAmount } from '../src/orders/payment-terms.ts';
import { fireOccurrence } from '../src/schedule/fire.ts';
import { type Driver, startDriver } from './helpers/console.ts';

describe('payment terms as people write them', () => {
  it.each([
    ['30% advance, 70% on delivery', [30, 70], ['advance', 'delivery']],
    ['30%预付，70%货到付款', [30, 70], ['advance', 'delivery']],
    ['50% advance, 50% 30 days after delivery', [50, 50], ['advance', 'delivery']],
    ['40% 2027-01-10; 60% 交货后30天', [40, 60], ['date', 'delivery']],
  ])('%s', (terms, percents, kinds) => {
    const r = readTerms(terms);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.parts.map((p) => p.percent)).toEqual(percents);
    expect(r.parts.map((p) => p.due.kind)).toEqual(kinds);
  });

  it('days after delivery are read; shares that do not add up or cannot be read are named', () => {
    const r = readTerms('50% advance, 50% 30 days after delivery');
    expect(r.ok && r.parts[1]!.due).toEqual({ kind: 'delivery', days: 30 });
    expect(readTerms('30% advance, 60% on delivery')).toEqual({ ok: false, problem: 'sum', near: '90' });
    expect(readTerms('30% advance, rest when happy')).toMatchObject({
      ok: false,
      problem: 'unreadable',
      near: 'rest when happy',
    });
  });

  it('amounts add up to the total exactly, the last instalment taking the rounding', () => {
    const parts = splitAmount(1000001n, [33.33, 33.33, 33.34]);
    expect(parts.reduce((a, b) => a + b, 0n)).toBe(1000001n);
    expect(parts[0]).toBe(333300n);
  });
});

describe('order plan and order paid through the console', () => {
  let d: Driver;
  const now = new Date('2026-12-03T02:00:00Z'); // 10:00 in Shanghai

  beforeAll(async () => {
    d = await startDriver({ pglite: true, clock: () => now });
    for (const who of ['li', 'wang', 'zhao']) await d.say(who, 'me lang=en');
    await d.say('li', 'customer add name="Collect Co" contact="Ms Bai" phone=13722223333');
    await d.say(
      'li',
      'order new customer=C-0001 item="Pump | P2 | 10 | 1000" delivery=2026-12-20 place=Suzhou payment="30% advance, 70% on delivery" late="0.05% a day"',
    );
    await d.say('li', 'order submit SO-0001');
    const [a] = await d.query<{ number: string }>("select number from approvals where state = 'pending'");
    await d.say('wang', `approval approve ${a!.number}`);
  });
  afterAll(() => d?.close());

  it('finance makes the plan from the order’s terms: two instalments, due today and on the delivery date', async () => {
    const r = await d.say('zhao', 'order plan SO-0001');
    expect(r.text).toContain('Collection plan for SO-0001: 2 instalment(s)');
    expect(r.text).toContain('30% ¥3,000.00');
    expect(r.text).toContain('70% ¥7,000.00');
    const rows = await d.query<{ seq: number; due_date: string; amount_minor: string }>(
      'select seq, due_date::text, amount_minor::text from order_instalments order by seq',
    );
    expect(rows).toEqual([
      { seq: 1, due_date: '2026-12-03', amount_minor: '300000' },
      { seq: 2, due_date: '2026-12-20', amount_minor: '700000' },
    ]);
    // Reminders for the second one's due day, to finance and the rep; overdue ones after each.
    const reminders = await d.query<{ kind: string; subject_ref: string; target_kind: string }>(
      "select kind, subject_ref, target_kind from reminders where subject_type = 'instalment' and state = 'active' order by id",
    );
    expect(reminders.filter((x) => x.kind === 'collection').map((x) => x.subject_ref)).toEqual([
      'SO-0001/2',
      'SO-0001/2',
    ]);
    expect(reminders.filter((x) => x.kind === 'collection_overdue')).toHaveLength(4);
  });

  it('a payment goes to the earliest open instalment and spills over; the ledger keeps method and reference', async () => {
    const r = await d.say('zhao', 'order paid SO-0001 amount=4000 method=transfer ref=BOC-7781 on=today');
    expect(r.text).toContain('(instalment 1, 2)');
    const inst = await d.query<{ seq: number; paid_minor: string }>(
      'select seq, paid_minor::text from order_instalments order by seq',
    );
    expect(inst).toEqual([
      { seq: 1, paid_minor: '300000' },
      { seq: 2, paid_minor: '100000' },
    ]);
    const [ledger] = await d.query<{
      amount_minor: string;
      method: string;
      reference: string;
      paid_on: string;
    }>('select amount_minor::text, method, reference, paid_on::text from order_payments');
    expect(ledger).toEqual({
      amount_minor: '400000',
      method: 'transfer',
      reference: 'BOC-7781',
      paid_on: '2026-12-03',
    });
    // The first instalment is paid: its overdue reminders are cancelled; the second's remain.
    const active = await d.query<{ subject_ref: string }>(
      "select subject_ref from reminders where subject_type = 'instalment' and state = 'active'",
    );
    expect(new Set(active.map((a) => a.subject_ref))).toEqual(new Set(['SO-0001/2']));
  });

  it('order show has the plan, the ledger and the outstanding amount, privately; masked in a group', async () => {
    const own = JSON.stringify(await d.say('zhao', 'order show SO-0001'));
    expect(own).toContain('Instalment 1');
    expect(own).toContain('Outstanding');
    expect(own).toContain('¥6,000.00');
    expect(own).toContain('BOC-7781');
    const group = JSON.stringify(await d.say('zhao', 'order show SO-0001', 'finance'));
    expect(group).toContain('Instalment 2');
    expect(group).not.toContain('6,000.00');
  });

  it('refuses, writing nothing: a plan once payments are in, bad terms, an unknown instalment, a future day, a rep', async () => {
    const count = async () =>
      Number(
        (
          await d.query<{ n: string }>(
            'select (select count(*) from order_payments) + (select count(*) from order_instalments) as n',
          )
        )[0]!.n,
      );
    const before = await count();
    expect((await d.say('zhao', 'order plan SO-0001 terms="50% advance, 50% on delivery"')).text).toContain(
      'Payments are already recorded',
    );
    expect((await d.say('zhao', 'order paid SO-0001 amount=10 instalment=7')).text).toContain(
      'there is no instalment 7',
    );
    expect((await d.say('zhao', 'order paid SO-0001 amount=10 on=2026-12-25')).text).toContain(
      'not in the future',
    );
    expect((await d.say('li', 'order plan SO-0001')).text).toMatch(/may not use "order plan"/);
    expect(await count()).toBe(before);
  });

  it('when the second instalment is overdue, finance’s chat is reminded with the late-payment rule, no amount', async () => {
    const [occ] = await d.query<{ id: number; due_at: Date }>(
      `select o.id, o.due_at from reminder_occurrences o join reminders r on r.id = o.reminder_id
       where r.kind = 'collection_overdue' and r.subject_ref = 'SO-0001/2' and r.target_kind = 'department'`,
    );
    expect(new Date(occ!.due_at).toISOString()).toBe('2026-12-21T01:00:00.000Z'); // 09:00 the day after, Shanghai
    expect(await fireOccurrence(d.app.database.db, occ!.id, new Date('2026-12-21T01:00:00Z'))).toBe('fired');
    await d.app.delivery.drain();
    const texts = (await d.messages('finance')).map((m) => m.text).join('\n');
    expect(texts).toContain('SO-0001');
    expect(texts).toMatch(/0\.05% a day/);
    expect(texts).not.toContain('7,000.00');
  });
});
