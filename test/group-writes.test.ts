// Group commit in the process: asks made while a statement is written go into the next one; with two
// lanes, a second statement goes out while the first is still being written. (The writes here are plain
// functions: GroupWrites is generic; the database behind it is tested through sent marks and leases.)
import { expect, it } from 'vitest';
import { GroupWrites } from '../src/db/group-writes.ts';

/** A write that holds each statement until released, and answers each item doubled. */
function heldWrites() {
  const statements: { items: number[]; release: (fail?: Error) => void }[] = [];
  const write = (items: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      statements.push({
        items,
        release: (fail) => (fail ? reject(fail) : resolve(items.map((i) => i * 2))),
      });
    });
  return { statements, write };
}

const tick = () => new Promise((r) => setImmediate(r));

it('one lane: asks made while a statement is written share the next one, each with its answer', async () => {
  const { statements, write } = heldWrites();
  const g = new GroupWrites(write, 100);
  const first = [g.add(1), g.add(2)];
  await tick();
  expect(statements.map((s) => s.items)).toEqual([[1, 2]]);
  const second = [g.add(3), g.add(4), g.add(5)];
  await tick();
  expect(statements).toHaveLength(1); // waits for the first to be written
  statements[0]!.release();
  expect(await Promise.all(first)).toEqual([2, 4]);
  await tick();
  expect(statements.map((s) => s.items)).toEqual([
    [1, 2],
    [3, 4, 5],
  ]);
  statements[1]!.release();
  expect(await Promise.all(second)).toEqual([6, 8, 10]);
});

it('two lanes: a second statement goes out while the first is written; a failure rejects only its own asks', async () => {
  const { statements, write } = heldWrites();
  const g = new GroupWrites(write, 2, 2);
  const a = [g.add(1), g.add(2), g.add(3)];
  await tick();
  // Groups of at most two, two statements at once, the rest waiting for a free lane.
  expect(statements.map((s) => s.items)).toEqual([[1, 2], [3]]);
  const b = g.add(4);
  await tick();
  expect(statements).toHaveLength(2);
  statements[1]!.release(new Error('refused'));
  await expect(a[2]).rejects.toThrow('refused');
  await tick();
  expect(statements.map((s) => s.items)).toEqual([[1, 2], [3], [4]]);
  statements[0]!.release();
  statements[2]!.release();
  expect(await Promise.all([a[0], a[1], b])).toEqual([2, 4, 8]);
});
