// The path of one command: dedupe → person → parse → permission → flow in one transaction → reply.
// Adapters call handleMessage / handleAction; everything for other people leaves through the outbox.
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { decodeAction, encodeAction, typedPress } from '../cards/actions.ts';
import type { Card, Message } from '../cards/card.ts';
import { formatDate } from '../commands/dates.ts';
import { renderCommandError } from '../commands/errors.ts';
import { type Token, tokenize } from '../commands/lexer.ts';
import type { CommandTable } from '../commands/parse.ts';
import type { AnyCommand, ConfirmAsk } from '../commands/spec.ts';
import { spell } from '../commands/vocabulary.ts';
import type { Config } from '../config.ts';
import type { Db, Tx } from '../db/client.ts';
import { confirmations } from '../db/schema.ts';
import { type Bilingual, pick } from '../i18n/locale.ts';
import { type Actor, ROLE_NAMES } from './actor.ts';
import { createContext, type FlowContext } from './context.ts';
import { UserError } from './errors.ts';
import type { ChatRef, InboundAction, InboundMessage, InboundUser } from './inbound.ts';
import { markDone, markFailed, recoveryScope } from './inbound-journal.ts';
import { type CommandNote, type CommandObservation, newNote } from './observation.ts';
import { loadOrg, type Org } from './org.ts';
import { outboxTally } from './outbox.ts';
import { findPersonById, resolvePerson, toActor } from './people.ts';
import { Traces } from './traces.ts';

/**
 * What the core needs of delivery (src/delivery): a nudge to send what a commit just wrote to the outbox.
 * A shape rather than the Delivery itself, so the core does not import the sending side that imports it.
 */
export type OutboxFlush = { drain(): Promise<void> };

export type CoreDeps = {
  db: Db;
  config: Pick<Config, 'admins'>;
  log: Logger;
  delivery: OutboxFlush;
  commands: CommandTable<FlowContext>;
  /** Platforms whose replies in a group chat only the asker sees (their adapters declare privateReplies). */
  privateReplies?: readonly string[];
  /** Configured channels that reach people by contact address (their adapters declare contactAddress). */
  contactChannels?: readonly string[];
  clock?: () => Date;
  /** Told at the end of each command and press (the metrics, src/ops/metrics.ts). */
  observe?: (o: CommandObservation) => void;
};

const CONFIRM_TTL_MS = 24 * 3600_000;

/** A single-use link's claim, made in the transaction of the press it allows (Core.pressOnce). */
export type OncePress = { claim(tx: Tx): Promise<boolean>; release(tx: Tx): Promise<void> };

/** Who acts: a platform user (found or created), or a person already known by id (the web workspace). */
type Who = InboundUser | { personId: number };

export class Core {
  private readonly clock: () => Date;

