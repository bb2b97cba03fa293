// Which departments a chat is bound to, and which chats a department reaches (R-CHAN-4: one chat may
// serve several departments, e.g. an order's project group of sales, production and logistics).
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { DepartmentCode } from '../commands/keys.ts';
import type { Queryable } from '../db/client.ts';
import { chatBindingDepartments, chatBindings, departments } from '../db/schema.ts';

export type BoundChat = { platform: string; tenant: string; chatId: string };

export const boundChatKey = (c: BoundChat) => `${c.platform}/${c.tenant}/${c.chatId}`;

/** The departments a chat is bound to, in the order they were bound. */
export async function departmentsOfChat(db: Queryable, chat: BoundChat): Promise<DepartmentCode[]> {
  const rows = await db
    .select({ code: departments.code })
    .from(chatBindingDepartments)
    .innerJoin(chatBindings, eq(chatBindings.id, chatBindingDepartments.bindingId))
    .innerJoin(departments, eq(departments.id, chatBindingDepartments.departmentId))
    .where(
      and(
        eq(chatBindings.platform, chat.platform),
        eq(chatBindings.tenant, chat.tenant),
        eq(chatBindings.chatId, chat.chatId),
      ),
    )
    .orderBy(asc(chatBindingDepartments.createdAt), asc(departments.id));
  return rows.map((r) => r.code as DepartmentCode);
}

/**
 * The chats bound to any of `codes`, each once, with the departments of `codes` it serves (in the order of
 * `codes`): what a message to several departments must reach, and where one post serves several.
 */
export async function chatsOfDepartments(
  db: Queryable,
  codes: readonly DepartmentCode[],
): Promise<{ chat: BoundChat; codes: DepartmentCode[] }[]> {
  if (codes.length === 0) return [];
  const rows = await db
    .select({
      platform: chatBindings.platform,
      tenant: chatBindings.tenant,
      chatId: chatBindings.chatId,
      code: departments.code,
    })
    .from(chatBindingDepartments)
    .innerJoin(chatBindings, eq(chatBindings.id, chatBindingDepartments.bindingId))
    .innerJoin(departments, eq(departments.id, chatBindingDepartments.departmentId))
    .where(inArray(departments.code, [...codes]))
    .orderBy(asc(chatBindings.id));
  const byChat = new Map<string, { chat: BoundChat; codes: DepartmentCode[] }>();
  for (const r of rows) {
    const chat = { platform: r.platform, tenant: r.tenant, chatId: r.chatId };
    const entry = byChat.get(boundChatKey(chat)) ?? { chat, codes: [] };
    entry.codes.push(r.code as DepartmentCode);
    byChat.set(boundChatKey(chat), entry);
  }
  for (const e of byChat.values()) e.codes.sort((a, b) => codes.indexOf(a) - codes.indexOf(b));
  return [...byChat.values()];
}
