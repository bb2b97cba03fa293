// Logs follow a command (issue 18): one JSON line per command with its request id, the same id on every
// outbox row the command wrote, and on the delivery line of each of those messages.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Driver, startDriver } from './helpers/console.ts';

type Line = {
  msg: string;
  req?: string;
  noun?: string;
  outcome?: string;
  outboxId?: number;
  platform?: string;
};
const lines: Line[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Line);
    done();
  },
});
let d: Driver;

beforeAll(async () => {
  d = await startDriver({ log: pino({ level: 'info' }, sink) });
});
afterAll(() => d?.close());

it('a command’s request id is on its log line, its outbox rows and their delivery lines', async () => {
  await d.say('li', 'customer add name="Trace Co"', 'sales');
  await d.say('li', 'lead add customer=C-0001 source=expo desc="needs 200 sensors"', 'sales');
  await d.say('wang', 'lead assign L-0001 @chen due=+2d', 'sales');
  const rows = await d.query<{ id: number; request_id: string | null; state: string }>(
    `select id::int as id, request_id, state from outbox order by id`,
  );
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.every((r) => r.request_id)).toBe(true);
  const assign = lines.filter((l) => l.msg === 'command' && l.noun === 'lead').at(-1)!;
  expect(assign).toMatchObject({ outcome: 'ok', req: expect.stringMatching(/./) });
  const written = rows.filter((r) => r.request_id === assign.req);
  expect(written.length).toBeGreaterThan(0); // chen's card, at least
  // Each of them delivered, its line carrying the same id.
  await d.app.delivery.drain();
  for (const r of written) {
    const delivered = lines.find((l) => l.msg === 'delivered' && l.outboxId === r.id);
    expect(delivered, `delivery line for outbox #${r.id}`).toMatchObject({
      req: assign.req,
    });
  }
  // And /metrics counts the sends by platform and result.
  const metrics = await (await fetch(`${d.app.url}/metrics`)).text();
  expect(metrics).toMatch(/salesrelay_deliveries_total\{platform="console",result="sent"\} [1-9]/);
  // Every command got a line of its own, each with its own id.
  const commands = lines.filter((l) => l.msg === 'command');
  expect(commands.length).toBeGreaterThanOrEqual(3);
  expect(new Set(commands.map((c) => c.req)).size).toBe(commands.length);
});
