// Firing due reminders in batches (the worker's path): one transaction writes every post in due order,
// posts to chats with nothing waiting come back already claimed for the caller to send, posts to a chat
// with an earlier message waiting queue behind it unless the caller holds all of those, and a job whose
// occurrence another worker holds is told to look again ('busy'), not that it was done.
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { beforeEach, expect, it } from 'vitest';
import { outboxWriter } from '../src/core/outbox.ts';
import { rowsOf } from '../src/db/rows.ts';
import { seedBasics } from '../src/db/seed.ts';
import { fireOccurrences } from '../src/schedule/fire.ts';
import { useMigratedDatabase } from './helpers/pg.ts';

const org = { name: 'T', locale: 'en' as const, timezone: 'Asia/Shanghai', currency: 'CNY' };
let n = 0;

const fresh = useMigratedDatabase((d) => seedBasics(d.db, org));
beforeEach(async () => {
  await fresh.database.db.execute(sql`delete from outbox`);
  await fresh.database.db.execute(sql`delete from reminder_occurrences`);
  await fresh.database.db.execute(sql`delete from reminders`);
});

/** A due reminder to a chat; returns its occurrence id. */
async function due(chat: string, text: string, secondsAgo: number): Promise<number> {
  n++;
  const res = await fresh.database.db.execute(sql`
    with r as (
      insert into reminders (number, kind, target_kind, target_platform, target_tenant, target_chat_id, text,
        timezone, urgent)
      values (${`RT-${n}`}, 'personal', 'chat', 'fake', '', ${chat}, ${text}, 'Asia/Shanghai', true)
      returning id)
    insert into reminder_occurrences (reminder_id, due_at)
    select id, now() - make_interval(secs => ${secondsAgo}) from r returning id`);
  return Number(rowsOf<{ id: string | number }>(res)[0]!.id);
}

type Stored = { id: number; state: string; target_id: string; text: string };
async function stored(): Promise<Stored[]> {
  return rowsOf<Stored>(
    await fresh.database.db.execute(sql`
      select id::int as id, state, target_id, payload->>'text' as text from outbox order by id`),
  ).map((r) => ({ ...r, id: Number(r.id) }));
}

it('writes a batch in due order; free chats come back claimed, a chat with a message waiting queues', async () => {
  // An earlier message to chat B is waiting (written by a command, not held by this worker).
  await fresh.database.db.transaction((tx) =>
    outboxWriter(tx, org, 'fake').send({ kind: 'chat', platform: 'fake', tenant: '', chatId: 'B' }, () => ({
      text: 'earlier to B',
    })),
  );
  const first = await due('A', 'a1', 30);
  await due('B', 'b1', 20);
  await due('A', 'a2', 10);

  const fired = await fireOccurrences(fresh.database.db, first, { batch: 10, leaseMs: 15_000 });

  expect(fired.self).toBe('fired');
  expect(fired.fired).toBe(3);
  const rows = await stored();
  expect(rows.map((r) => [r.target_id, r.state])).toEqual([
    ['B', 'pending'],
    ['A', 'sending'],
    ['B', 'pending'],
    ['A', 'sending'],
  ]);
  expect(rows.slice(1).every((r) => r.text.includes(r.target_id === 'A' ? 'a' : 'b1'))).toBe(true);
  // What the caller gets back is what was stored: same ids, states and messages, in due order.
  expect(fired.outbox.map((r) => [r.id, r.targetId, r.state, (r.payload as { text: string }).text])).toEqual(
    rows.slice(1).map((r) => [r.id, r.target_id, r.state, r.text]),
  );
  expect(fired.outbox.every((r) => r.state !== 'sending' || r.nextAttemptAt.getTime() > Date.now())).toBe(
    true,
  );
});

it('joins a chat whose waiting messages the caller holds itself, and not one where it holds fewer', async () => {
  const first = await due('A', 'a1', 30);
  await due('B', 'b1', 29);
  const one = await fireOccurrences(fresh.database.db, first, { batch: 10, leaseMs: 15_000 });
  expect(one.outbox.map((r) => r.state)).toEqual(['sending', 'sending']);

  // The caller still holds a1 (A) but B's message is someone else's now (say, handed to the queue).
  const held = new Set(one.outbox.filter((r) => r.targetId === 'A').map((r) => r.id));
  const next = await due('A', 'a2', 5);
  await due('B', 'b2', 4);
  const two = await fireOccurrences(fresh.database.db, next, {
    batch: 10,
    leaseMs: 15_000,
    ownedHere: (id) => held.has(id),
  });
  expect(two.outbox.map((r) => [r.targetId, r.state])).toEqual([
    ['A', 'sending'],
    ['B', 'pending'],
  ]);
});

