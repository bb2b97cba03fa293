// `npm run backup`: a backup of the database now, into BACKUP_DIR (docs/operations.md, Backups). The last
// line printed is the backup file's path, for scripts.
import { makeBackup } from './backup.ts';
import { describeDatabase, reportFailure, settings } from './cli-common.ts';
import { drill } from './drill.ts';
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
  if (argv.length === 1 && argv[0] === '--drill') return runDrill();
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

async function runDrill(): Promise<number> {
  try {
    const config = settings();
    const result = await drill(config);
    console.log(
      `Drill: ${result.file} (backup of ${result.manifest.createdAt}) restored into ${result.scratch}:`,
    );
    console.log(formatCounts(result.tables));
    console.log(
      `Drill passed: ${result.tables.length} tables match the manifest (rows and checksums); the scratch database is dropped. 恢复演练通过。`,
    );
    return 0;
  } catch (err) {
    return reportFailure(err, 'Drill');
  }
}

process.exitCode = await main(process.argv.slice(2));
