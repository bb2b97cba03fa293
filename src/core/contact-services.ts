// The core's side of `services.contacts` (src/port/services.ts), for a channel whose recipients are people
// addressed by the contact address they gave: who a post is for, what was sent to whom, that it was
// opened, and a press of one of its buttons as its recipient, once.
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Message } from '../cards/card.ts';
import type { Db } from '../db/client.ts';
import { messageOpens, outbox, people } from '../db/schema.ts';
import type { ContactPerson, Contacts } from '../port/services.ts';
import type { OncePress } from './engine.ts';
import type { ChatRef } from './inbound.ts';
import type { Org } from './org.ts';
import { localeOf } from './people.ts';

/**
 * Presses a button as a person known by id, once (the engine's path for a person without a chat identity,
 * Core.pressOnce): the claim is made in the press's own transaction.
 */
export type PressAs = (
  personId: number,
  chat: ChatRef,
  actionId: string,
  values: Record<string, string> | undefined,
  once: OncePress,
) => Promise<{ outcome: 'done' | 'declined' | 'used' | 'failed'; replies: Message[] }>;

export function contactServices(
  platform: string,
  deps: { db: Db; press: PressAs; org: () => Promise<Org> },
): Contacts {
  const { db } = deps;

  const person = async (id: number): Promise<ContactPerson | undefined> => {
    const [p] = await db.select().from(people).where(eq(people.id, id));
    if (!p?.email) return undefined;
    const org = await deps.org();
    return {
      personId: p.id,
      name: p.name,
      address: p.email,
      locale: localeOf(p, org),
      active: p.active,
    };
  };

  /** The outbox row of a post this channel made to a person. */
  const row = async (outboxId: number) => {
    if (!Number.isSafeInteger(outboxId) || outboxId <= 0) return undefined;
    const [r] = await db
      .select({
        id: outbox.id,
        targetId: outbox.targetId,
        payload: outbox.payload,
        sentAt: outbox.sentAt,
        openedAt: messageOpens.openedAt,
        actedAt: messageOpens.actedAt,
      })
      .from(outbox)
      .leftJoin(messageOpens, eq(messageOpens.outboxId, outbox.id))
      .where(
        and(
          eq(outbox.id, outboxId),
          eq(outbox.platform, platform),
          eq(outbox.op, 'post'),
          eq(outbox.targetKind, 'user'),
        ),
      );
    return r;
  };

  return {
    async person(id) {
      return /^\d{1,10}$/.test(id) ? person(Number(id)) : undefined;
    },

    async sent(outboxId) {
      const r = await row(outboxId);
      if (!r) return undefined;
      const p = await person(Number(r.targetId));
      if (!p) return undefined;
      return {
        outboxId: r.id,
        person: p,
        message: r.payload as Message,
        sentAt: r.sentAt,
        openedAt: r.openedAt,
        actedAt: r.actedAt,
      };
    },

    async opened(outboxId) {
      if (!(await row(outboxId))) return;
      await db.insert(messageOpens).values({ outboxId }).onConflictDoNothing();
    },

    async press(outboxId, actionId, values) {
      const r = await row(outboxId);
      if (!r) return { refused: 'not-found' };
      const message = r.payload as Message;
      // Only a button the message itself carried: a link for one item acts on that item alone.
      if (!message.card?.actions.some((a) => a.id === actionId)) return { refused: 'not-a-button' };
      // Claimed in the press's own transaction, so two presses of the same link (a double click, a second
      // tab) act once, and a press that fails, or did nothing, leaves the link as it was: usable again.
      const once: OncePress = {
        async claim(tx) {
          const [claimed] = await tx
            .insert(messageOpens)
            .values({ outboxId, actedAt: sql`now()` })
            .onConflictDoUpdate({
              target: messageOpens.outboxId,
              set: { actedAt: sql`now()` },
              setWhere: isNull(messageOpens.actedAt),
            })
            .returning({ outboxId: messageOpens.outboxId });
          return Boolean(claimed);
        },
        async release(tx) {
          await tx.update(messageOpens).set({ actedAt: null }).where(eq(messageOpens.outboxId, outboxId));
        },
      };
      const chat: ChatRef = { platform, tenant: '', chatId: `person:${r.targetId}`, kind: 'dm' };
      const pressed = await deps.press(Number(r.targetId), chat, actionId, values, once);
      if (pressed.outcome === 'failed') return { failed: pressed.replies };
      if (pressed.outcome === 'declined') return { declined: pressed.replies };
      if (pressed.outcome === 'done') return { replies: pressed.replies };
      const [used] = await db
        .select({ at: messageOpens.actedAt })
        .from(messageOpens)
        .where(eq(messageOpens.outboxId, outboxId));
      return { used: used?.at ?? new Date() };
    },
  };
}
