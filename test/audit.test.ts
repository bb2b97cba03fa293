// The audit log (R-SEC-2): append-only (the database refuses UPDATE, DELETE and TRUNCATE), chained (each
// row carries the previous row's hash, so `audit verify` names the first row changed or removed by someone
// with direct database access), reads of confidential data audited, and the audit commands for admins and
// supervisors only. On PostgreSQL and on PGlite.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

/** Chains what was committed, as the app does every few seconds (and audit verify before it checks). */
const seal = (d: Driver) => d.query(`select audit_log_seal()`);

const lastAudit = async (d: Driver) =>
  (
    await d.query<{ action: string; entity: string | null; detail: Record<string, unknown> }>(
      `select action, entity, detail from audit_log order by id desc limit 1`,
    )
  )[0];

/** What a superuser could do: switch the append-only trigger off, change the table, switch it on again. */
async function tamper(d: Driver, statement: string): Promise<void> {
  await d.query(`alter table audit_log disable trigger audit_log_append_only`);
  try {
    await d.query(statement);
  } finally {
    await d.query(`alter table audit_log enable trigger audit_log_append_only`);
  }
}

async function refusedMessage(d: Driver, statement: string): Promise<string> {
  try {
    await d.query(statement);
  } catch (err) {
    const e = err as Error & { cause?: Error };
    return `${e.message} ${e.cause?.message ?? ''}`;
  }
  return 'not refused';
}

