// `npm run backup`: a backup of the database now, into BACKUP_DIR (docs/operations.md, Backups). The last
// line printed is the backup file's path, for scripts. Each run, and each drill, is written to the backup
// log (`backup list`); a failure is also told to management.
import type { Config } from '../config.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { describeDatabase, reportFailure, settings } from './cli-common.ts';
import { openEmbedded } from './pglite.ts';
import { runBackup, runDrill } from './runner.ts';
import { formatCounts } from './table-stats.ts';

const USAGE = `Usage:
  npm run backup              back up the database (DATABASE_URL, or the embedded one in DATA_DIR) into BACKUP_DIR
  npm run backup -- --drill   restore the newest backup in BACKUP_DIR into a scratch database and compare

See docs/operations.md, Backups.`;

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (argv.length === 1 && argv[0] === '--drill') return withDatabase('Drill', drillNow);
  if (argv.length) {
    console.error(`unknown argument ${argv.join(' ')}\n\n${USAGE}`);
    return 1;
  }
  return withDatabase('Backup', backupNow);
}

/** Opens the database the settings name (for the dump and the log), runs, closes. */
async function withDatabase(
  what: string,
  run: (config: Config, database: Database | null) => Promise<void>,
): Promise<number> {
  let database: Database | undefined;
  try {
    const config = settings();
    if (config.databaseUrl) {
      database = await openDatabase({
        databaseUrl: config.databaseUrl,
        maxConnections: 2,
        prepare: config.databasePrepare,
      });
    } else if (what === 'Drill') {
      // The drill restores into a temporary folder: it works while SalesRelay runs, only unlogged then.
      database = await openEmbedded(config.dataDir).catch((err) => {
        console.log(`(not in the backup log: ${(err as Error).message.split('\n')[0]})`);
        return undefined;
      });
    } else {
      database = await openEmbedded(config.dataDir);
    }
    await run(config, database ?? null);
    return 0;
  } catch (err) {
    return reportFailure(err, what);
  } finally {
    await database?.close();
  }
}

async function backupNow(config: Config, database: Database | null): Promise<void> {
  console.log(`Backing up ${describeDatabase(config)} …`);
  const { file, manifestFile, manifest, tool, deleted } = await runBackup({ config, database }, 'manual');
  console.log(formatCounts(manifest.tables));
  console.log(
    `${manifest.tables.length} tables, ${manifest.size} bytes, sha256 ${manifest.sha256}, by ${tool}${manifest.encryption ? `, encrypted (key id ${manifest.encryption.keyId})` : ''}; last migration ${manifest.lastMigration ?? 'none'}`,
  );
  if (deleted.length) console.log(`Retention deleted ${deleted.length} old backup(s): ${deleted.join(', ')}`);
  console.log(`Manifest: ${manifestFile}`);
  console.log(file);
}

async function drillNow(config: Config, database: Database | null): Promise<void> {
  const result = await runDrill({ config, database }, 'manual');
  console.log(
    `Drill: ${result.file} (backup of ${result.manifest.createdAt}) restored into ${result.scratch}:`,
  );
  console.log(formatCounts(result.tables));
  console.log(
    `Drill passed: ${result.tables.length} tables match the manifest (rows and checksums); the scratch database is dropped. 恢复演练通过。`,
  );
}

process.exitCode = await main(process.argv.slice(2));
