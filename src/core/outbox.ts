// Writes messages for other people and chats into the outbox, inside the caller's transaction, so a
// message exists exactly when the change that caused it was committed.
import { AsyncLocalStorage } from 'node:async_hooks';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Message } from '../cards/card.ts';
import type { DepartmentCode } from '../commands/keys.ts';
import type { Queryable } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import {
  chatBindingDepartments,
  chatBindings,
  departments,
  identities,
  outbox,
  people,
} from '../db/schema.ts';
import { isLocale, type Locale } from '../i18n/locale.ts';
import type { Org } from './org.ts';

export type Target =
  | { kind: 'person'; personId: number }
  | { kind: 'department'; code: DepartmentCode }
  | { kind: 'chat'; platform: string; tenant: string; chatId: string };

/** Who will read a message: one person (full details their role allows) or a group chat (confidential masked). */
export type Audience = 'private' | 'group';

/** A message is rendered per recipient, in their language, for their audience. */
export type Render = (locale: Locale, audience: Audience) => Message;

export const VARIANTS: readonly [Locale, Audience][] = [
  ['en', 'private'],
  ['zh', 'private'],
  ['en', 'group'],
  ['zh', 'group'],
];

export type OutboxWriter = {
  send(target: Target, render: Render, cardKey?: string): Promise<number>;
  /** Re-render every copy of a card, wherever it was posted. */
  update(cardKey: string, render: Render): Promise<void>;
};

/**
 * Counts outbox rows written within a unit of work, so the caller knows whether to wake delivery, and
 * carries the request it serves (the inbound event), written on each row so logs follow it to its messages.
 */
export const outboxTally = new AsyncLocalStorage<{ written: number; request?: string }>();

/** The request the current unit of work serves, for the rows it writes. */
export const currentRequest = (): string | null => outboxTally.getStore()?.request ?? null;

export type OutboxRow = typeof outbox.$inferSelect;
type OutboxValues = typeof outbox.$inferInsert;

export function outboxWriter(db: Queryable, org: Org, preferPlatform: string): OutboxWriter {
  // A chat bound to several departments (R-CHAN-4) gets a message sent to more than one of them once:
  // the same post to the same chat within one unit of work is written once.
  const posted = new Set<string>();
  return {
    async send(target, render, cardKey) {
      const values = (await postValues(db, org, preferPlatform, target, render, cardKey)).filter((v) => {
        if (v.targetKind !== 'chat') return true;
        const key = `${chatKey(v)}\n${v.cardKey ?? ''}\n${JSON.stringify(v.payload)}`;
        if (posted.has(key)) return false;
        posted.add(key);
        return true;
      });
      if (values.length === 0) return 0;
      const tally = outboxTally.getStore();
      if (tally) tally.written += values.length;
      const requestId = tally?.request ?? null;
      await db.insert(outbox).values(values.map((v) => ({ ...v, requestId })));
      return values.length;
    },
    async update(cardKey, render) {
      const tally = outboxTally.getStore();
      if (tally) tally.written += 1;
      await db.insert(outbox).values({
        requestId: tally?.request ?? null,
        platform: '*',
        targetKind: 'card',
        targetId: cardKey,
        op: 'update',
        cardKey,
        payload: Object.fromEntries(VARIANTS.map(([l, a]) => [`${l}/${a}`, withKey(render(l, a), cardKey)])),
      });
    },
  };
}

/**
 * Collects posts and writes them with one insert (a batch of reminders fired together). With `leaseMs`,
 * posts to a chat that has nothing waiting are written already claimed ('sending', leased to this worker)
 * so the caller sends them at once without another round of claims; posts to a chat with an earlier
 * message waiting are written 'pending' and queue behind it. Unless every message waiting there is one
 * the caller itself holds (`ownedHere`): it sends them in order, and these join them at the end.
 */
export class OutboxBatch {
  private readonly values: OutboxValues[] = [];
  /** Where people and departments are reached, read once for the whole batch (see preload). */
  private readonly known = new Map<string, ResolvedTarget[]>();

  constructor(
    private readonly db: Queryable,
    private readonly org: Org,
  ) {}

