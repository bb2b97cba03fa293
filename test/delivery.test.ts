// The outbox: every message is delivered once even with two deliverers racing, failures are retried
// later with backoff, and hopeless ones stop.
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { expect, it } from 'vitest';
import type { Message } from '../src/cards/card.ts';
import { chatKey, OutboxBatch, outboxWriter } from '../src/core/outbox.ts';
import { rowsOf } from '../src/db/rows.ts';
import { outbox } from '../src/db/schema.ts';
import { seedBasics } from '../src/db/seed.ts';
import {
  type Deliverer,
  Delivery,
  PermanentDeliveryError,
  type PostedRef,
  type PostOptions,
  type PostTarget,
  RetryLaterError,
  retryDelayMs,
} from '../src/delivery/index.ts';
import { useMigratedDatabase } from './helpers/pg.ts';

const org = { name: 'T', locale: 'en' as const, timezone: 'Asia/Shanghai', currency: 'CNY' };
const log = pino({ level: 'silent' });

const fresh = useMigratedDatabase((d) => seedBasics(d.db, org));

class Recorder implements Deliverer {
  readonly platform = 'fake';
  posted: { target: PostTarget; message: Message }[] = [];
  failNext = 0;
  permanent = false;
  async post(target: PostTarget, message: Message): Promise<PostedRef> {
    if (this.permanent) throw new PermanentDeliveryError('channel_not_found');
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('platform down');
    }
    await new Promise((r) => setTimeout(r, 1));
    this.posted.push({ target, message });
    return { tenant: '', chatId: target.id, messageId: `m${this.posted.length}` };
  }
  async update(): Promise<void> {}
}

async function enqueue(n: number, prefix: string) {
  await fresh.database.db.transaction(async (tx) => {
    const w = outboxWriter(tx, org, 'fake');
    for (let i = 0; i < n; i++) {
      await w.send({ kind: 'chat', platform: 'fake', tenant: '', chatId: `chat-${i % 5}` }, () => ({
        text: `${prefix} ${i}`,
      }));
    }
  });
}

it('two deliverers draining the same outbox deliver each message exactly once', async () => {
  await enqueue(300, 'race');
  const a = new Recorder();
  const b = new Recorder();
  const da = new Delivery(fresh.database.db, log);
  const db = new Delivery(fresh.database.db, log);
  da.register(a);
  db.register(b);
  await Promise.all([da.drain(), db.drain()]);
  const texts = [...a.posted, ...b.posted].map((p) => p.message.text).sort();
  expect(texts.length).toBe(300);
  expect(new Set(texts).size).toBe(300);
  const rows = await fresh.database.db.select({ state: outbox.state }).from(outbox);
  expect(rows.every((r) => r.state === 'sent')).toBe(true);
});

it('a failure is kept and retried later, not dropped', async () => {
  await fresh.database.db.delete(outbox);
  await enqueue(1, 'retry');
  const r = new Recorder();
  r.failNext = 1;
  const d = new Delivery(fresh.database.db, log);
  d.register(r);
  const before = Date.now();
  await d.drain();
  let [row] = await fresh.database.db.select().from(outbox);
  expect(row?.state).toBe('pending');
  expect(row?.attempts).toBe(1);
  expect(row?.lastError).toBe('platform down');
  // The first retry comes after about 5 s (± 20 %) from the failure, not minutes: a blip costs seconds.
  expect(row!.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before + 4000);
  expect(row!.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now() + 6000);
  expect(r.posted.length).toBe(0);
  // When its time comes, it goes out.
  await fresh.database.db.update(outbox).set({ nextAttemptAt: new Date(Date.now() - 1000) });
  await d.drain();
  [row] = await fresh.database.db.select().from(outbox);
  expect(row?.state).toBe('sent');
  expect(r.posted.map((p) => p.message.text)).toEqual(['retry 0']);
});

it('retries grow from seconds to an hour, spread out, and ten tries span hours of an outage', () => {
  expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => retryDelayMs(n, 0.5))).toEqual([
    5000, 15_000, 45_000, 135_000, 405_000, 1_215_000, 3_600_000, 3_600_000, 3_600_000,
  ]);
  expect(retryDelayMs(1, 0)).toBe(4000);
  expect(retryDelayMs(1, 1)).toBe(6000);
  // The tenth failure gives the message up: the nine waits before it, at their shortest.
  const span = [1, 2, 3, 4, 5, 6, 7, 8, 9].reduce((sum, n) => sum + retryDelayMs(n, 0), 0);
  expect(span).toBeGreaterThan(2.5 * 3_600_000);
});

