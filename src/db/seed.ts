// Rows every organisation has: the org settings and the departments of the policy (R-ORG-1).
import { DEPARTMENTS } from '../commands/keys.ts';
import { ensureOrg, type Org } from '../core/org.ts';
import { DEPARTMENT_NAMES } from '../flows/common.ts';
import { loadChinaCalendar } from '../schedule/china-calendar.ts';
import type { Queryable } from './client.ts';
import { departments } from './schema.ts';

export async function seedBasics(db: Queryable, org: Org): Promise<void> {
  await ensureOrg(db, org);
  await db
    .insert(departments)
    .values(
      (Object.keys(DEPARTMENTS) as (keyof typeof DEPARTMENTS)[]).map((code) => ({
        code,
        nameEn: DEPARTMENT_NAMES[code].en,
        nameZh: DEPARTMENT_NAMES[code].zh,
      })),
    )
    .onConflictDoNothing();
  // Mainland-China holidays and make-up working days, for the years the chinese-days package knows.
  await loadChinaCalendar(db, [2026, 2027]);
}
