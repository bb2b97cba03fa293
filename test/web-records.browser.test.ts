/// <reference lib="dom" />
// The record lists and pages of the web workspace in a real Chromium (Debian's, playwright-core; issue 17):
// customers, leads, quotes and market information listed and filtered, an export matching the list, a rep
// refused another rep's customer and seeing an unassigned lead's contact withheld, each record's page with
// its timeline, and an order's full timeline (distribution, acknowledgements, progress, delay, shipment,
// payments). Screenshots go to docs/web/ (docs/web.md shows them), in Chinese and English, desk and phone.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';
import { linkIn } from './helpers/web.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const shots = fileURLToPath(new URL('../docs/web/', import.meta.url));
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];

if (!hasChromium)
  console.warn(`web-records.browser.test.ts skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('record lists and pages in Chromium', () => {
  let d: Driver;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    d = await startDriver();
    for (const p of ['wang', 'sun', 'zhao', 'zhou']) await d.say(p, 'me lang=en');
    const customers = [
      ['li', '华星科技有限公司', '王芳', '13700000000', '电子', '华东'],
      ['li', 'Acme Trading Ltd', 'Zhang San', '13800000000', 'machinery', 'Shanghai'],
      ['li', '深圳市蓝海贸易有限公司', '刘洋', '13612345678', '贸易', '华南'],
      ['chen', '东方电子', '赵六', '13900000000', '电子', '华北'],
      ['chen', '北京智造科技', '孙明', '13511112222', '制造', '华北'],
    ];
    for (const [who, name, contact, phone, industry, region] of customers)
      await d.say(
        who!,
        `customer add name="${name}" contact="${contact}" phone=${phone} industry=${industry} region=${region}`,
      );
    await d.say('li', 'customer need C-0001 spec="温度传感器 X200" quantity=500 delivery=+40d');
    await d.say(
      'li',
      'lead add name="杭州新能源" source=online contact="周先生" phone=13300001111 desc="需要 200 套网关"',
    );
    await d.say('qian', 'lead add name="Beta Robotics" source=expo contact="Ms Beta" phone=13500000000');
    await d.say('chen', 'lead add name="成都云创" source=referral contact="吴女士" phone=13400000000');
    await d.say('li', 'lead follow L-0001 note="电话沟通，客户要报价" next="发送报价" due=+2d');
    const ask = await d.say('li', 'lead convert L-0001');
    await d.press('li', ask.id, ask.card!.actions.find((a) => a.id.startsWith('confirm:'))!.id);
    await d.say(
      'li',
      'quote new lead=L-0001 item="网关 | G1 | 20 | 1500" item="安装服务 | S1 | 1 | 800" valid=+30d tax=included payment="30% advance, 70% on delivery"',
    );
    await d.say('li', 'quote submit Q-0001 note="批量价"');
    await d.say('wang', 'approval approve A-0001');
    await d.say('li', 'quote send Q-0001');
    await d.say('li', 'quote feedback Q-0001 result=accepted note="下周签约"');
    await d.say('li', 'order new from=Q-0001 delivery=+20d place=杭州');
    await d.say('li', 'quote new customer=C-0001 item="温度传感器 | X200 | 500 | 35.5" valid=+30d');
    await d.say('li', 'quote revise Q-0002 item="温度传感器 | X200 | 500 | 33" note="客户要求降价"');
    await d.say('chen', 'quote new customer=C-0004 item="面板 | P1 | 30 | 800" valid=+15d');
    const submitted = (await d.say('li', 'order submit SO-0001')).text;
    const approval = /A-\d+/.exec(submitted)?.[0];
    expect(approval, submitted).toBeDefined();
    expect((await d.say('wang', `approval approve ${approval}`)).text).toMatch(/approved/i);
    await d.say('sun', 'order ack SO-0001 note="已排产，第 50 周"');
    await d.say('zhao', 'order ack SO-0001');
    await d.say('sun', 'order progress SO-0001 note="完成一半"');
    await d.say('sun', 'order delay SO-0001 until=+25d reason="芯片缺货"');
    await d.say('zhao', 'order plan SO-0001');
    await d.say('zhao', 'order paid SO-0001 amount=9240 method=transfer ref=BOC-7781');
    await d.say('zhou', 'order ship SO-0001 tracking=SF1234567890 carrier=顺丰');
    await d.say(
      'qian',
      'intel add kind=competitor title="竞品 X200 降价 8%" body="华东地区经销商反馈，竞品 X200 降价 8%，并赠送安装服务。" competitor=远大传感 product="X200 同类" pricing="降价 8%" mshare="约 15%" channels="经销商" level=internal share=sales',
    );
    await d.say(
      'qian',
      'intel add kind=industry title="新能源补贴政策延长" body="补贴将延长两年（内部消息，勿外传）" trend=上升 policy="补贴延长两年" level=confidential share=management',
    );
    await d.say('li', 'intel add kind=tip title="Acme 可能扩建工厂" body="展会上听说"');
    await d.say(
      'qian',
      'intel add kind=campaign title="秋季展会反馈" body="展位接待 120 人，意向客户 18 家" campaign=秋季展会 participants=120 feedback="对网关兴趣大" conversions=18 level=public share=sales,service',
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await d?.close();
  });

  async function signedIn(user: string, phone = false): Promise<{ ctx: BrowserContext; page: Page }> {
    const link = linkIn((await d.say(user, 'web')).text);
    const ctx = await browser.newContext({
      viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
      deviceScaleFactor: phone ? 2 : 1,
      locale: ['wang', 'sun', 'zhao', 'zhou'].includes(user) ? 'en-US' : 'zh-CN',
      acceptDownloads: true,
    });
    const page = await ctx.newPage();
    await page.goto(link);
    await page.click('[data-testid="sign-in"]');
    await page.waitForURL(/\/app$/);
    return { ctx, page };
  }
  const go = (page: Page, path: string) => page.goto(`${d.app.url}${path}`);
  const shot = (page: Page, name: string) => page.screenshot({ path: `${shots}${name}.png`, fullPage: true });
  const firstCells = (page: Page) =>
    page.$$eval('[data-testid="list-row"] td:first-child', (els) => els.map((e) => e.textContent?.trim()));

  it('customers in Chinese: searched by pinyin, the export matching the list, the page with its timeline', async () => {
    const { ctx, page } = await signedIn('li');
    await go(page, '/app/customers');
    expect(await page.textContent('[data-testid="list-count"]')).toContain('共 4 个客户');
    await shot(page, 'customers.zh');
    await page.fill('input[name="q"]', 'huaxing');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/q=huaxing/);
    expect(await firstCells(page)).toEqual(['C-0001']);
    await go(page, '/app/customers');
    const shown = await page.$$eval('[data-testid="list-row"]', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')),
    );
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="export-csv"]'),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(csv.length - 1).toBe(shown.length);
    for (const [i, line] of csv.slice(1).entries()) {
      expect(line.split(',')[0]).toBe(shown[i]![0]);
      expect(line.split(',')[2]).toBe(shown[i]![2]); // the contact, as shown
    }
    await go(page, '/app/customers/C-0001');
    await page.waitForSelector('[data-testid="contacts"]');
    expect(await page.textContent('[data-testid="contacts"]')).toContain('13700000000');
    await shot(page, 'customer.zh');
    // Another rep's customer, by URL: refused.
    await go(page, '/app/customers/C-0004');
    expect(await page.textContent('h1')).toBe('无权查看');
    await ctx.close();
  });

  it('on a phone: the customer page and the lead list read well', async () => {
    const { ctx, page } = await signedIn('li', true);
    await go(page, '/app/customers/C-0006');
    await page.waitForSelector('[data-testid="timeline"]');
    await shot(page, 'customer.zh.phone');
    await go(page, '/app/leads');
    // An unassigned lead's contact is not the rep's to see.
    const row = page.locator('[data-testid="list-row"]', { hasText: 'L-0002' });
    expect(await row.textContent()).toContain('🔒 保密');
    expect(await row.textContent()).not.toContain('13500000000');
    await shot(page, 'leads.zh.phone');
    await go(page, '/app/orders/SO-0001');
    await page.waitForSelector('[data-testid="distributions"]');
    expect(await page.textContent('[data-testid="timeline"]')).toContain('生产部已确认收到');
    await shot(page, 'order-timeline.zh.phone');
    await ctx.close();
  });

  it('leads, quotes and an order in English, as the sales manager', async () => {
    const { ctx, page } = await signedIn('wang');
    await go(page, '/app/leads');
    await page.selectOption('select[name="state"]', 'open');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/state=open/);
    expect((await firstCells(page)).sort()).toEqual(['L-0002', 'L-0003']);
    await go(page, '/app/leads');
    await shot(page, 'leads.en');
    await go(page, '/app/leads/L-0001');
    await page.waitForSelector('[data-testid="chain"]');
    expect(await page.textContent('[data-testid="chain"]')).toMatch(/Q-0001[\s\S]*SO-0001/);
    await shot(page, 'lead.en');
    await go(page, '/app/quotes?sort=total&dir=desc');
    expect((await firstCells(page))[0]).toBe('Q-0001');
    await shot(page, 'quotes.en');
    await go(page, '/app/quotes/Q-0003');
    await page.waitForSelector('[data-testid="versions"]');
    await shot(page, 'quote.en');
    await go(page, '/app/orders/SO-0001');
    const timeline = await page.textContent('[data-testid="timeline"]');
    expect(timeline).toMatch(/Production acknowledged/);
    expect(timeline).toMatch(/SF1234567890/);
    expect(timeline).toMatch(/delay: 芯片缺货/);
    await shot(page, 'order-timeline.en');
    await ctx.close();
  });

  it('market information in Chinese: the list and an item with its structured fields', async () => {
    const { ctx, page } = await signedIn('qian');
    await go(page, '/app/intel');
    expect((await firstCells(page)).length).toBe(4);
    await shot(page, 'intel.zh');
    await go(page, '/app/intel/I-0001');
    await page.waitForSelector('[data-testid="intel-parts"]');
    expect(await page.textContent('[data-testid="intel-parts"]')).toContain('降价 8%');
    await shot(page, 'intel-item.zh');
    await ctx.close();
    // A rep does not see the confidential item nor someone else's tip.
    const li = await signedIn('li');
    await go(li.page, '/app/intel');
    expect((await firstCells(li.page)).sort()).toEqual(['I-0001', 'I-0003', 'I-0004']);
    await li.ctx.close();
  });
});
