// The weekly digest per manager (R-LEAD-4): two weeks of work scripted on a controlled clock, two managers
// with their own teams (admin team), and each digest gives that team's figures exactly: per rep the leads
// followed and not, follow-ups against last week, conversions, new assignments, overdue leads by number and name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireOccurrence } from '../src/schedule/fire.ts';
import { type Driver, startDriver } from './helpers/console.ts';

/** 09:00 Shanghai on a date, as an instant. */
const at = (date: string, hm = '10:00') => new Date(`${date}T${hm}:00+08:00`);

describe.each([
  ['PostgreSQL', false],
  ['PGlite', true],
])('weekly digest on %s', (_, pglite) => {
  let d: Driver;
  let now = at('2026-11-16');
  const say = async (who: string, text: string) => (await d.say(who, text)).text;

  const digestFor = async (externalId: string): Promise<{ en: string; zh: string }> => {
    const [occ] = await d.query<{ id: string }>(
      `select o.id::text from reminders r join reminder_occurrences o on o.reminder_id = r.id
         join identities i on i.person_id = r.target_person_id
        where r.kind = 'digest' and i.external_id = '${externalId}' and o.state = 'scheduled'`,
    );
    expect(await fireOccurrence(d.app.database.db, Number(occ!.id), at('2026-11-30', '09:00'))).toBe('fired');
    await d.app.delivery.drain();
    const [row] = await d.query<{ payload: { text: string } }>(
      `select o.payload from outbox o where o.target_kind = 'user' and o.target_id = '${externalId}'
         and o.payload->>'text' like '%2026-11-23%' order by o.id desc limit 1`,
    );
    const text = row!.payload.text;
    return { en: text, zh: text };
  };

  beforeAll(async () => {
    d = await startDriver({ pglite, clock: () => now });
    await d.say('liu', 'help');
    await d.say('ma', 'help');
    await d.say('admin', 'admin role @liu sales_manager dept=sales');
    await d.say('admin', 'admin role @ma sales_rep dept=sales');
    for (const p of ['li', 'chen', 'wang', 'qian', 'admin', 'liu', 'ma']) await d.say(p, 'me lang=en');
    expect(await say('admin', 'admin team @li @chen manager=@wang')).toMatch(
      /Team: Li Lei 李雷, Chen Jing 陈静/,
    );
    expect(await say('admin', '管理 团队 @ma 上级=@liu')).toMatch(/now report to liu/);

    // Last week (Tuesday 17 November).
    now = at('2026-11-17');
    await say('li', 'lead add name="Alpha Co" source=online next=call due=+1d'); // L-0001
    await say('li', 'lead follow L-0001 note="called" next="send catalogue" due=2026-11-30');
    await say('chen', 'lead add name="Beta Co" source=online'); // L-0002
    await say('chen', 'lead follow L-0002 note="met them"');
    await say('ma', 'lead add name="Gamma Co" source=online'); // L-0003
    await say('ma', 'lead follow L-0003 note="sent samples" next="ask" due=2026-11-20');

    // This week (Tuesday 24 November).
    now = at('2026-11-24');
    await say('li', 'lead follow L-0001 note="catalogue sent" next="quote" due=2026-11-28');
    await say('li', 'lead add name="Delta Co" source=referral'); // L-0004
    await say('chen', 'lead add name="Epsilon Co" source=online'); // L-0005
    const ask = await d.say('chen', 'lead convert L-0005');
    const ok = ask.card!.actions.find((a) => a.id.startsWith('confirm:'))!;
    expect((await d.press('chen', ask.id, ok.id)).replies[0]?.text).toMatch(/converted/);
    await say('qian', 'lead add name="Zeta Co" source=expo'); // L-0006
    expect(await say('wang', 'lead assign L-0006 @chen due=2026-11-26')).toMatch(/assigned to Chen/);
    await say('qian', 'lead add name="Eta Co" source=expo'); // L-0007, left unassigned
  });
  afterAll(() => d?.close());

  it("wang's digest is his team's: Li and Chen, with exact figures", async () => {
    const { en } = await digestFor('wang');
    expect(en).toContain(
      'Your team, 2026-11-23 to 2026-11-30: 2 reps, 4 open leads; 1 follow-ups (last week 2, -1); 1 converted (last week 0, +1); 2 overdue.',
    );
    expect(en).toContain(
      'Chen Jing 陈静: 2 open, followed 0, not followed 2; 0 follow-ups (last week 1); 1 converted; 1 newly assigned; overdue: L-0006 Zeta Co',
    );
    expect(en).toContain(
      'Li Lei 李雷: 2 open, followed 1, not followed 1; 1 follow-ups (last week 1); 0 converted; 0 newly assigned; overdue: L-0001 Alpha Co',
    );
    expect(en).toContain('Newly assigned to the team: 1 (last week 0). Unassigned leads waiting: 1.');
    expect(en).not.toContain('Gamma');
    expect(en).not.toContain('report to no manager');
  });

  it("liu's digest is another: Ma alone", async () => {
    const { en } = await digestFor('liu');
    expect(en).toContain(
      'Your team, 2026-11-23 to 2026-11-30: 1 reps, 1 open leads; 0 follow-ups (last week 1, -1); 0 converted (last week 0, 0); 1 overdue.',
    );
    expect(en).toContain(
      'ma: 1 open, followed 0, not followed 1; 0 follow-ups (last week 1); 0 converted; 0 newly assigned; overdue: L-0003 Gamma Co',
    );
    expect(en).not.toContain('Li Lei');
    expect(en).not.toContain('Alpha');
  });

  it('a rep who reports to nobody is in every digest, and the digest says how to fix it', async () => {
    await say('admin', 'admin team @ma manager=none');
    now = at('2026-11-30', '08:00');
    const [occ] = await d.query<{ id: string }>(
      `select o.id::text from reminders r join reminder_occurrences o on o.reminder_id = r.id
         join people p on p.id = r.target_person_id where r.kind = 'digest' and p.handle = 'wang' and o.state = 'scheduled'`,
    );
    await fireOccurrence(d.app.database.db, Number(occ!.id), at('2026-11-30', '09:00'));
    const [row] = await d.query<{ text: string }>(
      `select payload->>'text' as text from outbox where target_kind = 'user' and target_id = 'wang' order by id desc limit 1`,
    );
    expect(row!.text).toContain('3 reps, 5 open leads');
    expect(row!.text).toContain('ma: 1 open');
    expect(row!.text).toContain("1 rep(s) report to no manager and are in every manager's digest");
  });
});
