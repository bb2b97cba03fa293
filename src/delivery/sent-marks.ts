// Records "sent" for delivered messages in groups: every message sent while the previous group was being
// written goes into the next one, one statement and one commit for all of them (group commit). Idle, a
// mark is written at once; busy, many share a commit instead of queueing one commit each. A caller's
// promise resolves when its mark is durable, so nothing downstream sees a message as sent before it is.
//
// The statement also remembers where each card went (posted_cards) and returns, per chat, the next
// message waiting behind the ones just sent, for the caller to wake.
import { sql } from 'drizzle-orm';
import { chatKey, type OutboxRow } from '../core/outbox.ts';
import type { Queryable } from '../db/client.ts';
import { GroupWrites } from '../db/group-writes.ts';
import { rowsOf } from '../db/rows.ts';
import type { PostedRef } from '../port/outbound.ts';

export type NextInChat = { id: number; at: Date };

type Mark = { row: OutboxRow; ref: PostedRef | null };

/** Marks per statement at most (a statement's parameters stay small). */
const MAX_GROUP = 500;

export class SentMarks {
  private readonly marks = new GroupWrites<Mark, NextInChat | undefined>(
    async (group) => {
      const next = await this.store(group);
      return group.map((m) => (m.row.op === 'post' ? next.get(chatKey(m.row)) : undefined));
    },
    MAX_GROUP,
    2,
  );

  constructor(private readonly db: Queryable) {}

  /** Marks `row` sent (with where its card went); resolves with the next pending message to its chat. */
  mark(row: OutboxRow, ref: PostedRef | null): Promise<NextInChat | undefined> {
    return this.marks.add({ row, ref });
  }

  private async store(group: Mark[]): Promise<Map<string, NextInChat>> {
    const ids = group.map((m) => m.row.id);
    const cards = group.flatMap((m) =>
      m.row.op === 'post' && m.row.cardKey && m.ref
        ? [
            {
              card_key: m.row.cardKey,
              platform: m.row.platform,
              tenant: m.ref.tenant,
              chat_id: m.ref.chatId,
              message_id: m.ref.messageId,
              locale: m.row.locale,
              audience: m.row.audience,
            },
          ]
        : [],
    );
    // Per chat, the last message of this group: what waits behind it is the next to go.
    const last = new Map<string, { platform: string; tenant: string; target_id: string; after: number }>();
    for (const m of group) {
      if (m.row.op !== 'post') continue;
      const key = chatKey(m.row);
      const seen = last.get(key);
      if (!seen || seen.after < m.row.id)
        last.set(key, {
          platform: m.row.platform,
          tenant: m.row.tenant,
          target_id: m.row.targetId,
          after: m.row.id,
        });
    }
    const res = await this.db.execute(sql`
      with sent as (
        update outbox set state = 'sent', sent_at = now(), last_error = null
        where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::bigint)
      ), card as (
        insert into posted_cards (card_key, platform, tenant, chat_id, message_id, locale, audience)
        select card_key, platform, tenant, chat_id, message_id, locale, audience
        from jsonb_to_recordset(${JSON.stringify(cards)}::jsonb) as c(card_key text, platform text,
          tenant text, chat_id text, message_id text, locale text, audience text)
        on conflict do nothing
      )
      select distinct on (o.platform, o.tenant, o.target_id) o.platform, o.tenant, o.target_id,
        o.id, o.next_attempt_at as at
      from jsonb_to_recordset(${JSON.stringify([...last.values()])}::jsonb)
        as c(platform text, tenant text, target_id text, after bigint)
      join outbox o on o.platform = c.platform and o.tenant = c.tenant and o.target_id = c.target_id
        and o.state = 'pending' and o.id > c.after
      order by o.platform, o.tenant, o.target_id, o.id`);
    const next = new Map<string, NextInChat>();
    for (const r of rowsOf<{
      platform: string;
      tenant: string;
      target_id: string;
      id: string | number;
      at: string | Date;
    }>(res))
      next.set(chatKey({ platform: r.platform, tenant: r.tenant, targetId: r.target_id }), {
        id: Number(r.id),
        at: new Date(r.at),
      });
    return next;
  }
}
