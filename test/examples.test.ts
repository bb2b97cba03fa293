// The core examples of commands.md that belong to the foundation, through the console API, in English
// and in Chinese, checking what was written to the database as well as what was answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

let d: Driver;
beforeAll(async () => {
  d = await startDriver();
  for (const who of ['li', 'wang', 'admin', 'qian']) await d.say(who, 'me lang=en');
});
afterAll(() => d?.close());

describe('core examples in English', () => {
  it('customer add', async () => {
    const r = await d.say(
      'li',
      'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000 industry=manufacturing',
      'sales',
    );
    expect(r.text).toContain('C-0001');
    const [c] = await d.query<{ name: string; industry: string }>(
      `select name, industry from customers where number = 'C-0001'`,
    );
    expect(c).toEqual({ name: 'Acme Ltd', industry: 'manufacturing' });
    const contacts = await d.query<{ phone: string }>(`select phone from contacts`);
    expect(contacts.map((x) => x.phone)).toEqual(['13800000000']);
  });

  it('lead add with a first plan due in three days', async () => {
    const r = await d.say(
      'li',
      'lead add customer=C-0001 source=expo desc="needs 200 sensors" next="send catalogue" due=+3d',
    );
    expect(r.text).toContain('L-0001');
    const [l] = await d.query<{ source: string; next_step: string; days: number }>(
      `select source, next_step, round(extract(epoch from next_due_at - now()) / 86400)::int as days from leads where number = 'L-0001'`,
    );
    expect(l?.source).toBe('expo');
    expect(l?.next_step).toBe('send catalogue');
    expect(l?.days).toBeGreaterThanOrEqual(2);
    expect(l?.days).toBeLessThanOrEqual(3);
  });

  it('lead assign sends the assignee a card with Accept', async () => {
    const r = await d.say('wang', 'lead assign L-0001 @li due=2026-12-10');
    expect(r.text).toContain('L-0001');
    const dm = await d.messages('dm:li');
    const card = dm.findLast((m) => m.card?.title.includes('L-0001'));
    expect(card?.card?.actions.map((a) => a.id)).toEqual(['run:lead accept L-0001']);
    const pressed = await d.press('li', card!.id, 'run:lead accept L-0001');
    expect(pressed.status).toBe(200);
    expect(pressed.replies[0]?.text).toMatch(/Accepted L-0001/);
    const after = (await d.messages('dm:li')).find((m) => m.id === card!.id);
    expect(after?.card?.actions).toEqual([]);
    expect(after?.card?.note).toMatch(/Accepted by/);
    const [l] = await d.query<{ status: string; owner: string }>(
      `select l.status, p.handle as owner from leads l join people p on p.id = l.owner_id where number = 'L-0001'`,
    );
    expect(l).toEqual({ status: 'following', owner: 'li' });
  });

  it('lead follow', async () => {
    const r = await d.say(
      'li',
      'lead follow L-0001 note="called; wants a quote" next="send quote" due=tomorrow',
    );
    expect(r.text).toContain('L-0001');
    const rows = await d.query<{ note: string }>(`select note from lead_followups`);
    expect(rows).toEqual([{ note: 'called; wants a quote' }]);
  });

  it('lead convert asks to confirm, and only the requester can', async () => {
    const r = await d.say('li', 'lead convert L-0001', 'sales');
    const confirm = r.card?.actions.find((a) => a.id.startsWith('confirm:'));
    expect(confirm).toBeDefined();
    expect((await d.query(`select 1 from leads where status = 'converted'`)).length).toBe(0);
    const other = await d.press('wang', r.id, confirm!.id);
    expect(other.replies[0]?.text).toMatch(/Only the person who asked/);
    expect((await d.query(`select 1 from leads where status = 'converted'`)).length).toBe(0);
    const ok = await d.press('li', r.id, confirm!.id);
    expect(ok.replies[0]?.text).toMatch(/L-0001 converted to C-0001/);
    const again = await d.press('li', r.id, confirm!.id);
    expect(again.status).toBe(409); // the button is gone from the re-rendered card
    const card = (await d.messages('sales')).find((m) => m.id === r.id);
    expect(card?.card?.actions).toEqual([]);
  });

  it('quote new with items and price terms', async () => {
    const r = await d.say(
      'li',
      'quote new customer=C-0001 item="Sensor | X200 | 200 | 35.5" valid=2026-12-31 tax=included payment="30% advance" delivery=2027-01-15',
    );
    expect(r.text).toContain('Q-0001');
    expect(r.text).toContain('¥7,100.00');
    const [q] = await d.query<{ total_minor: string; valid_until: string; tax_included: boolean }>(
      `select total_minor::text, valid_until::text, tax_included from quotes where number = 'Q-0001'`,
    );
    expect(q).toEqual({ total_minor: '710000', valid_until: '2026-12-31', tax_included: true });
  });

  it('quote submit, approval approve, quote send, quote feedback', async () => {
    expect((await d.say('li', 'order new from=Q-0001 place=Shenzhen')).text).toMatch(
      /made from a quote the customer accepted/,
    );
    expect((await d.say('li', 'quote submit Q-0001')).text).toContain('A-0001');
    expect((await d.say('wang', 'approval list')).text).toContain('A-0001');
    expect((await d.say('wang', 'approval approve A-0001 note="ok"')).text).toMatch(/now approved/);
    expect((await d.say('li', 'quote send Q-0001')).text).toMatch(/sent to the customer/);
    expect((await d.say('li', 'quote feedback Q-0001 result=accepted note="signs next week"')).text).toMatch(
      /accepted/,
    );
  });

  it('order new from a quote copies its items', async () => {
    const r = await d.say(
      'li',
      'order new customer=C-0001 from=Q-0001 delivery=2027-01-15 place=Shenzhen payment="30% advance, 70% on delivery"',
    );
    expect(r.text).toContain('SO-0001');
    const items = await d.query<{ name: string; quantity: string; amount_minor: string }>(
      `select name, quantity::text, amount_minor::text from order_items`,
    );
    expect(items).toEqual([{ name: 'Sensor', quantity: '200.000', amount_minor: '710000' }]);
  });

  it('intel add shares with the chosen departments', async () => {
    const r = await d.say(
      'qian',
      'intel add kind=competitor title="Rival cuts X200 price" body="by 10%" level=confidential share=sales,management',
    );
    expect(r.text).toContain('I-0001');
    const sales = await d.messages('sales');
    const notice = sales.findLast((m) => m.text.includes('Rival cuts X200 price'));
    expect(notice?.text).not.toContain('by 10%'); // confidential text stays out of group chats
    expect((await d.messages('finance')).some((m) => m.text.includes('Rival'))).toBe(false);
  });

  it('admin role and admin bind', async () => {
    await d.say('admin', 'admin role @chen sales_manager');
    const [p] = await d.query<{ role: string }>(`select role from people where handle = 'chen'`);
    expect(p?.role).toBe('sales_manager');
    const r = await d.say('admin', 'admin bind finance', 'finance-2');
    expect(r.text).toMatch(/Finance/);
    const rows = await d.query(`select 1 from chat_bindings where chat_id = 'finance-2'`);
    expect(rows.length).toBe(1);
  });

  it('admin bind with a group-robot webhook keeps the key out of the audit log', async () => {
    const r = await d.say('admin', 'admin bind logistics webhook=0a1b2c3d-4e5f-6789', 'logistics-robot');
    expect(r.text).toMatch(/Logistics/);
    const [b] = await d.query<{ settings: { webhook: string } }>(
      `select settings from chat_bindings where chat_id = 'logistics-robot'`,
    );
    expect(b?.settings.webhook).toBe('0a1b2c3d-4e5f-6789');
    const audits = await d.query<{ detail: unknown }>(
      `select detail from audit_log where action = 'admin.bind'`,
    );
    expect(JSON.stringify(audits)).not.toContain('0a1b2c3d');
    expect(
      (await d.say('admin', 'admin bind logistics webhook="not a key!"', 'logistics-robot')).text,
    ).toMatch(/group robot/);
  });

  it('help and help quote', async () => {
    expect((await d.say('li', 'help')).text).toMatch(/customer/);
    const h = await d.say('li', 'help quote');
    expect(h.text).toMatch(/quote new customer=C-0001/);
  });
});