  constructor(private readonly deps: CoreDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** A reply in this chat is read by the asker alone: a direct chat, or a platform with private replies. */
  private privateReply(chat: ChatRef): boolean {
    return chat.kind === 'dm' || (this.deps.privateReplies ?? []).includes(chat.platform);
  }

  // The organisation's settings change only at start (from ORG_*), so one read serves every command.
  private orgRead: Promise<Org> | null = null;
  private org(tx: Tx): Promise<Org> {
    const contactChannels = this.deps.contactChannels ?? [];
    this.orgRead ??= loadOrg(tx)
      .then((org) => ({ ...org, contactChannels }))
      .catch((err) => {
        this.orgRead = null;
        throw err;
      });
    return this.orgRead;
  }

  get commands(): CommandTable<FlowContext> {
    return this.deps.commands;
  }

  /** A message typed by a person. Returns the replies for that person, in their language. */
  understand(text: string): { noun: string; verb: string; bare: boolean } | null {
    const parsed = this.deps.commands.parse(text, { currency: 'CNY' });
    // A command typed with nothing after it lacks what it needs: still that command, and bare.
    const missing = ['missing_key', 'missing_ref', 'missing_word', 'missing_mention'];
    const command = parsed.ok
      ? parsed.command
      : missing.includes(parsed.error.code) && 'command' in parsed.error
        ? parsed.error.command
        : null;
    if (!command) return null;
    let tokens: Token[] = [];
    try {
      tokens = tokenize(text);
    } catch {
      return null;
    }
    // Only the noun and the verb (or the two fused into one Chinese word): nothing given yet.
    const bare = tokens.length <= 2 && tokens.every((t) => t.kind === 'word');
    return { noun: command.noun, verb: command.verbs[0] ?? '', bare };
  }

  async handleMessage(inbound: InboundMessage): Promise<Message[]> {
    // `confirm <id>` / `cancel <id>` typed where the card's buttons cannot be shown: the same as pressing them.
    const press = typedPress(inbound.text);
    if (press) return this.handleAction({ ...inbound, actionId: press });
    const t0 = performance.now();
    const note = newNote();
    const replies = await this.inTransaction(
      inbound.user,
      inbound.chat,
      inbound.eventId,
      async (tx, actor, org) => {
        const parsed = this.deps.commands.parse(inbound.text, { currency: org.currency });
        if (!parsed.ok) {
          const text = renderCommandError(parsed.error, actor.locale, (n) => this.deps.commands.forNoun(n));
          return [{ text }];
        }
        return this.runCommand(tx, actor, org, inbound.chat, parsed.command, parsed.intent, false, note);
      },
      note,
    );
    this.observe(note, t0);
    return replies;
  }

  /** A card button pressed; its id is a ButtonAction (src/cards/actions.ts). */
  async handleAction(inbound: InboundAction): Promise<Message[]> {
    return (await this.press(inbound.user, inbound)).replies;
  }

  /**
   * A button pressed by a person signed in to the web workspace (src/web/): the same path as a card's
   * button, with the person known by id instead of a platform identity, in the chat the web stands for.
   */
  async handleWebAction(
    personId: number,
    chat: ChatRef,
    actionId: string,
    values?: Record<string, string>,
  ): Promise<Message[]> {
    return (await this.press({ personId }, { chat, actionId, ...(values ? { values } : {}) })).replies;
  }

  /**
   * A button pressed through a single-use link only its recipient was sent (a channel that reaches
   * people by address): `once.claim` runs first in the press's own transaction (false: the link was used,
   * nothing is done); a press that did nothing (refused, denied, not understood: `declined`) calls
   * `once.release`, so the link may be used again; a failure on our side rolls the claim back with
   * everything else.
   */
  async pressOnce(
    personId: number,
    chat: ChatRef,
    actionId: string,
    values: Record<string, string> | undefined,
    once: OncePress,
  ): Promise<{ outcome: 'done' | 'declined' | 'used' | 'failed'; replies: Message[] }> {
    const { replies, note, used } = await this.press(
      { personId },
      { chat, actionId, ...(values ? { values } : {}) },
      once,
    );
    const outcome = used
      ? 'used'
      : note.outcome === 'error'
        ? 'failed'
        : note.outcome === 'ok'
          ? 'done'
          : // Refused by its flow, not allowed, not understood: answered, nothing done.
            'declined';
    return { outcome, replies };
  }

  private async press(
    who: Who,
    inbound: Pick<InboundAction, 'chat' | 'actionId' | 'values' | 'eventId'>,
    once?: OncePress,
  ): Promise<{ replies: Message[]; note: CommandNote; used: boolean }> {
    const t0 = performance.now();
    const note = newNote();
    let used = false;
    const replies = await this.inTransaction(
      who,
      inbound.chat,
      inbound.eventId,
      async (tx, actor, org) => {
        if (once && !(await once.claim(tx))) {
          used = true;
          return [];
        }
        const replies = await this.pressed(tx, actor, org, inbound, note);
        if (once && note.outcome !== 'ok') await once.release(tx);
        return replies;
      },
      note,
    );
    this.observe(note, t0);
    return { replies, note, used };
  }

  private async pressed(
    tx: Tx,
    actor: Actor,
    org: Org,
    inbound: Pick<InboundAction, 'chat' | 'actionId' | 'values'>,
    note: CommandNote,
  ): Promise<Message[]> {
    const action = decodeAction(inbound.actionId);
    if (action?.kind === 'run') {
      const parsed = this.deps.commands.parse(withValues(action.command, inbound.values), {
        currency: org.currency,
      });
      if (!parsed.ok)
        return [
          { text: renderCommandError(parsed.error, actor.locale, (n) => this.deps.commands.forNoun(n)) },
        ];
      return this.runCommand(tx, actor, org, inbound.chat, parsed.command, parsed.intent, false, note);
    }
    if (action)
      return this.decideConfirmation(tx, actor, org, inbound.chat, action.confirmation, action.kind, note);
    return [
      say(
        actor,
        'That button is not known (the card may be from an older version).',
        '无法识别这个按钮（卡片可能已过期）。',
      ),
    ];
  }

  private observe(note: CommandNote, t0: number): void {
    const seconds = (performance.now() - t0) / 1000;
    this.deps.observe?.({ ...note, seconds });
    // One line per command: its request id is on every message it wrote (outbox.request_id) and in the
    // delivery's lines for them.
    this.deps.log.info(
      { req: note.request, noun: note.noun, outcome: note.outcome, ms: Math.round(seconds * 1000) },
      'command',
    );
  }

  private async inTransaction(
    user: Who,
    chat: ChatRef,
    eventId: string | undefined,
    work: (tx: Tx, actor: Actor, org: Org) => Promise<Message[]>,
    note?: CommandNote,
  ): Promise<Message[]> {
    // Delivery is woken only when the work wrote something to deliver (most reads write nothing). The
    // request id (the platform's event, else one made here) goes on every row written and in the logs.
    const tally = { written: 0, request: eventId ?? `req:${randomUUID()}` };
    if (note) note.request = tally.request;
    try {
      const run = () => this.transact(user, chat, eventId, work);
      const replies = await outboxTally.run(tally, () =>
        run().catch((err: unknown) => {
          // PostgreSQL ended the transaction to break a deadlock or a serialization conflict: it was rolled
          // back whole, and all a command does is inside it (its replies, outbox rows, audit, the inbound
          // event marked done, a link's claim), so it runs once more; a second conflict fails as any error.
          const code = conflictCode(err);
          if (!code) throw err;
          this.deps.log.warn(
            { err, code, req: tally.request },
            'command transaction conflicted; running it again',
          );
          tally.written = 0;
          return run();
        }),
      );
      if (tally.written > 0) void this.deps.delivery.drain();
      return replies;
    } catch (err) {
      if (note) note.outcome = 'error';
      this.deps.log.error(
        {
          err,
          req: tally.request,
          ...('personId' in user
            ? { person: user.personId }
            : { platform: user.platform, user: user.externalId }),
        },
        'command failed',
      );
      // The person is told nothing changed, so no recovery may run it later; a recovery gives up itself.
      const recovery = recoveryScope.getStore();
      if (recovery) recovery.failed = err;
      else if (eventId && !('personId' in user))
        await markFailed(this.deps.db, user.platform, eventId).catch((e) =>
          this.deps.log.warn({ err: e, eventId }, 'could not mark a failed inbound event'),
        );
      return [
        {
          text: 'Something went wrong on our side; nothing was changed. Please try again in a moment. / 系统出错，未做任何修改，请稍后重试。',
        },
      ];
    }
  }

  private transact(
    user: Who,
    chat: ChatRef,
    eventId: string | undefined,
    work: (tx: Tx, actor: Actor, org: Org) => Promise<Message[]>,
  ): Promise<Message[]> {
    return this.deps.db.transaction(async (tx) => {
      // Done in the flow's own transaction: a redelivery or a recovery of the same event then finds it done.
      // The person is looked up at the same time (the two statements go out together, one round trip):
      // a redelivery waits on the first one's mark, by which time the first has made the person if new.
      const marking = eventId && !('personId' in user) ? markDone(tx, user.platform, eventId) : null;
      const finding =
        'personId' in user
          ? findPersonById(tx, user.personId)
          : resolvePerson(tx, user, this.deps.config.admins);
      finding.catch(() => {}); // awaited below, after the mark's own failure if it fails
      if (marking && !(await marking)) return []; // answered the first time
      const org = await this.org(tx);
      const found = await finding;
      if (!found) throw new Error(`no person ${'personId' in user ? user.personId : ''}`);
      const { person, department } = found;
      if (!person.active) {
        // Someone who left (admin offboard), on any of their identities: refused, and each attempt audited.
        const gone = toActor(person, department, org);
        const ctx = createContext({ tx, actor: gone, chat, now: this.clock(), org });
        await ctx.audit('denied', 'person', String(person.id), { reason: 'inactive' });
        return [say(gone, 'Your access has been revoked.', '您的权限已被收回。')];
      }
      const actor = toActor(person, department, org);
      const replies = (await work(tx, actor, org)).map((r) => ({ ...r, locale: actor.locale }));
      // A recovered event (its HTTP answer is gone): the replies go out through the outbox, in this transaction.
      await recoveryScope.getStore()?.deliver(tx, replies);
      return replies;
    });
  }

  private async runCommand(
    tx: Tx,
    actor: Actor,
    org: Org,
    chat: ChatRef,
    command: AnyCommand<FlowContext>,
    intent: Parameters<AnyCommand<FlowContext>['run']>[1],
    confirmed: boolean,
    note: CommandNote = newNote(),
  ): Promise<Message[]> {
    note.noun = command.noun;
    note.outcome = 'ok';
    const ctx = createContext({
      tx,
      actor,
      chat,
      now: this.clock(),
      org,
      privateReply: this.privateReply(chat),
    });
    ctx.commands = this.deps.commands;
    if (!command.allow(actor)) {
      await ctx.audit('denied', command.noun, intent.ref ?? undefined, {
        command: `${command.noun} ${command.verbs[0] ?? ''}`,
      });
      note.outcome = 'denied';
      return [denial(actor, command)];
    }
    try {
      // Reads need no savepoint: they have nothing to roll back.
      if (command.readOnly && !command.confirm) return [await command.run(ctx, intent)];
      // A savepoint: a refusal half-way through rolls back the flow's writes, keeping the audit of the attempt.
      return await tx.transaction(async (sp) => {
        // The flow's history and audit rows go in one statement at its end, inside this savepoint.
        const traces = new Traces();
        const inner = createContext({
          tx: sp,
          actor,
          chat,
          now: ctx.now,
          org,
          privateReply: this.privateReply(chat),
          traces,
        });
        inner.commands = this.deps.commands;
        let reply: Message | undefined;
        if (command.confirm && !confirmed) {
          const summary = await command.confirm(inner, intent);
          if (summary) reply = await this.askConfirmation(inner, intent, summary);
        }
        reply ??= await command.run(inner, intent);
        await traces.flush(sp);
        return [reply];
      });
    } catch (err) {
      if (err instanceof UserError) {
        note.outcome = 'refused';
        if (err.audit) await ctx.audit(err.audit.action, err.audit.entity, err.audit.ref, err.audit.detail);
        const usage = err.withUsage
          ? `\n${pick(actor.locale, { en: 'Usage', zh: '用法' })}: ${command.usage[actor.locale]}`
          : '';
        return [{ text: err.text[actor.locale] + usage }];
      }
      throw err;
    }
  }

  private async askConfirmation(
    ctx: FlowContext,
    intent: Parameters<AnyCommand<FlowContext>['run']>[1],
    ask: ConfirmAsk,
  ): Promise<Message> {
    // Only the text is kept with the confirmation; its own buttons are drawn once, here.
    const { actions: own, confirmLabel, ...summary } = ask;
    const [row] = await ctx.tx
      .insert(confirmations)
      .values({
        personId: ctx.actor.personId,
        command: { text: intent.text, chatKind: ctx.chat.kind },
        summary: JSON.stringify(summary),
        expiresAt: new Date(ctx.now.getTime() + CONFIRM_TTL_MS),
      })
      .returning({ id: confirmations.id });
    const id = row!.id;
    const card: Card = {
      title: ctx.t({ en: 'Please confirm', zh: '请确认' }),
      fields: [{ label: ctx.t({ en: 'Action', zh: '操作' }), value: ctx.t(summary) }],
      actions: [
        ...(own?.(id) ?? []).map((a) => ({ id: a.id, label: ctx.t(a.label), style: a.style ?? 'default' })),
        {
          id: encodeAction({ kind: 'confirm', confirmation: id }),
          label: ctx.t(confirmLabel ?? { en: 'Confirm', zh: '确认' }),
          style: own ? 'default' : 'primary',
        },
        {
          id: encodeAction({ kind: 'cancel', confirmation: id }),
          label: ctx.t({ en: 'Cancel', zh: '取消' }),
          style: 'default',
        },
      ],
      note: ctx.t({
        en: `Only ${ctx.actor.name} can confirm; valid for 24 hours.`,
        zh: `仅 ${ctx.actor.name} 本人可确认，24 小时内有效。`,
      }),
    };
    return { text: `${card.title}: ${ctx.t(summary)}`, card, cardKey: `confirm:${id}` };
  }

  private async decideConfirmation(
    tx: Tx,
    actor: Actor,
    org: Org,
    chat: ChatRef,
    id: string,
    decision: 'confirm' | 'cancel',
    note: CommandNote = newNote(),
  ): Promise<Message[]> {
    // A press on a confirmation that is not run (cancelled, gone, another's) counts as the confirmation's.
    note.noun = 'confirmation';
    note.outcome = 'ok';
    if (!/^[0-9a-f-]{36}$/i.test(id))
      return [say(actor, 'That confirmation does not exist.', '该确认请求不存在。')];
    const [row] = await tx.select().from(confirmations).where(eq(confirmations.id, id)).for('update');
    if (!row) return [say(actor, 'That confirmation does not exist.', '该确认请求不存在。')];
    if (row.personId !== actor.personId) {
      const ctx = createContext({
        tx,
        actor,
        chat,
        now: this.clock(),
        org,
        privateReply: this.privateReply(chat),
      });
      await ctx.audit('denied', 'confirmation', id, { reason: 'not the requester' });
      return [
        say(actor, 'Only the person who asked can confirm or cancel this.', '只有发起人本人可以确认或取消。'),
      ];
    }
    if (row.state !== 'pending') {
      const when = row.decidedAt ? formatDate(row.decidedAt, actor.timezone, true) : '';
      return [
        say(
          actor,
          `This was already ${row.state} (${when}).`,
          `此请求已${row.state === 'confirmed' ? '确认' : '处理'}（${when}）。`,
        ),
      ];
    }
    const now = this.clock();
    const summary = JSON.parse(row.summary) as Bilingual;
    if (row.expiresAt < now) {
      await tx
        .update(confirmations)
        .set({ state: 'expired', decidedAt: now })
        .where(eq(confirmations.id, id));
      await this.rerenderConfirmation(tx, org, chat, actor, id, summary, 'expired', now);
      return [
        say(
          actor,
          'This confirmation expired; please type the command again.',
          '确认已过期，请重新输入命令。',
        ),
      ];
    }
    const state = decision === 'confirm' ? 'confirmed' : 'cancelled';
    await tx
      .update(confirmations)
      .set({ state, decidedAt: now })
      .where(and(eq(confirmations.id, id), eq(confirmations.state, 'pending')));
    await this.rerenderConfirmation(tx, org, chat, actor, id, summary, state, now);
    if (decision === 'cancel')
      return [say(actor, 'Cancelled; nothing was changed.', '已取消，未做任何修改。')];
    const parsed = this.deps.commands.parse(row.command.text, { currency: org.currency });
    if (!parsed.ok) return [say(actor, 'The command can no longer be run.', '该命令已无法执行。')];
    const replies = await this.runCommand(tx, actor, org, chat, parsed.command, parsed.intent, true, note);
    return replies;
  }

  private async rerenderConfirmation(
    tx: Tx,
    org: Org,
    chat: ChatRef,
    actor: Actor,
    id: string,
    summary: Bilingual,
    state: 'confirmed' | 'cancelled' | 'expired',
    at: Date,
  ): Promise<void> {
    const ctx = createContext({ tx, actor, chat, now: at, org });
    const when = ctx.fmtDate(at, true);
    const states = {
      confirmed: { en: `Confirmed by ${actor.name} at ${when}`, zh: `${actor.name} 已于 ${when} 确认` },
      cancelled: { en: `Cancelled by ${actor.name} at ${when}`, zh: `${actor.name} 已于 ${when} 取消` },
      expired: { en: 'Expired', zh: '已过期' },
    }[state];
    await ctx.out.update(`confirm:${id}`, (locale) => {
      const title = pick(locale, { en: 'Confirmation', zh: '确认' });
      return {
        text: `${title}: ${summary[locale]} — ${states[locale]}`,
        card: {
          title,
          fields: [{ label: pick(locale, { en: 'Action', zh: '操作' }), value: summary[locale] }],
          actions: [],
          note: states[locale],
        },
      };
    });
  }
}

/** Form values (e.g. a reject reason) become key="value" on the command, quoted with marks the value lacks. */
export function withValues(text: string, values: Record<string, string> | undefined): string {
  if (!values) return text;
  const parts = Object.entries(values)
    .filter(([key, v]) => /^[a-z_]{1,20}$/.test(key) && v.trim())
    .map(([key, v]) => {
      const value = v.replace(/[\r\n]+/g, ' ').trim();
      const [open, close] = !value.includes('"')
        ? ['"', '"']
        : !value.includes('」')
          ? ['「', '」']
          : ['『', '』'];
      return `${key}=${open}${value.replaceAll(close!, '')}${close}`;
    });
  return [text, ...parts].join(' ');
}

/** deadlock_detected (40P01) or serialization_failure (40001), on the error or a cause (drizzle wraps it). */
function conflictCode(err: unknown): '40P01' | '40001' | null {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (e.code === '40P01' || e.code === '40001') return e.code;
    e = e.cause as typeof e;
  }
  return null;
}

function say(actor: Pick<Actor, 'locale'>, en: string, zh: string): Message {
  return { text: pick(actor.locale, { en, zh }) };
}

function denial(actor: Actor, command: AnyCommand<FlowContext>): Message {
  const l = actor.locale;
  const what = [spell('noun', command.noun, l), command.verbs[0] ? spell('verb', command.verbs[0], l) : '']
    .join(' ')
    .trim();
  const usage = `\n${pick(l, { en: 'Usage', zh: '用法' })}: ${command.usage[l]}`;
  if (!actor.role) {
    return say(
      actor,
      `You have no role yet, so you cannot use "${what}". Ask an admin to run: admin role @you <role>.`,
      `您还没有角色，无法使用“${what}”。请管理员执行：管理 角色 @您 <角色>。`,
    );
  }
  const role = ROLE_NAMES[actor.role];
  return say(
    actor,
    `A ${role.en} may not use "${what}"; ask someone whose role allows it (help ${command.noun} lists who).${usage}`,
    `${role.zh}无权使用“${what}”，请联系有权限的人员（「帮助 ${spell('noun', command.noun, 'zh')}」可查看）。${usage}`,
  );
}
