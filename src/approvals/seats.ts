// Who may sit in an approval seat: the seat's role as it stands now, not as it stood at submission. The
// same rule picks the people for a seat, checks a decider and a delegate, and re-routes seats (reroute.ts).
import { and, eq } from 'drizzle-orm';
import type { DepartmentCode } from '../commands/keys.ts';
import type { Queryable } from '../db/client.ts';
import { departments, people } from '../db/schema.ts';
import type { SeatRule } from './policy.ts';

/** Roles above each role, for delegation: a decision passes to the same role or one of these. */
const ABOVE: Record<string, string[]> = {
  sales_rep: ['sales_manager', 'supervisor', 'admin'],
  member: ['head', 'supervisor', 'admin'],
  sales_manager: ['supervisor', 'admin'],
  head: ['supervisor', 'admin'],
  supervisor: ['admin'],
  admin: [],
};

/** A person as a seat sees them: role, department and whether they are still here. */
export type Holder = { id: number; role: string | null; department: string | null; active: boolean };

/** A seat's name as its card shows it. */
export const SEAT_NAMES: Record<string, { en: string; zh: string }> = {
  sales_manager: { en: 'Sales manager', zh: '销售经理' },
  owner_or_manager: { en: 'Owner or sales manager', zh: '负责人或销售经理' },
  'head:finance': { en: 'Finance head', zh: '财务负责人' },
  'head:marketing': { en: 'Marketing head', zh: '市场负责人' },
  'head:production': { en: 'Production head', zh: '生产负责人' },
  'head:logistics': { en: 'Logistics head', zh: '物流负责人' },
  'head:service': { en: 'Service head', zh: '客服负责人' },
  'head:sales': { en: 'Sales head', zh: '销售负责人' },
  'head:management': { en: 'Management', zh: '管理层' },
};

export function seatLabel(rule: SeatRule): string {
  if (rule.kind === 'head') return `head:${rule.dept}`;
  return rule.kind;
}

export function ruleOf(label: string): SeatRule {
  if (label.startsWith('head:')) return { kind: 'head', dept: label.slice(5) as DepartmentCode };
  if (label === 'owner_or_manager') return { kind: 'owner_or_manager', ownerId: null };
  return { kind: 'sales_manager' };
}

/**
 * Whether a person may decide a seat now: they hold its role (a department head of its department; a sales
 * manager; for a customer correction also a sales rep, the owner), or a role above it, as a delegate may.
 */
export function mayHold(label: string, p: Holder): boolean {
  if (!p.active || !p.role) return false;
  const rule = ruleOf(label);
  if (rule.kind === 'head')
    return (p.role === 'head' && p.department === rule.dept) || ABOVE.head!.includes(p.role);
  if (rule.kind === 'owner_or_manager' && p.role === 'sales_rep') return true;
  return p.role === 'sales_manager' || ABOVE.sales_manager!.includes(p.role);
}

export async function holderOf(db: Queryable, personId: number): Promise<Holder | null> {
  const [row] = await db
    .select({ id: people.id, role: people.role, department: departments.code, active: people.active })
    .from(people)
    .leftJoin(departments, eq(departments.id, people.departmentId))
    .where(eq(people.id, personId));
  return row ?? null;
}

/** The people who hold a seat's role now (never the requester): a seat's approvers at submission or re-routing. */
export async function holdersOf(db: Queryable, rule: SeatRule, requesterId: number): Promise<number[]> {
  const active = eq(people.active, true);
  let ids: number[];
  if (rule.kind === 'head') {
    const rows = await db
      .select({ id: people.id })
      .from(people)
      .innerJoin(departments, eq(departments.id, people.departmentId))
      .where(and(active, eq(people.role, 'head'), eq(departments.code, rule.dept)));
    ids = rows.map((r) => r.id);
  } else {
    const rows = await db
      .select({ id: people.id })
      .from(people)
      .where(and(active, eq(people.role, 'sales_manager')));
    ids = rows.map((r) => r.id);
    if (rule.kind === 'owner_or_manager' && rule.ownerId)
      ids = [rule.ownerId, ...ids.filter((i) => i !== rule.ownerId)];
  }
  // Nobody approves their own request.
  return ids.filter((id) => id !== requesterId);
}
