// A year of the working calendar from a file (`npm run calendar -- load <file>`), for years the chinese-days
// package does not know yet. The file is CSV with the header `date,working,name`:
//
//   date,working,name
//   2026-01-01,休,元旦            a public holiday on Monday-Friday
//   2026-02-14,班,春节            a make-up working day (调休) on Saturday or Sunday
//
// `working` is true/false, 1/0, yes/no, 班/休 or workday/holiday. Blank lines and lines starting with # are
// skipped; UTF-8 with or without a BOM. Every line is checked first and each problem is reported with its
// line number in English and Chinese; the caller writes nothing unless the whole file is good.
import { and, gte, inArray, lte, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Db, Queryable } from '../db/client.ts';
import { calendarDays } from '../db/schema.ts';

export type CalendarRow = { date: string; working: boolean; name: string | null };
/** A row of the file, with the line it came from (1-based). */
export type CalendarFileRow = CalendarRow & { line: number };
/** `line` is null for a problem of the whole file (e.g. no dates in it). */
export type CalendarFileError = { line: number | null; en: string; zh: string };
export type CalendarFileResult =
  | { ok: true; rows: CalendarFileRow[] }
  | { ok: false; errors: CalendarFileError[] };

const COLUMNS = ['date', 'working', 'name'] as const;
type Column = (typeof COLUMNS)[number];

const WORKING_WORDS: Record<string, boolean> = {
  true: true,
  '1': true,
  yes: true,
  班: true,
  workday: true,
  false: false,
  '0': false,
  no: false,
  休: false,
  holiday: false,
};
const WORKING_CHOICES = 'true/false, 1/0, yes/no, 班/休, workday/holiday';
const WORKING_CHOICES_ZH = 'true/false、1/0、yes/no、班/休、workday/holiday';

const WEEKDAY_EN = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const WEEKDAY_ZH = ['', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六', '星期日'];
/** Years a file may hold: a typo such as 2207 is caught instead of stored. */
const FIRST_YEAR = 2000;
const LAST_YEAR = 2099;

type Problem = { en: string; zh: string };

function problem(ctx: z.RefinementCtx, p: Problem): never {
  ctx.addIssue({ code: 'custom', message: p.en, params: p });
  return z.NEVER;
}

const dateField = z.string().transform((raw, ctx): DateTime => {
  const v = raw.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    return problem(ctx, {
      en: `"${v}" is not a date: write YYYY-MM-DD, e.g. 2027-01-01`,
      zh: `“${v}”不是日期：请写成 YYYY-MM-DD，例如 2027-01-01`,
    });
  }
  const d = DateTime.fromFormat(v, 'yyyy-MM-dd', { zone: 'UTC' });
  if (!d.isValid) {
    return problem(ctx, { en: `${v} is not a real date`, zh: `${v} 不是实际存在的日期` });
  }
  if (d.year < FIRST_YEAR || d.year > LAST_YEAR) {
    return problem(ctx, {
      en: `${v}: the year should be between ${FIRST_YEAR} and ${LAST_YEAR}`,
      zh: `${v}：年份应在 ${FIRST_YEAR} 至 ${LAST_YEAR} 之间`,
    });
  }
  return d;
});

const workingField = z.string().transform((raw, ctx): boolean => {
  const v = WORKING_WORDS[raw.trim().toLowerCase()];
  if (v !== undefined) return v;
  return problem(ctx, {
    en: `working is "${raw.trim()}": write ${WORKING_CHOICES}`,
    zh: `working 列为“${raw.trim()}”：请写 ${WORKING_CHOICES_ZH}`,
  });
});

const rowSchema = z
  .object({ date: dateField, working: workingField, name: z.string().default('') })
  .transform((r, ctx): CalendarRow => {
    const date = r.date.toISODate()!;
    const weekend = r.date.weekday >= 6;
    const day = { en: WEEKDAY_EN[r.date.weekday]!, zh: WEEKDAY_ZH[r.date.weekday]! };
    const only = {
      en: 'list only holidays on Monday-Friday and make-up working days on Saturday or Sunday',
      zh: '只需列出周一至周五的假日和周六、周日的调休上班日',
    };
    if (!r.working && weekend) {
      return problem(ctx, {
        en: `nothing to change: ${date} is a ${day.en}, a day off anyway; ${only.en}`,
        zh: `无需设置：${date} 是${day.zh}，本来就休息；${only.zh}`,
      });
    }
    if (r.working && !weekend) {
      return problem(ctx, {
        en: `nothing to change: ${date} is a ${day.en}, a working day anyway; ${only.en}`,
        zh: `无需设置：${date} 是${day.zh}，本来就上班；${only.zh}`,
      });
    }
    return { date, working: r.working, name: r.name.trim() || null };
  });

