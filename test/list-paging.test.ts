// Every list pages (page=2) and filters by the day a record was made (since=, until=) and by owner
// (owner=me|@li|none), with a footer naming the next page, in en and zh (issue 21, search); lists stay
// filtered by who may see what exactly as before; bad input is answered and nothing is read past it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

// Each record once, in the order listed (a footer or a "details" line may name one again).
const refs = (text: string, prefix: string) => [
  ...new Set([...text.matchAll(new RegExp(`${prefix}-\\d{4}`, 'g'))].map((m) => m[0])),
];

describe('list paging and filters', () => {
  let d: Driver;
  beforeAll(async () => {
    d = await startDriver();
    for (const who of ['li', 'chen', 'wang', 'zhou']) await d.say(who, 'me lang=en');
    await d.say('qian', 'me lang=zh');
    for (let i = 0; i < 23; i++)
      await d.say('li', `customer add name="Bulk Trading ${i}" contact="X ${i}" phone=1360000${1000 + i}`);
    await d.say('chen', 'customer add name="Chen One" contact=Y phone=13500001001');
    await d.say('chen', 'customer add name="Chen Two" contact=Y phone=13500001002');
    for (let i = 0; i < 21; i++) await d.say('li', `lead add customer=C-0001 source=expo desc="lead ${i}"`);
    await d.say('chen', 'lead add customer=C-0024 source=expo desc="chen lead"');
    await d.say('li', 'quote new customer=C-0001 item="Pump | P1 | 1 | 100" valid=2027-06-30');
    await d.say('chen', 'quote new customer=C-0024 item="Pump | P1 | 1 | 100" valid=2027-06-30');
    await d.say(
      'chen',
      'order new customer=C-0024 item="Pump | P1 | 1 | 100" delivery=2027-03-01 place=Suzhou payment="on delivery"',
    );
    await d.say('qian', 'intel add kind=industry title="Port fees up" share=sales');
    await d.say('qian', 'intel add kind=industry title="Steel prices down" share=sales');
    // When each was made, fixed so the test does not depend on today: the first five in October.
    await d.query(`
      update customers set created_at = case when id <= 5 then timestamptz '2026-10-15 10:00+08' else timestamptz '2026-11-20 10:00+08' end;
      update leads set created_at = timestamptz '2026-11-20 10:00+08';
      update quotes set created_at = timestamptz '2026-11-20 10:00+08';
      update orders set created_at = timestamptz '2026-11-20 10:00+08';
      update intel set created_at = case when number = 'I-0001' then timestamptz '2026-10-15 10:00+08' else timestamptz '2026-11-20 10:00+08' end;`);
  });
  afterAll(() => d?.close());

  it('customer list pages with a footer naming the next page, in en and zh', async () => {
    const first = (await d.say('wang', 'customer list')).text;
    expect(refs(first, 'C')).toHaveLength(20);
    expect(first).toContain('Customers (25, newest first)');
    expect(first).toContain('Page 1 of 2; next: customer list page=2');
    const second = (await d.say('wang', 'customer list page=2')).text;
    expect(refs(second, 'C')).toEqual(['C-0005', 'C-0004', 'C-0003', 'C-0002', 'C-0001']);
    expect(second).toContain('Page 2 of 2');
    expect(second).not.toContain('next:');
    const zh = (await d.say('qian', '客户 列表 名称=bulk')).text;
    expect(zh).toContain('第 1/2 页；下一页：客户 列表 名称=bulk 页=2');
    expect(refs((await d.say('qian', '客户 列表 名称=bulk 页=2')).text, 'C')).toHaveLength(3);
  });

  it('customer list filters by the day made and by owner', async () => {
    expect(refs((await d.say('wang', 'customer list since=2026-11-01')).text, 'C')).toHaveLength(20);
    expect(refs((await d.say('wang', 'customer list until=2026-10-15')).text, 'C')).toHaveLength(5);
    expect(refs((await d.say('wang', 'customer list until=2026-10-14')).text, 'C')).toHaveLength(0);
    expect(refs((await d.say('wang', 'customer list owner=@chen')).text, 'C')).toEqual(['C-0025', 'C-0024']);
    expect(refs((await d.say('chen', 'customer list owner=me since=2026-11-01')).text, 'C')).toHaveLength(2);
    expect((await d.say('wang', 'customer list owner=none')).text).toContain('No customers found');
    expect(refs((await d.say('qian', '客户 列表 负责人=@chen 起始=2026-11-01')).text, 'C')).toHaveLength(2);
  });

  it.each([
    ['customer list page=0', 'not a page number'],
    ['customer list page=x', 'not a page number'],
    ['customer list page=3', 'page=3 is past the end'],
    ['customer list since=2026-12-01 until=2026-11-01', 'is after until=2026-11-01'],
    ['customer list since=someday', 'since'],
    ['customer list owner=boss', 'owner= is me'],
    ['lead list page=5', 'past the end'],
    ['quote list until=soon', 'until'],
    ['order list page=-1', 'not a page number'],
    ['intel list owner=none', 'always has who recorded it'],
  ])('%s is answered', async (text, answer) => {
    const r = await d.say('wang', text);
    expect(r.text).toContain(answer);
    expect(r.text).not.toMatch(/-\d{4} {2}/);
  });

  it('zh refusals are in zh', async () => {
    expect((await d.say('qian', '客户 列表 页=9')).text).toContain('超出范围');
    expect((await d.say('qian', '客户 列表 起始=2026-12-01 截至=2026-11-01')).text).toContain('范围为空');
  });

  it('lead list pages within what a rep may see; a rep may not list another rep’s', async () => {
    const first = (await d.say('li', 'lead list')).text;
    expect(refs(first, 'L')).toHaveLength(20);
    expect(first).toContain('Page 1 of 2; next: lead list page=2');
    expect(refs((await d.say('li', 'lead list page=2')).text, 'L')).toEqual(['L-0001']);
    // chen's lead is not li's to see, on any page.
    expect((await d.say('li', 'lead list page=2')).text).not.toContain('L-0022');
    expect((await d.say('li', 'lead list owner=@chen')).text).toContain('You see your own leads');
    expect(refs((await d.say('wang', 'lead list owner=@chen since=2026-11-01')).text, 'L')).toEqual([
      'L-0022',
    ]);
    expect(refs((await d.say('wang', 'lead list until=2026-11-01')).text, 'L')).toEqual([]);
  });

  it('quote and order lists filter by owner and day, and a rep still sees only their own', async () => {
    expect(refs((await d.say('li', 'quote list')).text, 'Q')).toEqual(['Q-0001']);
    expect((await d.say('li', 'quote list owner=@chen')).text).toContain('You see your own quotes');
    expect(refs((await d.say('wang', 'quote list owner=@chen')).text, 'Q')).toEqual(['Q-0002']);
    expect(refs((await d.say('wang', 'quote list since=2026-11-21')).text, 'Q')).toEqual([]);
    expect(
      refs((await d.say('chen', 'order list owner=me since=2026-11-20 until=2026-11-20')).text, 'SO'),
    ).toEqual(['SO-0001']);
    expect((await d.say('li', 'order list owner=@chen')).text).toContain('You see your own orders');
    // A draft order is not released: logistics does not see it, filtered or not.
    expect((await d.say('zhou', 'order list since=2026-11-01')).text).toContain('No orders found');
  });

  it('intel list filters by recorder and day, among what the reader may read', async () => {
    const all = (await d.say('li', 'intel list')).text;
    expect(refs(all, 'I')).toEqual(['I-0002', 'I-0001']);
    expect(refs((await d.say('li', 'intel list since=2026-11-01')).text, 'I')).toEqual(['I-0002']);
    expect(refs((await d.say('li', 'intel list owner=@qian until=2026-10-31')).text, 'I')).toEqual([
      'I-0001',
    ]);
    expect(refs((await d.say('qian', '情报 列表 负责人=我')).text, 'I')).toHaveLength(2);
  });
});
