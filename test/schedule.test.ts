// Time: working calendar with 调休, working hours, repeat rules across DST, and the system reminders that
// flows create and cancel.
import { and, eq, inArray } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { people, reminderOccurrences, reminders } from '../src/db/schema.ts';
import { addWorkingHours, loadCalendar, nextWorkingTime } from '../src/schedule/calendar.ts';
import { createReminderForRole } from '../src/schedule/create.ts';
import { fireOccurrence } from '../src/schedule/fire.ts';
import { nextOccurrence } from '../src/schedule/repeat.ts';
import { type Driver, startDriver } from './helpers/console.ts';

let d: Driver;
beforeAll(async () => {
  d = await startDriver();
  for (const p of ['li', 'wang', 'zhao', 'qian', 'sun', 'zhou']) await d.say(p, 'me lang=en');
});
afterAll(() => d?.close());

const sh = (iso: string) => DateTime.fromISO(iso, { zone: 'Asia/Shanghai' }).toJSDate();
const shText = (at: Date) => DateTime.fromJSDate(at, { zone: 'Asia/Shanghai' }).toFormat('yyyy-MM-dd HH:mm');

describe('working calendar (mainland China 2026, from chinese-days)', () => {
  it('knows the Spring Festival holiday and the make-up Saturday', async () => {
    const cal = await loadCalendar(d.app.database.db, '2026-01-01', '2026-12-31');
    expect(cal.overrides.get('2026-02-17')).toBe(false); // Spring Festival
    expect(cal.overrides.get('2026-02-14')).toBe(true); // Saturday, a make-up working day
    expect(cal.overrides.get('2026-10-01')).toBe(false); // National Day
  });

  it('moves a non-urgent time out of a holiday to the next working morning, and onto a make-up Saturday', async () => {
    const cal = await loadCalendar(d.app.database.db, '2026-01-01', '2026-12-31');
    // Friday 13 Feb 2026 at 19:00 → the make-up Saturday 14 Feb at 09:00.
    expect(shText(nextWorkingTime(sh('2026-02-13T19:00'), 'Asia/Shanghai', cal))).toBe('2026-02-14 09:00');
    // During the holiday (Tue 17 Feb) → the first working day after it.
    const after = nextWorkingTime(sh('2026-02-17T10:00'), 'Asia/Shanghai', cal);
    expect(cal.overrides.get(DateTime.fromJSDate(after, { zone: 'Asia/Shanghai' }).toISODate()!)).not.toBe(
      false,
    );
    expect(shText(after) > '2026-02-17 10:00').toBe(true);
    // Inside working hours on a working day: unchanged.
    expect(shText(nextWorkingTime(sh('2026-03-03T10:30'), 'Asia/Shanghai', cal))).toBe('2026-03-03 10:30');
  });

  it('adds working hours across the night and the weekend', async () => {
    const cal = await loadCalendar(d.app.database.db, '2026-01-01', '2026-12-31');
    // Friday 27 Nov 2026 16:00 + 4 working hours → Monday 30 Nov 11:00.
    expect(shText(addWorkingHours(sh('2026-11-27T16:00'), 4, 'Asia/Shanghai', cal))).toBe('2026-11-30 11:00');
    // End of month: Monday 30 Nov 17:00 + 24 working hours (9 h a day) → Thursday 3 Dec 14:00.
    expect(shText(addWorkingHours(sh('2026-11-30T17:00'), 24, 'Asia/Shanghai', cal))).toBe(
      '2026-12-03 14:00',
    );
  });
});

