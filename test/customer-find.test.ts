// customer find (issue 21, search): by part of the name, a contact's name, a phone however it is written,
// or an email; paged; contacts searched only where the reader may see them, so a search reveals no phone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

const numbers = (text: string) => [...text.matchAll(/C-\d{4}/g)].map((m) => m[0]).sort();

describe.each([
  ['PGlite', true],
  ['PostgreSQL', false],
])('customer find on %s', (_name, pglite) => {
  let d: Driver;
  beforeAll(async () => {
    d = await startDriver({ pglite });
    for (const who of ['li', 'chen', 'wang']) await d.say(who, 'me lang=en');
    await d.say(
      'li',
      'customer add name="华星科技有限公司" contact="王芳" phone=13900001111 email=wf@huaxing.test',
    );
    await d.say('chen', 'customer add name="Acme Holdings" contact="Bob Stone" phone=13700002222');
    for (let i = 0; i < 21; i++)
      await d.say(
        'li',
        `customer add name="Bulk Trading ${i}" contact="X ${i}" phone=1360000${String(1000 + i)}`,
      );
  });
  afterAll(() => d?.close());

  it('finds by part of the name, in Chinese and any case', async () => {
    expect(numbers((await d.say('li', 'customer find 华星')).text)).toEqual(['C-0001']);
    expect(numbers((await d.say('li', 'customer find acme')).text)).toEqual(['C-0002']);
    expect(numbers((await d.say('li', '客户 查找 华星')).text)).toEqual(['C-0001']);
  });

  it('finds by a contact, a phone written with spaces or dashes, an email: where the reader may see contacts', async () => {
    expect(numbers((await d.say('li', 'customer find 139 0000 1111')).text)).toEqual(['C-0001']);
    expect(numbers((await d.say('li', 'customer find wf@huaxing')).text)).toEqual(['C-0001']);
    expect(numbers((await d.say('wang', 'customer find Bob Stone')).text)).toEqual(['C-0002']);
    expect(numbers((await d.say('wang', 'customer find 137-0000-2222')).text)).toEqual(['C-0002']);
    // li may not see chen's customer's contacts: their phone finds nothing (not even that it exists).
    expect((await d.say('li', 'customer find 13700002222')).text).toContain('No customer matches');
  });

  it('pages: 21 matches are 20 and 1, with the next page named; past the end and bad pages are answered', async () => {
    const first = await d.say('li', 'customer find bulk');
    expect(numbers(first.text)).toHaveLength(20);
    expect(first.text).toContain('Page 1 of 2; next: customer find bulk page=2');
    expect(numbers((await d.say('li', 'customer find bulk page=2')).text)).toEqual(['C-0003']);
    expect((await d.say('li', 'customer find bulk page=3')).text).toContain('page=3 is past the end');
    expect((await d.say('li', 'customer find bulk page=0')).text).toContain('not a page number');
    expect((await d.say('li', 'customer find x')).text).toContain('at least 2 characters');
  });
});
