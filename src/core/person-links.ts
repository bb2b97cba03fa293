// One person across platforms (R-ORG-2): an identity of another platform joins an existing person.
// What a joined person had stays theirs: a person with a role (or anything done under it) is never merged
// silently. Only a person without a role (the bot met them, nobody set them up), or one who has left
// (admin offboard handed their work over), gives up an identity; once it has none left it is kept,
// inactive, pointing at the person it went to, so the audit log and history still name who did what.
import { and, asc, count, eq, isNull } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { identities, linkCodes, people } from '../db/schema.ts';
import { refuse } from './errors.ts';

export type IdentityRow = typeof identities.$inferSelect;
type PersonRow = typeof people.$inferSelect;

/** `<platform>:zhangsan`, or `<platform>:corp1/zhangsan` where one platform has several tenants. */
export const identityLabel = (i: Pick<IdentityRow, 'platform' | 'tenant' | 'externalId'>) =>
  `${i.platform}:${i.tenant ? `${i.tenant}/` : ''}${i.externalId}`;

/** Reads `platform:user` or `platform:tenant/user`; undefined when the word is not of that form. */
export function parseIdentityRef(
  word: string,
): { platform: string; tenant?: string; externalId: string } | undefined {
  const m = /^([a-z][a-z0-9_-]{1,30}):(?:([^/\s]+)\/)?([^\s/]{1,200})$/i.exec(word.trim());
  if (!m) return undefined;
  return { platform: m[1]!.toLowerCase(), ...(m[2] ? { tenant: m[2] } : {}), externalId: m[3]! };
}

/** The identity a reference names; refuses when the bot never met it or the tenant is ambiguous. */
export async function findIdentity(db: Queryable, word: string): Promise<IdentityRow> {
  const ref =
    parseIdentityRef(word) ??
    refuse(
      `"${word}" is not an account: write platform:user, e.g. <platform>:zhangsan (the platform's name as the bot shows it).`,
      `“${word}”不是账号：请写 平台:用户，例如 <platform>:zhangsan。`,
    );
  const rows = await db
    .select()
    .from(identities)
    .where(
      and(
        eq(identities.platform, ref.platform),
        eq(identities.externalId, ref.externalId),
        ...(ref.tenant !== undefined ? [eq(identities.tenant, ref.tenant)] : []),
      ),
    )
    .orderBy(asc(identities.id));
  if (rows.length === 0)
    refuse(
      `I don't know ${word} yet: they need to write to the bot once on that platform (e.g. me), then link.`,
      `还不认识 ${word}：请对方先在该平台给机器人发一条消息（例如「我」），再关联。`,
    );
  if (rows.length > 1)
    refuse(
      `${word} exists in several workspaces: write it with the workspace, e.g. ${identityLabel(rows[0]!)}.`,
      `${word} 在多个企业/工作区中存在：请带上工作区，例如 ${identityLabel(rows[0]!)}。`,
    );
  return rows[0]!;
}

/**
 * Whether `from` may give an identity to `to`, refusing with the reason when not. `how` names the way
 * forward in the refusal (an admin's, or a person's own).
 */
export function mayJoin(to: PersonRow, from: PersonRow, fromLabel: string, how: 'admin' | 'self'): void {
  if (from.id === to.id)
    refuse(`${fromLabel} is already ${to.name}'s.`, `${fromLabel} 已经是 ${to.name} 的账号。`);
  if (!to.active)
    refuse(
      `${to.name} has left; reinstate them first (admin reinstate).`,
      `${to.name} 已离职，请先恢复（管理 复职）。`,
    );
  if (from.active && from.role !== null) {
    if (how === 'self')
      refuse(
        `Both accounts already have a role (${from.name} and ${to.name}): an admin links them (admin link), after handing one's work over.`,
        `两个账号都已有角色（${from.name} 和 ${to.name}）：请管理员先交接其中一个的工作，再关联（管理 关联）。`,
      );
    refuse(
      `${fromLabel} is ${from.name}, who has a role and may have work of their own: hand it over first (admin offboard @${from.handle ?? '…'} to=@${to.handle ?? '…'}), then link. Nothing was changed.`,
      `${fromLabel} 是 ${from.name}，已有角色，可能有自己的工作：请先交接（管理 离职 @${from.handle ?? '…'} 交接=@${to.handle ?? '…'}），再关联。未做任何修改。`,
    );
  }
}

/**
 * Moves `identity` to person `to`. If its person has no identity left, that person is kept inactive and
 * marked as merged into `to`; their email, language and time zone fill in what `to` lacks.
 * Returns whether the old person was merged away.
 */
export async function moveIdentity(
  db: Queryable,
  identity: IdentityRow,
  to: PersonRow,
  now: Date,
): Promise<boolean> {
  const fromId = identity.personId;
  await db.update(identities).set({ personId: to.id }).where(eq(identities.id, identity.id));
  const [left] = await db.select({ n: count() }).from(identities).where(eq(identities.personId, fromId));
  if (left!.n > 0) return false;
  const [from] = await db.select().from(people).where(eq(people.id, fromId));
  await db
    .update(people)
    .set({
      email: to.email ?? from!.email,
      locale: to.locale ?? from!.locale,
      timezone: to.timezone ?? from!.timezone,
    })
    .where(eq(people.id, to.id));
  await db.update(people).set({ active: false, mergedInto: to.id }).where(eq(people.id, fromId));
  // Codes the merged person asked for can no longer join anything.
  await db
    .update(linkCodes)
    .set({ usedAt: now })
    .where(and(eq(linkCodes.personId, fromId), isNull(linkCodes.usedAt)));
  return true;
}

/** The person's identities, oldest first. */
export function identitiesOf(db: Queryable, personId: number): Promise<IdentityRow[]> {
  return db.select().from(identities).where(eq(identities.personId, personId)).orderBy(asc(identities.id));
}
