// admin directory import on Feishu (issue 21), through the real @larksuiteoapi/node-sdk against the fake
// Feishu's contact API: every department below the root in pages of 50 (contact.v3.department.children,
// fetch_child), each department's direct members in pages of 50 (contact.v3.user.findByDepartment), by
// open_id; people in several departments once, frozen or departed people left out; created only on
// Confirm (a card button), in the bot's department their first one or one above it is named after. A
// missing contact scope (99991672) or a contact range that leaves departments out (40004) is answered with
// what to grant, and nothing is written.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness, until } from './fakes/feishu/harness.ts';
import { buttonsOf, type CardAnswer, type Msg, textOf } from './fakes/feishu/index.ts';

let h: Harness;
const ADMIN = 'ou_manager';
let east = '';
const CHILDREN = '/open-apis/contact/v3/departments/0/children';
const MEMBERS = '/open-apis/contact/v3/users/find_by_department';

const dm = () => h.fake.p2pOf(ADMIN);

/** Says something 1:1 and waits for the first new reply there. */
async function say(text: string): Promise<string> {
  const before = h.fake.messagesIn(dm()).length;
  const ack = await h.fake.say({ from: ADMIN, text });
  expect(ack.code).toBe(200);
  return textOf(await until(() => h.fake.messagesIn(dm())[before], 8000, `a reply to ${text}`));
}

function button(msg: Msg, prefix: string): string {
  const b = buttonsOf(msg.content).find((x) =>
    String((x.value as { action?: string })?.action).startsWith(prefix),
  );
  if (!b) throw new Error(`no ${prefix} button on ${textOf(msg)}`);
  return b.label;
}
const toast = (a: CardAnswer) => a.toast?.content ?? '';

const count = async () =>
  (
    await h.query<{ n: number }>(
      `select (select count(*) from people) + (select count(*) from identities) as n`,
    )
  )[0]!.n;

/** The whole preview the confirmation card stands for. */
async function preview(): Promise<string> {
  const [row] = await h.query<{ summary: string }>(
    `select summary from confirmations order by id desc limit 1`,
  );
  return (JSON.parse(row!.summary) as { en: string }).en;
}

beforeAll(async () => {
  h = await startHarness({ env: { ADMINS: `feishu:${ADMIN}` } });
  const f = h.fake;
  const sales = f.addDepartment('销售部');
  const marketing = f.addDepartment('市场部');
  const rd = f.addDepartment('研发部');
  // More departments than one page of 50.
  for (let i = 0; i < 52; i++) f.addDepartment(`项目组 ${i}`, rd);
  east = f.addDepartment('华东组', sales);
  f.addMember(ADMIN, ['0'], { openId: ADMIN });
  f.addMember('Li Lei 李雷', [sales], { openId: 'ou_li', email: 'li@example.com' });
  f.addMember('Chen Jing 陈静', [marketing, sales], { openId: 'ou_chen' });
  f.addMember('Qian Hui 钱慧', [marketing], { openId: 'ou_qian', enterpriseEmail: 'qian@corp.example' });
  f.addMember('Xu Fang 徐芳', [rd], { openId: 'ou_xu' });
  f.addMember('Frozen 冻结', [sales], { openId: 'ou_frozen', status: { is_frozen: true } });
  f.addMember('Zhang Wei 张伟', [east], { openId: 'ou_zhang' });
  // Three pages of 华东组 (50 a page).
  for (let i = 0; i < 120; i++)
    f.addMember(`East ${i}`, [east], { openId: `ou_e${i}`, email: `e${i}@example.com` });
  await say('me lang=en');
});
afterAll(async () => {
  // The SDK never sent a page size, id type or department Feishu would refuse as malformed.
  expect(h.fake.refusals.filter((r) => r.code === 99992402)).toEqual([]);
  await h?.close();
});

it('without a contact scope, or outside the contact range, the admin is told what to grant; nothing is written', async () => {
  const before = await count();
  h.fake.scopes.delete('contact:contact.base:readonly');
  h.fake.scopes.delete('contact:department.base:readonly');
  try {
    const answer = await say('admin directory import');
    expect(answer).toMatch(
      /The directory cannot be read: the Feishu app lacks a contact scope \(code 99991672\)/,
    );
    expect(answer).toMatch(
      /one of contact:contact\.base:readonly, contact:department\.base:readonly.*Nothing was imported/s,
    );
  } finally {
    h.fake.scopes.add('contact:contact.base:readonly');
    h.fake.scopes.add('contact:department.base:readonly');
  }
  h.fake.contactRange.clear();
  h.fake.contactRange.add(east);
  try {
    await say('me lang=zh');
    expect(await say('管理 通讯录 导入')).toMatch(
      /无法读取通讯录：飞书未向应用开放这些通讯录（错误码 40004）.*通讯录权限范围/s,
    );
  } finally {
    h.fake.contactRange.clear();
    h.fake.contactRange.add('0');
    await say('me lang=en');
  }
  expect(h.fake.refusals.filter((r) => r.code === 99991672 || r.code === 40004).length).toBe(2);
  expect(await count()).toBe(before);
  expect(await h.query(`select 1 from confirmations`)).toEqual([]);
});

