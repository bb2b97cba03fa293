// The core's side of the port: the services one channel gets (src/port/services.ts), bound to its
// platform. The only code that reads the core's tables for a channel.
import { and, asc, desc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Message } from '../cards/card.ts';
import { commandMetadata } from '../commands/metadata.ts';
import type { Db } from '../db/client.ts';
import {
  channelValues,
  chatBindings,
  departments,
  identities,
  outbox,
  people,
  postedCards,
} from '../db/schema.ts';
import { type Locale, toLocale } from '../i18n/locale.ts';
import type { Audience, PostedRef, PostTarget } from '../port/outbound.ts';
import type {
  AnswerLive,
  ChatBinding,
  PortServices,
  PostedCard,
  RenderMark,
  ReplyOptions,
} from '../port/services.ts';
import { Limits } from '../queue/limits.ts';
import { contactServices } from './contact-services.ts';
import type { Core, OutboxFlush } from './engine.ts';
import { InFlight } from './in-flight.ts';
import { InboundJournal } from './inbound-journal.ts';
import { loadOrg } from './org.ts';
import { findPersonByIdentity, localeOf } from './people.ts';

export type ChannelServiceDeps = {
  db: Db;
  core: Core;
  delivery: OutboxFlush;
  log: Logger;
  /** The process's commands in flight, shared by its channels: a stopping process waits for them. */
  inFlight?: InFlight;
  /** The rate limits delivery keeps (shared through Redis with REDIS_URL); default: this process's own. */
  limits?: Limits;
};

