// The WeCom intelligent bot end to end, through the real @wecom/aibot-node-sdk against the fake WeCom:
// 1:1 and group commands, card replies, clicks by the right and the wrong person, the in-place update
// within 5 s, follow-ups where WeCom cannot update, pushes, redeliveries, malformed frames.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { BOT, memoryLog, People, SECRET, startWeComApp, stopWeComApp, textOf } from './fakes/wecom/app.ts';
import { FakeWeCom, waitFor } from './fakes/wecom/server.ts';

let fake: FakeWeCom;
let app: App;
let url: string;
let p: People;
const mem = memoryLog('warn');
const MGMT = 'wrkCHATmgmt01';

async function query<T>(text: string): Promise<T[]> {
  const r = (await app.database.db.execute(sql.raw(text))) as unknown;
  return (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
}

beforeAll(async () => {
  fake = await new FakeWeCom({ bots: { [BOT]: SECRET } }).start();
  ({ app, url } = await startWeComApp(fake, { log: mem.log }));
  p = new People(fake);
  await waitFor(() => fake.isConnected(BOT), 8000, 'the bot to connect');
});
afterAll(async () => {
  await stopWeComApp(app, url);
  await fake?.close();
});

describe('commands', () => {
  it('the real SDK subscribes with the bot id and secret', () => {
    const sub = fake.frames.find((f) => f.frame.cmd === 'aibot_subscribe');
    expect(sub?.frame.body).toMatchObject({ bot_id: BOT, secret: SECRET });
    expect(fake.subscribes.filter((s) => s.ok)).toHaveLength(1);
  });

  it('answers 1:1 commands on the callback req_id, and unknown people have no role', async () => {
    expect(await p.say('li', 'me lang=en')).toMatch(/English|en/);
    const denied = await p.say('li', 'customer add name="Acme Ltd"');
    expect(denied).toMatch(/no role yet/);
    const reply = fake.sent.findLast((s) => s.conv === 'li');
    expect(reply?.via).toBe('respond');
    expect(reply?.body.msgtype).toBe('stream');
    expect(reply?.body.stream.finish).toBe(true);
  });

  it('ADMINS makes wecom:boss an admin; @mentions reach the core as people on WeCom', async () => {
    for (const who of ['boss', 'wang', 'zhao']) await p.say(who, 'me lang=en');
    expect(await p.say('boss', 'admin role @li sales_rep')).toMatch(/sales rep/i);
    expect(await p.say('boss', 'admin role @wang sales_manager')).toMatch(/sales manager/i);
    expect(await p.say('boss', 'admin role @zhao member dept=finance')).toMatch(/Finance/);
    // li hears of the new role through a push to the direct chat.
    await waitFor(() => p.pushesTo('li').some((s) => textOf(s).includes('sales rep')), 8000, 'li told');
  });

  it('in a group, the @mention of the bot is stripped; admin bind binds the group', async () => {
    expect(await p.say('li', 'admin bind management', MGMT)).toMatch(/may not use/);
    expect(await p.say('boss', 'admin bind management', MGMT)).toMatch(/receives the messages of Management/);
    const [row] = await query<{ tenant: string }>(
      `select tenant from chat_bindings where platform = 'wecom' and chat_id = '${MGMT}'`,
    );
    expect(row?.tenant).toBe(BOT);
  });
});

describe('the approval story through WeCom', () => {
  let dmCard: { taskId: string };
  let groupCard: { taskId: string };

  it('a submitted quote brings button cards to the approver and the management group', async () => {
    expect(await p.say('li', 'customer add name="Acme Ltd" contact="Li Lei"')).toContain('C-0001');
    expect(await p.say('li', 'quote new customer=C-0001 item="Sensor | X200 | 10 | 20"')).toContain('Q-0001');
    expect(await p.say('li', 'quote submit Q-0001')).toMatch(/A-0001/);
    dmCard = await p.card('wang', 'A-0001');
    groupCard = await p.card(MGMT, 'A-0001');
    const card = (await p.card('wang', 'A-0001')).body.template_card;
    expect(card.card_type).toBe('button_interaction');
    expect(card.button_list.map((b: { key: string }) => b.key)).toEqual(['run:approval approve A-0001']);
    // No forms on WeCom: rejecting says what to type.
    expect(card.sub_title_text).toContain('approval reject A-0001 reason=');
    await waitFor(
      async () => {
        const [n] = await query<{ n: number }>(
          `select count(*)::int n from posted_cards where platform = 'wecom'`,
        );
        return (n?.n ?? 0) >= 2;
      },
      8000,
      'both cards remembered',
    );
  });

  it('a click by someone who may not decide changes nothing and is answered', async () => {
    const before = fake.sent.length;
    fake.click(BOT, {
      userid: 'zhao',
      chatid: MGMT,
      taskId: groupCard.taskId,
      key: 'run:approval approve A-0001',
    });
    const answer = await waitFor(() => fake.sent.slice(before).find((s) => s.conv === MGMT), 8000, 'answer');
    expect(textOf(answer)).toMatch(/not an approver/);
    expect(fake.sent.slice(before).some((s) => s.via === 'update')).toBe(false);
    const [a] = await query<{ state: string }>(`select state from approvals where number = 'A-0001'`);
    expect(a?.state).toBe('pending');
  });

  it('the approver clicks: the card is replaced in place within 5 s, the group copy gets a follow-up', async () => {
    const before = fake.sent.length;
    const reqId = fake.click(BOT, {
      userid: 'wang',
      taskId: dmCard.taskId,
      key: 'run:approval approve A-0001',
    });
    const update = await waitFor(() => fake.sent.find((s) => s.reqId === reqId), 8000, 'the update');
    expect(update.via).toBe('update');
    expect(update.at - fake.sent[before - 1]!.at).toBeLessThan(60_000);
    const card = fake.card(BOT, dmCard.taskId)!;
    expect(card.task_id).toBe(dmCard.taskId);
    expect(JSON.stringify(card)).toMatch(/Approved by wang/i);
    expect(card.button_list).toEqual([{ text: 'Done', style: 2, key: 'noop' }]);
    // The group's card cannot be changed outside a click's window: a follow-up says what changed.
    await waitFor(
      () => p.pushesTo(MGMT, before).some((s) => /已批准|approved/i.test(textOf(s))),
      8000,
      'follow-up',
    );
    // li is told.
    await waitFor(
      () => p.pushesTo('li', before).some((s) => textOf(s).includes('Q-0001 approved')),
      8000,
      'li',
    );
    const [q] = await query<{ status: string }>(`select status from quotes where number = 'Q-0001'`);
    expect(q?.status).toBe('approved');
  });

  it('a redelivered click and a repeated click change nothing twice', async () => {
    const clickFrame = fake.frames.length; // unused marker
    void clickFrame;
    const lastClick = [...fake.sent].reverse().find((s) => s.via === 'update')!;
    const frame = fake.lastCallbackFrame(lastClick.reqId!)!;
    const before = fake.sent.length;
    fake.redeliver(BOT, frame);
    await new Promise((r) => setTimeout(r, 600));
    expect(fake.sent.slice(before).map((s) => [s.via, s.conv, textOf(s).slice(0, 80)])).toEqual([]);
    // Pressing the old group card again (a new click): answered, nothing decided twice.
    fake.click(BOT, {
      userid: 'wang',
      chatid: MGMT,
      taskId: groupCard.taskId,
      key: 'run:approval approve A-0001',
    });
    const answer = await waitFor(() => fake.sent.slice(before).find((s) => s.conv === MGMT), 8000, 'answer');
    expect(textOf(answer)).toMatch(/already approved/i);
    // Pressing the inert button of the replaced card does nothing at all.
    const n = fake.sent.length;
    fake.click(BOT, { userid: 'wang', taskId: dmCard.taskId, key: 'noop' });
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.sent.length).toBe(n);
    const events = await query<{ kind: string }>(
      `select e.kind from approval_events e join approvals a on a.id = e.approval_id where a.number = 'A-0001' order by e.id`,
    );
    expect(events.map((e) => e.kind)).toEqual(['submit', 'approve']);
  });

  it('a redelivered message is answered once', async () => {
    const reqId = fake.text(BOT, { userid: 'li', content: 'customer add name="Beta Co"', msgid: 'dup-1' });
    await waitFor(() => fake.sent.find((s) => s.reqId === reqId), 8000, 'answer');
    const before = fake.sent.length;
    fake.redeliver(BOT, fake.lastCallbackFrame(reqId)!);
    await new Promise((r) => setTimeout(r, 600));
    expect(fake.sent.length).toBe(before);
    const [c] = await query<{ n: number }>(`select count(*)::int n from customers where name = 'Beta Co'`);
    expect(c?.n).toBe(1);
  });

  it('the SDK-typed flat click payload still works', async () => {
    await p.say('li', 'quote new customer=C-0001 item="Sensor | X200 | 1 | 10"');
    await p.say('li', 'quote submit Q-0002');
    const card = await p.card('wang', 'A-0002');
    const reqId = fake.click(BOT, {
      userid: 'wang',
      taskId: card.taskId,
      key: 'run:approval approve A-0002',
      flat: true,
    });
    await waitFor(() => fake.sent.find((s) => s.reqId === reqId), 8000, 'the update');
    const [a] = await query<{ state: string }>(`select state from approvals where number = 'A-0002'`);
    expect(a?.state).toBe('approved');
  });
});

