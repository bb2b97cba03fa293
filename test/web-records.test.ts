// The web workspace's record lists and pages (issue 17, "Records" and "Exports"): customers, leads, quotes
// and market information listed with search (number, name, contact, phone, Chinese and pinyin as customer
// find), filters, sorting and paging; CSV and XLSX exports of exactly the list, each audited; every record
// page under the chat's rules (a rep cannot open another rep's record by URL, masked fields stay masked,
// confidential reads audited), with its timeline, and the order page's timeline complete (distribution
// and acknowledgements per department, progress and delays, shipments, payments). zh and en.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';
import { signIn, type WebClient } from './helpers/web.ts';

let d: Driver;

async function approveAs(user: string, approval: string) {
  expect((await d.say(user, `approval approve ${approval}`)).text).toMatch(/approved/i);
}

beforeAll(async () => {
  d = await startDriver();
  for (const p of ['li', 'chen', 'wang', 'qian', 'zhao', 'sun', 'admin']) await d.say(p, 'me lang=en');
  await d.say('li', 'customer add name="Acme Ltd" contact="Zhang San" phone=13800000000 industry=machinery');
  await d.say('li', 'customer add name="华星科技" contact="王芳" phone=13700000000 region=华东');
  await d.say('chen', 'customer add name="东方电子" contact="赵六" phone=13900000000');
  // Leads: li's own (following), one from marketing (unassigned), chen's own.
  await d.say('li', 'lead add name="深圳新能源" source=online contact="刘先生" phone=13600000000');
  await d.say('qian', 'lead add name="Beta Corp" source=expo contact="Ms Beta" phone=13500000000');
  await d.say('chen', 'lead add name="蓝海贸易" source=referral contact="孙先生" phone=13400000000');
  // L-0001 becomes a customer; a quote from it, approved, sent, accepted; an order from the quote.
  const ask = await d.say('li', 'lead convert L-0001');
  const ok = ask.card!.actions.find((a) => a.id.startsWith('confirm:'))!;
  await d.press('li', ask.id, ok.id);
  expect(
    (await d.say('li', 'quote new lead=L-0001 item="Sensor | X200 | 10 | 600" valid=+30d')).text,
  ).toMatch(/Q-0001/);
  expect((await d.say('li', 'quote submit Q-0001')).text).toMatch(/A-0001/);
  await approveAs('wang', 'A-0001');
  await d.say('li', 'quote send Q-0001');
  await d.say('li', 'quote feedback Q-0001 result=accepted');
  expect(
    (
      await d.say(
        'li',
        'order new from=Q-0001 delivery=+20d place=深圳 payment="30% advance, 70% on delivery"',
      )
    ).text,
  ).toMatch(/SO-0001/);
  await d.say('li', 'quote new customer=C-0002 item="网关 | G1 | 2 | 1500" valid=+30d');
  await d.say('chen', 'quote new customer=C-0003 item="面板 | P1 | 3 | 800" valid=+30d');
  // SO-0001: approved, distributed, acknowledged by production, progress, a delay, shipped, paid in part.
  expect((await d.say('li', 'order submit SO-0001')).text).toMatch(/A-0002/);
  await approveAs('wang', 'A-0002');
  await d.say('sun', 'order ack SO-0001 note="scheduled for week 50"');
  await d.say('sun', 'order progress SO-0001 note="half of the units built"');
  await d.say('sun', 'order delay SO-0001 until=+25d reason="chip shortage"');
  await d.say('zhao', 'order plan SO-0001');
  await d.say('zhao', 'order paid SO-0001 amount=1800 method=transfer ref=BOC-7781');
  await d.say('zhou', 'order ship SO-0001 tracking=SF1234567890 carrier=SF');
  // Market information: public, confidential shared with sales, a tip not yet verified.
  await d.say(
    'qian',
    'intel add kind=competitor title="Rival cuts X200 price" body="down 8% in east China" competitor=Rival pricing="8% lower" level=public share=sales',
  );
  await d.say(
    'qian',
    'intel add kind=industry title="新能源补贴政策" body="机密：补贴将延长两年" trend=上升 level=confidential share=management',
  );
  await d.say('li', 'intel add kind=tip title="Acme may expand" body="heard at the expo"');
});

