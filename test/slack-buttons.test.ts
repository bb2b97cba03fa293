// The Slack buttons and slash-command forms the other Slack tests leave out: Cancel on a confirmation card,
// Done and Snooze on a reminder card, a card decided from another platform (the console) updated in place on
// Slack, and the /crm /lead /quote /order forms. Each checks what Slack received and what the database holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireOccurrence } from '../src/schedule/fire.ts';
import {
  buttonsOf,
  CHANNELS,
  type Harness,
  hasButtons,
  mention,
  type Person,
  startHarness,
  uid,
} from './fakes/slack/harness.ts';
import type { FakeMessage } from './fakes/slack/server.ts';
import { consoleHeaders } from './helpers/console.ts';

let h: Harness;

beforeAll(async () => {
  // Slack and the console side by side: no demo organisation, so people come from Slack.
  h = await startHarness({ CONSOLE: 'on' });
  for (const p of ['li', 'wang', 'admin'] as Person[]) await h.say(p, 'me lang=en');
  await h.say('admin', `admin role ${mention('li')} sales_rep`, CHANNELS.sales);
  await h.say('admin', `admin role ${mention('wang')} sales_manager`, CHANNELS.sales);
  await h.say('li', 'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000', CHANNELS.sales);
}, 60_000);
afterAll(() => h?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const status = async (table: string, number: string) =>
  (await h.query<{ status: string }>(`select status from ${table} where number = '${number}'`))[0]?.status;
const updatesOf = (m: FakeMessage) =>
  h.slack.callsTo('chat.update').filter((c) => c.args.ts === m.ts && c.args.channel === m.channel);
/** Whether blocks sent to Slack (a chat.update or a response_url body) hold any buttons. */
const blocksHaveButtons = (blocks: unknown) =>
  Array.isArray(blocks) && blocks.some((b) => (b as { type: string }).type === 'actions');

async function occurrencesOf(number: string) {
  return h.query<{ id: number; state: string }>(
    `select o.id, o.state from reminder_occurrences o join reminders r on r.id = o.reminder_id
      where r.number = '${number}' order by o.id`,
  );
}

/** `/crm remind me +2h "…"` by li; fires its occurrence three hours on and returns the card posted in li's DM. */
async function firedReminder(what: string): Promise<{ number: string; occ: number; card: FakeMessage }> {
  const [answer] = await h.say('li', `remind me +2h "${what}"`);
  const number = /R-\d{4}/.exec(answer!.text)![0];
  const [occ] = await occurrencesOf(number);
  expect(occ?.state).toBe('scheduled');
  expect(await fireOccurrence(h.app.database.db, occ!.id, new Date(Date.now() + 3 * 3600_000))).toBe('fired');
  await h.app.delivery.drain();
  const card = await h.waitFor(
    () =>
      h.slack.messagesIn(h.dm('li')).find((m) => m.text.includes(what) && hasButtons(m) && m.via === 'api'),
    `the reminder card "${what}"`,
  );
  const post = h.slack
    .callsTo('chat.postMessage')
    .find((c) => c.status === 200 && Array.isArray(c.args.blocks) && JSON.stringify(c.args).includes(what));
  expect(post?.args.channel).toBe(h.dm('li'));
  return { number, occ: occ!.id, card };
}

describe('Cancel on a confirmation card', () => {
  it('in the DM with the bot: nothing converted; the card is updated in place with chat.update, no buttons', async () => {
    const [added] = await h.say(
      'li',
      'lead add customer=C-0001 source=expo desc="cancel me"',
      CHANNELS.sales,
    );
    const lead = /L-\d{4}/.exec(added!.text)![0];
    const [ask] = await h.say('li', `lead convert ${lead}`);
    expect(ask!.via).toBe('api');
    expect(buttonsOf(ask!).map((b) => b.text)).toEqual(['Confirm', 'Cancel']);
    const { sent, answers } = await h.press('li', ask!, (b) => String(b.value).startsWith('cancel:'));
    expect(sent.status).toBe(200);
    expect(answers.map((m) => m.text).join()).toMatch(/Cancelled; nothing was changed/);
    await h.waitFor(() => updatesOf(ask!).length > 0 && !hasButtons(ask!), 'the card updated in place');
    const update = updatesOf(ask!).at(-1)!;
    expect(update.status).toBe(200);
    expect(blocksHaveButtons(update.args.blocks)).toBe(false);
    expect(ask!.text).toMatch(/Cancelled by Li Lei/);
    expect(await status('leads', lead)).not.toBe('converted');
    expect(await h.query(`select id from quotes`)).toEqual([]);
    const [conf] = await h.query<{ state: string }>(
      `select state from confirmations order by created_at desc limit 1`,
    );
    expect(conf?.state).toBe('cancelled');
    // A later Confirm is impossible: there is no button left to press.
    expect(() => h.slack.blockAction(uid('li'), ask!, (b) => String(b.value).startsWith('confirm:'))).toThrow(
      /no such button/,
    );
  });

  it('on an ephemeral card in a channel: the card is replaced through response_url, no buttons', async () => {
    const [added] = await h.say(
      'li',
      'lead add customer=C-0001 source=web desc="cancel too"',
      CHANNELS.sales,
    );
    const lead = /L-\d{4}/.exec(added!.text)![0];
    const card = (await h.say('li', `lead convert ${lead}`, CHANNELS.sales)).find(hasButtons)!;
    expect(card.ephemeralFor).toBe(uid('li'));
    const replaced = h.slack.callsTo('response_url').length;
    await h.press('li', card, (b) => String(b.value).startsWith('cancel:'));
    expect(hasButtons(card)).toBe(false);
    expect(card.history.length).toBe(1);
    expect(card.text).toMatch(/Cancelled; nothing was changed/);
    const replace = h.slack
      .callsTo('response_url')
      .slice(replaced)
      .find((c) => c.args.replace_original === true);
    expect(replace).toBeDefined();
    expect(blocksHaveButtons(replace!.args.blocks)).toBe(false);
    expect(await status('leads', lead)).not.toBe('converted');
    const [conf] = await h.query<{ state: string }>(
      `select state from confirmations order by created_at desc limit 1`,
    );
    expect(conf?.state).toBe('cancelled');
  });
});

describe('Done and Snooze on a reminder card delivered to Slack', () => {
  it('Done: the occurrence is done and the card is updated in place without buttons', async () => {
    const { number, occ, card } = await firedReminder('call Acme');
    expect(buttonsOf(card).map((b) => b.text)).toEqual(['Done', 'Snooze 1 hour', 'Snooze 1 working day']);
    const { answers } = await h.press('li', card, `run:remind done ${occ}`);
    expect(answers.map((m) => m.text).join()).toContain(`Done: ${number}`);
    await h.waitFor(() => updatesOf(card).length > 0 && !hasButtons(card), 'the reminder card updated');
    expect(blocksHaveButtons(updatesOf(card).at(-1)!.args.blocks)).toBe(false);
    expect(JSON.stringify(card.blocks)).toMatch(/Done by Li Lei/);
    expect((await occurrencesOf(number)).map((o) => o.state)).toEqual(['done']);
  });

  it('Snooze 1 hour: a new occurrence is scheduled and the card is updated in place without buttons', async () => {
    const { number, occ, card } = await firedReminder('send the catalogue');
    const { answers } = await h.press('li', card, `run:remind snooze ${occ} for=1h`);
    expect(answers.map((m) => m.text).join()).toMatch(/remind again at/);
    await h.waitFor(() => updatesOf(card).length > 0 && !hasButtons(card), 'the reminder card updated');
    expect(JSON.stringify(card.blocks)).toMatch(/Snoozed by Li Lei/);
    const rows = await occurrencesOf(number);
    expect(rows.map((o) => o.state)).toEqual(['snoozed', 'scheduled']);
    const [next] = await h.query<{ due: string }>(
      `select due_at::text as due from reminder_occurrences where id = ${rows[1]!.id}`,
    );
    expect(new Date(next!.due).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
  });
});

describe('a card decided from another platform', () => {
  it('an approval requested on Slack and approved in the console: the Slack card is updated in place', async () => {
    // The /quote shortcut with arguments writes the quote at once.
    const sent = await h.command('li', 'new customer=C-0001 item="Sensor | X200 | 1 | 10"', {
      channel: CHANNELS.sales,
      command: '/quote',
    });
    expect(sent.status).toBe(200);
    const made = await h.waitFor(
      () => h.slack.ephemeralsFor(uid('li'), CHANNELS.sales).find((m) => /Q-\d{4}/.test(m.text)),
      'the quote answer',
    );
    const quote = /Q-\d{4}/.exec(made.text)![0];
    expect(await status('quotes', quote)).toBe('draft');
    const [submitted] = await h.say('li', `quote submit ${quote}`, CHANNELS.sales);
    const approval = /A-\d{4}/.exec(submitted!.text)![0];
    const wangs = await h.waitFor(
      () => h.slack.messagesIn(h.dm('wang')).find((m) => m.text.includes(approval) && hasButtons(m)),
      `wang's card for ${approval}`,
    );
    // wang is the same person in the console.
    const [wang] = await h.query<{ person_id: number }>(
      `select person_id from identities where platform = 'slack' and external_id = '${uid('wang')}'`,
    );
    await h.query(
      `insert into identities (person_id, platform, tenant, external_id, display_name)
       values (${wang!.person_id}, 'console', '', 'wang', 'Wang Qiang')`,
    );
    const res = await fetch(`${h.app.url}/console/api/messages`, {
      method: 'POST',
      headers: await consoleHeaders(h.app.url),
      body: JSON.stringify({ chat: 'dm:wang', user: 'wang', text: `approval approve ${approval}` }),
    });
    expect(res.status).toBe(200);
    const { replies } = (await res.json()) as { replies: { text: string }[] };
    expect(replies.map((r) => r.text).join()).toMatch(/now approved/);
    await h.waitFor(
      () => updatesOf(wangs).some((c) => c.status === 200) && !hasButtons(wangs),
      'the Slack card updated',
    );
    expect(blocksHaveButtons(updatesOf(wangs).at(-1)!.args.blocks)).toBe(false);
    expect(JSON.stringify(wangs.blocks)).toMatch(/Approved by Wang/);
    expect(await status('quotes', quote)).toBe('approved');
    const [a] = await h.query<{ state: string; decided_by: number }>(
      `select state, decided_by from approvals where number = '${approval}'`,
    );
    expect(a).toEqual({ state: 'approved', decided_by: wang!.person_id });
    // li, who is only on Slack, is told there.
    await h.waitFor(
      () => h.slack.messagesIn(h.dm('li')).find((m) => m.text.includes(`${quote} approved`)),
      'li told on Slack',
    );
  });
});

describe('every slash-command form', () => {
  const answerTo = async (who: Person, command: string, text: string, match: RegExp) => {
    const before = h.slack.ephemeralsFor(uid(who), CHANNELS.sales).length;
    const sent = await h.command(who, text, { channel: CHANNELS.sales, command });
    expect(sent.status).toBe(200);
    expect(sent.ms).toBeLessThan(3000);
    const answer = await h.waitFor(
      () =>
        h.slack
          .ephemeralsFor(uid(who), CHANNELS.sales)
          .slice(before)
          .find((m) => match.test(m.text)),
      `an answer to ${command} ${text}`,
    );
    expect(answer.via).toBe('response_url');
    return answer;
  };

  it('/crm with no text answers with the help', async () => {
    const answer = await answerTo('li', '/crm', '', /lead/);
    expect(answer.text).toMatch(/quote/);
    expect(answer.text).toMatch(/order/);
    expect(h.slack.messagesIn(CHANNELS.sales).filter((m) => !m.ephemeralFor)).toEqual([]);
  });

  it('/lead, /quote and /order with no text answer with the help for that noun', async () => {
    for (const noun of ['lead', 'quote', 'order']) {
      const answer = await answerTo('li', `/${noun}`, '', new RegExp(`${noun} \\w+`));
      expect(answer.text).toMatch(new RegExp(`${noun} (add|new)`));
    }
  });

  it('/lead add writes a lead; /lead list and /quote list read', async () => {
    const before = (await h.query(`select id from leads`)).length;
    const added = await answerTo(
      'li',
      '/lead',
      'add customer=C-0001 source=web desc="via shortcut"',
      /L-\d{4}/,
    );
    const lead = /L-\d{4}/.exec(added.text)![0];
    expect((await h.query(`select id from leads`)).length).toBe(before + 1);
    const [row] = await h.query<{ description: string }>(
      `select description from leads where number = '${lead}'`,
    );
    expect(row?.description).toBe('via shortcut');
    await answerTo('li', '/lead', 'list', new RegExp(lead));
    await answerTo('li', '/quote', 'list', /Q-0001/);
  });

  it('/quote send and feedback, then /order new from the quote writes an order; /order show reads it', async () => {
    await answerTo('li', '/quote', 'send Q-0001', /Q-0001/);
    await answerTo('li', '/quote', 'feedback Q-0001 result=accepted note="signs"', /Q-0001/);
    const made = await answerTo('li', '/order', 'new from=Q-0001 place=Shenzhen', /SO-\d{4}/);
    const order = /SO-\d{4}/.exec(made.text)![0];
    expect(await status('orders', order)).toBe('draft');
    await answerTo(
      'li',
      '/order',
      `show ${order}`,
      new RegExp(`${order}[\\s\\S]*Shenzhen|Shenzhen[\\s\\S]*${order}`),
    );
  });

  it('/order new with nothing after opens the order form', async () => {
    const opens = h.slack.callsTo('views.open').length;
    const answered = h.slack.ephemeralsFor(uid('li'), CHANNELS.sales).length;
    const sent = await h.command('li', 'new', { channel: CHANNELS.sales, command: '/order' });
    expect(sent.status).toBe(200);
    const view = await h.waitFor(() => h.slack.openViewsOf(uid('li')).at(-1), 'the order form');
    expect(view.view.callback_id).toBe('sr_form_order');
    // Its fields are the keys the command table's form asks for, named by the keys (li reads English).
    type Input = { type: string; block_id?: string; label?: { text: string }; element?: { type: string } };
    const inputs = (view.view.blocks as Input[]).filter((b) => b.type === 'input');
    expect(inputs.map((b) => b.block_id)).toEqual([
      'customer',
      'from',
      'line_1_name',
      'line_1_model',
      'line_1_qty',
      'line_1_price',
      'delivery',
      'place',
      'payment',
      'note',
    ]);
    const field = (id: string) => inputs.find((b) => b.block_id === id)!;
    expect(field('from').label?.text).toBe('From');
    expect(field('delivery').element?.type).toBe('datepicker');
    expect((view.view as unknown as { title: { text: string } }).title.text).toBe('New order');
    expect(
      h.slack
        .callsTo('views.open')
        .slice(opens)
        .map((c) => c.status),
    ).toEqual([200]);
    await sleep(300);
    // The form is the answer: no usage text is sent as well.
    expect(h.slack.ephemeralsFor(uid('li'), CHANNELS.sales).slice(answered)).toEqual([]);
  });
});
