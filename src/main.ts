// `npm start`: runs SalesRelay until stopped. Flags: --no-demo (no demo organisation on first start).
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startApp } from './app.ts';
import { exitForStartError } from './exit-codes.ts';

const started = performance.now();
// Settings may live in ./.env (see .env.example); real environment variables win over it.
if (existsSync('.env')) process.loadEnvFile('.env');
try {
  const app = await startApp({ demo: !process.argv.includes('--no-demo') });
  const ms = Math.round(performance.now() - started);
  app.log.info({ database: app.database.kind, ms }, `SalesRelay ready in ${ms} ms`);
  if (app.console) {
    // What the console is exposed to (docs/operations.md, Security): say it at every start.
    app.log.warn(app.console.exposure());
    app.log.info(`Console chat: ${app.url.replace('//127.0.0.1:', '//localhost:')}`);
  } else {
    app.log.info(`Listening on ${app.url}`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const limit = app.config.shutdownTimeoutMs;
    app.log.info({ signal, timeoutMs: limit }, 'stopping');
    // Past the limit the process goes anyway: what it still held is handed on by its leases.
    const late = setTimeout(() => {
      app.log.error({ timeoutMs: limit }, 'stopping took longer than SHUTDOWN_TIMEOUT_MS: exiting now');
      process.exit(1);
    }, limit);
    late.unref();
    await app.close();
    app.log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (err) {
  exitForStartError(err);
}
