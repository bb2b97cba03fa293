// The parts the app and the worker both run, built once here: the settings (the core's and every
// platform's, checked before anything is created), the migrated database, the queues with every
// platform's declared rate limits, delivery, the core, and the chat adapters with the services each is
// given (src/port/). The app (src/app.ts) adds inbound chat (HTTP routes, connections) and housekeeping;
// the worker (src/worker.ts) only sends. Both are composition roots: they pass in the adapter registry
// and the console, which src/ does not import.
import type { Logger } from 'pino';
import { type Config, loadConfig } from './config.ts';
import { channelServices } from './core/channel-services.ts';
import { Core } from './core/engine.ts';
import { InFlight } from './core/in-flight.ts';
import { type Database, type Db, openDatabase } from './db/client.ts';
import { Delivery } from './delivery/index.ts';
import { fillMissingPinyin } from './flows/customer-pinyin.ts';
import { commandTable } from './flows/index.ts';
import { Metrics } from './ops/metrics.ts';
import type { AdapterRegistry, ChannelAdapter, Env, PortServices } from './port/index.ts';
import { QueueRuntime } from './queue/runtime.ts';

export type Runtime = {
  queues: QueueRuntime;
  delivery: Delivery;
  core: Core;
  /** Prometheus metrics of this process and the organisation's queues (src/ops/metrics.ts). */
  metrics: Metrics;
  /** Commands and presses this process is working on (every channel's): a stopping process waits for them. */
  inFlight: InFlight;
  /** The services one platform's adapter gets (bound to that platform). */
  servicesFor(platform: string): PortServices;
};

export type RuntimeOptions = {
  config: Config;
  db: Db;
  log: Logger;
  registry: AdapterRegistry;
  /** The time commands see (tests); default the system clock. */
  clock?: () => Date;
  /** The environment, for the channels it configures that reach people by contact address. */
  env?: Env;
};

/** The core's settings and every platform's, checked before anything is created (a ConfigError names the wrong one). */
export function loadSettings(env: Env, registry: AdapterRegistry): Config {
  const config = loadConfig(env, registry.configured(env));
  registry.check(env);
  return config;
}

/** The database the settings name (PostgreSQL, or the embedded one in the data directory), migrated. */
export async function openMigrated(config: Config): Promise<Database> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    maxConnections: config.databasePoolMax,
    sessionUrl: config.databaseSessionUrl,
    prepare: config.databasePrepare,
  });
  await database.migrate();
  // Names written before their pinyin was stored (migration 0019) become searchable by pinyin.
  await fillMissingPinyin(database.db);
  return database;
}

export function buildRuntime(opts: RuntimeOptions): Runtime {
  const { config, db, log } = opts;
  // Delivery (issue 4): queues + shared rate limits; the reconciler enqueues every commit.
  const queues = new QueueRuntime(db, log.child({ part: 'queue' }), {
    redisUrl: config.redisUrl,
    prefix: config.queue.prefix,
    concurrency: config.queue.concurrency,
    lockMs: config.queue.lockMs,
    reconcileMs: config.queue.reconcileMs,
    platformLimits: opts.registry.rateLimits(),
    contactChannels: opts.env ? opts.registry.contactChannels(opts.env) : [],
  });
  const metrics = new Metrics(db);
  const delivery = new Delivery(db, log.child({ part: 'delivery' }), {
    limits: queues.limits,
    leaseMs: config.queue.leaseMs,
    sendConcurrency: config.queue.sendConcurrency,
    observe: (o) => metrics.observeDelivery(o),
  });
  queues.attach(delivery);
  const core = new Core({
    db,
    config,
    log: log.child({ part: 'core' }),
    delivery,
    commands: commandTable(),
    privateReplies: opts.registry.privateReplyPlatforms(),
    contactChannels: opts.env ? opts.registry.contactChannels(opts.env) : [],
    ...(opts.clock ? { clock: opts.clock } : {}),
    observe: (o) => metrics.observeCommand(o),
  });
  const inFlight = new InFlight();
  const servicesFor = (platform: string) =>
    channelServices(platform, {
      db,
      core,
      delivery,
      inFlight,
      limits: queues.limits,
      log: log.child({ part: 'adapter', platform }),
    });
  return { queues, delivery, core, metrics, inFlight, servicesFor };
}

/**
 * Builds the adapters and registers them for delivery (not started): the console when the settings turn it
 * on (made by `console`: it is not in the registry, being on only without a platform or with CONSOLE=on),
 * and every configured platform of the registry.
 */
export async function buildAdapters<C extends ChannelAdapter>(
  runtime: Runtime,
  registry: AdapterRegistry,
  env: Env,
  opts: { log: Logger; config: Config; console?: (servicesFor: Runtime['servicesFor']) => C },
): Promise<{ console: C | undefined; platforms: ChannelAdapter[] }> {
  const consoleAdapter = opts.config.console && opts.console ? opts.console(runtime.servicesFor) : undefined;
  if (consoleAdapter) runtime.delivery.register(consoleAdapter);
  const platforms = await registry.build(env, (name) => ({
    env,
    services: runtime.servicesFor(name),
    log: opts.log.child({ part: 'adapter' }),
    // Adapters use it for their connection locks, which need a session.
    databaseUrl: opts.config.databaseSessionUrl,
  }));
  for (const adapter of platforms) runtime.delivery.register(adapter);
  return { console: consoleAdapter, platforms };
}