/** One CSV line into fields; double quotes around a field allow commas in it ("" is a quote). */
function splitCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (i < line.length && line[i] !== ',') return null;
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      fields.push(line.slice(i, comma < 0 ? line.length : comma).trim());
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** Text of the file: UTF-8, a leading BOM removed. A line that is not UTF-8 is an error on that line. */
function decode(input: string | Uint8Array): { text: string } | { error: CalendarFileError } {
  if (typeof input === 'string') return { text: input.replace(/^\uFEFF/, '') };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(input) };
  } catch {
    const lines = new TextDecoder('utf-8').decode(input).split('\n');
    const line = lines.findIndex((l) => l.includes('\uFFFD')) + 1;
    return {
      error: {
        line: line || null,
        en: 'the file is not UTF-8 text (from Excel: save as "CSV UTF-8")',
        zh: '文件不是 UTF-8 编码（在 Excel 中请另存为“CSV UTF-8（逗号分隔）”）',
      },
    };
  }
}

export function parseCalendarFile(input: string | Uint8Array): CalendarFileResult {
  const decoded = decode(input);
  if ('error' in decoded) return { ok: false, errors: [decoded.error] };
  const errors: CalendarFileError[] = [];
  const rows: CalendarFileRow[] = [];
  const seen = new Map<string, number>();
  let header: Column[] | null = null;

  const lines = decoded.text.split(/\r\n|\r|\n/);
  for (const [index, text] of lines.entries()) {
    const line = index + 1;
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const fields = splitCsvLine(text);
    if (!fields) {
      errors.push({
        line,
        en: 'a quote (") is not closed, or text follows a closing quote',
        zh: '引号（"）未闭合，或闭合引号后还有文字',
      });
      if (!header) break;
      continue;
    }

    if (!header) {
      const names = fields.map((f) => f.trim().toLowerCase());
      const unknown = names.filter((n) => !(COLUMNS as readonly string[]).includes(n));
      const twice = names.filter((n, i) => names.indexOf(n) !== i);
      if (!names.includes('date') || !names.includes('working') || unknown.length || twice.length) {
        errors.push({
          line,
          en: `the first line should be the header date,working,name (found "${trimmed}")`,
          zh: `第一行应为表头 date,working,name（实际为“${trimmed}”）`,
        });
        break; // without a header the other lines cannot be read
      }
      header = names as Column[];
      continue;
    }

    if (fields.length > header.length) {
      errors.push({
        line,
        en: `${fields.length} fields, the header has ${header.length} (${header.join(',')}); a name with a comma needs quotes`,
        zh: `有 ${fields.length} 列，表头只有 ${header.length} 列（${header.join(',')}）；名称中含逗号时请加引号`,
      });
      continue;
    }
    const record: Partial<Record<Column, string>> = {};
    for (const [i, column] of header.entries()) {
      const value = fields[i];
      if (value !== undefined) record[column] = value;
    }
    if (record.date === undefined || record.working === undefined) {
      const fullWidth = text.includes('，');
      errors.push({
        line,
        en: `expected ${header.join(',')}, found "${trimmed}"${fullWidth ? ' (use the ASCII comma , not ，)' : ''}`,
        zh: `应为 ${header.join(',')}，实际为“${trimmed}”${fullWidth ? '（请用半角逗号 , 而不是 ，）' : ''}`,
      });
      continue;
    }

    const parsed = rowSchema.safeParse(record);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const p = (issue as { params?: Problem }).params;
        errors.push({ line, en: p?.en ?? issue.message, zh: p?.zh ?? issue.message });
      }
      continue;
    }
    const first = seen.get(parsed.data.date);
    if (first !== undefined) {
      errors.push({
        line,
        en: `${parsed.data.date} is already on line ${first}`,
        zh: `${parsed.data.date} 已在第 ${first} 行出现`,
      });
      continue;
    }
    seen.set(parsed.data.date, line);
    rows.push({ ...parsed.data, line });
  }

  if (!header && errors.length === 0) {
    errors.push({
      line: null,
      en: 'the file is empty: it needs the header date,working,name and one line per date',
      zh: '文件为空：需要表头 date,working,name，每个日期一行',
    });
  } else if (header && rows.length === 0 && errors.length === 0) {
    errors.push({ line: null, en: 'no dates in the file', zh: '文件中没有日期' });
  }
  return errors.length ? { ok: false, errors } : { ok: true, rows };
}

/** `line 5: …` in English with the Chinese below it. */
export function formatCalendarFileError(e: CalendarFileError, file?: string): string {
  const where = e.line === null ? (file ?? 'file') : `${file ? `${file} ` : ''}line ${e.line}`;
  const whereZh = e.line === null ? (file ?? '文件') : `${file ? `${file} ` : ''}第 ${e.line} 行`;
  return `${where}: ${e.en}\n${' '.repeat(2)}${whereZh}：${e.zh}`;
}

export type LoadOutcome = {
  years: number[];
  added: CalendarRow[];
  changed: { before: CalendarRow; after: CalendarRow }[];
  unchanged: CalendarRow[];
  /** Rows of the file's years that were not in the file (only with replaceYears). */
  removed: CalendarRow[];
};

const yearsOf = (rows: CalendarRow[]) => [...new Set(rows.map((r) => Number(r.date.slice(0, 4))))].sort();

