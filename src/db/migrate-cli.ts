// `npm run db:migrate`: applies migrations to DATABASE_URL, or to the embedded database in DATA_DIR.
import { loadConfig } from '../config.ts';
import { exitForStartError } from '../exit-codes.ts';
import { openDatabase } from './client.ts';

try {
  const config = loadConfig();
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sessionUrl: config.databaseSessionUrl,
    prepare: config.databasePrepare,
  });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
  console.log(`migrations applied (${database.kind})`);
} catch (err) {
  exitForStartError(err);
}
