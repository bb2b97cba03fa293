// Masking as a matrix (R-SEC-1): every reply and card that can carry confidential data, for every role, in
// a group chat and in a private chat, through every adapter's renderer (console, Slack blocks, DingTalk
// card and markdown, WeCom template cards and text), and every outbox payload. A confidential value never
// appears where the role or the group may not see it, and does appear where it is allowed (so the test
// cannot pass by hiding everything). The values are distinctive, so a leak anywhere is found by search.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardParams, markdownOf, plainTextOf } from '../adapters/dingtalk/render.ts';
import { render as slackRender } from '../adapters/slack/blocks.ts';
import { buttonCard, messageAsText, noticeCard } from '../adapters/wecom/cards.ts';
import type { Message } from '../src/cards/card.ts';
import { type Driver, type Msg, startDriver } from './helpers/console.ts';

/** One distinctive value per kind of confidential data, each in every form it is printed in. */
const SECRETS = {
  phone: ['13812345678'],
  fax: ['0755-88886666', '075588886666'],
  email: ['buyer@matrix.test'],
  budget: ['987,654', '987654'],
  decision: ['Director Hu'],
  need: ['ultrasonic probe'],
  unitPrice: ['4,321.77', '4321.77'],
  total: ['432,177.00', '432177'],
  paid: ['123,456.78', '123456.78'],
  intel: ['SECRET-INTEL-4242'],
} as const;
type Secret = keyof typeof SECRETS;

const CONTACTS: Secret[] = ['phone', 'fax', 'email'];
const INTENT: Secret[] = ['budget', 'decision'];
const PRICES: Secret[] = ['unitPrice', 'total'];

/** Every way a message leaves the bot: console transcript, Slack, DingTalk card/markdown, WeCom card/text. */
function renderings(m: Message, group: boolean): Record<string, string> {
  const locale = m.locale ?? 'en';
  const out: Record<string, string> = {
    console: JSON.stringify({ text: m.text, card: m.card }),
    slack: JSON.stringify(slackRender(m)),
    dingtalkMarkdown: JSON.stringify(markdownOf(m, group)),
    dingtalkText: plainTextOf(m),
    wecomText: messageAsText(m, locale),
  };
  if (m.card) {
    out.dingtalkCard = JSON.stringify(cardParams(m.card, locale));
    out.wecomButtons = JSON.stringify(buttonCard(m.card, 'task', locale));
    out.wecomNotice = JSON.stringify(noticeCard(m.card, 'task', 'https://example.test'));
  }
  return out;
}

/** The confidential kinds found in full in a rendering. */
function found(rendered: string): Secret[] {
  return (Object.keys(SECRETS) as Secret[]).filter((s) => SECRETS[s].some((v) => rendered.includes(v)));
}

const asMessage = (m: Msg): Message => ({
  text: m.text,
  ...(m.card ? { card: m.card as Message['card'] } : {}),
});

type Role =
  | 'rep owner'
  | 'other rep'
  | 'sales manager'
  | 'finance'
  | 'production'
  | 'service'
  | 'marketing'
  | 'logistics'
  | 'supervisor'
  | 'admin';

/** Who plays each role (the demo organisation, plus a supervisor) and their group chat. */
const PEOPLE: Record<Role, { handle: string; group: string }> = {
  'rep owner': { handle: 'li', group: 'sales' },
  'other rep': { handle: 'chen', group: 'sales' },
  'sales manager': { handle: 'wang', group: 'sales' },
  finance: { handle: 'zhao', group: 'finance' },
  production: { handle: 'sun', group: 'production' },
  service: { handle: 'wu', group: 'service' },
  marketing: { handle: 'qian', group: 'marketing' },
  logistics: { handle: 'zhou', group: 'logistics' },
  supervisor: { handle: 'ma', group: 'management' },
  admin: { handle: 'admin', group: 'management' },
};

const COMMANDS = [
  'customer show C-0001',
  'customer list',
  'quote show Q-0001',
  'quote list',
  'order show SO-0001',
  'order list',
  'approval show A-0001',
  'approval show A-0002',
  'intel list',
] as const;
type Command = (typeof COMMANDS)[number];

const ALL_CUSTOMER: Secret[] = [...CONTACTS, ...INTENT, 'need'];
const ALL_ORDER: Secret[] = [...PRICES, 'paid'];

/**
 * What each role sees in full in a private chat, by command (the policy of docs/security.md). In a group
 * chat: nothing. Service was given C-0001's contacts (customer share … fields=contacts); marketing's head
 * and finance's head signed the quote (joint review above the threshold), so its approval shows them prices.
 */
