// Offboarding (R-SEC-4): one command takes a person's access away on every platform and hands their open
// work to a successor, in the command's one transaction; reinstating gives the access back, not the work.
import { and, count, desc, eq, inArray, ne, notInArray, or } from 'drizzle-orm';
import { tokenize } from '../commands/lexer.ts';
import type { Mention } from '../commands/spec.ts';
import { ROLE_NAMES, type Role } from '../core/actor.ts';
import type { FlowContext, Someone } from '../core/context.ts';
import { refuse, refuseInput } from '../core/errors.ts';
import type { PersonRow } from '../core/people.ts';
import { departments, leads, orders, people, quotes, recordHistory, reminders } from '../db/schema.ts';
import { endSessionsOf } from '../web/sessions.ts';
import { rerouteApprovals } from './approval.ts';
import { DEPARTMENT_NAMES, departmentId, label } from './common.ts';
import { ensureDigests } from './reminder-sources.ts';

/** What is still open, so it needs an owner: everything not finished one way or the other. */
const OPEN_LEADS = ['new', 'assigned', 'following'];
const CLOSED_QUOTES = ['rejected', 'declined', 'expired'];
const CLOSED_ORDERS = ['completed', 'cancelled'];
/** Roles that own leads, quotes and orders (lead assign gives leads to these alone). */
const OWNERS: string[] = ['sales_rep', 'sales_manager'];

type Counts = {
  leads: string[];
  quotes: string[];
  orders: string[];
  reminders: string[];
  seats: string[];
  requests: string[];
  rerouted: string[];
  unstaffed: string[];
};

/** `to=@chen` (or a platform mention `to=<@U123>`): the value read as the one mention it must be. */
function mentionIn(value: string): Mention {
  let tokens: ReturnType<typeof tokenize> = [];
  try {
    tokens = tokenize(value);
  } catch {
    // Not a mention; answered below.
  }
  const [t] = tokens;
  if (tokens.length === 1 && t?.kind === 'mention') return t;
  return refuseInput(
    `to= names one person: to=@chen (the value "${value}" is not a mention).`,
    `交接= 应写一个人：交接=@chen（“${value}”不是 @某人）。`,
  );
}

async function activeAdmins(ctx: FlowContext, except: number): Promise<number> {
  const [row] = await ctx.tx
    .select({ n: count() })
    .from(people)
    .where(and(eq(people.role, 'admin'), eq(people.active, true), ne(people.id, except)));
  return row?.n ?? 0;
}

async function ownsRecords(ctx: FlowContext, personId: number): Promise<boolean> {
  const [l] = await ctx.tx
    .select({ n: count() })
    .from(leads)
    .where(and(eq(leads.ownerId, personId), inArray(leads.status, OPEN_LEADS)));
  const [q] = await ctx.tx
    .select({ n: count() })
    .from(quotes)
    .where(and(eq(quotes.ownerId, personId), notInArray(quotes.status, CLOSED_QUOTES)));
  const [o] = await ctx.tx
    .select({ n: count() })
    .from(orders)
    .where(and(eq(orders.ownerId, personId), notInArray(orders.status, CLOSED_ORDERS)));
  return (l?.n ?? 0) + (q?.n ?? 0) + (o?.n ?? 0) > 0;
}

/**
 * Without to=: the person's manager (people.manager_id) or else their department's one manager (its sales
 * manager in sales, its head elsewhere). When the data names nobody, or several, the admin chooses.
 */
async function defaultSuccessor(ctx: FlowContext, leaving: Someone): Promise<Someone> {
  const p = leaving.person;
  if (p.managerId) {
    const [m] = await ctx.tx.select().from(people).where(eq(people.id, p.managerId));
    if (m?.active && m.role) return { person: m, department: await deptOf(ctx, m) };
  }
  if (leaving.department) {
    const role = leaving.department === 'sales' ? 'sales_manager' : 'head';
    const rows = await ctx.tx
      .select({ person: people })
      .from(people)
      .innerJoin(departments, eq(departments.id, people.departmentId))
      .where(
        and(
          eq(departments.code, leaving.department),
          eq(people.role, role),
          eq(people.active, true),
          ne(people.id, p.id),
        ),
      );
    if (rows.length === 1) return { person: rows[0]!.person, department: leaving.department };
  }
  const candidates = await ctx.tx
    .select({ name: people.name, handle: people.handle })
    .from(people)
    .where(and(inArray(people.role, OWNERS), eq(people.active, true), ne(people.id, p.id)))
    .limit(10);
  const names = candidates.map((c) => (c.handle ? `@${c.handle}` : c.name));
  const who = names.length ? names.join(', ') : '—';
  return refuse(
    `I don't know ${p.name}'s manager. Say who takes over: admin offboard @${p.handle ?? '…'} to=@someone (sales: ${who}). Nothing was changed.`,
    `不知道 ${p.name} 的上级。请指定交接人：管理 离职 @${p.handle ?? '…'} 交接=@某人（销售：${names.join('、') || '—'}）。未做任何修改。`,
  );
}