/** The services for `platform`; its journal logs through `log`. */
export function channelServices(platform: string, deps: ChannelServiceDeps): PortServices {
  const { db, core, delivery, log } = deps;
  const inFlight = deps.inFlight ?? new InFlight();
  const limits = deps.limits ?? new Limits();

  const postedCard = async (messageId: string, where?: { tenant: string; chatId: string }) => {
    const [row] = await db
      .select()
      .from(postedCards)
      .where(
        and(
          eq(postedCards.platform, platform),
          eq(postedCards.messageId, messageId),
          ...(where ? [eq(postedCards.tenant, where.tenant), eq(postedCards.chatId, where.chatId)] : []),
        ),
      )
      .limit(1);
    if (!row) return null;
    const card: PostedCard = {
      cardKey: row.cardKey,
      tenant: row.tenant,
      chatId: row.chatId,
      messageId: row.messageId,
      locale: toLocale(row.locale),
      audience: row.audience === 'private' ? 'private' : 'group',
    };
    return card;
  };

  const binding = (
    row: {
      chatId: string;
      title: string | null;
      department: string;
      settings: Record<string, string>;
      boundBy: number | null;
    } | null,
  ): ChatBinding | undefined => (row ? { ...row, settings: row.settings ?? {} } : undefined);

  const bindingColumns = {
    chatId: chatBindings.chatId,
    title: chatBindings.title,
    department: departments.code,
    settings: chatBindings.settings,
    boundBy: chatBindings.boundBy,
  };

  // Where a card went (also for cards sent as immediate replies), so a change of its subject re-renders it.
  const remember = async (cardKey: string, ref: PostedRef, locale: Locale, audience: Audience) => {
    await db
      .insert(postedCards)
      .values({
        cardKey,
        platform,
        tenant: ref.tenant,
        chatId: ref.chatId,
        messageId: ref.messageId,
        locale,
        audience,
      })
      .onConflictDoNothing();
  };

  // A post the adapter could not make at once (a reply the platform throttled or refused for now): the
  // outbox sends it later, after what waits for that chat already, and never drops it.
  const postLater = async (target: PostTarget, message: Message, audience: Audience) => {
    await db.insert(outbox).values({
      platform,
      tenant: target.tenant,
      targetKind: target.kind,
      targetId: target.id,
      op: 'post',
      cardKey: message.cardKey ?? null,
      payload: message,
      locale: message.locale ?? 'zh',
      audience,
    });
    void delivery.drain();
  };

  const services: PortServices = {
    commands: {
      handleMessage: (inbound) => inFlight.run(() => core.handleMessage(inbound)),
      handleAction: (inbound) => inFlight.run(() => core.handleAction(inbound)),
      understand: (text) => core.understand(text),
      metadata: commandMetadata(core.commands),
    },
    journal: new InboundJournal({ db, core, log, platform, inFlight }),
    contacts: contactServices(platform, {
      db,
      press: (personId, chat, actionId, values, once) =>
        core.pressOnce(personId, chat, actionId, values, once),
      org: () => loadOrg(db),
    }),

    pacing: {
      take: (key, rate) => limits.takeOwn(platform, key, rate),
    },

    kept: {
      async once(name, make) {
        // The first process to ask keeps its value; any other, at the same moment or later, reads that one.
        await db.insert(channelValues).values({ platform, name, value: make() }).onConflictDoNothing();
        const [row] = await db
          .select({ value: channelValues.value })
          .from(channelValues)
          .where(and(eq(channelValues.platform, platform), eq(channelValues.name, name)));
        if (!row) throw new Error(`no kept value ${platform}/${name}`);
        return row.value;
      },
      async put(name, value, maxAgeMs) {
        const age = `${maxAgeMs} milliseconds`;
        await db
          .insert(channelValues)
          .values({ platform, name, value })
          .onConflictDoUpdate({
            target: [channelValues.platform, channelValues.name],
            set: { value, createdAt: sql`now()` },
          });
        // Values never taken (a card nobody changed again) go once they could no longer be used.
        const kind = `${name.split(':')[0]}:%`;
        await db
          .delete(channelValues)
          .where(
            and(
              eq(channelValues.platform, platform),
              sql`${channelValues.name} like ${kind}`,
              sql`${channelValues.createdAt} < now() - ${age}::interval`,
            ),
          );
      },
      async take(name, maxAgeMs) {
        const [row] = await db
          .delete(channelValues)
          .where(and(eq(channelValues.platform, platform), eq(channelValues.name, name)))
          .returning({ value: channelValues.value, createdAt: channelValues.createdAt });
        if (!row || row.createdAt.getTime() < Date.now() - maxAgeMs) return null;
        return row.value;
      },
    },

    identities: {
      async displayNames(tenant, externalIds) {
        if (externalIds.length === 0) return new Map();
        const rows = await db
          .select({ id: identities.externalId, name: identities.displayName })
          .from(identities)
          .where(
            and(
              eq(identities.platform, platform),
              eq(identities.tenant, tenant),
              inArray(identities.externalId, externalIds),
            ),
          );
        return new Map(rows.filter((r) => r.name).map((r) => [r.id, r.name!]));
      },
      async resolveMention(tenant, name) {
        const [row] = await db
          .select({ externalId: identities.externalId })
          .from(identities)
          .innerJoin(people, eq(people.id, identities.personId))
          .where(
            and(
              eq(identities.platform, platform),
              eq(identities.tenant, tenant),
              or(eq(identities.externalId, name), eq(identities.displayName, name)),
            ),
          )
          .limit(1);
        return row?.externalId;
      },
      async localeOf(tenant, externalId) {
        try {
          const org = await loadOrg(db);
          const found = await findPersonByIdentity(db, { platform, tenant, externalId });
          return found ? localeOf(found.person, org) : org.locale;
        } catch {
          return 'zh';
        }
      },
      async roleOf(tenant, externalId) {
        const [row] = await db
          .select({ personId: identities.personId, role: people.role })
          .from(identities)
          .innerJoin(people, eq(people.id, identities.personId))
          .where(
            and(
              eq(identities.platform, platform),
              eq(identities.tenant, tenant),
              eq(identities.externalId, externalId),
            ),
          )
          .limit(1);
        return row;
      },
      async list() {
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
      },
    },

    cards: {
      remember,
      find: postedCard,
      async mark() {
        const [row] = await db.select({ id: sql<string | number | null>`max(${outbox.id})` }).from(outbox);
        return Number(row?.id ?? 0) as RenderMark;
      },
      async rendersSince(ref, mark) {
        const card = await postedCard(ref.messageId, { tenant: ref.tenant, chatId: ref.chatId });
        if (!card) return null;
        const [row] = await db
          .select({ payload: outbox.payload })
          .from(outbox)
          .where(and(eq(outbox.op, 'update'), eq(outbox.cardKey, card.cardKey), gt(outbox.id, mark)))
          .orderBy(desc(outbox.id))
          .limit(1);
        if (!row) return null;
        const payload = row.payload as Record<string, Message>;
        const message = payload[`${card.locale}/${card.audience}`] ?? payload[`${card.locale}/group`];
        return message ? { message, locale: card.locale } : null;
      },
    },

    chats: {
      async binding(tenant, chatId) {
        const [row] = await db
          .select(bindingColumns)
          .from(chatBindings)
          .innerJoin(departments, eq(departments.id, chatBindings.departmentId))
          .where(
            and(
              eq(chatBindings.platform, platform),
              eq(chatBindings.tenant, tenant),
              eq(chatBindings.chatId, chatId),
            ),
          )
          .limit(1);
        return binding(row ?? null);
      },
      async bound(tenant = '') {
        const rows = await db
          .select(bindingColumns)
          .from(chatBindings)
          .innerJoin(departments, eq(departments.id, chatBindings.departmentId))
          .where(and(eq(chatBindings.platform, platform), eq(chatBindings.tenant, tenant)))
          .orderBy(asc(chatBindings.id));
        return rows.map((r) => binding(r)!);
      },
      async setSetting(tenant, chatId, key, value) {
        await db
          .update(chatBindings)
          .set({ settings: sql`${chatBindings.settings} || ${JSON.stringify({ [key]: value })}::jsonb` })
          .where(
            and(
              eq(chatBindings.platform, platform),
              eq(chatBindings.tenant, tenant),
              eq(chatBindings.chatId, chatId),
            ),
          );
      },
    },

    outbox: {
      postLater,
      flush: () => delivery.drain(),
    },

    replies: {
      send: (replies: Message[], answer: AnswerLive, opts: ReplyOptions) =>
        sendReplies(replies, answer, opts, {
          remember,
          postLater,
          log,
          platform,
        }),
    },

    async org() {
      const org = await loadOrg(db);
      return { timezone: org.timezone, locale: org.locale };
    },
  };
  return services;
}