afterAll(async () => {
  await d?.close();
});

const count = (html: string) => /data-testid="list-count">([^<]*)</.exec(html)?.[1]?.trim();
const rowsOf = (html: string) =>
  [...html.matchAll(/<tr data-testid="list-row"><td[^>]*>(?:<a [^>]*>)?([^<]+)/g)].map((m) => m[1]);
const csvLines = async (res: Response) =>
  (await res.text())
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n');
async function xlsxLines(res: Response): Promise<string[]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(await res.arrayBuffer());
  const rows: string[] = [];
  book.worksheets[0]!.eachRow((r) => {
    rows.push(
      (r.values as unknown[])
        .slice(1)
        .map((v) => String(v ?? ''))
        .join('\u0001'),
    );
  });
  return rows;
}
/** CSV lines as cells joined like xlsxLines, for comparing the two (no cell here holds a comma or quote). */
const cells = (lines: string[]) => lines.map((l) => l.split(',').join('\u0001'));

describe('customer list', () => {
  let wang: WebClient;
  let li: WebClient;
  beforeAll(async () => {
    wang = await signIn(d, 'wang');
    li = await signIn(d, 'li');
  });

  it('searches by name, number, contact, phone, Chinese and pinyin; a rep lists only their own', async () => {
    expect(count(await (await wang.get('/app/customers')).text())).toBe('4 customers');
    const q = async (c: WebClient, text: string) =>
      rowsOf(await (await c.get(`/app/customers?q=${encodeURIComponent(text)}`)).text());
    expect(await q(wang, 'acme')).toEqual(['C-0001']);
    expect(await q(wang, 'C-0003')).toEqual(['C-0003']);
    expect(await q(wang, 'Zhang San')).toEqual(['C-0001']);
    expect(await q(wang, '138 0000 0000')).toEqual(['C-0001']);
    expect(await q(wang, '华星')).toEqual(['C-0002']);
    expect(await q(wang, 'huaxing')).toEqual(['C-0002']);
    expect(await q(wang, 'hxkj')).toEqual(['C-0002']);
    // li: their own three (Acme, 华星科技, and 深圳新能源 from the converted lead), not chen's.
    const mine = rowsOf(await (await li.get('/app/customers')).text());
    expect(mine.sort()).toEqual(['C-0001', 'C-0002', 'C-0004']);
    // chen's contact's phone finds nothing for li (contacts are searched where the reader may see them).
    expect(await q(li, '13900000000')).toEqual([]);
  });

  it('filters by status, owner and date; sorts; pages; bad values are named', async () => {
    const chenId = (await d.query<{ id: number }>(`select id from people where handle = 'chen'`))[0]!.id;
    expect(rowsOf(await (await wang.get(`/app/customers?owner=${chenId}`)).text())).toEqual(['C-0003']);
    const today = new Date().toISOString().slice(0, 10);
    expect(count(await (await wang.get(`/app/customers?from=2000-01-01&to=2000-01-02`)).text())).toBe(
      '0 customers',
    );
    expect(count(await (await wang.get(`/app/customers?from=${today}`)).text())).toBe('4 customers');
    const byName = rowsOf(await (await wang.get('/app/customers?sort=name&dir=asc')).text());
    expect(byName[0]).toBe('C-0001'); // Acme first
    const bad = await (await wang.get('/app/customers?state=lost&from=yesterday')).text();
    expect(bad).toMatch(/not a valid value: state, from/);
    expect(count(bad)).toBe('4 customers');
    // A rep may not filter by another rep: named, and the list stays theirs.
    const other = await (await li.get(`/app/customers?owner=${chenId}`)).text();
    expect(other).toMatch(/not a valid value: owner/);
    expect(rowsOf(other)).not.toContain('C-0003');
    expect(await (await wang.get('/app/customers?page=2')).text()).toContain('Page 2 of 1');
  });

  it('CSV and XLSX carry exactly the list, with what the reader may see; each export is audited', async () => {
    const page = rowsOf(await (await wang.get('/app/customers?q=acme')).text());
    const csv = await csvLines(await wang.get('/app/customers/export.csv?q=acme'));
    expect(csv[0]).toBe('Number,Name,Contact,Industry,Region,Status,Owner,Created');
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(page);
    expect(csv[1]).toContain('Zhang San · 13800000000');
    const xlsx = await xlsxLines(await wang.get('/app/customers/export.xlsx?q=acme'));
    expect(xlsx).toEqual(cells(csv));
    const audits = await d.query<{ entity: string; format: string; rows: number }>(
      `select a.entity, a.detail->>'format' as format, (a.detail->>'rows')::int as rows from audit_log a
       join people p on p.id = a.person_id where p.handle = 'wang' and a.action = 'web.export' order by a.id`,
    );
    expect(audits).toEqual([
      { entity: 'customer', format: 'csv', rows: 1 },
      { entity: 'customer', format: 'xlsx', rows: 1 },
    ]);
    // The contacts in the export are reads of each customer's contacts.
    const reads = await d.query<{ n: number }>(
      `select count(*)::int n from audit_log a join people p on p.id = a.person_id
       where p.handle = 'wang' and a.action = 'read.confidential' and a.entity_ref = 'C-0001'
         and a.detail->>'export' = 'csv'`,
    );
    expect(reads[0]!.n).toBe(1);
  });

  it('a department without a share sees contacts withheld in the list and in the export', async () => {
    const sun = await signIn(d, 'sun');
    const html = await (await sun.get('/app/customers?q=acme')).text();
    expect(html).toContain('🔒 confidential');
    expect(html).not.toContain('13800000000');
    const csv = await csvLines(await sun.get('/app/customers/export.csv?q=acme'));
    expect(csv[1]).toContain('🔒 confidential');
    expect(csv.join('\n')).not.toContain('13800000000');
  });
});

