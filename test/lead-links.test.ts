// R-LEAD-5, through the console: a converted lead, the quote made from it and the order made from the quote
// point at each other (quotes.lead_id is filled), and the refusals write nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, type Msg, startDriver } from './helpers/console.ts';

let d: Driver;
beforeAll(async () => {
  d = await startDriver({ pglite: true });
  for (const p of ['li', 'chen', 'wang']) await d.say(p, 'me lang=en');
});
afterAll(() => d?.close());

const fieldOf = (m: Msg, name: string) => m.card?.fields.find((f) => f.label === name)?.value;
const quoteRows = () =>
  d.query<{ number: string; lead: string | null }>(
    `select q.number, l.number as lead from quotes q left join leads l on l.id = q.lead_id order by q.id`,
  );

async function convert(user: string, ref: string): Promise<void> {
  const ask = await d.say(user, `lead convert ${ref}`);
  const ok = ask.card!.actions.find((a) => a.id.startsWith('confirm:'))!;
  const r = await d.press(user, ask.id, ok.id);
  expect(r.replies[0]?.text).toMatch(new RegExp(`Lead ${ref} converted`));
}

async function approve(approval: string): Promise<void> {
  const card = (await d.messages('dm:wang')).findLast((m) => m.card?.title.includes(approval))!;
  const action = card.card!.actions.find((a) => a.id.startsWith('run:approval approve'))!;
  const r = await d.press('wang', card.id, action.id);
  expect(r.replies[0]?.text).toMatch(/now approved/);
}

describe('lead → quote → order', () => {
  it('a lead that is not a customer yet cannot be quoted: convert first; nothing is written', async () => {
    expect((await d.say('li', 'lead add name="Delta Co" source=online region=华东')).text).toContain(
      'L-0001',
    );
    const r = await d.say('li', 'quote new lead=L-0001 item="Sensor | X200 | 10 | 20"');
    expect(r.text).toMatch(/L-0001 is not a customer yet; convert it first \(lead convert L-0001\)/);
    expect(await quoteRows()).toEqual([]);
  });

  it('conversion points at quote new lead=…, and the quote made so names its lead', async () => {
    const ask = await d.say('li', 'lead convert L-0001');
    const ok = ask.card!.actions.find((a) => a.id.startsWith('confirm:'))!;
    const done = await d.press('li', ask.id, ok.id);
    expect(done.replies[0]?.text).toContain('Next: quote new lead=L-0001');
    // Another rep's lead is not theirs to quote from.
    expect((await d.say('chen', 'quote new lead=L-0001 item="Sensor | X200 | 10 | 20"')).text).toMatch(
      /L-0001 is not yours/,
    );
    const q = await d.say('li', 'quote new lead=L-0001 item="Sensor | X200 | 10 | 20" valid=+30d');
    expect(q.text).toMatch(/Quote Q-0001 drafted for C-0001 Delta Co: .* From lead L-0001\./);
    expect(await quoteRows()).toEqual([{ number: 'Q-0001', lead: 'L-0001' }]);
    expect(fieldOf(await d.say('li', 'quote show Q-0001'), 'From lead')).toBe('L-0001');
    // The lead's history names its quote.
    expect(
      await d.query(
        `select h.new_value from record_history h join leads l on l.id = h.entity_id
          where h.entity = 'lead' and l.number = 'L-0001' and h.field = 'quote'`,
      ),
    ).toEqual([{ new_value: 'Q-0001' }]);
  });

  it('a customer given with another customer’s lead is refused', async () => {
    expect((await d.say('li', 'customer add name="Other Co"')).text).toContain('C-0002');
    const r = await d.say('li', 'quote new lead=L-0001 customer=C-0002 item="Sensor | X200 | 1 | 20"');
    expect(r.text).toMatch(/L-0001 is of another customer than C-0002/);
    expect(await quoteRows()).toHaveLength(1);
  });

  it('the order made from the quote shows the chain, and lead show and quote show point at it', async () => {
    expect((await d.say('li', 'quote submit Q-0001')).text).toMatch(/A-0001/);
    await approve('A-0001');
    await d.say('li', 'quote send Q-0001');
    await d.say('li', 'quote feedback Q-0001 result=accepted');
    expect((await d.say('li', 'order new from=Q-0001 place=Hangzhou')).text).toContain('SO-0001');
    expect(fieldOf(await d.say('li', 'order show SO-0001'), 'From quote')).toBe('Q-0001 ← lead L-0001');
    const lead = await d.say('li', 'lead show L-0001');
    expect(fieldOf(lead, 'Quote')).toBe('Q-0001 (accepted) → order SO-0001 (draft)');
    expect(lead.text).toContain('Quote: Q-0001 (accepted) → order SO-0001 (draft)');
    expect(fieldOf(await d.say('li', 'quote show Q-0001'), 'Order')).toBe('SO-0001 (draft)');
  });

  it('quote new customer=… of a customer whose one converted lead has no quote is linked to it', async () => {
    await d.say('li', 'lead add name="Echo Co" source=referral');
    await convert('li', 'L-0002');
    const q = await d.say('li', 'quote new customer=C-0003 item="Gateway | G1 | 1 | 100"');
    expect(q.text).toMatch(/Q-0002 .* From lead L-0002\./);
    // That lead has its quote now: a second quote for the customer is not put on it.
    const again = await d.say('li', 'quote new customer=C-0003 item="Gateway | G1 | 2 | 100"');
    expect(again.text).not.toContain('From lead');
    expect(await quoteRows()).toEqual([
      { number: 'Q-0001', lead: 'L-0001' },
      { number: 'Q-0002', lead: 'L-0002' },
      { number: 'Q-0003', lead: null },
    ]);
  });

  it('zh: 报价 新建 线索=… works and the pages read in Chinese', async () => {
    await d.say('li', 'me lang=zh');
    await d.say('li', '线索 新增 名称=华星科技 来源=展会');
    const ask = await d.say('li', '线索 转化 L-0003');
    const ok = ask.card!.actions.find((a) => a.id.startsWith('confirm:'))!;
    const done = await d.press('li', ask.id, ok.id);
    expect(done.replies[0]?.text).toContain('下一步：报价 新建 线索=L-0003');
    const q = await d.say('li', '报价 新建 线索=L-0003 明细="传感器 | X200 | 5 | 30"');
    expect(q.text).toMatch(/已起草报价 Q-0004.*来源线索 L-0003。/s);
    expect(fieldOf(await d.say('li', '报价 查看 Q-0004'), '来源线索')).toBe('L-0003');
    expect(fieldOf(await d.say('li', '线索 查看 L-0003'), '报价')).toBe('Q-0004 (草稿)');
  });
});
