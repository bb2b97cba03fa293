// Sharing scope (R-CUST-4, issue 20): `customer share` names the department and the fields, is recorded,
// and a person of that department then sees exactly those fields of that customer and no others; sharing
// again replaces the scope; `customer unshare` ends it; reads under a share are audited like any other.
// Through the console API, on PostgreSQL and on PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

const PHONE = '13912345678';
const NEED = 'ultrasonic flow probe';
const OTHER_PHONE = '13787654321';

describe.each([
  ['PostgreSQL', false],
  ['PGlite', true],
])('customer share scope on %s', (_name, pglite) => {
  let d: Driver;

  /** What wu (service head) sees of a customer in a private chat. */
  const wuSees = async (ref: string) => {
    const m = await d.say('wu', `customer show ${ref}`);
    return JSON.stringify({ text: m.text, card: m.card });
  };

  const countRows = async (table: string) =>
    Number((await d.query<{ n: string }>(`select count(*) as n from ${table}`))[0]!.n);

  beforeAll(async () => {
    d = await startDriver({ pglite });
    for (const who of ['li', 'chen', 'wu', 'zhao']) await d.say(who, 'me lang=en');
    await d.say('li', `customer add name="Scope Test Ltd" contact="Ms Hu" phone=${PHONE}`);
    await d.say('li', `customer need C-0001 spec="${NEED}" quantity=20`);
    await d.say('li', 'quote new customer=C-0001 item="Probe | P1 | 20 | 100"');
    await d.say('li', `customer add name="Unshared Co" contact="Mr Ma" phone=${OTHER_PHONE}`);
  });
  afterAll(() => d?.close());

  it('before any share, service sees none of the confidential parts', async () => {
    const seen = await wuSees('C-0001');
    expect(seen).toContain('Scope Test Ltd');
    expect(seen).not.toContain(PHONE);
    expect(seen).not.toContain(NEED);
    expect(seen).not.toContain('Q-0001');
    expect(seen).toContain('not shared with your department');
    // Still a read of customer information (policy 5.1), recorded with what was shown: the profile.
    const [read] = await d.query<{ detail: { fields: string[] } }>(
      "select a.detail from audit_log a join people p on p.id = a.person_id where p.handle = 'wu' and a.entity_ref = 'C-0001' and a.action = 'read.confidential' order by a.id desc limit 1",
    );
    expect(read?.detail.fields).toEqual(['profile']);
  });

  it('a share names department and fields; service then sees exactly those, of that customer only', async () => {
    const reply = await d.say('li', 'customer share C-0001 dept=service fields=contacts,history');
    expect(reply.text).toContain('C-0001 shared with');
    expect(reply.text).toContain('only these');
    // Recorded: the share row, the customer's history, the change audit, a note in the service chat.
    const [row] = await d.query<{ fields: string[] }>(
      "select s.fields from customer_shares s join departments d on d.id = s.department_id where d.code = 'service'",
    );
    expect(row!.fields).toEqual(['contacts', 'history']);
    const hist = await d.query<{ field: string; new_value: string }>(
      "select field, new_value from record_history where field = 'shared.service'",
    );
    expect(hist.map((h) => h.new_value)).toEqual(['contacts,history']);
    expect((await d.messages('service')).map((m) => m.text).join('\n')).toContain('C-0001');

    const seen = await wuSees('C-0001');
    expect(seen).toContain(PHONE);
    expect(seen).toContain('Q-0001');
    expect(seen).not.toContain(NEED);
    // Another customer is not shared: nothing of it.
    const other = await wuSees('C-0002');
    expect(other).not.toContain(OTHER_PHONE);
    // Another department (finance) gets nothing from a share with service.
    const finance = await d.say('zhao', 'customer show C-0001');
    expect(JSON.stringify(finance)).not.toContain(PHONE);
  });

  it('a read under the share is audited with the fields shown and the share it came through', async () => {
    const rows = await d.query<{ detail: { fields?: string[]; share?: string; chat?: string } }>(
      "select a.detail from audit_log a join people p on p.id = a.person_id where p.handle = 'wu' and a.entity_ref = 'C-0001' and a.action = 'read.confidential' order by a.id",
    );
    expect(rows.length).toBeGreaterThan(0);
    const last = rows.at(-1)!.detail;
    expect(last.share).toBe('service');
    expect(last.fields).toEqual(expect.arrayContaining(['contacts', 'history']));
    expect(last.fields).not.toContain('needs');
  });

  it('in the service group chat the shared contacts are masked', async () => {
    const m = await d.say('wu', 'customer show C-0001', 'service');
    const seen = JSON.stringify(m);
    expect(seen).not.toContain(PHONE);
    expect(seen).toContain('139****5678');
  });

  it('sharing again replaces the scope instead of adding to it (zh form)', async () => {
    const reply = await d.say('li', '客户 共享 C-0001 部门=客服 字段=需求');
    expect(reply.text).toContain('C-0001');
    const seen = await wuSees('C-0001');
    expect(seen).toContain(NEED);
    expect(seen).not.toContain(PHONE);
    expect(seen).not.toContain('Q-0001');
  });

  it('refuses, writing nothing: another rep, an unknown field, no department', async () => {
    const before = {
      shares: await countRows('customer_shares'),
      history: await countRows('record_history'),
      audit: await countRows(
        "audit_log where action not like 'read%' and action not like '%refused%' and action not like 'denied%'",
      ),
    };
    const other = await d.say('chen', 'customer share C-0001 dept=finance fields=contacts');
    expect(other.text).toContain('Only the owner of C-0001');
    const field = await d.say('li', 'customer share C-0001 dept=finance fields=salary');
    expect(field.text).toMatch(/fields/i);
    const noDept = await d.say('li', 'customer share C-0001 fields=contacts');
    expect(noDept.text).toContain('Say which department');
    expect(await countRows('customer_shares')).toBe(before.shares);
    expect(await countRows('record_history')).toBe(before.history);
    expect(
      await countRows(
        "audit_log where action not like 'read%' and action not like '%refused%' and action not like 'denied%'",
      ),
    ).toBe(before.audit);
  });

  it('unshare ends it: service sees nothing again; unsharing what is not shared says so and writes nothing', async () => {
    const reply = await d.say('li', 'customer unshare C-0001 dept=service');
    expect(reply.text).toContain('no longer shared');
    expect(await countRows('customer_shares')).toBe(0);
    const seen = await wuSees('C-0001');
    expect(seen).not.toContain(NEED);
    expect(seen).not.toContain(PHONE);
    const history = await countRows('record_history');
    const again = await d.say('li', 'customer unshare C-0001 dept=service');
    expect(again.text).toContain('nothing to end');
    expect(await countRows('record_history')).toBe(history);
  });
});
