// Prometheus metrics (prom-client) at /metrics: what a person running SalesRelay watches. Counters and the
// latency histogram are this process's (each replica is scraped on its own); the queue and record figures
// are read from PostgreSQL when scraped, so every replica reports the same organisation-wide values.
import { sql } from 'drizzle-orm';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CommandObservation } from '../core/observation.ts';
import type { Db } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import type { DeliveryObservation } from '../delivery/delivery.ts';

/** Figures read in one statement per scrape. */
type Snapshot = {
  outbox: { platform: string; state: string; n: number; oldest_s: number | null }[];
  inbound: { platform: string; n: number }[];
  approvals: number;
  backups: { kind: string; age_s: number | null }[];
  remindersLate: number;
  reminderLatenessS: number | null;
};

export class Metrics {
  readonly registry = new Registry();
  private readonly commands: Counter<'noun' | 'outcome'>;
  private readonly deliveries: Counter<'platform' | 'result'>;
  private readonly waits: Counter<'platform' | 'reason'>;
  private readonly latency: Histogram<'noun'>;
  private snapshot: Promise<Snapshot> | null = null;

  constructor(private readonly db: Db) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'salesrelay_' });
    this.commands = new Counter({
      name: 'salesrelay_commands_total',
      help: 'Commands and button presses handled by this process, by noun and outcome',
      labelNames: ['noun', 'outcome'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'salesrelay_deliveries_total',
      help: 'Tries to send a message by this process, by platform and result (sent, waited, retry, failed)',
      labelNames: ['platform', 'result'],
      registers,
    });
    this.waits = new Counter({
      name: 'salesrelay_delivery_waits_total',
      help: 'Messages put off by this process, by platform and reason (rate_limit, connection, order, other)',
      labelNames: ['platform', 'reason'],
      registers,
    });
    this.latency = new Histogram({
      name: 'salesrelay_command_seconds',
      help: 'Time from a command reaching the core to its answer (its transaction included)',
      labelNames: ['noun'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const fromSnapshot = <L extends string>(
      name: string,
      help: string,
      labelNames: L[],
      fill: (g: Gauge<L>, s: Snapshot) => void,
    ) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        collect: async function (this: Gauge<L>) {
          this.reset();
          fill(this, await self.read());
        },
      });
    const self = this;
    fromSnapshot(
      'salesrelay_outbox_messages',
      'Messages waiting or failed in the outbox, by platform and state',
      ['platform', 'state'],
      (g, s) => {
        for (const r of s.outbox) g.set({ platform: r.platform, state: r.state }, r.n);
      },
    );
    fromSnapshot(
      'salesrelay_outbox_oldest_seconds',
      'Age of the oldest message waiting in the outbox, by platform',
      ['platform'],
      (g, s) => {
        for (const r of s.outbox)
          if (r.state === 'pending' && r.oldest_s !== null) g.set({ platform: r.platform }, r.oldest_s);
      },
    );
    fromSnapshot(
      'salesrelay_dead_letters',
      'Messages given up (the admin was told), by platform',
      ['platform'],
      (g, s) => {
        for (const r of s.outbox) if (r.state === 'failed') g.set({ platform: r.platform }, r.n);
      },
    );
    fromSnapshot(
      'salesrelay_inbound_unfinished',
      'Received events recorded and not yet done, by platform',
      ['platform'],
      (g, s) => {
        for (const r of s.inbound) g.set({ platform: r.platform }, r.n);
      },
    );
    fromSnapshot('salesrelay_approvals_waiting', 'Approvals waiting for a decision', [], (g, s) =>
      g.set(s.approvals),
    );
    fromSnapshot(
      'salesrelay_backup_age_seconds',
      'Time since the last backup (or drill) finished well, by kind',
      ['kind'],
      (g, s) => {
        for (const r of s.backups) if (r.age_s !== null) g.set({ kind: r.kind }, r.age_s);
      },
    );
    fromSnapshot(
      'salesrelay_reminders_late',
      'Reminders due more than a minute ago and not yet fired',
      [],
      (g, s) => g.set(s.remindersLate),
    );
    fromSnapshot(
      'salesrelay_reminder_lateness_seconds',
      'Worst lateness of the reminders fired in the last 15 minutes',
      [],
      (g, s) => {
        if (s.reminderLatenessS !== null) g.set(s.reminderLatenessS);
      },
    );
  }

  /** A command's end, from the core (CoreDeps.observe). */
  observeDelivery(o: DeliveryObservation): void {
    this.deliveries.inc({ platform: o.platform, result: o.result });
    if (o.result === 'waited') this.waits.inc({ platform: o.platform, reason: o.reason ?? 'other' });
  }

  observeCommand(o: CommandObservation): void {
    this.commands.inc({ noun: o.noun, outcome: o.outcome });
    this.latency.observe({ noun: o.noun }, o.seconds);
  }

  /** The exposition text (and its content type) for one scrape. */
  async exposition(): Promise<{ text: string; contentType: string }> {
    try {
      return { text: await this.registry.metrics(), contentType: this.registry.contentType };
    } finally {
      this.snapshot = null;
    }
  }

  /** One statement per scrape, shared by every gauge of that scrape. */
  private read(): Promise<Snapshot> {
    this.snapshot ??= this.db
      .execute(sql`select
        (select coalesce(json_agg(o), '[]') from (
          select platform, state, count(*)::int as n,
            extract(epoch from now() - min(created_at))::float8 as oldest_s
          from outbox where state in ('pending', 'sending', 'failed') group by platform, state) o) as outbox,
        (select coalesce(json_agg(i), '[]') from (
          select platform, count(*)::int as n from inbound_events where done_at is null group by platform) i) as inbound,
        (select count(*)::int from approvals where state = 'pending') as approvals,
        (select coalesce(json_agg(b), '[]') from (
          select kind, extract(epoch from now() - max(finished_at))::float8 as age_s
          from backup_log where state = 'done' group by kind) b) as backups,
        (select count(*)::int from reminder_occurrences
          where state = 'scheduled' and due_at < now() - interval '1 minute') as reminders_late,
        (select extract(epoch from max(fired_at - due_at))::float8 from reminder_occurrences
          where fired_at > now() - interval '15 minutes') as reminder_lateness_s`)
      .then((res) => {
        const r = rowsOf<Record<string, unknown>>(res)[0] ?? {};
        const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
        return {
          outbox: json(r.outbox ?? []),
          inbound: json(r.inbound ?? []),
          approvals: Number(r.approvals ?? 0),
          backups: json(r.backups ?? []),
          remindersLate: Number(r.reminders_late ?? 0),
          reminderLatenessS:
            r.reminder_lateness_s === null || r.reminder_lateness_s === undefined
              ? null
              : Number(r.reminder_lateness_s),
        };
      });
    return this.snapshot;
  }
}
