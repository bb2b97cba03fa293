// admin directory import on DingTalk (issue 21), against the fake DingTalk's server API (oapi): the adapter
// walks the departments level by level (topapi/v2/department/listsub), reads each one's people page by
// page (topapi/v2/user/list, 100 at a time), leaves out people who have not activated DingTalk, and the
// import creates them only on Confirm, in the bot's department their own or one above it is named after.
// An app without the contact permission is answered with what to grant, and nothing is written.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Ack, CardState } from './fakes/dingtalk/fake.ts';
import { type Harness, startHarness, until } from './fakes/dingtalk/harness.ts';

let h: Harness;
const ADMIN = 'manager123';
const DM = `cid_dm_${ADMIN}`;
const EAST = 3; // 华东销售组, below 销售部

/** Says something 1:1 and waits for the first new reply there (text or markdown). */
async function say(text: string): Promise<string> {
  const before = h.fake.sentTo(DM).length;
  const ack = await h.fake.robotMessage({ from: ADMIN, text });
  expect(ack.code).toBe(200);
  return (await until(() => h.fake.sentTo(DM)[before], 5000, `a reply to ${text}`)).text;
}

const count = async () =>
  (
    await h.query<{ n: number }>(
      `select (select count(*) from people) + (select count(*) from identities) as n`,
    )
  )[0]!.n;

/** The label of the button whose action starts with `prefix`. */
function button(card: CardState, prefix: string): string {
  for (let i = 1; i <= 4; i++)
    if (card.params[`btn${i}_show`] === 'true' && card.params[`btn${i}_action`]?.startsWith(prefix))
      return card.params[`btn${i}_label`]!;
  throw new Error(`no ${prefix} button on ${card.params.title}: ${JSON.stringify(card.params)}`);
}

const hint = (ack: Ack) =>
  (ack.data as { response?: { userPrivateData?: { cardParamMap?: { hint?: string } } } }).response
    ?.userPrivateData?.cardParamMap?.hint ?? '';

/** The whole preview the confirmation card stands for (the card itself shows its first 1,000 bytes). */
async function preview(): Promise<string> {
  const [row] = await h.query<{ summary: string }>(
    `select summary from confirmations order by id desc limit 1`,
  );
  return (JSON.parse(row!.summary) as { en: string }).en;
}

const userListCalls = (dept: number) =>
  h.fake.oapiCalls.filter((c) => c.path === '/topapi/v2/user/list' && c.body.dept_id === dept);

beforeAll(async () => {
  h = await startHarness({ env: { ADMINS: `dingtalk:${ADMIN}`, DINGTALK_GROUP_PER_MINUTE: '1000' } });
  await until(() => h.fake.openConnections === 1, 5000, 'the stream connection');
  const f = h.fake;
  f.addDepartment(2, '销售部');
  f.addDepartment(EAST, '华东销售组', 2);
  f.addDepartment(4, '市场部');
  f.addDepartment(5, '研发部');
  f.addMember({ userid: ADMIN, name: '管理员', dept_id_list: [1] });
  f.addMember({ userid: 'li', name: 'Li Lei 李雷', email: 'li@example.com', dept_id_list: [2] });
  f.addMember({ userid: 'qian', name: 'Qian Hui 钱慧', org_email: 'qian@corp.example', dept_id_list: [4] });
  f.addMember({ userid: 'chen', name: 'Chen Jing 陈静', dept_id_list: [4, 2] });
  f.addMember({ userid: 'xu', name: 'Xu Fang 徐芳', dept_id_list: [5] });
  f.addMember({ userid: 'zhang', name: 'Zhang Wei 张伟', dept_id_list: [EAST] });
  f.addMember({ userid: 'newbie', name: 'Not Yet 未激活', dept_id_list: [2], active: false });
  // Three pages of 华东销售组 (100 a page).
  for (let i = 0; i < 230; i++)
    f.addMember({ userid: `e${i}`, name: `East ${i}`, email: `e${i}@example.com`, dept_id_list: [EAST] });
  await say('me lang=en');
});
afterAll(async () => {
  // The adapter never sent a page size, cursor or department DingTalk would refuse.
  expect(h.fake.refusals.filter((r) => r.code === '400002' || r.code === '60003')).toEqual([]);
  await h?.close();
});

