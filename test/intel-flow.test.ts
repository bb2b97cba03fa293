// Market information end to end through the console (R-MKT-1/2, policy 2.5 and 3.5): a rep's tip goes to
// marketing, which verifies it with share= (the departments' chats get it, the author is told privately)
// or rejects it with a reason; intel share adds departments and changes the level later; intel show shows
// every field the reader may see, masking confidential text in group chats and auditing what it showed;
// the structure of each kind is accepted only for that kind; everyone outside marketing is refused, and
// every refusal writes nothing. On PostgreSQL and PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

const SECRET = 'RIVAL-SECRET-5150';
const PRICING = 'PRICING-SECRET-77';

describe.each([
  ['PostgreSQL', false],
  ['PGlite', true],
])('market information on %s', (_, pglite) => {
  let d: Driver;

  const count = async (sql: string) =>
    (await d.query<{ n: number }>(`select count(*)::int as n ${sql}`))[0]!.n;
  const row = async (number: string) =>
    (
      await d.query<{
        kind: string;
        level: string;
        verified: boolean;
        rejected: boolean;
        shared_with: string[];
        details: Record<string, string>;
        decision_note: string | null;
        decided_by: string | null;
      }>(
        `select i.kind, i.level, i.verified, i.rejected, i.shared_with, i.details, i.decision_note, p.handle as decided_by
           from intel i left join people p on p.id = i.decided_by where i.number = '${number}'`,
      )
    )[0]!;
  /** What a refusal must leave as it was: the items, their history, what was sent, the audit but denials. */
  const tally = async () => ({
    intel: await d.query(`select * from intel order by id`),
    history: await count(`from record_history where entity = 'intel'`),
    outbox: await count('from outbox'),
    audit: await count(`from audit_log where action <> 'denied'`),
  });
  const texts = async (chat: string) => (await d.messages(chat)).map((m) => m.text);
  const reads = (number: string, handle: string) =>
    d.query<{ fields: string[]; chat_kind: string }>(
      `select a.detail->'fields' as fields, a.detail->>'chatKind' as chat_kind from audit_log a
         join identities i on i.person_id = a.person_id
        where a.action = 'read.confidential' and a.entity = 'intel' and a.entity_ref = '${number}'
          and i.external_id = '${handle}' order by a.id`,
    );

  beforeAll(async () => {
    d = await startDriver({ pglite });
    for (const p of ['li', 'chen', 'wang', 'qian', 'zhao', 'sun', 'wu', 'admin', 'ma'])
      await d.say(p, 'me lang=en');
    await d.say('admin', 'admin role @ma supervisor');
  }, 60_000);
  afterAll(() => d?.close());

  it('a tip from a rep goes to marketing to verify, shared with nobody yet', async () => {
    const r = await d.say(
      'li',
      `intel add kind=competitor title="Rival X cuts prices" body="${SECRET}" competitor="Rival X" pricing="${PRICING}" level=confidential share=sales`,
    );
    expect(r.text).toBe(
      'Thank you: tip I-0001 went to marketing to verify; marketing decides whom to share it with.',
    );
    expect(await row('I-0001')).toEqual({
      kind: 'competitor',
      level: 'confidential',
      verified: false,
      rejected: false,
      shared_with: [],
      details: { competitor: 'Rival X', pricing: PRICING },
      decision_note: null,
      decided_by: null,
    });
    const marketing = (await texts('marketing')).filter((t) => t.includes('I-0001'));
    expect(marketing).toHaveLength(1);
    // Group chats speak the organisation's language (Chinese here).
    expect(marketing[0]).toContain(
      'Li Lei 李雷 提交的待核实信息 I-0001（竞争对手，机密）：Rival X cuts prices',
    );
    expect(marketing[0]).toContain('情报 核实 I-0001 共享给=销售');
    expect(marketing[0]).not.toContain(SECRET);
    expect((await texts('sales')).some((t) => t.includes('Rival X'))).toBe(false);
    // Not verified: a colleague in the department it named does not see it; the author and marketing do.
    expect((await d.say('chen', 'intel list')).text).not.toContain('I-0001');
    expect((await d.say('li', 'intel list')).text).toContain('I-0001 [confidential] competitor (unverified)');
    expect((await d.say('qian', 'intel show I-0001')).text).toContain(
      'State: unverified · waiting for marketing to verify it',
    );
    const denied = await d.say('chen', 'intel show I-0001');
    expect(denied.text).toBe(
      'I-0001 is a tip marketing has not shared: only marketing, supervisors and its author read it.',
    );
  });

  it.each([
    ['li', 'intel verify I-0001 share=sales', /sales rep may not use "intel verify"/],
    ['wang', 'intel verify I-0001 share=sales', /sales manager may not use "intel verify"/],
    ['zhao', 'intel reject I-0001 reason="not true"', /department head may not use "intel reject"/],
    ['sun', 'intel share I-0001 dept=production', /department head may not use "intel share"/],
    ['ma', 'intel verify I-0001', /supervisor may not use "intel verify"/],
  ])('%s: %s is refused and writes nothing', async (who, text, answer) => {
    const before = await tally();
    const denials = await count(`from audit_log where action = 'denied'`);
    expect((await d.say(who, text)).text).toMatch(answer);
    expect(await tally()).toEqual(before);
    expect(await count(`from audit_log where action = 'denied'`)).toBe(denials + 1);
  });

  it('marketing verifies with share=: the departments’ chats get it, masked; the author is told privately', async () => {
    const r = await d.say(
      'qian',
      'intel verify I-0001 note="confirmed with two distributors" share=sales,management',
    );
    expect(r.text).toBe('I-0001 verified; sent to Sales, Management. Li Lei 李雷 was told.');
    expect(await row('I-0001')).toMatchObject({
      verified: true,
      rejected: false,
      shared_with: ['sales', 'management'],
      decision_note: 'confirmed with two distributors',
      decided_by: 'qian',
    });
    for (const chat of ['sales', 'management']) {
      const got = (await texts(chat)).filter((t) => t.includes('I-0001'));
      expect(got, chat).toHaveLength(1);
      expect(got[0]).toContain('市场信息 I-0001 [机密] 竞争对手：Rival X cuts prices');
      expect(got[0]).toContain('请在与我的私聊中输入「情报 查看 I-0001」查看');
      expect(got[0]).not.toContain(SECRET);
      expect(got[0]).not.toContain(PRICING);
    }
    for (const chat of ['finance', 'production', 'service'])
      expect(
        (await texts(chat)).some((t) => t.includes('I-0001')),
        chat,
      ).toBe(false);
    const told = (await texts('dm:li')).filter((t) => t.startsWith('Your tip I-0001'));
    expect(told).toEqual([
      'Your tip I-0001 "Rival X cuts prices" was verified by Qian Hui 钱慧 and shared with Sales, Management. Note: confirmed with two distributors',
    ]);
    const history = await d.query<{ field: string; old_value: string | null; new_value: string }>(
      `select h.field, h.old_value, h.new_value from record_history h join intel i on i.id = h.entity_id
        where h.entity = 'intel' and i.number = 'I-0001' order by h.id`,
    );
    expect(history).toEqual([
      { field: 'created', old_value: null, new_value: 'I-0001' },
      { field: 'state', old_value: 'unverified', new_value: 'verified' },
      { field: 'shared_with', old_value: '', new_value: 'sales,management' },
    ]);
    const [audit] = await d.query<{ action: string; handle: string; share: string[] }>(
      `select a.action, p.handle, a.detail->'share' as share from audit_log a join people p on p.id = a.person_id
        where a.entity = 'intel' and a.entity_ref = 'I-0001' and a.action like 'intel.%' order by a.id desc limit 1`,
    );
    expect(audit).toEqual({ action: 'intel.verify', handle: 'qian', share: ['sales', 'management'] });
  });

  it('an item already decided is refused with a clear answer and writes nothing', async () => {
    const before = await tally();
    expect((await d.say('qian', 'intel verify I-0001 share=finance')).text).toMatch(
      /^I-0001 is already decided: verified by Qian Hui 钱慧, \d{4}-\d\d-\d\d \d\d:\d\d\. Nothing was changed\.$/,
    );
    expect((await d.say('admin', 'intel reject I-0001 reason="old news"')).text).toMatch(
      /^I-0001 is already decided: verified by Qian Hui/,
    );
    // Marketing's own items are verified when recorded.
    await d.say('qian', 'intel add kind=industry title="Port fees up" share=logistics');
    const mid = await tally();
    expect((await d.say('qian', 'intel verify I-0002')).text).toBe(
      'I-0002 is already decided: verified (recorded by marketing). Nothing was changed.',
    );
    expect(await tally()).toEqual(mid);
    expect(before.intel.length + 1).toBe(mid.intel.length);
  });

  it('show: in full privately for whoever may read it, masked in a group, refused elsewhere; reads audited', async () => {
    const earlier = (await reads('I-0001', 'li')).length;
    const mine = await d.say('li', 'intel show I-0001');
    const lines = mine.text.split('\n');
    expect(lines[0]).toBe('I-0001 Rival X cuts prices');
    expect(lines).toContain('Kind: competitor');
    expect(lines).toContain('Level: confidential');
    expect(mine.text).toMatch(
      /\nState: verified · verified by Qian Hui 钱慧, \d{4}-\d\d-\d\d \d\d:\d\d · note: confirmed with two distributors\n/,
    );
    expect(mine.text).toMatch(/\nRecorded by: Li Lei 李雷, \d{4}-\d\d-\d\d \d\d:\d\d\n/);
    expect(lines).toContain('Shared with: Sales, Management');
    expect(lines).toContain(`Content: ${SECRET}`);
    expect(lines).toContain('Competitor: Rival X');
    expect(lines).toContain(`Pricing: ${PRICING}`);
    expect(mine.text).toMatch(/ Qian Hui 钱慧: state: unverified → verified\n/);
    expect(mine.text).toMatch(/ Qian Hui 钱慧: shared with: — → Sales, Management/);
    expect(mine.card?.title).toBe('I-0001 Rival X cuts prices');
    expect((await reads('I-0001', 'li')).slice(earlier)).toEqual([
      { fields: ['body', 'competitor', 'pricing', 'decision_note'], chat_kind: 'dm' },
    ]);

    // In the sales group: the title and the facts about it, never the text; nothing read, nothing audited.
    const group = await d.say('li', 'intel show I-0001', 'sales');
    expect(group.text).not.toContain(SECRET);
    expect(group.text).not.toContain(PRICING);
    expect(group.text).not.toContain('two distributors');
    expect(group.text).toContain('Content: (confidential: ask me "intel show I-0001" in a private chat)');
    expect(group.text).toContain('Shared with: Sales, Management');
    expect(group.text).toMatch(/Note: Confidential details are masked in group chats/);
    expect(await reads('I-0001', 'li')).toHaveLength(earlier + 1);

    // By role: a colleague in a department it was shared with, management, supervision and admins read it.
    for (const who of ['chen', 'wang', 'ma', 'admin', 'qian']) {
      const had = (await reads('I-0001', who)).length;
      const r = await d.say(who, 'intel show I-0001');
      expect(r.text, who).toContain(SECRET);
      expect((await reads('I-0001', who)).length, who).toBe(had + 1);
    }
    // Finance and production were not given it.
    for (const who of ['zhao', 'sun']) {
      const before = await tally();
      const r = await d.say(who, 'intel show I-0001');
      expect(r.text).toBe('I-0001 is confidential and not shared with your department; ask marketing.');
      expect(await tally()).toEqual(before);
      expect(await reads('I-0001', who)).toEqual([]);
    }
    // list: the structure beside the text, masked the same way in a group.
    expect((await d.say('chen', 'intel list')).text).toContain(`Competitor: Rival X · Pricing: ${PRICING}`);
    const inGroup = (await d.say('chen', 'intel list', 'sales')).text;
    expect(inGroup).toContain('I-0001 [confidential] competitor: Rival X cuts prices');
    expect(inGroup).not.toContain(PRICING);
  });

  it('reject: the author is told why; it stays with marketing and its author, shared with nobody', async () => {
    const tip = await d.say(
      'sun',
      'intel add kind=industry title="Rival closes plant" trend="consolidation" share=sales',
    );
    expect(tip.text).toMatch(/^Thank you: tip I-0003 went to marketing/);
    const r = await d.say('qian', 'intel reject I-0003 reason="the plant is only being renovated"');
    expect(r.text).toBe('I-0003 rejected; it is shared with nobody. Sun Li 孙立 was told why.');
    expect(await row('I-0003')).toMatchObject({
      verified: false,
      rejected: true,
      shared_with: [],
      decision_note: 'the plant is only being renovated',
      decided_by: 'qian',
    });
    expect((await texts('dm:sun')).filter((t) => t.startsWith('Your tip I-0003'))).toEqual([
      'Your tip I-0003 "Rival closes plant" was not taken up by marketing (Qian Hui 钱慧): the plant is only being renovated',
    ]);
    expect((await texts('sales')).some((t) => t.includes('I-0003'))).toBe(false);
    expect(await count(`from audit_log where action = 'intel.reject' and entity_ref = 'I-0003'`)).toBe(1);
    expect((await d.say('sun', 'intel list')).text).toContain(
      'I-0003 [internal] industry news (rejected): Rival closes plant',
    );
    expect((await d.say('sun', 'intel show I-0003')).text).toMatch(
      /State: rejected · rejected by Qian Hui 钱慧, .+ · reason: the plant is only being renovated/,
    );
    expect((await d.say('li', 'intel show I-0003')).text).toMatch(/has not shared/);
    // Decided: neither verified later nor shared, and nothing is written by trying.
    const before = await tally();
    expect((await d.say('qian', 'intel verify I-0003 share=sales')).text).toMatch(
      /^I-0003 is already decided: rejected by Qian Hui 钱慧, .+: the plant is only being renovated\. Nothing was changed\.$/,
    );
    expect((await d.say('qian', 'intel share I-0003 dept=sales')).text).toBe(
      'I-0003 was rejected; it is not shared. Nothing was changed.',
    );
    expect(await tally()).toEqual(before);
    // A reason is required.
    await d.say('chen', 'intel add kind=tip title="Heard something"');
    expect((await d.say('qian', 'intel reject I-0004')).text).toMatch(/reason/);
    expect((await row('I-0004')).rejected).toBe(false);
  });

  it('share adds departments and changes the level, each recorded; the chats that had it hear the new level', async () => {
    const r = await d.say('qian', 'intel share I-0001 dept=finance,sales');
    expect(r.text).toBe('I-0001: sent to Finance. Now shared with Sales, Management, Finance.');
    const finance = (await texts('finance')).filter((t) => t.includes('I-0001'));
    expect(finance).toHaveLength(1);
    expect(finance[0]).not.toContain(SECRET);
    expect((await d.say('zhao', 'intel show I-0001')).text).toContain(SECRET);
    // Sales had it already: not sent again.
    expect((await texts('sales')).filter((t) => t.startsWith('市场信息 I-0001'))).toHaveLength(1);

    // Again the same: nothing to do, nothing written.
    const before = await tally();
    expect((await d.say('qian', 'intel share I-0001 dept=finance')).text).toBe(
      'I-0001 is already shared with Sales, Management, Finance at level confidential. Nothing was changed.',
    );
    expect((await d.say('qian', 'intel share I-0004 dept=sales')).text).toBe(
      'I-0004 is a tip not yet verified: intel verify I-0004 share=… verifies and shares it at once. Nothing was changed.',
    );
    expect(await tally()).toEqual(before);

    // Lowered to internal: everyone in those chats may now read the text, so it is posted.
    const lower = await d.say('admin', 'intel share I-0001 level=internal');
    expect(lower.text).toBe(
      'I-0001: level confidential → internal (told Sales, Management, Finance). Now shared with Sales, Management, Finance.',
    );
    for (const chat of ['sales', 'management', 'finance']) {
      const last = (await texts(chat)).findLast((t) => t.includes('I-0001'))!;
      expect(last, chat).toMatch(
        /^密级已调整为内部：市场信息 I-0001 \[内部\] 竞争对手：Rival X cuts prices\n/,
      );
      expect(last, chat).toContain(SECRET);
    }
    expect(await row('I-0001')).toMatchObject({
      level: 'internal',
      shared_with: ['sales', 'management', 'finance'],
    });
    const history = await d.query<{ field: string; old_value: string; new_value: string }>(
      `select h.field, h.old_value, h.new_value from record_history h join intel i on i.id = h.entity_id
        where h.entity = 'intel' and i.number = 'I-0001' and h.field in ('shared_with', 'level') order by h.id`,
    );
    expect(history.slice(1)).toEqual([
      { field: 'shared_with', old_value: 'sales,management', new_value: 'sales,management,finance' },
      { field: 'level', old_value: 'confidential', new_value: 'internal' },
    ]);
    expect(
      await d.query(
        `select action, detail->'added' as added from audit_log where entity_ref = 'I-0001' and action = 'intel.share' order by id`,
      ),
    ).toEqual([
      { action: 'intel.share', added: ['finance'] },
      { action: 'intel.share', added: [] },
    ]);
  });

  it('structure: each kind takes its own keys, in English and Chinese, shown by show and list', async () => {
    const news = await d.say(
      'qian',
      'intel add kind=industry title="Sensor market 2027" trend="IoT retrofit" policy="new safety standard GB-2027" size="CNY 12bn" growth="8%/year"',
    );
    expect(news.text).toBe('Intel I-0005 recorded (internal).');
    expect((await row('I-0005')).details).toEqual({
      trend: 'IoT retrofit',
      policy: 'new safety standard GB-2027',
      size: 'CNY 12bn',
      growth: '8%/year',
    });
    const shown = (await d.say('chen', 'intel show I-0005')).text.split('\n');
    expect(shown).toEqual(
      expect.arrayContaining([
        'Trend: IoT retrofit',
        'Policy and regulation: new safety standard GB-2027',
        'Market size: CNY 12bn',
        'Growth: 8%/year',
      ]),
    );
    await d.say('qian', 'me lang=zh');
    const rival = await d.say(
      'qian',
      '情报 新增 类型=竞争对手 标题="对手新品" 竞争对手=友商 产品特点=无线 价格策略=低价 市场份额=12% 销售渠道=电商 促销活动=满减',
    );
    expect(rival.text).toBe('已记录情报 I-0006（内部）。');
    expect((await row('I-0006')).details).toEqual({
      competitor: '友商',
      product: '无线',
      pricing: '低价',
      mshare: '12%',
      channels: '电商',
      promotions: '满减',
    });
    const fair = await d.say(
      'qian',
      '情报 新增 类型=市场活动 标题=春季展 活动=春季展会 参与人数=200 客户反馈=好评 转化情况="15 条线索" 共享给=销售',
    );
    expect(fair.text).toBe('已记录情报 I-0007（内部），已共享给销售部。');
    expect((await row('I-0007')).details).toEqual({
      campaign: '春季展会',
      participants: '200',
      feedback: '好评',
      conversions: '15 条线索',
    });
    const zhShow = (await d.say('qian', '情报 查看 I-0007')).text;
    expect(zhShow).toContain('参与人数: 200');
    expect(zhShow).toContain('潜在客户转化: 15 条线索');
    expect((await texts('sales')).findLast((t) => t.includes('I-0007'))).toContain('参与人数: 200');
    await d.say('qian', 'me lang=en');
    expect((await d.say('li', 'intel list kind=competitor')).text).toContain(
      'Competitor: 友商 · Products: 无线 · Pricing: 低价 · Market share: 12% · Channels: 电商 · Promotions: 满减',
    );
  });

  it.each([
    [
      'intel add kind=industry title="x" competitor="Rival X"',
      'competitor= belongs to competitor (kind=competitor), not to industry news; industry news takes trend=, policy=, size=, growth=. Nothing was recorded.',
    ],
    [
      'intel add kind=competitor title="x" participants=20',
      'participants= belongs to campaign feedback (kind=campaign), not to competitor; competitor takes competitor=, product=, pricing=, mshare=, channels=, promotions=. Nothing was recorded.',
    ],
    [
      'intel add kind=tip title="x" trend=up',
      'trend= belongs to industry news (kind=industry), not to tip; a tip takes no structure: choose kind=industry, competitor or campaign to give one. Nothing was recorded.',
    ],
  ])('%s is refused, naming the keys that fit, and writes nothing', async (text, answer) => {
    for (const who of ['qian', 'li']) {
      await d.say(who, 'me lang=en');
      const before = await tally();
      const r = await d.say(who, text);
      expect(r.text.split('\n')[0]).toBe(answer);
      expect(r.text).toContain('Usage: intel add');
      expect(await tally()).toEqual(before);
    }
  });

  it('in Chinese: 情报 核实 / 驳回 / 共享', async () => {
    await d.say('wu', 'intel add kind=campaign title="Expo feedback" feedback="booth too small"');
    await d.say('qian', 'me lang=zh');
    const r = await d.say('qian', '情报 核实 I-0008 备注=属实 共享给=客服,销售');
    expect(r.text).toBe('I-0008 已核实，已发送给客服部、销售部。已通知 Wu Min 吴敏。');
    expect((await texts('service')).some((t) => t.includes('I-0008'))).toBe(true);
    expect((await d.say('qian', '情报 共享 I-0008 部门=生产 密级=机密')).text).toBe(
      'I-0008：已发送给生产部；密级 内部 → 机密（已通知客服部、销售部）。现共享给客服部、销售部、生产部。',
    );
    await d.say('zhou', 'intel add kind=tip title="Road closed"');
    expect((await d.say('qian', '情报 驳回 I-0009 原因=已过时')).text).toBe(
      'I-0009 已驳回，不会共享。已告知 Zhou Tao 周涛 原因。',
    );
    expect((await d.say('qian', '情报 核实 I-0009')).text).toMatch(
      /^I-0009 已处理：.+已驳回：已过时。未做任何修改。$/,
    );
    await d.say('qian', 'me lang=en');
  });
});
