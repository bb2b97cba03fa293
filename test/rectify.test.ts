// Rectification notices (整改通知, issue 14, policy 6) through the console API with a scripted clock: a
// supervisor issues one, the person accepts and marks it done, the supervisor reopens it and later closes
// it; the card's buttons refuse the wrong person (audited); reminders before the deadline and the
// escalation to management fire through the reminder machinery; bad arguments write nothing; the month's
// figures for the monthly assessment. On PostgreSQL and PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rectifySummary } from '../src/rectify/summary.ts';
import { fireOccurrence } from '../src/schedule/fire.ts';
import { type Driver, type Msg, startDriver } from './helpers/console.ts';

/** Monday 1 March 2027, 10:00 in Shanghai: after the real time, so the queue fires nothing by itself. */
const START = new Date('2027-03-01T02:00:00Z');
const HOUR = 3600_000;

describe.each([
  ['PostgreSQL', false],
  ['PGlite', true],
])('rectification notices on %s', (_, pglite) => {
  let d: Driver;
  let now = START;
  beforeAll(async () => {
    d = await startDriver({ pglite, clock: () => now });
    for (const p of ['li', 'chen', 'wang', 'zhao', 'admin']) await d.say(p, 'me lang=en');
    await d.say('xu', 'me lang=en');
    await d.say('admin', 'admin role @xu supervisor');
    await d.say('li', 'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000');
  });
  afterAll(() => d?.close());

  const count = async (table: string) =>
    (await d.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0]!.n;
  const tally = async () => ({
    notices: await count('rectify_notices'),
    events: await count('rectify_events'),
    reminders: await count('reminders'),
    outbox: await count('outbox'),
  });
  const notice = async (number: string) =>
    (
      await d.query<{ state: string; overdue: boolean; responsible: string }>(
        `select n.state, n.overdue_at is not null as overdue, p.handle as responsible
         from rectify_notices n join people p on p.id = n.responsible_id where n.number = '${number}'`,
      )
    )[0];
  const occurrences = (number: string, kind: string) =>
    d.query<{ id: number; due_at: Date; state: string }>(
      `select o.id::int as id, o.due_at, o.state from reminder_occurrences o join reminders r on r.id = o.reminder_id
       where r.subject_type = 'rectify' and r.subject_ref = '${number}' and r.kind = '${kind}' order by o.due_at, o.id`,
    );
  /** The newest card in a chat about `ref`, once delivery has put it there. */
  async function cardIn(chat: string, ref: string, has?: string): Promise<Msg> {
    for (let i = 0; i < 100; i++) {
      const card = (await d.messages(chat)).findLast(
        (m) => m.card?.title.includes(ref) && (!has || m.card.actions.some((a) => a.id.includes(has))),
      );
      if (card) return card;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no card for ${ref} in ${chat}`);
  }
  async function textIn(chat: string, pattern: RegExp): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const m = (await d.messages(chat)).findLast((x) => pattern.test(x.text));
      if (m) return m.text;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nothing like ${pattern} in ${chat}`);
  }
  async function press(user: string, card: Msg, verb: string, values?: Record<string, string>) {
    const action = card.card!.actions.find((a) => a.id.includes(`rectify ${verb} `));
    if (!action) throw new Error(`no ${verb} on ${JSON.stringify(card.card)}`);
    const res = await fetch(`${d.app.url}/console/api/actions`, {
      method: 'POST',
      headers: d.headers,
      body: JSON.stringify({ user, messageId: card.id, actionId: action.id, ...(values ? { values } : {}) }),
    });
    const json = (await res.json()) as { replies: Msg[] };
    return json.replies[0]!.text;
  }

  let r1 = '';
  let r2 = '';

  it('bad arguments and a rep are refused, writing nothing but the audit of the refusal', async () => {
    // logistics has a head in the demo (zhou): make the department headless for one case.
    await d.say('admin', 'admin role @zhou member dept=logistics');
    const before = await tally();
    const cases: [string, RegExp][] = [
      ['rectify new record=C-0001 issue="x" due=+5d', /Say who must fix it/],
      ['rectify new @li dept=finance issue="x" due=+5d', /Say who must fix it/],
      ['rectify new @li record=C-9999 issue="x" due=+5d', /There is no record C-9999/],
      ['rectify new @li record=XX-1 issue="x" due=+5d', /not a record number/],
      ['rectify new @li issue="x" due=2027-02-01', /past|passed/i],
      ['rectify new @li issue="x"', /due= is required/],
      ['rectify new @nobody issue="x" due=+5d', /don't know @nobody/],
      ['rectify new dept=logistics issue="x" due=+5d', /Logistics has no head|has no head/],
      ['rectify close R-9999 note=x', /There is no rectification notice R-9999/],
    ];
    for (const [text, answer] of cases) expect((await d.say('xu', text)).text).toMatch(answer);
    const rep = await d.say('li', 'rectify new @chen issue="x" due=+5d');
    expect(rep.text).toMatch(/may not use "rectify new"/);
    const [denied] = await d.query<{ action: string; entity: string }>(
      `select action, entity from audit_log order by id desc limit 1`,
    );
    expect(denied).toEqual({ action: 'denied', entity: 'rectify' });
    expect(await tally()).toEqual(before);
    await d.say('admin', 'admin role @zhou head dept=logistics');
  });

  it('a supervisor issues a notice: numbered, a card to the person with Accept and Done, reminders set', async () => {
    const r = await d.say('xu', 'rectify new @li record=c-1 issue="address missing" due=+5d');
    r1 = /R-\d{4}/.exec(r.text)![0];
    expect(r.text).toContain(`Rectification notice ${r1} issued to Li Lei 李雷, due 2027-03-06 18:00`);
    expect(await notice(r1)).toEqual({ state: 'open', overdue: false, responsible: 'li' });
    const card = await cardIn('dm:li', r1);
    expect(card.card!.fields).toContainEqual({ label: 'Record', value: 'C-0001' });
    expect(card.card!.fields).toContainEqual({ label: 'Issue', value: 'address missing' });
    expect(card.card!.actions.map((a) => a.label)).toEqual(['Accept', 'Done']);
    // The mornings before and of the deadline: Friday 5th 09:00; Saturday's own morning would move to
    // Monday, past the deadline, so there is none.
    const before = await occurrences(r1, 'rectify');
    expect(before.map((o) => new Date(o.due_at).toISOString())).toEqual(['2027-03-05T01:00:00.000Z']);
    const at = await occurrences(r1, 'rectify_overdue');
    expect(at.map((o) => new Date(o.due_at).toISOString())).toEqual([
      '2027-03-06T10:00:00.000Z',
      '2027-03-06T10:00:00.000Z',
    ]);
  });

  it('the wrong person pressing Accept is refused and audited; the right one accepts', async () => {
    const card = await cardIn('dm:li', r1, 'accept');
    expect(await press('chen', card, 'accept')).toMatch(/not yours to accept/);
    const [denied] = await d.query<{ action: string; entity_ref: string }>(
      `select action, entity_ref from audit_log where entity = 'rectify' order by id desc limit 1`,
    );
    expect(denied).toEqual({ action: 'denied', entity_ref: r1 });
    expect((await notice(r1))!.state).toBe('open');
    now = new Date(START.getTime() + HOUR);
    expect(await press('li', card, 'accept')).toMatch(`${r1} accepted`);
    expect((await notice(r1))!.state).toBe('accepted');
    expect((await cardIn('dm:li', r1)).card!.actions.map((a) => a.label)).toEqual(['Done']);
  });

  it('the reminder before the deadline says what is due, computed when it fires', async () => {
    const [first] = await occurrences(r1, 'rectify');
    const at = new Date(first!.due_at);
    expect(await fireOccurrence(d.app.database.db, first!.id, at)).toBe('fired');
    await d.app.delivery.drain();
    const text = await textIn(
      'dm:li',
      new RegExp(`Rectification ${r1} \\(C-0001: address missing\\) is due`),
    );
    expect(text).toContain('is due 2027-03-06 18:00 (in about 33 h)');
  });

  it('Done goes to the supervisor’s check; a rep cannot close it; Reopen sends it back', async () => {
    now = new Date(START.getTime() + 2 * HOUR);
    expect((await d.say('li', `rectify done ${r1} note="address added"`)).text).toMatch(/marked done/);
    expect((await notice(r1))!.state).toBe('done');
    // Its reminders stand down.
    const left = [...(await occurrences(r1, 'rectify')), ...(await occurrences(r1, 'rectify_overdue'))];
    expect(left.filter((o) => o.state === 'scheduled')).toEqual([]);
    const xuCard = await cardIn('dm:xu', r1, 'close');
    expect(xuCard.card!.actions.map((a) => a.label)).toEqual(['Close (checked)', 'Reopen']);
    expect(await press('li', xuCard, 'close', { note: 'fine' })).toMatch(/may not use "rectify close"/);
    expect((await notice(r1))!.state).toBe('done');
    now = new Date(START.getTime() + 3 * HOUR);
    expect(await press('xu', xuCard, 'reopen', { note: 'postcode still missing' })).toMatch(/reopened/);
    expect((await notice(r1))!.state).toBe('accepted');
    expect(await textIn('dm:li', /sent back/)).toContain('postcode still missing');
    // Reminders are set again for the same deadline.
    expect((await occurrences(r1, 'rectify_overdue')).filter((o) => o.state === 'scheduled')).toHaveLength(2);
  });

  it('tracked to closure, with its history of who did what when', async () => {
    now = new Date(START.getTime() + 4 * HOUR);
    await d.say('li', `rectify done ${r1}`);
    expect((await d.say('xu', `rectify close ${r1}`)).text).toMatch(/note= is required/);
    now = new Date(START.getTime() + 5 * HOUR);
    expect((await d.say('xu', `rectify close ${r1} note="checked on C-0001"`)).text).toBe(
      `${r1} closed, 5 h after it was issued.`,
    );
    expect((await notice(r1))!.state).toBe('closed');
    expect((await d.say('xu', `rectify close ${r1} note=again`)).text).toMatch(/is closed/);
    const show = await d.say('xu', `rectify show ${r1}`);
    const history = show.text.split('History:\n')[1]!.split('\n');
    const [{ name: xu } = { name: '' }] = await d.query<{ name: string }>(
      `select name from people where handle = 'xu' or id = (select person_id from identities where external_id = 'xu')`,
    );
    expect(history).toEqual([
      `  2027-03-01 10:00 · ${xu} · issued: address missing`,
      '  2027-03-01 11:00 · Li Lei 李雷 · accepted',
      '  2027-03-01 12:00 · Li Lei 李雷 · marked done: address added',
      `  2027-03-01 13:00 · ${xu} · reopened: postcode still missing`,
      '  2027-03-01 14:00 · Li Lei 李雷 · marked done',
      `  2027-03-01 15:00 · ${xu} · closed after checking: checked on C-0001`,
    ]);
    expect(show.card!.actions).toEqual([]);
    // Another department's head may not see it (audited), in Chinese too.
    await d.say('zhao', 'me lang=zh');
    expect((await d.say('zhao', `整改 查看 ${r1}`)).text).toBe(`${r1} 不是您或您部门的整改通知。`);
    await d.say('zhao', 'me lang=en');
    const [denied] = await d.query<{ action: string; entity_ref: string }>(
      `select action, entity_ref from audit_log where entity = 'rectify' order by id desc limit 1`,
    );
    expect(denied).toEqual({ action: 'denied', entity_ref: r1 });
  });

  it('a notice to a department goes to its head; past its deadline management is told and it is overdue', async () => {
    const r = await d.say('xu', '整改 新建 部门=财务 问题="付款条款缺失" 期限=+1d');
    r2 = /R-\d{4}/.exec(r.text)![0];
    expect(r.text).toMatch(/^Rectification notice R-\d{4} issued to Zhao Yun 赵云/);
    expect(await notice(r2)).toEqual({ state: 'open', overdue: false, responsible: 'zhao' });
    const card = await cardIn('dm:zhao', r2);
    expect(card.card!.fields).toContainEqual({ label: 'To', value: 'Finance (head Zhao Yun 赵云)' });
    // Two days later, not done: the escalation fires to management and to the supervisor.
    now = new Date(START.getTime() + 48 * HOUR);
    for (const o of await occurrences(r2, 'rectify_overdue'))
      expect(await fireOccurrence(d.app.database.db, o.id, now)).toBe('fired');
    await d.app.delivery.drain();
    // The management chat reads Chinese (the organisation's language); the supervisor, English.
    const told = await textIn('management', new RegExp(`整改 ${r2}`));
    expect(told).toContain(
      `⚠️ 整改 ${r2}（付款条款缺失）整改人 Zhao Yun 赵云，期限 2027-03-02 18:00，尚未完成（已下发，待接收）。`,
    );
    await textIn('dm:xu', new RegExp(`Rectification ${r2} .* is not done`));
    expect(await notice(r2)).toEqual({ state: 'open', overdue: true, responsible: 'zhao' });
    const events = await d.query<{ kind: string }>(
      `select e.kind from rectify_events e join rectify_notices n on n.id = e.notice_id where n.number = '${r2}' order by e.id`,
    );
    expect(events.map((e) => e.kind)).toEqual(['new', 'overdue']);
    expect((await cardIn('dm:zhao', r2)).card!.title).toMatch(/^⚠️/);
    const list = await d.say('xu', 'rectify list overdue');
    expect(list.text).toMatch(/^Rectification notices: 1 open, 1 overdue, 0 waiting for a check\./);
    expect(list.text).toContain(`⚠️ ${r2} · 付款条款缺失 · Zhao Yun 赵云 (Finance) · due 2027-03-02 18:00`);
    expect(list.text).not.toContain(r1);
    expect((await d.say('xu', 'rectify list all')).text).toContain(r1);
    // The head sees their department's; a rep sees only their own.
    expect((await d.say('zhao', 'rectify list')).text).toContain(r2);
    expect((await d.say('chen', 'rectify list all')).text).toBe('No rectification notices (all).');
    expect((await d.say('xu', 'rectify list later')).text).toMatch(/is not a list: open, overdue or all/);
  });

  it("the month's figures for the assessment: opened, closed, overdue, closure hours", async () => {
    const m = await rectifySummary(d.app.database.db, '2027-03', 'Asia/Shanghai');
    expect(m.total).toEqual({
      opened: 2,
      closed: 1,
      closedOnTime: 1,
      overdue: 1,
      openAtEnd: 1,
      overdueAtEnd: 1,
      closeHoursMedian: 5,
      closeHoursMean: 5,
    });
    expect(m.byDepartment.map((x) => [x.code, x.opened, x.closed, x.overdue])).toEqual([
      ['finance', 1, 0, 1],
      ['sales', 1, 1, 0],
    ]);
    expect(m.byPerson.map((x) => [x.name, x.opened, x.closed, x.closeHoursMedian])).toEqual([
      ['Li Lei 李雷', 1, 1, 5],
      ['Zhao Yun 赵云', 1, 0, null],
    ]);
    const feb = await rectifySummary(d.app.database.db, '2027-02', 'Asia/Shanghai');
    expect(feb.total.opened + feb.total.closed + feb.byPerson.length).toBe(0);
  });
});
