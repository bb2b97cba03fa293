// The parts the app and the worker both run, built once here: the queues with every platform's declared
// rate limits, delivery, the core, and the chat adapters with the services each is given (src/port/).
// The app adds inbound chat (HTTP routes, connections) and housekeeping; the worker only sends.
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { channelServices } from './core/channel-services.ts';
import { Core } from './core/engine.ts';
import type { Db } from './db/client.ts';
import { Delivery } from './delivery/index.ts';
import { commandTable } from './flows/index.ts';
import type { AdapterRegistry, ChannelAdapter, Env, PortServices } from './port/index.ts';
import { QueueRuntime } from './queue/runtime.ts';

export type Runtime = {
  queues: QueueRuntime;
  delivery: Delivery;
  core: Core;
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
};

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
  });
  const delivery = new Delivery(db, log.child({ part: 'delivery' }), {
    limits: queues.limits,
    leaseMs: config.queue.leaseMs,
    sendConcurrency: config.queue.sendConcurrency,
  });
  queues.attach(delivery);
  const core = new Core({
    db,
    config,
    log: log.child({ part: 'core' }),
    delivery,
    commands: commandTable(),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const servicesFor = (platform: string) =>
    channelServices(platform, { db, core, delivery, log: log.child({ part: 'adapter', platform }) });
  return { queues, delivery, core, servicesFor };
}

/** Builds the configured platforms' adapters and registers them for delivery (not started). */
export async function buildAdapters(
  runtime: Runtime,
  registry: AdapterRegistry,
  env: Env,
  opts: { log: Logger; databaseUrl: string | undefined },
): Promise<ChannelAdapter[]> {
  const built = await registry.build(env, (name) => ({
    env,
    services: runtime.servicesFor(name),
    log: opts.log.child({ part: 'adapter' }),
    databaseUrl: opts.databaseUrl,
  }));
  for (const adapter of built) runtime.delivery.register(adapter);
  return built;
}
