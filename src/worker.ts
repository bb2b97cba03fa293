// `npm run worker`: a process that only fires reminders and delivers messages, for scale. Several of them
// (and the app processes, unless QUEUE_WORKERS=off) share the work through Redis; each job runs in one of
// them, and the database claims make a job that runs twice harmless. Inbound chat stays with `npm start`.

import { ConsoleAdapter } from '../adapters/console/adapter.ts';
import { adapters } from '../adapters/index.ts';
import { exitForStartError } from './exit-codes.ts';
import { createLogger } from './log.ts';
import { buildAdapters, buildRuntime, loadSettings, openMigrated } from './runtime.ts';

async function main(): Promise<void> {
  const config = loadSettings(process.env, adapters);
  const log = createLogger(config.logLevel).child({ part: 'worker' });
  if (!config.redisUrl) {
    log.error(
      'npm run worker needs REDIS_URL: without Redis the app process (npm start) does this work itself',
    );
    process.exit(2);
  }
  const database = await openMigrated(config);
  const runtime = buildRuntime({ config, db: database.db, log, registry: adapters, env: process.env });
  const { queues } = runtime;
  // Adapters are built for sending only: connections and routes stay with the app process.
  await buildAdapters(runtime, adapters, process.env, {
    log,
    config,
    console: (servicesFor) => new ConsoleAdapter(servicesFor('console')),
  });
  await queues.start({ workers: true });
  log.info('worker ready');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log.info({ timeoutMs: config.shutdownTimeoutMs }, 'worker stopping: finishing the jobs in hand');
    const late = setTimeout(() => {
      log.error('stopping took longer than SHUTDOWN_TIMEOUT_MS: exiting now (leases hand the rest on)');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    late.unref();
    await queues.close();
    await database.close();
    log.info('worker stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch(exitForStartError);
