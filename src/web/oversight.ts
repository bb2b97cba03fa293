// The oversight sections of the web workspace (KPIs, audit, admin) and who may open each: the same rules
// as their chat commands (report kpi beyond one's own figures, audit list, the admin commands).
import type { Actor } from '../core/actor.ts';
import { isAdmin, isSupervisor } from '../core/permissions.ts';
import { headOf, seesAll } from '../flows/report-kpi.ts';

export const OVERSIGHT_NAV = {
  kpi: { en: 'KPIs', zh: '考核' },
  audit: { en: 'Audit', zh: '审计' },
  admin: { en: 'Admin', zh: '管理' },
} as const;
export type OversightSection = keyof typeof OVERSIGHT_NAV;

/**
 * KPIs: whoever `report kpi` shows more than their own figures (admins, supervisors, management: everyone;
 * department heads and the sales manager: their department). Audit: admins and supervisors. Admin: admins.
 */
export const MAY_OPEN: Record<OversightSection, (a: Actor) => boolean> = {
  kpi: (a) => seesAll({ actor: a }) || headOf({ actor: a }) !== null,
  audit: isSupervisor,
  admin: isAdmin,
};

export const oversightFor = (a: Actor): OversightSection[] =>
  (Object.keys(OVERSIGHT_NAV) as OversightSection[]).filter((s) => MAY_OPEN[s](a));
