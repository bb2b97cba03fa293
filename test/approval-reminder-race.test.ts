// An approval decided while its reminders fire (a scripted clock jumping past the reminder and the escalation,
// a burst after a downtime): the decision and the firing take their locks in one order (the approval's
// reminder occurrences, then the approval), so PostgreSQL never finds a deadlock between them; the decision is
// made once, nothing is delivered for an approval after its decision, and every reminder ends fired or
// cancelled, fired once.
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChatRef, InboundUser } from '../src/core/inbound.ts';
import { fireDue, fireOccurrences } from '../src/schedule/fire.ts';
import { type Driver, startDriver } from './helpers/console.ts';

let d: Driver;
const dm = (who: string): ChatRef => ({ platform: 'console', tenant: '', chatId: `dm:${who}`, kind: 'dm' });
const user = (who: string): InboundUser => ({ platform: 'console', tenant: '', externalId: who });
const act = (who: string, actionId: string, values?: Record<string, string>) =>
  d.app.core.handleAction({ user: user(who), chat: dm(who), actionId, ...(values ? { values } : {}) });
const FAILED = /Something went wrong/;
const logs: { msg: string; code?: string }[] = [];
const log = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line)) });

beforeAll(async () => {
  // Enough connections for the deciders and the firing workers to meet in the database. The app's own
  // workers are off (workers elsewhere, on Redis): the test fires, on the workers' path, when it means to.
  d = await startDriver({
    env: {
      DATABASE_POOL_MAX: '12',
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
      QUEUE_PREFIX: `race-${process.pid}-${Date.now()}`,
      QUEUE_WORKERS: 'off',
    },
    log,
  });
  for (const p of ['li', 'chen', 'wang', 'admin']) await d.say(p, 'me lang=en');
  await d.say('admin', 'admin role @chen sales_manager');
  await d.say('li', 'customer add name="Acme Ltd"');
});
afterAll(() => d?.close());

/** Submits `n` quotes for approval; returns each approval's number and its quote's. */
async function submit(n: number): Promise<{ approval: string; quote: string }[]> {
  const out: { approval: string; quote: string }[] = [];
  for (let i = 0; i < n; i++) {
    const made = await d.say('li', 'quote new customer=C-0001 item="A | | 1 | 100"');
    const quote = /Q-\d+/.exec(made.text)![0];
    const sent = await d.say('li', `quote submit ${quote}`);
    out.push({ approval: /A-\d+/.exec(sent.text)![0], quote });
  }
  return out;
}

const list = (numbers: string[]) => numbers.map((n) => `'${n}'`).join(',');

/** The clock jumps past the reminder and the escalation of these approvals: all of them due now. */
async function makeDue(numbers: string[]): Promise<void> {
  await d.query(`
    update reminder_occurrences o set due_at = now() - interval '1 minute'
    from reminders r
    where r.id = o.reminder_id and r.subject_type = 'approval' and r.subject_ref in (${list(numbers)})
      and o.state = 'scheduled'`);
}

type Occ = { id: string; state: string; kind: string; ref: string; posts: number };
async function occurrences(numbers: string[]): Promise<Occ[]> {
  return d.query<Occ>(`
    select o.id::text as id, o.state, r.kind, r.subject_ref as ref,
      (select count(*)::int from outbox x where x.card_key = 'reminder:' || o.id) as posts
    from reminder_occurrences o join reminders r on r.id = o.reminder_id
    where r.subject_type = 'approval' and r.subject_ref in (${list(numbers)})
    order by o.id`);
}

/** Waits until `n` sessions of this database wait for a lock. */
async function lockWaits(n: number): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    const [w] = await d.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    if (w!.n >= n) return true;
    await sleep(10);
  }
  return false;
}

async function deadlocks(): Promise<number> {
  // The statistics are flushed at most once a second (PostgreSQL 15).
  await sleep(1100);
  const [row] = await d.query<{ n: string }>(
    `select deadlocks::text as n from pg_stat_database where datname = current_database()`,
  );
  return Number(row!.n);
}

/** The error codes of an error and its causes (a driver error wrapped by drizzle). */
function codes(err: unknown): string[] {
  const out: string[] = [];
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (typeof e.code === 'string') out.push(e.code);
  return out;
}

it('a decision waiting on its subject while the escalation fires: no deadlock, nothing sent after it', async () => {
  const [x] = await submit(1);
  await makeDue([x!.approval]);
  const before = await deadlocks();
  // Someone holds the quote: the decision stops half-way, after it has locked what it locks first.
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let holding!: () => void;
  const held = new Promise<void>((r) => {
    holding = r;
  });
  const hold = d.app.database.db.transaction(async (tx) => {
    await tx.execute(sql`select id from quotes where number = ${x!.quote} for update`);
    holding();
    await released;
  });
  await held;
  const approving = act('wang', `run:approval approve ${x!.approval}`);
  expect(await lockWaits(1)).toBe(true);
  // The reminders fire now: in a batch (the worker's burst) and one by one (a job of its own).
  const fired = fireDue(d.app.database.db, { batch: 20 }).catch((err: unknown) => err);
  const own = occurrences([x!.approval]).then((o) =>
    Promise.all(o.map((r) => fireOccurrences(d.app.database.db, Number(r.id)).catch((err: unknown) => err))),
  );
  // The batch passes over the occurrences the decision holds at once (it does not wait for the decision).
  const early = await Promise.race([fired, sleep(500).then(() => 'still waiting')]);
  release();
  await hold;
  const [reply] = await approving;
  const firing = [await fired, ...(await own)];
  expect(firing.filter((f) => f instanceof Error).map(codes)).toEqual([]);
  expect(reply!.text).toMatch(/now approved/);
  expect(early).toMatchObject({ fired: 0, claimed: [] });
  // The decision committed with the reminders cancelled: none of them was delivered, the card not marked overdue.
  const occ = await occurrences([x!.approval]);
  expect(occ.length).toBeGreaterThanOrEqual(2);
  expect(occ.map((o) => [o.state, o.posts])).toEqual(occ.map(() => ['cancelled', 0]));
  const [a] = await d.query<{ state: string; overdue: boolean }>(
    `select state, overdue_at is not null as overdue from approvals where number = '${x!.approval}'`,
  );
  expect(a).toEqual({ state: 'approved', overdue: false });
  expect((await deadlocks()) - before).toBe(0);
});

