// `npm run calendar -- load <file> [--replace-year]` and `npm run calendar -- show <year>`: the working
// calendar (public holidays, 调休 make-up working days) from a file, into the database `npm start` uses:
// DATABASE_URL, or the embedded database in DATA_DIR. Reads ./.env like `npm start` (real environment
// variables win), so both open the same database. Exit codes: 0 done, 1 bad input or database problem,
// 2 wrong settings or the embedded database in use by another process.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import chineseDays from 'chinese-days';
import { DateTime } from 'luxon';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { DataDirInUseError } from '../db/data-lock.ts';
import {
  formatCalendarFileError,
  formatCalendarYear,
  formatLoadOutcome,
  loadCalendarRows,
  parseCalendarFile,
  readCalendarYears,
} from './calendar-file.ts';

const USAGE = `Usage:
  npm run calendar -- load <file.csv> [--replace-year]   load holidays and make-up working days from a file
  npm run calendar -- show <year>                        list a year's holidays and make-up days per month

The file is CSV with the header date,working,name (see docs/calendar-example.csv). --replace-year first
deletes the stored dates of the file's years that are not in the file. See docs/operations.md.`;

function where(config: Config): string {
  if (!config.databaseUrl) return `embedded database in ${resolve(config.dataDir)}`;
  try {
    const u = new URL(config.databaseUrl);
    return `PostgreSQL ${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}

/** Opens the database, or explains why not (embedded database in use by `npm start`, no server, …). */
async function open(config: Config): Promise<Database | { message: string; code: number }> {
  if (!config.databaseUrl) {
    const dir = resolve(config.dataDir);
    if (!existsSync(join(dir, 'PG_VERSION'))) {
      const message = [
        `There is no embedded database in ${dir}.`,
        'Run this from the folder you start SalesRelay in (DATA_DIR is relative to it), set DATA_DIR or',
        'DATABASE_URL as for npm start, or start SalesRelay once first.',
        `${dir} 中没有内嵌数据库。请在启动 SalesRelay 的目录中运行，或设置与 npm start 相同的 DATA_DIR / DATABASE_URL。`,
      ].join('\n');
      return { message, code: 1 };
    }
    try {
      return await openDatabase({ dataDir: dir });
    } catch (err) {
      // In use by npm start or another command: the data lock's own message (exit code 2, as at start).
      if (err instanceof DataDirInUseError) return { message: err.message, code: 2 };
      throw err;
    }
  }
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    maxConnections: 2,
    prepare: config.databasePrepare,
  });
  return database;
}

/** Dates chinese-days knows: SalesRelay adds the package's missing dates back on every start. */
function knownToPackage(date: string): boolean {
  return chineseDays.isWorkday(date) !== DateTime.fromISO(date, { zone: 'UTC' }).weekday <= 5;
}

async function withDatabase(config: Config, work: (database: Database) => Promise<number>): Promise<number> {
  const opened = await open(config);
  if ('message' in opened) {
    console.error(opened.message);
    return opened.code;
  }
  try {
    console.log(`Database: ${where(config)}`);
    await opened.migrate();
    return await work(opened);
  } catch (err) {
    const e = err as Error & { code?: string };
    console.error(`Database error on ${where(config)}: ${e.message}${e.code ? ` (${e.code})` : ''}`);
    console.error('Nothing was changed. 未做任何修改。');
    return 1;
  } finally {
    await opened.close().catch(() => {});
  }
}

async function load(config: Config, file: string, replaceYears: boolean): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    console.error(`Cannot read ${file}: ${(err as Error).message}\n无法读取文件 ${file}`);
    return 1;
  }
  const parsed = parseCalendarFile(bytes);
  if (!parsed.ok) {
    for (const e of parsed.errors) console.error(formatCalendarFileError(e, file));
    console.error(
      `${parsed.errors.length} problem(s) in ${file}: nothing was loaded. ${file} 有 ${parsed.errors.length} 处错误，未导入任何数据。`,
    );
    return 1;
  }
  const rows = parsed.rows;
  const holidays = rows.filter((r) => !r.working).length;
  console.log(
    `Read ${file}: ${rows.length} date(s), ${holidays} holiday(s) 休, ${rows.length - holidays} make-up working day(s) 班`,
  );
  return withDatabase(config, async (database) => {
    const outcome = await loadCalendarRows(database.db, rows, { replaceYears });
    console.log(formatLoadOutcome(outcome, replaceYears));
    const back = outcome.removed.filter((r) => knownToPackage(r.date));
    if (back.length) {
      console.log(
        `Note: the chinese-days package lists ${back.map((r) => r.date).join(', ')}; SalesRelay adds the ` +
          "package's missing dates on every start (2026, 2027), so they come back after a restart.",
      );
    }
    console.log(
      `Check with: npm run calendar -- show ${outcome.years[0]}. Reminders already scheduled keep their time; ` +
        'the calendar counts for reminders scheduled from now on.',
    );
    return 0;
  });
}

async function show(config: Config, year: number): Promise<number> {
  return withDatabase(config, async (database) => {
    console.log(formatCalendarYear(year, await readCalendarYears(database.db, [year])));
    return 0;
  });
}

async function main(argv: string[]): Promise<number> {
  const flags = argv.filter((a) => a.startsWith('-'));
  const [command, arg, ...rest] = argv.filter((a) => !a.startsWith('-'));
  if (command === undefined || flags.includes('--help') || flags.includes('-h') || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 1 : 0;
  }
  const unknownFlags = flags.filter((f) => !(command === 'load' && f === '--replace-year'));
  if (!['load', 'show'].includes(command) || arg === undefined || rest.length || unknownFlags.length) {
    const what = unknownFlags.length
      ? `unknown option ${unknownFlags.join(' ')}`
      : 'expected load <file> or show <year>';
    console.error(`${what}\n\n${USAGE}`);
    return 1;
  }
  if (command === 'show' && !/^\d{4}$/.test(arg)) {
    console.error(`show needs a year such as 2027, not "${arg}".\n${USAGE}`);
    return 1;
  }

  // Settings may live in ./.env (see .env.example), as for npm start; real environment variables win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  return command === 'load' ? load(config, arg, flags.includes('--replace-year')) : show(config, Number(arg));
}

process.exitCode = await main(process.argv.slice(2));
