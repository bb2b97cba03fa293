// The web workspace's KPI, audit and admin pages over HTTP (issue 17): the KPI figures are report kpi's
// for data made through commands (a scripted clock: an October and a November of approved orders, their
// cards delivered at known times and acknowledged, on time or late), the items behind each figure one click
// away; the audit log filtered, paged, exported (audited) and verified through the core; the admin views;
// the same permissions as the chat (a rep refused, a supervisor KPIs and audit but not admin, an admin all);
// every form refused without the session's CSRF token.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logFinish, logStart } from '../src/backup/log.ts';
import { type Driver, type Msg, startDriver } from './helpers/console.ts';
import { signIn, type WebClient } from './helpers/web.ts';

let d: Driver;
let now = new Date('2026-10-14T02:00:00Z');
/** Sets the clock to a Shanghai wall-clock time. */
const at = (local: string) => {
  now = new Date(`${local}:00+08:00`);
};

/** The cards of a record's distributions delivered at a known time (the console sends on the wall clock). */
async function delivered(ref: string, local: string) {
  for (let i = 0; i < 100; i++) {
    const waiting = await d.query<{ n: number }>(
      `select count(*)::int as n from outbox o join distributions x on o.card_key = 'dist:' || x.id
       where x.subject_ref = '${ref}' and o.op = 'post' and o.state <> 'sent'`,
    );
    if (waiting[0]!.n === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await d.query(
    `update outbox set sent_at = '${local}:00+08:00' where op = 'post' and card_key in
       (select 'dist:' || id from distributions where subject_ref = '${ref}')`,
  );
}

/** Approves as the sales manager; a deadlock with a reminder firing at that moment is answered "try again". */
async function approve(number: string) {
  let r = await d.say('wang', `approval approve ${number}`);
  for (let k = 0; k < 3 && /try again/.test(r.text); k++)
    r = await d.say('wang', `approval approve ${number}`);
  expect(r.text).toMatch(/approved/i);
}

const field = (m: Msg, label: string) => m.card?.fields.find((x) => x.label === label)?.value;
const html = async (c: WebClient, path: string) => {
  const res = await c.get(path);
  return { status: res.status, text: await res.text() };
};
/** The text of the element with data-testid=`id` in a page (up to its own closing tag), tags stripped. */
const testid = (page: string, id: string) => {
  const start = new RegExp(`<(\\w+)[^>]*data-testid="${id}"[^>]*>`).exec(page);
  if (!start) return '';
  const tag = start[1]!;
  const re = new RegExp(`<(/?)${tag}\\b[^>]*>`, 'g');
  re.lastIndex = start.index + start[0].length;
  let depth = 1;
  let end = page.length;
  for (let m = re.exec(page); m; m = re.exec(page)) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) {
      end = m.index;
      break;
    }
  }
  return page
    .slice(start.index + start[0].length, end)
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
};
const personId = async (handle: string) =>
  (await d.query<{ id: number }>(`select id from people where handle = '${handle}'`))[0]!.id;

beforeAll(async () => {
  d = await startDriver({ clock: () => now });
  for (const p of ['li', 'chen', 'wang', 'zhao', 'sun', 'admin', 'xu']) await d.say(p, 'me lang=en');
  await d.say('admin', 'admin role @xu supervisor');
  // October: SO-0001 approved and delivered; finance acknowledges within the hour, the others never.
  at('2026-10-14T10:00');
  await d.say('li', 'customer add name="Acme Ltd" contact="Zhang Wei" phone=13800000000');
  await d.say(
    'li',
    'order new customer=C-0001 item="Gateway | G1 | 2 | 1200" delivery=+30d place=Shanghai payment=cash',
  );
  await d.say('li', 'order submit SO-0001');
  at('2026-10-14T10:30');
  await approve('A-0001');
  await delivered('SO-0001', '2026-10-14T10:35');
  at('2026-10-14T11:00');
  expect((await d.say('zhao', 'order ack SO-0001')).text).toMatch(/Acknowledged SO-0001/);
  // November: SO-0002 approved and delivered; finance acknowledges three days later (late).
  at('2026-11-10T10:00');
  await d.say(
    'li',
    'order new customer=C-0001 item="Sensor | X1 | 5 | 100" delivery=+20d place=Beijing payment=cash',
  );
  await d.say('li', 'order submit SO-0002');
  at('2026-11-10T10:30');
  await approve('A-0002');
  await delivered('SO-0002', '2026-11-10T10:35');
  at('2026-11-13T10:00');
  expect((await d.say('zhao', 'order ack SO-0002')).text).toMatch(/Acknowledged SO-0002/);
  at('2026-11-20T10:00');
});