it('previews the tenant page by page and creates on Confirm', async () => {
  const calls = h.fake.apiCalls.length;
  await h.fake.say({ from: ADMIN, text: 'admin directory import' });
  const ask = await until(() => h.fake.cardIn(dm(), 'Please confirm'), 10_000, 'the confirmation card');
  const text = await preview();
  expect(text).toMatch(/125 people to create, without a role .* 1 already known/);
  expect(text).toMatch(/Li Lei 李雷 \(feishu:ou_li\) → Sales/);
  expect(text).toMatch(/Chen Jing 陈静 \(feishu:ou_chen\) → Marketing/);
  expect(text).toMatch(/Qian Hui 钱慧 \(feishu:ou_qian\) → Marketing/);
  expect(text).toMatch(/Zhang Wei 张伟 \(feishu:ou_zhang\) → Sales/);
  expect(text).toMatch(/match none of the bot's .*: 研发部/);
  expect(text).not.toMatch(/Frozen|华东组/);
  const mine = h.fake.apiCalls.slice(calls);
  // Every call carried the tenant token; the departments came in two pages of 50, 华东组 in three.
  expect(mine.every((c) => c.token.startsWith('t-'))).toBe(true);
  expect(mine.filter((c) => c.path === CHILDREN)).toHaveLength(2);
  const members = mine.filter((c) => c.path === MEMBERS);
  expect(new Set(members.map((c) => c.query.department_id)).size).toBe(1 + 56); // the root and each department
  expect(members.every((c) => c.query.page_size === '50' && c.query.user_id_type === 'open_id')).toBe(true);
  const eastPages = new Set(
    members.filter((c) => c.query.department_id === east).map((c) => c.query.page_token ?? ''),
  );
  expect(eastPages.size).toBe(3);
  expect(await h.query(`select 1 from identities where external_id = 'ou_e0'`)).toEqual([]);

  const before = h.fake.messagesIn(dm()).length;
  const answer = await h.fake.click(ask.messageId, ADMIN, button(ask, 'confirm:'));
  // The answer is the toast, or (a directory read can outlast Feishu's 3 s) a message after it.
  const done = /Imported 125 people from the directory, without a role/;
  if (!done.test(toast(answer)))
    await until(
      () =>
        h.fake
          .messagesIn(dm())
          .slice(before)
          .some((m) => done.test(textOf(m))),
      10_000,
      'the import answer',
    );
  const rows = await h.query<{ external_id: string; email: string | null; code: string | null }>(
    `select i.external_id, p.email, d.code from identities i join people p on p.id = i.person_id
       left join departments d on d.id = p.department_id
       where i.platform = 'feishu' and i.external_id in ('ou_li', 'ou_chen', 'ou_qian', 'ou_xu', 'ou_zhang', 'ou_e119', 'ou_frozen')
       order by i.external_id`,
  );
  expect(rows).toEqual([
    { external_id: 'ou_chen', email: null, code: 'marketing' },
    { external_id: 'ou_e119', email: 'e119@example.com', code: 'sales' },
    { external_id: 'ou_li', email: 'li@example.com', code: 'sales' },
    { external_id: 'ou_qian', email: 'qian@corp.example', code: 'marketing' },
    { external_id: 'ou_xu', email: null, code: null },
    { external_id: 'ou_zhang', email: null, code: 'sales' },
  ]);
  const [t] = await h.query<{ n: number }>(
    `select count(distinct tenant)::int as n from identities where platform = 'feishu'`,
  );
  expect(t!.n).toBe(1);
});

it('a second import changes nothing, and waits out Feishu throttling on the way', async () => {
  const before = await count();
  h.fake.throttleNext(MEMBERS, 2);
  const answer = await say('admin directory import');
  expect(answer).toMatch(/Nothing to import: everyone in the directory is known already/);
  expect(answer).toMatch(/126 already known/);
  expect(h.fake.refusals.filter((r) => r.code === 99991400).length).toBeGreaterThanOrEqual(2);
  expect(await count()).toBe(before);
  expect(await h.query(`select 1 from audit_log where action = 'admin.directory.import'`)).toHaveLength(1);
});
