// Posts to people by the contact address they gave, through every configured channel that reaches people
// that way (capabilities.contactAddress): written to the outbox in the caller's transaction, beside the
// chat messages, never instead of them. The target id is the person's id; the channel asks for the address.
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import type { Message } from '../cards/card.ts';
import type { Queryable } from '../db/client.ts';
import { outbox, people } from '../db/schema.ts';
import type { Locale } from '../i18n/locale.ts';
import type { Org } from './org.ts';
import { outboxTally } from './outbox.ts';
import { localeOf } from './people.ts';

/** Each person's copy, in their language, in full as a direct chat shows it (their role decides the rest). */
export type ContactRender = (locale: Locale, personId: number) => Message;

export async function sendToContacts(
  db: Queryable,
  org: Org,
  personIds: number[],
  render: ContactRender,
  cardKey?: string,
): Promise<number> {
  const channels = org.contactChannels ?? [];
  if (channels.length === 0 || personIds.length === 0) return 0;
  const rows = await db
    .select({ id: people.id, locale: people.locale })
    .from(people)
    .where(and(inArray(people.id, personIds), eq(people.active, true), isNotNull(people.email)));
  const values = rows.flatMap((p) => {
    const locale = localeOf(p, org);
    const message = render(locale, p.id);
    return channels.map((platform) => ({
      platform,
      tenant: '',
      targetKind: 'user',
      targetId: String(p.id),
      op: 'post',
      cardKey: cardKey ?? null,
      payload: { ...message, locale },
      locale,
      audience: 'private',
    }));
  });
  if (values.length === 0) return 0;
  const tally = outboxTally.getStore();
  if (tally) tally.written += values.length;
  const requestId = tally?.request ?? null;
  await db.insert(outbox).values(values.map((v) => ({ ...v, requestId })));
  return values.length;
}
