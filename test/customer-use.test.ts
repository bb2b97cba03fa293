// The likely-duplicate card's [Use C-0001] (issue 21, duplicates): instead of registering a customer that
// looks the same, the person carries on with the existing one: they get it as customer show gives it to
// them, the card closes (its Create anyway no longer works), and another rep's customer's owner is told.
// Typed as customer use C-0001 where buttons cannot be shown. Refusals write nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typedCommand } from '../src/cards/actions.ts';
import { type Driver, type Msg, startDriver } from './helpers/console.ts';

describe('customer use', () => {
  let d: Driver;
  const n = async (sql: string) => Number((await d.query<{ n: string }>(sql))[0]!.n);
  const writes = async () => ({
    customers: await n('select count(*) as n from customers'),
    uses: await n(`select count(*) as n from audit_log where action = 'customer.use'`),
    toLi: (await d.messages('dm:li')).filter((m) => m.text.includes('is using yours')).length,
  });
  const action = (m: Msg, prefix: string) => m.card!.actions.find((a) => a.id.startsWith(prefix))!;

  beforeAll(async () => {
    d = await startDriver();
    for (const who of ['li', 'chen', 'wang']) await d.say(who, 'me lang=en');
    await d.say('qian', 'me lang=zh');
    await d.say('li', 'customer add name="ACME Holdings Ltd." contact="Bob" phone=13900001111');
  });
  afterAll(() => d?.close());

  it('the card offers [Use C-0001] [Create anyway] [Cancel], one encoder for the buttons and the typed form', async () => {
    const card = await d.say('chen', 'customer add name="Acme Holdings" contact=X phone=13700000002');
    expect(card.card!.actions.map((a) => a.label)).toEqual(['Use C-0001', 'Create anyway', 'Cancel']);
    const use = action(card, 'run:');
    expect(use.id).toMatch(/^run:customer use C-0001 from=[0-9a-f-]{36}$/);
    expect(typedCommand(use)).toBe(use.id.slice('run:'.length));
  });

  it('in zh the card reads [使用 C-0001] [仍然新增] [取消], and its text form says what to send', async () => {
    await d.say('chen', 'me lang=zh');
    const card = await d.say('chen', '客户 新增 名称="Acme Holdings" 联系人=X 电话=13700000002');
    expect(card.card!.actions.map((a) => a.label)).toEqual(['使用 C-0001', '仍然新增', '取消']);
    expect(card.text).toContain('可改用 C-0001');
    await d.press('chen', card.id, action(card, 'cancel:').id);
    await d.say('chen', 'me lang=en');
  });

  it('Use answers with the customer as its reader may see it, closes the card, tells the owner; nothing is registered', async () => {
    const before = await writes();
    const card = await d.say('chen', 'customer add name="Acme Holdings" contact=X phone=13700000002');
    const pressed = await d.press('chen', card.id, action(card, 'run:').id);
    const text = pressed.replies.map((m) => m.text).join('\n');
    expect(text).toContain('C-0001 belongs to Li Lei');
    expect(text).toContain('ACME Holdings Ltd.');
    // Another rep's customer: contacts are not chen's to see.
    expect(text).not.toContain('13900001111');
    expect(await n('select count(*) as n from customers')).toBe(before.customers);
    const toLi = await d.messages('dm:li');
    expect(toLi.at(-1)!.text).toContain('is using yours instead');
    // The card is closed: its buttons are gone, and typing its Create anyway does nothing now.
    expect((await d.press('chen', card.id, action(card, 'confirm:').id)).replies).toEqual([]);
    const typed = await d.say('chen', `confirm ${action(card, 'confirm:').id.slice('confirm:'.length)}`);
    expect(typed.text).toContain('already cancelled');
    expect(await n('select count(*) as n from customers')).toBe(before.customers);
    const closed = (await d.messages('dm:chen')).find((m) => m.id === card.id);
    expect(closed?.card?.note ?? closed?.text).toContain('used C-0001 instead');
  });

  it('the owner typing it hears it is theirs, sees the contacts, and no one is told; marketing in zh', async () => {
    const told = async () =>
      (await d.messages('dm:li')).filter((m) => m.text.includes('is using yours instead')).length;
    const before = await told();
    const mine = await d.say('li', 'customer use C-0001');
    expect(mine.text).toContain('C-0001 is your customer');
    expect(mine.text).toContain('13900001111');
    expect(mine.text).toContain('Next: lead add customer=C-0001');
    const zh = await d.say('qian', '客户 使用 C-0001');
    expect(zh.text).toContain('C-0001 的负责人是');
    expect(await told()).toBe(before + 1);
  });

  it.each([
    ['an unknown customer', 'chen', 'customer use C-0099', 'no customer C-0099'],
    ['no customer named', 'chen', 'customer use', 'C-0001'],
    ['a made-up card id', 'chen', 'customer use C-0001 from=abc', 'type just: customer use C-0001'],
    ['finance may not', 'zhao', 'customer use C-0001', ''],
  ])('%s is answered and nothing is written', async (_what, who, text, answer) => {
    const before = await writes();
    const r = await d.say(who, text);
    expect(r.text).toContain(answer);
    expect(r.text).not.toContain('belongs to');
    expect(await writes()).toEqual(before);
  });
});