afterAll(async () => {
  await d?.close();
});

describe('permissions, as in chat', () => {
  it('a rep is refused every oversight page with a clear page, and the refusal is audited', async () => {
    const li = await signIn(d, 'li');
    for (const path of [
      '/app/kpi',
      '/app/kpi/items?kind=late',
      '/app/audit',
      '/app/admin',
      '/app/admin/policy',
    ]) {
      const r = await html(li, path);
      expect(r.status, path).toBe(403);
      expect(r.text).toContain('Not open to you');
    }
    expect((await html(li, '/app/kpi')).text).toContain('type report kpi in a chat');
    const home = await html(li, '/app');
    expect(home.text).not.toContain('href="/app/kpi"');
    expect(home.text).not.toContain('href="/app/audit"');
    const denied = await d.query<{ ref: string }>(
      `select a.entity_ref as ref from audit_log a join people p on p.id = a.person_id
       where p.handle = 'li' and a.action = 'denied' and a.entity = 'page' order by a.id`,
    );
    expect(denied.map((r) => r.ref)).toEqual([
      '/app/kpi',
      '/app/kpi',
      '/app/audit',
      '/app/admin',
      '/app/admin',
      '/app/kpi',
    ]);
  });

  it('a supervisor sees KPIs and audit but not admin; an admin sees all', async () => {
    const xu = await signIn(d, 'xu');
    expect((await html(xu, '/app/kpi')).status).toBe(200);
    expect((await html(xu, '/app/audit')).status).toBe(200);
    expect((await html(xu, '/app/admin')).status).toBe(403);
    expect((await html(xu, '/app/admin/backups')).status).toBe(403);
    const nav = (await html(xu, '/app')).text;
    expect(nav).toContain('href="/app/kpi"');
    expect(nav).toContain('href="/app/audit"');
    expect(nav).not.toContain('href="/app/admin"');
    const admin = await signIn(d, 'admin');
    for (const path of [
      '/app/kpi',
      '/app/audit',
      '/app/admin',
      '/app/admin/chats',
      '/app/admin/policy',
      '/app/admin/calendar',
      '/app/admin/backups',
    ])
      expect((await html(admin, path)).status, path).toBe(200);
    expect((await html(admin, '/app/admin/nothing')).status).toBe(404);
  });

  it("a department head sees their department's KPIs, not another's (refused as in chat)", async () => {
    const zhao = await signIn(d, 'zhao');
    const own = await html(zhao, '/app/kpi?month=2026-11');
    expect(own.status).toBe(200);
    expect(testid(own.text, 'kpi-title')).toBe('KPIs · Finance · 2026-11');
    const other = await html(zhao, '/app/kpi?month=2026-11&dept=production');
    expect(other.status).toBe(403);
    expect(other.text.replace(/&#39;/g, "'")).toContain(
      "You may see Finance's figures and your own, not Production's.",
    );
    const chat = await d.say('zhao', 'report kpi month=2026-11 dept=production');
    expect(chat.text).toContain("You may see Finance's figures and your own, not Production's.");
    // Audit and admin stay closed to a head.
    expect((await html(zhao, '/app/audit')).status).toBe(403);
  });
});

describe('the KPI page', () => {
  it("shows report kpi's figures for this month against the months before", async () => {
    const chat = await d.say('admin', 'report kpi month=2026-11');
    const ack = /Acknowledgements: (\d+)\/(\d+) received \(([\d.]+%)\)/.exec(chat.text)!;
    const ontime = /Timeliness: ([\d.]+%|—) delivered within target/.exec(chat.text)!;
    expect(ack).not.toBeNull();
    const [asked] = await d.query<{ n: number }>(
      `select count(*)::int as n from distributions where subject_ref = 'SO-0002'`,
    );
    expect(Number(ack[2])).toBe(asked!.n);
    expect(Number(ack[1])).toBe(1);
    const admin = await signIn(d, 'admin');
    const page = await html(admin, '/app/kpi?month=2026-11');
    expect(page.status).toBe(200);
    expect(testid(page.text, 'kpi-title')).toBe('KPIs · Everyone · 2026-11');
    expect(testid(page.text, 'fig-acked')).toContain(ack[3]!);
    expect(testid(page.text, 'fig-acked')).toContain(`1 of ${asked!.n}`);
    expect(testid(page.text, 'fig-ontime')).toContain(ontime[1]!);
    // Six months in the table, the current one first; October's acknowledgement share as chat says it.
    const months = [...page.text.matchAll(/<tr data-month="(\d{4}-\d{2})"/g)].map((m) => m[1]);
    expect(months).toEqual(['2026-11', '2026-10', '2026-09', '2026-08', '2026-07', '2026-06']);
    const oct = await d.say('admin', 'report kpi month=2026-10');
    const octAck = /Acknowledgements: \d+\/\d+ received \(([\d.]+%)\)/.exec(oct.text)![1]!;
    const octRow = /<tr data-month="2026-10"[\s\S]*?<\/tr>/.exec(page.text)![0];
    expect(testid(octRow, 'm-acked')).toBe(octAck);
    // Per department: finance's row says what chat's "Department Finance" line says.
    const fin = field(chat, 'Department Finance')!;
    expect(fin).toMatch(/acknowledged 1\/1 \(on time 0\)/);
    const rows = /data-testid="kpi-departments"[\s\S]*?<\/table>/.exec(page.text)![0];
    const finRow = /<tr>(?:(?!<\/tr>)[\s\S])*?Finance[\s\S]*?<\/tr>/.exec(rows)![0].replace(/<[^>]+>/g, '|');
    expect(finRow).toMatch(/\|1\/1\|/);
    // The charts' figures are in the page for ECharts, the trend ending with this month.
    const data = JSON.parse(
      /<script type="application\/json" id="kpi-data">([\s\S]*?)<\/script>/.exec(page.text)![1]!,
    );
    expect(data.trend.labels.at(-1)).toBe('2026-11');
    expect(data.trend.series[1].values.at(-1)).toBe(Number(ack[3]!.replace('%', '')));
    // The page's read is audited as the chat's report is.
    const reads = await d.query<{ n: number }>(
      `select count(*)::int as n from audit_log where action = 'report.kpi' and detail->>'via' = 'web'`,
    );
    expect(reads[0]!.n).toBeGreaterThan(0);
  });

  it('each figure links to the items it counts', async () => {
    const admin = await signIn(d, 'admin');
    const page = (await html(admin, '/app/kpi?month=2026-11')).text;
    const link = /data-testid="fig-acked-items"[^>]*>|href="([^"]*kind=unacked[^"]*)"/.exec(page);
    expect(link).not.toBeNull();
    const href = /<a class="more" href="([^"]+)" data-testid="fig-acked-items">([^<]+)</.exec(page)!;
    const n = Number(/(\d+)/.exec(href[2]!)![1]);
    const items = await html(admin, href[1]!.replace(/&amp;/g, '&'));
    expect(items.status).toBe(200);
    const refs = [...items.text.matchAll(/data-testid="item" data-ref="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBe(n);
    expect(new Set(refs)).toEqual(new Set(['SO-0002']));
    // Finance's acknowledgement came, late; the others' never.
    expect(items.text).toMatch(/after delivery/);
    expect(items.text).toMatch(/not acknowledged/);
    expect(items.text).toContain('href="/app/orders/SO-0002"');
    // Incomplete records: C-0001 lacks its address, scope and size.
    const oct = (await html(admin, '/app/kpi/items?kind=incomplete&month=2026-10')).text;
    expect(oct).toMatch(/data-ref="C-0001"/);
    expect(oct).toMatch(/address/);
    // A department head's drill-down stays within their department.
    const zhao = await signIn(d, 'zhao');
    const theirs = (await html(zhao, '/app/kpi/items?kind=unacked&month=2026-11')).text;
    expect([...theirs.matchAll(/data-testid="item"/g)].length).toBe(1);
    expect((await html(zhao, '/app/kpi/items?kind=unacked&month=2026-11&dept=sales')).status).toBe(403);
  });

  it('follows the reader’s language', async () => {
    await d.say('sun', 'me lang=zh');
    const sun = await signIn(d, 'sun');
    const page = (await html(sun, '/app/kpi?month=2026-11')).text;
    expect(page).toContain('考核 · 生产部 · 2026-11');
    expect(page).toContain('已确认');
    await d.say('sun', 'me lang=en');
  });
});

describe('the audit page', () => {
  it('filters by record, person, action and dates, and pages', async () => {
    const xu = await signIn(d, 'xu');
    const [all] = await d.query<{ n: number }>(`select count(*)::int as n from audit_log`);
    const page = (await html(xu, '/app/audit')).text;
    const count = Number(/(\d+) entries/.exec(testid(page, 'audit-count'))![1]);
    expect(count).toBeGreaterThanOrEqual(all!.n);
    expect([...page.matchAll(/data-testid="audit-row"/g)].length).toBe(Math.min(50, count));
    expect(page).toMatch(/Page 1 of \d+/);
    const p2 = (await html(xu, '/app/audit?page=2')).text;
    expect(p2).toMatch(/Page 2 of/);
    const so = (await html(xu, '/app/audit?record=SO-0002')).text;
    const [mentions] = await d.query<{ n: number }>(
      `select count(*)::int as n from audit_log where entity_ref = 'SO-0002' or 'SO-0002' = any(string_to_array(entity_ref, ','))`,
    );
    expect(testid(so, 'audit-count')).toBe(`${mentions!.n} entries`);
    const li = await personId('li');
    const liOrders = (await html(xu, `/app/audit?who=${li}&action=order`)).text;
    const actions = [...liOrders.matchAll(/data-testid="audit-row" data-action="([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.every((a) => a.startsWith('order.'))).toBe(true);
    const nov = (await html(xu, '/app/audit?since=2026-11-13&until=2026-11-13')).text;
    const [day] = await d.query<{ n: number }>(
      `select count(*)::int as n from audit_log where at >= '2026-11-13T00:00:00+08:00' and at < '2026-11-14T00:00:00+08:00'`,
    );
    expect(testid(nov, 'audit-count')).toBe(`${day!.n} entries`);
    const bad = (await html(xu, '/app/audit?since=someday&record=XYZ')).text;
    expect(testid(bad, 'problems')).toMatch(/since=someday is not a date/);
    expect(testid(bad, 'problems')).toMatch(/not a record number/);
  });

  it('exports the filtered log as CSV and XLSX, each export audited', async () => {
    const xu = await signIn(d, 'xu');
    const csv = await xu.get('/app/audit/export.csv?record=SO-0001');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('#,Time,Person,Action,Record,Channel,Details');
    const [n] = await d.query<{ n: number }>(
      `select count(*)::int as n from audit_log where entity_ref = 'SO-0001' or 'SO-0001' = any(string_to_array(entity_ref, ','))`,
    );
    expect(lines.length - 1).toBe(n!.n);
    const xlsx = await xu.get('/app/audit/export.xlsx?record=SO-0001');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await xlsx.arrayBuffer());
    expect(book.worksheets[0]!.rowCount).toBe(n!.n + 1);
    const audits = await d.query<{ format: string; rows: number; record: string }>(
      `select a.detail->>'format' as format, (a.detail->>'rows')::int as rows, a.detail->'filter'->>'record' as record
       from audit_log a join people p on p.id = a.person_id
       where p.name = 'xu' and a.action = 'web.export' and a.entity = 'audit' order by a.id`,
    );
    expect(audits).toEqual([
      { format: 'csv', rows: n!.n, record: 'SO-0001' },
      { format: 'xlsx', rows: n!.n, record: 'SO-0001' },
    ]);
    // A rep cannot export it.
    const li = await signIn(d, 'li');
    expect((await li.get('/app/audit/export.csv')).status).toBe(403);
  });

  it("shows audit verify's answer, through the core; a tampered row is named", async () => {
    const xu = await signIn(d, 'xu');
    expect((await xu.post('/app/audit/verify', {})).status).toBe(403);
    expect((await xu.post('/app/audit/verify', { _csrf: 'forged' })).status).toBe(403);
    const csrf = await xu.csrf('/app/audit');
    const ok = await (await xu.post('/app/audit/verify', { _csrf: csrf })).text();
    const chat = await d.say('xu', 'audit verify');
    expect(chat.text).toMatch(/intact/);
    expect(testid(ok, 'verdict')).toMatch(/The audit log is intact/);
    await d.query(`alter table audit_log disable trigger audit_log_append_only`);
    try {
      const [victim] = await d.query<{ id: string }>(
        `select id::text from audit_log where action = 'customer.add' order by id limit 1`,
      );
      await d.query(`update audit_log set detail = '{"forged": true}' where id = ${victim!.id}`);
      const bad = await (await xu.post('/app/audit/verify', { _csrf: csrf })).text();
      expect(testid(bad, 'verdict')).toMatch(/tampered/);
      expect(testid(bad, 'verdict')).toContain(`entry #${victim!.id} `);
    } finally {
      await d.query(`alter table audit_log enable trigger audit_log_append_only`);
    }
  });
});

describe('the admin pages', () => {
  it('people with their identities and roles, chat bindings, policy, calendar, backups', async () => {
    const admin = await signIn(d, 'admin');
    const people = (await html(admin, '/app/admin')).text;
    const xuId = (await d.query<{ id: number }>(`select id from people where name = 'xu'`))[0]!.id;
    const xuRow = new RegExp(`<tr data-testid="person" data-person="${xuId}"[\\s\\S]*?</tr>`).exec(
      people,
    )![0];
    expect(xuRow).toContain('Supervisor');
    expect(xuRow).toMatch(/console · /);
    expect(people).toContain('admin role @li sales_manager');
    const chats = (await html(admin, '/app/admin/chats')).text;
    const bindings = await d.query<{ chat: string }>(`select chat_id as chat from chat_bindings`);
    for (const b of bindings) expect(chats).toContain(`data-chat="${b.chat}"`);
    expect(chats).toContain('admin bind finance');
    const policy = (await html(admin, '/app/admin/policy')).text;
    expect(policy).toMatch(/data-key="target.order.ack"[\s\S]*?1 working day/);
    // The calendar: what the table holds, this year and next.
    await d.query(`insert into calendar_days (date, working, name) values ('2026-12-31', false, 'Test holiday')
      on conflict (date) do nothing`);
    const cal = (await html(admin, '/app/admin/calendar')).text;
    expect(cal).toContain('data-date="2026-12-31"');
    // The backup log, as the backup tools write it.
    const db = d.app.database.db;
    const id = await logStart(db, 'backup', 'manual');
    await logFinish(db, id, {
      state: 'done',
      file: '/backups/salesrelay-2026-11-20.dump',
      size: 5_400_000,
      encrypted: true,
    });
    const drill = await logStart(db, 'drill', 'schedule');
    await logFinish(db, drill, {
      state: 'failed',
      result: { tables: 40, problems: ['orders: 3 rows differ'] },
    });
    const backups = (await html(admin, '/app/admin/backups')).text;
    expect(backups).toContain('salesrelay-2026-11-20.dump');
    expect(backups).toContain('5.1 MB');
    expect(backups).toContain('orders: 3 rows differ');
    expect(testid(backups, 'backup-drill')).toMatch(/FAILED/);
  });

  it('a KPI target changed on the policy page goes through admin policy, audited; without the token, nothing', async () => {
    const admin = await signIn(d, 'admin');
    const forged = await admin.post('/app/admin/policy', {
      _csrf: 'forged',
      key: 'target.order.ack',
      value: '8h',
    });
    expect(forged.status).toBe(403);
    expect((await admin.post('/app/admin/policy', { key: 'target.order.ack', value: '8h' })).status).toBe(
      403,
    );
    const stored = async () =>
      (
        await d.query<{ t: unknown }>(
          `select settings->'kpi'->'targets'->'target.order.ack' as t from org_settings`,
        )
      )[0]!.t;
    expect(await stored()).toBeNull();
    const csrf = await admin.csrf('/app/admin/policy');
    const bad = await (
      await admin.post('/app/admin/policy', { _csrf: csrf, key: 'target.order.ack', value: '8x' })
    ).text();
    expect(testid(bad, 'flash')).toMatch(/is not a target/);
    const done = await admin.post('/app/admin/policy', { _csrf: csrf, key: 'target.order.ack', value: '8h' });
    expect(done.status).toBe(200);
    expect(testid(await done.text(), 'flash')).toBe('Saved: target.order.ack = 8 working hours.');
    expect(await stored()).toEqual({ minutes: 480 });
    const audit = await d.query<{ n: number }>(
      `select count(*)::int as n from audit_log a join people p on p.id = a.person_id
       where p.handle = 'admin' and a.action = 'admin.policy' and a.entity_ref = 'kpi'`,
    );
    expect(audit[0]!.n).toBe(1);
    // A supervisor's post, with their own valid token, is refused by the command as in chat.
    const xu = await signIn(d, 'xu');
    const xuCsrf = await xu.csrf('/app/kpi');
    expect(
      (await xu.post('/app/admin/policy', { _csrf: xuCsrf, key: 'target.order.ack', value: '2h' })).status,
    ).toBe(403);
    expect(await stored()).toEqual({ minutes: 480 });
  });
});

describe('on the embedded database (PGlite)', () => {
  it('every oversight page opens, and the KPI figures are there', async () => {
    const e = await startDriver({ pglite: true });
    try {
      await e.say('admin', 'me lang=en');
      await e.say('li', 'customer add name="Acme Ltd" contact="Zhang Wei" phone=13800000000');
      await e.say(
        'li',
        'order new customer=C-0001 item="Gateway | G1 | 2 | 1200" delivery=+30d place=Shanghai payment=cash',
      );
      await e.say('li', 'order submit SO-0001');
      await e.say('wang', 'approval approve A-0001');
      const admin = await signIn(e, 'admin');
      for (const path of [
        '/app/kpi',
        '/app/kpi/items?kind=unacked',
        '/app/kpi/items?kind=incomplete',
        '/app/audit?record=SO-0001',
        '/app/admin',
        '/app/admin/chats',
        '/app/admin/policy',
        '/app/admin/calendar',
        '/app/admin/backups',
      ]) {
        const r = await admin.get(path);
        expect(r.status, path).toBe(200);
      }
      const page = await (await admin.get('/app/kpi')).text();
      const [asked] = await e.query<{ n: number }>(`select count(*)::int as n from distributions`);
      expect(testid(page, 'fig-acked')).toContain(`0 of ${asked!.n}`);
      const csrf = await admin.csrf('/app/audit');
      const verified = await (await admin.post('/app/audit/verify', { _csrf: csrf })).text();
      expect(testid(verified, 'verdict')).toMatch(/The audit log is intact/);
    } finally {
      await e.close();
    }
  });
});
