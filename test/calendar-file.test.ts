// Loading the working calendar from a file (`npm run calendar -- load <file>`): the parser and its errors,
// the loader on a real PostgreSQL database, the working-time calculation on loaded dates, and the CLI itself
// as a child process (PostgreSQL, and the embedded database while another process holds it).
// The 2027 dates here are test data, not the official 2027 schedule.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/client.ts';
import { calendarDays } from '../src/db/schema.ts';
import {
  addWorkingHours,
  calendarAround,
  nextWorkingDay,
  nextWorkingTime,
} from '../src/schedule/calendar.ts';
import {
  type CalendarFileError,
  type CalendarFileResult,
  formatCalendarFileError,
  loadCalendarRows,
  parseCalendarFile,
  readCalendarYears,
} from '../src/schedule/calendar-file.ts';
import { dropDatabase, freshDatabaseUrl } from './helpers/pg.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

function rowsOf(r: CalendarFileResult) {
  if (!r.ok) throw new Error(r.errors.map((e) => formatCalendarFileError(e)).join('\n'));
  return r.rows.map(({ date, working, name }) => ({ date, working, name }));
}
function errorsOf(r: CalendarFileResult): CalendarFileError[] {
  if (r.ok) throw new Error('expected errors');
  return r.errors;
}

describe('parsing a calendar file', () => {
  it('reads every spelling of working, names with quotes, comments, blank lines and CRLF', () => {
    const text = [
      '# Test data, not an official schedule',
      'date,working,name',
      '',
      '2027-03-10,休,测试假日',
      '  # an indented comment',
      '2027-03-11, holiday ,"Test, with a comma"',
      '2027-03-12,false,',
      '2027-03-15,0',
      '2027-03-16,NO,"say ""hi"""',
      '2027-03-13,班,调休',
      '2027-03-14,true,x',
      '2027-03-20,1,x',
      '2027-03-21,Yes,x',
      '2027-03-27,workday,x',
      '',
    ].join('\r\n');
    expect(rowsOf(parseCalendarFile(text))).toEqual([
      { date: '2027-03-10', working: false, name: '测试假日' },
      { date: '2027-03-11', working: false, name: 'Test, with a comma' },
      { date: '2027-03-12', working: false, name: null },
      { date: '2027-03-15', working: false, name: null },
      { date: '2027-03-16', working: false, name: 'say "hi"' },
      { date: '2027-03-13', working: true, name: '调休' },
      { date: '2027-03-14', working: true, name: 'x' },
      { date: '2027-03-20', working: true, name: 'x' },
      { date: '2027-03-21', working: true, name: 'x' },
      { date: '2027-03-27', working: true, name: 'x' },
    ]);
    const r = parseCalendarFile(text);
    expect(r.ok && r.rows.map((x) => x.line)).toEqual([4, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it('takes the columns in any order, and the name column is optional', () => {
    expect(rowsOf(parseCalendarFile('working,date\n休,2027-03-10\n'))).toEqual([
      { date: '2027-03-10', working: false, name: null },
    ]);
    expect(rowsOf(parseCalendarFile('Name, Date, Working\nA,2027-03-10,休\n'))).toEqual([
      { date: '2027-03-10', working: false, name: 'A' },
    ]);
  });

  it('accepts UTF-8 with a BOM, as text or as bytes', () => {
    const text = 'date,working,name\n2027-03-10,休,清明\n';
    const expected = [{ date: '2027-03-10', working: false, name: '清明' }];
    expect(rowsOf(parseCalendarFile(`\uFEFF${text}`))).toEqual(expected);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    expect(rowsOf(parseCalendarFile(bom))).toEqual(expected);
    expect(rowsOf(parseCalendarFile(Buffer.from(text, 'utf8')))).toEqual(expected);
  });

  it('reports every wrong line with its number, in English and Chinese', () => {
    const text = [
      'date,working,name', // 1
      '2027-02-30,休,x', // 2 not a real date
      '2027-1-5,休,x', // 3 not YYYY-MM-DD
      '2027-03-10,maybe,x', // 4 working
      '2027-03-13,休,x', // 5 a holiday on a Saturday
      '2027-03-14,false,x', // 6 a holiday on a Sunday
      '2027-03-10,班,x', // 7 a make-up day on a Wednesday
      '2027-03-11,休,x', // 8 good
      '# comment', // 9
      '2027-03-11,休,again', // 10 duplicate of line 8
      '2027-03-12,休,a,b', // 11 too many fields
      '2027-03-12，休，x', // 12 full-width commas
      '"2027-03-12,休', // 13 quote not closed
      '2207-03-12,休', // 14 year out of range
      '', // 15
    ].join('\n');
    const errors = errorsOf(parseCalendarFile(text));
    expect(errors.map((e) => [e.line, e.en])).toEqual([
      [2, '2027-02-30 is not a real date'],
      [3, '"2027-1-5" is not a date: write YYYY-MM-DD, e.g. 2027-01-01'],
      [4, 'working is "maybe": write true/false, 1/0, yes/no, 班/休, workday/holiday'],
      [5, expect.stringMatching(/^nothing to change: 2027-03-13 is a Saturday, a day off anyway/)],
      [6, expect.stringMatching(/^nothing to change: 2027-03-14 is a Sunday, a day off anyway/)],
      [7, expect.stringMatching(/^nothing to change: 2027-03-10 is a Wednesday, a working day anyway/)],
      [10, '2027-03-11 is already on line 8'],
      [11, expect.stringMatching(/^4 fields, the header has 3/)],
      [12, expect.stringMatching(/use the ASCII comma/)],
      [13, expect.stringMatching(/quote/)],
      [14, '2207-03-12: the year should be between 2000 and 2099'],
    ]);
    for (const e of errors) expect(e.zh).toMatch(/[\u4e00-\u9fff]/);
    expect(errors[4]!.zh).toContain('无需设置：2027-03-14 是星期日，本来就休息');
    expect(errors[5]!.zh).toContain('无需设置：2027-03-10 是星期三，本来就上班');
    expect(formatCalendarFileError(errors[6]!, '2027.csv')).toBe(
      '2027.csv line 10: 2027-03-11 is already on line 8\n  2027.csv 第 10 行：2027-03-11 已在第 8 行出现',
    );
  });

  it('needs the header first, known columns, at least one date and UTF-8', () => {
    expect(errorsOf(parseCalendarFile('# c\n2027-03-10,休,x\n'))).toEqual([
      expect.objectContaining({ line: 2, en: expect.stringMatching(/^the first line should be the header/) }),
    ]);
    expect(errorsOf(parseCalendarFile('date,working,holiday\n2027-03-10,休,x\n'))[0]?.line).toBe(1);
    expect(errorsOf(parseCalendarFile('date,date,working\n'))[0]?.line).toBe(1);
    expect(errorsOf(parseCalendarFile(''))).toEqual([expect.objectContaining({ line: null })]);
    expect(errorsOf(parseCalendarFile('\uFEFF# only a comment\n\n'))[0]?.en).toMatch(/empty/);
    expect(errorsOf(parseCalendarFile('date,working,name\n# nothing\n'))).toEqual([
      { line: null, en: 'no dates in the file', zh: '文件中没有日期' },
    ]);
    // Excel's default CSV in Chinese Windows is GBK: 休 is D0 DD.
    const gbk = Buffer.concat([
      Buffer.from('date,working,name\n2027-03-10,'),
      Buffer.from([0xd0, 0xdd, 0x0a]),
    ]);
    expect(errorsOf(parseCalendarFile(gbk))).toEqual([
      expect.objectContaining({ line: 2, en: expect.stringMatching(/not UTF-8/) }),
    ]);
  });

  it('reads the example in docs', () => {
    const rows = rowsOf(parseCalendarFile(readFileSync(join(root, 'docs/calendar-example.csv'))));
    expect(rows.length).toBeGreaterThan(10);
    expect(rows).toContainEqual({ date: '2026-02-14', working: true, name: '春节' });
  });
});

// Test data: a made-up 2027 holiday (Wed-Thu 10-11 March) and make-up Saturday (13 March).
const TEST_2027 = `date,working,name
# Test data, not the official 2027 schedule
2027-03-10,休,Test holiday
2027-03-11,休,Test holiday
2027-03-13,班,Test make-up day
`;
const test2027 = rowsOf(parseCalendarFile(TEST_2027));

const sh = (iso: string) => DateTime.fromISO(iso, { zone: 'Asia/Shanghai' }).toJSDate();
const shText = (at: Date) => DateTime.fromJSDate(at, { zone: 'Asia/Shanghai' }).toFormat('yyyy-MM-dd HH:mm');

function runCli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/schedule/calendar-cli.ts', ...args],
      { cwd: root, env: { ...process.env, ...env }, timeout: 90_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

describe('loading into PostgreSQL', () => {
  let url: string;
  let database: Database;
  const dir = mkdtempSync(join(tmpdir(), 'sr-calendar-'));
  const all = () => database.db.select().from(calendarDays).orderBy(calendarDays.date);

  beforeAll(async () => {
    url = await freshDatabaseUrl();
    database = await openDatabase({ databaseUrl: url, maxConnections: 3 });
    await database.migrate();
  });
  afterAll(async () => {
    await database?.close();
    if (url) await dropDatabase(url);
    rmSync(dir, { recursive: true, force: true });
  });

  it('without 2027 data, Wednesday 10 March 2027 is a working day', async () => {
    const at = sh('2027-03-10T10:00');
    expect(shText(nextWorkingTime(at, 'Asia/Shanghai', await calendarAround(database.db, at)))).toBe(
      '2027-03-10 10:00',
    );
  });

  it('loads a file: every date added', async () => {
    const o = await loadCalendarRows(database.db, test2027);
    expect([o.added.length, o.changed.length, o.unchanged.length, o.removed.length]).toEqual([3, 0, 0, 0]);
    expect(o.years).toEqual([2027]);
    expect(await readCalendarYears(database.db, [2027])).toEqual(test2027);
  });

  it('loading the same file again changes nothing', async () => {
    const before = await all();
    const o = await loadCalendarRows(database.db, test2027);
    expect([o.added.length, o.changed.length, o.unchanged.length, o.removed.length]).toEqual([0, 0, 3, 0]);
    expect(await all()).toEqual(before);
  });

  it('a date that is there is updated (on conflict do update)', async () => {
    const edited = test2027.map((r) => (r.date === '2027-03-11' ? { ...r, name: 'Test holiday 2' } : r));
    const o = await loadCalendarRows(database.db, edited);
    expect(o.changed).toEqual([
      {
        before: { date: '2027-03-11', working: false, name: 'Test holiday' },
        after: { date: '2027-03-11', working: false, name: 'Test holiday 2' },
      },
    ]);
    expect(o.unchanged.length).toBe(2);
    await loadCalendarRows(database.db, test2027);
  });

  it('--replace-year deletes the other dates of the file’s years only', async () => {
    await database.db.insert(calendarDays).values([
      { date: '2027-05-05', working: false, name: 'Old 2027 row' },
      { date: '2028-05-03', working: false, name: 'Kept 2028 row' },
      { date: '2026-12-31', working: false, name: 'Kept 2026 row' },
    ]);
    const without = await loadCalendarRows(database.db, test2027);
    expect(without.removed).toEqual([]);
    const o = await loadCalendarRows(database.db, test2027, { replaceYears: true });
    expect(o.removed).toEqual([{ date: '2027-05-05', working: false, name: 'Old 2027 row' }]);
    expect(o.unchanged.length).toBe(3);
    expect((await all()).map((r) => r.date)).toEqual([
      '2026-12-31',
      '2027-03-10',
      '2027-03-11',
      '2027-03-13',
      '2028-05-03',
    ]);
  });

  it('writes all or nothing: a failing row rolls back the deletion and the other rows', async () => {
    const before = await all();
    const broken = [
      { date: '2027-04-05', working: false, name: 'x' },
      { date: '2027-02-30', working: false, name: 'not a date' }, // the parser would refuse it
    ];
    await expect(loadCalendarRows(database.db, broken, { replaceYears: true })).rejects.toThrow();
    expect(await all()).toEqual(before);
  });

  it('working time honours a loaded 2027 holiday and make-up day', async () => {
    const zone = 'Asia/Shanghai';
    const at = sh('2027-03-10T10:00');
    const cal = await calendarAround(database.db, at);
    // A non-urgent reminder due on the loaded holiday moves to the next working morning (Friday 12 March).
    expect(shText(nextWorkingTime(at, zone, cal))).toBe('2027-03-12 09:00');
    // Friday evening → the loaded make-up Saturday.
    expect(shText(nextWorkingTime(sh('2027-03-12T19:00'), zone, cal))).toBe('2027-03-13 09:00');
    // Tuesday 16:00 + 4 working hours: 2 on Tuesday, the holiday skipped, 2 on Friday.
    expect(shText(addWorkingHours(sh('2027-03-09T16:00'), 4, zone, cal))).toBe('2027-03-12 11:00');
    expect(nextWorkingDay(DateTime.fromISO('2027-03-09', { zone }), cal).toISODate()).toBe('2027-03-12');
  });

  it('the CLI loads and shows a year (child process), and refuses a bad file without writing', async () => {
    const file = join(dir, 'test-2027.csv');
    writeFileSync(
      file,
      `\uFEFF${TEST_2027.replace('2027-03-11,休,Test holiday', '2027-03-11,休,Changed')}2027-03-12,休\n`,
    );
    const load = await runCli(['load', file, '--replace-year'], { DATABASE_URL: url });
    expect(load.stderr).toBe('');
    expect(load.code).toBe(0);
    expect(load.stdout).toContain(`Database: PostgreSQL ${new URL(url).host}${new URL(url).pathname}`);
    expect(load.stdout).toContain('1 added, 1 changed, 2 unchanged, 0 removed (--replace-year 2027)');
    expect((await readCalendarYears(database.db, [2027])).map((r) => `${r.date} ${r.name}`)).toEqual([
      '2027-03-10 Test holiday',
      '2027-03-11 Changed',
      '2027-03-12 null',
      '2027-03-13 Test make-up day',
    ]);

    const show = await runCli(['show', '2027'], { DATABASE_URL: url });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('2027-03  21 working days 工作日, 3 holiday(s) 休, 1 make-up day(s) 班');
    expect(show.stdout).toContain('    休 03-10 Wed  Test holiday');
    expect(show.stdout).toContain('    班 03-13 Sat  Test make-up day');

    const before = await all();
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'date,working,name\n2027-06-01,休,ok\n2027-06-05,休,Saturday\n');
    const refused = await runCli(['load', bad, '--replace-year'], { DATABASE_URL: url });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${bad} line 3: nothing to change: 2027-06-05 is a Saturday`);
    expect(refused.stderr).toContain(`${bad} 第 3 行：无需设置`);
    expect(refused.stderr).toContain('nothing was loaded');
    expect(await all()).toEqual(before);
  });

  it('the CLI says so when the embedded database is in use, and works once it is free', async () => {
    const dataDir = join(dir, 'data');
    const file = join(dir, 'test-2027.csv');
    writeFileSync(file, TEST_2027);
    const env = { DATABASE_URL: '', DATA_DIR: dataDir };
    const held = await openDatabase({ dataDir }); // like a running `npm start`
    try {
      const busy = await runCli(['load', file], env);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain(
        `${dataDir} is in use by another SalesRelay process (pid ${process.pid})`,
      );
      expect(busy.stderr).toMatch(/Stop SalesRelay.*or use PostgreSQL/s);
    } finally {
      await held.close();
    }
    const free = await runCli(['load', file], env);
    expect(free.stderr).toBe('');
    expect(free.code).toBe(0);
    expect(free.stdout).toContain(`Database: embedded database in ${dataDir}`);
    expect(free.stdout).toContain('3 added, 0 changed, 0 unchanged');
  });
});
