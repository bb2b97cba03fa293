// Behind PgBouncer in transaction mode (issue 18), Debian's pgbouncer 1.18 started here: a server
// connection serves one transaction and then another client, so nothing may rely on the session. What
// does is given its own URL (DATABASE_SESSION_URL: the migration lock, the long-connection locks, pg_dump)
// and named prepared statements are turned off (DATABASE_PREPARE=off; PgBouncer has them only from 1.21).
// The whole command path then runs through the pooler: commands from several people at once, each in
// one transaction with its savepoints, refusals rolled back.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';
import { freePort, listening } from './helpers/spawned.ts';

const PGBOUNCER = '/usr/sbin/pgbouncer';
const installed = existsSync(PGBOUNCER);

let dir: string;
let bouncer: ChildProcess | undefined;
let direct: string;
let pooled: string;
let d: Driver | undefined;
let log = '';

beforeAll(async () => {
  if (!installed) return;
  direct = await freshDatabaseUrl();
  const port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'sr-pgbouncer-'));
  const ini = join(dir, 'pgbouncer.ini');
  writeFileSync(
    ini,
    [
      '[databases]',
      '* = host=127.0.0.1 port=5432 user=postgres',
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = any',
      'pool_mode = transaction',
      'default_pool_size = 4',
      'max_client_conn = 200',
      'admin_users = postgres',
      'ignore_startup_parameters = extra_float_digits',
      '',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root; -u drops to an unprivileged user.
  const args = process.getuid?.() === 0 ? ['-u', 'nobody', ini] : [ini];
  bouncer = spawn(PGBOUNCER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  bouncer.stderr!.on('data', (b: Buffer) => {
    log += b.toString();
  });
  for (let i = 0; i < 50 && !(await listening(port)); i++) await new Promise((r) => setTimeout(r, 100));
  const u = new URL(direct);
  u.port = String(port);
  pooled = u.toString();
  d = await startDriver({
    env: {
      DATABASE_URL: pooled,
      DATABASE_SESSION_URL: direct,
      DATABASE_PREPARE: 'off',
      DATABASE_POOL_MAX: '8',
    },
  });
}, 120_000);

afterAll(async () => {
  await d?.close();
  bouncer?.kill('SIGTERM');
  if (direct) await dropDatabase(direct);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it.skipIf(!installed)(
  'the app migrates, starts and runs commands through PgBouncer in transaction mode',
  async () => {
    // Through the pooler: PgBouncer's own view shows our client connections on it.
    expect(log).not.toMatch(/FATAL|ERROR/);
    const reply = await d!.say('li', 'customer add name="Bouncer Co"');
    expect(reply.text).toMatch(/C-\d{4}/);
    // Many people at once: more transactions than the pool's 4 server connections.
    const texts = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        d!.say(i % 2 ? 'li' : 'chen', `customer add name="Pooled ${i}"`).then((m) => m.text),
      ),
    );
    expect(texts.every((t) => /C-\d{4}/.test(t))).toBe(true);
    // A refusal rolls back (a savepoint through the pooler) and the next command goes on.
    const bad = await d!.say('li', 'quote new customer=C-9999 item="X | Y | 1 | 10"');
    expect(bad.text).toMatch(/C-9999/);
    const quote = await d!.say('li', 'quote new customer=C-0001 item="Sensor | X200 | 2 | 35.5"');
    expect(quote.text).toMatch(/Q-\d{4}/);
    const rows = await d!.query<{ n: number }>(
      `select count(*)::int as n from customers where name like 'Pooled %'`,
    );
    expect(rows[0]!.n).toBe(24);
    const numbers = await d!.query<{ n: number; distinct: number }>(
      'select count(*)::int as n, count(distinct number)::int as distinct from customers',
    );
    expect(numbers[0]!.n).toBe(numbers[0]!.distinct);
  },
);
