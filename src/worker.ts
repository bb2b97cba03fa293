// `npm run worker`: a process that only fires reminders and delivers messages, for scale. Several of them
// (and the app processes, unless QUEUE_WORKERS=off) share the work through Redis; each job runs in one of
// them, and the database claims make a job that runs twice harmless. Inbound chat stays with `npm start`.

import { ConsoleAdapter } from '../adapters/console/adapter.ts';
import { adapterFactories, checkAdapterSettings } from '../adapters/index.ts';
import { loadConfig } from './config.ts';
import { Delivery } from './core/delivery.ts';
import { Core } from './core/engine.ts';
import { openDatabase } from './db/client.ts';
import { exitForStartError } from './exit-codes.ts';
import { commandTable } from './flows/index.ts';
import { createLogger } from './log.ts';
import { QueueRuntime } from './queue/runtime.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  checkAdapterSettings(process.env);
  const log = createLogger(config.logLevel).child({ part: 'worker' });
  if (!config.redisUrl) {
    log.error(
      'npm run worker needs REDIS_URL: without Redis the app process (npm start) does this work itself',
    );
    process.exit(2);
  }
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    maxConnections: config.databasePoolMax,
  });
  await database.migrate();
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
  // Adapters are built for sending only: connections and routes stay with the app process.
  const core = new Core({
    db: database.db,
    config,
    log: log.child({ part: 'core' }),
    delivery,
    commands: commandTable(),
  });
  if (config.console) delivery.register(new ConsoleAdapter({ core, delivery }, database.db));
  for (const factory of adapterFactories) {
    const adapter = await factory({
      env: process.env,
      services: { core, delivery },
      db: database.db,
      log: log.child({ part: 'adapter' }),
    });
    if (adapter) delivery.register(adapter);
  }
  await queues.start({ workers: true });
  log.info('worker ready');
  const stop = async () => {
    log.info('worker stopping: finishing the jobs in hand');
    await queues.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch(exitForStartError);
