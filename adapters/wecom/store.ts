// What the adapter reads and writes in the shared database through the core's schema: where a card was
// posted, the newest re-render of it, known WeCom users (for @mentions), and a chat's group-robot webhook key
// (kept in chat_bindings.settings until the core's `admin bind` takes webhook= itself).
import { and, desc, eq, gt, or, sql } from 'drizzle-orm';
import type { Message } from '../../src/cards/card.ts';
import type { Db } from '../../src/db/client.ts';
import { chatBindings, identities, outbox, people, postedCards } from '../../src/db/schema.ts';

export const PLATFORM = 'wecom';

export async function maxOutboxId(db: Db): Promise<number> {
  const [row] = await db.select({ id: sql<string | number | null>`max(${outbox.id})` }).from(outbox);
  return Number(row?.id ?? 0);
}

export async function postedCard(db: Db, tenant: string, chatId: string, messageId: string) {
  const [row] = await db
    .select()
    .from(postedCards)
    .where(
      and(
        eq(postedCards.platform, PLATFORM),
        eq(postedCards.tenant, tenant),
        eq(postedCards.chatId, chatId),
        eq(postedCards.messageId, messageId),
      ),
    )
    .limit(1);
  return row;
}

/** The newest re-render of the card at this place, written after outbox id `since`. */
export async function newestRender(
  db: Db,
  tenant: string,
  chatId: string,
  messageId: string,
  since: number,
): Promise<{ message: Message; locale: 'en' | 'zh' } | null> {
  const card = await postedCard(db, tenant, chatId, messageId);
  if (!card) return null;
  const [row] = await db
    .select({ payload: outbox.payload })
    .from(outbox)
    .where(and(eq(outbox.op, 'update'), eq(outbox.cardKey, card.cardKey), gt(outbox.id, since)))
    .orderBy(desc(outbox.id))
    .limit(1);
  if (!row) return null;
  const payload = row.payload as Record<string, Message>;
  const message = payload[`${card.locale}/${card.audience}`] ?? payload[`${card.locale}/group`];
  return message ? { message, locale: card.locale === 'en' ? 'en' : 'zh' } : null;
}

/** The userid behind `@name` in a WeCom text: a known userid, or a known display name. */
export async function userIdFor(db: Db, tenant: string, name: string): Promise<string | undefined> {
  const [row] = await db
    .select({ externalId: identities.externalId })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(
      and(
        eq(identities.platform, PLATFORM),
        eq(identities.tenant, tenant),
        or(eq(identities.externalId, name), eq(identities.displayName, name)),
      ),
    )
    .limit(1);
  return row?.externalId;
}

export async function bindingOf(db: Db, tenant: string, chatId: string) {
  const [row] = await db
    .select({ settings: chatBindings.settings, boundBy: chatBindings.boundBy })
    .from(chatBindings)
    .where(
      and(
        eq(chatBindings.platform, PLATFORM),
        eq(chatBindings.tenant, tenant),
        eq(chatBindings.chatId, chatId),
      ),
    )
    .limit(1);
  return row;
}

export async function webhookKeyOf(db: Db, tenant: string, chatId: string): Promise<string | undefined> {
  return (await bindingOf(db, tenant, chatId))?.settings?.webhook;
}

export async function storeWebhookKey(db: Db, tenant: string, chatId: string, key: string): Promise<void> {
  await db
    .update(chatBindings)
    .set({ settings: sql`${chatBindings.settings} || ${JSON.stringify({ webhook: key })}::jsonb` })
    .where(
      and(
        eq(chatBindings.platform, PLATFORM),
        eq(chatBindings.tenant, tenant),
        eq(chatBindings.chatId, chatId),
      ),
    );
}

export async function personIdOf(db: Db, tenant: string, externalId: string) {
  const [row] = await db
    .select({ personId: identities.personId, role: people.role })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(
      and(
        eq(identities.platform, PLATFORM),
        eq(identities.tenant, tenant),
        eq(identities.externalId, externalId),
      ),
    )
    .limit(1);
  return row;
}
