// The composition root: settings → database → migrations → core → adapters → one HTTP server.
// Nothing else reads the environment.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import { ConsoleAdapter } from '../adapters/console/adapter.ts';
import { adapters } from '../adapters/index.ts';
import { BackupRunner, ensureBackupSchedules } from './backup/schedule.ts';
import type { Config } from './config.ts';
import { SEAL_INTERVAL_MS, sealAudit } from './core/audit-chain.ts';
import type { Core } from './core/engine.ts';
import { pruneInboundEvents } from './core/inbound-pruning.ts';
import { promoteAdmins } from './core/people.ts';
import type { Database } from './db/client.ts';
import { createDemoIfEmpty } from './db/demo.ts';
import { seedBasics } from './db/seed.ts';
import type { Delivery } from './delivery/index.ts';
import { expireQuotes } from './flows/quote.ts';
import { ensureDigests } from './flows/reminder-sources.ts';
import { ensureWeeklySummaries } from './flows/report-summary.ts';
import { isWildcardHost } from './http/addresses.ts';
import { ensureAssessments } from './kpi/assessment.ts';
import { createLogger } from './log.ts';
import { readiness } from './ops/readiness.ts';
import { opsRoutes } from './ops/routes.ts';
import type { ChannelAdapter } from './port/index.ts';
import type { QueueRuntime } from './queue/runtime.ts';
import { buildAdapters, buildRuntime, loadSettings, openMigrated } from './runtime.ts';
import { setWebBase } from './web/address.ts';
import { webRoutes } from './web/routes.tsx';

export type App = {
  url: string;
  config: Config;
  database: Database;
  core: Core;
  delivery: Delivery;
  /** Reminders and outgoing messages: queues, rate limits, reconciler (issue 4). */
  queues: QueueRuntime;
  /** Runs the scheduled backups and drills queued in the backup log (src/backup/schedule.ts). */
  backups: BackupRunner;
  console?: ConsoleAdapter;
  /** The chat platforms that are configured and started (for health checks and tests). */
  platforms: ChannelAdapter[];
  log: Logger;
  close(): Promise<void>;
};

export type StartOptions = {
  env?: Record<string, string | undefined>;
  demo?: boolean;
  log?: Logger;
  /** The time commands see (tests script a month with it); default the system clock. */
  clock?: () => Date;
};

