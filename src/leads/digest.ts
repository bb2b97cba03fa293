// The weekly digest of one sales manager (R-LEAD-4): per rep of their team, the leads followed up and not,
// the overdue follow-ups by number and name, conversions, and what changed against the week before. The
// team is the active sales reps who report to the manager (people.manager_id, set with admin team), and the
// reps who report to nobody, who would otherwise be in no one's digest.
import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Tx } from '../db/client.ts';
import { customers, leads, people } from '../db/schema.ts';
import type { Bilingual } from '../i18n/locale.ts';

const OPEN = sql`('new', 'assigned', 'following')`;
/** How many overdue leads a rep's line names before "+N more". */
const OVERDUE_SHOWN = 5;

type RepRow = {
  id: number;
  name: string;
  open: number;
  followed: number;
  followups: number;
  followupsBefore: number;
  converted: number;
  convertedBefore: number;
  assigned: number;
  assignedBefore: number;
};

const signed = (n: number) => (n > 0 ? `+${n}` : `${n}`);

export async function managerDigest(tx: Tx, managerId: number, now: Date, zone: string): Promise<Bilingual> {
  const weekAgo = new Date(now.getTime() - 7 * 86_400_000).toISOString();
  const twoWeeksAgo = new Date(now.getTime() - 14 * 86_400_000).toISOString();
  const at = now.toISOString();
  // Timestamps are bound as text and cast: postgres.js binds no Date in raw SQL.
  const thisWeek = (col: unknown) => sql`${col} >= ${weekAgo}::timestamptz and ${col} < ${at}::timestamptz`;
  const lastWeek = (col: unknown) =>
    sql`${col} >= ${twoWeeksAgo}::timestamptz and ${col} < ${weekAgo}::timestamptz`;
  const open = sql`${leads.status} in ${OPEN}`;
  const inTeam = and(
    eq(people.role, 'sales_rep'),
    eq(people.active, true),
    or(eq(people.managerId, managerId), isNull(people.managerId)),
  );
  const reps: RepRow[] = await tx
    .select({
      id: people.id,
      name: people.name,
      open: sql<number>`count(${leads.id}) filter (where ${open})`.mapWith(Number),
      followed: sql<number>`count(${leads.id}) filter (where ${open} and exists (
        select 1 from lead_followups f where f.lead_id = ${leads.id} and ${thisWeek(sql`f.created_at`)}))`.mapWith(
        Number,
      ),
      followups:
        sql<number>`(select count(*) from lead_followups f where f.person_id = ${people.id} and ${thisWeek(sql`f.created_at`)})`.mapWith(
          Number,
        ),
      followupsBefore:
        sql<number>`(select count(*) from lead_followups f where f.person_id = ${people.id} and ${lastWeek(sql`f.created_at`)})`.mapWith(
          Number,
        ),
      converted: sql<number>`count(${leads.id}) filter (where ${thisWeek(leads.convertedAt)})`.mapWith(
        Number,
      ),
      convertedBefore: sql<number>`count(${leads.id}) filter (where ${lastWeek(leads.convertedAt)})`.mapWith(
        Number,
      ),
      assigned: sql<number>`count(${leads.id}) filter (where ${thisWeek(leads.assignedAt)})`.mapWith(Number),
      assignedBefore: sql<number>`count(${leads.id}) filter (where ${lastWeek(leads.assignedAt)})`.mapWith(
        Number,
      ),
    })
    .from(people)
    .leftJoin(leads, eq(leads.ownerId, people.id))
    .where(inTeam)
    .groupBy(people.id, people.name)
    .orderBy(asc(people.name));
  // Overdue: the next step's date is past, or the assignment's deadline is and nothing was recorded since.
  const overdue = await tx
    .select({
      ownerId: leads.ownerId,
      number: leads.number,
      name: sql<string>`coalesce(${customers.name}, ${leads.prospectName}, '—')`,
    })
    .from(leads)
    .innerJoin(people, eq(people.id, leads.ownerId))
    .leftJoin(customers, eq(customers.id, leads.customerId))
    .where(
      and(
        inTeam,
        sql`${leads.status} in ('assigned', 'following')`,
        sql`(${leads.nextDueAt} < ${at}::timestamptz or (${leads.nextDueAt} is null and ${leads.followDueAt} < ${at}::timestamptz
          and not exists (select 1 from lead_followups f where f.lead_id = ${leads.id}
                          and f.created_at >= coalesce(${leads.assignedAt}, ${leads.createdAt}))))`,
      ),
    )
    .orderBy(asc(leads.number));
  const [unassigned] = await tx
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(leads)
    .where(and(eq(leads.status, 'new'), isNull(leads.ownerId)));
  const [loose] = await tx
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(people)
    .where(and(eq(people.role, 'sales_rep'), eq(people.active, true), isNull(people.managerId)));

  const sum = (k: keyof RepRow) => reps.reduce((a, r) => a + (r[k] as number), 0);
  const from = DateTime.fromISO(weekAgo, { zone }).toISODate();
  const to = DateTime.fromJSDate(now, { zone }).toISODate();
  const od = (id: number) => overdue.filter((o) => o.ownerId === id);
  const odText = (id: number, sep: string, more: (n: number) => string) => {
    const list = od(id);
    const shown = list.slice(0, OVERDUE_SHOWN).map((o) => `${o.number} ${o.name}`);
    return shown.join(sep) + (list.length > OVERDUE_SHOWN ? more(list.length - OVERDUE_SHOWN) : '');
  };
  const en = [
    `Your team, ${from} to ${to}: ${reps.length} reps, ${sum('open')} open leads; ${sum('followups')} follow-ups (last week ${sum('followupsBefore')}, ${signed(sum('followups') - sum('followupsBefore'))}); ${sum('converted')} converted (last week ${sum('convertedBefore')}, ${signed(sum('converted') - sum('convertedBefore'))}); ${overdue.length} overdue.`,
    ...reps.map((r) => {
      const o = od(r.id).length;
      return `${r.name}: ${r.open} open, followed ${r.followed}, not followed ${r.open - r.followed}; ${r.followups} follow-ups (last week ${r.followupsBefore}); ${r.converted} converted; ${r.assigned} newly assigned${o ? `; overdue: ${odText(r.id, ', ', (n) => ` +${n} more`)}` : ''}`;
    }),
    `Newly assigned to the team: ${sum('assigned')} (last week ${sum('assignedBefore')}). Unassigned leads waiting: ${unassigned?.n ?? 0}.`,
    ...((loose?.n ?? 0) > 0
      ? [
          `${loose!.n} rep(s) report to no manager and are in every manager's digest: admin team @rep manager=@manager.`,
        ]
      : []),
  ].join('\n');
  const zh = [
    `您的团队（${from} 至 ${to}）：销售 ${reps.length} 人，未完成线索 ${sum('open')} 条；跟进 ${sum('followups')} 次（上周 ${sum('followupsBefore')}，${signed(sum('followups') - sum('followupsBefore'))}）；转化 ${sum('converted')} 条（上周 ${sum('convertedBefore')}，${signed(sum('converted') - sum('convertedBefore'))}）；逾期 ${overdue.length} 条。`,
    ...reps.map((r) => {
      const o = od(r.id).length;
      return `${r.name}：未完成 ${r.open}，本周已跟进 ${r.followed}、未跟进 ${r.open - r.followed}；跟进 ${r.followups} 次（上周 ${r.followupsBefore}）；转化 ${r.converted}；新分配 ${r.assigned}${o ? `；逾期：${odText(r.id, '、', (n) => ` 等另 ${n} 条`)}` : ''}`;
    }),
    `本周新分配给团队：${sum('assigned')} 条（上周 ${sum('assignedBefore')}）。待分配线索：${unassigned?.n ?? 0} 条。`,
    ...((loose?.n ?? 0) > 0
      ? [`${loose!.n} 名销售未设上级，出现在每位经理的汇总中：管理 团队 @销售 上级=@经理。`]
      : []),
  ].join('\n');
  return { en, zh };
}