const SEES: Record<Role, Partial<Record<Command, Secret[]>>> = {
  'rep owner': {
    'customer show C-0001': ALL_CUSTOMER,
    'quote show Q-0001': PRICES,
    'quote list': ['total'],
    'order show SO-0001': ALL_ORDER,
    'order list': ['total'],
    'approval show A-0001': PRICES,
    'approval show A-0002': PRICES,
    'intel list': ['intel'],
  },
  'other rep': { 'intel list': ['intel'] },
  'sales manager': {
    'customer show C-0001': ALL_CUSTOMER,
    'quote show Q-0001': PRICES,
    'quote list': ['total'],
    'order show SO-0001': ALL_ORDER,
    'order list': ['total'],
    'approval show A-0001': PRICES,
    'approval show A-0002': PRICES,
    'intel list': ['intel'],
  },
  finance: {
    'quote show Q-0001': PRICES,
    'quote list': ['total'],
    'order show SO-0001': ALL_ORDER,
    'order list': ['total'],
    'approval show A-0001': PRICES,
    'approval show A-0002': PRICES,
  },
  production: {},
  service: { 'customer show C-0001': CONTACTS },
  marketing: { 'approval show A-0001': PRICES, 'intel list': ['intel'] },
  logistics: {},
  supervisor: {
    'customer show C-0001': ALL_CUSTOMER,
    'quote show Q-0001': PRICES,
    'quote list': ['total'],
    'order show SO-0001': ALL_ORDER,
    'order list': ['total'],
    'approval show A-0001': PRICES,
    'approval show A-0002': PRICES,
    'intel list': ['intel'],
  },
  admin: {
    'customer show C-0001': ALL_CUSTOMER,
    'quote show Q-0001': PRICES,
    'quote list': ['total'],
    'order show SO-0001': ALL_ORDER,
    'order list': ['total'],
    'approval show A-0001': PRICES,
    'approval show A-0002': PRICES,
    'intel list': ['intel'],
  },
};

/** Everything a role may see anywhere in private (for messages the outbox sends them). */
function everything(role: Role): Set<Secret> {
  return new Set(Object.values(SEES[role]).flat());
}

let d: Driver;
const ids = new Map<string, number>();

async function ok(user: string, text: string, expect?: RegExp): Promise<Msg> {
  const r = await d.say(user, text);
  if (expect && !expect.test(r.text)) throw new Error(`${user}: ${text} → ${r.text}`);
  return r;
}

beforeAll(async () => {
  d = await startDriver();
  await ok('ma', 'me lang=en');
  for (const p of Object.values(PEOPLE)) await ok(p.handle, 'me lang=en');
  await ok('admin', 'admin role @ma supervisor', /supervisor/);
  await ok(
    'li',
    'customer add name="Matrix Co" contact="Buyer Bo" phone=13812345678 email=buyer@matrix.test fax=0755-88886666',
    /C-0001/,
  );
  await ok('li', 'customer update C-0001 likelihood=high budget=987654 decision="Director Hu"', /updated/);
  await ok('li', 'customer need C-0001 spec="ultrasonic probe" quantity=100', /recorded/);
  await ok('li', 'customer share C-0001 dept=service fields=contacts', /shared with/);
  await ok('li', 'quote new customer=C-0001 item="Probe | X9 | 100 | 4321.77" valid=2027-06-30', /Q-0001/);
  await ok('li', 'quote submit Q-0001', /A-0001/);
  await ok('wang', 'approval approve A-0001', /step 2/);
  await ok('zhao', 'approval approve A-0001');
  await ok('qian', 'approval approve A-0001', /approved/);
  await ok('li', 'quote send Q-0001', /sent/);
  await ok('li', 'quote feedback Q-0001 result=accepted', /accepted/);
  await ok('li', 'order new from=Q-0001 delivery=2027-03-01 place=Shenzhen payment="30% advance"', /SO-0001/);
  await ok('li', 'order submit SO-0001', /A-0002/);
  await ok('wang', 'approval approve A-0002', /approved/);
  await ok('zhao', 'order paid SO-0001 amount=123456.78', /recorded/);
  await ok(
    'qian',
    'intel add kind=competitor title="Rival plan" body="SECRET-INTEL-4242" level=confidential share=sales',
    /I-0001/,
  );
  for (const r of await d.query<{ handle: string; id: number }>(
    `select coalesce(p.handle, i.external_id) as handle, p.id from people p join identities i on i.person_id = p.id`,
  ))
    ids.set(r.handle, r.id);
}, 120_000);
afterAll(() => d?.close());

describe.each(Object.keys(PEOPLE) as Role[])('%s', (role) => {
  const { handle, group } = PEOPLE[role];
  it.each(COMMANDS)(
    '%s: in a private chat exactly what the role may see, in a group chat nothing',
    async (cmd) => {
      const allowed = new Set(SEES[role][cmd] ?? []);
      for (const chat of [`dm:${handle}`, group]) {
        const inGroup = chat === group;
        const replies = await d.sayAll(handle, cmd, chat);
        expect(replies.length).toBeGreaterThan(0);
        for (const reply of replies) {
          for (const [adapter, text] of Object.entries(renderings(asMessage(reply), inGroup))) {
            const leaked = found(text).filter((s) => inGroup || !allowed.has(s));
            expect(leaked, `${role} ${cmd} in ${chat} via ${adapter}`).toEqual([]);
          }
        }
        if (inGroup) continue;
        // Shown where allowed, by every renderer that carries the whole text.
        const all = replies.map((r) => renderings(asMessage(r), false));
        for (const adapter of ['console', 'slack', 'dingtalkMarkdown', 'wecomText']) {
          const shown = new Set(all.flatMap((r) => found(r[adapter]!)));
          const missing = [...allowed].filter((s) => !shown.has(s));
          expect(missing, `${role} ${cmd} in ${chat} via ${adapter}`).toEqual([]);
        }
      }
    },
  );
});

