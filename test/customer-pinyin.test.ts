// customer find by pinyin (issue 21, search): a Chinese name is found by its pinyin, whole or by initials,
// with or without spaces, and by the same name in traditional characters (through its pinyin); contacts'
// names too, where the reader may see contacts. Names written before the pinyin was stored are filled in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillMissingPinyin, pinyinOf, pinyinQuery } from '../src/flows/customer-pinyin.ts';
import { type Driver, startDriver } from './helpers/console.ts';

const numbers = (text: string) => [...text.matchAll(/C-\d{4}/g)].map((m) => m[0]).sort();

describe('pinyin forms', () => {
  it('a name is stored whole and by initials; a name without Chinese has none', () => {
    expect(pinyinOf('华星科技有限公司')).toBe('huaxingkejiyouxiangongsi hxkjyxgs');
    expect(pinyinOf('ＡＣＭＥ 华星')).toBe('acmehuaxing acmehx');
    expect(pinyinOf('Acme Ltd')).toBeNull();
  });
  it('a query is letters without spaces or tones, or a Chinese query’s own pinyin; digits are none', () => {
    expect(pinyinQuery('Hua Xing')).toBe('huaxing');
    expect(pinyinQuery('huá xīng')).toBe('huaxing');
    expect(pinyinQuery('華星')).toBe('huaxing');
    expect(pinyinQuery('1390000')).toBeNull();
  });
});

describe.each([
  ['PGlite', true],
  ['PostgreSQL', false],
])('customer find by pinyin on %s', (_db, pglite) => {
  let d: Driver;
  beforeAll(async () => {
    d = await startDriver({ pglite });
    await d.say('li', 'me lang=en');
    await d.say('chen', 'me lang=zh');
    await d.say('li', 'customer add name="华星科技有限公司" contact="王芳" phone=13900001111');
    await d.say('chen', 'customer add name="蓝海贸易" contact="赵磊" phone=13700002222');
    await d.say('li', 'customer add name="Bluesky Ltd" contact="Mr Hu" phone=13600003333');
  });
  afterAll(() => d?.close());

  it('finds by whole pinyin, initials and traditional characters, in en and zh', async () => {
    expect(numbers((await d.say('li', 'customer find huaxing')).text)).toEqual(['C-0001']);
    expect(numbers((await d.say('li', 'customer find "Hua Xing"')).text)).toEqual(['C-0001']);
    expect(numbers((await d.say('li', 'customer find hxkj')).text)).toEqual(['C-0001']);
    expect(numbers((await d.say('li', 'customer find 華星')).text)).toEqual(['C-0001']);
    expect(numbers((await d.say('chen', '客户 查找 lanhai')).text)).toEqual(['C-0002']);
    expect(numbers((await d.say('chen', '客户 查找 藍海')).text)).toEqual(['C-0002']);
  });

  it('finds by a contact’s name in pinyin only where the reader may see that customer’s contacts', async () => {
    expect(numbers((await d.say('li', 'customer find wangfang')).text)).toEqual(['C-0001']);
    // zhaolei is chen's customer's contact: li finds nothing, the manager finds it.
    expect((await d.say('li', 'customer find zhaolei')).text).toContain('No customer matches');
    expect(numbers((await d.say('wang', 'customer find zhaolei')).text)).toEqual(['C-0002']);
  });

  it('a renamed customer is found by its new pinyin, not the old one', async () => {
    await d.say('li', 'customer update C-0001 name="星辰科技"');
    expect(numbers((await d.say('li', 'customer find xingchen')).text)).toEqual(['C-0001']);
    expect((await d.say('li', 'customer find huaxing')).text).toContain('No customer matches');
  });

  it('names written before the pinyin was stored are filled in once', async () => {
    await d.query('update customers set name_pinyin = null');
    await d.query('update contacts set name_pinyin = null');
    expect((await d.say('chen', '客户 查找 lanhai')).text).toContain('没有');
    const filled = await fillMissingPinyin(d.app.database.db);
    expect(filled).toBeGreaterThanOrEqual(4);
    expect(numbers((await d.say('chen', '客户 查找 lanhai')).text)).toEqual(['C-0002']);
    expect(await fillMissingPinyin(d.app.database.db)).toBe(0);
  });
});
