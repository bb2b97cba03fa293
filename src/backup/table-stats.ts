// Row counts and a checksum of every table: written into a backup's manifest, and compared with it after a
// restore or a drill. The checksum is over the rows as text in a fixed order, so two databases give the
// same one exactly when every row is the same.

/** Runs one SQL statement and returns its rows (postgres.js and PGlite both fit behind this). */
export type RunSql = (sql: string) => Promise<Record<string, unknown>[]>;

export type TableStat = { table: string; rows: number; md5: string };

/** What a restore does with the restored database before it lets go of it (compare, then end its log). */
export type AfterRestore = (tables: TableStat[], run: RunSql) => Promise<void>;

// Row text depends on these session settings (a timestamptz prints in the session's time zone): fixed,
// so a backup counted in one place and restored in another compare equal.
export const STABLE_TEXT_SETTINGS = [
  "set timezone = 'UTC'",
  "set datestyle = 'ISO, YMD'",
  "set intervalstyle = 'postgres'",
  'set extra_float_digits = 1',
];

/** The application's tables: the public schema and drizzle's list of applied migrations. */
export async function listTables(run: RunSql): Promise<string[]> {
  const rows = await run(
    "select schemaname || '.' || tablename as name from pg_tables where schemaname in ('public', 'drizzle') order by 1",
  );
  return rows.map((r) => String(r.name));
}

const quoted = (qualified: string) =>
  qualified
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');

/**
 * Counts and checksums of every table, read with the stable text settings (`local`: for this transaction
 * only, on a connection the application goes on using).
 */
export async function tableStats(run: RunSql, local = false): Promise<TableStat[]> {
  for (const s of STABLE_TEXT_SETTINGS) await run(local ? s.replace(/^set /, 'set local ') : s);
  const stats: TableStat[] = [];
  for (const table of await listTables(run)) {
    const [row] = await run(
      `select count(*)::int as rows, coalesce(md5(string_agg(t::text, ',' order by t::text)), '') as md5 from ${quoted(table)} t`,
    );
    stats.push({ table: displayName(table), rows: Number(row?.rows), md5: String(row?.md5 ?? '') });
  }
  return stats;
}

/** public.customers reads as customers; other schemas keep their name. */
function displayName(qualified: string): string {
  return qualified.startsWith('public.') ? qualified.slice('public.'.length) : qualified;
}

/** The differences between what a backup's manifest says and what a database holds, one line each. */
export function compareStats(expected: TableStat[], actual: TableStat[]): string[] {
  const got = new Map(actual.map((s) => [s.table, s]));
  const problems: string[] = [];
  for (const e of expected) {
    const a = got.get(e.table);
    if (!a) problems.push(`${e.table}: missing`);
    else if (a.rows !== e.rows) problems.push(`${e.table}: ${a.rows} rows, the backup has ${e.rows}`);
    else if (a.md5 !== e.md5) problems.push(`${e.table}: the rows differ from the backup (checksum)`);
    got.delete(e.table);
  }
  for (const extra of got.keys()) problems.push(`${extra}: not in the backup`);
  return problems;
}

/** The row counts as lines for the terminal, e.g. "  customers        12". */
export function formatCounts(stats: TableStat[]): string {
  const width = Math.max(...stats.map((s) => s.table.length), 5);
  return stats.map((s) => `  ${s.table.padEnd(width)}  ${String(s.rows).padStart(8)}`).join('\n');
}