export async function startApp(opts: StartOptions = {}): Promise<App> {
  const env = opts.env ?? process.env;
  // Which platforms are configured, and their settings checked, before anything is created.
  const config = loadSettings(env, adapters);
  const log = opts.log ?? createLogger(config.logLevel);
  const database = await openMigrated(config);
  await seedBasics(database.db, config.org);
  const promoted = await promoteAdmins(database.db, config.admins);
  if (promoted) log.info({ promoted }, 'made the people listed in ADMINS admins');

  // Queues with the platforms' declared rate limits, delivery and the core (src/runtime.ts, shared with the worker).
  const runtime = buildRuntime({
    config,
    db: database.db,
    log,
    registry: adapters,
    env,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const { queues, delivery, core } = runtime;

  const http = new Hono();
  let stopping = false;

  // The console (when on) and the configured platforms, registered for delivery (src/runtime.ts).
  const { console: consoleAdapter, platforms } = await buildAdapters(runtime, adapters, env, {
    log,
    config,
    console: (servicesFor) => new ConsoleAdapter(servicesFor('console'), config),
  });
  if (consoleAdapter) {
    http.route('/', consoleAdapter.routes());
    // A first start with no platform: a demo organisation, so every command can be tried at once.
    if (opts.demo !== false && config.platforms.length === 0 && (await createDemoIfEmpty(database.db))) {
      log.info('created the demo organisation (people li, chen, wang, qian, wu, zhao, sun, zhou, admin)');
    }
  }
  for (const adapter of platforms) if (adapter.routes) http.route('/', adapter.routes());
  // /healthz, /readyz, /metrics (src/ops/): for probes, load balancers and Prometheus.
  http.route(
    '/',
    opsRoutes({
      metrics: runtime.metrics,
      metricsToken: config.metricsToken,
      alive: async () => ({ database: database.kind, pendingDeliveries: await delivery.pending() }),
      // A stopping replica says so at once: the load balancer stops sending it requests.
      ready: async () =>
        stopping
          ? { ready: false, parts: { process: { ok: false, detail: 'stopping' } } }
          : readiness({ db: database.db, databaseKind: database.kind, redis: queues.redis, platforms }),
    }),
  );
  // The web workspace (issue 17): on whenever the server is, whatever the console and platforms.
  http.route(
    '/',
    webRoutes({
      db: database.db,
      core,
      sessionHours: config.webSessionHours,
      secure: config.publicUrl?.startsWith('https:') ?? false,
      listenHost: config.host,
      publicUrl: config.publicUrl,
      ...(opts.clock ? { clock: opts.clock } : {}),
    }),
  );
  // After the demo (its managers need digests): weekly digests for every sales manager, expired quotes.
  const housekeeping = async () => {
    // One replica at a time, so two starting together do not both create a manager's digest.
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(727276)`);
      await ensureDigests(tx, config.org.timezone);
      await ensureBackupSchedules(tx, config, config.org.timezone);
      await ensureWeeklySummaries(tx, config.org.timezone);
      await ensureAssessments(tx, config.org.timezone);
    });
    const today = DateTime.now().setZone(config.org.timezone).toISODate()!;
    const expired = await expireQuotes(database.db, today);
    if (expired) log.info({ expired }, 'quotes past their validity date expired');
    const pruned = await pruneInboundEvents(database.db);
    if (pruned) log.info({ pruned }, 'inbound events past the platforms’ retry windows pruned');
  };
  await housekeeping();
  const housekeepingTimer = setInterval(
    () => void housekeeping().catch((err) => log.error({ err }, 'housekeeping failed')),
    3600_000,
  );
  housekeepingTimer.unref();
  // Audit rows are written unsealed (no lock for writers) and chained here, seconds after their commit.
  const sealTimer = setInterval(
    () => void sealAudit(database.db).catch((err) => log.error({ err }, 'sealing the audit log failed')),
    SEAL_INTERVAL_MS,
  );
  sealTimer.unref();
  // Scheduled backups and drills the reminder scheduler queued: run here, outside any transaction.
  const backups = new BackupRunner({
    config,
    database,
    log: log.child({ part: 'backup' }),
    onNotice: () => delivery.onWritten?.(),
  });
  await backups.start();
  // Workers run here unless QUEUE_WORKERS=off (then `npm run worker` processes do the work).
  await queues.start({ workers: config.queue.workers || !config.redisUrl });

  const server = serve({ fetch: http.fetch, port: config.port, hostname: config.host });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  for (const p of platforms) await p.start();
  const { port } = server.address() as AddressInfo;
  // Wildcards are reached on localhost; an IPv6 literal goes in brackets (http://[::1]:3000).
  const host = isWildcardHost(config.host)
    ? 'localhost'
    : config.host.includes(':')
      ? `[${config.host}]`
      : config.host;
  const url = `http://${host}:${port}`;
  setWebBase(config.publicUrl ?? url);
  let closing: Promise<void> | undefined;

  return {
    url,
    config,
    database,
    core,
    delivery,
    queues,
    backups,
    ...(consoleAdapter ? { console: consoleAdapter } : {}),
    platforms,
    log,
    /**
     * A graceful stop (SIGTERM): no new work is taken, what is in flight is answered or handed back, leases
     * and connections are released. Anything still running at SHUTDOWN_TIMEOUT_MS is safe to abandon (the
     * journal's and the outbox's leases hand it to another process); src/main.ts exits then.
     */
    close() {
      closing ??= (async () => {
        stopping = true;
        const deadline = Date.now() + config.shutdownTimeoutMs;
        clearInterval(housekeepingTimer);
        clearInterval(sealTimer);
        // 1. No new connections; requests in flight (a console command, a webhook's ack) finish.
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await backups.stop();
        // 2. Long connections closed; each channel's journal waits for its commands in flight, then hands
        //    back what it recorded and did not do, so another replica runs it now rather than after the lease.
        for (const p of platforms)
          await p.stop().catch((err) => log.warn({ err, platform: p.platform }, 'stop failed'));
        await runtime.inFlight.settle(Math.max(0, deadline - Date.now() - 1000));
        // 3. Queue workers finish the jobs in hand; messages waiting for a rate limit go back to the queue.
        await queues.close();
        const closedInTime = await Promise.race([
          serverClosed.then(() => true),
          new Promise<boolean>((r) =>
            setTimeout(() => r(false), Math.max(0, deadline - Date.now() - 500)).unref(),
          ),
        ]);
        if (!closedInTime && 'closeAllConnections' in server) server.closeAllConnections();
        // Alone (no Redis, no workers elsewhere) this process sends what is due before it goes.
        if (!config.redisUrl) await delivery.drain();
        await database.close();
      })();
      return closing;
    },
  };
}
