// Offboarding in one action (R-SEC-4), through the console API: li leaves, her open work goes to chen with
// its history, every identity of hers is refused and audited, refusals write nothing, reinstating gives
// access back but not the records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, type Msg, startDriver } from './helpers/console.ts';

let d: Driver;
const ids: Record<string, number> = {};

/** Every table an offboarding writes to, by row count, and who holds which role: a refusal changes none. */
const TABLES = [
  'people',
  'identities',
  'leads',
  'quotes',
  'orders',
  'reminders',
  'reminder_occurrences',
  'approvals',
  'approval_seats',
  'approval_events',
  'record_history',
  'audit_log',
  'outbox',
];
async function snapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const t of TABLES)
    out[t] = (await d.query<{ n: number }>(`select count(*)::int as n from ${t}`))[0]!.n;
  out.people_state = await d.query('select id, role, active from people order by id');
  out.owners = await d.query(
    `select 'lead' as t, number, owner_id from leads union all select 'quote', number, owner_id from quotes
     union all select 'order', number, owner_id from orders order by 1, 2`,
  );
  return out;
}

async function cardIn(chat: string, ref: string): Promise<Msg> {
  const card = (await d.messages(chat)).findLast((m) => m.card?.title.includes(ref));
  if (!card) throw new Error(`no card for ${ref} in ${chat}`);
  return card;
}

/** The step lines of an approval card as a chat shows it now (cards are re-rendered in place). */
async function stepsOf(chat: string, ref: string): Promise<string> {
  const steps = (await cardIn(chat, ref)).card!.fields.filter((f) => /^(Step|第)/.test(f.label));
  return steps.map((f) => f.value).join('\n');
}

const liOpenReminders = () =>
  d.query<{ number: string }>(
    `select number from reminders where state = 'active' and kind not in ('digest', 'approval', 'approval_escalation')
       and (created_by = ${ids.li} or target_person_id = ${ids.li}) order by number`,
  );

