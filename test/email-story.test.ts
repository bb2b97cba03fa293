// The email channel (issue 16) with a real SMTP server in the test process: an approved order's
// distribution reaches the four department heads by email as well as in chat; following one's acknowledge
// link and confirming marks that department acknowledged on the cards; a tampered or expired link is
// refused with a page that says so and records nothing; a used link says it was used; a 421 is retried; a
// 550 ends as a dead letter with the admin told; a re-send after a crash carries the same Message-ID; HTML
// is escaped (a customer named <script> arrives as text).
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Links } from '../adapters/email/links.ts';
import { fireOccurrences } from '../src/schedule/fire.ts';
import { FakeSmtp, type Received } from './fakes/smtp.ts';
import { type Driver, type Msg, startDriver } from './helpers/console.ts';
import { signIn } from './helpers/web.ts';

const SECRET = 'test-secret-for-email-links-0123456789abcdef';
let d: Driver;
const smtp = new FakeSmtp();
let port = 0;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

/** Polls until `check` gives something (delivery runs after each commit, in the background). */
async function until<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string) {
  for (let i = 0; i < 300; i++) {
    await d.app.delivery.drain();
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const HEADS = { marketing: 'qian', service: 'wu', finance: 'zhao', production: 'sun' } as const;

beforeAll(async () => {
  await smtp.start();
  port = await freePort();
  d = await startDriver({
    env: {
      PORT: String(port),
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      MAIL_FROM: 'SalesRelay <bot@salesrelay.test>',
      EMAIL_LINK_SECRET: SECRET,
      // The heads are all at example.com: paced per domain a tenth of a second apart, not two seconds
      // (the pacing itself is email-adapter's).
      EMAIL_PER_DOMAIN_PER_MINUTE: '600',
    },
  });
  for (const p of ['li', 'wang', 'qian', 'wu', 'zhao', 'sun', 'admin']) await d.say(p, 'me lang=en');
  await d.say('wu', 'me lang=zh');
});
afterAll(async () => {
  await d?.close();
  await smtp.stop();
});

async function cardIn(chat: string, ref: string): Promise<Msg> {
  const card = (await d.messages(chat)).findLast((m) => m.card?.title.includes(ref));
  if (!card) throw new Error(`no card for ${ref} in ${chat}`);
  return card;
}

async function approvedOrder(customer: string, place = 'Shenzhen'): Promise<string> {
  const c = await d.say(
    'li',
    `customer add name="${customer}" contact="Li Lei" phone=1380000${Math.floor(1000 + Math.random() * 8999)}`,
  );
  const cust = /C-\d{4}/.exec(c.text)![0];
  const o = await d.say(
    'li',
    `order new customer=${cust} item="Sensor | S1 | 5 | 1424.10" delivery=2027-01-15 place=${place} payment="30 days"`,
  );
  const so = /SO-\d{4}/.exec(o.text)![0];
  const sub = await d.say('li', `order submit ${so}`);
  const a = /A-\d{4}/.exec(sub.text)![0];
  const card = (await d.messages('dm:wang')).findLast((m) => m.card?.title.includes(a))!;
  const approve = card.card!.actions.find((x) => x.id.startsWith('run:approval approve'))!;
  await d.press('wang', card.id, approve.id);
  return so;
}

const ackUrl = (m: Received) => {
  const url = /https?:\/\/\S+\/email\/ack\/[\w.-]+/.exec(m.text ?? '')?.[0];
  if (!url) throw new Error(`no acknowledge link in ${m.text}`);
  return url;
};
const acked = async (so: string) =>
  d.query<{ code: string; by: string | null }>(
    `select dp.code, p.handle as by from distributions ds join departments dp on dp.id = ds.department_id
       left join people p on p.id = ds.acked_by
     where ds.subject_ref = '${so}' and ds.acked_at is not null order by dp.code`,
  );

let SO = '';

describe('an approved order by email', () => {
  it('reaches the four department heads by email as well as in chat, multipart, in their language', async () => {
    SO = await approvedOrder('Acme Ltd');
    const mails = await until(
      () => Object.values(HEADS).every((h) => smtp.to(`${h}@example.com`).length === 1) && smtp.received,
      'four emails',
    );
    expect(mails).toHaveLength(4);
    for (const chat of Object.keys(HEADS)) expect((await cardIn(chat, SO)).card!.actions).toHaveLength(1);
    const sun = smtp.to('sun@example.com')[0]!;
    // The recipient's role decides what is shown: finance sees the amount, production does not.
    expect(smtp.to('zhao@example.com')[0]!.subject).toBe(
      `${SO} approved: deliver 2027-01-15 to Shenzhen, ¥7,120.50`,
    );
    expect(sun.subject).toBe(`${SO} approved: deliver 2027-01-15 to Shenzhen`);
    expect(sun.text).not.toContain('7,120.50');
    expect(sun.text).toContain('Customer: C-');
    expect(sun.html).toContain('<table');
    expect(sun.html).toMatch(/<th[^>]*>Delivery<\/th>/);
    expect(sun.from?.value[0]?.address).toBe('bot@salesrelay.test');
    expect(sun.messageId).toMatch(/^<sr\.\d+\.[0-9a-f]{16}@salesrelay\.test>$/);
    // Wu reads Chinese.
    expect(smtp.to('wu@example.com')[0]!.subject).toMatch(
      new RegExp(`^${SO} 已批准：交期 2027-01-15 送至Shenzhen`),
    );
    // No open-tracking image unless EMAIL_TRACK_OPENS=on.
    expect(sun.html).not.toContain('/email/open/');
    const rows = await d.query<{ n: number }>(
      `select count(*)::int n from outbox where platform = 'email' and state = 'sent' and card_key like 'mail:dist:%'`,
    );
    expect(rows[0]!.n).toBe(4);
  });

  it('opening the link shows a confirmation page; confirming acknowledges for that department, once', async () => {
    const url = ackUrl(smtp.to('sun@example.com')[0]!);
    const get = await fetch(url);
    expect(get.status).toBe(200);
    const page = await get.text();
    expect(page).toContain('<form method="post">');
    expect(page).toContain('Acknowledge');
    expect(await acked(SO)).toEqual([]);
    const post = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(post.status).toBe(200);
    expect(await post.text()).toMatch(/Acknowledged/);
    expect(await acked(SO)).toEqual([{ code: 'production', by: 'sun' }]);
    await until(
      async () => (await cardIn('production', SO)).card!.note?.match(/确认收到|Acknowledged/),
      'the card re-rendered',
    );
    expect((await cardIn('production', SO)).card!.actions).toEqual([]);
    expect((await cardIn('finance', SO)).card!.actions).toHaveLength(1);
    // The same link again: it says it was used, and nothing more is recorded.
    const again = await fetch(url, { method: 'POST', body: '' });
    expect(again.status).toBe(409);
    expect(await again.text()).toMatch(/already used/);
    expect((await fetch(url)).status).toBe(409);
    expect(await acked(SO)).toEqual([{ code: 'production', by: 'sun' }]);
    // order show: per recipient, sent / opened / acknowledged and when.
    const show = (await d.say('li', `order show ${SO}`)).text;
    expect(show).toMatch(
      /Email · Production: Sun Li 孙立: sent [\d-]+ [\d:]+ · opened [\d-]+ [\d:]+ · acknowledged [\d-]+ [\d:]+ by Sun Li 孙立 \(by email\)/,
    );
    expect(show).toMatch(/Email · Finance: Zhao Yun 赵云: sent [\d-]+ [\d:]+ · not acknowledged/);
  });

  it('the order’s history and its web timeline show each email: emailed to whom, opened, acknowledged by email', async () => {
    const history = (await d.say('li', `order history ${SO}`)).text;
    expect(history).toMatch(/— · emailed to Sun Li 孙立 \(Production\)/);
    expect(history).toMatch(/Sun Li 孙立 · opened the email \(Production\)/);
    expect(history).toMatch(/Sun Li 孙立 · acknowledged by email \(Production\)/);
    expect(history).toMatch(/— · emailed to Zhao Yun 赵云 \(Finance\)/);
    expect(history).not.toMatch(/Zhao Yun 赵云 · (opened|acknowledged by email)/);
    // order show has the newest events too.
    expect((await d.say('li', `order show ${SO}`)).text).toMatch(/acknowledged by email \(Production\)/);
    // In Chinese for whoever reads Chinese.
    const zh = (await d.say('wu', `order history ${SO}`)).text;
    expect(zh).toMatch(/Sun Li 孙立 · 通过邮件确认收到（生产部）/);
    // The web workspace's order page: the same events in its timeline.
    const li = await signIn(d, 'li');
    const page = await (await li.get(`/app/orders/${SO}`)).text();
    const timeline = /data-testid="timeline">([\s\S]*?)<\/ol>/.exec(page)![1]!;
    expect(timeline).toMatch(/emailed to Sun Li 孙立 \(Production\)/);
    expect(timeline).toMatch(/opened the email \(Production\)/);
    expect(timeline).toMatch(/acknowledged by email \(Production\)/);
    expect(timeline).toMatch(/emailed to Zhao Yun 赵云 \(Finance\)/);
  });

  it('not acknowledged within the target, the recipient is reminded in chat; an acknowledged one stands down', async () => {
    const rems = await d.query<{ id: number; handle: string; due: string }>(
      `select r.id::int, p.handle, o.due_at::text as due from reminders r
         join people p on p.id = r.target_person_id join reminder_occurrences o on o.reminder_id = r.id
         join distributions ds on ds.id::text = r.subject_ref
       where r.kind = 'mail_ack' and ds.subject_ref = '${SO}' order by p.handle`,
    );
    expect(rems.map((r) => r.handle)).toEqual(['qian', 'sun', 'wu', 'zhao']);
    // Due after the target (1 working day by default), not now; the test brings them forward.
    for (const r of rems) expect(new Date(r.due).getTime()).toBeGreaterThan(Date.now());
    await d.query(
      `update reminder_occurrences set due_at = now() where reminder_id in (${rems.map((r) => r.id).join(',')})`,
    );
    await d.app.queues.reconciler.kick();
    const reminded = await until(
      async () => (await d.messages('dm:zhao')).find((m) => m.text.includes(`${SO} was emailed to you`)),
      'zhao reminded',
    );
    expect(reminded.text).toMatch(/order ack/);
    await until(
      async () =>
        (
          await d.query<{ state: string }>(
            `select state from reminders where id = ${rems.find((r) => r.handle === 'sun')!.id}`,
          )
        )[0]?.state === 'done',
      'sun’s reminder stood down',
    );
    expect((await d.messages('dm:sun')).some((m) => m.text.includes(`${SO} was emailed to you`))).toBe(false);
  });

  it('a tampered or expired link is refused with a page that says so, and records nothing', async () => {
    const url = ackUrl(smtp.to('qian@example.com')[0]!);
    const token = url.split('/').pop()!;
    const [id, exp, mac] = token.split('.');
    // Another row's id with this row's signature: refused.
    const forged = url.replace(token, `${Number(id) + 1}.${exp}.${mac}`);
    const r1 = await fetch(forged, { method: 'POST', body: '' });
    expect(r1.status).toBe(400);
    expect(await r1.text()).toMatch(/not valid|无效/);
    const cut = await fetch(url.slice(0, -3));
    expect(cut.status).toBe(400);
    // Signed with the right key but past its expiry: refused as expired.
    const expired = new Links(SECRET).sign('ack', Number(id), new Date(Date.now() - 1000));
    const r2 = await fetch(url.replace(token, expired), { method: 'POST', body: '' });
    expect(r2.status).toBe(410);
    expect(await r2.text()).toMatch(/expired|过期/);
    expect(await acked(SO)).toEqual([{ code: 'production', by: 'sun' }]);
    expect((await cardIn('marketing', SO)).card!.actions).toHaveLength(1);
  });

  it('a POST from another site is refused', async () => {
    const url = ackUrl(smtp.to('wu@example.com')[0]!);
    const r = await fetch(url, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      body: '',
    });
    expect(r.status).toBe(403);
    expect(await acked(SO)).toEqual([{ code: 'production', by: 'sun' }]);
  });

  it('a link pressed while the engine fails is not used up: nothing is recorded, it may be pressed again', async () => {
    const url = ackUrl(smtp.to('zhao@example.com')[0]!);
    const outboxId = Number(url.split('/').pop()!.split('.')[0]);
    // The database refuses the acknowledgement (a constraint the write breaks): an error on our side.
    await d.query(`alter table distributions add constraint test_no_ack check (acked_at is null) not valid`);
    try {
      const failed = await fetch(url, { method: 'POST', body: '' });
      expect(failed.status).toBe(503);
      expect(await failed.text()).toMatch(/still works|仍然有效/);
    } finally {
      await d.query(`alter table distributions drop constraint test_no_ack`);
    }
    expect(await acked(SO)).toEqual([{ code: 'production', by: 'sun' }]);
    const [open] = await d.query<{ acted_at: string | null }>(
      `select acted_at from message_opens where outbox_id = ${outboxId}`,
    );
    expect(open?.acted_at ?? null).toBeNull();
    expect((await fetch(url)).status).toBe(200);
    const again = await fetch(url, { method: 'POST', body: '' });
    expect(again.status).toBe(200);
    expect(await acked(SO)).toEqual([
      { code: 'finance', by: 'zhao' },
      { code: 'production', by: 'sun' },
    ]);
    expect((await fetch(url, { method: 'POST', body: '' })).status).toBe(409);
  });
});

describe('delivery of email', () => {
  it('a 421 is retried and then delivered; a 550 ends as a dead letter and the admin is told', async () => {
    await d.say('admin', 'admin person @wu email=wu@busy.test');
    await d.say('admin', 'admin person @qian email=nobody@gone.test');
    smtp.refuse('wu@busy.test', 421, 'Try again later', 1);
    smtp.refuse('nobody@gone.test', 550, 'No such user');
    const so = await approvedOrder('Beta Corp', 'Wuhan');
    const first = await until(
      async () =>
        (
          await d.query<{ attempts: number; last_error: string }>(
            `select attempts, last_error from outbox where platform = 'email' and target_id = (select id::text from people where handle = 'wu') and state = 'pending' and last_error like '%421%'`,
          )
        )[0],
      'the 421 recorded',
    );
    expect(first.last_error).toMatch(/421/);
    // The pause before the next try is the core's; the test brings it forward instead of waiting.
    await d.query(`update outbox set next_attempt_at = now() where platform = 'email' and state = 'pending'`);
    const got = await until(() => smtp.to('wu@busy.test')[0], 'the retried email');
    expect(got.subject).toContain(so);
    const dead = await until(
      async () =>
        (
          await d.query<{ last_error: string }>(
            `select last_error from outbox where platform = 'email' and state = 'failed' and target_id = (select id::text from people where handle = 'qian')`,
          )
        )[0],
      'the dead letter',
    );
    expect(dead.last_error).toMatch(/550/);
    const told = await until(
      async () =>
        (await d.messages('management')).find((m) => m.text.includes('550') && m.text.includes('email')),
      'the admin told',
    );
    expect(told.text).toMatch(/nobody@gone\.test|email user/);
  });

  it('a re-send after a crash (the sent mark lost) carries the same Message-ID', async () => {
    const [row] = await d.query<{ id: number }>(
      `select id::int from outbox where platform = 'email' and state = 'sent'
         and target_id = (select id::text from people where handle = 'sun') order by id limit 1`,
    );
    const before = smtp.received.filter((m) => m.headers.get('x-salesrelay-outbox') === String(row!.id));
    expect(before).toHaveLength(1);
    // As if the worker died after the server took it and before "sent" was committed: the lease ran out.
    await d.query(
      `update outbox set state = 'pending', sent_at = null, next_attempt_at = now() where id = ${row!.id}`,
    );
    const after = await until(async () => {
      const copies = smtp.received.filter((m) => m.headers.get('x-salesrelay-outbox') === String(row!.id));
      return copies.length === 2 && copies;
    }, 'the re-send');
    expect(after[1]!.messageId).toBe(after[0]!.messageId);
    expect(new Set(smtp.received.map((m) => m.messageId)).size).toBe(smtp.received.length - 1);
  });

  it('HTML is escaped: a customer named <script> arrives as text', async () => {
    await d.say('admin', 'admin person @wu email=wu@example.com');
    await d.say('admin', 'admin person @qian email=qian@example.com');
    const so = await approvedOrder('<script>alert(1)</script> & Co');
    const mails = await until(() => {
      const mine = smtp.received.filter((m) => m.subject?.startsWith(so));
      return mine.length >= 4 && mine;
    }, 'four more');
    for (const m of mails) {
      expect(m.html).not.toContain('<script>');
      expect(m.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
      expect(m.text).toContain('<script>alert(1)</script> & Co');
    }
  });

  it('a cancellation by email: the page asks how it was handled, and the note is recorded', async () => {
    const so = await approvedOrder('Delta Ltd', 'Hefei');
    await until(() => smtp.to('sun@example.com').some((m) => m.subject?.startsWith(so)), 'the order email');
    const r = await d.say('li', `order cancel ${so} reason="customer withdrew"`);
    const a = /A-\d{4}/.exec(r.text)![0];
    const card = (await d.messages('dm:wang')).findLast((m) => m.card?.title.includes(a))!;
    await d.press(
      'wang',
      card.id,
      card.card!.actions.find((x) => x.id.startsWith('run:approval approve'))!.id,
    );
    const mail = await until(
      () => smtp.to('sun@example.com').find((m) => m.subject?.startsWith(`${so} cancelled`)),
      'the cancellation email',
    );
    const url = ackUrl(mail);
    const page = await (await fetch(url)).text();
    expect(page).toMatch(/<textarea name="note" required/);
    const post = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ note: 'stopped the line' }).toString(),
    });
    expect(post.status).toBe(200);
    const [row] = await d.query<{ note: string; by: string }>(
      `select ds.note, p.handle as by from distributions ds join departments dp on dp.id = ds.department_id
         join people p on p.id = ds.acked_by
       where ds.subject_ref = '${so}' and ds.kind = 'cancel' and dp.code = 'production'`,
    );
    expect(row).toEqual({ note: 'stopped the line', by: 'sun' });
  });

  it('with rectify in the policy, a rectification notice reaches the person by email; its link accepts it', async () => {
    await d.say('admin', 'admin policy email=order.distribution,rectify');
    const r = await d.say('admin', 'rectify new @sun issue="<b>late</b> delivery record" due=+5d');
    const number = /R-\d{4}|RN-\d{4}|[A-Z]+-\d{4}/.exec(r.text)![0];
    const mail = await until(
      () => smtp.to('sun@example.com').find((m) => m.subject?.startsWith(`${number} rectification by`)),
      'the notice email',
    );
    expect(mail.subject).toContain('<b>late</b> delivery record');
    expect(mail.html).toContain('&lt;b&gt;late&lt;/b&gt;');
    const post = await fetch(ackUrl(mail), { method: 'POST', body: '' });
    expect(post.status).toBe(200);
    const [n] = await d.query<{ state: string }>(
      `select state from rectify_notices where number = '${number}'`,
    );
    expect(n!.state).toBe('accepted');
    await d.say('admin', 'admin policy email=order.distribution,order.change,order.cancel,report.month');
  });

  it('a link whose press the core refuses (the notice accepted in chat already) records nothing and stays usable', async () => {
    await d.say('admin', 'admin policy email=order.distribution,rectify');
    const r = await d.say('admin', 'rectify new @sun issue="accepted twice" due=+5d');
    const number = /R-\d{4}|RN-\d{4}|[A-Z]+-\d{4}/.exec(r.text)![0];
    const mail = await until(
      () => smtp.to('sun@example.com').find((m) => m.subject?.startsWith(`${number} rectification by`)),
      'the notice email',
    );
    await d.say('sun', `rectify accept ${number}`);
    const url = ackUrl(mail);
    const post = await fetch(url, { method: 'POST', body: '' });
    expect(post.status).toBe(409);
    const page = await post.text();
    expect(page).toMatch(/Nothing was recorded/);
    expect(page).toMatch(/nothing to accept/);
    const outboxId = Number(url.split('/').pop()!.split('.')[0]);
    const [open] = await d.query<{ acted_at: string | null }>(
      `select acted_at from message_opens where outbox_id = ${outboxId}`,
    );
    expect(open?.acted_at ?? null).toBeNull();
    // Not used up: its page still offers the button.
    expect((await fetch(url)).status).toBe(200);
    await d.say('admin', 'admin policy email=order.distribution,order.change,order.cancel,report.month');
  });

  it('the monthly assessment (report.month in the policy) reaches management by email as well as in chat', async () => {
    // The worker and the app fire reminders with the configured contact channels.
    expect(d.app.queues.settings.contactChannels).toEqual(['email']);
    const [rem] = await d.query<{ id: number }>(
      `select id from reminders where kind = 'kpi_assessment' and target_kind = 'department' and state = 'active'`,
    );
    // 1 December 2026, 09:00 in Shanghai: the first working day of the month.
    const [occ] = await d.query<{ id: number }>(
      `insert into reminder_occurrences (reminder_id, due_at) values (${rem!.id}, '2026-12-01T01:00:00Z')
        on conflict do nothing returning id`,
    );
    const fired = await fireOccurrences(d.app.database.db, Number(occ!.id), {
      now: new Date('2026-12-01T01:00:00Z'),
      contactChannels: d.app.queues.settings.contactChannels ?? [],
    });
    expect(fired.self).toBe('fired');
    const mail = await until(
      () => smtp.to('admin@example.com').find((m) => (m.text ?? '').includes('2026-11')),
      "the assessment's email to management",
    );
    expect(mail.text).toMatch(/2026-11/);
    // Left out of the policy, the next one goes to chat only.
    await d.say('admin', 'admin policy email=order.distribution');
    const [occ2] = await d.query<{ id: number }>(
      `insert into reminder_occurrences (reminder_id, due_at) values (${rem!.id}, '2026-11-02T01:00:00Z')
        on conflict do nothing returning id`,
    );
    const before = smtp.to('admin@example.com').length;
    await fireOccurrences(d.app.database.db, Number(occ2!.id), {
      now: new Date('2026-11-02T01:00:00Z'),
      contactChannels: ['email'],
    });
    await d.app.delivery.drain();
    const rows = await d.query<{ n: number }>(
      `select count(*)::int as n from outbox where card_key = 'mail:reminder:${occ2!.id}'`,
    );
    expect(rows[0]!.n).toBe(0);
    const chat = await d.query<{ n: number }>(
      `select count(*)::int as n from outbox where card_key = 'reminder:${occ2!.id}'`,
    );
    expect(chat[0]!.n).toBeGreaterThan(0);
    expect(smtp.to('admin@example.com').length).toBe(before);
    await d.say('admin', 'admin policy email=order.distribution,order.change,order.cancel,report.month');
  });

  it('admin policy email=… decides which items go by email; a wrong item is refused and changes nothing', async () => {
    const shown = (await d.say('admin', 'admin policy')).text;
    expect(shown).toMatch(/Also by email.*order\.distribution.*order\.change.*order\.cancel.*report\.month/);
    const bad = await d.say('admin', 'admin policy email=order.distribution,faxes');
    expect(bad.text).toMatch(/"faxes" is not an item/);
    expect((await d.say('admin', 'admin policy')).text).toMatch(/Also by email.*order\.distribution/);
    const none = await d.say('admin', '管理 规则 邮件=none');
    expect(none.text).toMatch(/Also by email.*: none/);
    const n = smtp.received.length;
    const so = await approvedOrder('Gamma GmbH');
    await until(async () => (await cardIn('finance', so)).card, 'the chat card');
    await d.app.delivery.drain();
    const rows = await d.query<{ n: number }>(
      `select count(*)::int n from outbox o join distributions ds on o.card_key = 'mail:dist:' || ds.id
        where ds.subject_ref = '${so}'`,
    );
    expect(rows[0]!.n).toBe(0);
    expect(smtp.received.length).toBe(n);
    await d.say('admin', 'admin policy email=order.distribution,order.change,order.cancel,report.month');
  });
});
