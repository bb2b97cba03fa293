// Helpers the flows share: the command factory, record loaders that refuse clearly, masking.
import { eq } from 'drizzle-orm';
import type { CardField } from '../cards/card.ts';
import { DEPARTMENTS, type DepartmentCode } from '../commands/keys.ts';
import { defineCommand } from '../commands/spec.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse, refuseInput } from '../core/errors.ts';
import { customers, departments, leads, orders, people, quotes } from '../db/schema.ts';
import { type Locale, pick } from '../i18n/locale.ts';

export const command = defineCommand<FlowContext>();

export const DEPARTMENT_NAMES: Record<DepartmentCode, { en: string; zh: string }> = {
  sales: { en: 'Sales', zh: '销售部' },
  marketing: { en: 'Marketing', zh: '市场部' },
  service: { en: 'Customer service', zh: '客服部' },
  finance: { en: 'Finance', zh: '财务部' },
  production: { en: 'Production', zh: '生产部' },
  logistics: { en: 'Logistics', zh: '物流部' },
  management: { en: 'Management', zh: '管理层' },
};
export const departmentCodes = Object.keys(DEPARTMENTS) as DepartmentCode[];
export const deptChoice = Object.fromEntries(
  departmentCodes.map((c) => [c, DEPARTMENTS[c]]),
) as unknown as Record<DepartmentCode, readonly string[]>;

export async function departmentId(ctx: FlowContext, code: DepartmentCode): Promise<number> {
  const [row] = await ctx.tx
    .select({ id: departments.id })
    .from(departments)
    .where(eq(departments.code, code));
  if (!row) return refuse(`Department ${code} does not exist.`, `部门 ${code} 不存在。`);
  return row.id;
}

/**
 * A customer by number. One merged into another (customer merge) is refused with a pointer to the one kept,
 * unless `merged` is 'keep' (show, history and the merge itself read the old record).
 */
export async function loadCustomer(
  ctx: FlowContext,
  ref: string,
  forUpdate = false,
  merged: 'refuse' | 'keep' = 'refuse',
) {
  const q = ctx.tx.select().from(customers).where(eq(customers.number, ref));
  const [row] = forUpdate ? await q.for('update') : await q;
  if (!row) return refuseInput(`There is no customer ${ref}.`, `客户 ${ref} 不存在。`);
  if (row.mergedIntoId !== null && merged === 'refuse') {
    const [to] = await ctx.tx
      .select({ number: customers.number })
      .from(customers)
      .where(eq(customers.id, row.mergedIntoId));
    refuseInput(
      `${ref} was merged into ${to!.number}; use ${to!.number} (customer show ${to!.number}).`,
      `${ref} 已合并至 ${to!.number}，请使用 ${to!.number}（客户 查看 ${to!.number}）。`,
    );
  }
  return row;
}

export async function loadLead(ctx: FlowContext, ref: string, forUpdate = false) {
  const q = ctx.tx.select().from(leads).where(eq(leads.number, ref));
  const [row] = forUpdate ? await q.for('update') : await q;
  return row ?? refuseInput(`There is no lead ${ref}.`, `线索 ${ref} 不存在。`);
}

export async function loadQuote(ctx: FlowContext, ref: string, forUpdate = false) {
  const q = ctx.tx.select().from(quotes).where(eq(quotes.number, ref));
  const [row] = forUpdate ? await q.for('update') : await q;
  return row ?? refuseInput(`There is no quote ${ref}.`, `报价 ${ref} 不存在。`);
}

export async function loadOrder(ctx: FlowContext, ref: string, forUpdate = false) {
  const q = ctx.tx.select().from(orders).where(eq(orders.number, ref));
  const [row] = forUpdate ? await q.for('update') : await q;
  return row ?? refuseInput(`There is no order ${ref}.`, `订单 ${ref} 不存在。`);
}

export async function personName(ctx: FlowContext, id: number | null | undefined): Promise<string> {
  if (!id) return '—';
  const [row] = await ctx.tx
    .select({ name: people.name, handle: people.handle })
    .from(people)
    .where(eq(people.id, id));
  return row ? row.name : '—';
}

export function field(label: string, value: string | null | undefined): CardField {
  return { label, value: value === null || value === undefined || value === '' ? '—' : value };
}

export function label(locale: Locale, en: string, zh: string): string {
  return pick(locale, { en, zh });
}

/** Text lines of a card-like reply, for the text every platform shows. */
export function linesOf(title: string, fields: CardField[]): string {
  return [title, ...fields.map((f) => `${f.label}: ${f.value}`)].join('\n');
}

export function clip(s: string | null | undefined, n = 60): string {
  if (!s) return '—';
  return s.length > n ? `${s.slice(0, n)}…` : s;
}