describe('repeat rules across daylight-saving changes (America/New_York)', () => {
  const ny = (iso: string) => DateTime.fromISO(iso, { zone: 'America/New_York' });

  it('a daily 02:30 fires once on the spring-forward day (moved to 03:30) and once the day after', async () => {
    const db = d.app.database.db;
    const a = await nextOccurrence(db, 'daily@02:30', 'America/New_York', ny('2026-03-07T02:30').toJSDate());
    const b = await nextOccurrence(db, 'daily@02:30', 'America/New_York', a!);
    expect(DateTime.fromJSDate(a!, { zone: 'America/New_York' }).toFormat('MM-dd HH:mm')).toBe('03-08 03:30');
    expect(DateTime.fromJSDate(b!, { zone: 'America/New_York' }).toFormat('MM-dd HH:mm')).toBe('03-09 02:30');
  });

  it('a daily 01:30 fires once on the fall-back day, not twice', async () => {
    const db = d.app.database.db;
    const a = await nextOccurrence(db, 'daily@01:30', 'America/New_York', ny('2026-10-31T01:30').toJSDate());
    const b = await nextOccurrence(db, 'daily@01:30', 'America/New_York', a!);
    expect(DateTime.fromJSDate(a!, { zone: 'America/New_York' }).toFormat('MM-dd HH:mm')).toBe('11-01 01:30');
    expect(DateTime.fromJSDate(b!, { zone: 'America/New_York' }).toFormat('MM-dd HH:mm')).toBe('11-02 01:30');
  });

  it('workdays skip the Chinese holiday and include the make-up Saturday', async () => {
    const db = d.app.database.db;
    const a = await nextOccurrence(db, 'workdays@18:00', 'Asia/Shanghai', sh('2026-02-13T18:00'));
    expect(shText(a!)).toBe('2026-02-14 18:00');
  });
});

const reminderRows = (subject: string) =>
  d.query<{ kind: string; state: string; target: string; n: number }>(
    `select r.kind, r.state, coalesce(p.handle, r.target_department) as target, count(o.id)::int as n
       from reminders r left join people p on p.id = r.target_person_id
       left join reminder_occurrences o on o.reminder_id = r.id and o.state = 'scheduled'
      where r.subject_ref = '${subject}' group by 1, 2, 3 order by 1, 3`,
  );

describe('system reminders follow the records', () => {
  it('a lead assignment schedules the rep’s follow-up and the manager’s escalation; a follow-up reschedules them', async () => {
    await d.say('li', 'customer add name="Acme Ltd"');
    await d.say('wang', 'lead add customer=C-0001 source=expo');
    await d.say('wang', 'lead assign L-0001 @li due=+2d');
    expect(await reminderRows('L-0001')).toEqual([
      { kind: 'followup', state: 'active', target: 'li', n: 1 },
      { kind: 'followup_escalation', state: 'active', target: 'wang', n: 1 },
    ]);
    await d.say('li', 'lead follow L-0001 note="called" next="send quote" due=+3d');
    const rows = await reminderRows('L-0001');
    expect(rows.filter((r) => r.state === 'active')).toHaveLength(2);
    expect(rows.filter((r) => r.state === 'cancelled')).toHaveLength(2);
  });

  it('an order’s approval schedules delivery reminders; shipping cancels them', async () => {
    // A Thursday at least a week ahead, so none of the three reminder days falls on a weekend.
    let thursday = DateTime.now().setZone('Asia/Shanghai').plus({ days: 8 });
    while (thursday.weekday !== 4) thursday = thursday.plus({ days: 1 });
    const cal = await loadCalendar(
      d.app.database.db,
      thursday.minus({ days: 3 }).toISODate()!,
      thursday.toISODate()!,
    );
    const plain = cal.overrides.size === 0;
    await d.say(
      'li',
      `order new customer=C-0001 item="A | | 1 | 100" delivery=${thursday.toISODate()} place=Shenzhen payment="net 30"`,
    );
    await d.say('li', 'order submit SO-0001');
    // wang decides and is the only sales manager, so the escalation goes to management's chat.
    expect((await reminderRows('A-0001')).map((r) => `${r.kind}:${r.target}`)).toEqual([
      'approval:wang',
      'approval_escalation:management',
    ]);
    await d.say('wang', 'approval approve A-0001');
    expect((await reminderRows('A-0001')).every((r) => r.state === 'cancelled')).toBe(true);
    const order = await reminderRows('SO-0001');
    expect(order.filter((r) => r.kind === 'delivery').map((r) => r.target)).toEqual([
      'li',
      'logistics',
      'production',
      'sales',
    ]);
    // 3 days before, the day before and the day itself (fewer only if a holiday moves two onto one day).
    if (plain) expect(order.filter((r) => r.kind === 'delivery').map((r) => r.n)).toEqual([3, 3, 3, 3]);
    expect(order.filter((r) => r.kind === 'overdue').map((r) => r.target)).toEqual(['li', 'wang']);
    await d.say('sun', 'order ack SO-0001');
    await d.say('zhou', 'order ship SO-0001 tracking=SF1');
    expect((await reminderRows('SO-0001')).every((r) => r.state === 'cancelled')).toBe(true);
  });

  it('a step waiting past the escalation time marks the card overdue everywhere', async () => {
    await d.say('li', 'quote new customer=C-0001 item="A | | 1 | 100"');
    const r = await d.say('li', 'quote submit Q-0001');
    const approval = /A-\d{4}/.exec(r.text)![0];
    const [esc] = await d.query<{ id: string }>(
      `select o.id::text from reminder_occurrences o join reminders r on r.id = o.reminder_id
        where r.kind = 'approval_escalation' and r.subject_ref = '${approval}'`,
    );
    await fireOccurrence(d.app.database.db, Number(esc!.id), new Date(Date.now() + 4 * 86_400_000));
    await d.app.delivery.drain();
    const card = (await d.messages('dm:wang')).findLast((m) => m.card?.title.includes(approval));
    expect(card?.card?.title).toMatch(/^⚠️/);
    expect(card?.card?.fields.find((f) => f.label === 'Status')?.value).toMatch(/overdue since/);
    expect(card?.card?.actions.length).toBe(2); // still decidable
    expect(
      (await d.messages('management')).some((m) => m.text.includes(approval) && m.text.includes('等待审批')),
    ).toBe(true);
  });

  it('every sales manager has a weekly digest on Monday 09:00, with live figures when it fires', async () => {
    const [digest] = await d.query<{ id: string; due: string }>(
      `select o.id::text, to_char(o.due_at at time zone 'Asia/Shanghai', 'ID HH24:MI') as due
         from reminders r join reminder_occurrences o on o.reminder_id = r.id
         join people p on p.id = r.target_person_id where r.kind = 'digest' and p.handle = 'wang'`,
    );
    expect(digest?.due).toBe('1 09:00');
    await fireOccurrence(d.app.database.db, Number(digest!.id), new Date(Date.now() + 8 * 86_400_000));
    await d.app.delivery.drain();
    const card = (await d.messages('dm:wang')).findLast((m) => m.card?.title.includes('Weekly digest'));
    expect(card?.text).toMatch(/Your team, .*: 2 reps, 1 open leads/);
  });
});

