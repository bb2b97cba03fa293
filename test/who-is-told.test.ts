// Who is told (R-CUST-3, R-ORD-5/6), through the console API on PGlite and PostgreSQL (the demo's
// department chats read Chinese): an upheld customer correction reaches every department that received the
// customer (shared with it, or sent an order of it), each once, old → new with contacts masked as its chat
// reads them, and the order cards already posted are re-rendered in place; an approved order change and a
// cancellation reach every department that received the order, logistics and the sales chat, each once; a
// draft's cancellation is audited like any other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, type Msg, startDriver } from './helpers/console.ts';

const CHATS = ['sales', 'marketing', 'service', 'finance', 'production', 'logistics'] as const;
type Chat = (typeof CHATS)[number];

describe.each([
  { db: 'PGlite', pglite: true },
  { db: 'PostgreSQL', pglite: false },
])('who is told ($db)', ({ pglite }) => {
  let d: Driver;

  beforeAll(async () => {
    d = await startDriver({ pglite });
    for (const p of ['li', 'wang', 'qian', 'wu', 'zhao', 'sun', 'zhou']) await d.say(p, 'me lang=en');
  });
  afterAll(() => d?.close());

  /** How many messages each department chat holds now. */
  const counts = async (): Promise<Record<Chat, number>> =>
    Object.fromEntries(
      await Promise.all(CHATS.map(async (c) => [c, (await d.messages(c)).length] as const)),
    ) as Record<Chat, number>;

  /** The messages a chat got since `before` was counted. */
  const since = async (chat: Chat, before: Record<Chat, number>): Promise<Msg[]> =>
    (await d.messages(chat)).slice(before[chat]);

  /** The number an approval request's reply names. */
  const approvalIn = (m: Msg) => m.text.match(/A-\d{4}/)![0];

  /** The distribution card of an order in a chat (the first: the approved order's). */
  const orderCard = async (chat: Chat, ref: string) => {
    const card = (await d.messages(chat)).find((m) => m.card?.title.includes(ref));
    if (!card) throw new Error(`no card for ${ref} in ${chat}`);
    return card;
  };

  it('an upheld correction reaches every department that received the customer, once each', async () => {
    await d.say('li', 'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000');
    // Finance has it shared and will also receive its order: told once.
    await d.say('li', 'customer share C-0001 to=finance fields=contacts');
    await d.say(
      'li',
      'order new customer=C-0001 item="Gateway | G1 | 2 | 1200" delivery=+20d place=Shanghai payment="on delivery"',
    );
    const submitted = await d.say('li', 'order submit SO-0001');
    expect((await d.say('wang', `approval approve ${approvalIn(submitted)}`)).text).toMatch(/approved/);
    expect((await d.say('qian', 'order ack SO-0001')).text).toMatch(/Acknowledged/);
    expect((await orderCard('production', 'SO-0001')).card!.fields).toContainEqual({
      label: '客户',
      value: 'C-0001 Acme Ltd',
    });

    const filed = await d.say(
      'zhao',
      'customer correct C-0001 name="Acme Holdings" phone=13800000001 reason="told by the customer"',
    );
    const before = await counts();
    expect((await d.say('li', `approval approve ${approvalIn(filed)}`)).text).toMatch(/now approved/);

    for (const chat of ['marketing', 'service', 'finance', 'production'] as const) {
      const told = await since(chat, before);
      expect(told, chat).toHaveLength(1);
      expect(told[0]!.text, chat).toContain('信息已更正');
      expect(told[0]!.text, chat).toContain('名称: Acme Ltd → Acme Holdings');
      expect(told[0]!.text, chat).not.toContain('13800000001');
    }
    // Finance has the contacts shared: it reads them masked, old → new, as its group chat may.
    expect((await since('finance', before))[0]!.text).toContain('电话: 138****0000 → 138****0001');
    // Production does not have them: it is told the phone changed, not what to.
    expect((await since('production', before))[0]!.text).not.toContain('138****');
    // Logistics and the sales chat never received C-0001.
    expect(await since('logistics', before)).toHaveLength(0);
    expect(await since('sales', before)).toHaveLength(0);

    // The cards already posted show the corrected name, in place; an acknowledgement stays.
    const after = await counts();
    for (const chat of ['marketing', 'service', 'finance', 'production'] as const) {
      const card = await orderCard(chat, 'SO-0001');
      expect(card.card!.fields, chat).toContainEqual({ label: '客户', value: 'C-0001 Acme Holdings' });
      expect(after[chat], chat).toBe(before[chat] + 1);
    }
    expect((await orderCard('marketing', 'SO-0001')).card!.note).toMatch(/钱慧 已于 .* 确认收到/);
    expect((await orderCard('production', 'SO-0001')).card!.actions.map((a) => a.label)).toEqual([
      '确认收到',
    ]);

    // One transfer per department told (the KPI's timeliness), none for the owner who decided it.
    const transfers = await d.query<{ code: string }>(
      `select dp.code from transfers t join departments dp on dp.id = t.department_id
        where t.flow = 'correction' order by dp.code`,
    );
    expect(transfers.map((t) => t.code)).toEqual(['finance', 'marketing', 'production', 'service']);
  });

  it('an approved change reaches the four receivers, logistics and the sales chat, once each', async () => {
    const filed = await d.say('li', 'order change SO-0001 delivery=+25d reason="customer moved the date"');
    const a = approvalIn(filed);
    expect(filed.text).toMatch(/Production, Logistics must all sign/);
    expect((await d.say('sun', `approval approve ${a}`)).text).toMatch(/waiting for the other signers/);
    const before = await counts();
    expect((await d.say('zhou', `approval approve ${a}`)).text).toMatch(/now approved/);
    for (const chat of CHATS) {
      const told = await since(chat, before);
      expect(told, chat).toHaveLength(1);
      expect(told[0]!.text, chat).toMatch(/订单 SO-0001 已变更/);
      expect(told[0]!.text, chat).toContain('customer moved the date');
    }
    // Logistics acknowledges the change like the receivers; the sales chat is told, not asked.
    expect((await since('logistics', before))[0]!.card!.actions.map((x) => x.label)).toEqual([
      '确认收到变更',
    ]);
    expect((await since('sales', before))[0]!.card).toBeUndefined();
    expect((await d.say('zhou', 'order ack SO-0001')).text).toMatch(/Acknowledged/);
  });

  it('a later correction reaches logistics too (it had the change) and re-renders the change cards', async () => {
    const filed = await d.say('zhao', 'customer correct C-0001 name="Acme Group" reason="renamed"');
    const before = await counts();
    expect((await d.say('li', `approval approve ${approvalIn(filed)}`)).text).toMatch(/now approved/);
    for (const chat of ['marketing', 'service', 'finance', 'production', 'logistics'] as const) {
      const told = await since(chat, before);
      expect(told, chat).toHaveLength(1);
      expect(told[0]!.text, chat).toContain('名称: Acme Holdings → Acme Group');
    }
    expect(await since('sales', before)).toHaveLength(0);
    // Production's change card, still to acknowledge, keeps what changed and shows the new name.
    const change = (await d.messages('production')).findLast((m) => m.card?.title.includes('已变更'))!;
    expect(change.card!.fields.map((f) => f.label)).toContain('变更内容');
    expect(change.card!.fields).toContainEqual({ label: '客户', value: 'C-0001 Acme Group' });
    // Logistics acknowledged its change card: it reads as acknowledged, with the new name.
    const acked = (await d.messages('logistics')).find((m) => m.card?.title.includes('SO-0001'))!;
    expect(acked.card!.note).toMatch(/周涛 已于 .* 确认收到/);
    expect(acked.card!.fields).toContainEqual({ label: '客户', value: 'C-0001 Acme Group' });
  });

  it('an approved cancellation reaches the same departments once each, and is audited', async () => {
    const filed = await d.say('li', 'order cancel SO-0001 reason="customer withdrew"');
    const before = await counts();
    expect((await d.say('wang', `approval approve ${approvalIn(filed)}`)).text).toMatch(/now approved/);
    for (const chat of CHATS) {
      const told = await since(chat, before);
      expect(told, chat).toHaveLength(1);
      expect(told[0]!.text, chat).toMatch(/订单 SO-0001 已取消/);
      expect(told[0]!.text, chat).toContain('customer withdrew');
    }
    const audit = await d.query<{ reason: string }>(
      `select detail->>'reason' as reason from audit_log where action = 'order.cancel' and entity_ref = 'SO-0001'`,
    );
    expect(audit).toEqual([{ reason: 'customer withdrew' }]);
  });

  it("a draft's cancellation writes an audit row, and tells no department", async () => {
    await d.say('li', 'order new customer=C-0001 item="Gateway | G1 | 1 | 1200"');
    const before = await counts();
    expect((await d.say('li', 'order cancel SO-0002 reason="entered twice"')).text).toMatch(
      /Draft SO-0002 cancelled/,
    );
    const audit = await d.query<{ reason: string; name: string }>(
      `select a.detail->>'reason' as reason, p.name from audit_log a join people p on p.id = a.person_id
        where a.action = 'order.cancel' and a.entity = 'order' and a.entity_ref = 'SO-0002'`,
    );
    expect(audit).toEqual([{ reason: 'entered twice', name: 'Li Lei 李雷' }]);
    expect(await counts()).toEqual(before);
  });
});
