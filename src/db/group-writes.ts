// Group commit in the process: everything asked for while one statement is being written goes into the
// next, so a busy process writes a few statements instead of queueing one per ask for the pool. Idle, an
// ask is written at once (after the asks made in the same tick). A caller's promise settles with its
// statement: resolved once it is written (with what `write` says for its item), rejected if that failed.
type Ask<T, R> = { item: T; resolve: (r: R) => void; reject: (err: unknown) => void };

export class GroupWrites<T, R> {
  private waiting: Ask<T, R>[] = [];
  private writing = 0;

  /**
   * `write` stores up to `maxGroup` items in one statement and answers for each, in order. Up to `lanes`
   * statements are written at once: an ask made while one is being written goes out with the next free
   * lane instead of waiting for that one to commit.
   */
  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxGroup: number,
    private readonly lanes = 1,
  ) {}

  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.writing < this.lanes) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.writing++;
    // Asks made in this same tick join the first group.
    await new Promise((r) => setImmediate(r));
    while (this.waiting.length) {
      const group = this.waiting.splice(0, this.maxGroup);
      try {
        const answers = await this.write(group.map((a) => a.item));
        for (const [i, a] of group.entries()) a.resolve(answers[i] as R);
      } catch (err) {
        for (const a of group) a.reject(err);
      }
    }
    this.writing--;
  }
}
