// customer merge (issue 21, duplicates): a manager merges a duplicate into the customer kept. Contacts, needs,
// shares, leads, quotes and orders move; both get a history row; the duplicate reads "merged into …" and
// commands on it point there; audited; refusals (a rep, the same customer, an unknown number, one already
// merged, no into=) write nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, type Msg, startDriver } from './helpers/console.ts';

describe.each([
  ['PGlite', true],
  ['PostgreSQL', false],
])('customer merge on %s', (_db, pglite) => {
  let d: Driver;
  const one = async (sql: string) => String((await d.query<{ n: unknown }>(sql))[0]!.n);
  const confirmOf = (m: Msg) => m.card!.actions.find((a) => a.id.startsWith('confirm:'))!;
  const snapshot = () =>
    d.query(
      `select (select count(*) from record_history) h, (select count(*) from audit_log where action = 'customer.merge') a,
       (select count(*) from contacts where customer_id = 2) c2, (select merged_into_id from customers where id = 2) m`,
    );

  beforeAll(async () => {
    d = await startDriver({ pglite });
    for (const who of ['li', 'chen', 'wang']) await d.say(who, 'me lang=en');
    await d.say('admin', 'me lang=zh');
    await d.say('li', 'customer add name="ACME Holdings Ltd." contact="Bob" phone=13900001111');
    const card = await d.say(
      'chen',
      'customer add name="Acme Holdings" contact="Ann" phone=13700002222 region=East',
    );
    await d.press('chen', card.id, confirmOf(card).id);
    await d.say('chen', 'customer share C-0002 to=finance fields=contacts');
    await d.say('chen', 'lead add customer=C-0002 source=expo desc="needs pumps"');
    await d.say('chen', 'quote new customer=C-0002 item="Pump | P1 | 2 | 100" valid=2027-06-30');
    await d.say(
      'chen',
      'order new customer=C-0002 item="Pump | P1 | 2 | 100" delivery=2027-03-01 place=Suzhou payment="on delivery"',
    );
    await d.say('li', 'customer add name="Other Co" contact="Cy" phone=13600003333');
  });
  afterAll(() => d?.close());

  it.each([
    ['a rep may not merge', 'chen', 'customer merge C-0002 into=C-0001', 'not'],
    ['into= is needed', 'wang', 'customer merge C-0002', 'into=C-0007'],
    ['not into itself', 'wang', 'customer merge C-0002 into=C-0002', 'into itself'],
    ['an unknown number', 'wang', 'customer merge C-0002 into=C-0099', 'no customer C-0099'],
    ['an unknown duplicate', 'wang', 'customer merge C-0098 into=C-0001', 'no customer C-0098'],
  ])('%s, and nothing is written', async (_what, who, text, answer) => {
    const before = await snapshot();
    const r = await d.say(who, text);
    expect(r.text).toContain(answer);
    expect(r.card?.title).not.toBe('Please confirm');
    expect(await snapshot()).toEqual(before);
  });

  it('asks first, naming what moves; Cancel writes nothing', async () => {
    const before = await snapshot();
    const card = await d.say('wang', 'customer merge C-0002 into=C-0001');
    expect(card.text).toContain('Merge C-0002 Acme Holdings into C-0001 ACME Holdings Ltd.');
    expect(card.text).toContain('1 contact(s), 1 lead(s), 1 quote(s), 1 order(s)');
    const cancel = card.card!.actions.find((a) => a.id.startsWith('cancel:'))!;
    await d.press('wang', card.id, cancel.id);
    expect(await snapshot()).toEqual(before);
  });

  it('moves everything on Confirm, with history on both, audited, the owners told', async () => {
    const card = await d.say('wang', 'customer merge C-0002 into=C-0001');
    const done = await d.press('wang', card.id, confirmOf(card).id);
    expect(done.replies.map((m) => m.text).join('\n')).toContain('C-0002 Acme Holdings merged into C-0001');
    for (const t of ['contacts', 'customer_shares', 'quotes', 'orders'])
      expect(await one(`select count(*) as n from ${t} where customer_id = 2`)).toBe('0');
    expect(await one('select count(*) as n from leads where customer_id = 1')).toBe('1');
    expect(await one('select count(*) as n from contacts where customer_id = 1')).toBe('2');
    // The kept customer's primary contact stays the one; its empty region is filled from the duplicate.
    expect(await one('select count(*) as n from contacts where customer_id = 1 and is_primary')).toBe('1');
    expect(await one('select region as n from customers where id = 1')).toBe('East');
    expect(await one(`select count(*) as n from customer_shares where customer_id = 1`)).toBe('1');
    expect(await one(`select count(*) as n from audit_log where action = 'customer.merge'`)).toBe('1');
    const kept = (await d.say('wang', 'customer history C-0001')).text;
    expect(kept).toContain('merged in');
    expect(kept).toContain('C-0002 Acme Holdings');
    expect((await d.say('wang', 'customer history C-0002')).text).toContain('merged into');
    // li and chen each owned one half.
    for (const who of ['li', 'chen'])
      expect((await d.messages(`dm:${who}`)).some((m) => m.text.includes('merged customer C-0002'))).toBe(
        true,
      );
  });

  it('the merged customer reads "merged into", commands on it point there, its name means the kept one', async () => {
    expect((await d.say('li', 'customer show C-0002')).text).toContain('merged into C-0001');
    expect((await d.say('admin', '客户 查看 C-0002')).text).toContain('已于');
    expect((await d.say('chen', 'customer update C-0002 region=West')).text).toContain(
      'C-0002 was merged into C-0001',
    );
    expect((await d.say('chen', 'lead add customer=C-0002 source=expo desc=x')).text).toContain('use C-0001');
    expect((await d.say('li', 'customer show "Acme Holdings"')).text).toContain('C-0001 ACME Holdings Ltd.');
    expect(
      (await d.say('chen', 'customer add name="Acme Holdings" contact=Z phone=13500000000')).text,
    ).toContain('already customer C-0001');
    const found = (await d.say('wang', 'customer find acme')).text;
    expect(found).toContain('C-0001');
    expect(found).not.toContain('C-0002');
  });

  it('one already merged is refused either way, in en and zh, and nothing is written', async () => {
    const before = await snapshot();
    expect((await d.say('wang', 'customer merge C-0002 into=C-0003')).text).toContain(
      'C-0002 was already merged into C-0001',
    );
    expect((await d.say('admin', '客户 合并 C-0003 并入=C-0002')).text).toContain('C-0002 已合并至 C-0001');
    expect(await snapshot()).toEqual(before);
  });
});
