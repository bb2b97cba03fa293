// admin directory import (issue 21) through the console, whose adapter offers a sample directory: a preview
// of whom it would create, created only on Confirm, without roles and with the departments their names
// match; a known person's second account (same email) is not created; refusals write nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

let d: Driver;
const count = async () =>
  (
    await d.query<{ n: number }>(
      `select (select count(*) from people) + (select count(*) from identities) as n`,
    )
  )[0]!.n;

beforeAll(async () => {
  d = await startDriver();
  for (const p of ['li', 'admin']) await d.say(p, 'me lang=en');
});
afterAll(() => d?.close());

describe('admin directory import', () => {
  it('refuses non-admins and other words, writing nothing', async () => {
    const before = await count();
    expect((await d.say('li', 'admin directory import')).text).toMatch(/may not|admin/i);
    expect((await d.say('admin', 'admin directory export')).text).toMatch(
      /the directory can only be imported: admin directory import/,
    );
    expect((await d.say('admin', 'admin directory')).text).toMatch(/import/);
    expect(await count()).toBe(before);
  });

  it('previews, and Cancel creates nobody', async () => {
    const before = await count();
    const ask = await d.say('admin', 'admin directory import');
    const preview = ask.card!.fields[0]!.value;
    expect(preview).toMatch(/3 people to create, without a role .* 9 already known/);
    expect(preview).toMatch(/Liu Yang 刘洋 \(console:liuyang\) → Production/);
    expect(preview).toMatch(/He Ming 何明 \(console:heming\) → Logistics/);
    expect(preview).toMatch(/Xu Fang 徐芳 \(console:xu\)\n/);
    expect(preview).toMatch(/match none of the bot's .*: 研发部/);
    expect(preview).toMatch(/Not created, .*Li Lei \(new phone\) \(console:lilei\) ~ Li Lei 李雷/);
    const cancel = ask.card!.actions.find((a) => a.id.startsWith('cancel:'))!;
    await d.press('admin', ask.id, cancel.id);
    expect(await count()).toBe(before);
  });

  it('on Confirm creates them without roles, in their departments; a second run has nothing to do', async () => {
    const ask = await d.say('admin', 'admin directory import');
    const confirm = ask.card!.actions.find((a) => a.id.startsWith('confirm:'))!;
    const r = await d.press('admin', ask.id, confirm.id);
    expect(r.replies[0]!.text).toMatch(/Imported 3 people from the directory, without a role/);
    const rows = await d.query<{ external_id: string; role: string | null; code: string | null }>(
      `select i.external_id, p.role, d.code from identities i join people p on p.id = i.person_id
         left join departments d on d.id = p.department_id
         where i.external_id in ('liuyang', 'heming', 'xu', 'lilei') order by i.external_id`,
    );
    expect(rows).toEqual([
      { external_id: 'heming', role: null, code: 'logistics' },
      { external_id: 'liuyang', role: null, code: 'production' },
      { external_id: 'xu', role: null, code: null },
    ]);
    expect(await d.query(`select 1 from audit_log where action = 'admin.directory.import'`)).toHaveLength(1);
    // They are the people the directory names when they write: no second person.
    expect((await d.say('liuyang', 'me')).text).toMatch(/Liu Yang 刘洋：尚无角色.*生产部/);
    const again = await d.say('admin', 'admin directory import');
    expect(again.text).toMatch(/Nothing to import/);
    expect(again.card).toBeUndefined();
  });

  it('in Chinese', async () => {
    await d.say('admin', 'me lang=zh');
    try {
      expect((await d.say('admin', '管理 通讯录 导入')).text).toMatch(/没有需要导入的人员/);
    } finally {
      await d.say('admin', 'me lang=en');
    }
  });
});
