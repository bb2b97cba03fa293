// A chat bound to several departments (R-CHAN-4), through the console API: a project group of sales,
// finance and production gets an approved order once, on one card each department acknowledges, with only
// what all of them may read; a change reaches it once too. Binding refuses bad input and writes nothing.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { kpiReport } from '../src/kpi/report.ts';
import { type Driver, type Msg, startDriver } from './helpers/console.ts';

let d: Driver;

beforeAll(async () => {
  d = await startDriver();
  for (const p of ['li', 'wang', 'zhao', 'sun', 'zhou', 'admin']) await d.say(p, 'me lang=en');
});
afterAll(() => d?.close());

const boundTo = async (chat: string) =>
  (
    await d.query<{ code: string }>(
      `select d.code from chat_binding_departments cbd join chat_bindings b on b.id = cbd.binding_id
         join departments d on d.id = cbd.department_id where b.chat_id = '${chat}' order by d.code`,
    )
  ).map((r) => r.code);

const cardsIn = async (chat: string, ref: string): Promise<Msg[]> =>
  (await d.messages(chat)).filter((m) => m.card?.title.includes(ref) || m.text.includes(ref));

async function pressAck(user: string, chat: string, ref: string) {
  const card = (await cardsIn(chat, ref)).findLast((m) => m.card)!;
  const action = card.card!.actions.find((a) => a.id.startsWith('run:order ack'))!;
  const r = await d.press(user, card.id, action.id);
  return r.replies[0]?.text ?? r.error ?? '';
}

describe('admin bind with several departments', () => {
  it('binds a project group to sales, finance and production; binding again adds, not replaces', async () => {
    const r = await d.say('admin', 'admin bind sales finance', 'project');
    expect(r.text).toMatch(/receives the messages of Sales, Finance/);
    expect((await d.say('admin', 'admin bind production', 'project')).text).toMatch(
      /Sales, Finance, Production.*admin unbind sales/,
    );
    expect(await boundTo('project')).toEqual(['finance', 'production', 'sales']);
    // The department chats of the demo keep their one department (migrated bindings route as before).
    expect(await boundTo('finance')).toEqual(['finance']);
  });

  it('in Chinese, with comma-separated departments', async () => {
    await d.say('admin', 'me lang=zh');
    onTestFinished(async () => {
      await d.say('admin', 'me lang=en');
    });
    const r = await d.say('admin', '管理 绑定 物流，生产', 'site');
    expect(r.text).toMatch(/本群已绑定物流部、生产部/);
    expect((await d.say('admin', '管理 解绑 物流', 'site')).text).toMatch(/已解绑物流部，仍接收生产部的消息/);
    expect((await d.say('admin', '管理 解绑 财务', 'site')).text).toMatch(
      /本群未绑定财务部（已绑定：生产部）/,
    );
    expect((await d.say('admin', '管理 解绑 生产', 'site')).text).toMatch(/已解除全部绑定/);
    expect(await boundTo('site')).toEqual([]);
    expect(await d.query(`select 1 from chat_bindings where chat_id = 'site'`)).toHaveLength(0);
  });

  it('refuses bad input, direct messages and non-admins, writing nothing', async () => {
    const count = async () =>
      (
        await d.query<{ n: number }>(
          `select (select count(*) from chat_bindings) + (select count(*) from chat_binding_departments) as n`,
        )
      )[0]!.n;
    const before = await count();
    expect((await d.say('admin', 'admin bind logistics nonsense', 'project')).text).toMatch(
      /"nonsense" is not a department/,
    );
    expect((await d.say('admin', 'admin bind logistics')).text).toMatch(/in the group chat itself/);
    expect((await d.say('admin', 'admin unbind logistics', 'project')).text).toMatch(
      /not bound to Logistics \(it is bound to Sales, Finance, Production\)/,
    );
    expect((await d.say('admin', 'admin bind', 'project')).text).toMatch(/department/i);
    expect((await d.say('li', 'admin bind logistics', 'project')).text).toMatch(/may not|admin/i);
    expect((await d.say('li', 'admin unbind sales', 'project')).text).toMatch(/may not|admin/i);
    expect(await count()).toBe(before);
    expect(await boundTo('project')).toEqual(['finance', 'production', 'sales']);
  });
});