describe('customer page', () => {
  it("shows contacts, leads, quotes, orders and the timeline; another rep's customer is refused", async () => {
    const li = await signIn(d, 'li');
    const page = await (await li.get('/app/customers/C-0004')).text();
    expect(page).toContain('data-testid="contacts"');
    expect(page).toContain('13600000000');
    expect(page).toContain('href="/app/leads/L-0001"');
    expect(page).toContain('href="/app/quotes/Q-0001"');
    expect(page).toContain('href="/app/orders/SO-0001"');
    expect(page).toContain('data-testid="timeline"');
    expect((await li.get('/app/customers/C-0003')).status).toBe(403);
    expect((await li.get('/app/customers/C-9999')).status).toBe(404);
    const reads = await d.query<{ fields: string[] }>(
      `select a.detail->'fields' as fields from audit_log a join people p on p.id = a.person_id
       where p.handle = 'li' and a.action = 'read.confidential' and a.entity = 'customer' and a.entity_ref = 'C-0004'`,
    );
    expect(reads.at(-1)!.fields).toContain('contacts');
  });

  it('a department without a share sees the profile and the contacts withheld, in Chinese', async () => {
    const sun = await signIn(d, 'sun');
    await d.say('sun', 'me lang=zh');
    const page = await (await sun.get('/app/customers/C-0001')).text();
    expect(page).toContain('data-testid="contacts-withheld"');
    expect(page).toContain('🔒 保密');
    expect(page).not.toContain('13800000000');
    expect(page).toContain('未共享给您的部门');
    await d.say('sun', 'me lang=en');
  });
});