describe('the 5 s window', () => {
  it('an update WeCom refuses as late (846605) becomes a follow-up message, nothing is lost', async () => {
    await p.say('li', 'quote new customer=C-0001 item="Sensor | X200 | 2 | 10"');
    await p.say('li', 'quote submit Q-0003');
    const card = await p.card('wang', 'A-0003');
    fake.opts.updateWindowMs = 0;
    const before = fake.sent.length;
    fake.click(BOT, { userid: 'wang', taskId: card.taskId, key: 'run:approval approve A-0003' });
    await waitFor(
      () => p.pushesTo('wang', before).some((s) => /A-0003/.test(textOf(s)) && /approved/i.test(textOf(s))),
      8000,
      'follow-up to wang',
    );
    expect(fake.sent.slice(before).some((s) => s.via === 'update')).toBe(false);
    fake.opts.updateWindowMs = 5000;
  });
});

describe('malformed frames', () => {
  it('are logged and dropped; the next good message is answered', async () => {
    const before = mem.lines.length;
    fake.raw(BOT, 'not json at all {');
    fake.raw(BOT, JSON.stringify({ cmd: 'aibot_msg_callback', headers: { req_id: 'REQ_BAD_1' }, body: {} }));
    fake.raw(
      BOT,
      JSON.stringify({
        cmd: 'aibot_msg_callback',
        headers: { req_id: 'REQ_BAD_2' },
        body: {
          msgid: 'x',
          msgtype: 'text',
          chattype: 'group',
          from: { userid: 'li' },
          text: { content: 'help' },
        },
      }),
    );
    fake.raw(
      BOT,
      JSON.stringify({
        cmd: 'aibot_event_callback',
        headers: { req_id: 'REQ_BAD_3' },
        body: {
          msgid: 'y',
          msgtype: 'event',
          chattype: 'single',
          from: { userid: 'li' },
          event: { eventtype: 'template_card_event' },
        },
      }),
    );
    expect(await p.say('li', 'help')).toBeTruthy();
    const logged = mem.lines.slice(before).map((l) => l.msg);
    expect(logged.some((m) => /Failed to parse/.test(m))).toBe(true);
    expect(logged.some((m) => /invalid message format/.test(m))).toBe(true);
    expect(logged.filter((m) => /malformed/.test(m)).length).toBeGreaterThanOrEqual(2);
  });
});
