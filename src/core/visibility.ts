// Who sees which confidential value where (R-SEC-1, R-SEC-2, R-CUST-4), decided here and nowhere else.
// Every confidential field has a class; `reveal` decides from the reader (role, department, owner or not,
// shares, approver of the record) and the chat (a group chat is read by everyone in it, a private chat by
// one person) whether a value is shown in full, masked, or left out. What it showed in full is what the
// flow then records with ctx.auditRead, so the audit names exactly the fields a person saw.
import type { DepartmentCode } from '../commands/keys.ts';
import { auditLog } from '../db/schema.ts';
import { type Locale, pick } from '../i18n/locale.ts';
import type { Actor } from './actor.ts';
import { type FlowContext, READ_ACTION } from './context.ts';
import { formatMoney } from './money.ts';
import type { Audience } from './outbox.ts';

/**
 * Confidentiality classes. The customer ones are also what `customer share … fields=` names (policy 3.1.3):
 * contacts (phone, email, fax), needs, intent (likelihood, budget, buying process, decision makers),
 * history (trade history). Deals: prices (unit prices, line amounts, totals, paid, price adjustments).
 * Intel: the text of market information marked confidential.
 */
export const CUSTOMER_CLASSES = ['contacts', 'needs', 'intent', 'history'] as const;
export type CustomerClass = (typeof CUSTOMER_CLASSES)[number];
export type ConfidentialClass = CustomerClass | 'prices' | 'intel';

export type Show = 'full' | 'masked' | 'omitted';

/** Departments whose members see the prices of every released deal (besides sales, by ownership). */
const PRICE_DEPARTMENTS: readonly DepartmentCode[] = ['finance', 'management'];

/** The record a value belongs to, with what decides who may see it. */
export type Subject =
  | {
      kind: 'customer';
      ownerId: number | null;
      /** Fields shared with the reader's department (customer share), if any. */
      shared: readonly string[];
    }
  | { kind: 'deal'; ownerId: number | null }
  | { kind: 'intel'; level: string; createdBy: number | null; sharedWith: readonly string[] };

/**
 * Who reads. A person (`actor`) in a private or a group chat; or, for cards the outbox renders per chat,
 * a reader known only by the chat: a department's group chat (`department`), or an approver's private
 * chat (`approver`: the seat holders of an approval are the only people its private card goes to).
 */
export type Viewer = {
  actor?: Actor | null;
  department?: DepartmentCode | null;
  audience: Audience;
  /** The reader decides an approval of this record: they see what the decision needs. */
  approver?: boolean;
  /** The reader owns the record (a notice sent to its owner's private chat). */
  owner?: boolean;
};

export const viewerOf = (ctx: FlowContext, extra: Partial<Viewer> = {}): Viewer => ({
  actor: ctx.actor,
  department: ctx.actor.department,
  audience: ctx.replyAudience,
  ...extra,
});

const role = (a: Actor | null | undefined) => a?.role ?? null;
const seesAll = (a: Actor | null | undefined) =>
  role(a) === 'admin' || role(a) === 'sales_manager' || role(a) === 'supervisor';

/** May this reader see this class of this record at all (in a private chat)? */
export function entitled(v: Viewer, cls: ConfidentialClass, s: Subject): boolean {
  const a = v.actor ?? null;
  if (s.kind === 'intel') {
    if (s.level !== 'confidential') return true;
    if (seesAll(a) && role(a) !== 'sales_manager') return true;
    if (a && (a.department === 'marketing' || s.createdBy === a.personId)) return true;
    const dept = a?.department ?? v.department ?? null;
    return dept !== null && s.sharedWith.includes(dept);
  }
  if (cls === 'intel') return false;
  if (v.approver || v.owner) return true;
  if (seesAll(a)) return true;
  if (s.kind === 'customer') {
    if (a?.role === 'sales_rep' && s.ownerId === a.personId) return true;
    return s.shared.includes(cls);
  }
  // Deals: the owning rep, managers, and the departments that work with money.
  if (a?.role === 'sales_rep') return s.ownerId === a.personId;
  const dept = a ? a.department : (v.department ?? null);
  if (dept !== null && PRICE_DEPARTMENTS.includes(dept)) return true;
  // The sales group chat is read by reps and managers: amounts may be named there, masked like any group.
  return !a && dept === 'sales';
}

