/// <reference lib="dom" />
// The web workspace in a real Chromium (Debian's, playwright-core; issue 17): sign in through a link the
// bot gave in the console, the dashboard's charts drawn with the figures the database has, an approval
// decided on the web re-rendering the chat card, a rep refused another rep's customer, a department seeing
// amounts withheld, an export matching the list, a forged CSRF token and a reused link refused. Screenshots
// go to docs/web/ (docs/web.md shows them).
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

/** One CSV line's cells (quoted cells may hold commas and doubled quotes). */
function csvCells(line: string): string[] {
  return [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) =>
    m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!,
  );
}

if (!hasChromium)
  console.warn(`web.browser.test.ts skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('the web workspace in Chromium', () => {
  let d: Driver;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    d = await startDriver();
    for (const p of ['wang', 'sun']) await d.say(p, 'me lang=en');
    await d.say('li', 'customer add name="Acme Ltd" contact="Zhang San" phone=13800000000');
    await d.say('li', 'customer add name="华星科技有限公司" contact="王五" phone=13700000000');
    await d.say('chen', 'customer add name="东方电子" contact="赵六" phone=13900000000');
    await d.say('li', 'lead new name="深圳新能源" source=online contact="刘先生" phone=13600000000');
    await d.say('li', 'lead new name="Beta Corp" source=referral');
    await d.say('li', 'lead new name="蓝海贸易" source=campaign');
    await d.say('li', 'quote new customer=C-0001 item="Sensor | X200 | 10 | 600" valid=+30d');
    await d.say('li', 'quote new customer=C-0002 item="网关 | G1 | 2 | 1500" valid=+30d');
    const orders = [
      ['li', 'C-0001', 'Sensor | X200 | 2 | 600', '+3d'],
      ['li', 'C-0002', '网关 | G1 | 1 | 1500', '+20d'],
      ['li', 'C-0001', 'Cable | C5 | 100 | 12', '+40d'],
      ['chen', 'C-0003', '面板 | P1 | 3 | 800', '+10d'],
    ] as const;
    for (const [who, c, item, due] of orders)
      await d.say(who, `order new customer=${c} item="${item}" delivery=${due} place=深圳 payment=cash`);
    // Two months of history: the first order was taken last month.
    await d.query(
      `update orders set order_date = (date_trunc('month', now()) - interval '10 days')::date where number = 'SO-0001'`,
    );
    for (const so of ['SO-0001', 'SO-0002']) await d.say('li', `order submit ${so}`);
    await d.say('wang', 'approval approve A-0001');
    // SO-0001 is confirmed with its delivery date passed: overdue.
    await d.query(`update orders set delivery_date = current_date - 2 where number = 'SO-0001'`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await d?.close();
  });

  /** Signs in as `user` through the link the bot answers `web` with in the console. */
  async function signedIn(
    user: string,
    phone = false,
  ): Promise<{ ctx: BrowserContext; page: Page; link: string }> {
    const link = linkIn((await d.say(user, 'web')).text);
    const ctx = await browser.newContext({
      viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
      deviceScaleFactor: phone ? 2 : 1,
      // The browser's language as its reader's (date fields follow it).
      locale: ['wang', 'sun'].includes(user) ? 'en-US' : 'zh-CN',
      acceptDownloads: true,
    });
    const page = await ctx.newPage();
    await page.goto(link);
    await page.click('[data-testid="sign-in"]');
    await page.waitForURL(/\/app$/);
    return { ctx, page, link };
  }

  async function chartsDrawn(page: Page) {
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-chart]')].every(
        (e) => (e as HTMLElement).dataset.rendered === 'true',
      ),
    );
  }

  it('signs in through the console link; the dashboard draws the figures the database has', async () => {
    const { ctx, page, link } = await signedIn('wang');
    await chartsDrawn(page);
    const drawn = await page.evaluate(() => {
      const ec = (window as unknown as { echarts: { getInstanceByDom(e: Element): { getOption(): any } } })
        .echarts;
      const opt = (key: string) =>
        ec.getInstanceByDom(document.querySelector(`[data-chart="${key}"]`)!).getOption();
      const months = opt('ordersByMonth');
      const stage = opt('leadsByStage');
      return {
        months: months.xAxis[0].data as string[],
        counts: months.series[0].data as number[],
        values: months.series[1].data as number[],
        stages: (stage.series[0].data as { value: number }[]).map((x) => x.value),
      };
    });
    const byMonth = await d.query<{ m: string; n: number; v: string }>(
      `select to_char(order_date, 'YYYY-MM') m, count(*)::int n, (sum(total_minor) / 100.0)::text v
       from orders where status <> 'cancelled' group by 1 order by 1`,
    );
    for (const r of byMonth) {
      const i = drawn.months.indexOf(r.m);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(drawn.counts[i]).toBe(r.n);
      expect(drawn.values[i]).toBeCloseTo(Number(r.v), 2);
    }
    expect(drawn.counts.reduce((a, b) => a + b, 0)).toBe(4);
    const [leads] = await d.query<{ n: number }>('select count(*)::int n from leads');
    expect(drawn.stages.reduce((a, b) => a + b, 0)).toBe(leads!.n);
    expect(await page.textContent('[data-testid="fig-overdue"] b')).toBe('1');
    await page.screenshot({ path: `${shots}dashboard.en.png`, fullPage: true });
    // The link is used: another browser opening it is told so.
    const other = await browser.newContext();
    const again = await other.newPage();
    await again.goto(link);
    expect(await again.textContent('h1')).toBe('Link already used');
    await again.screenshot({ path: `${shots}link-used.en.png` });
    await other.close();
    await ctx.close();
  });

  it('in Chinese, on a phone: the dashboard and the order list', async () => {
    const { ctx, page } = await signedIn('li', true);
    await chartsDrawn(page);
    expect(await page.textContent('h1')).toBe('概览');
    await page.screenshot({ path: `${shots}dashboard.zh.phone.png`, fullPage: true });
    await ctx.close();
    const desk = await signedIn('li');
    await desk.page.goto(`${d.app.url}/app/orders`);
    expect(await desk.page.textContent('[data-testid="order-count"]')).toContain('共 3 个订单');
    await desk.page.screenshot({ path: `${shots}orders.zh.png`, fullPage: true });
    await desk.page.goto(`${d.app.url}/app/orders/SO-0001`);
    await desk.page.waitForSelector('[data-testid="timeline"]');
    expect(await desk.page.textContent('[data-testid="timeline"]')).toMatch(/A-0001/);
    await desk.page.screenshot({ path: `${shots}order.zh.png`, fullPage: true });
    // Another rep's customer, by URL: refused.
    await desk.page.goto(`${d.app.url}/app/customers/C-0003`);
    expect(await desk.page.textContent('h1')).toBe('无权查看');
    await desk.ctx.close();
  });

  it('a department without price rights sees amounts withheld', async () => {
    const { ctx, page } = await signedIn('sun');
    await page.goto(`${d.app.url}/app/orders/SO-0001`);
    const fields = await page.textContent('[data-testid="order-fields"]');
    expect(fields).toContain('🔒 confidential');
    expect(fields).not.toContain('¥');
    await page.screenshot({ path: `${shots}order-withheld.en.png`, fullPage: true });
    await ctx.close();
  });

  it('the order list filters, and its CSV export has exactly the rows shown', async () => {
    const { ctx, page } = await signedIn('wang');
    await page.goto(`${d.app.url}/app/orders`);
    await page.fill('input[name="q"]', '华星');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/q=/);
    const shown = await page.$$eval('[data-testid="order-row"] td:first-child', (els) =>
      els.map((e) => e.textContent),
    );
    expect(shown).toEqual(['SO-0002']);
    await page.goto(`${d.app.url}/app/orders`);
    const all = await page.$$eval('[data-testid="order-row"]', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')),
    );
    await page.screenshot({ path: `${shots}orders.en.png`, fullPage: true });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="export-csv"]'),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(csv.length - 1).toBe(all.length);
    for (const [i, line] of csv.slice(1).entries()) {
      const cells = csvCells(line);
      expect(cells[0]).toBe(all[i]![0]); // number
      expect(cells[1]).toBe(all[i]![1]); // customer
      expect(cells[6]).toBe(all[i]![6]); // total, as shown
    }
    await ctx.close();
  });

  it('an approval decided on the web re-renders the chat card; a forged CSRF token is refused', async () => {
    const card = async () => {
      const msgs = await d.messages('dm:wang');
      return msgs.find((m) => m.card?.title.includes('A-0002'));
    };
    for (let i = 0; i < 50 && !(await card()); i++) await new Promise((r) => setTimeout(r, 100));
    expect((await card())?.card?.actions.length).toBeGreaterThan(0);
    const { ctx, page } = await signedIn('wang');
    await page.goto(`${d.app.url}/app/approvals`);
    await page.waitForSelector('[data-testid="approval"][data-number="A-0002"]');
    await page.screenshot({ path: `${shots}approvals.en.png`, fullPage: true });
    // A forged token: refused, nothing decided.
    await page.evaluate(() => {
      for (const i of document.querySelectorAll<HTMLInputElement>('input[name="_csrf"]')) i.value = 'forged';
    });
    await page.click('[data-number="A-0002"] button[value="approve"]');
    expect(await page.textContent('h1')).toBe('Refused');
    const [pending] = await d.query<{ state: string }>(`select state from approvals where number = 'A-0002'`);
    expect(pending!.state).toBe('pending');
    await page.goto(`${d.app.url}/app/approvals`);
    await page.fill('[data-number="A-0002"] input[name="reason"]', 'OK for this customer');
    await page.click('[data-number="A-0002"] button[value="approve"]');
    await page.waitForSelector('[data-testid="flash"]');
    expect(await page.textContent('[data-testid="flash"]')).toMatch(/Approved: A-0002/);
    await page.screenshot({ path: `${shots}approved.en.png`, fullPage: true });
    let after = await card();
    for (let i = 0; i < 50 && after?.card?.actions.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await card();
    }
    expect(after?.card?.actions).toEqual([]);
    expect(JSON.stringify(after?.card)).toMatch(/Wang/);
    await ctx.close();
  });
});
