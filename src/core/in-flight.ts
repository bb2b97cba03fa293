// The commands and button presses this process is working on: a stopping process lets them finish (they
// were acknowledged to the platform already) before it hands back what it recorded and did not do.
export class InFlight {
  private count = 0;
  private idle: (() => void)[] = [];

  get size(): number {
    return this.count;
  }

  /** Runs `work`, counted while it runs. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.count++;
    try {
      return await work();
    } finally {
      this.count--;
      if (this.count === 0) for (const wake of this.idle.splice(0)) wake();
    }
  }

  /** Resolves true once nothing runs, or false after `maxMs` with work still running. */
  settle(maxMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), maxMs);
      timer.unref();
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