describe('a message to several departments of one chat arrives once', () => {
  it('an approved order: one card in the project group for finance and production, each acknowledges on it', async () => {
    await d.say('li', 'customer add name="Acme Ltd" contact="Zhang Wei" phone=13800000000');
    await d.say(
      'li',
      'order new customer=C-0001 item="Gateway | G1 | 2 | 1200" delivery=+20d place=Shanghai payment="on delivery"',
    );
    await d.say('li', 'order submit SO-0001');
    const approval = (await d.messages('dm:wang')).findLast((m) => m.card?.title.includes('A-0001'))!;
    const approve = approval.card!.actions.find((a) => a.id.startsWith('run:approval approve'))!;
    expect((await d.press('wang', approval.id, approve.id)).replies[0]?.text).toMatch(/now approved/);

    const project = await cardsIn('project', 'SO-0001');
    expect(project).toHaveLength(1);
    const card = project[0]!.card!;
    expect(card.fields[0]).toEqual({ label: '接收部门', value: '财务部、生产部' });
    // Production may not see amounts: the card read by both shows none, not even masked.
    expect(project[0]!.text).not.toMatch(/¥/);
    expect(card.note).toMatch(/财务部：待确认\n生产部：待确认/);
    // Each department's own chat still gets its card; finance's shows the masked amount.
    expect((await cardsIn('finance', 'SO-0001'))[0]!.text).toContain('¥•••');
    expect(await cardsIn('production', 'SO-0001')).toHaveLength(1);

    expect(await pressAck('sun', 'project', 'SO-0001')).toMatch(/Acknowledged SO-0001/);
    let shared = (await cardsIn('project', 'SO-0001'))[0]!.card!;
    expect(shared.note).toMatch(/财务部：待确认\n生产部：.*确认收到/);
    expect(shared.actions).toHaveLength(1);
    // Production's own chat shows it too; finance's card is still open.
    expect((await cardsIn('production', 'SO-0001'))[0]!.card!.note).toMatch(/确认收到/);
    expect((await cardsIn('finance', 'SO-0001'))[0]!.card!.actions).toHaveLength(1);

    expect(await pressAck('zhao', 'project', 'SO-0001')).toMatch(/Acknowledged SO-0001/);
    shared = (await cardsIn('project', 'SO-0001'))[0]!.card!;
    expect(shared.note).toMatch(/财务部：.*确认收到\n生产部：.*确认收到/);
    expect(shared.actions).toEqual([]);
    expect((await cardsIn('finance', 'SO-0001'))[0]!.card!.actions).toEqual([]);
    const acks = await d.query<{ n: number }>(
      `select count(*)::int as n from distributions where acked_at is not null`,
    );
    expect(acks[0]!.n).toBe(2);

    // The KPIs count the shared card as delivering each department it names: with finance's own card taken
    // away (as for a department whose only chat is the project group), finance is still delivered.
    const finance = await d.query<{ id: number }>(
      `select d.id from distributions d join departments p on p.id = d.department_id
        where p.code = 'finance' and d.subject_ref = 'SO-0001'`,
    );
    await d.query(`delete from outbox where card_key = 'dist:${finance[0]!.id}'`);
    const report = await d.app.database.db.transaction((tx) =>
      kpiReport(tx, {
        month: new Date().toISOString().slice(0, 7),
        zone: 'Asia/Shanghai',
        now: new Date(),
        scope: { kind: 'all' },
        pageSize: 10,
        page: 1,
      }),
    );
    const row = report.current.timeliness.find((r) => r.level === 'department' && r.department === 'finance');
    expect(row).toMatchObject({ n: 1, delivered: 1 });
  });

  it('a change: the project group (also the sales chat) gets one card, not the card and the sales notice', async () => {
    const before = (await d.messages('project')).length;
    const r = await d.say('li', 'order change SO-0001 delivery=+25d reason="customer moved the date"');
    expect(r.text).toMatch(/A-0002/);
    for (const who of ['sun', 'zhou']) {
      const a = (await d.messages(`dm:${who}`)).findLast((m) => m.card?.title.includes('A-0002'))!;
      const approve = a.card!.actions.find((x) => x.id.startsWith('run:approval approve'))!;
      await d.press(who, a.id, approve.id);
    }
    const added = (await d.messages('project')).slice(before).filter((m) => m.text.includes('SO-0001'));
    expect(added).toHaveLength(1);
    expect(added[0]!.card!.fields[0]!.value).toBe('财务部、生产部');
    // The sales chat of the demo, bound to sales alone, still gets the notice.
    expect((await d.messages('sales')).some((m) => m.text.includes('SO-0001'))).toBe(true);
  });
});