function chainSuite(name: string, pglite: boolean) {
  describe(name, () => {
    let d: Driver;
    beforeAll(async () => {
      d = await startDriver({ pglite });
      for (const who of ['li', 'zhao', 'admin', 'zhou']) await d.say(who, 'me lang=en');
      await d.say(
        'li',
        'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000 email=lei@acme.test',
      );
      await d.say('li', 'customer update C-0001 address="1 Harbour Rd"');
      await d.say('li', 'lead add customer=C-0001 source=expo desc="X200 sensors"');
      await d.say('li', 'customer share C-0001 to=finance fields=contacts');
    });
    afterAll(() => d?.close());

    it("a finance member's customer show is in audit list record=C-0001; a rep's audit list is refused", async () => {
      expect((await d.say('zhao', 'customer show C-0001')).text).toContain('13800000000');
      expect((await d.say('admin', 'audit list record=C-0001')).text).toMatch(
        /Zhao Yun 赵云 · read C-0001: contacts · console private/,
      );
      expect((await d.say('li', 'audit list')).text).toMatch(/may not use "audit list"/);
      expect(await lastAudit(d)).toMatchObject({ action: 'denied', entity: 'audit' });
    });

    it.skipIf(pglite)('concurrent writers form one chain', async () => {
      // Separate connections of the pool, each its own transaction: the chain head's lock orders them.
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          d.query(`insert into audit_log (action, detail) values ('test.concurrent', '{"n": ${i}}')`),
        ),
      );
      await seal(d);
      const [n] = await d.query<{ rows: number; seqs: number; top: number }>(
        `select count(*)::int as rows, count(distinct seq)::int as seqs, max(seq)::int as top from audit_log`,
      );
      expect(n).toEqual({ rows: n!.top, seqs: n!.top, top: n!.top });
      expect((await d.say('admin', 'audit verify')).text).toMatch(/intact/);
    });

    it.skipIf(pglite)(
      'a transaction that wrote an audit row and is still open holds back no other writer',
      async () => {
        // Writers take no lock on the chain: an audited command waits for no other audited command.
        const a = postgres(d.app.config.databaseUrl!, { max: 1, onnotice: () => {} });
        const b = postgres(d.app.config.databaseUrl!, { max: 1, onnotice: () => {} });
        try {
          let release!: () => void;
          const held = new Promise<void>((r) => {
            release = r;
          });
          let written!: () => void;
          const wrote = new Promise<void>((r) => {
            written = r;
          });
          const open = a.begin(async (tx) => {
            await tx`insert into audit_log (action) values ('test.open')`;
            written();
            await held;
          });
          await wrote;
          // With a lock held to the commit this would wait for the open transaction and hit the timeout.
          await b.begin(async (tx) => {
            await tx`set local statement_timeout = '10s'`;
            await tx`insert into audit_log (action) values ('test.beside')`;
          });
          release();
          await open;
          await seal(d);
          const rows = await d.query<{ action: string; sealed: boolean }>(
            `select action, hash is not null as sealed from audit_log where action like 'test.%' and action <> 'test.concurrent'`,
          );
          expect(rows.sort((x, y) => x.action.localeCompare(y.action))).toEqual([
            { action: 'test.beside', sealed: true },
            { action: 'test.open', sealed: true },
          ]);
          expect((await d.say('admin', 'audit verify')).text).toMatch(/intact/);
        } finally {
          await a.end();
          await b.end();
        }
      },
    );

    it("a writer cannot place its row in the chain: seq and hashes are the sealer's", async () => {
      await d.query(
        `insert into audit_log (action, seq, prev_hash, hash) values ('test.forged', 999999, 'x', 'y')`,
      );
      const [row] = await d.query<{ seq: string | null; hash: string | null }>(
        `select seq, hash from audit_log where action = 'test.forged'`,
      );
      expect(row).toEqual({ seq: null, hash: null });
      await seal(d);
      expect((await d.say('admin', 'audit verify')).text).toMatch(/intact/);
    });

    it('every row is chained by the database: seq without gaps, each prev_hash the hash before', async () => {
      await seal(d);
      const rows = await d.query<{ seq: string; prev_hash: string; hash: string }>(
        `select seq::text, prev_hash, hash from audit_log order by audit_log.seq`,
      );
      expect(rows.length).toBeGreaterThan(1);
      rows.forEach((r, i) => {
        expect(Number(r.seq)).toBe(i + 1);
        expect(r.prev_hash).toBe(i === 0 ? '0'.repeat(64) : rows[i - 1]!.hash);
        expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
      });
    });

    it('UPDATE, DELETE and TRUNCATE through SQL are refused by the trigger', async () => {
      for (const [op, statement] of [
        ['UPDATE', `update audit_log set action = 'nothing happened'`],
        ['DELETE', `delete from audit_log where id = (select min(id) from audit_log)`],
        ['TRUNCATE', `truncate audit_log`],
      ] as const) {
        expect(await refusedMessage(d, statement)).toContain(`audit_log is append-only: ${op} is refused`);
      }
      expect((await d.say('admin', 'audit verify')).text).toMatch(/intact/);
    });

    it('a row changed with the trigger disabled is named by audit verify', async () => {
      const before = await d.say('admin', 'audit verify');
      expect(before.text).toMatch(/The audit log is intact: \d+ entries/);
      const [victim] = await d.query<{ id: string }>(
        `select id::text from audit_log where action = 'customer.add' order by id limit 1`,
      );
      await tamper(d, `update audit_log set detail = '{"forged": true}' where id = ${victim!.id}`);
      const after = await d.say('admin', 'audit verify');
      expect(after.text).toContain(`entry #${victim!.id} `);
      expect(after.text).toMatch(/was changed after it was written/);
    });
  });
}

chainSuite('the audit chain on PostgreSQL', false);
chainSuite('the audit chain on PGlite', true);

describe('audit verify finds removed rows', () => {
  let d: Driver;
  beforeAll(async () => {
    d = await startDriver();
    await d.say('admin', 'me lang=en');
    for (const n of [1, 2, 3]) await d.say('admin', `customer add name="Firm ${n}"`);
  });
  afterAll(() => d?.close());

  it('a row removed from the middle, then the last row removed', async () => {
    await seal(d);
    const ids = (await d.query<{ id: string }>(`select id::text from audit_log order by seq`)).map(
      (r) => r.id,
    );
    expect(ids.length).toBeGreaterThanOrEqual(3);
    // The audit verify commands themselves write nothing, so the chain ends where it ended.
    await tamper(d, `delete from audit_log where id = ${ids[1]}`);
    expect((await d.say('admin', 'audit verify')).text).toMatch(
      new RegExp(`1 entry before entry #${ids[2]} .*is missing`),
    );
  });

  it('only the newest rows removed: the chain head still knows them', async () => {
    const d2 = await startDriver();
    try {
      await d2.say('admin', 'me lang=en');
      await d2.say('admin', 'customer add name="Tail Ltd"');
      await d2.say('admin', 'customer add name="Last Ltd"');
      await seal(d2);
      const ids = (await d2.query<{ id: string }>(`select id::text from audit_log order by seq`)).map(
        (r) => r.id,
      );
      await tamper(d2, `delete from audit_log where id = ${ids.at(-1)}`);
      expect((await d2.say('admin', 'audit verify')).text).toMatch(
        new RegExp(`the last entry after entry #${ids.at(-2)} .*is missing`),
      );
      // Removing the head as well does not make the shortened chain look whole.
      await d2.query(`delete from audit_chain`);
      expect((await d2.say('admin', 'audit verify')).text).toMatch(/head of the chain .* is missing/);
    } finally {
      await d2.close();
    }
  });
});

