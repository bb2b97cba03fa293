// One contract for every channel adapter, as test/queue-contract.test.ts is for the queue drivers: the same
// cases run against each platform through its faithful fake and its real SDK (test/contract/<name>.ts), on
// one app per platform shared by its cases (they build on each other: the quote of case 2 is decided in
// case 3). A case a platform cannot do is skipped for it with the reason, never made to pass.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runButton } from '../src/cards/actions.ts';
import {
  failureKind,
  type Message,
  type PostedRef,
  type PostOptions,
  type PostTarget,
  type RetryLaterError,
  type Sender,
  typedCommand,
} from '../src/port/index.ts';
import { consoleDriver } from './contract/console.ts';
import { dingtalkDriver } from './contract/dingtalk.ts';
import { type CaseId, type Letter, type PlatformDriver, until, type Where } from './contract/driver.ts';
import { emailDriver } from './contract/email.ts';
import { feishuDriver } from './contract/feishu.ts';
import { slackDriver } from './contract/slack.ts';
import { wecomDriver } from './contract/wecom.ts';

const drivers: PlatformDriver[] = [
  consoleDriver(),
  dingtalkDriver(),
  feishuDriver(),
  slackDriver(),
  wecomDriver(),
  emailDriver(),
];

const numberIn = (text: string, prefix: string): string => {
  const m = new RegExp(`${prefix}-\\d{4}`).exec(text);
  if (!m) throw new Error(`no ${prefix} number in: ${text}`);
  return m[0];
};

/**
 * Posts as the outbox's delivery does: a platform that asks to wait (its rate limit, RetryLaterError) is
 * tried again after the time it named.
 */
async function postAsOutbox(
  sender: Sender,
  target: PostTarget,
  message: Message,
  opts?: PostOptions,
): Promise<PostedRef> {
  for (;;) {
    try {
      return await sender.post(target, message, opts);
    } catch (err) {
      if (failureKind(err) !== 'retry-later') throw err;
      await new Promise((r) => setTimeout(r, (err as RetryLaterError).afterMs));
    }
  }
}

/** A card only this case posts, with run buttons (each has a typed command). */
function probeCard(title: string, buttons: number): Message {
  return {
    text: title,
    locale: 'en',
    card: {
      title,
      fields: [{ label: 'Probe', value: title }],
      actions: Array.from({ length: buttons }, (_, i) => ({
        id: runButton(`customer show C-${String(i + 1).padStart(4, '0')}`),
        label: `Show ${i + 1}`,
        style: 'default' as const,
      })),
    },
  };
}