describe.each([
  ['PostgreSQL', false],
  ['PGlite', true],
])('admin offboard on %s', (_, pglite) => {
  beforeAll(async () => {
    d = await startDriver({ pglite });
    for (const p of ['li', 'chen', 'wang', 'zhao', 'wu', 'admin']) await d.say(p, 'me lang=en');
    for (const r of await d.query<{ id: number; handle: string }>('select id, handle from people'))
      ids[r.handle] = r.id;
    // li's open work: a lead, a quote waiting for approval, an order, reminders, and a seat on a correction.
    await d.say('li', 'customer add name="Acme Ltd" contact="Zhang Wei" phone=13800000000');
    await d.say(
      'li',
      'lead add customer=C-0001 source=expo desc="needs sensors" next="send catalogue" due=+3d',
    );
    await d.say('li', 'quote new customer=C-0001 item="Sensor | X200 | 10 | 35" valid=+30d');
    expect((await d.say('li', 'quote submit Q-0001')).text).toMatch(/A-0001/);
    await d.say(
      'li',
      'order new customer=C-0001 item="Gateway | G1 | 2 | 1200" delivery=+20d place=Shanghai payment="on delivery"',
    );
    await d.say('li', 'remind me tomorrow 09:00 "call Acme"');
    await d.say('li', 'remind @wang tomorrow 10:00 "check the stock"');
    // Finance reports a wrong number: the owning rep (li) or the sales manager decides.
    expect(
      (await d.say('zhao', 'customer correct C-0001 phone=13800000001 reason="number changed"')).text,
    ).toMatch(/A-0002/);
    const [seat] = await d.query<{ eligible: number[] }>(
      "select s.eligible from approval_seats s join approvals a on a.id = s.approval_id where a.number = 'A-0002'",
    );
    expect(seat!.eligible).toContain(ids.li);
    expect(await stepsOf('management', 'A-0002')).toMatch(/^⏳ .*Li Lei 李雷 (or|或) Wang Qiang 王强$/);
    expect((await liOpenReminders()).length).toBeGreaterThanOrEqual(3);
  });
  afterAll(() => d?.close());

  it('only an admin may offboard', async () => {
    const before = await snapshot();
    expect((await d.say('wang', 'admin offboard @li to=@chen')).text).toMatch(/may not use "admin offboard"/);
    const after = await snapshot();
    // The denial itself is audited, as every denial is; nothing else changes.
    expect({ ...after, audit_log: before.audit_log }).toEqual(before);
  });

  it('refusals answer clearly and write nothing', async () => {
    // An inactive person to hand over to, and a person nobody manages, made before the snapshot.
    expect((await d.say('admin', 'admin offboard @wu to=@chen')).text).toMatch(/Wu Min 吴敏 has left/);
    await d.say('temp', 'help');
    const before = await snapshot();
    const cases: [string, RegExp][] = [
      ['admin offboard @admin to=@chen', /cannot offboard yourself/],
      ['admin offboard @nobody to=@chen', /don't know @nobody/],
      ['admin offboard @wu to=@chen', /Wu Min 吴敏 has already left/],
      ['admin offboard @li to=@li', /cannot hand over to themselves/],
      ['admin offboard @li to=@ghost', /don't know @ghost/],
      ['admin offboard @li to=chen', /to= names one person/],
      ['admin offboard @li to=@wu', /Wu Min 吴敏 has left; hand over to someone who is still here/],
      ['admin offboard @li to=@zhao', /department head and may not own leads, quotes or orders/],
      // The Chinese words: 管理 离职 … 交接=
      ['管理 离职 @li 交接=@zhao', /may not own leads, quotes or orders/],
      ['admin offboard @temp', /I don't know .*'s manager. Say who takes over/],
      ['admin reinstate @li', /has not left/],
      ['admin role @wu head dept=service', /Wu Min 吴敏 has left; admin reinstate @wu/],
    ];
    for (const [text, answer] of cases) expect((await d.say('admin', text)).text, text).toMatch(answer);
    expect(await snapshot()).toEqual(before);
  });

  it('admin offboard @li to=@chen hands everything over in one go and says how much', async () => {
    const reminders = (await liOpenReminders()).map((r) => r.number);
    const reply = await d.say('admin', 'admin offboard @li to=@chen reason="left the company"');
    expect(reply.text).toContain('Li Lei 李雷 has left');
    expect(reply.text).toContain('Handed over to Chen Jing 陈静');
    for (const line of [
      '• leads: 1',
      '• quotes: 1',
      '• orders: 1',
      `• reminders: ${reminders.length}`,
      '• approval seats: 1',
      '• own requests waiting for approval: 1',
    ])
      expect(reply.text).toContain(line);

    // The records are chen's, each with a history row saying who moved it, why and when.
    const owners = await d.query<{ owner_id: number }>(
      "select owner_id from leads where number = 'L-0001' union all select owner_id from quotes where number = 'Q-0001' union all select owner_id from orders where number = 'SO-0001'",
    );
    expect(owners.map((o) => o.owner_id)).toEqual([ids.chen, ids.chen, ids.chen]);
    const history = await d.query<{
      entity: string;
      old_value: string;
      new_value: string;
      person_id: number;
    }>(
      `select entity, old_value, new_value, person_id from record_history
        where field = 'owner' and entity in ('lead', 'quote', 'order') and new_value = 'Chen Jing 陈静' order by entity`,
    );
    expect(history).toEqual(
      ['lead', 'order', 'quote'].map((entity) => ({
        entity,
        old_value: 'Li Lei 李雷',
        new_value: 'Chen Jing 陈静',
        person_id: ids.admin,
      })),
    );
    const why = await d.query<{ n: number }>(
      `select count(*)::int as n from record_history where field = 'handover_reason'
        and new_value = 'offboard: left the company' and person_id = ${ids.admin} and at > now() - interval '1 hour'`,
    );
    expect(why[0]!.n).toBe(3 + reminders.length);

    // Reminders: none left for or by li; the ones she had are chen's now.
    expect(await liOpenReminders()).toEqual([]);
    const moved = await d.query<{ target_person_id: number | null; created_by: number | null }>(
      `select target_person_id, created_by from reminders where number in (${reminders.map((n) => `'${n}'`).join(',')})`,
    );
    for (const r of moved) {
      expect([r.target_person_id, r.created_by]).not.toContain(ids.li);
      expect([r.target_person_id, r.created_by]).toContain(ids.chen);
    }

    // li's own request now belongs to chen, who hears its outcome.
    const [a1] = await d.query<{ requester_id: number }>(
      "select requester_id from approvals where number = 'A-0001'",
    );
    expect(a1!.requester_id).toBe(ids.chen);

    // li has no role and is inactive.
    const [li] = await d.query<{ role: string | null; active: boolean }>(
      `select role, active from people where id = ${ids.li}`,
    );
    expect(li).toEqual({ role: null, active: false });
  });

  it('chen gets one private summary with the numbers', async () => {
    const summaries = (await d.messages('dm:chen')).filter((m) =>
      m.text.includes("handed Li Lei 李雷's open work"),
    );
    expect(summaries).toHaveLength(1);
    const text = summaries[0]!.text;
    expect(text).toContain('left the company');
    expect(text).toContain('• leads: 1 (L-0001)');
    expect(text).toContain('• quotes: 1 (Q-0001)');
    expect(text).toContain('• orders: 1 (SO-0001)');
    expect(text).toContain('• approval seats: 1 (A-0002)');
    expect(text).toContain('• own requests waiting for approval: 1 (A-0001)');
  });

  it("li's seat on the correction is chen's: the card is re-rendered and chen may decide", async () => {
    const [seat] = await d.query<{ eligible: number[] }>(
      "select s.eligible from approval_seats s join approvals a on a.id = s.approval_id where a.number = 'A-0002'",
    );
    expect(seat!.eligible).toContain(ids.chen);
    expect(seat!.eligible).not.toContain(ids.li);
    // Every copy of the card names chen where it named li; chen got the card.
    for (const chat of ['management', 'dm:chen', 'dm:wang']) {
      expect(await stepsOf(chat, 'A-0002'), chat).toMatch(/^⏳ .*Chen Jing 陈静 (or|或) Wang Qiang 王强$/);
    }
    expect((await d.say('chen', 'approval approve A-0002')).text).toMatch(/approved/);
  });

  it('li is refused on every identity, and each refusal is audited', async () => {
    await d.query(
      `insert into identities (person_id, platform, tenant, external_id) values (${ids.li}, 'console', '', 'li-phone')`,
    );
    expect((await d.say('li', 'lead list')).text).toBe('Your access has been revoked.');
    expect((await d.say('li-phone', 'help')).text).toBe('Your access has been revoked.');
    const audited = await d.query<{ chat: string }>(
      `select detail->>'chat' as chat from audit_log where action = 'denied' and entity = 'person'
        and entity_ref = '${ids.li}' order by id`,
    );
    expect(audited.map((a) => a.chat)).toEqual(['dm:li', 'dm:li-phone']);
  });

  it('admin reinstate gives access back with the role held before, not the records', async () => {
    expect((await d.say('admin', 'admin reinstate @li')).text).toMatch(
      /Li Lei 李雷 has access again as sales rep/,
    );
    const [li] = await d.query<{ role: string; active: boolean }>(
      `select role, active from people where id = ${ids.li}`,
    );
    expect(li).toEqual({ role: 'sales_rep', active: true });
    expect((await d.say('li', 'lead list')).text).not.toMatch(/revoked/);
    const [lead] = await d.query<{ owner_id: number }>("select owner_id from leads where number = 'L-0001'");
    expect(lead!.owner_id).toBe(ids.chen);
  });

  it('without to= the work goes to the manager of the department; reinstate with role= sets that role', async () => {
    await d.say('li', 'lead add customer=C-0001 source=web desc="second project"');
    const reply = await d.say('admin', 'admin offboard @li');
    expect(reply.text).toContain('Handed over to Wang Qiang 王强');
    expect(reply.text).toContain('• leads: 1');
    const [lead] = await d.query<{ owner_id: number }>("select owner_id from leads where number = 'L-0002'");
    expect(lead!.owner_id).toBe(ids.wang);
    expect((await d.say('admin', 'admin reinstate @li role=sales_manager')).text).toMatch(/as sales manager/);
    const [li] = await d.query<{ role: string; active: boolean }>(
      `select role, active from people where id = ${ids.li}`,
    );
    expect(li).toEqual({ role: 'sales_manager', active: true });
  });
});
