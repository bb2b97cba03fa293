// admin directory import on WeCom (issue 21), against the fake WeCom's contact API as a self-built app reads
// it: the departments the app's visible range covers (GET department/list), each one's members (GET
// user/list?department_id=, one answer per department), people in several departments once, disabled and
// departed people left out; created only on Confirm (a button on the app's template card), in the bot's
// department their main one or one above it is named after. Outside the visible range (60011) or from an
// untrusted IP (60020) the admin is told what to fix and nothing is written; the intelligent robot alone
// has no contact API, and says the self-built app settings are needed.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeComAdapter } from '../adapters/wecom/index.ts';
import { type App, startApp } from '../src/app.ts';
import { People, startWeComApp, stopWeComApp } from './fakes/wecom/app.ts';
import { CallbackClient } from './fakes/wecom/callback.ts';
import { FakeWeCom, type Sent } from './fakes/wecom/server.ts';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';

const AES = randomBytes(32).toString('base64').slice(0, 43);
const CORP = 'ww0123456789abcdef';
const TOKEN = 'Tok3nFromConsole';
const AGENT = 1000002;
const EAST = 6; // 华东组, below 销售部

describe('through the self-built app', () => {
  let fake: FakeWeCom;
  let app: App;
  let url: string;
  let cb: CallbackClient;

  const query = async <T = Record<string, unknown>>(text: string): Promise<T[]> => {
    const r = (await app.database.db.execute(sql.raw(text))) as unknown;
    return (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
  };
  const settle = async () => {
    const adapter = app.platforms.find((p) => p.platform === 'wecom') as WeComAdapter;
    await adapter.app!.settle();
    await app.delivery.drain();
  };
  /** What the bot sent the boss in answer to `text`. */
  const say = async (text: string): Promise<Sent[]> => {
    const n = fake.sent.length;
    expect((await cb.post(cb.textXml('boss', text))).status).toBe(200);
    await settle();
    return fake.sent.slice(n).filter((s) => s.conv === 'boss');
  };
  const textOf = (s: Sent[]) => s.map((m) => m.body.text?.content ?? JSON.stringify(m.body)).join('\n');
  const count = async () =>
    (
      await query<{ n: number }>(
        `select (select count(*) from people) + (select count(*) from identities) as n`,
      )
    )[0]!.n;
  /** The whole preview the confirmation card stands for (a template card shows a part). */
  const preview = async () => {
    const [row] = await query<{ summary: string }>(
      `select summary from confirmations order by id desc limit 1`,
    );
    return (JSON.parse(row!.summary) as { en: string }).en;
  };

  beforeAll(async () => {
    fake = await new FakeWeCom({ corp: { corpId: CORP, secret: 'app-secret', agentId: AGENT } }).start();
    fake.addDepartment(2, '销售部');
    fake.addDepartment(4, '市场部');
    fake.addDepartment(5, '研发部');
    fake.addDepartment(EAST, '华东组', 2);
    fake.addMember({ userid: 'boss', name: '老板', department: [1] });
    fake.addMember({ userid: 'li', name: 'Li Lei 李雷', email: 'li@example.com', department: [2] });
    fake.addMember({ userid: 'qian', name: 'Qian Hui 钱慧', biz_mail: 'qian@corp.example', department: [4] });
    fake.addMember({ userid: 'chen', name: 'Chen Jing 陈静', department: [4, 2], main_department: 2 });
    fake.addMember({ userid: 'zhang', name: 'Zhang Wei 张伟', department: [EAST] });
    fake.addMember({ userid: 'xu', name: 'Xu Fang 徐芳', department: [5] });
    fake.addMember({ userid: 'gone', name: 'Gone 已离职', department: [2], status: 5 });
    fake.addMember({ userid: 'off', name: 'Off 已禁用', department: [2], status: 2 });
    for (let i = 0; i < 40; i++)
      fake.addMember({ userid: `e${i}`, name: `East ${i}`, email: `e${i}@example.com`, department: [EAST] });
    url = await freshDatabaseUrl();
    app = await startApp({
      env: {
        DATABASE_URL: url,
        PORT: '0',
        CONSOLE: 'off',
        LOG_LEVEL: 'silent',
        ADMINS: 'wecom:boss',
        WECOM_CORP_ID: CORP,
        WECOM_TOKEN: TOKEN,
        WECOM_ENCODING_AES_KEY: AES,
        WECOM_AGENT_ID: String(AGENT),
        WECOM_APP_SECRET: 'app-secret',
        WECOM_API_URL: fake.apiUrl,
      },
    });
    cb = new CallbackClient({
      url: `${app.url}/wecom/callback`,
      token: TOKEN,
      encodingAESKey: AES,
      corpId: CORP,
      agentId: AGENT,
    });
    await say('me lang=en');
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
    if (url) await dropDatabase(url);
  });

  it('outside the visible range, or from an untrusted IP, the admin is told what to fix; nothing is written', async () => {
    const before = await count();
    fake.visible.clear();
    try {
      const answer = textOf(await say('admin directory import'));
      expect(answer).toMatch(/The directory cannot be read: WeCom refused .* \(errcode 60011\)/);
      expect(answer).toMatch(/visible range \(可见范围\).*Nothing was imported/s);
    } finally {
      fake.visible.add(1);
    }
    fake.trustedIp = false;
    try {
      await say('me lang=zh');
      expect(textOf(await say('管理 通讯录 导入'))).toMatch(
        /无法读取通讯录：企业微信拒绝了服务器的 IP（错误码 60020）.*企业可信IP/s,
      );
    } finally {
      fake.trustedIp = true;
      await say('me lang=en');
    }
    expect(await count()).toBe(before);
    expect(await query(`select 1 from confirmations`)).toEqual([]);
  });

  it('previews every department it may see and creates on Confirm', async () => {
    const calls = fake.contactCalls.length;
    const [ask] = (await say('admin directory import')).filter((s) => s.body.msgtype === 'template_card');
    expect(JSON.stringify(ask!.body.template_card)).toMatch(/Please confirm/);
    const text = await preview();
    expect(text).toMatch(/45 people to create, without a role .* 1 already known/);
    expect(text).toMatch(/Li Lei 李雷 \(wecom:li\) → Sales/);
    expect(text).toMatch(/Qian Hui 钱慧 \(wecom:qian\) → Marketing/);
    expect(text).toMatch(/Chen Jing 陈静 \(wecom:chen\) → Sales/);
    expect(text).toMatch(/Zhang Wei 张伟 \(wecom:zhang\) → Sales/);
    expect(text).toMatch(/match none of the bot's .*: 研发部/);
    expect(text).not.toMatch(/Gone|Off|华东组/);
    // One department list, then each department's members once.
    const mine = fake.contactCalls.slice(calls);
    expect(mine.map((c) => [c.path, c.query.department_id])).toEqual([
      ['/cgi-bin/department/list', undefined],
      ...[1, 2, 4, 5, EAST].map((d) => ['/cgi-bin/user/list', String(d)]),
    ]);
    expect(await query(`select 1 from identities where external_id = 'e0'`)).toEqual([]);

    const tc = ask!.body.template_card;
    const confirm = (tc.button_list as { key: string }[]).find((b) => b.key.startsWith('confirm:'))!;
    const n = fake.sent.length;
    const code = fake.issueResponseCode(tc.task_id);
    expect((await cb.post(cb.clickXml('boss', confirm.key, tc.task_id, code))).status).toBe(200);
    await settle();
    expect(textOf(fake.sent.slice(n).filter((s) => s.conv === 'boss'))).toMatch(
      /Imported 45 people from the directory, without a role/,
    );
    const rows = await query<{
      external_id: string;
      tenant: string;
      email: string | null;
      code: string | null;
    }>(
      `select i.external_id, i.tenant, p.email, d.code from identities i join people p on p.id = i.person_id
         left join departments d on d.id = p.department_id
         where i.platform = 'wecom' and i.external_id in ('li', 'qian', 'chen', 'zhang', 'xu', 'e39', 'gone', 'off')
         order by i.external_id`,
    );
    expect(rows).toEqual([
      { external_id: 'chen', tenant: CORP, email: null, code: 'sales' },
      { external_id: 'e39', tenant: CORP, email: 'e39@example.com', code: 'sales' },
      { external_id: 'li', tenant: CORP, email: 'li@example.com', code: 'sales' },
      { external_id: 'qian', tenant: CORP, email: 'qian@corp.example', code: 'marketing' },
      { external_id: 'xu', tenant: CORP, email: null, code: null },
      { external_id: 'zhang', tenant: CORP, email: null, code: 'sales' },
    ]);
    // Someone imported who then writes is that person, not a second one.
    await cb.post(cb.textXml('zhang', 'me lang=en'));
    await settle();
    expect(
      (
        await query<{ n: number }>(`select count(*)::int as n from identities where external_id = 'zhang'`)
      )[0]!.n,
    ).toBe(1);
  });

  it('a second import changes nothing, and waits out 45009 on the way', async () => {
    const before = await count();
    fake.throttleNext('/cgi-bin/user/list', 2);
    const answer = textOf(await say('admin directory import'));
    expect(answer).toMatch(/Nothing to import: everyone in the directory is known already/);
    expect(answer).toMatch(/46 already known/);
    expect(await count()).toBe(before);
    expect(await query(`select 1 from audit_log where action = 'admin.directory.import'`)).toHaveLength(1);
  });
});

describe('the intelligent robot alone', () => {
  let fake: FakeWeCom;
  let app: App | undefined;
  let url: string | undefined;

  beforeAll(async () => {
    fake = await new FakeWeCom({ bots: { BOT1: 'S3CR3T-bot' } }).start();
    fake.addMember({ userid: 'li', name: 'Li Lei 李雷', department: [1] });
    ({ app, url } = await startWeComApp(fake));
  });
  afterAll(async () => {
    await stopWeComApp(app, url);
    await fake?.close();
  });

  it('says that directory import needs the self-built app settings, and reads nothing', async () => {
    const people = new People(fake);
    await people.say('boss', 'me lang=en');
    const answer = await people.say('boss', 'admin directory import');
    expect(answer).toMatch(
      /The directory cannot be read: the WeCom intelligent robot \(WECOM_BOT_ID\) has no contact API/,
    );
    expect(answer).toMatch(/WECOM_CORP_ID and WECOM_APP_SECRET .*visible range/s);
    expect(fake.contactCalls).toEqual([]);
    expect(fake.tokenCalls).toBe(0);
  });
});