it('a permanent error stops retrying and says why', async () => {
  await fresh.database.db.delete(outbox);
  await enqueue(1, 'gone');
  const r = new Recorder();
  r.permanent = true;
  const d = new Delivery(fresh.database.db, log);
  d.register(r);
  await d.drain();
  const [row] = await fresh.database.db.select().from(outbox);
  expect(row?.state).toBe('failed');
  expect(row?.lastError).toBe('channel_not_found');
});

it('a row claimed by a process that died is delivered after its lease runs out', async () => {
  await fresh.database.db.delete(outbox);
  await enqueue(1, 'orphan');
  // As if a process claimed it and died: 'sending' with an expired lease.
  await fresh.database.db
    .update(outbox)
    .set({ state: 'sending', attempts: 1, nextAttemptAt: new Date(Date.now() - 1000) });
  const r = new Recorder();
  const d = new Delivery(fresh.database.db, log);
  d.register(r);
  await d.drain();
  expect(r.posted.map((p) => p.message.text)).toEqual(['orphan 0']);
});

it('a message told to wait holds back the later ones to its chat in the same pass (order kept)', async () => {
  await fresh.database.db.delete(outbox);
  await enqueue(10, 'order'); // chats chat-0 … chat-4, two messages each: 'order 0' then 'order 5' to chat-0
  class Throttling extends Recorder {
    throttled = 0;
    override async post(target: PostTarget, message: Message): Promise<PostedRef> {
      if (message.text === 'order 0' && this.throttled++ === 0) throw new RetryLaterError('429', 300);
      return super.post(target, message);
    }
  }
  const r = new Throttling();
  const d = new Delivery(fresh.database.db, log);
  d.register(r);
  await d.drain();
  // The other chats went on; chat-0's second message waited behind its first.
  const chat0 = () => r.posted.filter((p) => p.target.id === 'chat-0').map((p) => p.message.text);
  expect(r.posted.length).toBe(8);
  expect(chat0()).toEqual([]);
  const rows = await fresh.database.db.select().from(outbox).orderBy(outbox.id);
  expect(rows.filter((row) => row.state !== 'sent').map((row) => row.targetId)).toEqual(['chat-0', 'chat-0']);
  await new Promise((res) => setTimeout(res, 350));
  await d.drain();
  expect(chat0()).toEqual(['order 0', 'order 5']);
});

/** Posts written already claimed, as a batch of fired reminders is: this process sends them itself. */
function writeClaimed(posts: [chatId: string, text: string][]) {
  return fresh.database.db.transaction(async (tx) => {
    const batch = new OutboxBatch(tx, org);
    for (const [chatId, text] of posts)
      await batch.send({ kind: 'chat', platform: 'fake', tenant: '', chatId }, () => ({ text }));
    return batch.flush({ leaseMs: 15_000 });
  });
}

it('a firing may count on rows this process holds or has sent since, not on ones it handed back', async () => {
  await fresh.database.db.delete(outbox);
  const rows = await writeClaimed([
    ['own', 'first'],
    ['own', 'second'],
    ['busy', 'throttled'],
  ]);
  expect(rows.map((r) => r.state)).toEqual(['sending', 'sending', 'sending']);
  let open!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  class Gated extends Recorder {
    override async post(target: PostTarget, message: Message): Promise<PostedRef> {
      await gate;
      if (message.text === 'throttled') throw new RetryLaterError('429', 60_000);
      return super.post(target, message);
    }
  }
  const d = new Delivery(fresh.database.db, log);
  d.register(new Gated());
  expect(d.ownedHere(rows[0]!.id)).toBe(false); // not started: owns nothing
  await d.start(60_000);
  try {
    const sending = d.sendClaimed(rows);
    // Held to send in order: a newer message to these chats may join behind them.
    expect(rows.map((r) => d.ownedHere(r.id))).toEqual([true, true, true]);
    expect(d.ownedHere(rows[2]!.id + 1)).toBe(false);
    open();
    await sending;
    const stored = await fresh.database.db.select().from(outbox).orderBy(outbox.id);
    expect(stored.map((r) => r.state)).toEqual(['sent', 'sent', 'pending']);
    // Sent since: a firing whose snapshot still showed them waiting need not queue behind them. The
    // throttled one went back to the queue: newer messages to its chat must wait behind it.
    expect(rows.map((r) => d.ownedHere(r.id))).toEqual([true, true, false]);
  } finally {
    await d.stop();
  }
  expect(d.ownedHere(rows[0]!.id)).toBe(false);
});

