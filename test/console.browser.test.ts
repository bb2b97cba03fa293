/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Drives the console web page in a real Chromium against the app with the demo organisation:
// a sales rep adds a customer and a lead, converts it, and confirms the conversion on the card.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../src/app.ts';
import { consoleHeaders } from './helpers/console.ts';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const STEP = 30_000;
const resultsDir = fileURLToPath(new URL('../test-results/', import.meta.url));
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

if (!hasChromium) {
  console.warn(`console.browser.test.ts skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);
}

/** Ids of the messages on the page now. */
function messageIds(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="msg"]', (els) => els.map((e) => e.getAttribute('data-id') ?? ''));
}

/** Texts of bot messages not among `known`, for failure messages. */
async function newBotTexts(page: Page, known: string[]): Promise<string[]> {
  return page.$$eval(
    '[data-testid="msg"][data-from="bot"]',
    (els, known) =>
      els.filter((e) => !known.includes(e.getAttribute('data-id') ?? '')).map((e) => e.textContent ?? ''),
    known,
  );
}

/**
 * Waits for a bot message that was not among `known` and contains `needle` (and a card button if
 * `withActions`); returns its id.
 */
async function waitForReply(
  page: Page,
  known: string[],
  needle: string,
  what: string,
  withActions = false,
): Promise<string> {
  try {
    const handle = await page.waitForFunction(
      ({ known, needle, withActions }) => {
        for (const e of document.querySelectorAll('[data-testid="msg"][data-from="bot"]')) {
          const id = e.getAttribute('data-id') ?? '';
          if (known.includes(id) || !(e.textContent ?? '').includes(needle)) continue;
          if (withActions && !e.querySelector('[data-testid="action"]')) continue;
          return id;
        }
        return null;
      },
      { known, needle, withActions },
      { timeout: STEP },
    );
    return (await handle.jsonValue()) as string;
  } catch (err) {
    const seen = await newBotTexts(page, known);
    throw new Error(
      `No ${what} (a new bot message containing "${needle}") within ${STEP / 1000} s; new bot messages: ` +
        `${JSON.stringify(seen)}\n${String(err)}`,
    );
  }
}

/** Types `text` into the composer, sends it with Enter and waits for a reply containing `needle`. */
async function command(page: Page, text: string, needle: string, withActions = false): Promise<string> {
  const known = await messageIds(page);
  const input = page.getByTestId('input');
  await input.fill(text);
  await input.press('Enter');
  await expect.poll(() => input.inputValue(), { timeout: STEP }).toBe('');
  return waitForReply(page, known, needle, `reply to "${text}"`, withActions);
}

describe.skipIf(!hasChromium)(
  hasChromium ? 'console page in Chromium' : `console page in Chromium (skipped: no ${CHROMIUM})`,
  () => {
    let databaseUrl: string | undefined;
    let app: { url: string; close(): Promise<void> } | undefined;
    let browser: Browser | undefined;
    let page: Page | undefined;
    let finished = false;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      databaseUrl = await freshDatabaseUrl();
      app = await startApp({
        env: { DATABASE_URL: databaseUrl, PORT: '0', CONSOLE: 'on', LOG_LEVEL: 'silent' },
        demo: true,
      });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
      page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      page.setDefaultTimeout(STEP);
      page.on('pageerror', (err) => pageErrors.push(String(err)));
    }, 120_000);

    afterAll(async () => {
      if (page && !finished) {
        mkdirSync(resultsDir, { recursive: true });
        await page.screenshot({ path: `${resultsDir}console-failure.png`, fullPage: true }).catch(() => {});
      }
      await browser?.close().catch(() => {});
      await app?.close();
      if (databaseUrl) await dropDatabase(databaseUrl);
    }, 60_000);

    it('adds a customer and a lead, converts it and confirms on the card', async () => {
      const p = page!;
      await p.goto(app!.url);

      // Choose who I am; my direct chat appears with the department chats.
      await p.getByTestId('who').selectOption('li');
      await p.getByTestId('chat-dm:li').waitFor();
      await p.getByTestId('chat-sales').click();
      await p.waitForFunction(
        () => document.querySelector('[data-testid="chat-sales"]')?.getAttribute('aria-current') === 'true',
      );

      // Any reply to the language setting will do; the rest then answers in English.
      await command(p, 'me lang=en', '');
      await command(p, 'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000', 'C-0001');
      await command(p, 'lead add customer=C-0001 source=expo desc="needs 200 sensors"', 'L-0001');
      const cardId = await command(p, 'lead convert L-0001', '', true);

      const card = p.locator(`[data-testid="msg"][data-id="${cardId}"]`);
      const confirm = card.locator('[data-testid="action"][data-action-id^="confirm:"]');
      expect(await confirm.count(), 'the card has a confirm button').toBe(1);
      const known = await messageIds(p);
      await confirm.click();

      const replyId = await waitForReply(p, known, 'L-0001', 'reply to pressing confirm');
      expect(replyId).not.toBe(cardId);
      // The card is re-rendered in place, decided: still there, once, with no buttons.
      await expect.poll(() => card.locator('[data-testid="action"]').count(), { timeout: STEP }).toBe(0);
      expect(await card.count()).toBe(1);

      // Nothing shows twice, though replies come both in responses and through the stream.
      const ids = await messageIds(p);
      expect(ids.length).toBeGreaterThan(0);
      expect(new Set(ids).size, `duplicate messages: ${ids.join(', ')}`).toBe(ids.length);

      mkdirSync(resultsDir, { recursive: true });
      await p.screenshot({ path: `${resultsDir}console.png`, fullPage: true });

      // After a reload the choice of person and chat is remembered and the transcript shows the decided card.
      await p.reload();
      await p.waitForFunction(
        () => (document.querySelector('[data-testid="who"]') as HTMLSelectElement | null)?.value === 'li',
      );
      await card.waitFor();
      expect(await card.locator('[data-testid="action"]').count()).toBe(0);
      expect(await p.locator(`[data-testid="msg"][data-id="${replyId}"]`).count()).toBe(1);

      expect(pageErrors, 'errors thrown in the page').toEqual([]);
      finished = true;
    }, 240_000);

    it('in Chinese: chen submits a quote; wang rejects it on the card with a reason typed into its form', async () => {
      finished = false;
      const p = page!;
      await p.getByTestId('who').selectOption('chen');
      await p.getByTestId('chat-sales').click();
      await command(p, '报价 新建 客户=C-0001 明细="传感器 | X200 | 10 | 35.5"', 'Q-0001');
      await command(p, '报价 提交 Q-0001', 'A-0001');

      await p.getByTestId('who').selectOption('wang');
      await p.getByTestId('chat-dm:wang').click();
      const found = p.locator('[data-testid="msg"]', { hasText: 'A-0001' }).last();
      await found.waitFor();
      // Pin the card by its id: replies that mention A-0001 come after it.
      const card = p.locator(`[data-testid="msg"][data-id="${await found.getAttribute('data-id')}"]`);
      const reject = card.locator('[data-testid="action"][data-action-id^="run:approval reject"]');
      await reject.click();
      // The reason is asked for before anything is sent.
      const input = card.getByTestId('action-input');
      await input.waitFor();
      const known = await messageIds(p);
      // Sending it empty says that a reason is needed, and sends nothing.
      await card.getByTestId('action-submit').click();
      const needed = card.getByTestId('action-input-error');
      await needed.waitFor();
      expect(await needed.textContent()).toMatch(/驳回原因[\s\S]*必填/);
      expect(await messageIds(p)).toEqual(known);
      expect(await card.locator('[data-testid="action"]').count()).toBeGreaterThan(0);
      await input.fill('价格太低');
      await card.getByTestId('action-submit').click();
      await waitForReply(p, known, '已驳回', 'reply to the rejection');
      await expect.poll(() => card.locator('[data-testid="action"]').count(), { timeout: STEP }).toBe(0);
      await expect.poll(() => card.textContent(), { timeout: STEP }).toContain('价格太低');

      await p.screenshot({ path: `${resultsDir}console-reject.png`, fullPage: true });
      expect(pageErrors, 'errors thrown in the page').toEqual([]);
      finished = true;
    }, 240_000);

    it('on a 390×800 phone: only the list scrolls, the input stays on screen, a chat opens at its newest message', async () => {
      finished = false;
      // Enough messages in # sales to fill several screens.
      const headers = await consoleHeaders(app!.url);
      for (let i = 0; i < 12; i++) {
        const res = await fetch(`${app!.url}/console/api/messages`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ chat: 'sales', user: 'li', text: 'help' }),
        });
        expect(res.status).toBe(200);
      }
      const context = await browser!.newContext({ viewport: { width: 390, height: 800 }, hasTouch: true });
      const phone = await context.newPage();
      phone.on('pageerror', (err) => pageErrors.push(String(err)));
      try {
        await phone.goto(app!.url);
        await phone.getByTestId('who').selectOption('li');
        await phone.getByTestId('chat-sales').click();
        await phone.locator('[data-testid="msg"]').nth(20).waitFor();
        const layout = () =>
          phone.evaluate(() => {
            const list = document.getElementById('scroll')!;
            const input = document.querySelector('[data-testid="input"]')!.getBoundingClientRect();
            return {
              pageHeight: document.documentElement.scrollHeight,
              windowHeight: window.innerHeight,
              listOverflows: list.scrollHeight > list.clientHeight + 100,
              fromBottom: list.scrollHeight - list.scrollTop - list.clientHeight,
              inputTop: input.top,
              inputBottom: input.bottom,
            };
          });
        // Opened at its newest message (once the last one has come in, the list stays at the bottom).
        await expect.poll(async () => (await layout()).fromBottom, { timeout: STEP }).toBeLessThan(2);
        const l = await layout();
        expect(l.pageHeight, 'the page does not grow past the window').toBeLessThanOrEqual(l.windowHeight);
        expect(l.listOverflows, 'the list holds more than a screen').toBe(true);
        expect(l.inputTop).toBeGreaterThanOrEqual(0);
        expect(l.inputBottom, 'the input box is on screen').toBeLessThanOrEqual(l.windowHeight);
        // The list scrolls, and the input stays where it was.
        await phone.evaluate(() => {
          document.getElementById('scroll')!.scrollTop = 0;
        });
        const top = await layout();
        expect(top.fromBottom).toBeGreaterThan(100);
        expect(top.inputBottom).toBe(l.inputBottom);
        mkdirSync(resultsDir, { recursive: true });
        await phone.screenshot({ path: `${resultsDir}console-phone.png` });
      } finally {
        await context.close();
      }
      expect(pageErrors, 'errors thrown in the page').toEqual([]);
      finished = true;
    }, 240_000);

    it("message times are in the time zone of the person acted as, not the browser's", async () => {
      finished = false;
      // The browser's clock is in Honolulu; li's times are Shanghai's (the org's) until li moves to Berlin.
      const context = await browser!.newContext({
        viewport: { width: 1200, height: 900 },
        timezoneId: 'Pacific/Honolulu',
      });
      const pg = await context.newPage();
      pg.on('pageerror', (err) => pageErrors.push(String(err)));
      const shown = () =>
        pg.$$eval('[data-testid="msg"] time', (els) =>
          els
            .filter((e) => /\d\d:\d\d/.test(e.textContent ?? ''))
            .map((e) => ({ at: e.getAttribute('datetime') ?? '', text: e.textContent ?? '' })),
        );
      const expected = (at: string, zone: string) => {
        const t = DateTime.fromISO(at).setZone(zone);
        const now = DateTime.now().setZone(zone);
        if (t.hasSame(now, 'day')) return t.toFormat('HH:mm');
        return t.hasSame(now, 'year') ? t.toFormat('MM-dd HH:mm') : t.toFormat('yyyy-MM-dd HH:mm');
      };
      try {
        await pg.goto(app!.url);
        await pg.getByTestId('who').selectOption('li');
        await pg.getByTestId('chat-sales').click();
        await pg.locator('[data-testid="msg"] time').first().waitFor();
        const before = await shown();
        expect(before.length).toBeGreaterThan(0);
        for (const m of before) expect(m.text, m.at).toBe(expected(m.at, 'Asia/Shanghai'));

        await command(pg, 'me tz=Europe/Berlin', 'Europe/Berlin');
        await expect
          .poll(async () => (await shown()).every((m) => m.text === expected(m.at, 'Europe/Berlin')), {
            timeout: STEP,
          })
          .toBe(true);
        // Put li back for the tests after this one.
        await command(pg, 'me tz=Asia/Shanghai', 'Asia/Shanghai');
      } finally {
        await context.close();
      }
      expect(pageErrors, 'errors thrown in the page').toEqual([]);
      finished = true;
    }, 240_000);

    it('with CONSOLE_TOKEN the page asks for the password once and keeps it', async () => {
      finished = false;
      const password = 'correct-horse-battery-staple';
      const url = await freshDatabaseUrl();
      const guarded = await startApp({
        env: { DATABASE_URL: url, PORT: '0', CONSOLE: 'on', LOG_LEVEL: 'silent', CONSOLE_TOKEN: password },
        demo: true,
      });
      const context = await browser!.newContext({ viewport: { width: 1200, height: 900 } });
      const pg = await context.newPage();
      try {
        await pg.goto(guarded.url);
        const form = pg.getByTestId('password');
        await form.waitFor();
        expect(await pg.locator('[data-testid="who"] option').count(), 'no people before signing in').toBe(1);
        await form.fill('not the password at all');
        await pg.getByTestId('sign-in').click();
        await expect
          .poll(() => pg.locator('#sign-in-error').textContent(), { timeout: STEP })
          .toMatch(/口令不对/);
        await form.fill(password);
        await pg.getByTestId('sign-in').click();
        await pg.getByTestId('who').selectOption('li');
        await pg.getByTestId('chat-sales').click();
        await command(pg, 'customer list', '');
        // Kept: after a reload the page goes straight to the chat.
        await pg.reload();
        await pg.locator('[data-testid="who"] option[value="li"]').waitFor({ state: 'attached' });
        expect(await pg.locator('#sign-in').isHidden()).toBe(true);
      } finally {
        await context.close();
        await guarded.close();
        await dropDatabase(url);
      }
      finished = true;
    }, 240_000);

    it('the core examples of commands.md, typed into the page by the people who would type them', async () => {
      finished = false;
      const p = page!;
      // [who, chat, command, a fragment of the answer] — the foundation's examples, in English and Chinese.
      const script: [string, string, string, string][] = [
        ['zhou', 'logistics', 'me lang=en', 'English'],
        [
          'zhou',
          'logistics',
          'customer add name="Acme Shipping" contact="Li Lei" phone=13800000000 industry=logistics',
          'may not use',
        ],
        ['chen', 'sales', '客户 新增 名称=华星科技 联系人=王芳 电话=13900000000', '已登记客户'],
        [
          'chen',
          'sales',
          '线索 新增 客户=C-0002 来源=展会 描述="需要200个传感器" 下一步=寄送目录 截止=+3d',
          '已登记线索',
        ],
        ['wang', 'sales', 'lead assign L-0002 @chen due=+5d', 'L-0002'],
        ['chen', 'sales', '线索 跟进 L-0002 备注="已电话沟通" 下一步=发送报价 截止=明天', '已记录'],
        [
          'chen',
          'sales',
          '报价 新建 客户=C-0002 明细="传感器 | X200 | 200 | 35.5" 有效期=+30d 含税=含税 付款="预付30%" 交期=+45d',
          'Q-0002',
        ],
        [
          'qian',
          'marketing',
          'intel add kind=competitor title="Rival cuts X200 price" body="…" level=confidential share=sales,management',
          'I-0001',
        ],
        ['admin', 'finance', 'admin bind finance', '财务部'],
        ['admin', 'management', 'admin role @chen sales_rep', '销售代表'],
        ['chen', 'sales', '帮助 报价', '报价 新建'],
        ['chen', 'sales', 'help', '客户'],
      ];
      for (const [who, chat, text, needle] of script) {
        await p.getByTestId('who').selectOption(who);
        await p.getByTestId(`chat-${chat}`).click();
        await command(p, text, needle);
      }
      expect(pageErrors, 'errors thrown in the page').toEqual([]);
      finished = true;
    }, 240_000);
  },
);
