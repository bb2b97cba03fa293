// The embedded driver (PGlite, the zero-setup default) runs the same migrations and flows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../src/app.ts';
import { consoleHeaders, type Driver, startDriver } from './helpers/console.ts';

describe('PGlite in memory', () => {
  let d: Driver;
  beforeAll(async () => {
    d = await startDriver({ pglite: true });
    expect(d.app.database.kind).toBe('pglite');
    await d.say('li', 'me lang=en');
    await d.say('wang', 'me lang=en');
  });
  afterAll(() => d?.close());

  it('runs a lead from registration to conversion', async () => {
    expect(
      (await d.say('li', 'customer add name="Acme Ltd" contact="Li Lei" phone=13800000000')).text,
    ).toContain('C-0001');
    expect(
      (await d.say('wang', 'lead add name="Beta Co" contact="Zhang" phone=13700000000 source=referral')).text,
    ).toContain('L-0001');
    expect((await d.say('wang', 'lead assign L-0001 @li due=+2d')).text).toContain('assigned to');
    const card = (await d.messages('dm:li')).findLast((m) => m.card?.actions.length);
    expect((await d.press('li', card!.id, card!.card!.actions[0]!.id)).replies[0]?.text).toMatch(
      /Accepted L-0001/,
    );
    const r = await d.say('li', 'lead convert L-0001');
    const ok = await d.press('li', r.id, r.card!.actions[0]!.id);
    expect(ok.replies[0]?.text).toMatch(/converted to C-0002 Beta Co/);
    const [c] = await d.query<{ name: string }>(
      `select c.name from contacts c join customers k on k.id = c.customer_id where k.number = 'C-0002'`,
    );
    expect(c?.name).toBe('Zhang');
  });

  it('keeps money exact', async () => {
    const r = await d.say('li', 'quote new customer=C-0001 item="A | | 3 | 0.1" item="B | | 1.5 | 33.33"');
    // 3 × 0.10 = 0.30; 1.5 × 33.33 = 49.995, rounded half up to 50.00; total 50.30
    expect(r.text).toContain('¥50.30');
    const [q] = await d.query<{ total_minor: string }>(`select total_minor::text from quotes`);
    expect(q?.total_minor).toBe('5030');
  });
});

describe('PGlite on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps data across restarts, migrates once and creates the demo only the first time', async () => {
    const env = { DATA_DIR: dir, PORT: '0', CONSOLE: 'on', LOG_LEVEL: 'silent' };
    const first = await startApp({ env });
    await fetch(`${first.url}/console/api/messages`, {
      method: 'POST',
      headers: await consoleHeaders(first.url),
      body: JSON.stringify({ chat: 'sales', user: 'li', text: 'customer add name="Persisted Ltd"' }),
    });
    await first.close();
    const second = await startApp({ env });
    const people = (await (await fetch(`${second.url}/console/api/people`)).json()) as unknown[];
    expect(people.length).toBe(9);
    const res = await fetch(`${second.url}/console/api/messages`, {
      method: 'POST',
      headers: await consoleHeaders(second.url),
      body: JSON.stringify({ chat: 'sales', user: 'li', text: 'customer list' }),
    });
    const { replies } = (await res.json()) as { replies: { text: string }[] };
    expect(replies[0]?.text).toContain('C-0001  Persisted Ltd');
    await second.close();
  });
});