it('approvals decided while their reminders fire in bursts, round after round: never a deadlock', async () => {
  const ROUNDS = Number(process.env.RACE_ROUNDS ?? 8);
  const PER_ROUND = 10;
  const before = await deadlocks();
  const failures: string[] = [];
  const all: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const made = await submit(PER_ROUND);
    const numbers = made.map((m) => m.approval);
    all.push(...numbers);
    await makeDue(numbers);
    // Three workers fire in small batches until nothing is due, while each approval is decided.
    let deciding = true;
    const worker = async () => {
      let idle = 0;
      while (deciding || idle < 2) {
        try {
          const r = await fireDue(d.app.database.db, { batch: 3 });
          idle = r.claimed.length ? 0 : idle + 1;
        } catch (err) {
          failures.push(`fire: ${codes(err).join(',') || String(err)}`);
        }
        await sleep(Math.random() * 3);
      }
    };
    const workers = [worker(), worker(), worker()];
    const decisions = numbers.map(async (n, i) => {
      await sleep(Math.random() * 15);
      const [r] =
        i % 3 === 2
          ? await act('chen', `run:approval reject ${n}`, { reason: 'price' })
          : await act(i % 2 ? 'chen' : 'wang', `run:approval approve ${n}`);
      if (FAILED.test(r!.text)) failures.push(`${n}: ${r!.text}`);
    });
    await Promise.all(decisions);
    deciding = false;
    await Promise.all(workers);
  }
  const seen = (await deadlocks()) - before;
  if (seen || failures.length)
    console.log(`${ROUNDS * PER_ROUND} approvals: ${seen} deadlocks, ${failures.length} failures`);
  expect({ failures, deadlocks: seen }).toEqual({ failures: [], deadlocks: 0 });
  // Every approval decided; each of its reminders fired once (posted) or cancelled (posted nothing).
  const states = await d.query<{ state: string }>(
    `select state from approvals where number in (${list(all)})`,
  );
  expect(states.filter((s) => !['approved', 'rejected'].includes(s.state))).toEqual([]);
  const occ = await occurrences(all);
  expect(occ.filter((o) => !['fired', 'cancelled'].includes(o.state))).toEqual([]);
  expect(occ.filter((o) => o.state === 'cancelled' && o.posts > 0)).toEqual([]);
  expect(occ.filter((o) => o.state === 'fired' && o.posts === 0)).toEqual([]);
});

it('a command PostgreSQL ends to break a deadlock is run once more, whole, and answered once', async () => {
  const [x] = await submit(1);
  const before = await deadlocks();
  const warned = logs.length;
  // Another transaction holds the quote the decision needs, then asks for the approval the decision holds:
  // PostgreSQL ends the one that waited first (the decision), and the core runs it again.
  let holding!: () => void;
  const held = new Promise<void>((r) => {
    holding = r;
  });
  const other = d.app.database.db.transaction(async (tx) => {
    await tx.execute(sql`select id from quotes where number = ${x!.quote} for update`);
    holding();
    await lockWaits(1);
    await tx.execute(sql`select id from approvals where number = ${x!.approval} for update`);
  });
  await held;
  const approving = act('wang', `run:approval approve ${x!.approval}`);
  await other;
  const [reply] = await approving;
  expect(reply!.text).toMatch(/now approved/);
  expect((await deadlocks()) - before).toBe(1);
  const again = logs
    .slice(warned)
    .filter((l) => l.msg === 'command transaction conflicted; running it again');
  expect(again.map((l) => l.code)).toEqual(['40P01']);
  expect(logs.slice(warned).filter((l) => l.msg === 'command failed')).toEqual([]);
  // Decided once: one approve event, the quote approved once, the requester told once.
  const [n] = await d.query<{ events: number; history: number; told: number }>(`
    select
      (select count(*)::int from approval_events e join approvals a on a.id = e.approval_id
        where a.number = '${x!.approval}' and e.kind = 'approve') as events,
      (select count(*)::int from record_history h join quotes q on q.id = h.entity_id
        where h.entity = 'quote' and q.number = '${x!.quote}' and h.field = 'status' and h.new_value = 'approved')
        as history,
      (select count(*)::int from outbox where target_id = 'li' and payload->>'text' like '%${x!.quote} approved (${x!.approval})%')
        as told`);
  expect(n).toEqual({ events: 1, history: 1, told: 1 });
});