async function deptOf(ctx: FlowContext, p: PersonRow): Promise<Someone['department']> {
  if (!p.departmentId) return null;
  const [d] = await ctx.tx
    .select({ code: departments.code })
    .from(departments)
    .where(eq(departments.id, p.departmentId));
  return (d?.code as Someone['department']) ?? null;
}

/** Every check before anything is written: a refusal leaves the data as it was. */
async function checkSuccessor(ctx: FlowContext, leaving: PersonRow, to: PersonRow): Promise<void> {
  if (to.id === leaving.id)
    refuse(
      `${leaving.name} cannot hand over to themselves; name someone else: to=@someone.`,
      `不能交接给 ${leaving.name} 本人，请指定其他人：交接=@某人。`,
    );
  if (!to.active)
    refuse(
      `${to.name} has left; hand over to someone who is still here. Nothing was changed.`,
      `${to.name} 已离职，请交接给在职人员。未做任何修改。`,
    );
  if (!to.role)
    refuse(
      `${to.name} has no role yet, so they cannot take over work. Nothing was changed.`,
      `${to.name} 还没有角色，不能接手工作。未做任何修改。`,
    );
  if (!OWNERS.includes(to.role!) && (await ownsRecords(ctx, leaving.id))) {
    const role = ROLE_NAMES[to.role as Role] ?? { en: to.role!, zh: to.role! };
    refuse(
      `${to.name} is a ${role.en} and may not own leads, quotes or orders; hand over to a sales rep or sales manager. Nothing was changed.`,
      `${to.name} 是${role.zh}，不能负责线索、报价和订单，请交接给销售代表或销售经理。未做任何修改。`,
    );
  }
}

