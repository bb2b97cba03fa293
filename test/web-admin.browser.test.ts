/// <reference lib="dom" />
// The KPI, audit and admin pages in a real Chromium (Debian's, playwright-core; issue 17). Six months of
// approved orders made through commands on a scripted clock, their cards delivered and acknowledged by the
// departments' heads on time, late or never; the KPI page draws report kpi's figures (ECharts) and a figure's
// link opens the items behind it; the audit page filters, exports what it lists and shows audit verify's
// verdict; the admin pages show people, chats, policy, calendar and backups; a forged CSRF token is refused.
// Screenshots go to docs/web/ (docs/web.md shows them).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logFinish, logStart } from '../src/backup/log.ts';
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
const HEADS: Record<string, string> = {
  finance: 'zhao',
  production: 'sun',
  logistics: 'zhou',
  service: 'wu',
  marketing: 'qian',
  sales: 'wang',
};
/** English readers; everyone else reads Chinese (the organisation's language). */
const ENGLISH = ['admin', 'zhao'];

if (!hasChromium)
  console.warn(`web-admin.browser.test.ts skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('KPI, audit and admin pages in Chromium', () => {
  let d: Driver;
  let browser: Browser;
  let now = new Date('2026-06-01T02:00:00Z');
  const at = (local: string) => {
    now = new Date(`${local}:00+08:00`);
  };
  /** Shanghai wall-clock time `minutes` after `local`. */
  const plus = (local: string, minutes: number) =>
    new Date(new Date(`${local}:00+08:00`).getTime() + minutes * 60_000)
      .toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai' })
      .slice(0, 16)
      .replace(' ', 'T');

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

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    d = await startDriver({ clock: () => now });
    for (const p of ENGLISH) await d.say(p, 'me lang=en');
    await d.say('xu', 'me lang=zh');
    await d.say('admin', 'admin role @xu supervisor');
    at('2026-06-01T09:30');
    await d.say('li', 'customer add name="华星科技有限公司" contact="王五" phone=13700000000 address=深圳');
    await d.say('chen', 'customer add name="东方电子" contact="赵六" phone=13900000000');
    await d.say('li', 'customer add name="Acme Ltd" contact="Zhang San"');
    // Six months of orders: each approved at 10:30, its cards delivered after a few minutes (one in three
    // late), each department acknowledging on time, late or (in the last weeks) not at all.
    const days = [
      '2026-06-09',
      '2026-06-16',
      '2026-07-08',
      '2026-07-15',
      '2026-07-22',
      '2026-08-11',
      '2026-08-18',
      '2026-09-09',
      '2026-09-16',
      '2026-09-23',
      '2026-10-13',
      '2026-10-20',
      '2026-10-27',
      '2026-11-10',
      '2026-11-12',
      '2026-11-17',
    ];
    let n = 0;
    for (const [i, day] of days.entries()) {
      const who = i % 3 === 2 ? 'chen' : 'li';
      const customer = who === 'chen' ? 'C-0002' : i % 2 ? 'C-0003' : 'C-0001';
      at(`${day}T10:00`);
      await d.say(
        who,
        `order new customer=${customer} item="网关 | G${i} | ${2 + (i % 4)} | ${800 + i * 50}" delivery=+30d place=深圳 payment=cash`,
      );
      const so = `SO-${String(++n).padStart(4, '0')}`;
      const submitted = await d.say(who, `order submit ${so}`);
      at(`${day}T10:30`);
      const approvals = await d.query<{ number: string }>(
        `select number from approvals where subject_ref = '${so}' order by id desc limit 1`,
      );
      // The approval can meet a reminder firing at the same time (a deadlock, answered "try again"): again.
      let approved = await d.say('wang', `approval approve ${approvals[0]?.number}`);
      for (let k = 0; k < 3 && /try again/.test(approved.text); k++)
        approved = await d.say('wang', `approval approve ${approvals[0]?.number}`);
      await delivered(so, i % 3 === 1 ? `${day}T14:10` : `${day}T10:3${i % 10}`);
      const depts = await d.query<{ code: string }>(
        `select p.code from distributions x join departments p on p.id = x.department_id where x.subject_ref = '${so}' order by p.id`,
      );
      if (depts.length === 0) throw new Error(`${so} not distributed: ${submitted.text} / ${approved.text}`);
      // One department's card in five waits for its chat two hours longer (late).
      for (const [j, { code }] of depts.entries())
        if ((i + j) % 5 === 0)
          await d.query(
            `update outbox set sent_at = sent_at + interval '2 hours' where op = 'post' and card_key in
               (select 'dist:' || x.id from distributions x join departments p on p.id = x.department_id
                where x.subject_ref = '${so}' and p.code = '${code}')`,
          );
      for (const [j, { code }] of depts.entries()) {
        const head = HEADS[code];
        if (!head) continue;
        const late = (i + j) % 4 === 0;
        if (i >= 13 && (i + j) % 3 === 0) continue; // not yet acknowledged
        at(late ? `${plus(`${day}T10:30`, 2 * 24 * 60)}` : plus(`${day}T10:30`, 40 + j * 25));
        await d.say(head, `order ack ${so}`);
      }
    }
    // Backups: a nightly run for the last days, one drill passed, one failed.
    const db = d.app.database.db;
    for (let k = 4; k >= 0; k--) {
      const id = await logStart(db, 'backup', k % 2 ? 'manual' : 'schedule');
      const day = `2026-11-${String(20 - k).padStart(2, '0')}`;
      await logFinish(db, id, {
        state: 'done',
        finishedAt: new Date(`${day}T02:04:00+08:00`),
        file: `/var/backups/salesrelay-${day}T0200.dump.enc`,
        size: 48_000_000 + k * 1_300_000,
        encrypted: true,
      });
      await d.query(
        `update backup_log set started_at = '${day}T02:00:00+08:00', created_at = '${day}T02:00:00+08:00' where id = ${id}`,
      );
    }
    for (const [day, ok] of [
      ['2026-11-08', false],
      ['2026-11-15', true],
    ] as const) {
      const id = await logStart(db, 'drill', 'schedule');
      await logFinish(db, id, {
        state: ok ? 'done' : 'failed',
        finishedAt: new Date(`${day}T03:20:00+08:00`),
        result: ok ? { tables: 42 } : { tables: 42, problems: ['orders: 3 rows differ'] },
      });
      await d.query(
        `update backup_log set started_at = '${day}T03:00:00+08:00', created_at = '${day}T03:00:00+08:00' where id = ${id}`,
      );
    }
    at('2026-11-20T10:00');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await d?.close();
  });

  async function signedIn(user: string, phone = false): Promise<{ ctx: BrowserContext; page: Page }> {
    const link = linkIn((await d.say(user, ENGLISH.includes(user) ? 'web' : '网页')).text);
    const ctx = await browser.newContext({
      viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
      deviceScaleFactor: phone ? 2 : 1,
      locale: ENGLISH.includes(user) ? 'en-US' : 'zh-CN',
      acceptDownloads: true,
    });
    const page = await ctx.newPage();
    await page.goto(link);
    await page.click('[data-testid="sign-in"]');
    await page.waitForURL(/\/app$/);
    return { ctx, page };
  }

  async function chartsDrawn(page: Page) {
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-chart]')].every(
        (e) => (e as HTMLElement).dataset.rendered === 'true',
      ),
    );
  }

  it("the KPI page draws report kpi's figures; a figure opens the items it counts", async () => {
    const chat = await d.say('admin', 'report kpi month=2026-11');
    const ack = /Acknowledgements: (\d+)\/(\d+) received \(([\d.]+)%\)/.exec(chat.text);
    if (!ack) throw new Error(chat.text);
    const { ctx, page } = await signedIn('admin');
    await page.click('nav >> text=KPIs');
    await page.waitForURL(/\/app\/kpi$/);
    await chartsDrawn(page);
    const drawn = await page.evaluate(() => {
      type Option = { xAxis: { data: string[] }[]; series: { data: (number | null)[] }[] };
      const ec = (window as unknown as { echarts: { getInstanceByDom(e: Element): { getOption(): Option } } })
        .echarts;
      const o = ec.getInstanceByDom(document.querySelector('[data-chart="trend"]')!).getOption();
      return { months: o.xAxis[0]!.data, acked: o.series[1]!.data };
    });
    expect(drawn.months).toEqual(['2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11']);
    expect(drawn.acked.at(-1)).toBe(Number(ack[3]));
    expect(await page.textContent('[data-testid="fig-acked"] b')).toBe(`${ack[3]}%`);
    await page.screenshot({ path: `${shots}kpi.en.png`, fullPage: true });
    // The acknowledgements figure's link: the late and missing ones, as many as the figure says.
    const linkText = (await page.textContent('[data-testid="fig-acked-items"]'))!;
    await page.click('[data-testid="fig-acked-items"]');
    await page.waitForURL(/kind=unacked/);
    const items = await page.$$eval('[data-testid="item"]', (rows) => rows.length);
    expect(items).toBe(Number(/(\d+)/.exec(linkText)![1]));
    await page.screenshot({ path: `${shots}kpi-items.en.png`, fullPage: true });
    await ctx.close();
  });

  it('on a phone, in Chinese, a department head sees their department', async () => {
    const { ctx, page } = await signedIn('sun', true);
    await page.goto(`${d.app.url}/app/kpi`);
    await chartsDrawn(page);
    expect(await page.textContent('[data-testid="kpi-title"]')).toContain('生产部');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${shots}kpi.zh.phone.png`, fullPage: true });
    await ctx.close();
  });

  it('a rep is refused with a clear page', async () => {
    const { ctx, page } = await signedIn('li');
    expect(await page.locator('nav a[href="/app/kpi"]').count()).toBe(0);
    await page.goto(`${d.app.url}/app/audit`);
    expect(await page.textContent('h1')).toBe('无权访问');
    await page.screenshot({ path: `${shots}refused.zh.png` });
    await ctx.close();
  });

  it('the audit page filters, exports what it lists and shows the chain verified', async () => {
    const { ctx, page } = await signedIn('xu');
    await page.goto(`${d.app.url}/app/audit`);
    await page.fill('input[name="record"]', 'SO-0014');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/record=SO-0014/);
    const shown = await page.$$eval('[data-testid="audit-row"] td:first-child', (els) =>
      els.map((e) => e.textContent?.trim()),
    );
    expect(shown.length).toBeGreaterThan(0);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="export-csv"]'),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(shown);
    await page.goto(`${d.app.url}/app/audit`);
    await page.click('[data-testid="verify"]');
    await page.waitForSelector('[data-testid="verdict"]');
    expect(await page.textContent('[data-testid="verdict"]')).toContain('审计日志完好');
    await page.screenshot({ path: `${shots}audit.zh.png`, fullPage: false });
    // A supervisor has no admin pages.
    await page.goto(`${d.app.url}/app/admin`);
    expect(await page.textContent('h1')).toBe('无权访问');
    await ctx.close();
  });

  it('the audit and admin pages fit a phone', async () => {
    for (const [user, paths] of [
      ['xu', ['/app/audit', '/app/kpi/items?kind=late&month=2026-11']],
      [
        'admin',
        ['/app/admin', '/app/admin/chats', '/app/admin/policy', '/app/admin/calendar', '/app/admin/backups'],
      ],
    ] as const) {
      const { ctx, page } = await signedIn(user, true);
      for (const path of paths) {
        await page.goto(`${d.app.url}${path}`);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, path).toBeLessThanOrEqual(390);
      }
      if (user === 'xu') await page.goto(`${d.app.url}/app/audit`);
      if (user === 'xu') await page.screenshot({ path: `${shots}audit.zh.phone.png` });
      await ctx.close();
    }
  });

  it('the admin pages; a KPI target changed through the form, a forged token refused', async () => {
    const en = await signedIn('admin');
    await en.page.goto(`${d.app.url}/app/admin`);
    expect(await en.page.locator('[data-testid="person"]').count()).toBeGreaterThan(8);
    await en.page.screenshot({ path: `${shots}admin-people.en.png`, fullPage: true });
    await en.page.goto(`${d.app.url}/app/admin/backups`);
    expect(await en.page.textContent('[data-testid="backup-drill"] b')).toBe('passed');
    await en.page.screenshot({ path: `${shots}admin-backups.en.png`, fullPage: true });
    await en.page.goto(`${d.app.url}/app/admin/policy`);
    await en.page.evaluate(() => {
      for (const i of document.querySelectorAll<HTMLInputElement>('input[name="_csrf"]')) i.value = 'forged';
    });
    await en.page.selectOption('select[name="key"]', 'target.order.ack');
    await en.page.fill('input[name="value"]', '4h');
    await en.page.click('[data-testid="target-form"] button');
    expect(await en.page.textContent('h1')).toBe('Refused');
    await en.page.goto(`${d.app.url}/app/admin/policy`);
    await en.page.selectOption('select[name="key"]', 'target.order.ack');
    await en.page.fill('input[name="value"]', '4h');
    await en.page.click('[data-testid="target-form"] button');
    await en.page.waitForSelector('[data-testid="flash"]');
    expect(await en.page.textContent('[data-testid="flash"]')).toBe(
      'Saved: target.order.ack = 4 working hours.',
    );
    await en.page.screenshot({ path: `${shots}admin-policy.en.png`, fullPage: true });
    await en.ctx.close();
    // Chinese: the chats and the calendar.
    await d.say('admin', 'me lang=zh');
    const zh = await signedIn('admin');
    await zh.page.goto(`${d.app.url}/app/admin/chats`);
    await zh.page.waitForSelector('[data-testid="bindings"]');
    await zh.page.screenshot({ path: `${shots}admin-chats.zh.png`, fullPage: true });
    await zh.page.goto(`${d.app.url}/app/admin/calendar`);
    expect(await zh.page.textContent('[data-testid="calendar-2026"]')).toContain('休息');
    await zh.page.screenshot({ path: `${shots}admin-calendar.zh.png`, fullPage: true });
    await zh.ctx.close();
    await d.say('admin', 'me lang=en');
  });
});
