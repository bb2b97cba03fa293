// Statements per command, per kind, counted by the bench itself with postgres.js's `debug` hook (called as
// each statement is sent), in small sequential passes after the measured runs: one command at a time, so
// every statement sent between a command's start and its reply (and a moment after) is that command's.
//
// - Through the core: a Core of its own on a second connection (openDatabase's `debug` option), one
//   connection, as the console users li and chen.
// - Through the chat platform (--platform): the started app's own pool, the hook set on its postgres.js
//   options (drizzle keeps the client as `$client`), the commands sent through the adapter and its fake. The
//   app's background work (housekeeping, delivery, locks) would be counted too if it ran during the pass: the
//   statements seen in a quiet second before the pass are printed as well.
//
// Round trips: postgres.js writes what was queued in one turn of the event loop together (it flushes on
// setImmediate), so statements sent in the same turn on the same connection are one round trip; on the
// core's own connection, a statement with parameters that the connection has not prepared yet costs one
// more (Parse/Describe first, then Bind/Execute). Each pass starts with commands that are not counted, so
// the hot statements are prepared.
import type { Core } from '../../src/core/engine.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { coreSender, KIND_NAMES, KINDS, type Kind, type Send, Workload } from './workload.ts';

export type Counted = {
  kind: Kind;
  statements: number;
  trips: number;
  /** Statements outside a begin … commit on their connection. */
  outside: number;
  texts: string[];
};

type Debug = NonNullable<Parameters<typeof openDatabase>[0]['debug']>;

class Counter {
  private current: Omit<Counted, 'kind'> | null = null;
  private turn = 0;
  private turnPending = false;
  private lastTrip = '';
  private readonly prepared = new Set<string>();
  private readonly inTx = new Set<number>();
  /** Statements seen while no command was being counted. */
  idle = 0;

  constructor(private readonly tracksPrepared: boolean) {}

  readonly hook: Debug = (connection, query, parameters, types) => {
    if (!this.turnPending) {
      this.turnPending = true;
      setImmediate(() => {
        this.turn++;
        this.turnPending = false;
      });
    }
    const signature = `${connection}|${types.join(',')}|${query}`;
    const describeFirst = this.tracksPrepared && parameters.length > 0 && !this.prepared.has(signature);
    this.prepared.add(signature);
    const word = query.trimStart().slice(0, 8).toLowerCase();
    const opens = word.startsWith('begin');
    const outside = !opens && !this.inTx.has(connection);
    if (opens) this.inTx.add(connection);
    if (word.startsWith('commit') || word.startsWith('rollback')) {
      if (!query.toLowerCase().includes('rollback to')) this.inTx.delete(connection);
    }
    const c = this.current;
    if (!c) {
      this.idle++;
      return;
    }
    c.statements++;
    if (outside) c.outside++;
    c.texts.push(`${outside ? '(outside) ' : ''}${query.replace(/\s+/g, ' ').trim().slice(0, 90)}`);
    const trip = `${connection}:${this.turn}`;
    if (trip !== this.lastTrip) c.trips++;
    this.lastTrip = trip;
    if (describeFirst) c.trips++;
  };

  /** Runs a workload's commands one at a time, counting those from `warm` × 4 on. */
  async pass(work: Workload, opts: { perKind: number; warm: number; from: number; settleMs: number }) {
    const counted: Counted[] = [];
    const total = (opts.warm + opts.perKind) * KINDS.length;
    for (let k = 0; k < total; k++) {
      const counting = k >= opts.warm * KINDS.length;
      this.current = counting ? { statements: 0, trips: 0, outside: 0, texts: [] } : null;
      this.lastTrip = '';
      const { kind, ok } = await work.run(opts.from + k);
      // Anything the command left queued is sent within this turn or the next (the app: a moment after).
      await new Promise((r) => (opts.settleMs ? setTimeout(r, opts.settleMs) : setImmediate(r)));
      if (this.current && ok) counted.push({ kind, ...this.current });
      this.current = null;
    }
    return {
      counted,
      failed: work.failed,
      failures: [...work.failures].map(([reply, f]) => `${f.count}× ${reply}`),
    };
  }
}

export type CountResult = Awaited<ReturnType<Counter['pass']>> & { idlePerSecond?: number };

/** Through the core, on a connection of its own. */
export async function countStatements(opts: {
  url: string;
  /** Builds the Core on the counting database, as the measured run builds its own. */
  core: (database: Database) => Core;
  eventIds: boolean;
  perKind: number;
  warm: number;
  /** The first command number (after the measured runs', so names and phones are new). */
  from: number;
}): Promise<CountResult> {
  const counter = new Counter(true);
  const database = await openDatabase({ databaseUrl: opts.url, maxConnections: 1, debug: counter.hook });
  try {
    const core = opts.core(database);
    for (const [p, name] of ['li', 'chen'].entries()) {
      const reply = await coreSender(core, ['li', 'chen'], false)(p, 'me lang=en');
      if (!reply.startsWith('Saved.')) throw new Error(`me lang=en for ${name}: ${reply}`);
    }
    const work = new Workload(coreSender(core, ['li', 'chen'], opts.eventIds), 2, false);
    return await counter.pass(work, { ...opts, settleMs: 0 });
  } finally {
    await database.close();
  }
}

/**
 * Through a chat platform, on the started app's pool: `say` sends as one of `people` (numbers from 0) through
 * the adapter and resolves with the reply that reached the fake.
 */
export async function countThroughApp(opts: {
  db: Database['db'];
  say: Send;
  people: number;
  perKind: number;
  warm: number;
  from: number;
}): Promise<CountResult> {
  const client = (opts.db as unknown as { $client?: { options?: { debug?: unknown } } }).$client;
  if (!client?.options) throw new Error("no postgres.js client behind the app's database ($client)");
  const counter = new Counter(false);
  client.options.debug = counter.hook;
  try {
    // A quiet second first: what the app sends by itself.
    await new Promise((r) => setTimeout(r, 1000));
    const idlePerSecond = counter.idle;
    // Four commands in a row per person (customer, lead, follow on that lead, quote), people in turn.
    const work = new Workload(opts.say, opts.people, false);
    return { ...(await counter.pass(work, { ...opts, settleMs: 20 })), idlePerSecond };
  } finally {
    client.options.debug = false;
  }
}

const range = (xs: number[]) => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
};

/** The table: kind, commands counted, statements (min–max, mean), round trips (min–max), outside a tx. */
export function statementRows(counted: Counted[]): string[][] {
  const rows = [['command', 'counted', 'statements', 'mean', 'round trips', 'outside a transaction']];
  for (const kind of KINDS) {
    const of = counted.filter((c) => c.kind === kind);
    if (of.length === 0) {
      rows.push([KIND_NAMES[kind], '0', '–', '–', '–', '–']);
      continue;
    }
    const s = of.map((c) => c.statements);
    rows.push([
      KIND_NAMES[kind],
      String(of.length),
      range(s),
      (s.reduce((a, b) => a + b, 0) / s.length).toFixed(1),
      range(of.map((c) => c.trips)),
      range(of.map((c) => c.outside)),
    ]);
  }
  return rows;
}