it('without the contact permission the admin is told what to grant, and nothing is written', async () => {
  h.fake.contactPermissions.delete('qyapi_get_member');
  try {
    const before = await count();
    const answer = await say('admin directory import');
    expect(answer).toMatch(/The directory cannot be read: the DingTalk app lacks the contact permissions/);
    expect(answer).toMatch(/成员信息读权限 \(qyapi_get_member\).*Nothing was imported/s);
    expect(h.fake.refusals.some((r) => r.code === '60011')).toBe(true);
    expect(await count()).toBe(before);
    expect(await h.query(`select 1 from confirmations`)).toEqual([]);
    await say('me lang=zh');
    expect(await say('管理 通讯录 导入')).toMatch(/无法读取通讯录：钉钉应用缺少通讯录权限.*未导入任何人员/s);
  } finally {
    h.fake.contactPermissions.add('qyapi_get_member');
    await say('me lang=en');
  }
});

it('previews the organisation, page by page, and creates on Confirm', async () => {
  const calls = h.fake.oapiCalls.length;
  await h.fake.robotMessage({ from: ADMIN, text: 'admin directory import' });
  const ask = await until(() => h.fake.cardIn(ADMIN, 'Please confirm'), 5000, 'the confirmation card');
  expect(ask.params.body).toMatch(/235 people to create, without a role .* 1 already known/);
  const text = await preview();
  expect(text).toMatch(/Li Lei 李雷 \(dingtalk:li\) → Sales/);
  expect(text).toMatch(/Qian Hui 钱慧 \(dingtalk:qian\) → Marketing/);
  expect(text).toMatch(/Xu Fang 徐芳 \(dingtalk:xu\)\n/);
  expect(text).toMatch(/match none of the bot's .*: 研发部/);
  expect(text).not.toMatch(/华东销售组|Not Yet/);
  // Every level of departments was asked for; 华东销售组 took three pages, each at most 100.
  const mine = h.fake.oapiCalls.slice(calls);
  expect(mine.filter((c) => c.path === '/topapi/v2/department/listsub').map((c) => c.body.dept_id)).toEqual([
    1, 2, 4, 5, 3,
  ]);
  expect(
    userListCalls(EAST)
      .slice(-3)
      .map((c) => [c.body.cursor, c.body.size]),
  ).toEqual([
    [0, 100],
    [100, 100],
    [200, 100],
  ]);
  expect(await h.query(`select 1 from identities where external_id = 'e0'`)).toEqual([]);

  const ack = await h.fake.click(ask.outTrackId, ADMIN, button(ask, 'confirm:'));
  expect(hint(ack)).toMatch(/Imported 235 people from the directory, without a role/);
  const rows = await h.query<{ external_id: string; email: string | null; code: string | null }>(
    `select i.external_id, p.email, d.code from identities i join people p on p.id = i.person_id
       left join departments d on d.id = p.department_id
       where i.platform = 'dingtalk' and i.external_id in ('li', 'qian', 'chen', 'xu', 'zhang', 'e229', 'newbie')
       order by i.external_id`,
  );
  expect(rows).toEqual([
    { external_id: 'chen', email: null, code: 'marketing' },
    { external_id: 'e229', email: 'e229@example.com', code: 'sales' },
    { external_id: 'li', email: 'li@example.com', code: 'sales' },
    { external_id: 'qian', email: 'qian@corp.example', code: 'marketing' },
    { external_id: 'xu', email: null, code: null },
    { external_id: 'zhang', email: null, code: 'sales' },
  ]);
  const [n] = await h.query<{ n: number }>(
    `select count(*)::int as n from identities i join people p on p.id = i.person_id
       where i.platform = 'dingtalk' and p.role is null and i.external_id like 'e%'`,
  );
  expect(n!.n).toBe(230);
  // The person the directory names is the one who writes later: no second person.
  await h.fake.robotMessage({ from: 'zhang', nick: 'Zhang Wei 张伟', text: 'me lang=en' });
  expect(
    (
      await h.query<{ n: number }>(`select count(*)::int as n from identities where external_id = 'zhang'`)
    )[0]!.n,
  ).toBe(1);
});

it('a second import changes nothing, and waits out DingTalk throttling on the way', async () => {
  const before = await count();
  const throttled = () => h.fake.refusals.filter((r) => r.code === '90018').length;
  h.fake.throttleNext('/topapi/v2/user/list', 2);
  const answer = await say('admin directory import');
  expect(answer).toMatch(/Nothing to import: everyone in the directory is known already/);
  expect(answer).toMatch(/0 people to create.*236 already known/s);
  expect(throttled()).toBeGreaterThanOrEqual(2);
  expect(await count()).toBe(before);
  expect(await h.query(`select 1 from audit_log where action = 'admin.directory.import'`)).toHaveLength(1);
});
