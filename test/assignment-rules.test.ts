// Lead assignment rules (R-LEAD-3) through the console: admins make rules by region, industry, source or
// round robin over a manager's team; the rules suggest a rep on the hand-over card and assign on `lead assign`
// without a name; round robin is fair over many assignments and under concurrent ones; with auto=on
// marketing's hand-overs are assigned at once; refusals write nothing (and a non-admin's is audited).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

const leadNo = (text: string) => /L-\d{4}/.exec(text)![0];

describe.each([
  ['PostgreSQL', false],
  ['PGlite', true],
])('assignment rules on %s', (_, pglite) => {
  let d: Driver;
  const owners = (numbers: string[]) =>
    d.query<{ number: string; owner: string | null }>(
      `select l.number, coalesce(p.handle, p.name) as owner from leads l left join people p on p.id = l.owner_id
        where l.number in (${numbers.map((n) => `'${n}'`).join(',')}) order by l.number`,
    );
  const writes = async () =>
    (
      await d.query<{ rules: number; audit: number; history: number; people: string }>(
        `select (select count(*)::int from assignment_rules) as rules,
                (select count(*)::int from audit_log where action <> 'denied') as audit,
                (select count(*)::int from record_history) as history,
                (select string_agg(id || ':' || coalesce(manager_id::text, '-'), ',' order by id) from people) as people`,
      )
    )[0]!;
  /** marketing hands a lead over; returns its number. */
  const handOver = async (keys: string) =>
    leadNo((await d.say('qian', `lead add name="P ${Math.random()}" ${keys}`)).text);

  beforeAll(async () => {
    d = await startDriver({ pglite });
    // A third rep: a new console user the admin gives a role.
    await d.say('zhang', 'help');
    await d.say('admin', 'admin role @zhang sales_rep dept=sales');
    for (const p of ['li', 'chen', 'wang', 'qian', 'admin', 'zhang']) await d.say(p, 'me lang=en');
  });
  afterAll(() => d?.close());

  it('refusals write nothing; a rep asking is refused and audited', async () => {
    const before = await writes();
    const cases: [string, string, RegExp][] = [
      ['admin', 'admin rule add region=华南', /Say who gets the leads/],
      ['admin', 'admin rule add region=华南 to=@qian', /Qian Hui 钱慧 is not in sales/],
      ['admin', 'admin rule add source=expo team=@li roundrobin', /is not a sales manager/],
      ['admin', 'admin rule add source=expo team=@wang roundrobin', /Nobody reports to Wang Qiang 王强 yet/],
      ['admin', 'admin rule add region=华南 to=@li roundrobin', /Round robin is over a team/],
      ['admin', 'admin rule add region=华南 to=@li team=@wang', /not both/],
      ['admin', 'admin rule add region=华南 to=li', /to= names one person/],
      ['admin', 'admin rule remove 99', /There is no rule #99/],
      ['admin', 'admin rule remove', /Say which rule/],
      ['admin', 'admin rule frobnicate', /not something admin rule does/],
      ['admin', 'admin rule add auto=on', /auto= goes alone/],
      ['admin', 'admin team @qian manager=@wang', /is not a sales rep/],
      ['admin', 'admin team @li manager=@chen', /Chen Jing 陈静 is not a sales manager/],
    ];
    for (const [who, text, answer] of cases) expect((await d.say(who, text)).text).toMatch(answer);
    expect(await writes()).toEqual(before);
    const denied = await d.query<{ n: number }>(
      `select count(*)::int as n from audit_log where action = 'denied' and detail->>'command' = 'admin rule'`,
    );
    expect((await d.say('li', 'admin rule list')).text).toMatch(/admin/i);
    expect((await d.say('wang', 'admin rule add region=华南 to=@li')).text).toMatch(/admin/i);
    expect((await d.say('li', 'admin team @li manager=@wang')).text).toMatch(/admin/i);
    const after = await d.query<{ n: number }>(
      `select count(*)::int as n from audit_log where action = 'denied' and detail->>'command' in ('admin rule', 'admin team')`,
    );
    expect(after[0]!.n - denied[0]!.n).toBe(3);
    expect(await writes()).toEqual(before);
    // Without a rule, lead assign needs a name: refused, nothing written.
    const lead = await handOver('source=online region=西北');
    const mid = await writes();
    expect((await d.say('wang', `lead assign ${lead}`)).text).toMatch(
      new RegExp(`No assignment rule gives ${lead} \\(region 西北, industry —, source online\\)`),
    );
    expect(await writes()).toEqual(mid);
    expect(await owners([lead])).toEqual([{ number: lead, owner: null }]);
  });

  it('suggests by region, industry and source; the most specific rule wins; lead assign without a name follows it', async () => {
    expect((await d.say('admin', 'admin rule add region=华南 to=@li')).text).toMatch(/Rule #1 added/);
    expect((await d.say('admin', '管理 分配规则 新增 行业=制造 给=@chen')).text).toMatch(/Rule #2 added/);
    expect((await d.say('admin', 'admin rule add region=华南 industry=制造 to=@zhang')).text).toMatch(/#3/);
    expect((await d.say('admin', 'admin rule add source=referral to=@chen')).text).toMatch(/#4/);
    // The same criteria twice: refused.
    expect((await d.say('admin', 'admin rule add region=华南 to=@chen')).text).toMatch(
      /Rule #1 already decides/,
    );

    const south = await handOver('source=online region=华南');
    const maker = await handOver('source=online industry=制造');
    const both = await handOver('source=online region="华南 " industry=制造');
    const referral = await handOver('source=referral');
    const card = (ref: string) =>
      d.messages('dm:wang').then((ms) => ms.findLast((m) => m.card?.title.includes(ref))!);
    expect((await card(south)).card!.note).toMatch(/^Suggested: Li Lei 李雷 \(rule #1 \(region=华南\)\)/);
    expect((await card(maker)).card!.note).toMatch(/Suggested: Chen Jing 陈静 \(rule #2 \(industry=制造\)\)/);
    expect((await card(both)).card!.note).toMatch(/Suggested: zhang \(rule #3/);
    expect((await card(referral)).card!.note).toMatch(
      /Suggested: Chen Jing 陈静 \(rule #4 \(source=referral\)\)/,
    );
    expect((await card(south)).card!.actions.map((a) => a.id)).toEqual([`run:lead assign ${south} @li`]);
    // lead show tells the manager too.
    expect((await d.say('wang', `lead show ${south}`)).text).toContain('Suggested rep: Li Lei 李雷 (rule #1');

    expect((await d.say('wang', `lead assign ${south}`)).text).toMatch(
      new RegExp(`${south} assigned to Li Lei 李雷 by rule #1 \\(region=华南\\); follow up by`),
    );
    // The Assign button on the card does the same.
    const pressed = await d.press('wang', (await card(maker)).id, `run:lead assign ${maker} @chen`);
    expect(pressed.replies[0]?.text).toMatch(new RegExp(`${maker} assigned to Chen Jing 陈静`));
    expect((await d.say('wang', `线索 分配 ${both}`)).text).toMatch(/assigned to zhang by rule #3/);
    // A name still decides: lead assign L-… @li works as before.
    expect((await d.say('wang', `lead assign ${referral} @li`)).text).toMatch(/assigned to Li Lei 李雷;/);
    expect(await owners([south, maker, both, referral])).toEqual(
      [
        { number: south, owner: 'li' },
        { number: maker, owner: 'chen' },
        { number: both, owner: 'zhang' },
        { number: referral, owner: 'li' },
      ].sort((a, b) => a.number.localeCompare(b.number)),
    );
    // The rep's card says which rule gave the lead, and the history records it.
    const liCard = (await d.messages('dm:li')).findLast((m) => m.card?.title.includes(south))!;
    expect(liCard.card!.fields.find((f) => f.label === 'Assigned by')?.value).toMatch(
      /Wang Qiang 王强 · rule #1/,
    );
    expect(
      await d.query(
        `select h.new_value from record_history h join leads l on l.id = h.entity_id
          where h.entity = 'lead' and l.number = '${south}' and h.field = 'assignment_rule'`,
      ),
    ).toEqual([{ new_value: '#1' }]);
    // The managers' hand-over card loses its button once assigned.
    expect((await card(south)).card!.actions).toEqual([]);
  });

  it('round robin over the manager’s team is fair over many assignments', async () => {
    expect((await d.say('admin', 'admin team @li @chen @zhang manager=@wang')).text).toMatch(
      /now report to Wang Qiang 王强\. Team: Li Lei 李雷, Chen Jing 陈静, zhang/,
    );
    expect((await d.say('admin', 'admin rule add source=expo team=@wang roundrobin')).text).toMatch(
      /Rule #5 added[\s\S]*#5 {2}source=trade show → round robin over Wang Qiang 王强's team \(Li Lei 李雷, Chen Jing 陈静, zhang\)/,
    );
    const leads: string[] = [];
    for (let i = 0; i < 9; i++) leads.push(await handOver('source=exhibition'));
    for (const l of leads) expect((await d.say('wang', `lead assign ${l}`)).text).toMatch(/by rule #5/);
    const got = (await owners(leads)).map((r) => r.owner);
    // In turn, by id: li, chen, zhang, li, …
    expect(got).toEqual(['li', 'chen', 'zhang', 'li', 'chen', 'zhang', 'li', 'chen', 'zhang']);
    // Naming the rep whose turn it is takes the turn; naming another does not.
    const [a, b, c] = [
      await handOver('source=expo'),
      await handOver('source=expo'),
      await handOver('source=expo'),
    ];
    await d.say('wang', `lead assign ${a} @li`); // li's turn: taken
    await d.say('wang', `lead assign ${b} @li`); // chen's turn: not taken
    expect((await d.say('wang', `lead assign ${c}`)).text).toMatch(/assigned to Chen Jing 陈静 by rule #5/);
    expect(
      await d.query(`select assigned_count, last_assignee_id = (select id from people where handle = 'chen') as chen
                       from assignment_rules where id = 5`),
    ).toEqual([{ assigned_count: 11, chen: true }]);
  });

  it('under concurrent assignments every member gets the same number of leads', async () => {
    const leads: string[] = [];
    for (let i = 0; i < 12; i++) leads.push(await handOver('source=expo'));
    const replies = await Promise.all(leads.map((l) => d.say('wang', `lead assign ${l}`)));
    for (const r of replies) expect(r.text).toMatch(/by rule #5/);
    const counts: Record<string, number> = {};
    for (const r of await owners(leads)) counts[r.owner!] = (counts[r.owner!] ?? 0) + 1;
    expect(counts).toEqual({ li: 4, chen: 4, zhang: 4 });
    expect(
      (await d.query<{ n: number }>('select assigned_count as n from assignment_rules where id = 5'))[0]!.n,
    ).toBe(23);
  });

  it('auto=on: marketing’s hand-over is assigned at once; a rule no longer matching leaves it to the manager', async () => {
    expect((await d.say('admin', 'admin rule auto=on')).text).toMatch(/assigned by the rules at once/);
    const r = await d.say('qian', 'lead add name="Auto Co" source=online region=华南 desc="wants 50"');
    const lead = leadNo(r.text);
    expect(r.text).toMatch(/Assigned by the rules to Li Lei 李雷; follow up by/);
    expect(await owners([lead])).toEqual([{ number: lead, owner: 'li' }]);
    expect(await d.query(`select status, assigned_by from leads where number = '${lead}'`)).toEqual([
      { status: 'assigned', assigned_by: null },
    ]);
    const liCard = (await d.messages('dm:li')).findLast((m) => m.card?.title.includes(lead))!;
    expect(liCard.card!.fields.find((f) => f.label === 'Assigned by')?.value).toMatch(
      /the rules \(automatic\) · rule #1/,
    );
    const wangNote = (await d.messages('dm:wang')).findLast((m) => m.text.includes(lead))!;
    expect(wangNote.text).toMatch(/Assigned to Li Lei 李雷 by rule #1/);
    expect(
      await d.query(
        `select count(*)::int as n from audit_log where action = 'lead.assign.auto' and entity_ref = '${lead}'`,
      ),
    ).toEqual([{ n: 1 }]);
    // No rule matches: it waits for the manager.
    const none = await d.say('qian', 'lead add name="Nobody Co" source=online region=西北');
    expect(none.text).toMatch(/The sales manager will assign it/);
    expect(await owners([leadNo(none.text)])).toEqual([{ number: leadNo(none.text), owner: null }]);
    // A rep's own lead is theirs, rules or not.
    const own = await d.say('chen', 'lead add name="Own Co" source=online region=华南');
    expect(await owners([leadNo(own.text)])).toEqual([{ number: leadNo(own.text), owner: 'chen' }]);
    // Off again: suggested, not assigned.
    await d.say('admin', '管理 分配规则 自动=关');
    const off = await d.say('qian', 'lead add name="Later Co" source=online region=华南');
    expect(await owners([leadNo(off.text)])).toEqual([{ number: leadNo(off.text), owner: null }]);
  });

  it('admin rule list and remove; a removed rule suggests nothing', async () => {
    const list = await d.say('admin', 'admin rule list');
    expect(list.text).toMatch(/^Assignment rules: 5\. Marketing's hand-overs are suggested/);
    expect(list.text).toContain('#1  region=华南 → Li Lei 李雷, used');
    expect((await d.say('admin', '管理 分配规则 删除 1')).text).toMatch(/Rule #1 removed/);
    expect((await d.say('admin', 'admin rule remove 1')).text).toMatch(/There is no rule #1/);
    const lead = await handOver('source=online region=华南');
    expect((await d.say('wang', `lead assign ${lead}`)).text).toMatch(/No assignment rule gives/);
    expect((await d.say('admin', 'admin rule')).text).toMatch(/Assignment rules: 4\./);
  });
});
