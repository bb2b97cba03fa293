// A person sees and does only what their role allows (R-SEC-1/2), and every refusal is audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

let d: Driver;
beforeAll(async () => {
  d = await startDriver({ env: { ADMINS: 'console:boss' } });
  for (const who of ['li', 'chen', 'wang', 'zhao', 'sun', 'qian', 'admin']) await d.say(who, 'me lang=en');
  await d.say('li', 'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000 email=lei@acme.test');
  await d.say('li', 'lead add customer=C-0001 source=expo desc="li lead"');
  await d.say('chen', 'lead add name="Chen Prospect" source=referral');
  await d.say('li', 'quote new customer=C-0001 item="Sensor | X200 | 10 | 35.5"');
  await d.say('li', 'order new customer=C-0001 item="Sensor | X200 | 10 | 35.5"');
});
afterAll(() => d?.close());

const count = async (table: string) =>
  Number((await d.query<{ n: string }>(`select count(*)::text as n from ${table}`))[0]!.n);

describe('role checks', () => {
  it.each([
    ['li', 'lead assign L-0001 @chen', /sales rep may not use "lead assign"/],
    ['zhao', 'quote new customer=C-0001 item="A | | 1 | 1"', /department head may not use "quote new"/],
    ['sun', 'customer add name=Nope', /may not use "customer add"/],
    ['li', 'admin role @chen sales_manager', /may not use "admin role"/],
    ['sun', 'quote show Q-0001', /may not use "quote show"/],
  ])('%s: %s is refused, audited, and changes nothing', async (who, text, answer) => {
    const before = await count('audit_log');
    const leads = await d.query(`select owner_id from leads order by id`);
    const r = await d.say(who, text);
    expect(r.text).toMatch(answer);
    expect(await d.query(`select owner_id from leads order by id`)).toEqual(leads);
    const [last] = await d.query<{ action: string }>(`select action from audit_log order by id desc limit 1`);
    expect(await count('audit_log')).toBe(before + 1);
    expect(last?.action).toBe('denied');
  });

  it('a person the bot has never seen has no role and is told to ask an admin', async () => {
    const r = await d.say('stranger', 'customer list');
    expect(r.text).toMatch(/没有角色|no role/);
    const [p] = await d.query<{ role: string | null }>(
      `select p.role from people p join identities i on i.person_id = p.id where i.external_id = 'stranger'`,
    );
    expect(p?.role).toBeNull();
  });

  it('ADMINS makes the first admins', async () => {
    await d.say('boss', 'me lang=en');
    const r = await d.say('boss', 'admin role @stranger member dept=finance');
    expect(r.text).toMatch(/is now department member in Finance/);
    expect((await d.say('stranger', 'customer list')).text).toContain('C-0001');
  });

  it('a rep cannot change another rep’s customer; the manager can', async () => {
    expect((await d.say('chen', 'customer update C-0001 phone=13800000009')).text).toMatch(
      /belongs to another rep/,
    );
    expect((await d.say('wang', 'customer update C-0001 address="1 Harbour Rd"')).text).toMatch(/updated/);
    const h = await d.query<{ field: string; new_value: string }>(
      `select field, new_value from record_history where entity = 'customer' and field = 'address'`,
    );
    expect(h).toEqual([{ field: 'address', new_value: '1 Harbour Rd' }]);
  });

  it('reps see their own leads and unassigned ones, not other reps’', async () => {
    const chen = (await d.say('chen', 'lead list')).text;
    expect(chen).toContain('L-0002');
    expect(chen).not.toContain('L-0001');
    const wang = (await d.say('wang', 'lead list')).text;
    expect(wang).toContain('L-0001');
    expect(wang).toContain('L-0002');
  });

  it('reps see only their own quotes', async () => {
    expect((await d.say('chen', 'quote show Q-0001')).text).toMatch(/another rep/);
    expect((await d.say('zhao', 'quote show Q-0001')).text).toContain('¥355.00');
  });

  it('production sees no draft order and no prices', async () => {
    expect((await d.say('sun', 'order show SO-0001')).text).toMatch(/cannot see SO-0001/);
    expect((await d.say('sun', 'order list')).text).not.toContain('SO-0001');
    // Until the manager approves, an order is the rep's draft: no other department sees it.
    expect((await d.say('zhao', 'order show SO-0001')).text).toMatch(/cannot see SO-0001 yet/);
    expect((await d.say('wang', 'order show SO-0001')).text).toContain('¥355.00');
  });
});

describe('confidential customer details', () => {
  it('sales sees contacts in a direct chat, masked in a group chat', async () => {
    const dm = await d.say('li', 'customer show C-0001');
    expect(dm.text).toContain('13800000000');
    expect(dm.text).toContain('lei@acme.test');
    const group = await d.say('li', 'customer show C-0001', 'sales');
    expect(group.text).toContain('138****0000');
    expect(group.text).not.toContain('13800000000');
    expect(group.text).not.toContain('lei@acme.test');
  });

  it('finance sees contacts only after they were shared with finance, and each read is audited', async () => {
    expect((await d.say('zhao', 'customer show C-0001')).text).not.toContain('1380000');
    expect((await d.say('chen', 'customer share C-0001 to=finance fields=contacts')).text).toMatch(
      /Only the owner/,
    );
    const shared = await d.say('li', 'customer share C-0001 to=finance fields=contacts');
    expect(shared.text).toMatch(/shared with Finance/);
    expect((await d.messages('finance')).some((m) => m.text.includes('C-0001'))).toBe(true);
    const before = await count(`audit_log where action = 'read.confidential'`);
    expect((await d.say('zhao', 'customer show C-0001')).text).toContain('13800000000');
    expect(await count(`audit_log where action = 'read.confidential'`)).toBe(before + 1);
    expect((await d.say('sun', 'customer show C-0001')).text).not.toContain('1380000');
  });
});

describe('market information levels', () => {
  it('confidential intel reaches only the departments it was shared with', async () => {
    await d.say(
      'qian',
      'intel add kind=competitor title="Rival price cut" body="X200 now 29.9" level=confidential share=sales,management',
    );
    expect((await d.say('admin', 'intel list')).text).toContain('X200 now 29.9');
    expect((await d.say('li', 'intel list')).text).toContain('X200 now 29.9');
    expect((await d.say('zhao', 'intel list')).text).not.toContain('Rival price cut');
    expect((await d.say('li', 'intel list', 'sales')).text).not.toContain('X200 now 29.9');
  });

  it('a tip from outside marketing goes to marketing to verify and is shared with nobody yet', async () => {
    const r = await d.say('sun', 'intel add kind=competitor title="Heard rival closes plant" share=sales');
    expect(r.text).toMatch(/went to marketing to verify/);
    expect((await d.messages('marketing')).some((m) => m.text.includes('Heard rival closes plant'))).toBe(
      true,
    );
    expect((await d.messages('sales')).some((m) => m.text.includes('Heard rival closes plant'))).toBe(false);
    expect((await d.say('li', 'intel list')).text).not.toContain('Heard rival');
  });
});
