// Revising a quote (R-QUO-1, issue 21): quote revise makes a new version with its own number pointing back,
// sends it through approval again, and leaves the old one readable and superseded; refusals write nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

describe('quote revise', () => {
  let d: Driver;
  const quotesNow = () =>
    d.query<{ number: string; status: string; revision: number; total_minor: string; of: string | null }>(
      `select q.number, q.status, q.revision, q.total_minor::text, o.number as of
       from quotes q left join quotes o on o.id = q.revision_of order by q.id`,
    );

  beforeAll(async () => {
    d = await startDriver({ pglite: true });
    for (const who of ['li', 'chen', 'wang']) await d.say(who, 'me lang=en');
    await d.say('li', 'customer add name="Revise Co" contact="Ms Yu" phone=13755556666');
    await d.say(
      'li',
      'quote new customer=C-0001 item="Sensor | X200 | 200 | 35.5" item="Cable | 10 | 5" valid=+30d',
    );
    await d.say('li', 'quote submit Q-0001');
    const [a] = await d.query<{ number: string }>("select number from approvals where state = 'pending'");
    await d.say('wang', `approval approve ${a!.number}`);
    await d.say('li', 'quote send Q-0001');
    await d.say('li', 'quote feedback Q-0001 result=negotiating note="wants 33"');
  });
  afterAll(() => d?.close());

  it('makes revision 1 with the new lines, sends it for approval, and supersedes the old one', async () => {
    const r = await d.say(
      'li',
      'quote revise Q-0001 item="Sensor | X200 | 200 | 33" note="customer asked for 33"',
    );
    expect(r.text).toContain('Q-0002 is revision 1 of Q-0001 (Q-0001 is now superseded): total ¥6,600.00.');
    expect(r.text).toContain('Q-0002 submitted for approval');
    expect(await quotesNow()).toEqual([
      { number: 'Q-0001', status: 'superseded', revision: 0, total_minor: '715000', of: null },
      { number: 'Q-0002', status: 'pending', revision: 1, total_minor: '660000', of: 'Q-0001' },
    ]);
    // The old version stays readable, names its newest version; the new one names what it revises.
    const old = await d.say('li', 'quote show Q-0001');
    expect(old.text).toContain('¥35.50');
    expect(old.text).toContain('Newest version: Q-0002');
    expect((await d.say('li', 'quote show Q-0002')).text).toContain('Revision: 1 of Q-0001');
  });

  it('a revision of a revision is revision 2 of the original; lines not given are kept', async () => {
    const [a] = await d.query<{ number: string }>("select number from approvals where state = 'pending'");
    await d.say('wang', `approval reject ${a!.number} reason="still too low"`);
    const r = await d.say('li', 'quote revise Q-0002 valid=+20d');
    expect(r.text).toContain('Q-0003 is revision 2 of Q-0001');
    const items = await d.query<{ n: number }>(
      "select count(*)::int as n from quote_items i join quotes q on q.id = i.quote_id where q.number = 'Q-0003'",
    );
    expect(items[0]!.n).toBe(1);
  });

  it('refuses, writing nothing: while waiting for approval, another rep, nothing changed, a superseded one', async () => {
    const before = JSON.stringify(await quotesNow());
    expect((await d.say('li', 'quote revise Q-0003 valid=+25d')).text).toContain('waiting for approval');
    expect((await d.say('chen', 'quote revise Q-0003 valid=+25d')).text).toContain("another rep's quote");
    expect((await d.say('li', 'quote revise Q-0001 valid=+25d')).text).toContain('already revised');
    await d.say('li', 'me lang=zh');
    expect((await d.say('li', '报价 修订 Q-0001 有效期=+25d')).text).toContain('已被修订');
    await d.say('li', 'me lang=en');
    expect(JSON.stringify(await quotesNow())).toBe(before);
  });
});
