// report kpi through the console with a scripted clock (issue 14, R-KPI-1..4): a September and an October
// of known events, deliveries (the delivery log's sent_at set to known times), acknowledgements, a correction
// and missing fields, and the exact figures. The National Day holiday lies between an event and its
// acknowledgement; month boundaries are the organisation's (Shanghai), not UTC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, type Msg, startDriver } from './helpers/console.ts';

/** The card line for a label, e.g. "Department Finance". */
function field(m: Msg, label: string): string {
  const f = m.card?.fields.find((x) => x.label === label);
  if (!f) throw new Error(`no field ${label} in\n${m.text}`);
  return f.value;
}
const fields = (m: Msg, label: string) =>
  (m.card?.fields ?? []).filter((x) => x.label === label).map((x) => x.value);

describe.each([
  ['PGlite', true],
  ['PostgreSQL', false],
])('report kpi on %s', (_, pglite) => {
  let d: Driver;
  let now = new Date('2026-09-30T08:00:00Z');
  /** Sets the clock to a Shanghai wall-clock time. */
  const at = (local: string) => {
    now = new Date(`${local}:00+08:00`);
  };

  /**
   * The delivery log: once the console has delivered the cards of these distributions, their sent_at is set
   * to a known time (the console delivers at once, on the wall clock, not the scripted one).
   */
  async function delivered(distIds: number[], local: string) {
    const keys = distIds.map((i) => `'dist:${i}'`).join(',');
    for (let i = 0; i < 100; i++) {
      const waiting = await d.query<{ n: number }>(
        `select count(*)::int as n from outbox where card_key in (${keys}) and op = 'post' and state <> 'sent'`,
      );
      if (waiting[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await d.query(
      `update outbox set sent_at = '${local}:00+08:00' where card_key in (${keys}) and op = 'post'`,
    );
  }
  const distId = async (ref: string, dept: string) =>
    (
      await d.query<{ id: number }>(
        `select x.id from distributions x join departments p on p.id = x.department_id
         where x.subject_ref = '${ref}' and p.code = '${dept}'`,
      )
    )[0]!.id;

  beforeAll(async () => {
    d = await startDriver({ pglite, clock: () => now });
    for (const p of ['li', 'chen', 'wang', 'zhao', 'qian', 'sun', 'wu', 'admin'])
      await d.say(p, 'me lang=en');
    // September: SO-0001 approved on the eve of the National Day holiday (1-7 October).
    at('2026-09-30T16:00');
    await d.say('li', 'customer add name="Acme Ltd" contact="Zhang Wei" phone=13800000000 address=Shanghai');
    await d.say(
      'li',
      'order new customer=C-0001 item="Gateway | G1 | 2 | 1200" delivery=+20d place=Shanghai payment="on delivery"',
    );
    await d.say('li', 'order submit SO-0001');
    at('2026-09-30T17:00');
    expect((await d.say('wang', 'approval approve A-0001')).text).toMatch(/approved/);
    const sept = await d.query<{ id: number }>(`select id from distributions where subject_ref = 'SO-0001'`);
    await delivered(
      sept.map((r) => r.id),
      '2026-09-30T17:05',
    );
    // Finance acknowledges on the first working day after the holiday: 55 + 60 working minutes.
    at('2026-10-08T10:00');
    expect((await d.say('zhao', 'order ack SO-0001')).text).toMatch(/Acknowledged SO-0001/);
  });
  afterAll(() => d?.close());

  it('a holiday between delivery and acknowledgement is not counted: 1.9 working hours, on time', async () => {
    const r = await d.say('admin', 'report kpi month=2026-09');
    expect(field(r, 'Department Finance')).toBe(
      'delivered on time 1/1, median 5 min, p90 5 min; acknowledged 1/1 (on time 1), median 1.9 h, p90 1.9 h',
    );
    expect(r.text).toMatch(/^KPIs 2026-09 · everyone · against 2026-08/);
  });

  it('after an order is approved and only finance acknowledges, finance has its acknowledgement and the other three none', async () => {
    at('2026-10-12T09:00');
    await d.say(
      'li',
      'customer add name="Beta Co" contact="Wu Fang" phone=13900000000 address=Beijing scope=sensors size=50',
    );
    await d.say(
      'li',
      'order new customer=C-0002 item="Sensor | X2 | 10 | 35" delivery=+20d place=Beijing payment="30 days"',
    );
    expect((await d.say('li', 'order submit SO-0002')).text).toMatch(/A-0002/);
    // A draft without payment terms: one required field of four missing.
    await d.say('li', 'order new customer=C-0002 item="Sensor | X2 | 5 | 35" delivery=+30d place=Beijing');
    at('2026-10-12T10:00');
    await d.say('wang', 'approval approve A-0002');
    await delivered(
      await Promise.all(['marketing', 'service', 'finance'].map((x) => distId('SO-0002', x))),
      '2026-10-12T10:10',
    );
    // Production's card reached its chat late: 90 minutes against a target of one working hour.
    await delivered([await distId('SO-0002', 'production')], '2026-10-12T11:30');
    at('2026-10-12T11:00');
    await d.say('zhao', 'order ack SO-0002');

    const r = await d.say('admin', 'report kpi month=2026-10');
    expect(field(r, 'Department Finance')).toBe(
      'delivered on time 1/1, median 10 min, p90 10 min; acknowledged 1/1 (on time 1), median 50 min, p90 50 min',
    );
    for (const dept of ['Marketing', 'Customer service'])
      expect(field(r, `Department ${dept}`)).toBe(
        'delivered on time 1/1, median 10 min, p90 10 min; acknowledged 0/1 (on time 0), median —, p90 —',
      );
    expect(field(r, 'Department Production')).toBe(
      'delivered on time 0/1, median 1.5 h, p90 1.5 h; acknowledged 0/1 (on time 0), median —, p90 —',
    );
    expect(field(r, 'Sharing Finance')).toMatch(/^acknowledgements 1\/1 \(on time 1\)/);
    expect(field(r, 'Sharing Production')).toMatch(/^acknowledgements 0\/1 \(on time 0\)/);
    // Against September (1 of 4 acknowledged, all 4 delivered on time).
    expect(r.text).toContain('Acknowledgements: 1/4 received (25%), 1 on time, was 25%');
    expect(r.text).toContain('Timeliness: 75% delivered within target (3/4), was 100%');
  });

  it("after production acknowledges, production's figure changes, and its lateness is named", async () => {
    // Monday 11:30 → Wednesday 10:00: 6.5 + 9 + 1 = 16.5 working hours, past one working day.
    at('2026-10-14T10:00');
    await d.say('sun', 'order ack SO-0002');
    const r = await d.say('admin', 'report kpi month=2026-10');
    expect(field(r, 'Department Production')).toBe(
      'delivered on time 0/1, median 1.5 h, p90 1.5 h; acknowledged 1/1 (on time 0), median 1.8 d, p90 1.8 d',
    );
    expect(field(r, 'Department Finance')).toMatch(/acknowledged 1\/1 \(on time 1\)/);
    const late = fields(r, 'Late');
    // Not acknowledged at all first, then the most overdue.
    expect(late).toEqual([
      'SO-0002 → Marketing: not acknowledged (approved order → departments, target 1 d)',
      'SO-0002 → Customer service: not acknowledged (approved order → departments, target 1 d)',
      'SO-0002 → Production: acknowledged 1.8 d after delivery by Sun Li 孙立 (target 1 d)',
    ]);
    expect(r.text).toContain('Worst: SO-0002 → Marketing: not acknowledged');
    // A department head sees their own department without asking.
    const own = await d.say('sun', 'report kpi month=2026-10');
    expect(own.text).toMatch(/^KPIs 2026-10 · Production/);
    expect(own.card!.fields.map((f) => f.label)).not.toContain('Department Finance');
  });

  it('leads, a correction and missing fields: timeliness per flow, error rate and completeness', async () => {
    at('2026-10-12T09:30');
    await d.say('qian', 'lead add name="Gamma Ltd" source=expo desc="needs 50 sensors"');
    at('2026-10-13T09:30');
    await d.say('wang', 'lead assign L-0001 @chen due=2026-10-15');
    at('2026-10-16T10:00');
    await d.say('chen', 'lead follow L-0001 note="called; wants a quote"');
    at('2026-10-13T11:00');
    const filed = await d.say('zhao', 'customer correct C-0002 phone=13900000001 reason="wrong number"');
    const a = /A-\d{4}/.exec(filed.text)![0];
    at('2026-10-13T11:30');
    expect((await d.say('li', `approval approve ${a}`)).text).toMatch(/approved/);
    // The correction reaches the four departments that received SO-0002 (R-CUST-3); delivered at 11:40.
    for (let i = 0; i < 100; i++) {
      const waiting = await d.query<{ n: number }>(
        `select count(*)::int as n from outbox o join transfers t on o.created_at = t.written_at
          where t.flow = 'correction' and o.op = 'post' and o.state <> 'sent'`,
      );
      if (waiting[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await d.query(
      `update outbox o set sent_at = '2026-10-13T11:40:00+08:00' from transfers t
        where t.flow = 'correction' and o.created_at = t.written_at and o.op = 'post'`,
    );

    at('2026-10-20T10:00');
    const r = await d.say('admin', 'report kpi month=2026-10');
    // Registered Monday 09:30, assigned Tuesday 09:30: one working day, within target.
    expect(field(r, 'lead registered → assigned')).toBe('delivered on time 1/1, median 1 d, p90 1 d');
    expect(field(r, 'lead assigned → first follow-up')).toMatch(/^delivered on time 0\/1,/);
    // Four records created in October (C-0002, SO-0002, SO-0003, L-0001); one correction filed and upheld.
    expect(r.text).toContain(
      'Accuracy: 1 correction(s) upheld of 4 records (error rate 25%), 1 filed, was 0%',
    );
    expect(field(r, 'Accuracy customers')).toBe('1 upheld / 1 created (100%), 1 filed');
    expect(field(r, 'Accuracy Li Lei 李雷')).toBe('1 upheld / 3 created (33.3%), 1 filed');
    expect(fields(r, 'Correction')[0]).toMatch(
      /^A-\d{4} C-0002 Beta Co · approved · Zhao Yun 赵云 → Li Lei 李雷 · wrong number$/,
    );
    // Completeness: C-0002 5/5, SO-0002 4/4, SO-0003 3/4 (payment), L-0001 2/3 (next step) = 14/16;
    // September: C-0001 3/5 (scope, size), SO-0001 4/4 = 7/9.
    expect(r.text).toContain('Completeness: 87.5% of required fields filled (14/16 in 4 records), was 77.8%');
    expect(fields(r, 'Missing')).toEqual([
      'L-0001 (Chen Jing 陈静): next step',
      'SO-0003 (Li Lei 李雷): payment terms',
    ]);
  });

  it('required fields and targets are the organisation’s: admin policy changes them and the figures follow', async () => {
    const p = await d.say('admin', 'admin policy required.order=item,place,delivery target.order.ack=2d');
    expect(p.text).toContain('target.order.ack=2d (2 working days)');
    expect(p.text).toContain(
      'required.order=item,place,delivery (line items, delivery place, delivery date)',
    );
    const r = await d.say('admin', 'report kpi month=2026-10');
    expect(field(r, 'Department Production')).toMatch(/acknowledged 1\/1 \(on time 1\)/);
    expect(fields(r, 'Missing')).toEqual(['L-0001 (Chen Jing 陈静): next step']);
    expect((await d.say('admin', 'admin policy target.order.ack=soon')).text).toMatch(/is not a target/);
    expect((await d.say('admin', 'admin policy required.order=colour')).text).toMatch(
      /"colour" is not a field/,
    );
    await d.say('admin', 'admin policy required.order=item,place,delivery,payment target.order.ack=1d');
  });

  it('month boundaries are the organisation’s: 00:30 on 1 November in Shanghai is November', async () => {
    at('2026-11-01T00:30'); // 31 October 16:30 UTC
    await d.say('li', 'customer add name="Delta Ltd"');
    const nov = await d.say('admin', 'report kpi month=2026-11');
    expect(nov.text).toContain('(0/5 in 1 records)');
    const oct = await d.say('admin', 'report kpi month=2026-10');
    expect(oct.text).toContain('(14/16 in 4 records)');
    // The reader's own zone changes how times read, not which month an event is in.
    await d.say('admin', 'me tz=America/New_York');
    expect((await d.say('admin', 'report kpi month=2026-10')).text).toContain('(14/16 in 4 records)');
    await d.say('admin', 'me tz=Asia/Shanghai');
  });

  it('a sales rep asking for finance is refused and audited, writing nothing else; bad arguments are answered', async () => {
    const before = await d.query<{ n: number }>(`select count(*)::int as n from audit_log`);
    const r = await d.say('li', 'report kpi dept=finance');
    expect(r.text).toBe(
      "You may see your own figures, not Finance's. Admins, supervisors and management see every department.",
    );
    const denied = await d.query<{ action: string; detail: { command: string; asked: string } }>(
      `select action, detail from audit_log order by id desc limit 1`,
    );
    expect(denied[0]!.action).toBe('denied');
    expect(denied[0]!.detail).toMatchObject({ command: 'report kpi', asked: 'Finance' });
    const after = await d.query<{ n: number }>(`select count(*)::int as n from audit_log`);
    expect(after[0]!.n).toBe(before[0]!.n + 1);
    expect((await d.say('li', 'report kpi person=@zhao')).text).toMatch(/not Zhao Yun 赵云's/);
    // A head may not see another department; the sales manager heads sales.
    expect((await d.say('zhao', 'report kpi dept=production')).text).toMatch(/You may see Finance's figures/);
    // Their own figures a rep may see: li received no transfer, but created records.
    expect((await d.say('li', 'report kpi month=2026-10')).text).toMatch(/^KPIs 2026-10 · Li Lei 李雷/);
    expect((await d.say('admin', 'report kpi month=2026-13')).text).toMatch(/month="2026-13" is not valid/);
    expect((await d.say('admin', 'report kpi dept=sales-ops')).text).toMatch(/dept/);
    expect((await d.say('admin', 'report kpi person=@nobody')).text).toMatch(/I don't know @nobody/);
    expect((await d.say('admin', 'report kpi month=2026-08')).text).toBe(
      'No data for 2026-08 (everyone): nothing was distributed, assigned, created or corrected that month.',
    );
    expect((await d.say('admin', 'report kpi month=2027-03')).text).toMatch(/has not begun yet/);
  });

  it('speaks Chinese: 报表 考核', async () => {
    await d.say('zhao', 'me lang=zh');
    const r = await d.say('zhao', '报表 考核 月份=2026-10');
    expect(r.text).toMatch(/^考核 2026-10 · 财务部 · 对比 2026-09/);
    expect(field(r, '部门 财务部')).toBe(
      '按时送达 2/2，中位 10 分钟，P90 10 分钟；已确认 1/1（按时 1），中位 50 分钟，P90 50 分钟',
    );
    await d.say('zhao', 'me lang=en');
  });
});
