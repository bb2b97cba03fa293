// Who may open which lead and which order is one rule (src/flows/read-scopes.ts), and each list shows
// exactly what its show opens: a rep reads their own leads, the unassigned ones and those they recorded,
// never another rep's by its number; departments open an order once it is approved, and their order list
// holds those and no draft. A refused read is answered in the reader's language, audited as a denial, and
// writes nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';
import { signIn } from './helpers/web.ts';

let d: Driver;

const numbers = (text: string, prefix: string) =>
  [...text.matchAll(new RegExp(`${prefix}-\\d{4}`, 'g'))].map((m) => m[0]).sort();
const unique = (xs: string[]) => [...new Set(xs)].sort();

/** What a read may write (its audit) and what it must not (anything else a flow writes). */
const WRITTEN = [
  'leads',
  'lead_followups',
  'orders',
  'order_items',
  'record_history',
  'outbox',
  'reminders',
  'confirmations',
  'approvals',
  'distributions',
];
async function snapshot() {
  const out: Record<string, number> = {};
  for (const t of WRITTEN)
    out[t] = Number((await d.query<{ n: string }>(`select count(*)::text n from ${t}`))[0]!.n);
  return out;
}
const auditSince = (id: number) =>
  d.query<{ action: string; entity: string; entity_ref: string; detail: Record<string, unknown> }>(
    `select action, entity, entity_ref, detail from audit_log where id > ${id} order by id`,
  );
const lastAudit = async () =>
  Number((await d.query<{ n: string }>('select coalesce(max(id), 0)::text n from audit_log'))[0]!.n);

/** A read refused: the answer, one denial in the audit log, nothing else written. */
async function refusedRead(who: string, text: string, entity: string, ref: string) {
  const before = await snapshot();
  const from = await lastAudit();
  const answer = await d.say(who, text);
  expect(await snapshot()).toEqual(before);
  const rows = await auditSince(from);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ action: 'denied', entity, entity_ref: ref });
  return answer.text;
}

const ORDER = 'item="Sensor | X200 | 10 | 35.5" delivery=+30d place=Shenzhen payment="30% advance"';

beforeAll(async () => {
  d = await startDriver({ pglite: true });
  for (const who of ['li', 'chen', 'wang', 'zhao', 'sun', 'qian', 'admin']) await d.say(who, 'me lang=en');
  // A person of the management department (the demo's only one is the admin).
  await d.say('mgmt', 'me lang=en');
  expect((await d.say('admin', 'admin role @mgmt member dept=management')).text).toMatch(/Management/);
  await d.say('li', 'customer add name="Scope Co" contact="Ms Lu" phone=13700001111');
  await d.say('li', 'lead add customer=C-0001 source=expo desc="li own"'); // L-0001: li's
  await d.say('chen', 'lead add name="Chen Prospect" source=referral desc="chen own"'); // L-0002: chen's
  await d.say('qian', 'lead add name="Pool Co" source=expo desc="from marketing"'); // L-0003: unassigned
  await d.say('li', 'lead add name="Handed On" source=web desc="li recorded"'); // L-0004: li's, then chen's
  expect((await d.say('wang', 'lead assign L-0004 @chen due=+3d')).text).toMatch(/assigned to Chen/);
  // Orders: li's draft, li's waiting for approval, li's approved; chen's draft.
  await d.say('li', `order new customer=C-0001 ${ORDER}`); // SO-0001 draft
  await d.say('li', `order new customer=C-0001 ${ORDER}`); // SO-0002 pending
  await d.say('li', 'order submit SO-0002');
  await d.say('li', `order new customer=C-0001 ${ORDER}`); // SO-0003 confirmed
  const [approval] = numbers((await d.say('li', 'order submit SO-0003')).text, 'A');
  expect((await d.say('wang', `approval approve ${approval}`)).text).toMatch(/pprove/);
  await d.say('chen', `order new customer=C-0001 ${ORDER}`); // SO-0004 draft, chen's
  const status = await d.query<{ number: string; status: string }>(
    'select number, status from orders order by id',
  );
  expect(status.map((o) => o.status)).toEqual(['draft', 'pending', 'confirmed', 'draft']);
});
afterAll(() => d?.close());

