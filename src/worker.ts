// `npm run worker`: a process that only fires reminders and delivers messages, for scale. Several of them
// (and the app processes, unless QUEUE_WORKERS=off) share the work through Redis; each job runs in one of
// them, and the database claims make a job that runs twice harmless. Inbound chat stays with `npm start`.

import { ConsoleAdapter } from '../adapters/console/adapter.ts';
import { adapters } from '../adapters/index.ts';
import { loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { exitForStartError } from './exit-codes.ts';
import { createLogger } from './log.ts';
import { buildAdapters, buildRuntime } from './runtime.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env, adapters.configured(process.env));
  adapters.check(process.env);
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
  const runtime = buildRuntime({ config, db: database.db, log, registry: adapters });
  const { queues, delivery } = runtime;
  // Adapters are built for sending only: connections and routes stay with the app process.
  if (config.console) delivery.register(new ConsoleAdapter(runtime.servicesFor('console')));
  await buildAdapters(runtime, adapters, process.env, { log, databaseUrl: config.databaseUrl });
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