describe('lead list and page', () => {
  it('a rep lists their own and unassigned leads; filters by stage and source; exports the list', async () => {
    const li = await signIn(d, 'li');
    const mine = rowsOf(await (await li.get('/app/leads')).text());
    expect(mine.sort()).toEqual(['L-0001', 'L-0002']);
    const wang = await signIn(d, 'wang');
    expect(rowsOf(await (await wang.get('/app/leads')).text()).sort()).toEqual([
      'L-0001',
      'L-0002',
      'L-0003',
    ]);
    expect(rowsOf(await (await wang.get('/app/leads?state=open')).text()).sort()).toEqual([
      'L-0002',
      'L-0003',
    ]);
    expect(rowsOf(await (await wang.get('/app/leads?state=converted')).text())).toEqual(['L-0001']);
    expect(rowsOf(await (await wang.get('/app/leads?kind=expo')).text())).toEqual(['L-0002']);
    expect(rowsOf(await (await wang.get('/app/leads?owner=none')).text())).toEqual(['L-0002']);
    expect(rowsOf(await (await wang.get(`/app/leads?q=${encodeURIComponent('蓝海')}`)).text())).toEqual([
      'L-0003',
    ]);
    expect(rowsOf(await (await wang.get('/app/leads?q=1340000')).text())).toEqual(['L-0003']);
    const csv = await csvLines(await wang.get('/app/leads/export.csv?state=open&sort=number&dir=asc'));
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['L-0002', 'L-0003']);
    expect(await xlsxLines(await wang.get('/app/leads/export.xlsx?state=open&sort=number&dir=asc'))).toEqual(
      cells(csv),
    );
  });

  it("a rep cannot open another rep's lead by URL; finance may not read leads at all", async () => {
    const li = await signIn(d, 'li');
    expect((await li.get('/app/leads/L-0003')).status).toBe(403);
    const zhao = await signIn(d, 'zhao');
    expect((await zhao.get('/app/leads')).status).toBe(403);
    expect((await zhao.get('/app/leads/L-0001')).status).toBe(403);
    expect(await (await zhao.get('/app')).text()).not.toContain('href="/app/leads"');
    const denied = await d.query<{ n: number }>(
      `select count(*)::int n from audit_log where action = 'denied' and entity = 'lead' and entity_ref = 'L-0003'`,
    );
    expect(denied[0]!.n).toBe(1);
  });

  it('the lead page links its quote and order (R-LEAD-5); marketing sees the contact withheld', async () => {
    const li = await signIn(d, 'li');
    const page = await (await li.get('/app/leads/L-0001')).text();
    expect(page).toContain('href="/app/quotes/Q-0001"');
    expect(page).toContain('href="/app/orders/SO-0001"');
    expect(page).toContain('13600000000');
    expect(page).toMatch(/quote made: Q-0001/);
    const qian = await signIn(d, 'qian');
    const chens = await (await qian.get('/app/leads/L-0003')).text();
    expect(chens).toContain('🔒 confidential');
    expect(chens).not.toContain('13400000000');
    const found = await (await qian.get(`/app/leads?q=${encodeURIComponent('蓝海')}`)).text();
    expect(rowsOf(found)).toEqual(['L-0003']);
    expect(found).not.toContain('13400000000');
    // The lead she recorded herself: she typed the number, she sees it.
    expect(await (await qian.get('/app/leads/L-0002')).text()).toContain('13500000000');
    // A rep sees an unassigned lead's contact withheld until it is theirs.
    const unassigned = await (await li.get('/app/leads/L-0002')).text();
    expect(unassigned).toContain('🔒 confidential');
    expect(unassigned).not.toContain('13500000000');
  });
});

describe('quote list and page', () => {
  it('a rep lists their own quotes; the manager all, sorted by amount; exports match', async () => {
    const li = await signIn(d, 'li');
    expect(rowsOf(await (await li.get('/app/quotes')).text()).sort()).toEqual(['Q-0001', 'Q-0002']);
    const wang = await signIn(d, 'wang');
    expect(rowsOf(await (await wang.get('/app/quotes?sort=total&dir=asc')).text())).toEqual([
      'Q-0003',
      'Q-0002',
      'Q-0001',
    ]);
    expect(rowsOf(await (await wang.get('/app/quotes?state=accepted')).text())).toEqual(['Q-0001']);
    expect(rowsOf(await (await wang.get(`/app/quotes?q=${encodeURIComponent('东方')}`)).text())).toEqual([
      'Q-0003',
    ]);
    const csv = await csvLines(await wang.get('/app/quotes/export.csv?sort=total&dir=asc'));
    expect(csv[0]).toBe('Quote,Customer,Status,Total,Valid until,Owner,Created');
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['Q-0003', 'Q-0002', 'Q-0001']);
    expect(csv[3]).toContain('¥6,000.00');
  });

  it("the quote page has its items, link to the order, and the approval; another rep's is refused", async () => {
    const li = await signIn(d, 'li');
    const page = await (await li.get('/app/quotes/Q-0001')).text();
    expect(page).toContain('X200');
    expect(page).toContain('¥600.00');
    expect(page).toContain('href="/app/orders/SO-0001"');
    expect(page).toContain('href="/app/leads/L-0001"');
    expect(page).toMatch(/approved A-0001/);
    expect((await li.get('/app/quotes/Q-0003')).status).toBe(403);
    const sun = await signIn(d, 'sun');
    expect((await sun.get('/app/quotes')).status).toBe(403);
    expect((await sun.get('/app/quotes/Q-0001')).status).toBe(403);
  });

  it('a revision shows every version', async () => {
    expect((await d.say('li', 'quote revise Q-0002 item="网关 | G1 | 2 | 1400"')).text).toMatch(/Q-0004/);
    const li = await signIn(d, 'li');
    const page = await (await li.get('/app/quotes/Q-0004')).text();
    expect(page).toContain('data-testid="versions"');
    expect(page).toContain('href="/app/quotes/Q-0002"');
    expect(page).toMatch(/revision 1/);
  });
});