/** The stored rows of whole years, by date. */
export async function readCalendarYears(db: Queryable, years: number[]): Promise<CalendarRow[]> {
  if (years.length === 0) return [];
  const rows = await db
    .select({ date: calendarDays.date, working: calendarDays.working, name: calendarDays.name })
    .from(calendarDays)
    .where(
      and(
        gte(calendarDays.date, `${Math.min(...years)}-01-01`),
        lte(calendarDays.date, `${Math.max(...years)}-12-31`),
      ),
    )
    .orderBy(calendarDays.date);
  return rows.filter((r) => years.includes(Number(r.date.slice(0, 4))));
}

/**
 * Writes checked rows in one transaction: insert, or update a date that is there (on conflict (date) do
 * update). With replaceYears, the other rows of the file's years are deleted first, in the same transaction.
 */
export async function loadCalendarRows(
  db: Db,
  rows: CalendarRow[],
  opts: { replaceYears?: boolean } = {},
): Promise<LoadOutcome> {
  const years = yearsOf(rows);
  return db.transaction(async (tx) => {
    const before = new Map((await readCalendarYears(tx, years)).map((r) => [r.date, r]));
    const fileDates = new Set(rows.map((r) => r.date));
    const outcome: LoadOutcome = { years, added: [], changed: [], unchanged: [], removed: [] };
    for (const r of rows) {
      const row = { date: r.date, working: r.working, name: r.name };
      const old = before.get(r.date);
      if (!old) outcome.added.push(row);
      else if (old.working !== row.working || old.name !== row.name)
        outcome.changed.push({ before: old, after: row });
      else outcome.unchanged.push(row);
    }
    if (opts.replaceYears) {
      outcome.removed = [...before.values()].filter((r) => !fileDates.has(r.date));
      if (outcome.removed.length) {
        await tx.delete(calendarDays).where(
          inArray(
            calendarDays.date,
            outcome.removed.map((r) => r.date),
          ),
        );
      }
    }
    if (rows.length) {
      await tx
        .insert(calendarDays)
        .values(rows.map((r) => ({ date: r.date, working: r.working, name: r.name })))
        .onConflictDoUpdate({
          target: calendarDays.date,
          set: { working: sql`excluded.working`, name: sql`excluded.name` },
          setWhere: sql`(${calendarDays.working}, ${calendarDays.name}) is distinct from (excluded.working, excluded.name)`,
        });
    }
    return outcome;
  });
}

const describeDay = (r: CalendarRow) => {
  const d = DateTime.fromISO(r.date, { zone: 'UTC' });
  return `${r.date.slice(5)} ${d.toFormat('ccc')}${r.name ? `  ${r.name}` : ''}`;
};

/** `show <year>`: per month, the working days and each holiday (休) and make-up working day (班). */
export function formatCalendarYear(year: number, rows: CalendarRow[]): string {
  const byDate = new Map(rows.map((r) => [r.date, r.working]));
  const out: string[] = [];
  const holidays = rows.filter((r) => !r.working).length;
  out.push(
    `Working calendar ${year} 工作日历: ${holidays} holiday(s) 休, ${rows.length - holidays} make-up working day(s) 班`,
  );
  if (rows.length === 0) {
    out.push(
      `No dates for ${year}: every Monday-Friday counts as a working day. 该年没有数据：周一至周五都算工作日。`,
      'Load the year with: npm run calendar -- load <file>',
    );
  }
  for (let month = 1; month <= 12; month++) {
    const first = DateTime.utc(year, month, 1);
    let working = 0;
    for (let d = first; d.month === month; d = d.plus({ days: 1 })) {
      if (byDate.get(d.toISODate()!) ?? d.weekday <= 5) working++;
    }
    const inMonth = rows.filter((r) => r.date.startsWith(first.toFormat('yyyy-MM')));
    const h = inMonth.filter((r) => !r.working).length;
    out.push(
      `${first.toFormat('yyyy-MM')}  ${working} working days 工作日` +
        (inMonth.length ? `, ${h} holiday(s) 休, ${inMonth.length - h} make-up day(s) 班` : ''),
    );
    for (const r of inMonth) out.push(`    ${r.working ? '班' : '休'} ${describeDay(r)}`);
  }
  return out.join('\n');
}

/** What a load did, for the admin. */
export function formatLoadOutcome(o: LoadOutcome, replaceYears: boolean): string {
  const out = [
    `${o.added.length} added, ${o.changed.length} changed, ${o.unchanged.length} unchanged` +
      (replaceYears ? `, ${o.removed.length} removed (--replace-year ${o.years.join(', ')})` : '') +
      ` · 新增 ${o.added.length}，修改 ${o.changed.length}，未变 ${o.unchanged.length}` +
      (replaceYears ? `，删除 ${o.removed.length}` : ''),
  ];
  const kind = (r: CalendarRow) => (r.working ? '班 working day' : '休 holiday');
  for (const r of o.added) out.push(`  added    ${kind(r)} ${describeDay(r)}`);
  for (const c of o.changed) {
    out.push(
      `  changed  ${kind(c.after)} ${describeDay(c.after)}  (was ${kind(c.before)}${c.before.name ? ` ${c.before.name}` : ''})`,
    );
  }
  for (const r of o.removed) out.push(`  removed  ${kind(r)} ${describeDay(r)}`);
  return out.join('\n');
}
