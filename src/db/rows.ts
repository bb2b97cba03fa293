/** The rows of a raw statement's result: postgres.js returns an array, PGlite an object with rows. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * Ids as one array literal for `= any($1::bigint[])`: one parameter, where a list bound id by id costs
 * more to build than the statement takes to run.
 */
export function idArray(ids: readonly number[]): string {
  return `{${[...new Set(ids)].join(',')}}`;
}
