// An instant bound into a raw statement as text with a cast: postgres.js binds no Date there (PGlite does).
import { type SQL, sql } from 'drizzle-orm';

export const at = (d: Date): SQL => sql`${d.toISOString()}::timestamptz`;
