// Read-only lookups adapters need about their own platform: who is known there, which chats are bound.
import { and, asc, eq } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { chatBindings, departments, identities, people } from '../db/schema.ts';

export async function peopleOn(db: Queryable, platform: string) {
  return db
    .select({
      externalId: identities.externalId,
      name: people.name,
      handle: people.handle,
      role: people.role,
      department: departments.code,
      active: people.active,
      timezone: people.timezone,
    })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .leftJoin(departments, eq(departments.id, people.departmentId))
    .where(eq(identities.platform, platform))
    .orderBy(asc(people.id));
}

export async function chatsBoundOn(db: Queryable, platform: string, tenant = '') {
  return db
    .select({ chatId: chatBindings.chatId, title: chatBindings.title, department: departments.code })
    .from(chatBindings)
    .innerJoin(departments, eq(departments.id, chatBindings.departmentId))
    .where(and(eq(chatBindings.platform, platform), eq(chatBindings.tenant, tenant)))
    .orderBy(asc(chatBindings.id));
}
