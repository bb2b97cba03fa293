// The composition root: settings → database → migrations → core → adapters → one HTTP server.
// Nothing else reads the environment.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { ConsoleAdapter } from '../adapters/console/adapter.ts';
import { createDemoIfEmpty } from '../adapters/console/demo.ts';
import { type Config, loadConfig } from './config.ts';
import { Delivery } from './core/delivery.ts';
import { Core } from './core/engine.ts';
import { type Database, openDatabase } from './db/client.ts';
import { seedBasics } from './db/seed.ts';
import { commandTable } from './flows/index.ts';
import { createLogger } from './log.ts';

export type App = {
  url: string;
  config: Config;
  database: Database;
  core: Core;
  delivery: Delivery;
  console?: ConsoleAdapter;
  log: Logger;
  close(): Promise<void>;
};

export type StartOptions = { env?: Record<string, string | undefined>; demo?: boolean; log?: Logger };

export async function startApp(opts: StartOptions = {}): Promise<App> {
  const config = loadConfig(opts.env ?? process.env);
  const log = opts.log ?? createLogger(config.logLevel);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await database.migrate();
  await seedBasics(database.db, config.org);

  const delivery = new Delivery(database.db, log.child({ part: 'delivery' }));
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
    consoleAdapter = new ConsoleAdapter({ core, delivery }, database.db);
    delivery.register(consoleAdapter);
    http.route('/', consoleAdapter.routes());
    // A first start with no platform: a demo organisation, so every command can be tried at once.
    if (opts.demo !== false && config.platforms.length === 0 && (await createDemoIfEmpty(database.db))) {
      log.info('created the demo organisation (people li, chen, wang, qian, wu, zhao, sun, zhou, admin)');
    }
  }
  delivery.start();

  const server = serve({ fetch: http.fetch, port: config.port, hostname: config.host });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;

  return {
    url,
    config,
    database,
    core,
    delivery,
    ...(consoleAdapter ? { console: consoleAdapter } : {}),
    log,
    async close() {
      delivery.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await delivery.drain();
      await database.close();
    },
  };
}