describe('core examples in Chinese', () => {
  it('客户 新增', async () => {
    const r = await d.say('chen', '客户 新增 名称=华星科技 联系人=王芳 电话=13900000000', 'sales');
    expect(r.text).toContain('C-0002');
    expect(r.text).toContain('已登记客户');
  });

  it('线索 新增 / 分配 / 跟进 / 转化', async () => {
    expect((await d.say('chen', '线索 新增 名称＝「星河电子」 来源：展会 描述=“需要 50 台”')).text).toContain(
      'L-0002',
    );
    expect(
      (await d.say('chen', '线索 跟进 L-0002 备注=已电话沟通 下一步=发送报价 截止=明天')).text,
    ).toContain('L-0002');
    const r = await d.say('chen', '线索 转化 L-0002');
    const confirm = r.card!.actions.find((a) => a.id.startsWith('confirm:'))!;
    const ok = await d.press('chen', r.id, confirm.id);
    expect(ok.replies[0]?.text).toMatch(/已转化为 C-0003 星河电子/);
  });

  it('报价 新建 and 订单 新建 with two items', async () => {
    const q = await d.say(
      'chen',
      '报价 新建 客户=C-0002 明细="传感器 | X200 | 100 | 35.5" 明细="网关 | G1 | 2 | ¥1,200" 有效期=2026-12-31 含税=含税',
    );
    expect(q.text).toContain('Q-0002');
    expect(q.text).toContain('¥5,950.00');
    expect((await d.say('chen', '报价 提交 Q-0002')).text).toContain('A-0002');
    expect((await d.say('wang', '审批 同意 A-0002')).text).toMatch(/now approved/);
    // An order follows the customer's acceptance, recorded first.
    await d.say('chen', '报价 发送 Q-0002');
    await d.say('chen', '报价 反馈 Q-0002 结果=接受');
    const o = await d.say('chen', '订单 新建 基于=Q-0002 交期=2027-01-20 交货地点=上海 付款="预付30%"');
    expect(o.text).toContain('SO-0002');
    expect((await d.say('chen', '订单 提交 SO-0002')).text).toContain('A-0003');
  });

  it('帮助', async () => {
    expect((await d.say('chen', '帮助 报价')).text).toContain('报价 新建');
  });
});