describe.each(drivers)('adapter contract: $name', (d) => {
  const caps = d.declaration?.capabilities;
  const status = async (table: string, number: string) =>
    (await d.query<{ status: string }>(`select status from ${table} where number = '${number}'`))[0]?.status;
  const noneDead = async () =>
    (await d.query<{ n: number }>(`select count(*)::int n from outbox where state = 'dead'`))[0]!.n === 0;
  const MANAGER: Where = { person: 'wang' };
  const MGMT: Where = { group: 'management' };
  const FINANCE: Where = { group: 'finance' };
  // What the cases make, for the cases after them.
  let customer = '';
  let quote = '';
  let approval = '';
  let groupShownBefore = 0;

  beforeAll(() => d.start(), 120_000);
  afterAll(() => d.close());

  /**
   * A case, or skipped with the reason when the channel cannot do it (PlatformDriver.cannot); `skip`: the
   * channel lacks what the case needs (the reason is beside the case).
   */
  const contract = (
    id: CaseId,
    name: string,
    fn: () => Promise<void>,
    opts: { skip?: boolean; timeout?: number } = {},
  ) => {
    const why = d.cannot?.[id];
    if (why) return it.skip(`${name} — cannot: ${why}`, fn);
    return it.skipIf(opts.skip ?? false)(name, fn, opts.timeout);
  };

  describe('1. a command and its reply', () => {
    contract('1', 'privately', async () => {
      const reply = await d.say('li', 'customer add name="Contract Ltd" contact="Li Lei" phone=13800000000');
      customer = numberIn(reply, 'C');
      expect(reply).toContain(customer);
    });

    contract('1', 'in a group', async () => {
      const reply = await d.say('li', `customer show ${customer}`, { group: 'management' });
      expect(reply).toContain('Contract Ltd');
    });
  });

  describe('2–4. cards, buttons and updates in place', () => {
    contract('2a', '2a. an approval card is posted to the manager and to the management group', async () => {
      quote = numberIn(
        await d.say(
          'li',
          `quote new customer=${customer} item="Sensor | X1 | 10 | 100" valid=+30d tax=included delivery=+45d payment="30% advance"`,
        ),
        'Q',
      );
      approval = numberIn(await d.say('li', `quote submit ${quote}`), 'A');
      const mine = await d.card(MANAGER, approval);
      const group = await d.card(MGMT, approval);
      expect(await mine.actions()).toContainEqual(expect.stringMatching(/^run:approval approve/));
      expect(await group.actions()).toContainEqual(expect.stringMatching(/^run:approval approve/));
    });

    contract('3a', '3a. the wrong person pressing Approve is refused and nothing changes', async () => {
      const group = await d.card(MGMT, approval);
      const versions = await group.versions();
      const answer = await d.press('zhao', group, 'run:approval approve');
      expect(answer).toMatch(/not an approver/);
      expect(await status('quotes', quote)).toBe('pending');
      expect(await group.versions()).toBe(versions);
      expect(await (await d.card(MANAGER, approval)).actions()).toContainEqual(
        expect.stringMatching(/^run:approval approve/),
      );
    });

    contract('3b', '3b. the right person pressing Approve decides', async () => {
      const mine = await d.card(MANAGER, approval);
      groupShownBefore = await d.shown(MGMT, approval);
      await d.press('wang', mine, 'run:approval approve');
      await until(async () => (await status('quotes', quote)) === 'approved', 'the quote approved');
    });

    contract('4', '4. the card is updated in place everywhere it was posted, its buttons gone', async () => {
      // Where the platform lets a card change only while its press is answered (WeCom's 5 s window), the
      // pressed card changes in place and every other copy is followed by a message saying what happened.
      const onPress = caps?.updateInPlace === 'on-press';
      if (onPress)
        await until(
          async () => (await d.shown(MGMT, approval)) > groupShownBefore,
          'the follow-up to the group',
        );
      for (const where of onPress ? [MANAGER] : [MANAGER, MGMT]) {
        const card = await d.card(where, approval);
        await until(
          async () => !(await card.actions()).some((a) => a.startsWith('run:approval')),
          `the approval buttons gone in ${JSON.stringify(where)}`,
        );
        expect(await card.versions()).toBeGreaterThan(1);
        expect(await card.text()).toMatch(/Approved|approved|已批准/);
      }
    });

    contract(
      '2b',
      '2b. the confirmed order’s distribution card reaches the department group; its head acknowledges',
      async () => {
        await d.say('li', `quote send ${quote}`);
        await d.say('li', `quote feedback ${quote} result=accepted note="signs next week"`);
        const order = numberIn(await d.say('li', `order new from=${quote} place=Shenzhen`), 'SO');
        const second = numberIn(await d.say('li', `order submit ${order}`), 'A');
        await d.press('wang', await d.card(MANAGER, second), 'run:approval approve');
        await until(async () => (await status('orders', order)) === 'confirmed', 'the order confirmed');
        const fin = await d.card(FINANCE, order);
        expect(await fin.actions()).toContainEqual(expect.stringMatching(/^run:order ack/));
        expect(await d.press('zhao', fin, 'run:order ack')).toMatch(/Acknowledged|确认收到/);
        await until(
          async () => !(await fin.actions()).some((a) => a.startsWith('run:order ack')),
          'the ack button gone',
        );
      },
    );
  });

  // The console's messages carry no platform event id: there is no redelivery to deduplicate.
  contract(
    '5',
    '5. a redelivered event (the same platform event id) is done once',
    async () => {
      const name = `Twice ${randomBytes(3).toString('hex')}`;
      await d.sayTwice!('li', `customer add name="${name}"`);
      await until(async () => (await d.shown({ person: 'li' }, name)) > 0, 'the answer');
      await until(
        async () =>
          (
            await d.query<{ n: number }>(
              `select count(*)::int n from inbound_events where outcome is null and platform = '${d.name}'`,
            )
          )[0]!.n === 0,
        'both deliveries handled',
      );
      expect(await d.query(`select id from customers where name = '${name}'`)).toHaveLength(1);
      expect(await d.shown({ person: 'li' }, name)).toBe(1);
    },
    { skip: !d.sayTwice },
  );

  describe('6. a platform that fails', () => {
    /** wang assigns a new lead to li: the notice to li leaves through the outbox. */
    async function assignThrough(kind: 'outage' | 'limit') {
      const lead = numberIn(
        await d.say('li', `lead add customer=${customer} source=expo desc="through ${kind}"`),
        'L',
      );
      const shownBefore = await d.shown({ person: 'li' }, lead);
      const before = d.failuresSeen!();
      const outboxDone = async () =>
        (
          await d.query<{ n: number }>(
            `select count(*)::int n from outbox where state in ('pending', 'sending')`,
          )
        )[0]!.n === 0;
      d.fail!({ kind, n: 2 });
      try {
        expect(await d.say('wang', `lead assign ${lead} {mention}`, { mention: 'li' })).toContain(lead);
        // Retries wait (WeCom's SDK gives up on an unanswered push after 5 s): a generous limit.
        await until(
          async () => (await d.shown({ person: 'li' }, lead)) > shownBefore,
          'the notice to li',
          60_000,
        );
        expect(d.failuresSeen!() - before).toBe(2);
        await until(outboxDone, 'the outbox done', 60_000);
        expect(await noneDead()).toBe(true);
        // One more message about the lead for li: the notice, once.
        expect(await d.shown({ person: 'li' }, lead)).toBe(shownBefore + 1);
      } finally {
        // Whatever the case found, the platform is well again before the next case.
        await until(() => d.failuresSeen!() - before >= 2, 'the failures asked for met', 60_000);
        await until(outboxDone, 'the outbox done', 60_000);
      }
    }

    // The live answer to a command that meets a failure goes to the outbox (the reply path's fallback) and
    // arrives later: Slack and WeCom once dropped it (`fallback: null`), found by this case.
    const failing = (kind: 'outage' | 'limit', name: string) =>
      // The console is in the app's own process: it has no network to fail.
      contract('6', name, () => assignThrough(kind), { skip: !d.fail, timeout: 150_000 });
    failing('outage', 'an outage (5xx, connection reset, no answer) is retried without loss');
    failing('limit', 'a rate limit (429 / QPS) is waited out: the message arrives once, later');
  });

  describe('7. the idempotency key', () => {
    // The console is wired apart from the platform registry and declares no capabilities; its transcript
    // lives in the app's own memory (no platform answer to lose between a send and its sent mark).
    it.skipIf(!caps || caps.idempotentSends === false)(
      'a post repeated from the same outbox row shows once',
      async () => {
        const title = `Idempotent ${randomBytes(3).toString('hex')}`;
        // A card: what DingTalk (outTrackId) and WeCom (task_id) key, who declare 'some'; Feishu keys all.
        const message = probeCard(title, 1);
        for (const where of [{ person: 'li' }, { group: 'finance' }] as Where[]) {
          // One outbox row is one message to one place: its own key.
          const key = { idempotencyKey: `outbox:${900_000 + Math.floor(Math.random() * 99_999)}` };
          const first = await postAsOutbox(d.sender(), d.target(where), message, key);
          const again = await postAsOutbox(d.sender(), d.target(where), message, key);
          expect(again.messageId).toBe(first.messageId);
          await d.card(where, title);
          expect(await d.shown(where, title)).toBe(1);
        }
      },
    );

    it.skipIf(caps?.idempotentSends !== false)(
      'declares that it has none: a repeated post can show twice (docs/architecture.md, The outbox)',
      async () => {
        const title = `Twice posted ${randomBytes(3).toString('hex')}`;
        const key = { idempotencyKey: `outbox:${900_000 + Math.floor(Math.random() * 99_999)}` };
        await postAsOutbox(d.sender(), d.target({ person: 'li' }), probeCard(title, 1), key);
        await postAsOutbox(d.sender(), d.target({ person: 'li' }), probeCard(title, 1), key);
        await until(async () => (await d.shown({ person: 'li' }, title)) === 2, 'both posts shown');
      },
    );
  });

  // Slack shows every card as blocks with its buttons, Feishu every card as an interactive card, WeCom a
  // card with buttons always as a button card (its text paths, the group robot's webhook and app
  // messages, carry notices without buttons): only DingTalk without the card template has a text-only
  // path for a card. The console shows every card.
  it.skipIf(!d.textOnly)(
    '8a. text-only fallback: a card where only text is shown lists the command to type for each button',
    async () => {
      const message = probeCard(`Text only ${randomBytes(3).toString('hex')}`, 3);
      const text = await d.textOnly!(message);
      for (const a of message.card!.actions) expect(text).toContain(typedCommand(a)!);
    },
  );

  // A card with two buttons more than the platform declares a card can show (limits.text.maxButtons): the
  // ones it does not show as buttons must be offered as the command to type (src/cards/text.ts typedHint).
  // The console shows every button of a card and declares no limits: it has no text-only path.
  it.skipIf(!d.declaration)(
    '8b. text-only fallback: every button is on the card or offered as its typed command',
    async () => {
      const max = d.declaration!.limits.text.maxButtons;
      const title = `Many buttons ${randomBytes(3).toString('hex')}`;
      const message = probeCard(title, max + 2);
      // As the outbox posts it: with its row's key (a channel that sends from the outbox only needs it).
      await postAsOutbox(d.sender(), d.target({ person: 'li' }), message, {
        idempotencyKey: `outbox:${900_000 + Math.floor(Math.random() * 99_999)}`,
      });
      const card = await d.card({ person: 'li' }, title);
      const text = await card.text();
      const shown = await card.actions();
      for (const a of message.card!.actions) {
        const typed = typedCommand(a)!;
        expect(shown.includes(a.id) || text.includes(typed), `${a.label}: a button or "${typed}"`).toBe(true);
      }
    },
  );

  // A channel that reaches people by contact address (email, capabilities.contactAddress): an item goes to
  // the person by address as well as to the chat, never instead; its one button is a signed single-use link
  // that presses the chat card's button as its recipient. The people speak in the chat (ByAddress.chat).
  describe.skipIf(!d.byAddress)('9. a channel that reaches people by address', () => {
    const mail = () => d.byAddress!;
    const acked = (order: string) =>
      d.query<{ code: string; by: string }>(
        `select dp.code, p.handle as by from distributions ds join departments dp on dp.id = ds.department_id
           join people p on p.id = ds.acked_by
         where ds.subject_ref = '${order}' and ds.acked_at is not null order by dp.code`,
      );
    /** The outbox rows of the letters an order's distribution sent by address. */
    const lettersOf = (order: string) =>
      d.query<{ id: number; state: string; attempts: number; last_error: string | null }>(
        `select o.id::int, o.state, o.attempts, o.last_error from outbox o
           join distributions ds on o.card_key = 'mail:dist:' || ds.id
         where o.platform = '${d.name}' and ds.subject_ref = '${order}' order by o.id`,
      );
    /** An order approved in the chat: its distribution goes to the departments' chats, and by address. */
    async function approvedOrder(): Promise<string> {
      const chat = mail().chat;
      const tag = randomBytes(3).toString('hex');
      const c = numberIn(
        await d.say(
          'li',
          `customer add name="Letter ${tag} Ltd" contact="Li Lei" phone=139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
        ),
        'C',
      );
      const o = numberIn(
        await d.say(
          'li',
          `order new customer=${c} item="Sensor | S1 | 5 | 1424.10" delivery=2027-01-15 place=Shenzhen payment="30 days"`,
        ),
        'SO',
      );
      const a = numberIn(await d.say('li', `order submit ${o}`), 'A');
      await chat.press('wang', await chat.card(MANAGER, a), 'run:approval approve');
      await until(async () => (await status('orders', o)) === 'confirmed', 'the order confirmed');
      return o;
    }
    let order = '';
    let letter: Letter;

    it('9a. a card reaches a person by address as well as the chat: the distribution to the finance head', async () => {
      order = await approvedOrder();
      const fin = await mail().chat.card(FINANCE, order);
      expect(await fin.actions()).toContainEqual(expect.stringMatching(/^run:order ack/));
      const card = await d.card({ person: 'zhao' }, order);
      letter = (await mail().letters('zhao', order))[0]!;
      expect(letter!.subject).toMatch(new RegExp(`^${order} approved: deliver 2027-01-15 to Shenzhen`));
      expect(letter!.text).toMatch(/Customer: C-\d{4}/);
      expect(letter!.html).toMatch(/<table/);
      expect(letter!.link).toBeDefined();
      expect(await card.actions()).toEqual([expect.stringMatching(/^run:order ack/)]);
      // Through the outbox like every message.
      expect((await lettersOf(order)).find((r) => r.id === letter.outboxId)?.state).toBe('sent');
    });

    it('9b. a link altered (another letter’s row with this signature), cut, or posted from another site is refused and records nothing', async () => {
      const url = letter.link!;
      const token = url.split('/').pop()!;
      const [id, exp, mac] = token.split('.');
      const forged = await mail().follow(url.replace(token, `${Number(id) + 1}.${exp}.${mac}`), {});
      expect(forged.status).toBe(400);
      expect(forged.text).toMatch(/not valid/);
      expect((await mail().follow(url.slice(0, -4), {})).status).toBe(400);
      const crossSite = await fetch(url, {
        method: 'POST',
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
        body: '',
      });
      expect(crossSite.status).toBe(403);
      expect(await acked(order)).toEqual([]);
      expect(await (await mail().chat.card(FINANCE, order)).actions()).toContainEqual(
        expect.stringMatching(/^run:order ack/),
      );
      expect(await (await d.card({ person: 'zhao' }, order)).actions()).toHaveLength(1);
    });

    it('9c. its recipient’s link acknowledges as the card’s button does: recorded, the chat card re-rendered; once', async () => {
      const card = await d.card({ person: 'zhao' }, order);
      const fin = await mail().chat.card(FINANCE, order);
      const before = await fin.versions();
      expect(await d.press('zhao', card, 'run:order ack')).toMatch(/Acknowledged/);
      expect(await acked(order)).toEqual([{ code: 'finance', by: 'zhao' }]);
      await until(
        async () => !(await fin.actions()).some((a) => a.startsWith('run:order ack')),
        'the chat card’s button gone',
      );
      expect(await fin.versions()).toBeGreaterThan(before);
      expect(await card.actions()).toEqual([]);
      const again = await mail().follow(letter.link!, {});
      expect(again.status).toBe(409);
      expect(again.text).toMatch(/already used/);
      expect(await acked(order)).toEqual([{ code: 'finance', by: 'zhao' }]);
    });

    it('9d. the idempotency declared: the letter sent again after a crash (its sent mark lost) carries the same Message-ID', async () => {
      // No key the server checks (idempotentSends: false); a Message-ID from the outbox row instead.
      expect(caps?.idempotentSends).toBe(false);
      await d.query(
        `update outbox set state = 'pending', sent_at = null, next_attempt_at = now() where id = ${letter.outboxId}`,
      );
      await d.app.delivery.drain();
      const copies: Letter[] = await until(async () => {
        const same = (await mail().letters('zhao', order)).filter((l) => l.outboxId === letter.outboxId);
        return same.length === 2 ? same : null;
      }, 'the letter sent again');
      expect(copies[1]!.messageId).toBe(copies[0]!.messageId);
      expect(copies[0]!.messageId).toMatch(new RegExp(`^<sr\\.${letter.outboxId}\\.`));
    });

    it('9e. the mail server down (connection refused), then busy (421), is retried: every letter arrives, once', async () => {
      const m = mail();
      const busyBefore = m.refused(421);
      let so = '';
      await m.down();
      try {
        so = await approvedOrder();
        await until(
          async () => (await lettersOf(so)).some((r) => /ECONNREFUSED/.test(r.last_error ?? '')),
          'a letter whose connection was refused',
        );
        m.busy(1);
      } finally {
        await m.up();
      }
      await until(
        async () => (await lettersOf(so)).every((r) => r.state === 'sent'),
        'every letter sent',
        90_000,
      );
      expect(m.refused(421) - busyBefore).toBe(1);
      const rows = await lettersOf(so);
      expect(rows).toHaveLength(4);
      expect(rows.some((r) => r.attempts > 1)).toBe(true);
      const [mine] = await m.letters('zhao', so);
      expect(await m.letters('zhao', so)).toHaveLength(1);
      expect(rows.map((r) => r.id)).toContain(mine!.outboxId);
    }, 150_000);

    it('9f. a letter the server refuses for good (550) is a dead letter, and the admin is told', async () => {
      const m = mail();
      const toldBefore = await m.chat.shown(MGMT, '550');
      m.reject('zhao', 1);
      const so = await approvedOrder();
      const dead = await until(
        async () => (await lettersOf(so)).find((r) => r.state === 'failed'),
        'the dead letter',
      );
      expect(dead.last_error).toMatch(/550/);
      expect(dead.attempts).toBe(1);
      await until(async () => (await m.chat.shown(MGMT, '550')) > toldBefore, 'the admin told');
      expect(await m.letters('zhao', so)).toEqual([]);
      // The other heads' letters went.
      await until(
        async () => (await lettersOf(so)).filter((r) => r.state === 'sent').length === 3,
        'the other letters sent',
      );
    });
  });
});