describe('the audit commands', () => {
  let d: Driver;
  beforeAll(async () => {
    d = await startDriver();
    for (const who of ['li', 'zhao', 'admin', 'zhou', 'chen']) await d.say(who, 'me lang=en');
    await d.say('li', 'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000 email=lei@acme.test');
    await d.say('li', 'customer share C-0001 to=finance fields=contacts');
    await d.say('admin', 'admin role @zhou supervisor');
  });
  afterAll(() => d?.close());

  it("a finance member's customer show appears in audit list record=C-0001", async () => {
    expect((await d.say('zhao', 'customer show C-0001')).text).toContain('13800000000');
    const list = await d.say('admin', 'audit list record=C-0001');
    expect(list.text).toMatch(/Zhao Yun 赵云 · read C-0001: contacts · console private/);
    expect(list.text).toMatch(/Li Lei 李雷 · customer.add C-0001/);
    const reads = await d.say('admin', 'audit list record=C-0001 kind=read who=@zhao');
    expect(reads.text).toMatch(/read C-0001/);
    expect(reads.text).not.toMatch(/customer.add/);
  });

  it("a rep's audit list is refused, and the refusal is in the log", async () => {
    const r = await d.say('chen', 'audit list');
    expect(r.text).toMatch(/may not use "audit list"/);
    expect(await lastAudit(d)).toMatchObject({ action: 'denied', entity: 'audit' });
    expect((await d.say('zhao', 'audit verify')).text).toMatch(/may not use "audit verify"/);
    const denied = await d.say('zhou', 'audit list kind=denied');
    expect(denied.text).toMatch(/Chen Jing 陈静 · refused: audit list/);
    expect(denied.text).toMatch(/Zhao Yun 赵云 · refused: audit verify/);
  });

  it('audit show gives the whole trail of a record: its changes and its reads', async () => {
    await d.say('li', 'customer update C-0001 address="1 Harbour Rd"');
    const trail = await d.say('zhou', 'audit show c-1');
    expect(trail.text).toMatch(/Trail of C-0001/);
    expect(trail.text).toMatch(/address: — → 1 Harbour Rd/);
    expect(trail.text).toMatch(/read C-0001: contacts/);
    expect(trail.text).toMatch(/customer.update C-0001/);
    await d.say('zhou', 'me lang=zh');
    expect((await d.say('zhou', '审计 查看 C-0001')).text).toMatch(/C-0001 的轨迹（修改与查看/);
  });

  it('audit list pages 20 a time, newest first, and refuses bad filters writing nothing', async () => {
    for (let i = 0; i < 21; i++) await d.say('zhao', 'customer show C-0001');
    const first = await d.say('admin', 'audit list kind=read');
    expect(first.text).toMatch(/page 1 of 2, 22 entries/);
    expect(first.text.split('\n').filter((l) => l.startsWith('#'))).toHaveLength(20);
    expect(first.text).toMatch(/page=2/);
    const ids = [...first.text.matchAll(/^#(\d+) /gm)].map((m) => Number(m[1]));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const second = await d.say('admin', 'audit list kind=read page=2');
    expect(second.text.split('\n').filter((l) => l.startsWith('#'))).toHaveLength(2);
    const rows = async () => (await d.query<{ n: number }>(`select count(*)::int n from audit_log`))[0]!.n;
    const before = await rows();
    expect((await d.say('admin', 'audit list page=0')).text).toMatch(/not a page number/);
    expect((await d.say('admin', 'audit list record=nonsense')).text).toMatch(/not a record number/);
    expect((await d.say('admin', 'audit list since=someday')).text).toMatch(/not a date/);
    expect((await d.say('admin', '审计 列表 页=9')).text).toMatch(/past the end/);
    expect(await rows()).toBe(before);
    expect((await d.say('admin', `audit list since=2000-01-01 until=2000-01-02`)).text).toMatch(
      /No audit entries/,
    );
  });
});

describe('reads of confidential data are audited, one row per record and read', () => {
  let d: Driver;
  const reads = (ref: string) =>
    d.query<{ who: string; fields: string[]; platform: string; chat_kind: string }>(
      `select p.handle as who, a.detail->'fields' as fields, a.detail->>'platform' as platform,
              a.detail->>'chatKind' as chat_kind
       from audit_log a join people p on p.id = a.person_id
       where a.action = 'read.confidential' and a.entity_ref = '${ref}' order by a.id`,
    );
  beforeAll(async () => {
    d = await startDriver();
    for (const who of ['li', 'zhao', 'admin', 'qian', 'sun']) await d.say(who, 'me lang=en');
    await d.say('li', 'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000 email=lei@acme.test');
    await d.say('li', 'customer update C-0001 budget=500000');
    await d.say('li', 'quote new customer=C-0001 item="Sensor | X200 | 10 | 35.5"');
    await d.say('li', 'order new customer=C-0001 item="Sensor | X200 | 10 | 35.5"');
  });
  afterAll(() => d?.close());

  it('customer show: every private read its own row; a group reply masks them, so records none', async () => {
    await d.say('li', 'customer show C-0001');
    await d.say('li', 'customer show C-0001');
    await d.say('li', 'customer show C-0001', 'sales');
    const shown = ['contacts', 'intent', 'budget', 'history'];
    expect(await reads('C-0001')).toEqual([
      { who: 'li', fields: shown, platform: 'console', chat_kind: 'dm' },
      { who: 'li', fields: shown, platform: 'console', chat_kind: 'dm' },
    ]);
  });

  it('quote show and list, order show and list: prices and totals', async () => {
    await d.say('zhao', 'quote show Q-0001');
    await d.say('zhao', 'quote list');
    await d.say('li', 'order show SO-0001');
    await d.say('li', 'order list');
    expect(await reads('Q-0001')).toEqual([
      { who: 'zhao', fields: ['prices', 'total'], platform: 'console', chat_kind: 'dm' },
      { who: 'zhao', fields: ['total'], platform: 'console', chat_kind: 'dm' },
    ]);
    expect(await reads('SO-0001')).toEqual([
      { who: 'li', fields: ['prices', 'total', 'paid', 'outstanding'], platform: 'console', chat_kind: 'dm' },
      { who: 'li', fields: ['total'], platform: 'console', chat_kind: 'dm' },
    ]);
    const list = await d.say('admin', 'audit list kind=read who=@zhao');
    expect(list.text).toMatch(/read Q-0001: total · console private/);
    expect(list.text).toMatch(/read Q-0001: prices, total · console private/);
    expect(list.text).not.toMatch(/SO-0001/);
  });

  it('who sees no prices reads none: production’s order show writes no read row', async () => {
    // Released to production the short way (the approval itself is not what this test is about).
    await d.query(`update orders set status = 'confirmed' where number = 'SO-0001'`);
    const before = (await reads('SO-0001')).length;
    const shown = await d.say('sun', 'order show SO-0001');
    expect(shown.text).toMatch(/Order SO-0001/);
    expect(shown.text).not.toMatch(/355/);
    expect((await d.say('sun', 'order list')).text).toMatch(/SO-0001/);
    expect(await reads('SO-0001')).toHaveLength(before);
    expect((await d.say('li', 'order show SO-0001')).text).toMatch(/355/);
    expect(await reads('SO-0001')).toHaveLength(before + 1);
  });

  it('confidential intel read in a private chat is audited; in a group, where it is hidden, not', async () => {
    await d.say(
      'qian',
      'intel add kind=competitor title="Rival price cut" body="X200 now 29.9" level=confidential share=sales',
    );
    expect((await d.say('li', 'intel list', 'sales')).text).not.toContain('X200 now 29.9');
    expect(await reads('I-0001')).toEqual([]);
    expect((await d.say('li', 'intel list')).text).toContain('X200 now 29.9');
    expect(await reads('I-0001')).toEqual([
      { who: 'li', fields: ['body'], platform: 'console', chat_kind: 'dm' },
    ]);
  });
});
