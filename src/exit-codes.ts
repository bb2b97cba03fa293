// How a command-line process (npm start, the worker, db:migrate) ends when it cannot start.
import { ConfigError } from './config.ts';

/**
 * Exit code 2 for what the admin must change (wrong settings, the data folder in use), with the message
 * alone; 1 with the stack for anything else.
 */
export function exitForStartError(err: unknown): never {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
}