describe('understanding people (issue 22), through the running app', () => {
  const count = async (table: string) =>
    Number((await d.query<{ n: string }>(`select count(*)::text as n from ${table}`))[0]!.n);

  it('a mistyped noun or key: did you mean …?, and nothing is written', async () => {
    const before = await count('customers');
    expect((await d.say('li', 'custmer add name=Foo')).text).toMatch(
      /^I don't understand "custmer"\. Did you mean customer\?/,
    );
    expect((await d.say('chen', '客护 新增 名称=华星二号')).text).toMatch(
      /^无法识别“客护”，您是不是要输入“客户”？/,
    );
    expect((await d.say('li', 'customer add name=Foo indusrty=retail')).text).toContain(
      'Did you mean industry=?',
    );
    expect((await d.say('chen', '客户 新增 名称=华星二号 行叶=零售')).text).toContain(
      '您是不是要输入 行业=？',
    );
    expect(await count('customers')).toBe(before);
  });

  it('two commands on two lines are listed and neither runs', async () => {
    const before = await count('customers');
    const en = await d.say('li', 'customer add name="Two Lines A"\ncustomer add name="Two Lines B"');
    expect(en.text).toContain('This message holds 2 commands');
    expect(en.text).toContain(
      '\n  1. customer add name="Two Lines A"\n  2. customer add name="Two Lines B"\n',
    );
    const zh = await d.say('chen', '客户 新增 名称=两行甲\n客户 新增 名称=两行乙');
    expect(zh.text).toContain('这条消息包含 2 条命令');
    expect(await count('customers')).toBe(before);
    // One command over several lines still runs.
    const one = await d.say('li', 'customer add\nname="Over Lines Ltd"\nindustry=retail');
    expect(one.text).toMatch(/C-\d{4}/);
    expect(await count('customers')).toBe(before + 1);
  });

  it('/crm help is help, and help lists the short forms', async () => {
    const help = await d.say('li', '/crm help');
    expect(help.text).toBe((await d.say('li', 'help')).text);
    expect(help.text).toContain(
      'Also understood: my approvals = approval list, my leads = lead list owner=me, my reminders = remind list',
    );
    expect(help.text).toMatch(/^• report week\|month\b.* — meeting summaries and KPIs$/m);
    const zh = await d.say('chen', '/crm 帮助');
    expect(zh.text).toContain(
      '也可以这样说：我的审批 = 审批 列表、我的线索 = 线索 列表 负责人=我、我的提醒 = 提醒 列表',
    );
    expect((await d.say('li', 'help approval')).text).toContain(
      'Short forms: my approvals, 我的审批 = approval list',
    );
    expect((await d.say('chen', '帮助 审批')).text).toContain('简写：my approvals、我的审批 = 审批 列表');
    expect((await d.say('li', 'help customer')).text).toContain('Also written: cust, 客户, 客戶, customers');
  });

  it('help on a noun, a phrase for it, or a typo', async () => {
    const report = await d.say('li', 'help report');
    expect(report.text).toMatch(/^report — meeting summaries and KPIs\n/);
    expect(report.text).toContain('report week [week=2026-11-23]');
    // A rep may read the help, and is told the summaries are not for their role.
    expect(report.text).toMatch(/the week's meeting summary .* \(not for your role\)/);
    expect((await d.say('chen', '帮助 报表')).text).toMatch(/^报表 — 会议汇总与绩效\n/);
    expect((await d.say('li', 'help custmer')).text).toMatch(
      /^No help for "custmer"\. Did you mean help customer\?/,
    );
  });

  it('my approvals and 我的提醒 are the lists they stand for', async () => {
    expect((await d.say('wang', 'my approvals')).text).toBe((await d.say('wang', 'approval list')).text);
    expect((await d.say('chen', '我的提醒')).text).toBe((await d.say('chen', '提醒 列表')).text);
  });

  it('my leads, summary, kpi and export customers get the command that does it or comes closest', async () => {
    expect((await d.say('li', 'my leads')).text).toMatch(
      /^(Leads \(open, yours\):|No leads \(open, yours\))/,
    );
    expect((await d.say('chen', '我的线索')).text).toMatch(
      /^(线索（未完成，我的）：|没有线索（未完成，我的）)/,
    );
    expect((await d.say('li', 'my quotes')).text).toMatch(
      /^There is no "my quotes" command of its own\.[\s\S]*quote list/,
    );
    // summary is the weekly meeting summary: a manager's to read (chen is one here), a rep's to be refused.
    expect((await d.say('wang', 'summary')).text).toMatch(/^📊 Weekly summary · week \d{4}-W\d{2}/);
    expect((await d.say('li', 'summary')).text).toMatch(/may not use "report week"/);
    expect((await d.say('chen', '汇总')).text).toMatch(/^📊 周汇总 · \d{4} 年第 \d+ 周/);
    expect((await d.say('li', 'kpi')).text).not.toMatch(/not available yet/);
    expect((await d.say('li', 'export customers')).text).toMatch(
      /^Exporting is not available yet[\s\S]*customer list/,
    );
    expect((await d.say('chen', '导出客户')).text).toMatch(/^导出功能尚未开放[\s\S]*客户 列表/);
  });
});
