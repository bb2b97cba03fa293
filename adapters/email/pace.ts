// Per-domain pacing inside one process: at most `perMinute` emails to one recipient domain in any minute.
// Over it, the send is put off (RetryLaterError: waits, never drops, is not counted as a try).
export class DomainPace {
  private readonly sent = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a slot for the domain, or says how long to wait for one. */
  take(domain: string): { ok: true } | { ok: false; afterMs: number } {
    const t = this.now();
    const recent = (this.sent.get(domain) ?? []).filter((at) => at > t - 60_000);
    if (recent.length >= this.perMinute) {
      this.sent.set(domain, recent);
      return { ok: false, afterMs: recent[0]! + 60_000 - t + 10 };
    }
    recent.push(t);
    this.sent.set(domain, recent);
    return { ok: true };
  }
}
