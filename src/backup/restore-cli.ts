// `npm run restore -- <file> [--force]`: restores a backup made by `npm run backup` into the database the
// settings name (docs/operations.md, Backups). Refuses a database that is not empty unless --force.
import { describeDatabase, reportFailure, settings } from './cli-common.ts';
import { restoreBackup } from './restore.ts';
import { formatCounts } from './table-stats.ts';

const USAGE = `Usage:
  npm run restore -- <backup file> [--force]

Restores into DATABASE_URL (or the embedded database in DATA_DIR), which must be empty; --force replaces
what is there. The manifest (<file>.manifest.json) must be beside the file. See docs/operations.md, Backups.`;

async function main(argv: string[]): Promise<number> {
  const flags = argv.filter((a) => a.startsWith('-'));
  const files = argv.filter((a) => !a.startsWith('-'));
  if (flags.includes('--help') || flags.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const unknown = flags.filter((f) => f !== '--force');
  if (files.length !== 1 || unknown.length) {
    console.error(
      `${unknown.length ? `unknown option ${unknown.join(' ')}` : 'expected one backup file'}\n\n${USAGE}`,
    );
    return 1;
  }
  try {
    const config = settings();
    console.log(`Restoring ${files[0]} into ${describeDatabase(config)} …`);
    const { manifest, tables, movedAside } = await restoreBackup(
      config,
      files[0]!,
      flags.includes('--force'),
    );
    if (movedAside) console.log(`The old folder is kept as ${movedAside}`);
    console.log(`Restored (backup of ${manifest.createdAt}, SalesRelay ${manifest.appVersion}):`);
    console.log(formatCounts(tables));
    console.log(
      `${tables.length} tables, every one identical to the backup's manifest. 恢复完成，与清单一致。`,
    );
    return 0;
  } catch (err) {
    return reportFailure(err, 'Restore');
  }
}

process.exitCode = await main(process.argv.slice(2));