describe('what a group reply says instead', () => {
  it('masks with ¥••• and 075****6666 and says where to see it in full', async () => {
    const c = await d.say('li', 'customer show C-0001', 'sales');
    expect(c.text).toContain('075****6666');
    expect(c.text).toContain('138****5678');
    expect(c.text).toMatch(/private chat/);
    const q = await d.say('li', 'quote show Q-0001', 'sales');
    expect(q.text).toContain('¥•••');
    expect(q.text).toMatch(/private chat/);
  });

  it('the fields shown in full are the fields audited; a masked reply shows none, so records none', async () => {
    const reads = async () =>
      d.query<{ fields: string[]; chat_kind: string }>(
        `select detail->'fields' as fields, detail->>'chatKind' as chat_kind from audit_log a
         join people p on p.id = a.person_id
         where action = 'read.confidential' and entity_ref = 'SO-0001' and p.handle = 'zhao' order by a.id`,
      );
    const before = (await reads()).length;
    await d.say('zhao', 'order show SO-0001', 'finance');
    expect((await reads()).length).toBe(before);
    await d.say('zhao', 'order show SO-0001');
    const after = await reads();
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)).toEqual({ fields: ['prices', 'total', 'paid', 'outstanding'], chat_kind: 'dm' });
  });
});

describe('outbox payloads', () => {
  type Row = {
    id: number;
    target_kind: string;
    target_id: string;
    op: string;
    card_key: string | null;
    audience: string;
    locale: string;
    payload: unknown;
  };

  /** Seat holders of each approval: the only people a private copy of its card may show prices to. */
  async function approvers(): Promise<Map<string, Set<number>>> {
    const rows = await d.query<{ number: string; ids: number[] }>(
      `select a.number, array_agg(distinct e) as ids from approvals a join approval_seats s on s.approval_id = a.id,
         unnest(s.eligible) e group by a.number`,
    );
    return new Map(rows.map((r) => [r.number, new Set(r.ids.map(Number))]));
  }

  it('no group post or card variant carries a confidential value; private ones only what the reader may see', async () => {
    const rows = await d.query<Row>(`select * from outbox order by id`);
    const seats = await approvers();
    const roleOf = (h: string) => (Object.keys(PEOPLE) as Role[]).find((r) => PEOPLE[r].handle === h);
    expect(rows.length).toBeGreaterThan(10);
    let privateWithPrices = 0;
    for (const row of rows) {
      const payload = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
      const variants: [string, Message][] =
        row.op === 'update'
          ? Object.entries(payload as Record<string, Message>).map(([k, m]) => [k.split('/')[1]!, m])
          : [[row.audience, payload as Message]];
      for (const [audience, message] of variants) {
        const secrets = new Set(
          Object.values(renderings(message, audience === 'group')).flatMap((t) => found(t)),
        );
        if (audience === 'group') {
          expect([...secrets], `outbox ${row.id} ${row.card_key ?? ''} (group)`).toEqual([]);
          continue;
        }
        const approval = row.card_key?.startsWith('approval:') ? row.card_key.slice(9) : null;
        let allowed: Set<Secret>;
        if (row.op === 'update') {
          // Re-rendered for the private copies: those of the approval's seat holders.
          allowed = new Set(approval ? PRICES : []);
        } else {
          const handle = row.target_id;
          const person = ids.get(handle);
          allowed = everything(roleOf(handle) ?? 'logistics');
          if (approval && person && seats.get(approval)?.has(person)) for (const p of PRICES) allowed.add(p);
        }
        const leaked = [...secrets].filter((s) => !allowed.has(s));
        expect(leaked, `outbox ${row.id} ${row.card_key ?? ''} to ${row.target_id} (private)`).toEqual([]);
        if (secrets.has('total')) privateWithPrices++;
      }
    }
    // Approvers got the prices they decide on (so the scan is not passing on empty cards).
    expect(privateWithPrices).toBeGreaterThan(0);
  });

  it('private copies of approval cards are only in seat holders’ and requesters’ chats', async () => {
    const seats = await approvers();
    const copies = await d.query<{ card_key: string; chat_id: string; audience: string }>(
      `select card_key, chat_id, audience from posted_cards where card_key like 'approval:%'`,
    );
    const requesters = new Map(
      (
        await d.query<{ number: string; requester_id: number }>(`select number, requester_id from approvals`)
      ).map((r) => [r.number, Number(r.requester_id)]),
    );
    for (const c of copies.filter((x) => x.audience === 'private')) {
      const number = c.card_key.slice(9);
      const person = ids.get(c.chat_id.replace(/^dm:/, ''))!;
      expect(
        seats.get(number)?.has(person) || requesters.get(number) === person,
        `${c.card_key} in ${c.chat_id}`,
      ).toBe(true);
    }
  });
});
