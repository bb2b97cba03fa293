// A customer's several contacts (R-CUST-1, issue 21): added, edited, removed and made primary by the owner
// or a sales manager, in en and zh, numbered as customer show lists them; refusals write nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

describe.each([
  ['PGlite', true],
  ['PostgreSQL', false],
])('customer contacts on %s', (_name, pglite) => {
  let d: Driver;
  const rows = () =>
    d.query<{ name: string; phone: string | null; title: string | null; is_primary: boolean }>(
      'select name, phone, title, is_primary from contacts order by id',
    );

  beforeAll(async () => {
    d = await startDriver({ pglite });
    for (const who of ['li', 'chen', 'wang']) await d.say(who, 'me lang=en');
    await d.say('li', 'customer add name="Contacts Co" contact="Ms Hu" phone=13900000001');
  });
  afterAll(() => d?.close());

  it('adds a second contact with a role, and customer show numbers them with the primary starred', async () => {
    const r = await d.say('li', 'customer contact add C-0001 name="Mr Gao" phone=13900000002 role=buyer');
    expect(r.text).toBe('Contact #2 Mr Gao added to C-0001.');
    expect(await rows()).toEqual([
      { name: 'Ms Hu', phone: '13900000001', title: null, is_primary: true },
      { name: 'Mr Gao', phone: '13900000002', title: 'buyer', is_primary: false },
    ]);
    const show = await d.say('li', 'customer show C-0001');
    expect(show.text).toContain('Contact #1 ★: Ms Hu');
    expect(show.text).toContain('Contact #2: Mr Gao (buyer)');
  });

  it('makes #2 primary, edits it, and in Chinese adds a third', async () => {
    expect((await d.say('li', 'customer contact primary C-0001 2')).text).toContain(
      "now C-0001's primary contact",
    );
    expect((await rows()).map((x) => x.is_primary)).toEqual([false, true]);
    const edit = await d.say('li', 'customer contact edit C-0001 2 phone=13900000022');
    expect(edit.text).toContain('changed: phone');
    await d.say('li', 'me lang=zh');
    const zh = await d.say('li', '客户 联系人 新增 C-0001 姓名=钱工 电话=13900000003 职位=技术 主要=是');
    expect(zh.text).toContain('#3 钱工');
    expect(zh.text).toContain('主要联系人');
    await d.say('li', 'me lang=en');
    expect((await rows()).map((x) => [x.name, x.is_primary])).toEqual([
      ['Ms Hu', false],
      ['Mr Gao', false],
      ['钱工', true],
    ]);
    const history = await d.query<{ field: string }>(
      "select field from record_history where entity = 'customer' and field like 'contact%' order by id",
    );
    expect(history.map((h) => h.field)).toEqual([
      'contact.2',
      'contact.primary',
      'contact.2.phone',
      'contact.3',
    ]);
  });

  it('removing the primary contact makes the first remaining one primary', async () => {
    const r = await d.say('li', 'customer contact remove C-0001 3');
    expect(r.text).toContain('The primary contact is now Ms Hu');
    expect((await rows()).map((x) => [x.name, x.is_primary])).toEqual([
      ['Ms Hu', true],
      ['Mr Gao', false],
    ]);
  });

  it('refuses, writing nothing: another rep, no contact means, a number that is not there, the last contact', async () => {
    const before = JSON.stringify(await rows());
    expect((await d.say('chen', 'customer contact add C-0001 name=X phone=13900000009')).text).toContain(
      'belongs to another rep',
    );
    expect((await d.say('li', 'customer contact add C-0001 name=X')).text).toContain(
      'Give a phone, an email or a fax',
    );
    expect((await d.say('li', 'customer contact edit C-0001 7 phone=13900000009')).text).toContain('1 to 2');
    expect((await d.say('li', 'customer contact fly C-0001')).text).toContain('add, edit, remove or primary');
    await d.say('wang', 'customer contact remove C-0001 2'); // a manager may
    expect((await d.say('li', 'customer contact remove C-0001 1')).text).toContain('only contact');
    expect((await rows()).map((x) => x.name)).toEqual(['Ms Hu']);
    expect(before).toContain('Mr Gao');
  });
});
