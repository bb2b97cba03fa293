// The web workspace over HTTP (issue 17): sign-in links (single use, 10 minutes, bound to the person),
// session cookies, CSRF on every form, offboarding ending sessions, the same permissions and masking as
// chat, order list filters and exports (each audited), and approvals decided through the core.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';
import { linkIn, signIn, webClient } from './helpers/web.ts';

let d: Driver;

beforeAll(async () => {
  d = await startDriver();
  for (const p of ['li', 'chen', 'wang', 'zhao', 'sun', 'admin']) await d.say(p, 'me lang=en');
  await d.say('li', 'customer add name="Acme Ltd" contact="Zhang San" phone=13800000000');
  await d.say('chen', 'customer add name="华星科技" contact="Wang Wu" phone=13900000000');
  await d.say(
    'li',
    'order new customer=C-0001 item="Sensor | X1 | 2 | 100" delivery=+20d place=Shanghai payment=cash',
  );
  await d.say(
    'li',
    'order new customer=C-0001 item="Gateway | G1 | 1 | 250" delivery=+30d place=Beijing payment=cash',
  );
  await d.say(
    'chen',
    'order new customer=C-0002 item="Panel | P1 | 3 | 40" delivery=+10d place=Shenzhen payment=cash',
  );
  expect((await d.say('li', 'order submit SO-0001')).text).toMatch(/A-0001/);
});

afterAll(async () => {
  await d?.close();
});

const tokenOf = (link: string) => link.split('/').pop()!;