it("says 'busy' while another worker holds the occurrence, 'skipped' once it was fired", async () => {
  const id = await due('A', 'held', 10);
  const other = await due('A', 'free', 5);
  const holder = postgres(fresh.url, { max: 1, onnotice: () => {} });
  try {
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const tx = holder.begin(async (t) => {
      await t`select id from reminder_occurrences where id = ${id} for update`;
      locked();
      await released;
    });
    await isLocked;
    const busy = await fireOccurrences(fresh.database.db, id, { batch: 10, leaseMs: 15_000 });
    expect(busy.self).toBe('busy');
    // The one nobody held went out in the same call.
    expect(busy.claimed).toEqual([other]);
    release();
    await tx;
  } finally {
    await holder.end();
  }
  const now = await fireOccurrences(fresh.database.db, id, { batch: 10, leaseMs: 15_000 });
  expect(now.self).toBe('fired');
  const again = await fireOccurrences(fresh.database.db, id, { batch: 10, leaseMs: 15_000 });
  expect(again).toMatchObject({ self: 'skipped', fired: 0 });
});

it('a batch to people and departments reaches each as a single message would', async () => {
  // Two people (one with two platforms: the first is used; one in Chinese), one who left, and the
  // finance department bound to two chats.
  const person = async (name: string, locale: string | null, active: boolean, ids: [string, string][]) => {
    const res = await fresh.database.db.execute(sql`
      insert into people (name, locale, active) values (${name}, ${locale}, ${active}) returning id`);
    const id = Number(rowsOf<{ id: number }>(res)[0]!.id);
    for (const [platform, ext] of ids)
      await fresh.database.db.execute(sql`
        insert into identities (person_id, platform, tenant, external_id) values (${id}, ${platform}, '', ${ext})`);
    return id;
  };
  const ann = await person('Ann', 'en', true, [
    ['slack', 'U-ANN'],
    ['dingtalk', 'D-ANN'],
  ]);
  const li = await person('Li', 'zh', true, [['wecom', 'W-LI']]);
  const gone = await person('Gone', 'en', false, [['slack', 'U-GONE']]);
  const [fin] = rowsOf<{ id: number }>(
    await fresh.database.db.execute(sql`select id from departments where code = 'finance'`),
  );
  for (const chat of ['FIN-1', 'FIN-2'])
    await fresh.database.db.execute(sql`
      insert into chat_bindings (platform, tenant, chat_id, department_id) values ('slack', '', ${chat}, ${fin!.id})`);
  const targets = [
    sql`'person', ${ann}, null`,
    sql`'person', ${li}, null`,
    sql`'person', ${gone}, null`,
    sql`'department', null, 'finance'`,
    sql`'person', ${ann}, null`,
  ];
  let first = 0;
  for (const [i, t] of targets.entries()) {
    n++;
    const res = await fresh.database.db.execute(sql`
      with r as (
        insert into reminders (number, kind, target_kind, target_person_id, target_department, text, timezone, urgent)
        values (${`RT-${n}`}, 'personal', ${t}, ${`to #${i}`}, 'Asia/Shanghai', true) returning id)
      insert into reminder_occurrences (reminder_id, due_at)
      select id, now() - make_interval(secs => ${60 - i}) from r returning id`);
    if (i === 0) first = Number(rowsOf<{ id: number }>(res)[0]!.id);
  }

  const fired = await fireOccurrences(fresh.database.db, first, { batch: 10, leaseMs: 15_000 });
  expect(fired.fired).toBe(5);
  const got = fired.outbox.map((r) => [r.platform, r.targetKind, r.targetId, r.locale, r.audience]);
  expect(got).toEqual([
    ['slack', 'user', 'U-ANN', 'en', 'private'],
    ['wecom', 'user', 'W-LI', 'zh', 'private'],
    ['slack', 'chat', 'FIN-1', 'en', 'group'],
    ['slack', 'chat', 'FIN-2', 'en', 'group'],
    ['slack', 'user', 'U-ANN', 'en', 'private'],
  ]);
  // The same targets written one by one (the path a command takes) give the same addresses.
  await fresh.database.db.execute(sql`delete from outbox`);
  await fresh.database.db.transaction(async (tx) => {
    const w = outboxWriter(tx, org, '');
    for (const t of [
      { kind: 'person' as const, personId: ann },
      { kind: 'person' as const, personId: li },
      { kind: 'person' as const, personId: gone },
      { kind: 'department' as const, code: 'finance' as const },
      { kind: 'person' as const, personId: ann },
    ])
      await w.send(t, () => ({ text: 'x' }));
  });
  const one = rowsOf<{
    platform: string;
    target_kind: string;
    target_id: string;
    locale: string;
    audience: string;
  }>(
    await fresh.database.db.execute(sql`
      select platform, target_kind, target_id, locale, audience from outbox order by id`),
  ).map((r) => [r.platform, r.target_kind, r.target_id, r.locale, r.audience]);
  expect(one).toEqual(got);
});