  /**
   * Reads where the batch's people and departments are reached with one query each, instead of one per
   * message: a batch of reminders to 500 reps would otherwise hold its transaction for 500 round trips.
   */
  async preload(targets: Target[]): Promise<void> {
    const personIds = [...new Set(targets.flatMap((t) => (t.kind === 'person' ? [t.personId] : [])))];
    const codes = [...new Set(targets.flatMap((t) => (t.kind === 'department' ? [t.code] : [])))];
    if (personIds.length) {
      const rows = await this.db
        .select(PERSON_ADDRESS)
        .from(identities)
        .innerJoin(people, eq(people.id, identities.personId))
        .where(inArray(identities.personId, personIds))
        .orderBy(asc(identities.id));
      const byPerson = groupBy(rows, (r) => r.personId);
      for (const id of personIds)
        this.known.set(
          targetKey({ kind: 'person', personId: id }),
          personAddress(byPerson.get(id) ?? [], '', this.org),
        );
    }
    if (codes.length) {
      const rows = await this.db
        .select({ ...DEPARTMENT_CHAT, code: departments.code })
        .from(chatBindingDepartments)
        .innerJoin(chatBindings, eq(chatBindings.id, chatBindingDepartments.bindingId))
        .innerJoin(departments, eq(departments.id, chatBindingDepartments.departmentId))
        .where(inArray(departments.code, codes));
      const byCode = groupBy(rows, (r) => r.code);
      for (const code of codes)
        this.known.set(
          targetKey({ kind: 'department', code }),
          departmentChats(byCode.get(code) ?? [], this.org),
        );
    }
  }

  async send(target: Target, render: Render, cardKey?: string): Promise<number> {
    // A chat needs no lookup; people and departments were read by preload, when it ran.
    const known = target.kind === 'chat' ? undefined : this.known.get(targetKey(target));
    const values = known
      ? known.map((r) => postValue(r, render, cardKey))
      : await postValues(this.db, this.org, '', target, render, cardKey);
    this.values.push(...values);
    return values.length;
  }

  async flush(opts: FlushOptions = {}): Promise<OutboxRow[]> {
    if (this.values.length === 0) return [];
    const busy = opts.leaseMs ? await this.chatsWithWaiting(opts.ownedHere) : null;
    // The table's defaults filled in here, so the rows handed back are what was stored.
    const values = this.values.splice(0).map((v) => ({
      platform: v.platform,
      tenant: v.tenant ?? '',
      targetKind: v.targetKind,
      targetId: v.targetId,
      op: v.op ?? 'post',
      cardKey: v.cardKey ?? null,
      payload: v.payload,
      locale: v.locale ?? 'zh',
      audience: v.audience ?? 'group',
      claim: busy !== null && !busy.has(chatKey(v)),
    }));
    // One parameter for the whole batch: a hundred posts bound column by column would cost the worker
    // more CPU to build than the database takes to insert them. Rows go in, and get their ids, in order.
    const res = await this.db.execute(sql`
      insert into outbox (platform, tenant, target_kind, target_id, op, card_key, payload, locale, audience,
        state, attempts, next_attempt_at)
      select platform, tenant, target_kind, target_id, op, card_key, payload, locale, audience,
        case when claim then 'sending' else 'pending' end, case when claim then 1 else 0 end,
        case when claim then now() + make_interval(secs => ${(opts.leaseMs ?? 0) / 1000}) else now() end
      from rows from (jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as ("platform" text, "tenant" text,
        "targetKind" text, "targetId" text, "op" text, "cardKey" text, "payload" jsonb, "locale" text,
        "audience" text, "claim" boolean))
        with ordinality as x(platform, tenant, target_kind, target_id, op, card_key, payload, locale, audience,
          claim, n)
      order by n
      returning id, target_id, state, attempts, next_attempt_at, created_at`);
    const made = rowsOf<{
      id: string | number;
      target_id: string;
      state: string;
      attempts: number;
      next_attempt_at: string | Date;
      created_at: string | Date;
    }>(res).sort((a, b) => Number(a.id) - Number(b.id));
    return made.map((r, i) => {
      const { claim: _, ...v } = values[i]!;
      if (r.target_id !== v.targetId) throw new Error('outbox rows came back out of order');
      return {
        ...v,
        id: Number(r.id),
        state: r.state,
        attempts: Number(r.attempts),
        nextAttemptAt: new Date(r.next_attempt_at),
        lastError: null,
        createdAt: new Date(r.created_at),
        sentAt: null,
        requestId: null,
      };
    });
  }

  /** Chats of this batch that already have a message waiting that the caller does not hold (theirs go first). */
  private async chatsWithWaiting(ownedHere?: (outboxId: number) => boolean): Promise<Set<string>> {
    const chats = new Map(
      this.values.map((v) => [
        chatKey(v),
        { platform: v.platform, tenant: v.tenant ?? '', target_id: v.targetId },
      ]),
    );
    // Joined chat by chat, so the partial index on waiting messages answers it however long the outbox.
    const res = await this.db.execute(sql`
      select o.platform, o.tenant, o.target_id, array_agg(o.id) as waiting
      from jsonb_to_recordset(${JSON.stringify([...chats.values()])}::jsonb)
        as c(platform text, tenant text, target_id text)
      join outbox o on o.platform = c.platform and o.tenant = c.tenant and o.target_id = c.target_id
        and o.state in ('pending', 'sending')
      group by o.platform, o.tenant, o.target_id`);
    const busy = new Set<string>();
    type Waiting = { platform: string; tenant: string; target_id: string; waiting: (string | number)[] };
    for (const r of rowsOf<Waiting>(res)) {
      // All of them in the caller's hands, or sent by it since: not in the way.
      if (!ownedHere || !r.waiting.every((id) => ownedHere(Number(id))))
        busy.add(chatKey({ platform: r.platform, tenant: r.tenant, targetId: r.target_id }));
    }
    return busy;
  }
}

