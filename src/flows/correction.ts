// An upheld customer correction reaches everyone who received the customer (R-CUST-3, policy 3.1.3): the
// departments it was shared with and every department that received an order of it (distributions), each
// once, with what changed (old → new, confidential values as that department's chat may read them); its
// owner in private; and the order and change cards already posted for its open orders are re-rendered in
// place.
import { and, eq, notInArray } from 'drizzle-orm';
import type { Approval } from '../approvals/engine.ts';
import type { DepartmentCode } from '../commands/keys.ts';
import type { FieldChange, FlowContext } from '../core/context.ts';
import type { Audience } from '../core/outbox.ts';
import { auditCardRead, maskEmail, maskPhone, Reveal, type Viewer } from '../core/visibility.ts';
import { approvals, customerShares, departments, distributions, orders } from '../db/schema.ts';
import type { Locale } from '../i18n/locale.ts';
import { label } from './common.ts';
import { type DistributionContent, rerenderDistributions } from './distribution.ts';
import { FIELD_NAMES, nameOf } from './labels.ts';
import { APPROVED_TITLE, changeContent, orderContent } from './order-approval.ts';

export type Correction = Partial<
  Record<
    'name' | 'industry' | 'address' | 'scope' | 'size' | 'region' | 'contact' | 'phone' | 'email' | 'fax',
    string
  >
>;

/** The contact keys of a correction and the contact column each changes. */
const CONTACT_COLUMNS: Record<string, string> = {
  contact: 'name',
  phone: 'phone',
  email: 'email',
  fax: 'fax',
};
const CONFIDENTIAL_CONTACT = new Set(['phone', 'email', 'fax']);
/** Orders whose cards still matter: released and not finished. */
const CLOSED_ORDER = ['draft', 'pending', 'cancelled', 'completed'];

/**
 * Every department that received the customer, once: those it is shared with (with the shared fields,
 * which decide what their chat reads) and those that received a distribution of one of its orders.
 */
export async function correctionReceivers(
  ctx: FlowContext,
  customerId: number,
): Promise<{ code: DepartmentCode; shared: string[] }[]> {
  const shared = await ctx.tx
    .select({ code: departments.code, fields: customerShares.fields })
    .from(customerShares)
    .innerJoin(departments, eq(departments.id, customerShares.departmentId))
    .where(eq(customerShares.customerId, customerId));
  const ordered = await ctx.tx
    .selectDistinct({ code: departments.code })
    .from(distributions)
    .innerJoin(departments, eq(departments.id, distributions.departmentId))
    .innerJoin(orders, and(eq(distributions.subjectType, 'order'), eq(distributions.subjectId, orders.id)))
    .where(eq(orders.customerId, customerId));
  const all = new Map<DepartmentCode, string[]>();
  for (const s of shared)
    all.set(s.code as DepartmentCode, [...(all.get(s.code as DepartmentCode) ?? []), ...s.fields]);
  for (const o of ordered) if (!all.has(o.code as DepartmentCode)) all.set(o.code as DepartmentCode, []);
  return [...all].map(([code, fields]) => ({ code, shared: fields }));
}

/** The value before the correction, from the history rows the correction wrote. */
function before(changes: FieldChange[], key: string): string | null {
  const column = CONTACT_COLUMNS[key];
  const f = changes.find((c) => c.field === (column ? `contact.${column}` : key));
  return f?.from === null || f?.from === undefined ? null : String(f.from);
}

/** What changed, one line per field: old → new; phone, email and fax by the one rule (core/visibility.ts). */
export function describeCorrected(p: Correction, changes: FieldChange[], r: Reveal, l: Locale): string {
  return Object.entries(p)
    .map(([key, to]) => {
      const from = before(changes, key);
      const name = nameOf(FIELD_NAMES, key, l);
      if (!CONFIDENTIAL_CONTACT.has(key)) return `${name}: ${from ?? '—'} → ${to}`;
      const mask = (v: string | null) => (v ? (key === 'email' ? maskEmail(v) : maskPhone(v)) : '—');
      const shownTo = r.text('contacts', 'contacts', to, mask(to));
      if (shownTo === null)
        return `${name}: ${label(l, '(changed; not shown to you)', '（已更正，无权查看）')}`;
      const shownFrom = from === null ? '—' : (r.text('contacts', 'contacts', from, mask(from)) ?? '—');
      return `${name}: ${shownFrom} → ${shownTo}`;
    })
    .join('\n');
}

/** Tells everyone who received the customer of an upheld correction, and re-renders the order cards. */
export async function tellCorrection(
  ctx: FlowContext,
  a: Approval,
  c: { id: number; number: string; name: string; ownerId: number | null },
  p: Correction,
  changes: FieldChange[],
): Promise<void> {
  const name = p.name ?? c.name;
  const notice = (viewer: Partial<Viewer>, shared: readonly string[]) => (l: Locale, audience: Audience) => {
    const r = new Reveal(
      { ...viewer, audience },
      { kind: 'customer', ownerId: c.ownerId, shared },
      ctx.org.currency,
    );
    return {
      text: `${label(
        l,
        `Customer ${c.number} ${name} corrected (${a.number}):`,
        `客户 ${c.number} ${name} 信息已更正（${a.number}）：`,
      )}\n${describeCorrected(p, changes, r, l)}`,
    };
  };
  for (const d of await correctionReceivers(ctx, c.id))
    await ctx.out.send({ kind: 'department', code: d.code }, notice({ department: d.code }, d.shared));
  if (c.ownerId && c.ownerId !== ctx.actor.personId) {
    const sent = await ctx.out.send({ kind: 'person', personId: c.ownerId }, notice({ owner: true }, []));
    const r = new Reveal(
      { audience: 'private', owner: true },
      { kind: 'customer', ownerId: c.ownerId, shared: [] },
      ctx.org.currency,
    );
    describeCorrected(p, changes, r, ctx.locale);
    if (sent > 0)
      await auditCardRead(ctx, c.ownerId, 'customer', c.number, r.fields, { correction: a.number });
  }
  // The order cards already in the departments' chats show the customer: re-rendered where they are.
  const open = await ctx.tx
    .select({ id: orders.id, number: orders.number })
    .from(orders)
    .where(and(eq(orders.customerId, c.id), notInArray(orders.status, CLOSED_ORDER)));
  for (const o of open) {
    const pending = await orderContent(ctx, o.number, APPROVED_TITLE(o.number));
    const acked = await orderContent(ctx, o.number, { en: `Order ${o.number}`, zh: `订单 ${o.number}` });
    // A change's cards were sent in the transaction that approved it: found by its decision time.
    const changes = new Map<number, DistributionContent>();
    for (const ch of await ctx.tx
      .select()
      .from(approvals)
      .where(
        and(
          eq(approvals.subjectType, 'order_change'),
          eq(approvals.subjectId, o.id),
          eq(approvals.state, 'approved'),
        ),
      ))
      if (ch.decidedAt) changes.set(ch.decidedAt.getTime(), await changeContent(ctx, o.number, ch));
    await rerenderDistributions(
      ctx,
      { type: 'order', id: o.id, ref: o.number },
      ['order', 'change'],
      (card) => {
        if (card.acknowledged) return acked;
        return card.kind === 'order' ? pending : (changes.get(card.sentAt.getTime()) ?? null);
      },
    );
  }
}
