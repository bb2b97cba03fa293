// Every record keeps its history (R-REC-1) and sales sees the whole order timeline (R-ORD-4, issue 21):
// order show carries the newest events, newest last, and says how many are earlier; `customer|lead|quote|
// order history` page through everything, newest first, with approval decisions and their notes and the
// departments' acknowledgements; confidential values follow core/visibility.ts as the show commands do.
// Through the console API, on PostgreSQL and on PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

const PROGRESS = 32;
const batch = (n: number) => `batch #${String(n).padStart(2, '0')}`;

describe.each([
  ['PostgreSQL', false],
  ['PGlite', true],
])('record history on %s', (_db, pglite) => {
  let d: Driver;
  const ok = async (user: string, text: string, expected: RegExp, chat?: string) => {
    const r = await d.say(user, text, chat);
    if (!expected.test(r.text)) throw new Error(`${user}: ${text} → ${r.text}`);
    return r.text;
  };
  const approvalOf = async (ref: string) =>
    (
      await d.query<{ number: string }>(
        `select number from approvals where subject_ref = '${ref}' and state = 'pending'`,
      )
    )[0]!.number;
  /** How many events SO-… has: its history rows and its approval decisions. */
  const eventsOf = async (ref: string) =>
    (
      await d.query<{ n: number }>(
        `select ((select count(*) from record_history h join orders o on o.id = h.entity_id
                  where h.entity = 'order' and o.number = '${ref}')
               + (select count(*) from approval_seats s join approvals a on a.id = s.approval_id
                  where a.subject_ref = '${ref}' and s.state in ('approved', 'rejected')))::int as n`,
      )
    )[0]!.n;

  beforeAll(async () => {
    d = await startDriver({ pglite });
    for (const who of ['li', 'chen', 'wang', 'zhao', 'sun']) await d.say(who, 'me lang=en');
    await ok('wang', 'me lang=zh', /./);
    await ok(
      'li',
      'customer add name="History Co" contact="Ms Bai" phone=13812345678 email=bai@hist.test',
      /C-0001/,
    );
    await ok('li', 'customer update C-0001 phone=13900001111 budget=500000', /updated/);
    // SO-0001: rejected once, approved, acknowledged, then many progress reports.
    await ok(
      'li',
      'order new customer=C-0001 item="Pump | P2 | 10 | 1000" delivery=2027-03-01 place=Suzhou payment="on delivery"',
      /SO-0001/,
    );
    await ok('li', 'order submit SO-0001', /A-\d{4}/);
    await ok('wang', `approval reject ${await approvalOf('SO-0001')} reason="price too low"`, /./);
    await ok('li', 'order submit SO-0001', /A-\d{4}/);
    await ok('wang', `approval approve ${await approvalOf('SO-0001')} note="ok at this price"`, /./);
    await ok('sun', 'order ack SO-0001 note="scheduled for week 50"', /Acknowledged/);
    await ok('zhao', 'order ack SO-0001', /Acknowledged/);
    for (let n = 1; n <= PROGRESS; n++)
      await ok('sun', `order progress SO-0001 note="${batch(n)}"`, /recorded/);
    // SO-0002: a short one, approved with a note and paid in part.
    await ok(
      'li',
      'order new customer=C-0001 item="Valve | V1 | 2 | 300" delivery=2027-04-01 place=Wuxi payment="on delivery"',
      /SO-0002/,
    );
    await ok('li', 'order submit SO-0002', /A-\d{4}/);
    await ok('wang', `approval approve ${await approvalOf('SO-0002')} note="fine, regular customer"`, /./);
    await ok('zhao', 'order paid SO-0002 amount=250', /recorded/);
    // A quote and a lead.
    await ok('li', 'quote new customer=C-0001 item="Gauge | G1 | 3 | 120" valid=2027-06-30', /Q-0001/);
    await ok('li', 'quote submit Q-0001', /A-\d{4}/);
    await ok('wang', `approval approve ${await approvalOf('Q-0001')} note="good margin"`, /./);
    await ok(
      'li',
      'lead add name="Prospect Wu" contact="Mr Wu" phone=13700000000 source=expo desc="pumps"',
      /L-0001/,
    );
    await ok('wang', 'lead assign L-0001 @li due=+3d', /./);
    await ok('li', 'lead follow L-0001 note="called; wants a quote"', /./);
  }, 240_000);
  afterAll(() => d?.close());

  describe('order show: the newest of the timeline', () => {
    it('shows the newest events, newest last, and how many are earlier with the command to page them', async () => {
      const total = await eventsOf('SO-0001');
      expect(total).toBeGreaterThan(30);
      const text = await ok('li', 'order show SO-0001', /Order SO-0001/);
      expect(text).toContain(batch(PROGRESS));
      expect(text.indexOf(batch(PROGRESS - 1))).toBeLessThan(text.indexOf(batch(PROGRESS)));
      expect(text).not.toContain(batch(1));
      expect(text).toContain(`${total - 20} earlier: order history SO-0001 page=2`);
    });

    it('approval decisions with their notes and acknowledgements per department are in time order', async () => {
      const text = await ok('li', 'order show SO-0002', /Order SO-0002/);
      const approved =
        /Wang Qiang 王强 · approved A-\d{4} \(order, Sales manager\): fine, regular customer/.exec(text);
      expect(approved).not.toBeNull();
      expect(text).not.toMatch(/earlier:/);
      const pending = text.indexOf('status: pending approval');
      const confirmed = text.indexOf('status: confirmed');
      expect(pending).toBeGreaterThan(-1);
      expect(pending).toBeLessThan(approved!.index);
      expect(approved!.index).toBeLessThan(confirmed);
      expect(text).toContain('paid so far: ¥250.00');
    });
  });

  describe('order history: the whole of it, paged', () => {
    it('page 1 is the newest twenty, newest first; the last page ends with its creation; rejections have their reason', async () => {
      const total = await eventsOf('SO-0001');
      const pages = Math.ceil(total / 20);
      const first = await ok('li', 'order history SO-0001', /History of SO-0001/);
      expect(first).toContain(`page 1 of ${pages}, ${total} entries`);
      expect(first.indexOf(batch(PROGRESS))).toBeLessThan(first.indexOf(batch(PROGRESS - 1)));
      expect(first).toContain('Earlier: order history SO-0001 page=2');
      expect(first.split('\n').filter((l) => l.includes(' · '))).toHaveLength(20);
      const last = await ok('li', `order history SO-0001 page=${pages}`, /History of SO-0001/);
      expect(last).toMatch(/· created$/m);
      expect(last).not.toContain('Earlier:');
      const all = [];
      for (let p = 1; p <= pages; p++) all.push(await ok('li', `order history SO-0001 page=${p}`, /History/));
      const everything = all.join('\n');
      expect(everything).toMatch(/rejected A-\d{4} \(order, [^)]*\): price too low/);
      expect(everything).toMatch(/approved A-\d{4} \(order, [^)]*\): ok at this price/);
      expect(everything).toContain('Production acknowledged: scheduled for week 50');
      expect(everything).toMatch(/Finance acknowledged$/m);
      for (let n = 1; n <= PROGRESS; n++) expect(everything).toContain(batch(n));
    });

    it('in Chinese: 订单 历史 … 页=2, field names in Chinese', async () => {
      const text = await ok('wang', '订单 历史 SO-0001 页=2', /SO-0001 的历史（第 2\//);
      expect(text).toContain('生产进度：');
      expect(text).toMatch(/页=3|更早/);
    });

    it('a bad page gets a clear answer', async () => {
      expect(
        await ok('li', 'order history SO-0001 page=0', /page=0 is not a page number/, undefined),
      ).toContain('order history SO-0001 page=2');
      expect(await ok('li', 'order history SO-0001 page=99', /page=99 is past the end/)).toMatch(
        /The last one: order history SO-0001 page=\d/,
      );
      expect(await ok('li', 'order history SO-0001 page=two', /not a page number/)).toBeTruthy();
      expect(await ok('wang', '订单 历史 SO-0001 页=99', /超出范围/)).toContain('最后一页');
    });

    it('the same permission as order show: another rep’s order is refused, amounts only for who may see them', async () => {
      await ok('chen', 'order history SO-0001', /cannot see SO-0001/);
      const production = await ok('sun', 'order history SO-0002', /History of SO-0002/);
      expect(production).toContain('paid so far: (not shown to you)');
      expect(production).not.toContain('250');
      expect(await ok('zhao', 'order history SO-0002', /History/)).toContain('paid so far: ¥250.00');
    });

    it('masked in a group chat, and only a private read is audited', async () => {
      const reads = async () =>
        (
          await d.query<{ n: number }>(
            `select count(*)::int as n from audit_log a join people p on p.id = a.person_id
             where a.action = 'read.confidential' and a.entity_ref = 'SO-0002' and p.handle = 'zhao'`,
          )
        )[0]!.n;
      const before = await reads();
      const group = await ok('zhao', 'order history SO-0002', /History/, 'finance');
      expect(group).toContain('paid so far: ¥•••');
      expect(group).not.toContain('250');
      expect(group).toMatch(/private chat/);
      expect(await reads()).toBe(before);
      await ok('zhao', 'order history SO-0002', /History/);
      expect(await reads()).toBe(before + 1);
    });
  });

  describe('customer history', () => {
    it('the owner sees who changed what, old → new; the read is audited as customer show audits it', async () => {
      const text = await ok('li', 'customer history C-0001', /History of C-0001/);
      expect(text).toContain('contact phone: 13812345678 → 13900001111');
      expect(text).toContain('budget: ¥500,000.00');
      expect(text).toMatch(/Li Lei 李雷 · created$/m);
      const [row] = await d.query<{ fields: string[] }>(
        `select detail->'fields' as fields from audit_log where action = 'read.confidential'
           and entity_ref = 'C-0001' order by id desc limit 1`,
      );
      expect(row!.fields).toEqual(expect.arrayContaining(['contacts', 'budget']));
    });

    it('in Chinese for the sales manager: 客户 历史', async () => {
      const text = await ok('wang', '客户 历史 C-0001', /C-0001 的历史/);
      expect(text).toContain('联系人电话：13812345678 → 13900001111');
      expect(text).toContain('预算：');
      expect(text).toMatch(/· 创建$/m);
    });

    it('another rep reads who changed what, but not the contacts or the budget', async () => {
      const text = await ok('chen', 'customer history C-0001', /History of C-0001/);
      expect(text).toContain('contact phone: (not shown to you)');
      expect(text).toContain('budget: (not shown to you)');
      for (const secret of ['13812345678', '13900001111', '500,000', 'Ms Bai'])
        expect(text).not.toContain(secret);
    });

    it('a correction: asked for with its reason, decided, and what it changed', async () => {
      await ok(
        'zhao',
        'customer correct C-0001 email=bai@new.test reason="new address from the invoice"',
        /A-\d{4}/,
      );
      await ok('li', `approval approve ${await approvalOf('C-0001')} note="checked with Ms Bai"`, /./);
      const text = await ok('li', 'customer history C-0001', /History of C-0001/);
      expect(text).toMatch(
        /Zhao Yun 赵云 · asked for approval A-\d{4} \(customer correction\): new address from the invoice/,
      );
      expect(text).toMatch(
        /Li Lei 李雷 · approved A-\d{4} \(customer correction, [^)]*\): checked with Ms Bai/,
      );
      expect(text).toContain('contact email: bai@hist.test → bai@new.test');
    });

    it('in a group chat contacts are masked as customer show masks them', async () => {
      const text = await ok('li', 'customer history C-0001', /History of C-0001/, 'sales');
      expect(text).toContain('contact phone: 138****5678 → 139****1111');
      expect(text).not.toContain('13900001111');
      expect(text).not.toContain('500,000');
      expect(text).toMatch(/private chat/);
    });
  });

  describe('quote and lead history', () => {
    it('quote history: statuses and the approval note, in en and zh; another rep is refused', async () => {
      const text = await ok('li', 'quote history Q-0001', /History of Q-0001/);
      expect(text).toContain('status: pending approval');
      expect(text).toMatch(/approved A-\d{4} \(quote, [^)]*\): good margin/);
      const zh = await ok('wang', '报价 历史 Q-0001', /Q-0001 的历史/);
      expect(zh).toMatch(/批准 A-\d{4}（报价，[^）]*）：good margin/);
      expect(zh).toContain('状态：待审批');
      await ok('chen', 'quote history Q-0001', /another rep's quote/);
    });

    it('lead history: assignment and follow-ups, in en and zh', async () => {
      const text = await ok('li', 'lead history L-0001', /History of L-0001/);
      expect(text).toContain('follow-up: called; wants a quote');
      expect(text).toMatch(/Wang Qiang 王强 · status: assigned/);
      const zh = await ok('wang', '线索 历史 L-0001', /L-0001 的历史/);
      expect(zh).toContain('跟进：called; wants a quote');
      expect(zh).toContain('状态：');
    });

    it('the verb has its aliases: 歷史 and 记录', async () => {
      await ok('wang', '线索 歷史 L-0001', /L-0001 的历史/);
      await ok('wang', '客户 记录 C-0001', /C-0001 的历史/);
    });
  });
});
