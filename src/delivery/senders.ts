// Which adapter sends for which platform: the composition root registers every channel it built
// (src/runtime.ts); delivery looks the row's platform up here. A post goes to one adapter; an update of a
// card goes to every copy remembered in posted_cards, each through the adapter of the platform it is on,
// each in the language and audience it was posted for.
import { eq } from 'drizzle-orm';
import type { Message } from '../cards/card.ts';
import { registerDirectory } from '../core/directories.ts';
import type { OutboxRow } from '../core/outbox.ts';
import type { Db } from '../db/client.ts';
import { postedCards } from '../db/schema.ts';
import { PermanentDeliveryError, type Sender } from '../port/outbound.ts';

export class Senders {
  private readonly byPlatform = new Map<string, Sender>();

  register(sender: Sender): void {
    this.byPlatform.set(sender.platform, sender);
    // Its directory too, for admin directory import.
    registerDirectory(sender);
  }

  /** The adapter that posts the row; a row for a platform without one can never be sent. */
  for(platform: string): Sender {
    const sender = this.byPlatform.get(platform);
    if (!sender) throw new PermanentDeliveryError(`no adapter for platform ${platform}`);
    return sender;
  }

  /** Platforms whose messages this process cannot send now (their connection is held elsewhere). */
  heldElsewhere(): string[] {
    const out: string[] = [];
    for (const [platform, sender] of this.byPlatform) if (sender.canDeliver?.() === false) out.push(platform);
    return out;
  }

  /** Re-renders every copy of the row's card where it was posted (platforms not served here are left). */
  async updateEverywhere(db: Db, row: OutboxRow): Promise<void> {
    const payload = row.payload as Record<string, Message>;
    const copies = await db.select().from(postedCards).where(eq(postedCards.cardKey, row.cardKey!));
    for (const copy of copies) {
      const sender = this.byPlatform.get(copy.platform);
      if (!sender) continue;
      const message = payload[`${copy.locale}/${copy.audience}`] ?? payload[`${copy.locale}/group`];
      if (!message) continue;
      await sender.update({ tenant: copy.tenant, chatId: copy.chatId, messageId: copy.messageId }, message);
    }
  }
}
