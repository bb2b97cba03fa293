// Lead assignment rules (R-LEAD-3): which rep a lead should go to, by its region, industry and source, to
// one rep or in turn over the reps who report to a manager. Rules only suggest; the manager assigns (or,
// when the organisation turned it on, marketing's hand-overs are assigned at once).
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Queryable, Tx } from '../db/client.ts';
import { assignmentRules, type leads, orgSettings, people } from '../db/schema.ts';
import { type Locale, pick } from '../i18n/locale.ts';

export type Rule = typeof assignmentRules.$inferSelect;
export type LeadFacts = Pick<typeof leads.$inferSelect, 'region' | 'industry' | 'source'>;
export type Rep = { id: number; name: string; handle: string | null };
export type Turn = { rule: Rule; rep: Rep; roundRobin: boolean };

/** Roles a lead may be given to (as lead assign allows). */
export const ASSIGNABLE = ['sales_rep', 'sales_manager'];

/** Region and industry are free text: "华南", "華南 " and "ＨＵＡＮＡＮ" match "华南"/"huanan" alike. */
export function matchKey(s: string | null | undefined): string | null {
  if (!s) return null;
  const k = s.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
  return k || null;
}

export function ruleMatches(rule: Rule, lead: LeadFacts): boolean {
  if (rule.region && matchKey(rule.region) !== matchKey(lead.region)) return false;
  if (rule.industry && matchKey(rule.industry) !== matchKey(lead.industry)) return false;
  if (rule.source && rule.source !== lead.source) return false;
  return true;
}

/** The more a rule names, the more it says about this lead: it wins over broader ones, then the older. */
const specificity = (r: Rule) => [r.region, r.industry, r.source].filter(Boolean).length;

export async function activeRules(db: Queryable): Promise<Rule[]> {
  return db
    .select()
    .from(assignmentRules)
    .where(isNull(assignmentRules.removedAt))
    .orderBy(asc(assignmentRules.id));
}

/** The reps in a manager's team: active sales reps who report to them (people.manager_id), by id. */
export async function teamOf(db: Queryable, managerId: number): Promise<Rep[]> {
  return db
    .select({ id: people.id, name: people.name, handle: people.handle })
    .from(people)
    .where(and(eq(people.managerId, managerId), eq(people.active, true), eq(people.role, 'sales_rep')))
    .orderBy(asc(people.id));
}

/** Whose turn it is: the member after the last one served (by id), so joiners and leavers keep it fair. */
export function nextInTurn(members: Rep[], lastId: number | null): Rep | undefined {
  if (members.length === 0) return undefined;
  return members.find((m) => lastId !== null && m.id > lastId) ?? members[0];
}

async function targetOf(db: Queryable, rule: Rule): Promise<Rep | undefined> {
  if (rule.teamManagerId !== null)
    return nextInTurn(await teamOf(db, rule.teamManagerId), rule.lastAssigneeId);
  const [p] = await db
    .select({ id: people.id, name: people.name, handle: people.handle })
    .from(people)
    .where(and(eq(people.id, rule.assigneeId!), eq(people.active, true), inArray(people.role, ASSIGNABLE)));
  return p;
}

/** Matching rules, the most specific first. */
function candidates(rules: Rule[], lead: LeadFacts): Rule[] {
  return rules
    .filter((r) => ruleMatches(r, lead))
    .sort((a, b) => specificity(b) - specificity(a) || a.id - b.id);
}

/**
 * The rep the rules suggest for a lead, without taking a turn (for cards and show): the most specific
 * matching rule that has someone to give it to (a rule whose rep left, or whose team is empty, is passed).
 */
export async function suggest(db: Queryable, lead: LeadFacts): Promise<Turn | undefined> {
  for (const rule of candidates(await activeRules(db), lead)) {
    const rep = await targetOf(db, rule);
    if (rep) return { rule, rep, roundRobin: rule.teamManagerId !== null };
  }
  return undefined;
}

/**
 * Takes the rules' turn for an assignment, in the assigning transaction: the rule's row is locked, so of
 * two assignments at once the second waits and then sees the first's turn (READ COMMITTED re-reads a
 * locked row). With `chosen` (the manager named someone) the turn is taken only if it was theirs anyway.
 */
export async function takeTurn(tx: Tx, lead: LeadFacts, chosen?: number): Promise<Turn | undefined> {
  for (const candidate of candidates(await activeRules(tx), lead)) {
    const [rule] = await tx
      .select()
      .from(assignmentRules)
      .where(and(eq(assignmentRules.id, candidate.id), isNull(assignmentRules.removedAt)))
      .for('update');
    if (!rule) continue;
    const rep = await targetOf(tx, rule);
    if (!rep) continue;
    if (chosen !== undefined && chosen !== rep.id) return undefined;
    await tx
      .update(assignmentRules)
      .set({ lastAssigneeId: rep.id, assignedCount: sql`${assignmentRules.assignedCount} + 1` })
      .where(eq(assignmentRules.id, rule.id));
    return { rule, rep, roundRobin: rule.teamManagerId !== null };
  }
  return undefined;
}

// ---- the organisation's switch: marketing's hand-overs assigned by the rules at once -------------------

export async function autoAssign(db: Queryable): Promise<boolean> {
  const [row] = await db.select({ settings: orgSettings.settings }).from(orgSettings).limit(1);
  return row?.settings?.leadAutoAssign === true;
}

export async function setAutoAssign(tx: Tx, on: boolean): Promise<void> {
  // One key of the settings object, so the other knobs stored there (approval policy) stay as they are.
  await tx
    .update(orgSettings)
    .set({ settings: sql`${orgSettings.settings} || ${JSON.stringify({ leadAutoAssign: on })}::jsonb` });
}

// ---- how a rule reads --------------------------------------------------------------------------------

const SOURCE_WORDS: Record<string, { en: string; zh: string }> = {
  campaign: { en: 'campaign', zh: '市场活动' },
  online: { en: 'online', zh: '网络推广' },
  referral: { en: 'referral', zh: '客户推荐' },
  expo: { en: 'trade show', zh: '行业展会' },
  other: { en: 'other', zh: '其他' },
};

/** "region=华南 source=trade show", or "any lead" for a catch-all. */
export function criteriaText(rule: Rule, l: Locale): string {
  const parts = [
    rule.region ? `${pick(l, { en: 'region', zh: '地区' })}=${rule.region}` : '',
    rule.industry ? `${pick(l, { en: 'industry', zh: '行业' })}=${rule.industry}` : '',
    rule.source
      ? `${pick(l, { en: 'source', zh: '来源' })}=${SOURCE_WORDS[rule.source]?.[l] ?? rule.source}`
      : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' ') : pick(l, { en: 'any lead', zh: '所有线索' });
}

/** "rule #3 (region=华南)": what a suggestion or an assignment says about why. */
export function ruleRef(rule: Rule, l: Locale): string {
  return pick(l, {
    en: `rule #${rule.id} (${criteriaText(rule, l)})`,
    zh: `规则 #${rule.id}（${criteriaText(rule, l)}）`,
  });
}
