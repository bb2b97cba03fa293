// The approval story of test/story.test.ts, lived through DingTalk with interactive cards: people @ the bot
// in groups and write to it 1:1, approval cards reach the approvers and the management group, clicks by the
// wrong and the right people, a double click that decides once, a decision typed as a command that still
// re-renders every card in place, a confirmation card, and the order's distribution to a department group.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, CardState } from './fakes/dingtalk/fake.ts';
import { type Harness, startHarness, until } from './fakes/dingtalk/harness.ts';

let h: Harness;
const MGMT = 'cidManagement==';
const FINANCE = 'cidFinance==';

const people: [string, string][] = [
  ['manager123', '管理员'],
  ['li', 'Li Lei 李雷'],
  ['wang', 'Wang Qiang 王强'],
  ['zhao', 'Zhao Yun 赵云'],
  ['qian', 'Qian Hui 钱慧'],
];

/** Says something and waits for the ack and the first new reply in that chat. */
async function say(from: string, text: string, group?: string, mentions?: string[]): Promise<string> {
  const chat = group ?? `cid_dm_${from}`;
  const before = h.fake.sentTo(chat).length;
  const ack = await h.fake.robotMessage({
    from,
    text,
    ...(group ? { group } : {}),
    ...(mentions ? { mentions } : {}),
  });
  expect(ack.code).toBe(200);
  return (await until(() => h.fake.sentTo(chat)[before], 5000, `a reply to ${text}`)).text;
}

const hint = (ack: Ack) =>
  (ack.data as { response?: { userPrivateData?: { cardParamMap?: { hint?: string } } } }).response
    ?.userPrivateData?.cardParamMap?.hint ?? '';

/** The label of the button whose action starts with `prefix`. */
function button(card: CardState, prefix: string): string {
  for (let i = 1; i <= 4; i++)
    if (card.params[`btn${i}_show`] === 'true' && card.params[`btn${i}_action`]?.startsWith(prefix))
      return card.params[`btn${i}_label`]!;
  throw new Error(`no ${prefix} button on ${card.params.title}: ${JSON.stringify(card.params)}`);
}

const card = (space: string, ref: string) =>
  until(() => h.fake.cardIn(space, ref), 10_000, `a ${ref} card in ${space}`);
const status = async (table: string, number: string) =>
  (await h.query<{ status: string }>(`select status from ${table} where number = '${number}'`))[0]?.status;

beforeAll(async () => {
  h = await startHarness({ env: { ADMINS: 'dingtalk:manager123', DINGTALK_GROUP_PER_MINUTE: '1000' } });
  await until(() => h.fake.openConnections === 1, 5000, 'the stream connection');
  for (const [id, nick] of people) await h.fake.robotMessage({ from: id, nick, text: 'me lang=en' });
});
afterAll(async () => {
  expect(h.fake.unacked).toBe(0);
  expect(h.fake.acks.every((a) => a.code === 200 && a.latencyMs < 2000)).toBe(true);
  // Apart from the throttling the test asked for, DingTalk never had to refuse anything the adapter sent.
  expect(h.fake.refusals.filter((r) => !r.code.includes('QpsLimit'))).toEqual([]);
  await h?.close();
});

describe('setting up through DingTalk', () => {
  it('the admin binds groups and gives roles by @-mentioning people', async () => {
    expect(await say('manager123', 'admin bind management', MGMT)).toMatch(/Management/);
    expect(await say('manager123', 'admin bind finance', FINANCE)).toMatch(/Finance/);
    const roles: [string, string][] = [
      ['li', 'sales_rep'],
      ['wang', 'sales_manager'],
      ['zhao', 'head dept=finance'],
      ['qian', 'head dept=marketing'],
    ];
    for (const [who, role] of roles)
      expect(await say('manager123', `admin role {mentions} ${role}`, MGMT, [who])).toMatch(/is now/);
  });
});