/**
 * The reply path, once for every channel: each reply is answered live the channel's way; a card that
 * went somewhere it can be changed is remembered, so a change of its subject re-renders it there too; a
 * live answer that fails goes through the outbox (after what waits for that chat, never dropped), or,
 * where the live answer is the only way, is logged.
 */
async function sendReplies(
  replies: Message[],
  answer: AnswerLive,
  opts: ReplyOptions,
  ctx: {
    remember: (cardKey: string, ref: PostedRef, locale: Locale, audience: Audience) => Promise<void>;
    postLater: PortServices['outbox']['postLater'];
    log: Logger;
    platform: string;
  },
): Promise<void> {
  const audience: Audience = opts.audience ?? (opts.chat.kind === 'dm' ? 'private' : 'group');
  for (const [i, reply] of replies.entries()) {
    try {
      const ref = await answer(reply, i);
      if (ref && reply.cardKey) await ctx.remember(reply.cardKey, ref, reply.locale ?? 'zh', audience);
    } catch (err) {
      const error = String((err as Error)?.message ?? err);
      if (!opts.fallback) {
        ctx.log.warn({ err: error, chat: opts.chat.chatId }, `${ctx.platform}: a reply could not be sent`);
        continue;
      }
      // Throttled or failing now: the outbox delivers it later (it waits, never drops).
      ctx.log.warn({ err: error, chat: opts.chat.chatId }, `${ctx.platform}: reply deferred to the outbox`);
      await ctx.postLater(opts.fallback, reply, audience);
    }
  }
}