describe('lead show and lead history', () => {
  it("a rep cannot read another rep's lead by its number: answered, audited, nothing else written", async () => {
    const show = await refusedRead('li', 'lead show L-0002', 'lead', 'L-0002');
    expect(show).toMatch(/L-0002 is assigned to someone else/);
    expect(show).toMatch(/ask the sales manager/);
    expect(show).not.toContain('Chen Prospect');
    expect(show).not.toContain('chen own');
    const history = await refusedRead('li', 'lead history L-0002', 'lead', 'L-0002');
    expect(history).toMatch(/L-0002 is assigned to someone else/);
    expect(history).not.toContain('History of');
    const denials = await d.query<{ detail: { verb: string } }>(
      `select detail from audit_log where action = 'denied' and entity = 'lead' and entity_ref = 'L-0002' order by id`,
    );
    expect(denials.map((r) => r.detail.verb)).toEqual(['show', 'history']);
  });

  it('the refusal is in the reader’s language', async () => {
    await d.say('chen', 'me lang=zh');
    const zh = await refusedRead('chen', '线索 查看 L-0001', 'lead', 'L-0001');
    expect(zh).toContain('L-0001 已分配给其他人');
    expect(zh).toContain('销售经理');
    expect(await refusedRead('chen', '线索 历史 L-0001', 'lead', 'L-0001')).toContain('已分配给其他人');
    await d.say('chen', 'me lang=en');
  });

  it('a rep reads their own leads, the unassigned ones and those they recorded', async () => {
    expect((await d.say('li', 'lead show L-0001')).text).toMatch(/^L-0001 C-0001 Scope Co/);
    expect((await d.say('li', 'lead show L-0003')).text).toMatch(/^L-0003 Pool Co/);
    expect((await d.say('li', 'lead show L-0004')).text).toMatch(/^L-0004 Handed On/);
    expect((await d.say('li', 'lead history L-0004')).text).toMatch(/^History of L-0004/);
    expect((await d.say('li', 'lead history L-0003')).text).toMatch(/^History of L-0003/);
    // chen owns L-0004 now: hers too.
    expect((await d.say('chen', 'lead show L-0004')).text).toMatch(/^L-0004 Handed On/);
  });

  it('the manager, marketing and the admin read every lead; finance reads none', async () => {
    for (const who of ['wang', 'qian', 'admin']) {
      expect((await d.say(who, 'lead show L-0002')).text).toMatch(/^L-0002 Chen Prospect/);
      expect((await d.say(who, 'lead history L-0002')).text).toMatch(/^History of L-0002/);
    }
    expect((await d.say('zhao', 'lead show L-0002')).text).toMatch(/may not use "lead show"/);
  });

  it('each reader’s lead list is exactly the leads their lead show opens', async () => {
    const all = (await d.query<{ number: string }>('select number from leads order by id')).map(
      (r) => r.number,
    );
    for (const who of ['li', 'chen', 'wang', 'qian', 'admin']) {
      const listed = numbers((await d.say(who, 'lead list status=all')).text, 'L');
      const opened: string[] = [];
      for (const n of all)
        if (!/assigned to someone else/.test((await d.say(who, `lead show ${n}`)).text)) opened.push(n);
      expect(listed, who).toEqual(opened.sort());
    }
    expect(numbers((await d.say('li', 'lead list status=all')).text, 'L')).toEqual([
      'L-0001',
      'L-0003',
      'L-0004',
    ]);
  });
});

