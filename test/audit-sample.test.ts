// audit sample (policy 6, supervision) through the console with a scripted clock: orders and customers in
// October and November, a supervisor's `audit sample 5 order 2026-11` picks only November's orders, is
// recorded with its seed, and `audit sample show S-0001` shows the same sample; the same seed draws the same
// records; bad input is answered and writes nothing; a rep is refused. On PostgreSQL and PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

const local = (s: string) => new Date(`${s}:00+08:00`);

describe.each([
  ['PostgreSQL', false],
  ['PGlite', true],
])('audit sample on %s', (_, pglite) => {
  let d: Driver;
  let now = local('2026-10-20T10:00');
  const made = { octOrders: [] as string[], novOrders: [] as string[], novCustomers: [] as string[] };

  async function order(customer: string) {
    const r = await d.say(
      'li',
      `order new customer=${customer} item="Gateway | G1 | 1 | 100" delivery=+20d place=Shanghai payment=cash`,
    );
    const ref = /SO-\d{4}/.exec(r.text)?.[0];
    if (!ref) throw new Error(r.text);
    return ref;
  }
  async function customer(name: string) {
    const r = await d.say('li', `customer add name="${name}"`);
    const ref = /C-\d{4}/.exec(r.text)?.[0];
    if (!ref) throw new Error(r.text);
    return ref;
  }
  const count = async (table: string) =>
    (await d.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0]!.n;
  const tally = async () => ({ samples: await count('audit_samples'), audit: await count('audit_log') });
  /** The record numbers a sample reply lists, in its order: "1. SO-0003 · Li Lei 李雷 · …". */
  const listed = (text: string) =>
    text
      .split('\n')
      .filter((l) => /^\d+\. /.test(l))
      .map((l) => /^\d+\. (\S+)/.exec(l)![1]!);

  beforeAll(async () => {
    d = await startDriver({ pglite, clock: () => now });
    for (const p of ['li', 'admin', 'xu']) await d.say(p, 'me lang=en');
    await d.say('admin', 'admin role @xu supervisor');
    const old = await customer('Old Co');
    for (let i = 0; i < 3; i++) made.octOrders.push(await order(old));
    for (let day = 2; day <= 8; day++) {
      now = local(`2026-11-${String(day).padStart(2, '0')}T10:00`);
      const c = await customer(`Client ${day}`);
      made.novCustomers.push(c);
      made.novOrders.push(await order(c));
    }
    // 1 December 00:30 in Shanghai (30 November in UTC) is December's.
    now = local('2026-12-01T00:30');
    await order(made.novCustomers[0]!);
    now = local('2026-12-02T10:00');
  });
  afterAll(() => d?.close());

  let seed = '';
  let picked: string[] = [];

  it('audit sample 5 order 2026-11 picks five of November’s orders and records them with the seed', async () => {
    const before = await tally();
    const r = await d.say('xu', 'audit sample 5 order 2026-11');
    const m =
      /^Sample (S-\d{4}): 5 of 7 orders created in 2026-11, picked with seed (\d+)\. Show it again: audit sample show \1$/m.exec(
        r.text,
      );
    expect(m, r.text).not.toBeNull();
    expect(m![1]).toBe('S-0001');
    seed = m![2]!;
    picked = listed(r.text);
    expect(picked).toHaveLength(5);
    expect(new Set(picked).size).toBe(5);
    for (const ref of picked) expect(made.novOrders).toContain(ref);
    const [row] = await d.query<{
      record_type: string;
      month: string;
      size: number;
      seed: string;
      population: number;
      picked: string[];
    }>(
      `select record_type, month, size, seed, population, picked from audit_samples where number = 'S-0001'`,
    );
    expect(row).toEqual({ record_type: 'order', month: '2026-11', size: 5, seed, population: 7, picked });
    const [audit] = await d.query<{ action: string; entity_ref: string }>(
      `select action, entity_ref from audit_log order by id desc limit 1`,
    );
    expect(audit).toEqual({ action: 'audit.sample', entity_ref: 'S-0001' });
    expect(await tally()).toEqual({ samples: before.samples + 1, audit: before.audit + 1 });
  });

  it('audit sample show S-0001 shows the same sample, drawn again from its seed', async () => {
    const r = await d.say('admin', 'audit sample show S-0001');
    expect(r.text.split('\n')[0]).toMatch(
      new RegExp(
        `^Sample S-0001 \\(.+, 2026-12-02 10:00\\): 5 of 7 orders created in 2026-11, seed ${seed}\\.$`,
      ),
    );
    expect(listed(r.text)).toEqual(picked);
    expect(r.text).toContain('Drawn again from the seed: the same records.');
    // The same seed picks the same records; keys work as well as bare words.
    const again = await d.say('xu', `audit sample n=5 type=order month=2026-11 seed=${seed}`);
    expect(again.text).toMatch(/^Sample S-0002: 5 of 7 orders/);
    expect(listed(again.text)).toEqual(picked);
  });

  it('another type and month: customers of November, none of October’s', async () => {
    const r = await d.say('xu', 'audit sample 3 customer 2026-11');
    expect(r.text).toMatch(/^Sample S-\d{4}: 3 of 7 customers created in 2026-11/);
    for (const ref of listed(r.text)) expect(made.novCustomers).toContain(ref);
    // A sample larger than the month takes all of it; by default it is last month's orders.
    const all = await d.say('xu', 'audit sample 50 order 2026-10');
    expect(listed(all.text).sort()).toEqual([...made.octOrders].sort());
    expect((await d.say('xu', 'audit sample')).text).toMatch(
      /^Sample S-\d{4}: 7 of 7 orders created in 2026-11/,
    );
  });

  it('bad input gets a clear answer and writes nothing', async () => {
    const before = await tally();
    const cases: [string, RegExp][] = [
      ['audit sample 0 order 2026-11', /^n=0 is not a sample size: 1 to 100\./],
      ['audit sample n=0', /^n=0 is not a sample size: 1 to 100\./],
      ['audit sample 101', /^n=101 is not a sample size/],
      [
        'audit sample 5 widget 2026-11',
        /^"widget" is not understood: give how many, the type \(order, customer/,
      ],
      ['audit sample type=widget', /"widget" is not valid: expected one of order, customer, lead, quote/],
      ['audit sample 5 order 2026-13', /^2026-13 is not a month: write it as 2026-11\./],
      ['audit sample month=2026-13', /month="2026-13" is not valid/],
      ['audit sample 5 order 2030-01', /^2030-01 has not begun yet\./],
      ['audit sample 5 5', /^The sample size is given twice\./],
      [
        'audit sample 5 order 2026-09',
        /^No orders were created in 2026-09: nothing to sample, nothing recorded\./,
      ],
      ['audit sample show S-9999', /^There is no sample S-9999\./],
      ['audit sample show X1', /^"X1" is not a sample number/],
    ];
    for (const [text, answer] of cases) expect((await d.say('xu', text)).text).toMatch(answer);
    expect(await tally()).toEqual(before);
  });

  it('a sales rep is refused (audited), and may not see a sample either', async () => {
    const before = await tally();
    expect((await d.say('li', 'audit sample 5 order 2026-11')).text).toMatch(
      /^A sales rep may not use "audit sample"/,
    );
    expect((await d.say('li', 'audit sample show S-0001')).text).toMatch(
      /^A sales rep may not use "audit sample"/,
    );
    const rows = await d.query<{ action: string }>(`select action from audit_log order by id desc limit 2`);
    expect(rows.map((r) => r.action)).toEqual(['denied', 'denied']);
    expect(await tally()).toEqual({ samples: before.samples, audit: before.audit + 2 });
  });

  it('speaks Chinese: 审计 抽查 5 订单 2026-11 and 审计 抽查 查看', async () => {
    await d.say('xu', 'me lang=zh');
    const r = await d.say('xu', '审计 抽查 5 订单 2026-11');
    expect(r.text).toMatch(/^抽查 S-\d{4}：从 2026-11 新建的 7 条订单中抽取 5 条，种子 \d+。/);
    const show = await d.say('xu', '审计 抽查 查看 S-0001');
    expect(listed(show.text)).toEqual(picked);
    expect(show.text).toContain('按种子重新抽取：结果一致。');
    expect((await d.say('xu', '审计 抽查 0')).text).toMatch(/^件数=0 无效：应为 1 到 100。/);
    await d.say('xu', 'me lang=en');
  });
});