export type FlushOptions = {
  /** Write posts to free chats already claimed for this many ms. */
  leaseMs?: number;
  /** Whether a waiting outbox row is the caller's: held to send before these, or sent by it since. */
  ownedHere?: (outboxId: number) => boolean;
};

/** The chat a post goes to, as a key (per-chat order and limits). */
export function chatKey(r: { platform: string; tenant?: string | null; targetId: string }): string {
  return `${r.platform}/${r.tenant ?? ''}/${r.targetId}`;
}

async function postValues(
  db: Queryable,
  org: Org,
  prefer: string,
  target: Target,
  render: Render,
  cardKey: string | undefined,
): Promise<OutboxValues[]> {
  const rows = await resolveTargets(db, target, org, prefer);
  return rows.map((r) => postValue(r, render, cardKey));
}

function postValue(r: ResolvedTarget, render: Render, cardKey: string | undefined): OutboxValues {
  return {
    platform: r.platform,
    tenant: r.tenant,
    targetKind: r.targetKind,
    targetId: r.targetId,
    op: 'post',
    cardKey: cardKey ?? null,
    payload: withKey(render(r.locale, r.audience), cardKey),
    locale: r.locale,
    audience: r.audience,
  };
}

function groupBy<T, K>(rows: T[], key: (r: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/** A person's or a department's key in a batch's preloaded addresses. */
function targetKey(t: Exclude<Target, { kind: 'chat' }>): string {
  return t.kind === 'person' ? `person:${t.personId}` : `department:${t.code}`;
}

function withKey(m: Message, cardKey: string | undefined): Message {
  return cardKey ? { ...m, cardKey } : m;
}

type ResolvedTarget = {
  platform: string;
  tenant: string;
  targetKind: 'user' | 'chat';
  targetId: string;
  locale: Locale;
  audience: Audience;
};

async function resolveTargets(
  db: Queryable,
  target: Target,
  org: Org,
  prefer: string,
): Promise<ResolvedTarget[]> {
  if (target.kind === 'chat') {
    return [
      {
        platform: target.platform,
        tenant: target.tenant,
        targetKind: 'chat',
        targetId: target.chatId,
        locale: org.locale,
        audience: 'group',
      },
    ];
  }
  if (target.kind === 'department') {
    const chats = await db
      .select(DEPARTMENT_CHAT)
      .from(chatBindingDepartments)
      .innerJoin(chatBindings, eq(chatBindings.id, chatBindingDepartments.bindingId))
      .innerJoin(departments, eq(departments.id, chatBindingDepartments.departmentId))
      .where(eq(departments.code, target.code))
      .orderBy(asc(chatBindings.id));
    return departmentChats(chats, org);
  }
  const ids = await db
    .select(PERSON_ADDRESS)
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(eq(identities.personId, target.personId))
    .orderBy(asc(identities.id));
  return personAddress(ids, prefer, org);
}

const DEPARTMENT_CHAT = {
  platform: chatBindings.platform,
  tenant: chatBindings.tenant,
  chatId: chatBindings.chatId,
};

/** A department's bound chats, each a group post in the organisation's language. */
function departmentChats(
  chats: { platform: string; tenant: string; chatId: string }[],
  org: Org,
): ResolvedTarget[] {
  return chats.map((c) => ({
    platform: c.platform,
    tenant: c.tenant,
    targetKind: 'chat' as const,
    targetId: c.chatId,
    locale: org.locale,
    audience: 'group' as const,
  }));
}

const PERSON_ADDRESS = {
  personId: identities.personId,
  platform: identities.platform,
  tenant: identities.tenant,
  externalId: identities.externalId,
  locale: people.locale,
  active: people.active,
};

/**
 * A person: one direct message, on the platform of the conversation if they are there, else their first
 * (`ids` in identity order); none if they left.
 */
function personAddress(
  ids: { platform: string; tenant: string; externalId: string; locale: string | null; active: boolean }[],
  prefer: string,
  org: Org,
): ResolvedTarget[] {
  const chosen = ids.find((i) => i.platform === prefer) ?? ids[0];
  if (!chosen?.active) return [];
  const locale = isLocale(chosen.locale) ? chosen.locale : org.locale;
  return [
    {
      platform: chosen.platform,
      tenant: chosen.tenant,
      targetKind: 'user',
      targetId: chosen.externalId,
      locale,
      audience: 'private',
    },
  ];
}
