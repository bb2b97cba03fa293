// The composition root: settings → database → migrations → core → adapters → one HTTP server.
// Nothing else reads the environment.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import { ConsoleAdapter } from '../adapters/console/adapter.ts';
import { createDemoIfEmpty } from '../adapters/console/demo.ts';
import { adapterFactories, checkAdapterSettings } from '../adapters/index.ts';
import { type Config, loadConfig } from './config.ts';
import type { PlatformAdapter } from './core/adapter.ts';
import { SEAL_INTERVAL_MS, sealAudit } from './core/audit-chain.ts';
import { Delivery } from './core/delivery.ts';
import { Core } from './core/engine.ts';
import { pruneInboundEvents } from './core/inbound-pruning.ts';
import { promoteAdmins } from './core/people.ts';
import { type Database, openDatabase } from './db/client.ts';
import { seedBasics } from './db/seed.ts';
import { commandTable } from './flows/index.ts';
import { expireQuotes } from './flows/quote.ts';
import { ensureDigests } from './flows/reminder-sources.ts';
import { createLogger } from './log.ts';
import { QueueRuntime } from './queue/runtime.ts';

export type App = {
  url: string;
  config: Config;
  database: Database;
  core: Core;
  delivery: Delivery;
  /** Reminders and outgoing messages: queues, rate limits, reconciler (issue 4). */
  queues: QueueRuntime;
  console?: ConsoleAdapter;
  /** The chat platforms that are configured and started (for health checks and tests). */
  platforms: PlatformAdapter[];
  log: Logger;
  close(): Promise<void>;
};

export type StartOptions = { env?: Record<string, string | undefined>; demo?: boolean; log?: Logger };

export async function startApp(opts: StartOptions = {}): Promise<App> {
  const config = loadConfig(opts.env ?? process.env);
  checkAdapterSettings(opts.env ?? process.env);
  const log = opts.log ?? createLogger(config.logLevel);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    maxConnections: config.databasePoolMax,
  });
  await database.migrate();
  await seedBasics(database.db, config.org);
  const promoted = await promoteAdmins(database.db, config.admins);
  if (promoted) log.info({ promoted }, 'made the people listed in ADMINS admins');

  // --- delivery mechanism (issue 4): queues + shared rate limits; the reconciler enqueues every commit.
  const queues = new QueueRuntime(database.db, log.child({ part: 'queue' }), {
    redisUrl: config.redisUrl,
    prefix: config.queue.prefix,
    concurrency: config.queue.concurrency,
    lockMs: config.queue.lockMs,
    reconcileMs: config.queue.reconcileMs,
  });
  const delivery = new Delivery(database.db, log.child({ part: 'delivery' }), {
    limits: queues.limits,
    leaseMs: config.queue.leaseMs,
    sendConcurrency: config.queue.sendConcurrency,
  });
  queues.attach(delivery);
  // --- end delivery mechanism
  const core = new Core({
    db: database.db,
    config,
    log: log.child({ part: 'core' }),
    delivery,
    commands: commandTable(),
  });

  const http = new Hono();
  http.get('/healthz', async (c) =>
    c.json({ ok: true, database: database.kind, pendingDeliveries: await delivery.pending() }),
  );

  let consoleAdapter: ConsoleAdapter | undefined;
  if (config.console) {
    consoleAdapter = new ConsoleAdapter({ core, delivery }, database.db, config);
    delivery.register(consoleAdapter);
    http.route('/', consoleAdapter.routes());
    // A first start with no platform: a demo organisation, so every command can be tried at once.
    if (opts.demo !== false && config.platforms.length === 0 && (await createDemoIfEmpty(database.db))) {
      log.info('created the demo organisation (people li, chen, wang, qian, wu, zhao, sun, zhou, admin)');
    }
  }
  const env = opts.env ?? process.env;
  const platforms: PlatformAdapter[] = [];
  for (const factory of adapterFactories) {
    const adapter = await factory({
      env,
      services: { core, delivery },
      db: database.db,
      log: log.child({ part: 'adapter' }),
    });
    if (!adapter) continue;
    delivery.register(adapter);
    if (adapter.routes) http.route('/', adapter.routes());
    platforms.push(adapter);
  }
  for (const name of config.platforms) {
    if (!platforms.some((p) => p.platform === name)) {
      log.warn(
        { platform: name },
        `${name} settings are present but that adapter is not available yet; nothing will answer there`,
      );
    }
  }
  // After the demo (its managers need digests): weekly digests for every sales manager, expired quotes.
  const housekeeping = async () => {
    // One replica at a time, so two starting together do not both create a manager's digest.
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(727276)`);
      await ensureDigests(tx, config.org.timezone);
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
  // Workers run here unless QUEUE_WORKERS=off (then `npm run worker` processes do the work).
  await queues.start({ workers: config.queue.workers || !config.redisUrl });

  const server = serve({ fetch: http.fetch, port: config.port, hostname: config.host });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  for (const p of platforms) await p.start();
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;

  return {
    url,
    config,
    database,
    core,
    delivery,
    queues,
    ...(consoleAdapter ? { console: consoleAdapter } : {}),
    platforms,
    log,
    async close() {
      clearInterval(housekeepingTimer);
      clearInterval(sealTimer);
      for (const p of platforms)
        await p.stop().catch((err) => log.warn({ err, platform: p.platform }, 'stop failed'));
      await queues.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await delivery.drain();
      await database.close();
    },
  };
}