describe('the approval story', () => {
  it('li registers a customer and a quote, and submits it; the cards wait out throttling', async () => {
    expect(await say('li', 'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000')).toContain(
      'C-0001',
    );
    expect(
      await say(
        'li',
        'quote new customer=C-0001 item="Sensor | X200 | 200 | 600" valid=+30d tax=included delivery=+45d payment="30% advance"',
      ),
    ).toContain('¥120,000.00');
    h.fake.throttleNext('/v1.0/card/instances/createAndDeliver', 2);
    expect(await say('li', 'quote submit Q-0001 note="volume price"')).toMatch(/A-0001/);
    const wang = await card('wang', 'A-0001');
    const mgmt = await card(MGMT, 'A-0001');
    expect(button(wang, 'run:approval approve')).toBe('Approve');
    // The group copy masks the amount; wang's private copy shows it.
    expect(mgmt.params.body).not.toContain('120,000');
    expect(wang.params.body).toContain('¥120,000.00');
    expect(h.fake.refusals.filter((r) => r.code.includes('QpsLimit')).length).toBe(2);
  });

  it('a click by the wrong person is refused, privately', async () => {
    const mgmt = h.fake.cardIn(MGMT, 'A-0001');
    const ack = await h.fake.click(mgmt.outTrackId, 'zhao', button(mgmt, 'run:approval approve'));
    expect(hint(ack)).toMatch(/not an approver/);
    await until(() => h.fake.sentTo('zhao').some((s) => s.text.includes('not an approver')));
    expect(await status('quotes', 'Q-0001')).toBe('pending');
  });

  it('Reject asks for the reason as a command to type (a DingTalk card has no form here)', async () => {
    const wang = h.fake.cardIn('wang', 'A-0001');
    const ack = await h.fake.click(wang.outTrackId, 'wang', button(wang, 'run:approval reject'));
    expect(hint(ack)).toMatch(/approval reject A-0001 reason=…/);
    expect(await status('quotes', 'Q-0001')).toBe('pending');
  });

  it('wang clicks Approve twice at once: one decision, and his card is updated in place', async () => {
    const wang = h.fake.cardIn('wang', 'A-0001');
    const label = button(wang, 'run:approval approve');
    const acks = await Promise.all([
      h.fake.click(wang.outTrackId, 'wang', label),
      h.fake.click(wang.outTrackId, 'wang', label),
    ]);
    const hints = acks.map(hint);
    expect(hints.filter((t) => /moves to step 2/.test(t))).toHaveLength(1);
    // Updated in place (PUT /v1.0/card/instances), not posted again.
    await until(() => wang.history.length > 1, 5000, 'wang’s card updated');
    expect(wang.params).not.toEqual(wang.history[0]);
    expect(h.fake.cardsIn('wang').filter((c) => c.params.title?.includes('A-0001'))).toHaveLength(1);
    await card('zhao', 'A-0001');
    await card('qian', 'A-0001');
  });

  it('zhao approves by typing the command; qian clicks; every card shows the outcome without buttons', async () => {
    expect(await say('zhao', 'approval approve A-0001')).toMatch(/waiting for the other signers/);
    const zhao = h.fake.cardIn('zhao', 'A-0001');
    // Decided from another source than the card: the card is still re-rendered in place.
    await until(() => zhao.history.length > 1, 5000, 'zhao’s card updated');
    const qian = h.fake.cardIn('qian', 'A-0001');
    const ack = await h.fake.click(qian.outTrackId, 'qian', button(qian, 'run:approval approve'));
    expect(hint(ack)).toMatch(/now approved/);
    expect(await status('quotes', 'Q-0001')).toBe('approved');
    for (const space of ['wang', 'zhao', 'qian', MGMT]) {
      const c = h.fake.cardIn(space, 'A-0001');
      await until(
        () => /Approved by Qian|钱慧 于 .* 已批准/.test(h.fake.cardIn(space, 'A-0001').params.note ?? ''),
        5000,
        `the outcome on ${space}`,
      );
      expect(h.fake.buttons(c.outTrackId)).toEqual([]);
      expect(h.fake.cardsIn(space).filter((x) => x.params.title?.includes('A-0001'))).toHaveLength(1);
    }
    await until(() => h.fake.sentTo('li').some((s) => s.text.includes('Q-0001 approved')));
  });

  it('the order goes through its approval and reaches the finance group, which acknowledges on the card', async () => {
    expect(await say('li', 'quote send Q-0001')).toMatch(/Q-0001/);
    expect(await say('li', 'quote feedback Q-0001 result=accepted note="signs next week"')).toMatch(
      /accepted/,
    );
    expect(await say('li', 'order new from=Q-0001 place=Shenzhen')).toContain('SO-0001');
    expect(await say('li', 'order submit SO-0001')).toMatch(/A-0002/);
    const wang = await card('wang', 'A-0002');
    expect(hint(await h.fake.click(wang.outTrackId, 'wang', button(wang, 'run:approval approve')))).toMatch(
      /now approved/,
    );
    expect(await status('orders', 'SO-0001')).toBe('confirmed');
    const fin = await card(FINANCE, 'SO-0001');
    expect(`${fin.params.title} ${fin.params.body}`).toContain('SO-0001');
    const ack = await h.fake.click(fin.outTrackId, 'zhao', button(fin, 'run:order ack'));
    expect(hint(ack)).toMatch(/Acknowledged SO-0001/);
    await until(
      () => /确认|acknowledged/i.test(h.fake.cardIn(FINANCE, 'SO-0001').params.note ?? ''),
      5000,
      'the ack on the card',
    );
  });

  it('a confirmation card is answered by its button', async () => {
    await say('li', 'lead add customer=C-0001 source=expo desc="needs 200 sensors"');
    await h.fake.robotMessage({ from: 'li', text: 'lead convert L-0001' });
    const ask = await card('li', 'Please confirm');
    const ack = await h.fake.click(ask.outTrackId, 'li', button(ask, 'confirm:'));
    expect(hint(ack)).toMatch(/converted to C-0001/);
    await until(() => h.fake.buttons(ask.outTrackId).length === 0, 5000, 'the confirmation card closed');
    expect(await status('leads', 'L-0001')).toBe('converted');
  });
});