export async function offboard(
  ctx: FlowContext,
  input: { mention: Mention; to?: string | undefined; reason?: string | undefined },
): Promise<{ text: string }> {
  const leaving = await ctx.person(input.mention);
  const p = leaving.person;
  if (p.id === ctx.actor.personId)
    refuse(
      'You cannot offboard yourself; another admin can. Nothing was changed.',
      '不能为自己办理离职，请其他管理员办理。未做任何修改。',
    );
  if (!p.active)
    refuse(
      `${p.name} has already left (admin reinstate @${p.handle ?? '…'} gives access back).`,
      `${p.name} 已离职（管理 复职 @${p.handle ?? '…'} 可恢复权限）。`,
    );
  if (p.role === 'admin' && (await activeAdmins(ctx, p.id)) === 0)
    refuse(
      `${p.name} is the last admin; make someone else admin first.`,
      `${p.name} 是最后一位管理员，请先指定其他管理员。`,
    );
  const heir = input.to ? await ctx.person(mentionIn(input.to)) : await defaultSuccessor(ctx, leaving);
  const to = heir.person;
  await checkSuccessor(ctx, p, to);

  // The person first, locked: a second offboarding at the same moment waits and then finds them gone.
  const [locked] = await ctx.tx.select().from(people).where(eq(people.id, p.id)).for('update');
  if (!locked?.active) refuse(`${p.name} has already left.`, `${p.name} 已离职。`);
  await ctx.tx.update(people).set({ role: null, active: false }).where(eq(people.id, p.id));
  // Signed in on the web too: those sessions end now, not when their cookie runs out.
  await endSessionsOf(ctx.tx, p.id);
  const why = input.reason ? `offboard: ${input.reason}` : 'offboard';
  await ctx.history('person', p.id, [
    { field: 'role', from: p.role, to: null },
    { field: 'active', from: true, to: false },
    { field: 'offboard_reason', from: null, to: input.reason ?? null },
  ]);

  // Each moved record's history: who (the admin, as the row's person), when (now), to whom and why.
  const moved = (entity: string, rows: { id: number }[]) =>
    Promise.all(
      rows.map((r) =>
        ctx.history(entity, r.id, [
          { field: 'owner', from: p.name, to: to.name },
          { field: 'handover_reason', from: null, to: why },
        ]),
      ),
    );
  const movedLeads = await ctx.tx
    .update(leads)
    .set({ ownerId: to.id, updatedAt: ctx.now })
    .where(and(eq(leads.ownerId, p.id), inArray(leads.status, OPEN_LEADS)))
    .returning({ id: leads.id, number: leads.number });
  await moved('lead', movedLeads);
  const movedQuotes = await ctx.tx
    .update(quotes)
    .set({ ownerId: to.id, updatedAt: ctx.now })
    .where(and(eq(quotes.ownerId, p.id), notInArray(quotes.status, CLOSED_QUOTES)))
    .returning({ id: quotes.id, number: quotes.number });
  await moved('quote', movedQuotes);
  const movedOrders = await ctx.tx
    .update(orders)
    .set({ ownerId: to.id, updatedAt: ctx.now })
    .where(and(eq(orders.ownerId, p.id), notInArray(orders.status, CLOSED_ORDERS)))
    .returning({ id: orders.id, number: orders.number });
  await moved('order', movedOrders);

  // Seats and requests first: re-routing replaces the approval reminders of what it touches.
  const rerouted = await rerouteApprovals(ctx, p.id, to.id);

  // A digest is one per sales manager: the leaver's stops (firing skips what is no longer active, and
  // cancels its occurrence); ensureDigests gives a manager successor theirs.
  await ctx.tx
    .update(reminders)
    .set({ state: 'cancelled' })
    .where(
      and(eq(reminders.kind, 'digest'), eq(reminders.targetPersonId, p.id), eq(reminders.state, 'active')),
    );
  // Reminders the person set or that are for them, personal and system alike, now set by / for the successor.
  const mine = await ctx.tx
    .select()
    .from(reminders)
    .where(
      and(
        eq(reminders.state, 'active'),
        ne(reminders.kind, 'digest'),
        or(eq(reminders.createdBy, p.id), eq(reminders.targetPersonId, p.id)),
      ),
    )
    .orderBy(reminders.id)
    .for('update');
  for (const r of mine) {
    const targetMoves = r.targetKind === 'person' && r.targetPersonId === p.id;
    const setMoves = r.createdBy === p.id;
    await ctx.tx
      .update(reminders)
      .set({
        ...(targetMoves ? { targetPersonId: to.id } : {}),
        ...(setMoves ? { createdBy: to.id } : {}),
      })
      .where(eq(reminders.id, r.id));
    await ctx.history('reminder', r.id, [
      ...(targetMoves ? [{ field: 'target', from: p.name, to: to.name }] : []),
      ...(setMoves ? [{ field: 'set_by', from: p.name, to: to.name }] : []),
      { field: 'handover_reason', from: null, to: why },
    ]);
  }
  if (to.role === 'sales_manager') await ensureDigests(ctx.tx, ctx.org.timezone);

  const counts: Counts = {
    leads: movedLeads.map((r) => r.number),
    quotes: movedQuotes.map((r) => r.number),
    orders: movedOrders.map((r) => r.number),
    reminders: mine.map((r) => r.number),
    seats: rerouted.filter((r) => r.seatsToSuccessor > 0).map((r) => r.number),
    requests: rerouted.filter((r) => r.requestToSuccessor).map((r) => r.number),
    rerouted: rerouted
      .filter((r) => !r.unstaffed && !r.seatsToSuccessor && !r.requestToSuccessor)
      .map((r) => r.number),
    unstaffed: rerouted.filter((r) => r.unstaffed).map((r) => r.number),
  };
  await ctx.audit('admin.offboard', 'person', String(p.id), {
    to: to.id,
    reason: input.reason,
    leads: counts.leads,
    quotes: counts.quotes,
    orders: counts.orders,
    reminders: counts.reminders,
    seats: counts.seats,
    requests: counts.requests,
    rerouted: counts.rerouted,
  });

  await ctx.out.send({ kind: 'person', personId: to.id }, (l) => ({
    text: label(
      l,
      `${ctx.actor.name} handed ${p.name}'s open work over to you${input.reason ? ` (${input.reason})` : ''}:\n${lines(counts, 'en', true)}`,
      `${ctx.actor.name} 已将 ${p.name} 的未完成工作交接给您${input.reason ? `（${input.reason}）` : ''}：\n${lines(counts, 'zh', true)}`,
    ),
  }));
  const warn = counts.unstaffed.length
    ? ctx.t({
        en: `\n⚠️ Nobody holds the role to decide ${counts.unstaffed.join(', ')}: give someone that role.`,
        zh: `\n⚠️ 无人担任审批 ${counts.unstaffed.join('、')} 所需的角色，请指定人员。`,
      })
    : '';
  return {
    text:
      ctx.t({
        en: `${p.name} has left: no access on any platform, no role. Handed over to ${to.name}:\n${lines(counts, 'en', false)}`,
        zh: `${p.name} 已离职：所有平台均无权限，角色已取消。已交接给 ${to.name}：\n${lines(counts, 'zh', false)}`,
      }) +
      (counts.rerouted.length
        ? ctx.t({
            en: `\nRe-routed to the current role holders: ${counts.rerouted.join(', ')}.`,
            zh: `\n已转给现任审批人：${counts.rerouted.join('、')}。`,
          })
        : '') +
      warn,
  };
}

