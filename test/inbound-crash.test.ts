// The probe of issue 23, reproduced: the app in a child process with Slack in HTTP mode (against the fake
// Slack in this process), many signed slash commands at once, kill -9 once some were answered 200, a restart
// on the same database. Every command that was answered 200 must take effect exactly once, none twice, and
// the person is told in their DM about those done after the restart.
import { type ChildProcess, spawn } from 'node:child_process';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.ts';
import { FakeSlack } from './fakes/slack/server.ts';
import { SlackSigner } from './fakes/slack/signer.ts';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';

const LI = 'U0LI';
const ADMIN = 'U0ADMIN';
const SALES = 'C0SALES';
const N = 60;

let url: string;
let sql: postgres.Sql;
let slack: FakeSlack;
const children = new Set<ChildProcess>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(fn: () => Promise<T | false | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(200);
  }
}

beforeAll(async () => {
  slack = new FakeSlack();
  await slack.start();
  slack.addUser(LI, 'li', 'Li Lei', 'li@example.com');
  slack.addUser(ADMIN, 'admin', 'Admin', 'admin@example.com');
  slack.addChannel(SALES, 'sales', [LI, ADMIN]);
  url = await freshDatabaseUrl();
  const database = await openDatabase({ databaseUrl: url });
  await database.migrate();
  await database.close();
  sql = postgres(url, { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await sql?.end();
  await slack?.stop();
  if (url) await dropDatabase(url);
});

function startChild(): Promise<{ child: ChildProcess; signer: SlackSigner }> {
  // node --import tsx: one process, so kill -9 kills the app itself and not a wrapper.
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/slack-app.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      // A small pool: commands queue for the database after their ack, as under load.
      DATABASE_POOL_MAX: '2',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ADMINS: `slack:${ADMIN}`,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      SLACK_API_RETRIES: '0',
      SLACK_APP_TOKEN: '',
      REDIS_URL: '',
      CONSOLE: 'off',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /ready (\S+)/.exec(out);
      if (m) resolve({ child, signer: new SlackSigner(`${m[1]}/slack/events`, slack.signingSecret) });
    });
    child.once('exit', (code) => reject(new Error(`app exited with ${code}`)));
  });
}

const command = (signer: SlackSigner, user: string, text: string) =>
  signer.form(slack.slashCommand(user, SALES, '/crm', text));

const rows = async () =>
  new Map(
    (
      await sql<{ name: string; n: number }[]>`
        select name, count(*)::int as n from customers where name like 'Probe Co %' group by name`
    ).map((r) => [r.name, r.n]),
  );

it('every slash command answered 200 before a kill -9 takes effect once after the restart; none twice', async () => {
  const a = await startChild();
  // li appears, then the admin makes li a sales rep (each awaited in the database).
  expect((await command(a.signer, LI, 'me lang=en')).status).toBe(200);
  await until(
    async () => (await sql`select 1 from identities where external_id = ${LI}`).length > 0,
    30_000,
    'li known',
  );
  expect((await command(a.signer, ADMIN, `admin role <@${LI}|li> sales_rep`)).status).toBe(200);
  await until(
    async () =>
      (
        await sql`select 1 from people p join identities i on i.person_id = p.id
                 where i.external_id = ${LI} and p.role = 'sales_rep'`
      ).length > 0,
    30_000,
    'li a sales rep',
  );

  const ok = new Set<number>();
  const sent = Array.from(
    { length: N },
    (_, i) =>
      command(a.signer, LI, `customer add name="Probe Co ${i}"`)
        .then((r) => {
          if (r.status === 200) ok.add(i);
        })
        .catch(() => {}), // the connection dies with the process
  );
  await until(async () => ok.size >= N / 4, 60_000, 'a quarter answered 200');
  a.child.kill('SIGKILL');
  await Promise.all(sent);
  const atKill = await rows();
  const acked = [...ok];
  const lostAtKill = acked.filter((i) => !atKill.has(`Probe Co ${i}`)).length;
  console.log(`kill -9: ${acked.length} answered 200, ${atKill.size} done at the kill, ${lostAtKill} owed`);

  await startChild();
  // The recovery sweep waits out the dead process's lease (30 s) before it takes its events.
  await until(
    async () => {
      const now = await rows();
      return acked.every((i) => now.get(`Probe Co ${i}`) === 1);
    },
    180_000,
    'every command answered 200 done',
  );
  // Nothing left owed: every recorded command is done (or was never recorded: it was not answered 200).
  await until(
    async () => (await sql`select 1 from inbound_events where done_at is null`).length === 0,
    60_000,
    'no open inbound events',
  );
  const after = await rows();
  for (const i of acked) expect(after.get(`Probe Co ${i}`), `Probe Co ${i}`).toBe(1);
  expect([...after.values()].filter((n) => n > 1)).toEqual([]);
  // Each one done after the restart was announced to li in the DM, saying so.
  if (lostAtKill > 0) {
    const dm = slack.dmOf(LI).id;
    await until(
      async () =>
        slack.messagesIn(dm).filter((m) => m.text.includes('just before a restart')).length >= lostAtKill,
      // The DM is paced at about one message a second, as Slack's fake enforces.
      60_000 + 2_000 * lostAtKill,
      'the restart notes in the DM',
    );
  }
}, 400_000);
