// Amounts in the replies to what a person writes (quote new, order new, order paid, order complete) follow
// the same rule as what they read (core/visibility.ts): a group chat is read by everyone in it, so the
// amount is masked there, even for its author; in a private chat it is in full.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

describe('amounts in replies to writes', () => {
  let d: Driver;
  beforeAll(async () => {
    d = await startDriver({ pglite: true });
    for (const who of ['li', 'wang', 'zhao']) await d.say(who, 'me lang=en');
    await d.say('li', 'customer add name="Amount Co" contact="Ms Gu" phone=13811112222');
  });
  afterAll(() => d?.close());

  it('quote new in the sales group: total and unit prices masked, with the note; privately in full', async () => {
    const group = await d.say('li', 'quote new customer=C-0001 item="Valve | V9 | 3 | 4321.77"', 'sales');
    expect(group.text).toContain('Q-0001');
    expect(group.text).not.toContain('4,321.77');
    expect(group.text).not.toContain('12,965.31');
    expect(group.text).toContain('¥•••');
    expect(group.text).toContain('private chat');
    const own = await d.say('li', 'quote new customer=C-0001 item="Valve | V9 | 3 | 4321.77"');
    expect(own.text).toContain('¥12,965.31');
    expect(own.text).toContain('¥4,321.77');
  });

  it('order new in the sales group is masked; order paid in the finance group is masked; privately in full', async () => {
    const group = await d.say(
      'li',
      'order new customer=C-0001 item="Valve | V9 | 10 | 1000" delivery=2027-03-01 place=Shenzhen payment="30% advance"',
      'sales',
    );
    expect(group.text).toContain('SO-0001');
    expect(group.text).not.toContain('10,000.00');
    expect(group.text).toContain('¥•••');
    await d.say('li', 'order submit SO-0001');
    const [approval] = await d.query<{ number: string }>(
      "select number from approvals where state = 'pending' order by id desc limit 1",
    );
    await d.say('wang', `approval approve ${approval!.number}`);
    const paidGroup = await d.say('zhao', 'order paid SO-0001 amount=3000', 'finance');
    expect(paidGroup.text).toContain('SO-0001');
    expect(paidGroup.text).not.toContain('3,000.00');
    expect(paidGroup.text).not.toContain('10,000.00');
    expect(paidGroup.text).toContain('¥•••');
    const paidOwn = await d.say('zhao', 'order paid SO-0001 amount=1000');
    expect(paidOwn.text).toContain('¥4,000.00');
    expect(paidOwn.text).toContain('¥10,000.00');
    // The refusal of too large an amount names no amount in a group either.
    const tooMuch = await d.say('zhao', 'order paid SO-0001 amount=99999', 'finance');
    expect(tooMuch.text).not.toContain('10,000.00');
    expect(tooMuch.text).not.toContain('103,999.00');
  });
});