it('messages held for one chat leave at its pacing, never before, though each takes its slot early', async () => {
  await fresh.database.db.delete(outbox);
  const rows = await writeClaimed([
    ['slow', 's0'],
    ...[0, 1, 2, 3, 4].map((i): [string, string] => ['paced', `m${i}`]),
  ]);
  // One send place, first taken by a slow post: 'paced' takes its first slot at once but leaves only
  // when the place is free, so its shared slot ends before its own spacing does (as under a burst). Its
  // next message may take the next shared slot then, and must still wait out the spacing.
  // When each message left, as Delivery itself noted it (its clock, the time that paces the next one),
  // read as the platform gets the message: the test's own Date.now() there can fall a millisecond or a
  // pause later than Delivery's, and a later reading of one message shortens the gap to the next.
  const left: number[] = [];
  class Timed extends Recorder {
    override async post(target: PostTarget, message: Message): Promise<PostedRef> {
      if (target.id === 'slow') await new Promise((r) => setTimeout(r, 120));
      else left.push(noted.get(chatKey({ platform: 'fake', tenant: target.tenant, targetId: target.id }))!);
      return super.post(target, message);
    }
  }
  const d = new Delivery(fresh.database.db, log, { sendConcurrency: 1 });
  const noted = (d as unknown as { pacing: { lastPost: Map<string, number> } }).pacing.lastPost;
  d.limits.set('fake', { perChat: { count: 1, perMs: 200 } });
  const spacing = d.limits.spacingMs('fake');
  const p = new Timed();
  d.register(p);
  await d.start(60_000);
  try {
    await d.sendClaimed(rows);
  } finally {
    await d.stop();
  }
  expect(p.posted.filter((m) => m.target.id === 'paced').map((m) => m.message.text)).toEqual([
    'm0',
    'm1',
    'm2',
    'm3',
    'm4',
  ]);
  // Each left a full spacing after the one before, by the clock the pacing uses: it allows no early leave.
  expect(left).toHaveLength(5);
  expect(left.every(Number.isFinite)).toBe(true);
  const gaps = left.slice(1).map((at, i) => at - left[i]!);
  expect(gaps.filter((g) => g < spacing)).toEqual([]);
  const stored = await fresh.database.db.select().from(outbox);
  expect(stored).toHaveLength(6);
  expect(stored.every((r) => r.state === 'sent' && r.attempts === 1 && r.lastError === null)).toBe(true);
});

/** Makes the database refuse sent marks (as during a restart) until `ms` from now. */
async function refuseSentMarks(ms: number): Promise<void> {
  await fresh.database.db.execute(sql`
    create table if not exists mark_refusals (until timestamptz not null)`);
  await fresh.database.db.execute(sql`delete from mark_refusals`);
  await fresh.database.db.execute(sql`create sequence if not exists mark_refusals_made`);
  await fresh.database.db.execute(
    sql`insert into mark_refusals values (clock_timestamp() + make_interval(secs => ${ms / 1000}))`,
  );
  await fresh.database.db.execute(sql`
    create or replace function refuse_marks() returns trigger language plpgsql as $$
    begin
      if new.state = 'sent' and exists (select 1 from mark_refusals where clock_timestamp() < until) then
        perform nextval('mark_refusals_made'); -- a sequence: counted though the refusal rolls back
        raise exception 'the database system is shutting down' using errcode = '57P03';
      end if;
      return new;
    end $$`);
  await fresh.database.db.execute(sql`drop trigger if exists refuse_marks on outbox`);
  await fresh.database.db.execute(sql`
    create trigger refuse_marks before update on outbox for each row execute function refuse_marks()`);
}

/** Sent marks refused since the count `from` (the trigger counts each refusal in a sequence). */
async function refusalsSince(from: number): Promise<number> {
  const [row] = rowsOf<{ n: string }>(
    await fresh.database.db.execute(
      sql`select case when is_called then last_value else 0 end as n from mark_refusals_made`,
    ),
  );
  return Number(row!.n) - from;
}