describe('market information', () => {
  it('lists what the reader may read: a confidential item not shared, and a tip not verified, are left out', async () => {
    const li = await signIn(d, 'li');
    expect(rowsOf(await (await li.get('/app/intel')).text()).sort()).toEqual(['I-0001', 'I-0003']);
    expect((await li.get('/app/intel/I-0002')).status).toBe(403);
    const chen = await signIn(d, 'chen');
    expect(rowsOf(await (await chen.get('/app/intel')).text())).toEqual(['I-0001']);
    expect((await chen.get('/app/intel/I-0003')).status).toBe(403);
    const qian = await signIn(d, 'qian');
    expect(rowsOf(await (await qian.get('/app/intel?state=unverified')).text())).toEqual(['I-0003']);
    expect(rowsOf(await (await qian.get('/app/intel?kind=competitor')).text())).toEqual(['I-0001']);
    // Searched in the text and the structured fields too; a confidential item by its number and title only.
    expect(rowsOf(await (await qian.get('/app/intel?q=east%20china')).text())).toEqual(['I-0001']);
    expect(rowsOf(await (await qian.get('/app/intel?q=8%25%20lower')).text())).toEqual(['I-0001']);
    expect(rowsOf(await (await qian.get(`/app/intel?q=${encodeURIComponent('两年')}`)).text())).toEqual([]);
    expect(rowsOf(await (await qian.get(`/app/intel?q=${encodeURIComponent('补贴')}`)).text())).toEqual([
      'I-0002',
    ]);
    const csv = await csvLines(await qian.get('/app/intel/export.csv?sort=number&dir=asc'));
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['I-0001', 'I-0002', 'I-0003']);
  });

  it('the item page shows its structured fields and audits a confidential read', async () => {
    const admin = await signIn(d, 'admin');
    const page = await (await admin.get('/app/intel/I-0002')).text();
    expect(page).toContain('补贴将延长两年');
    expect(page).toContain('data-testid="intel-parts"');
    expect(page).toContain('上升');
    const reads = await d.query<{ n: number }>(
      `select count(*)::int n from audit_log a join people p on p.id = a.person_id
       where p.handle = 'admin' and a.action = 'read.confidential' and a.entity_ref = 'I-0002'`,
    );
    expect(reads[0]!.n).toBe(1);
    const li = await signIn(d, 'li');
    const pub = await (await li.get('/app/intel/I-0001')).text();
    expect(pub).toContain('8% lower');
  });
});

describe('order list search', () => {
  it('finds an order by its customer in pinyin or by a contact, as customer find does', async () => {
    const wang = await signIn(d, 'wang');
    const found = async (q: string) =>
      [
        ...(await (await wang.get(`/app/orders?q=${encodeURIComponent(q)}`)).text()).matchAll(
          /data-testid="order-row"><td[^>]*><a [^>]*>([^<]+)/g,
        ),
      ].map((m) => m[1]);
    expect(await found('szxny')).toEqual(['SO-0001']);
    expect(await found('shenzhen')).toEqual(['SO-0001']);
    expect(await found('刘先生')).toEqual(['SO-0001']);
    expect(await found('SO-0001')).toEqual(['SO-0001']);
  });
});

