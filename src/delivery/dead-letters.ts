// Dead letters: a row given up (a permanent error, or its last try failed) is marked 'failed' and, once,
// the management chat is told what was lost, in the same transaction, so the notice exists exactly when
// the row is dead. Notices are themselves outbox rows under DEAD_LETTER_KEY, and a dead notice is not
// reported again (no notice about a notice).
import type { Message } from '../cards/card.ts';
import { loadOrg } from '../core/org.ts';
import { type OutboxRow, outboxWriter } from '../core/outbox.ts';
import type { Db } from '../db/client.ts';
import { outbox } from '../db/schema.ts';
import { type Locale, pick } from '../i18n/locale.ts';
import { heldBy } from './held.ts';

/** Notices about dead messages carry this card key prefix (and are never reported themselves). */
export const DEAD_LETTER_KEY = 'deadletter:';

/** What the management chat reads about a dead message, in its language. */
export function deadLetterText(row: OutboxRow, lastError: string, l: Locale): string {
  const where = `${row.platform} ${row.targetKind} ${row.targetId}`;
  const text = (row.payload as Partial<Message>)?.text?.slice(0, 200) ?? '';
  return pick(l, {
    en: `⚠️ A message to ${where} could not be delivered after ${row.attempts} tries and was given up (outbox #${row.id}): ${lastError}\n> ${text}`,
    zh: `⚠️ 发往 ${where} 的消息尝试 ${row.attempts} 次仍未送达，已放弃（outbox #${row.id}）：${lastError}\n> ${text}`,
  });
}

/** Marks the row 'failed' and tells the management chat once; returns how many notices were written. */
export async function deadLetter(db: Db, row: OutboxRow, lastError: string): Promise<number> {
  return db.transaction(async (tx) => {
    const [dead] = await tx
      .update(outbox)
      .set({ state: 'failed', lastError, nextAttemptAt: new Date() })
      .where(heldBy(row))
      .returning({ id: outbox.id });
    if (!dead || row.cardKey?.startsWith(DEAD_LETTER_KEY)) return 0;
    const org = await loadOrg(tx);
    return outboxWriter(tx, org, '').send(
      { kind: 'department', code: 'management' },
      (l) => ({ text: deadLetterText(row, lastError, l) }),
      `${DEAD_LETTER_KEY}${row.id}`,
    );
  });
}