/** The same counts for the admin and the successor; the successor also reads the numbers. */
function lines(c: Counts, l: 'en' | 'zh', numbers: boolean): string {
  const row = (en: string, zh: string, refs: string[]) =>
    `• ${label(l, `${en}: `, `${zh}：`)}${refs.length}${numbers && refs.length ? label(l, ` (${refs.join(', ')})`, `（${refs.join('、')}）`) : ''}`;
  return [
    row('leads', '线索', c.leads),
    row('quotes', '报价', c.quotes),
    row('orders', '订单', c.orders),
    row('reminders', '提醒', c.reminders),
    row('approval seats', '审批席位', c.seats),
    row('own requests waiting for approval', '待审批的申请', c.requests),
  ].join('\n');
}

/**
 * The department a role puts a person in: sales roles in sales, supervisors in management, members and heads
 * in the one named (or the one they are in). Refuses a role that does not fit the department.
 */
export function departmentForRole(
  role: Role,
  given: Someone['department'] | undefined,
  current: Someone['department'],
): NonNullable<Someone['department']> | undefined {
  const dept =
    given ??
    (role === 'sales_rep' || role === 'sales_manager'
      ? 'sales'
      : role === 'supervisor'
        ? 'management'
        : (current ?? undefined));
  if ((role === 'member' || role === 'head') && !dept)
    refuse('Say which department: dept=finance.', '请写明部门：部门=财务。');
  if ((role === 'sales_rep' || role === 'sales_manager') && dept !== 'sales')
    refuse('Sales roles belong to the sales department.', '销售角色属于销售部。');
  return dept;
}

/** The role a person held before they left, from the history offboarding wrote. */
async function roleBefore(ctx: FlowContext, personId: number): Promise<Role | null> {
  const [row] = await ctx.tx
    .select({ old: recordHistory.oldValue, now: recordHistory.newValue })
    .from(recordHistory)
    .where(
      and(
        eq(recordHistory.entity, 'person'),
        eq(recordHistory.entityId, personId),
        eq(recordHistory.field, 'role'),
      ),
    )
    .orderBy(desc(recordHistory.id))
    .limit(1);
  return row && row.now === null && row.old && row.old in ROLE_NAMES ? (row.old as Role) : null;
}

export async function reinstate(
  ctx: FlowContext,
  input: { mention: Mention; role?: Role | undefined; dept?: Someone['department'] | undefined },
): Promise<{ text: string }> {
  const { person: p, department } = await ctx.person(input.mention);
  if (p.active)
    refuse(
      `${p.name} has not left; admin role @${p.handle ?? '…'} <role> changes a role.`,
      `${p.name} 未离职；修改角色请用 管理 角色 @${p.handle ?? '…'} <角色>。`,
    );
  const role = input.role ?? (await roleBefore(ctx, p.id));
  if (!role)
    return refuse(
      `Say which role ${p.name} gets back: admin reinstate @${p.handle ?? '…'} role=sales_rep.`,
      `请写明恢复的角色：管理 复职 @${p.handle ?? '…'} 角色=销售代表。`,
    );
  const dept = departmentForRole(role, input.dept, department);
  const deptId = dept ? await departmentId(ctx, dept) : null;
  await ctx.tx.update(people).set({ active: true, role, departmentId: deptId }).where(eq(people.id, p.id));
  await ctx.history('person', p.id, [
    { field: 'role', from: null, to: role },
    { field: 'active', from: false, to: true },
    { field: 'department', from: department, to: dept ?? null },
  ]);
  await ctx.audit('admin.reinstate', 'person', String(p.id), { role, dept });
  if (role === 'sales_manager') await ensureDigests(ctx.tx, ctx.org.timezone);
  const inDept = (l: 'en' | 'zh') => (dept ? DEPARTMENT_NAMES[dept][l] : '');
  await ctx.out.send({ kind: 'person', personId: p.id }, (l) => ({
    text: label(
      l,
      `${ctx.actor.name} gave you access again as ${ROLE_NAMES[role].en}${dept ? ` in ${inDept('en')}` : ''}. Type help to see what you can do.`,
      `${ctx.actor.name} 已恢复您的权限：${inDept('zh')}${ROLE_NAMES[role].zh}。输入「帮助」查看可用命令。`,
    ),
  }));
  return {
    text: ctx.t({
      en: `${p.name} has access again as ${ROLE_NAMES[role].en}${dept ? ` in ${inDept('en')}` : ''}. Records handed over stay with their new owners.`,
      zh: `已恢复 ${p.name} 的权限：${inDept('zh')}${ROLE_NAMES[role].zh}。已交接的记录仍归新负责人。`,
    }),
  };
}
