// Platform identity → person. An unknown user becomes a person with no role (admins give roles);
// identities listed in ADMINS become admins on first sight.
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { DepartmentCode } from '../commands/keys.ts';
import { parseEmail } from '../commands/values.ts';
import type { PlatformIdentityRef } from '../config.ts';
import type { Queryable } from '../db/client.ts';
import { departments, identities, people } from '../db/schema.ts';
import { isLocale, type Locale } from '../i18n/locale.ts';
import type { Actor, Role } from './actor.ts';
import type { InboundUser } from './inbound.ts';
import { offerLinkByEmail } from './link-hint.ts';
import type { Org } from './org.ts';

export type PersonRow = typeof people.$inferSelect;

export function toActor(p: PersonRow, department: string | null, org: Org): Actor {
  return {
    personId: p.id,
    name: p.name,
    handle: p.handle,
    role: (p.role as Role | null) ?? null,
    department: (department as DepartmentCode | null) ?? null,
    locale: isLocale(p.locale) ? p.locale : org.locale,
    timezone: p.timezone ?? org.timezone,
  };
}

export async function findPersonByIdentity(
  db: Queryable,
  user: Pick<InboundUser, 'platform' | 'tenant' | 'externalId'>,
): Promise<{ person: PersonRow; department: string | null } | undefined> {
  const [row] = await db
    .select({ person: people, department: departments.code })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .leftJoin(departments, eq(departments.id, people.departmentId))
    .where(
      and(
        eq(identities.platform, user.platform),
        eq(identities.tenant, user.tenant),
        eq(identities.externalId, user.externalId),
      ),
    )
    .limit(1);
  return row;
}

export async function findPersonByHandle(db: Queryable, handle: string) {
  const [row] = await db
    .select({ person: people, department: departments.code })
    .from(people)
    .leftJoin(departments, eq(departments.id, people.departmentId))
    .where(eq(people.handle, handle.toLowerCase()))
    .limit(1);
  return row;
}

export async function findPersonById(db: Queryable, id: number) {
  const [row] = await db
    .select({ person: people, department: departments.code })
    .from(people)
    .leftJoin(departments, eq(departments.id, people.departmentId))
    .where(eq(people.id, id))
    .limit(1);
  return row;
}

/** Finds or creates the person behind a platform user. Safe when two first messages race. */
export async function resolvePerson(
  db: Queryable,
  user: InboundUser,
  admins: PlatformIdentityRef[],
): Promise<{ person: PersonRow; department: string | null }> {
  const found = await findPersonByIdentity(db, user);
  if (found) return withPlatformEmail(db, found, user.email);
  const isAdmin = admins.some((a) => a.platform === user.platform && a.externalId === user.externalId);
  const [person] = await db
    .insert(people)
    .values({ name: user.name ?? user.externalId, email: user.email ?? null, role: isAdmin ? 'admin' : null })
    .returning();
  const inserted = await db
    .insert(identities)
    .values({
      personId: person!.id,
      platform: user.platform,
      tenant: user.tenant,
      externalId: user.externalId,
      displayName: user.name ?? null,
    })
    .onConflictDoNothing()
    .returning();
  if (inserted.length === 0) {
    // Someone else created this identity at the same moment: use theirs, drop ours.
    await db.delete(people).where(eq(people.id, person!.id));
    const theirs = await findPersonByIdentity(db, user);
    if (theirs) return theirs;
  }
  await offerLinkByEmail(db, person!, user.platform);
  return { person: person!, department: null };
}

/**
 * The address a platform gives (a profile's email) fills a person's empty one; one set by the person or
 * an admin (me email=, admin person) is never overwritten.
 */
async function withPlatformEmail<T extends { person: PersonRow }>(
  db: Queryable,
  found: T,
  email: string | undefined,
): Promise<T> {
  if (found.person.email || !email || !parseEmail(email).ok) return found;
  const [row] = await db
    .update(people)
    .set({ email: email.trim() })
    .where(and(eq(people.id, found.person.id), isNull(people.email)))
    .returning();
  return row ? { ...found, person: row } : found;
}

/** ADMINS are admins from the start, also when the bot met them before they were listed. */
export async function promoteAdmins(db: Queryable, admins: PlatformIdentityRef[]): Promise<number> {
  let promoted = 0;
  for (const a of admins) {
    const rows = await db
      .select({ id: identities.personId })
      .from(identities)
      .where(and(eq(identities.platform, a.platform), eq(identities.externalId, a.externalId)));
    for (const r of rows) {
      const updated = await db
        .update(people)
        .set({ role: 'admin' })
        .where(and(eq(people.id, r.id), sql`${people.role} is distinct from 'admin'`))
        .returning({ id: people.id });
      promoted += updated.length;
    }
  }
  return promoted;
}

export function localeOf(p: Pick<PersonRow, 'locale'>, org: Org): Locale {
  return isLocale(p.locale) ? p.locale : org.locale;
}
