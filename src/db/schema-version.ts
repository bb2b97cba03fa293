// A replica older than the database it opens must not run: its code would read and write tables whose shape
// it does not know. During a rolling upgrade the new version migrates first; an old replica restarted after
// that stops here with a clear message instead of failing on some later query.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SQL, sql } from 'drizzle-orm';
import { ConfigError } from '../config.ts';
import { rowsOf } from './rows.ts';

type Journal = { entries: { tag: string; when: number }[] };

/** The newest migration this code ships (migrations/meta/_journal.json). */
export function shippedMigrations(migrationsFolder: string): Journal['entries'] {
  const journal = JSON.parse(
    readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8'),
  ) as Journal;
  return journal.entries;
}

export class SchemaTooNewError extends ConfigError {}

/** Throws SchemaTooNewError when the database holds migrations this code does not ship. */
/** Any drizzle database handle (PostgreSQL or PGlite): this module is used by client.ts, which opens them. */
type Executes = { execute(query: SQL): Promise<unknown> };

export async function refuseNewerSchema(db: Executes, migrationsFolder: string): Promise<void> {
  const shipped = shippedMigrations(migrationsFolder);
  const newest = Math.max(...shipped.map((e) => e.when));
  // drizzle's migrators record each applied migration's folder time in drizzle.__drizzle_migrations.
  const rows = rowsOf<{ n: number; newest: string | null }>(
    await db.execute(
      sql`select count(*)::int as n, max(created_at)::text as newest from drizzle.__drizzle_migrations`,
    ),
  );
  const applied = rows[0]!;
  if (applied.newest === null || Number(applied.newest) <= newest) return;
  const ahead = applied.n - shipped.length;
  throw new SchemaTooNewError(
    [
      `The database was upgraded by a newer SalesRelay: it has ${applied.n} migrations, this version knows ${shipped.length}` +
        (ahead > 0 ? ` (${ahead} newer than ${shipped.at(-1)!.tag})` : '') +
        '. Start the newer version here (every replica of one database must run the same version); this process stops so as not to write what it does not understand.',
      `数据库已由更新版本的 SalesRelay 升级（${applied.n} 个迁移，本版本只有 ${shipped.length} 个）。请在此运行新版本（同一数据库的所有副本须为同一版本）；本进程停止，以免写入它不理解的数据。`,
    ].join('\n'),
  );
}
