// Who may open which lead and which order (R-SEC-1, R-SEC-2): one rule per kind of record, written once here
// and read two ways: as SQL, for every list (chat lead list / order list, the web lists, the dashboard), and
// as a check of one row, for every read of one record (lead show / history, order show / history, the web
// pages, links between records). Both readings come from the same clauses, each clause naming its column and
// its test side by side, so a list shows exactly the records its show opens.
//
// Leads: sales, marketing (who register and hand over leads) and supervisors read leads; a rep reads their
// own, the unassigned ones (the pool the manager assigns from) and those they recorded themselves.
// Orders: a draft or an order waiting for approval is its rep's and the managers' (supervisors and admins
// too); the other departments receive an order when it is approved and distributed (policy 3.3.2), so they
// open it from then on. What of a record a reader sees in full (contacts, prices) is core/visibility.ts.
import { eq, isNull, notInArray, or, type SQL, sql } from 'drizzle-orm';
import type { Actor } from '../core/actor.ts';
import { isMarketing, isSales, isStaff, isSupervisor } from '../core/permissions.ts';
import { leads, orders } from '../db/schema.ts';

type Lead = typeof leads.$inferSelect;
type Order = typeof orders.$inferSelect;

/** One condition on a record: as SQL over its table, and as a test of a row already read. */
type Clause<R> = { where: SQL; holds: (row: R) => boolean };

/** A reader's reach: every record, or those meeting any of the clauses (none: no record). */
type Reach<R> = 'all' | Clause<R>[];

const scopeOf = <R>(reach: Reach<R>): SQL | undefined =>
  reach === 'all' ? undefined : reach.length === 0 ? sql`false` : or(...reach.map((c) => c.where));

const allows = <R>(reach: Reach<R>, row: R): boolean => reach === 'all' || reach.some((c) => c.holds(row));

// ── Leads ────────────────────────────────────────────────────────────────────────────────────────────────

type LeadRow = Pick<Lead, 'ownerId' | 'createdBy'>;

/** Who reads leads at all (lead show, lead list, lead history, the web lead pages). */
export const readsLeads = (a: Actor) => isSales(a) || isMarketing(a) || isSupervisor(a);

function leadReach(a: Actor): Reach<LeadRow> {
  if (!readsLeads(a)) return [];
  if (a.role !== 'sales_rep') return 'all';
  return [
    { where: eq(leads.ownerId, a.personId), holds: (l) => l.ownerId === a.personId },
    { where: isNull(leads.ownerId), holds: (l) => l.ownerId === null },
    { where: eq(leads.createdBy, a.personId), holds: (l) => l.createdBy === a.personId },
  ];
}

/** The leads a reader may open, as a condition on `leads` (undefined: all). */
export const leadScope = (a: Actor): SQL | undefined => scopeOf(leadReach(a));

/** May this reader open this lead (show it, its history, its page)? */
export const mayReadLead = (a: Actor, lead: LeadRow): boolean => allows(leadReach(a), lead);

// ── Orders ───────────────────────────────────────────────────────────────────────────────────────────────

type OrderRow = Pick<Order, 'ownerId' | 'status'>;

/** Before approval an order is its rep's working draft (and the managers'); departments receive it approved. */
export const UNRELEASED = ['draft', 'pending'];

function orderReach(a: Actor): Reach<OrderRow> {
  if (!isStaff(a)) return [];
  if (a.role === 'sales_rep')
    return [{ where: eq(orders.ownerId, a.personId), holds: (o) => o.ownerId === a.personId }];
  if (isSales(a) || isSupervisor(a)) return 'all';
  return [{ where: notInArray(orders.status, UNRELEASED), holds: (o) => !UNRELEASED.includes(o.status) }];
}

/** The orders a reader may open, as a condition on `orders` (undefined: all). */
export const orderScope = (a: Actor): SQL | undefined => scopeOf(orderReach(a));

/** May this reader open this order (show it, its history, its page)? */
export const mayOpenOrder = (a: Actor, o: OrderRow): boolean => allows(orderReach(a), o);
