// lead list owner=me|@someone|none, and "my leads" (我的线索) as lead list owner=me: a rep on a phone asks
// for their own leads and gets exactly those; a manager asks for one rep's or the unassigned ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

const numbers = (text: string) => [...text.matchAll(/L-\d{4}/g)].map((m) => m[0]).sort();

describe('lead list by owner', () => {
  let d: Driver;
  let own: { li: string; chen: string; nobody: string };

  beforeAll(async () => {
    d = await startDriver({ pglite: true });
    for (const who of ['li', 'chen', 'wang', 'qian']) await d.say(who, 'me lang=en');
    await d.say('li', 'customer add name="Owner Test Co" contact="Ms Lu" phone=13700001111');
    await d.say('li', 'lead add customer=C-0001 source=expo desc="li own" next="call" due=+3d');
    await d.say('chen', 'lead add customer=C-0001 source=web desc="chen own" next="call" due=+3d');
    await d.say('qian', 'lead add customer=C-0001 source=expo desc="from marketing"');
    const rows = await d.query<{ number: string; handle: string | null }>(
      'select l.number, p.handle from leads l left join people p on p.id = l.owner_id order by l.id',
    );
    const of = (h: string | null) => rows.find((r) => r.handle === h)!.number;
    own = { li: of('li'), chen: of('chen'), nobody: of(null) };
  });
  afterAll(() => d?.close());

  it('"my leads" and 我的线索 list only the asker’s own leads', async () => {
    const mine = await d.say('li', 'my leads');
    expect(mine.text).toMatch(/^Leads \(open, yours\):/);
    expect(numbers(mine.text)).toEqual([own.li]);
    expect(numbers((await d.say('chen', '我的线索')).text)).toEqual([own.chen]);
    // Without owner= a rep still sees their own and the unassigned ones.
    expect(numbers((await d.say('li', 'lead list')).text)).toEqual([own.li, own.nobody].sort());
  });

  it('a manager lists one rep’s leads, or the unassigned ones', async () => {
    const chen = await d.say('wang', 'lead list owner=@chen');
    expect(numbers(chen.text)).toEqual([own.chen]);
    expect(chen.text).toContain('Chen Jing');
    expect(numbers((await d.say('wang', 'lead list owner=none')).text)).toEqual([own.nobody]);
    expect(numbers((await d.say('wang', '线索 列表 负责人=无')).text)).toEqual([own.nobody]);
  });

  it('a rep asking for another rep’s leads, or a value that names nobody, gets a clear answer', async () => {
    expect((await d.say('li', 'lead list owner=@chen')).text).toContain('You see your own leads');
    expect((await d.say('wang', 'lead list owner=tomorrow')).text).toContain('owner= is me, a person');
    expect((await d.say('wang', 'lead list owner=@nobodyhere')).text).toContain("I don't know @nobodyhere");
  });
});