describe('sign-in links', () => {
  it('web in a private chat gives a link that signs that person in, once', async () => {
    const link = linkIn((await d.say('li', 'web')).text);
    expect(link.startsWith(`${d.app.url}/app/sign-in/`)).toBe(true);
    const c = webClient(d.app.url);
    // Opening the link asks first (a link preview must not use it up).
    const page = await c.get(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="token"');
    const res = await c.post('/app/sign-in', { token: tokenOf(link) });
    expect(res.status).toBe(303);
    const cookie = res.headers.getSetCookie().join('\n');
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/app/);
    expect(cookie).toMatch(/Max-Age=43200/);
    expect(cookie).not.toMatch(/Secure/); // plain http here; PUBLIC_URL=https://… makes it Secure
    const home = await c.get('/app');
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Li Lei');
    // The same link again: refused, on the page and on the form.
    const again = webClient(d.app.url);
    const reopened = await again.get(link);
    expect(reopened.status).toBe(410);
    expect(await reopened.text()).toContain('has been used');
    expect((await again.post('/app/sign-in', { token: tokenOf(link) })).status).toBe(410);
    expect((await again.get('/app')).status).toBe(401);
    const stored = await d.query<{ n: number }>(
      `select count(*)::int as n from web_sign_in_links where token_hash = '${tokenOf(link)}'`,
    );
    expect(stored[0]!.n).toBe(0); // only the hash is kept
  });

  it('a forged link and an expired link get pages that say so', async () => {
    const c = webClient(d.app.url);
    const forged = await fetch(`${d.app.url}/app/sign-in/not-a-real-token`, {
      headers: { 'accept-language': 'en' },
    });
    expect(forged.status).toBe(404);
    expect(await forged.text()).toContain('not one the bot gave out');
    const link = linkIn((await d.say('chen', 'web')).text);
    await d.query(
      `update web_sign_in_links set expires_at = now() - interval '1 second' where id = (select max(id) from web_sign_in_links)`,
    );
    const expired = await c.get(link);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('older than 10 minutes');
    expect((await c.post('/app/sign-in', { token: tokenOf(link) })).status).toBe(410);
  });

  it('asked in a group chat, the link goes to the private chat', async () => {
    const r = await d.say('li', 'web', 'sales');
    expect(r.text).toMatch(/sent you a sign-in link in our private chat/);
    expect(r.text).not.toMatch(/sign-in\//);
    let dm: string | undefined;
    for (let i = 0; i < 50 && !dm; i++) {
      dm = (await d.messages('dm:li'))
        .map((m) => m.text)
        .find((t) => /sign-in\//.test(t) && t.includes('for you alone'));
      if (!dm) await new Promise((r) => setTimeout(r, 100));
    }
    expect(dm).toBeDefined();
  });

  it('pages without a session ask to sign in; zh readers get Chinese', async () => {
    const res = await fetch(`${d.app.url}/app/orders`, { headers: { 'accept-language': 'zh-CN' } });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('网页');
  });
});

describe('permissions and masking, as in chat', () => {
  it("a rep sees their own orders only and cannot open another rep's customer or order by URL", async () => {
    const li = await signIn(d, 'li');
    const list = await (await li.get('/app/orders')).text();
    expect(list).toContain('SO-0001');
    expect(list).toContain('SO-0002');
    expect(list).not.toContain('SO-0003');
    expect((await li.get('/app/customers/C-0002')).status).toBe(403);
    expect((await li.get('/app/orders/SO-0003')).status).toBe(403);
    const own = await li.get('/app/customers/C-0001');
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('13800000000');
    const denied = await d.query<{ n: number }>(
      `select count(*)::int as n from audit_log where action = 'denied' and entity_ref in ('C-0002', 'SO-0003')`,
    );
    expect(denied[0]!.n).toBe(2);
  });

  it('a department without price rights sees the order with its amounts withheld', async () => {
    // Production sees released orders: SO-0001 once approved. Approve it through chat first.
    await d.say('wang', 'approval approve A-0001');
    const sun = await signIn(d, 'sun');
    const page = await (await sun.get('/app/orders/SO-0001')).text();
    expect(page).toContain('Sensor');
    expect(page).toContain('🔒 confidential');
    expect(page).not.toContain('¥200.00');
    const list = await (await sun.get('/app/orders')).text();
    expect(list).not.toContain('SO-0002'); // still a draft: not released to departments
    expect(list).not.toContain('¥');
  });

  it('an order page shows its timeline and audits the amounts shown', async () => {
    const li = await signIn(d, 'li');
    const page = await (await li.get('/app/orders/SO-0001')).text();
    expect(page).toContain('¥200.00');
    expect(page).toContain('data-testid="timeline"');
    expect(page).toMatch(/approved|Approved/);
    const reads = await d.query<{ n: number }>(
      `select count(*)::int as n from audit_log a join people p on p.id = a.person_id
       where p.handle = 'li' and a.action = 'read.confidential' and a.entity_ref = 'SO-0001' and a.detail->>'via' = 'web'`,
    );
    expect(reads[0]!.n).toBeGreaterThan(0);
  });
});

describe('order list and exports', () => {
  it('filters, sorts and pages; bad filter values are named and left out', async () => {
    const wang = await signIn(d, 'wang');
    const all = await (await wang.get('/app/orders')).text();
    expect(all).toContain('3 orders');
    const acme = await (await wang.get('/app/orders?q=acme')).text();
    expect(acme).toContain('2 orders');
    const zh = await (await wang.get(`/app/orders?q=${encodeURIComponent('华星')}`)).text();
    expect(zh).toContain('1 orders');
    expect(zh).toContain('SO-0003');
    const bad = await (await wang.get('/app/orders?from=yesterday&status=lost')).text();
    expect(bad).toContain('3 orders');
    expect(bad).toMatch(/not a valid value: status, from/);
    const sorted = await (await wang.get('/app/orders?sort=total&dir=asc')).text();
    expect(sorted.indexOf('SO-0003')).toBeLessThan(sorted.indexOf('SO-0001'));
    expect(sorted.indexOf('SO-0001')).toBeLessThan(sorted.indexOf('SO-0002'));
  });

  it('CSV and XLSX carry exactly the filtered list, and each export is audited', async () => {
    const wang = await signIn(d, 'wang');
    const csv = await wang.get('/app/orders/export.csv?q=acme');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('Order,Customer,Status,Order date,Delivery,Owner,Total,Paid');
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual(['SO-0001', 'SO-0002']);
    const xlsx = await wang.get('/app/orders/export.xlsx?q=acme');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await xlsx.arrayBuffer());
    const rows: string[][] = [];
    book.worksheets[0]!.eachRow((r) => rows.push((r.values as string[]).slice(1).map(String)));
    expect(rows.map((r) => r.join(','))).toEqual(lines);
    const audits = await d.query<{ format: string; rows: number }>(
      `select a.detail->>'format' as format, (a.detail->>'rows')::int as rows from audit_log a
       join people p on p.id = a.person_id where p.handle = 'wang' and a.action = 'web.export' order by a.id`,
    );
    expect(audits).toEqual([
      { format: 'csv', rows: 2 },
      { format: 'xlsx', rows: 2 },
    ]);
  });

  it("a rep's export has only their orders", async () => {
    const chen = await signIn(d, 'chen');
    const text = await (await chen.get('/app/orders/export.csv')).text();
    expect(text).toContain('SO-0003');
    expect(text).not.toContain('SO-0001');
  });
});

describe('approvals and forms', () => {
  it('a forged CSRF token is refused and decides nothing; the right one decides through the core', async () => {
    expect((await d.say('li', 'order submit SO-0002')).text).toMatch(/A-0002/);
    const wang = await signIn(d, 'wang');
    const page = await (await wang.get('/app/approvals')).text();
    expect(page).toContain('A-0002');
    const forged = await wang.post('/app/approvals/A-0002', { _csrf: 'forged', decision: 'approve' });
    expect(forged.status).toBe(403);
    const missing = await wang.post('/app/approvals/A-0002', { decision: 'approve' });
    expect(missing.status).toBe(403);
    const [pending] = await d.query<{ state: string }>(`select state from approvals where number = 'A-0002'`);
    expect(pending!.state).toBe('pending');
    const csrf = await wang.csrf('/app/approvals');
    const done = await wang.post('/app/approvals/A-0002', {
      _csrf: csrf,
      decision: 'approve',
      reason: 'fine',
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toMatch(/Approved: A-0002/);
    const [approved] = await d.query<{ state: string }>(
      `select state from approvals where number = 'A-0002'`,
    );
    expect(approved!.state).toBe('approved');
    // Every copy of the card is re-rendered, as after a button press.
    const updates = await d.query<{ n: number }>(
      `select count(*)::int as n from outbox where op = 'update' and card_key like '%A-0002%'`,
    );
    expect(updates[0]!.n).toBeGreaterThan(0);
  });

  it('reject without a reason is answered and changes nothing', async () => {
    await d.say('chen', 'order submit SO-0003');
    const wang = await signIn(d, 'wang');
    const csrf = await wang.csrf('/app/approvals');
    const res = await (await wang.post('/app/approvals/A-0003', { _csrf: csrf, decision: 'reject' })).text();
    expect(res).toContain('flash bad');
    const [a] = await d.query<{ state: string }>(`select state from approvals where number = 'A-0003'`);
    expect(a!.state).toBe('pending');
  });

  it('signing out ends the session', async () => {
    const li = await signIn(d, 'li');
    const csrf = await li.csrf();
    expect((await li.post('/app/sign-out', { _csrf: csrf })).status).toBe(200);
    expect((await li.get('/app')).status).toBe(401);
  });

  it('offboarding ends the person’s sessions at once', async () => {
    const zhao = await signIn(d, 'zhao');
    expect((await zhao.get('/app')).status).toBe(200);
    expect((await d.say('admin', 'admin offboard @zhao to=@wang')).text).toMatch(/has left/);
    expect((await zhao.get('/app')).status).toBe(401);
    const left = await d.query<{ n: number }>(
      `select count(*)::int as n from web_sessions s join people p on p.id = s.person_id where p.handle = 'zhao'`,
    );
    expect(left[0]!.n).toBe(0);
  });
});
