// `npm run backup`: a backup of the database now, into BACKUP_DIR (docs/operations.md, Backups). The last
// line printed is the backup file's path, for scripts.
import { makeBackup } from './backup.ts';
import { describeDatabase, reportFailure, settings } from './cli-common.ts';
import { formatCounts } from './table-stats.ts';

const USAGE = `Usage:
  npm run backup              back up the database (DATABASE_URL, or the embedded one in DATA_DIR) into BACKUP_DIR

See docs/operations.md, Backups.`;

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (argv.length) {
    console.error(`unknown argument ${argv.join(' ')}\n\n${USAGE}`);
    return 1;
  }
  try {
    const config = settings();
    console.log(`Backing up ${describeDatabase(config)} …`);
    const { file, manifestFile, manifest, tool } = await makeBackup(config);
    console.log(formatCounts(manifest.tables));
    console.log(
      `${manifest.tables.length} tables, ${manifest.size} bytes, sha256 ${manifest.sha256}, by ${tool}; last migration ${manifest.lastMigration ?? 'none'}`,
    );
    console.log(`Manifest: ${manifestFile}`);
    console.log(file);
    return 0;
  } catch (err) {
    return reportFailure(err, 'Backup');
  }
}

process.exitCode = await main(process.argv.slice(2));