describe('order list and order show', () => {
  const allOrders = async () =>
    (await d.query<{ number: string }>('select number from orders order by id')).map((r) => r.number);
  const opens = async (who: string) => {
    const out: string[] = [];
    for (const n of await allOrders())
      if (!/cannot see/.test((await d.say(who, `order show ${n}`)).text)) out.push(n);
    return out.sort();
  };

  it('finance and management list only the orders they may open: approved ones, no draft', async () => {
    for (const who of ['zhao', 'mgmt', 'sun']) {
      const listed = unique(numbers((await d.say(who, 'order list')).text, 'SO'));
      expect(listed, who).toEqual(['SO-0003']);
      expect(await opens(who), who).toEqual(listed);
      expect((await d.say(who, 'order list status=draft')).text, who).toMatch(/No orders found/);
      expect((await d.say(who, 'order list status=pending')).text, who).toMatch(/No orders found/);
    }
    expect((await d.say('zhao', 'order show SO-0003')).text).toMatch(/^Order SO-0003/);
  });

  it('every reader’s order list is exactly what their order show opens', async () => {
    const expected: Record<string, string[]> = {
      li: ['SO-0001', 'SO-0002', 'SO-0003'],
      chen: ['SO-0004'],
      wang: ['SO-0001', 'SO-0002', 'SO-0003', 'SO-0004'],
      admin: ['SO-0001', 'SO-0002', 'SO-0003', 'SO-0004'],
    };
    for (const [who, want] of Object.entries(expected)) {
      const listed = unique(numbers((await d.say(who, 'order list')).text, 'SO'));
      expect(listed, who).toEqual(want);
      expect(await opens(who), who).toEqual(want);
    }
  });

  it('a draft refused to finance is answered, audited as a denial, and writes nothing else', async () => {
    const en = await refusedRead('zhao', 'order show SO-0001', 'order', 'SO-0001');
    expect(en).toMatch(/You cannot see SO-0001 yet: departments receive an order once it is approved/);
    expect(en).not.toContain('35.50');
    expect(await refusedRead('zhao', 'order history SO-0002', 'order', 'SO-0002')).toMatch(
      /cannot see SO-0002 yet/,
    );
    await d.say('zhao', 'me lang=zh');
    expect(await refusedRead('zhao', '订单 查看 SO-0002', 'order', 'SO-0002')).toContain(
      '您暂时无权查看 SO-0002：订单审批通过并分发后',
    );
    await d.say('zhao', 'me lang=en');
    expect(await refusedRead('chen', 'order show SO-0001', 'order', 'SO-0001')).toMatch(
      /SO-0001: it is another rep's order/,
    );
  });
});

describe('the web workspace follows the same rule', () => {
  const pages = async (who: string, kind: 'leads' | 'orders', refs: string[]) => {
    const web = await signIn(d, who);
    const out: string[] = [];
    for (const n of refs) {
      const status = (await web.get(`/app/${kind}/${n}`)).status;
      expect([200, 403], `${who} ${n}`).toContain(status);
      if (status === 200) out.push(n);
    }
    return out.sort();
  };

  it('a lead page opens for exactly the leads lead show opens', async () => {
    const all = ['L-0001', 'L-0002', 'L-0003', 'L-0004'];
    expect(await pages('li', 'leads', all)).toEqual(['L-0001', 'L-0003', 'L-0004']);
    expect(await pages('chen', 'leads', all)).toEqual(['L-0002', 'L-0003', 'L-0004']);
    expect(await pages('wang', 'leads', all)).toEqual(all);
  });

  it('an order page opens for exactly the orders order show opens', async () => {
    const all = ['SO-0001', 'SO-0002', 'SO-0003', 'SO-0004'];
    expect(await pages('zhao', 'orders', all)).toEqual(['SO-0003']);
    expect(await pages('mgmt', 'orders', all)).toEqual(['SO-0003']);
    expect(await pages('li', 'orders', all)).toEqual(['SO-0001', 'SO-0002', 'SO-0003']);
  });
});
