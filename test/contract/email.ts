// Email for the contract suite: the email adapter (adapters/email, nodemailer over SMTP) is the channel under
// test, against a real SMTP server in the test process (test/fakes/smtp.ts, read with mailparser). Nobody
// types to email: the people speak through the console of the same app (test/contract/console.ts), and
// what email delivers is read where it arrived, the mail server. A card here is a letter: its one button
// is its signed single-use link, followed in a browser as the recipient does.
import { createServer } from 'node:net';
import { email } from '../../adapters/email/index.ts';
import type { App } from '../../src/app.ts';
import type { Message, Sender } from '../../src/port/index.ts';
import { FakeSmtp, type Received } from '../fakes/smtp.ts';
import { consoleDriver } from './console.ts';
import {
  type ByAddress,
  type Letter,
  type Person,
  type PlatformDriver,
  type SeenCard,
  until,
  type Where,
} from './driver.ts';

const PEOPLE: Person[] = ['admin', 'li', 'wang', 'zhao'];
/** The suite's people read English, and so do their browsers (a page for a bad link goes by it). */
const ENGLISH = { 'accept-language': 'en-GB,en;q=0.9' };

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

const letterOf = (m: Received): Letter => ({
  messageId: m.messageId ?? '',
  outboxId: Number(m.headers.get('x-salesrelay-outbox')),
  subject: m.subject ?? '',
  text: m.text ?? '',
  html: typeof m.html === 'string' ? m.html : '',
  link: /https?:\/\/\S+\/email\/ack\/[\w.-]+/.exec(m.text ?? '')?.[0],
});

/** A page as a person reads it: its text without the markup. */
const readable = (html: string) =>
  html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

export function emailDriver(): PlatformDriver {
  const smtp = new FakeSmtp();
  let chat: PlatformDriver;
  const ids = {} as Record<Person, string>;
  const addresses = {} as Record<Person, string>;

  const arrived = (who: Person, needle: string) =>
    smtp
      .to(addresses[who])
      .map(letterOf)
      .filter((l) => `${l.subject}\n${l.text}`.includes(needle));

  const follow: ByAddress['follow'] = async (url, post) => {
    const res = post
      ? await fetch(url, {
          method: 'POST',
          headers: { ...ENGLISH, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(post).toString(),
        })
      : await fetch(url, { headers: ENGLISH });
    return { status: res.status, text: readable(await res.text()) };
  };

  /** A letter as a card: what it says, and its link's button while the link is unused. */
  const seenLetter = (who: Person, l: Letter): SeenCard => ({
    id: l.messageId,
    where: { person: who },
    text: async () => `${l.subject}\n${l.text}`,
    async actions() {
      if (!l.link) return [];
      // The link presses the first button of the message it was sent for, once (adapters/email).
      const [row] = await chat.query<{ action: string | null; acted: string | null }>(
        `select o.payload->'card'->'actions'->0->>'id' as action, mo.acted_at::text as acted
           from outbox o left join message_opens mo on mo.outbox_id = o.id where o.id = ${l.outboxId}`,
      );
      return row?.action && !row.acted ? [row.action] : [];
    },
    // A sent email never changes.
    versions: async () => 1,
  });

  const byAddress: ByAddress = {
    get chat() {
      return chat;
    },
    letters: async (who, needle) => arrived(who, needle),
    follow,
    busy: (n) => smtp.busy(n),
    down: () => smtp.down(),
    up: () => smtp.up(),
    reject: (who, n) => smtp.refuse(addresses[who], 550, 'Mailbox unavailable: no such user', n),
    refused: (code) => smtp.refusals.filter((r) => r.code === code).length,
  };

  return {
    name: 'email',
    declaration: email,
    cannot: {
      '1': 'nobody types a command by email: the people speak in their chat, email carries no replies',
      '2a': 'an approval is decided in chat; approval cards do not go by email (admin policy email=… names distributions, changes, cancellations, reports, rectifications): 9a posts a distribution',
      '2b': 'the distribution by email, its link pressed by its recipient, is 9a–9c',
      '3a': 'there is no approval by email; a link someone altered or took from another letter is 9b',
      '3b': 'there is no approval by email; the right recipient’s link is 9c',
      '4': 'a sent email cannot change (updateInPlace: never): the chat cards carry the state, re-rendered by a link in 9c',
      '5': 'no inbound events come by email to be delivered twice; the letter sent again after a crash is 9d',
      '6': 'a lead’s notice goes to chat only; the mail server busy (421) or down (connection refused) is 9e, a 550 is 9f',
    },
    byAddress,
    get app(): App {
      return chat.app;
    },
    async start() {
      await smtp.start();
      chat = consoleDriver({
        env: {
          // The links point at http://localhost:PORT (no PUBLIC_URL): a port known before the start.
          PORT: String(await freePort()),
          SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
          MAIL_FROM: 'SalesRelay <bot@salesrelay.test>',
          // The demo's people are all at example.com: paced a tenth of a second apart, not two seconds.
          EMAIL_PER_DOMAIN_PER_MINUTE: '600',
        },
      });
      await chat.start();
      const rows = await chat.query<{ handle: Person; id: number; email: string }>(
        `select handle, id::int, lower(email) as email from people
          where handle in (${PEOPLE.map((p) => `'${p}'`).join(', ')})`,
      );
      for (const r of rows) {
        ids[r.handle] = String(r.id);
        addresses[r.handle] = r.email;
      }
      for (const p of PEOPLE) if (!addresses[p]) throw new Error(`the demo's ${p} has no email address`);
    },
    async close() {
      await chat?.close();
      await smtp.stop();
    },
    sender: (): Sender => chat.app.platforms.find((p) => p.platform === 'email')!,
    query: (sql) => chat.query(sql),
    say: (who, text, opts) => chat.say(who, text, opts),
    async card(where, needle) {
      if (!('person' in where)) throw new Error('email reaches people, not groups');
      const l = await until(
        () => arrived(where.person, needle).at(-1),
        `a letter to ${where.person} about ${needle}`,
      );
      return seenLetter(where.person, l);
    },
    async press(who, card, actionPrefix) {
      const recipient = card.where as { person: Person };
      // The link is in the recipient's mailbox: nobody else has it (an altered one is 9b).
      if (recipient.person !== who) throw new Error(`${who} has no link of ${recipient.person}'s letter`);
      const action = (await card.actions()).find((a) => a.startsWith(actionPrefix));
      if (!action) throw new Error(`no ${actionPrefix} link in ${await card.text()}`);
      const l = smtp.received.map(letterOf).find((x) => x.messageId === card.id)!;
      await follow(l.link!);
      return (await follow(l.link!, {})).text;
    },
    async shown(where, needle) {
      return 'person' in where ? arrived(where.person, needle).length : 0;
    },
    target(where: Where) {
      if (!('person' in where)) throw new Error('email reaches people, not groups');
      return { tenant: '', kind: 'user', id: ids[where.person] };
    },
    async textOnly(message: Message) {
      // Every email is text and HTML: the text part is what a text-only mail client shows.
      const key = `outbox:${800_000 + Math.floor(Math.random() * 99_999)}`;
      await this.sender().post(this.target({ person: 'li' }), message, { idempotencyKey: key });
      const title = message.card?.title ?? message.text;
      return (await until(() => arrived('li', title).at(-1), 'the text-only letter')).text;
    },
  };
}