describe('one reminder per person of a role, in one statement', () => {
  it('reaches every active person of the role but those excepted, each with its own number and occurrences', async () => {
    const { db } = d.app.database;
    const made = await db
      .insert(people)
      .values([
        { name: 'Mgr A', role: 'sales_manager' },
        { name: 'Mgr B', role: 'sales_manager' },
        { name: 'Mgr Gone', role: 'sales_manager', active: false },
      ])
      .returning({ id: people.id });
    const managers = await db
      .select({ id: people.id })
      .from(people)
      .where(and(eq(people.role, 'sales_manager'), eq(people.active, true)));
    const except = [made[1]!.id];
    const at = [new Date(Date.now() + 86_400_000), new Date(Date.now() + 2 * 86_400_000)];
    const reached = await db.transaction((tx) =>
      createReminderForRole(
        tx,
        {
          kind: 'role_test',
          subject: { type: 'test', ref: 'T-1' },
          text: 'hello',
          timezone: 'UTC',
          urgent: true,
        },
        { role: 'sales_manager', except },
        at,
      ),
    );
    const rows = await db
      .select({ id: reminders.id, number: reminders.number, target: reminders.targetPersonId })
      .from(reminders)
      .where(eq(reminders.kind, 'role_test'));
    const expected = managers.map((m) => m.id).filter((id) => !except.includes(id));
    expect(reached).toBe(expected.length);
    expect(rows.map((r) => r.target).sort()).toEqual(expected.sort());
    expect(new Set(rows.map((r) => r.number)).size).toBe(rows.length);
    expect(rows.every((r) => /^R-\d{4,}$/.test(r.number))).toBe(true);
    const occurrences = await db
      .select({ id: reminderOccurrences.id })
      .from(reminderOccurrences)
      .where(
        inArray(
          reminderOccurrences.reminderId,
          rows.map((r) => r.id),
        ),
      );
    expect(occurrences).toHaveLength(rows.length * at.length);
    // Nobody of the role left: nothing written, and the caller hears 0.
    const none = await db.transaction((tx) =>
      createReminderForRole(
        tx,
        { kind: 'role_test2', text: 'x', timezone: 'UTC' },
        { role: 'nobody', except: [] },
        at,
      ),
    );
    expect(none).toBe(0);
  });
});