class KeyRecorder extends Recorder {
  keys: string[] = [];
  override async post(target: PostTarget, message: Message, opts?: PostOptions): Promise<PostedRef> {
    this.keys.push(opts?.idempotencyKey ?? '');
    return super.post(target, message);
  }
}

it('a sent mark the database refuses for a moment is written again: not put off, not sent twice', async () => {
  await fresh.database.db.delete(outbox);
  await enqueue(1, 'mark');
  await refuseSentMarks(600);
  const r = new KeyRecorder();
  const d = new Delivery(fresh.database.db, log);
  d.register(r);
  const before = await refusalsSince(0);
  await d.drain();
  const [row] = await fresh.database.db.select().from(outbox);
  expect(row).toMatchObject({ state: 'sent', attempts: 1, lastError: null });
  expect(r.keys).toEqual([`outbox:${row!.id}`]);
  // The database did refuse it, more than once, and the message was neither put off nor sent again.
  expect(await refusalsSince(before)).toBeGreaterThanOrEqual(2);
});

it('a message whose sent mark cannot be written keeps its lease and goes again after it, with its key', async () => {
  await fresh.database.db.delete(outbox);
  await enqueue(1, 'lease');
  await refuseSentMarks(60_000);
  const r = new KeyRecorder();
  const d = new Delivery(fresh.database.db, log, { leaseMs: 1500 });
  d.register(r);
  await d.drain();
  const [held] = await fresh.database.db.select().from(outbox);
  // Not counted as a failed send: no backoff of minutes, no error; claimed until the lease runs out.
  expect(held).toMatchObject({ state: 'sending', attempts: 1, lastError: null });
  expect(held!.nextAttemptAt.getTime() - Date.now()).toBeLessThan(1500);
  await refuseSentMarks(0);
  await new Promise((res) => setTimeout(res, held!.nextAttemptAt.getTime() - Date.now() + 50));
  await d.drain();
  const [row] = await fresh.database.db.select().from(outbox);
  expect(row!.state).toBe('sent');
  // Sent once more, with the same key: a platform that checks it shows the message once.
  expect(r.keys).toEqual([`outbox:${row!.id}`, `outbox:${row!.id}`]);
  await fresh.database.db.execute(sql`drop trigger refuse_marks on outbox`);
});

it('a claim that outlived its lease while waiting for a send place is not sent: the worker that took it over sends it, once', async () => {
  await fresh.database.db.delete(outbox);
  // A's one send place is taken by a slow post to chat x; y's message waits for it past its short lease
  // (as in a CPU-starved process), and meanwhile B claims y and sends it.
  const rows = await fresh.database.db.transaction(async (tx) => {
    const batch = new OutboxBatch(tx, org);
    await batch.send({ kind: 'chat', platform: 'fake', tenant: '', chatId: 'x' }, () => ({ text: 'slow' }));
    await batch.send({ kind: 'chat', platform: 'fake', tenant: '', chatId: 'y' }, () => ({ text: 'waits' }));
    return batch.flush({ leaseMs: 600 });
  });
  class Slow extends Recorder {
    override async post(target: PostTarget, message: Message): Promise<PostedRef> {
      if (target.id === 'x') await new Promise((r) => setTimeout(r, 1200));
      return super.post(target, message);
    }
  }
  const pa = new Slow();
  const pb = new Recorder();
  const a = new Delivery(fresh.database.db, log, { sendConcurrency: 1, leaseMs: 600 });
  const b = new Delivery(fresh.database.db, log);
  a.register(pa);
  b.register(pb);
  await a.start(60_000);
  await b.start(60_000);
  try {
    const sending = a.sendClaimed(rows);
    await new Promise((r) => setTimeout(r, 800));
    await b.deliverOne(rows[1]!.id);
    expect(pb.posted.map((m) => m.message.text)).toEqual(['waits']);
    await sending;
  } finally {
    await a.stop();
    await b.stop();
  }
  expect(pa.posted.map((m) => m.message.text)).toEqual(['slow']);
  const stored = await fresh.database.db.select().from(outbox).orderBy(outbox.id);
  expect(stored.map((r) => [r.state, r.attempts])).toEqual([
    ['sent', 1],
    ['sent', 2],
  ]);
});