describe('order page timeline', () => {
  it('shows distribution and acknowledgements per department, progress, delay, shipment, payments', async () => {
    const li = await signIn(d, 'li');
    const page = await (await li.get('/app/orders/SO-0001')).text();
    const timeline = /data-testid="timeline">([\s\S]*?)<\/ol>/.exec(page)![1]!;
    expect(timeline).toMatch(/approved A-0002/);
    expect(timeline).toMatch(/sent the order to Production for acknowledgement/);
    expect(timeline).toMatch(/Production acknowledged: scheduled for week 50/);
    expect(timeline).toMatch(/production progress: half of the units built/);
    expect(timeline).toMatch(/delay: chip shortage/);
    expect(timeline).toMatch(/shipped: .*SF1234567890/);
    expect(timeline).toMatch(/paid so far: ¥1,800.00/);
    const dist = /data-testid="distributions">([\s\S]*?)<\/table>/.exec(page)![1]!;
    expect(dist).toMatch(/Production[\s\S]*✓ Sun Li/);
    expect(dist).toMatch(/waiting/);
    const collection = /data-testid="collection">([\s\S]*?)<\/dl>/.exec(page)![1]!;
    expect(collection).toMatch(/Instalment 1/);
    expect(collection).toMatch(/BOC-7781/);
    expect(page).toContain('href="/app/quotes/Q-0001"');
    expect(page).toContain('href="/app/leads/L-0001"');
  });

  it('production reads the same timeline without amounts, in Chinese', async () => {
    await d.say('sun', 'me lang=zh');
    const sun = await signIn(d, 'sun');
    const page = await (await sun.get('/app/orders/SO-0001')).text();
    expect(page).toContain('时间线');
    expect(page).toContain('生产部已确认收到');
    expect(page).not.toContain('¥1,800.00');
    expect(page).toContain('金额：🔒 保密');
    await d.say('sun', 'me lang=en');
  });
});

describe('paging', () => {
  it('50 a page; the next page goes on; an export has every matching row, not one page', async () => {
    await d.query(
      `insert into customers (number, name, created_by, owner_id)
       select 'C-9' || lpad(g::text, 3, '0'), 'Bulk ' || g || ' 有限公司', p.id, p.id
       from generate_series(1, 60) g, (select id from people where handle = 'wang') p`,
    );
    await d.query(
      `insert into leads (number, prospect_name, source, status, owner_id, created_by)
       select 'L-9' || lpad(g::text, 3, '0'), 'Bulk prospect ' || g, 'online', 'following', p.id, p.id
       from generate_series(1, 55) g, (select id from people where handle = 'wang') p`,
    );
    const wang = await signIn(d, 'wang');
    const first = await (await wang.get('/app/customers?q=bulk&sort=number&dir=asc')).text();
    expect(count(first)).toBe('60 customers');
    expect(rowsOf(first)).toHaveLength(50);
    expect(rowsOf(first)[0]).toBe('C-9001');
    expect(first).toContain('href="/app/customers?q=bulk&amp;sort=number&amp;dir=asc&amp;page=2"');
    const second = rowsOf(await (await wang.get('/app/customers?q=bulk&sort=number&dir=asc&page=2')).text());
    expect(second).toHaveLength(10);
    expect(second[0]).toBe('C-9051');
    const csv = await csvLines(await wang.get('/app/customers/export.csv?q=bulk&sort=number&dir=asc&page=2'));
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual([...rowsOf(first), ...second]);
    const leads = await (await wang.get('/app/leads?q=bulk&page=2')).text();
    expect(count(leads)).toBe('55 leads');
    expect(rowsOf(leads)).toHaveLength(5);
    expect(leads).toContain('Page 2 of 2');
    // The bulk leads are wang's: li does not see them.
    const li = await signIn(d, 'li');
    expect(count(await (await li.get('/app/leads?q=bulk')).text())).toBe('0 leads');
  });
});
