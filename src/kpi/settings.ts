// Where the KPI knobs live: org_settings.settings.kpi = { targets, required } (beside the approval policy).
import { eq } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { orgSettings } from '../db/schema.ts';
import { type RecordType, readRequired } from './required.ts';
import { readTargets, type Targets } from './targets.ts';

export type KpiSettings = { targets: Targets; required: Record<RecordType, string[]> };

export async function readKpiSettings(db: Queryable): Promise<KpiSettings> {
  const [row] = await db.select({ settings: orgSettings.settings }).from(orgSettings).limit(1);
  const kpi = (row?.settings?.kpi ?? {}) as { targets?: unknown; required?: unknown };
  return { targets: readTargets(kpi.targets), required: readRequired(kpi.required) };
}

/** Stores the KPI knobs, keeping every other setting of the organisation as it was. */
export async function storeKpiSettings(db: Queryable, s: KpiSettings, now: Date): Promise<void> {
  const [row] = await db.select({ settings: orgSettings.settings }).from(orgSettings).limit(1).for('update');
  await db
    .update(orgSettings)
    .set({
      settings: { ...(row?.settings ?? {}), kpi: { targets: s.targets, required: s.required } },
      updatedAt: now,
    })
    .where(eq(orgSettings.id, 1));
}
