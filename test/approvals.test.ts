// The approval engine's promises, against PostgreSQL: one decision however many press at once, refusals
// that change nothing (and are audited), illegal transitions refused, and the policy admins can change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatRef, InboundUser } from '../src/core/inbound.ts';
import { type Driver, startDriver } from './helpers/console.ts';

let d: Driver;
const dm = (who: string): ChatRef => ({ platform: 'console', tenant: '', chatId: `dm:${who}`, kind: 'dm' });
const user = (who: string): InboundUser => ({ platform: 'console', tenant: '', externalId: who });
const act = (who: string, actionId: string) =>
  d.app.core.handleAction({ user: user(who), chat: dm(who), actionId });

beforeAll(async () => {
  d = await startDriver();
  for (const p of ['li', 'chen', 'wang', 'zhao', 'qian', 'sun', 'admin']) await d.say(p, 'me lang=en');
  // A second sales manager, so that two managers can race on one or-sign step.
  await d.say('admin', 'admin role @chen sales_manager');
  await d.say('li', 'customer add name="Acme Ltd"');
});
afterAll(() => d?.close());

const count = async (sql: string) =>
  Number((await d.query<{ n: string }>(`select count(*)::text as n from ${sql}`))[0]!.n);

describe('race safety', () => {
  it('40 presses of Approve by two managers at once make exactly one decision', async () => {
    await d.say('li', 'quote new customer=C-0001 item="A | | 1 | 100"');
    await d.say('li', 'quote submit Q-0001');
    const presses = Array.from({ length: 40 }, (_, i) =>
      act(i % 2 ? 'wang' : 'chen', 'run:approval approve A-0001'),
    );
    const replies = (await Promise.all(presses)).map((r) => r[0]!.text);
    expect(replies.filter((t) => /now approved/.test(t))).toHaveLength(1);
    expect(replies.filter((t) => /already approved by/.test(t))).toHaveLength(39);
    expect(await count(`approval_events where kind = 'approve'`)).toBe(1);
    expect(
      await count(`record_history where entity = 'quote' and field = 'status' and new_value = 'approved'`),
    ).toBe(1);
  });

  it('on a countersign step, racing signers each sign once and the step completes once', async () => {
    await d.say('li', 'quote new customer=C-0001 item="Big | | 1 | 200000"');
    await d.say('li', 'quote submit Q-0002');
    await act('wang', 'run:approval approve A-0002');
    const presses = Array.from({ length: 30 }, (_, i) =>
      act(i % 2 ? 'zhao' : 'qian', 'run:approval approve A-0002'),
    );
    const replies = (await Promise.all(presses)).map((r) => r[0]!.text);
    expect(replies.filter((t) => /now approved/.test(t))).toHaveLength(1);
    expect(replies.filter((t) => /waiting for the other signers/.test(t))).toHaveLength(1);
    expect(
      await count(
        `approval_events e join approvals a on a.id = e.approval_id where a.number = 'A-0002' and e.kind = 'approve'`,
      ),
    ).toBe(3);
    expect(await count(`distributions`)).toBe(0); // quotes are not distributed
  });

  it('approve and reject racing: one wins, the other is told who decided', async () => {
    await d.say('li', 'quote new customer=C-0001 item="A | | 1 | 100"');
    await d.say('li', 'quote submit Q-0003');
    const [a, b] = await Promise.all([
      act('wang', 'run:approval approve A-0003'),
      d.app.core.handleAction({
        user: user('chen'),
        chat: dm('chen'),
        actionId: 'run:approval reject A-0003',
        values: { reason: 'too cheap' },
      }),
    ]);
    const texts = [a[0]!.text, b[0]!.text];
    expect(texts.filter((t) => /^(Approved|Rejected):/.test(t))).toHaveLength(1);
    expect(texts.filter((t) => /already (approved|rejected) by/.test(t))).toHaveLength(1);
    const [row] = await d.query<{ status: string }>(`select status from quotes where number = 'Q-0003'`);
    expect(['approved', 'rejected']).toContain(row!.status);
  });
});