/** Full in a private chat, masked in a group chat, left out for whoever may not see it. */
export function visibility(v: Viewer, cls: ConfidentialClass, s: Subject): Show {
  if (!entitled(v, cls, s)) return 'omitted';
  return v.audience === 'group' ? 'masked' : 'full';
}

// Masks: the same everywhere, so a reader learns to recognise them.
export const MASK = '•••';

/** 13800000000 → 138****0000, 0755-88886666 → 075****6666: enough to recognise, not enough to call. */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return '—';
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '****';
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

export function maskEmail(email: string | null | undefined): string {
  if (!email) return '—';
  const [user, domain] = email.split('@');
  return `${(user ?? '').slice(0, 1)}***@${domain ?? ''}`;
}

/** ¥1,234.00 → ¥•••: the currency stays, the amount goes. */
export function maskMoney(currency: string): string {
  return formatMoney(0n, currency).replace(/[\d.,]+$/, MASK);
}

/**
 * One reading of one record: asks `visibility` per value and remembers what it showed in full (for the
 * audit) and whether it masked anything (for the "see it in a private chat" note).
 */
export class Reveal {
  readonly read = new Set<string>();
  masked = false;

  constructor(
    readonly viewer: Viewer,
    readonly subject: Subject,
    private readonly currency: string,
  ) {}

  show(cls: ConfidentialClass): Show {
    return visibility(this.viewer, cls, this.subject);
  }

  /** How values of class `cls` are shown here, noted as if shown (for parts rendered by their own helper). */
  use(field: string, cls: ConfidentialClass): Show {
    const s = this.show(cls);
    if (s === 'full') this.read.add(field);
    if (s === 'masked') this.masked = true;
    return s;
  }

  /**
   * The text to show for a value of class `cls`, audited as `field` when shown in full; `masked` is what a
   * group chat gets (default •••); null when the reader may not see it.
   */
  text(field: string, cls: ConfidentialClass, full: string, masked: string = MASK): string | null {
    const s = this.show(cls);
    if (s === 'omitted') return null;
    if (s === 'masked') {
      this.masked = true;
      return masked;
    }
    this.read.add(field);
    return full;
  }

  /** A whole part (e.g. a need, the trade history): built only when shown in full, else ••• or null. */
  block(fields: string[], cls: ConfidentialClass, build: () => string): string | null {
    const s = this.show(cls);
    if (s === 'omitted') return null;
    if (s === 'masked') {
      this.masked = true;
      return MASK;
    }
    for (const f of fields) this.read.add(f);
    return build();
  }

  /** An amount: in full, ¥•••, or null. */
  money(field: string, minor: bigint | null | undefined): string | null {
    if (minor === null || minor === undefined) return this.show('prices') === 'omitted' ? null : '—';
    return this.text(field, 'prices', formatMoney(minor, this.currency), maskMoney(this.currency));
  }

  get fields(): string[] {
    return [...this.read];
  }
}

export function reveal(ctx: FlowContext, subject: Subject, extra: Partial<Viewer> = {}): Reveal {
  return new Reveal(viewerOf(ctx, extra), subject, ctx.org.currency);
}

/** For cards the outbox renders per chat: the reader is the chat (see Viewer). */
export function cardReveal(
  ctx: FlowContext,
  subject: Subject,
  audience: Audience,
  extra: Partial<Viewer> = {},
): Reveal {
  return new Reveal({ audience, ...extra }, subject, ctx.org.currency);
}

/** The line a group-chat reply ends with when it masked something. */
export function privateNote(l: Locale): string {
  return pick(l, {
    en: 'Confidential details are masked in group chats (everyone here reads them); ask me in a private chat to see them.',
    zh: '群聊中机密信息已隐藏（群内所有人可见），请在与我的私聊中查看完整内容。',
  });
}

/**
 * A card with confidential values sent to someone's private chat is a read by that person (R-SEC-2): one
 * audit row in their name, saying who sent it. `ctx.auditRead` writes in the actor's name, so this does.
 */
export async function auditCardRead(
  ctx: FlowContext,
  personId: number,
  entity: string,
  ref: string,
  fields: string[],
  detail: Record<string, unknown> = {},
): Promise<void> {
  if (fields.length === 0) return;
  await ctx.tx.insert(auditLog).values({
    personId,
    action: READ_ACTION,
    entity,
    entityRef: ref,
    detail: {
      ...detail,
      fields,
      via: 'card',
      sentBy: ctx.actor.personId,
      platform: ctx.chat.platform,
      chatKind: 'private',
    },
  });
}
