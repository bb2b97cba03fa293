// Who may do what, by role and department, as the policy implies. Record-level rules (the owner of a lead,
// departments a customer was shared with) are checked by the flows with these helpers.
import type { Actor, Role } from './actor.ts';

const has = (actor: Actor, ...roles: Role[]) => actor.role !== null && roles.includes(actor.role);

export const isAdmin = (a: Actor) => has(a, 'admin');
export const isSalesManager = (a: Actor) => has(a, 'sales_manager', 'admin');
/** Sales reps and managers: they own customers, leads, quotes and orders. */
export const isSales = (a: Actor) => has(a, 'sales_rep', 'sales_manager', 'admin');
export const isMarketing = (a: Actor) => a.department === 'marketing' && has(a, 'member', 'head');
export const isHead = (a: Actor) => has(a, 'head', 'sales_manager', 'admin');
export const isSupervisor = (a: Actor) => has(a, 'supervisor', 'admin');
/** Anyone an admin has given a role: every department member may read what is shared with them. */
export const isStaff = (a: Actor) => a.role !== null;
export const anyone = (_a: Actor) => true;

/** Prices and margins (R-SEC-1): sales, finance, management and the supervision group. */
export const seesPrices = (a: Actor) =>
  isSales(a) || isSupervisor(a) || a.department === 'finance' || a.department === 'management';
