// admin directory import on Slack (issue 21), against the fake Slack: the adapter reads users.list page by
// page, leaves out bots, the Slackbot and deactivated people, and the import creates only on Confirm.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from './fakes/slack/harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  // More than one users.list page (the adapter asks for 200 at a time).
  for (let i = 0; i < 205; i++)
    h.slack.addUser(`U1${String(i).padStart(4, '0')}`, `p${i}`, `Person ${i}`, `p${i}@example.com`);
  h.slack.addUser('U0GONE', 'gone', 'Gone Person', 'gone@example.com');
  h.slack.deactivated.add('U0GONE');
  await h.say('admin', 'me lang=en');
});
afterAll(() => h?.close());

it('previews the workspace, creates on Confirm, without bots or deactivated people', async () => {
  const [ask] = await h.say('admin', 'admin directory import');
  const text = JSON.stringify(ask!.blocks ?? ask!.text);
  // The demo's Slack people (but the admin, who wrote already) and the 205 added: two pages were read.
  expect(text).toMatch(/213 people to create/);
  expect(text).toMatch(/Person 0 \(slack:U10000\)/);
  expect(text).toMatch(/and 193 more/);
  expect(text).not.toMatch(/Gone Person|Slackbot|SalesRelay/);
  expect(h.slack.callsTo('users.list').length).toBe(2);
  expect(await h.query(`select 1 from identities where external_id = 'U10000'`)).toEqual([]);
  const { answers } = await h.press('admin', ask!, (b) => String(b.value).startsWith('confirm:'));
  expect(answers.map((m) => m.text).join()).toMatch(/Imported 213 people from the directory/);
  const rows = await h.query<{ n: number }>(
    `select count(*)::int as n from identities i join people p on p.id = i.person_id
       where i.platform = 'slack' and p.role is null and p.email like 'p%@example.com'`,
  );
  expect(rows[0]!.n).toBe(205);
  expect(
    await h.query(`select 1 from identities where external_id in ('U0GONE', 'USLACKBOT', 'U0BOT')`),
  ).toEqual([]);
});