describe('refusals change nothing', () => {
  it('self-approval is refused and audited, even for a manager', async () => {
    await d.say('wang', 'quote new customer=C-0001 item="A | | 1 | 100"');
    const r = await d.say('wang', 'quote submit Q-0004');
    expect(r.text).toContain('A-0004');
    // wang is excluded from his own step: chen decides it.
    expect((await d.say('wang', 'approval approve A-0004')).text).toMatch(/own request/);
    const [last] = await d.query<{ action: string; detail: { reason: string } }>(
      `select action, detail from audit_log order by id desc limit 1`,
    );
    expect(last).toMatchObject({ action: 'denied', detail: { reason: 'self-approval' } });
    expect((await d.say('chen', 'approval approve A-0004')).text).toMatch(/now approved/);
  });

  it('a non-approver’s click is answered privately, audited, and changes nothing', async () => {
    await d.say('li', 'quote new customer=C-0001 item="A | | 1 | 100"');
    await d.say('li', 'quote submit Q-0005');
    const before = await count('approval_events');
    const audits = await count(`audit_log where action = 'denied'`);
    const [r] = await act('sun', 'run:approval approve A-0005');
    expect(r!.text).toMatch(/not an approver of A-0005/);
    expect(await count('approval_events')).toBe(before);
    expect(await count(`audit_log where action = 'denied'`)).toBe(audits + 1);
    const [q] = await d.query<{ status: string }>(`select status from quotes where number = 'Q-0005'`);
    expect(q!.status).toBe('pending');
  });

  it('a reject without a reason is refused', async () => {
    expect((await act('wang', 'run:approval reject A-0005'))[0]!.text).toMatch(/reason= is required/);
    expect((await d.say('wang', 'approval reject A-0005 reason=')).text).toMatch(/has no value/);
    expect(await count(`approvals where number = 'A-0005' and state = 'pending'`)).toBe(1);
  });

  it('illegal transitions are refused with the state the record is in', async () => {
    expect((await d.say('li', 'quote submit Q-0005')).text).toMatch(
      /already waiting for approval A-0005|is pending approval/,
    );
    expect((await d.say('li', 'quote send Q-0005')).text).toMatch(
      /pending approval; send needs it to be approved/,
    );
    await d.say('li', 'order new customer=C-0001 item="A | | 1 | 100"');
    expect((await d.say('li', 'order submit SO-0001')).text).toMatch(
      /missing delivery date, delivery place, payment terms/,
    );
    expect((await d.say('li', 'order complete SO-0001')).text).toMatch(/is draft, so it cannot be completed/);
    expect((await d.say('li', 'order change SO-0001 place=X reason=y')).text).toMatch(/still a draft/);
    expect(await count(`orders where status = 'draft'`)).toBe(1);
  });

  it('a withdrawn request cannot be decided', async () => {
    await d.say('li', 'approval withdraw A-0005');
    expect((await d.say('wang', 'approval approve A-0005')).text).toMatch(/already withdrawn by Li/);
    const [q] = await d.query<{ status: string }>(`select status from quotes where number = 'Q-0005'`);
    expect(q!.status).toBe('draft');
  });

  it('submitting when nobody can approve says whom to appoint, and writes nothing', async () => {
    await d.say('admin', 'admin role @zhao member dept=finance');
    await d.say('li', 'quote new customer=C-0001 item="Big | | 1 | 300000"');
    const approvals = await count('approvals');
    expect((await d.say('li', 'quote submit Q-0006')).text).toMatch(
      /there is no finance head other than you/,
    );
    expect(await count('approvals')).toBe(approvals);
    const [q] = await d.query<{ status: string }>(`select status from quotes where number = 'Q-0006'`);
    expect(q!.status).toBe('draft');
    await d.say('admin', 'admin role @zhao head dept=finance');
  });
});

describe('policy', () => {
  it('an admin raises the threshold; a quote below it needs only the manager', async () => {
    expect((await d.say('li', 'admin policy threshold=1')).text).toMatch(/may not use/);
    const r = await d.say('admin', 'admin policy threshold=500000');
    expect(r.text).toContain('¥500,000.00');
    await d.say('li', 'quote new customer=C-0001 item="Mid | | 1 | 300000"');
    expect((await d.say('li', 'quote submit Q-0007')).text).not.toMatch(/joint review/);
  });

  it('a key account needs the joint review whatever the amount', async () => {
    await d.say('wang', 'customer update C-0001 key=yes');
    await d.say('li', 'quote new customer=C-0001 item="Small | | 1 | 10"');
    expect((await d.say('li', 'quote submit Q-0008')).text).toMatch(/joint review/);
  });
});
