// Likely duplicate customers (issue 21): the same name once the legal form and punctuation are set aside,
// or a contact's phone or email already on another customer, is asked about with a Confirm card; the exact
// same name is refused as before; Confirm creates the customer anyway, Cancel writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

describe.each([
  ['PGlite', true],
  ['PostgreSQL', false],
])('likely duplicates on %s', (_name, pglite) => {
  let d: Driver;
  const count = async () =>
    Number((await d.query<{ n: string }>('select count(*) as n from customers'))[0]!.n);

  beforeAll(async () => {
    d = await startDriver({ pglite });
    for (const who of ['li', 'chen']) await d.say(who, 'me lang=en');
    await d.say(
      'li',
      'customer add name="ACME Holdings Ltd." contact="Bob" phone=13900001111 email=bob@acme.test',
    );
    await d.say('li', 'customer add name="华星科技有限公司" contact="王芳" phone=13900002222');
  });
  afterAll(() => d?.close());

  it('the exact same name (case, width and spaces aside) is refused, as before', async () => {
    const r = await d.say('chen', 'customer add name="acme  holdings ltd." contact=X phone=13700000001');
    expect(r.text).toContain('is already customer C-0001');
    expect(await count()).toBe(2);
  });

  it.each([
    [
      'a name that differs only by legal form and punctuation',
      'customer add name="Acme Holdings" contact=X phone=13700000002',
      'C-0001',
    ],
    ['a Chinese name without 有限公司', 'customer add name="华星科技" contact=X phone=13700000003', 'C-0002'],
    [
      'a phone written differently that another customer has',
      'customer add name="Other Co" contact=Y phone="139-0000-1111"',
      'C-0001',
    ],
    ['an email another customer has', 'customer add name="Third Co" contact=Z email=BOB@acme.test', 'C-0001'],
  ])('%s asks first; Cancel writes nothing', async (_what, text, existing) => {
    const before = await count();
    const card = await d.say('chen', text);
    expect(card.card?.title).toBe('Please confirm');
    expect(JSON.stringify(card.card)).toContain(existing);
    expect(await count()).toBe(before);
    const cancel = card.card!.actions.find((a) => a.id.startsWith('cancel:'))!;
    await d.press('chen', card.id, cancel.id);
    expect(await count()).toBe(before);
  });

  it('Confirm registers it anyway; a name with no likeness is registered at once', async () => {
    const card = await d.say('chen', 'customer add name="Acme Holdings" contact=X phone=13700000002');
    const confirm = card.card!.actions.find((a) => a.id.startsWith('confirm:'))!;
    const pressed = await d.press('chen', card.id, confirm.id);
    expect(pressed.replies.map((m) => m.text).join('\n')).toContain('registered');
    const [row] = await d.query<{ name: string }>("select name from customers where name = 'Acme Holdings'");
    expect(row?.name).toBe('Acme Holdings');
    const fresh = await d.say('chen', 'customer add name="Brand New Ltd" contact=Q phone=13700000009');
    expect(fresh.text).toContain('registered');
  });
});
