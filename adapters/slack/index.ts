// The Slack adapter: slash commands (/crm, and /lead /quote /order: the nouns the command metadata gives an
// entry point, manifest-commands.ts), Block Kit cards with buttons, modals for a reason or a command's form
// (a new quote/order), DMs and app mentions; outbound posts paced per channel, updated in place.
// HTTP mode shares the app's one port (POST /slack/events); Socket Mode (SLACK_APP_TOKEN) needs no public URL.
import { App, type Logger as BoltLogger, type LogLevel, type types } from '@slack/bolt';
import type { Logger } from 'pino';
import {
  type ChannelAdapter,
  type ChatRef,
  type CommandForm,
  type DirectoryEntry,
  declareAdapter,
  type InboundUser,
  type Journal,
  type JournalEntry,
  type Locale,
  type Message,
  messages,
  type PortServices,
  type PostedRef,
  type PostTarget,
  typedCommand,
} from '../../src/port/index.ts';
import { type Rendered, render } from './blocks.ts';
import { loadSlackConfig, type SlackConfig, slackSchema } from './config.ts';
import { slashCommands } from './manifest-commands.ts';
import {
  ADD_LINE,
  FORM_CALLBACK,
  formCallback,
  formCommand,
  formModal,
  INPUT_CALLBACK,
  inputModal,
  inputValue,
  MAX_LINES,
  type ModalMeta,
  unpackMeta,
  type ViewState,
} from './modals.ts';
import { SlackOutbound } from './outbound.ts';
import { sharedPortReceiver, slackRoutes } from './receiver.ts';

export const PLATFORM = 'slack';

export const slack = declareAdapter<SlackConfig>({
  name: PLATFORM,
  configured: (env) => Boolean(env.SLACK_BOT_TOKEN?.trim()),
  settings: loadSlackConfig,
  schema: slackSchema,
  capabilities: {
    cards: true,
    updateInPlace: 'always',
    forms: true,
    privateReplies: true,
    mentions: true,
    // chat.postMessage takes no idempotency key: a message re-sent after a crash can show twice.
    idempotentSends: false,
  },
  limits: {
    // chat.postMessage: about 1 message per second per channel.
    rate: { perChat: { count: 1, perMs: 1000 } },
    // 40,000 characters of text; an actions block holds 25 buttons; 3 s to ack an interaction.
    text: { maxText: 40_000, unit: 'chars', maxButtons: 25, pressAnswerMs: 3000 },
  },
  create: (config, ctx) => new SlackAdapter(config, ctx.services, ctx.log.child({ platform: PLATFORM })),
});

/** Where the answer to a person goes. */
type Where = {
  team: string;
  channel: string;
  kind: 'dm' | 'group';
  user: string;
  responseUrl?: string | undefined;
  /** The conversation is the person's DM with the bot: answers are real messages there (cards updatable). */
  botDm?: boolean;
  /** The first answer replaces the ephemeral message whose button was pressed (no live buttons remain). */
  replaceOriginal?: boolean;
};

type SlashBody = {
  command: string;
  text?: string;
  team_id: string;
  user_id: string;
  channel_id: string;
  channel_name?: string;
  response_url?: string;
  trigger_id: string;
};

type ButtonPayload = { action_id: string; value?: string; action_ts?: string };
type ActionBody = {
  type: string;
  team?: { id: string } | null;
  user: { id: string; team_id?: string };
  channel?: { id: string; name?: string };
  container?: { type: string; channel_id?: string; message_ts?: string; is_ephemeral?: boolean };
  message?: { ts: string; blocks?: { type: string; text?: { text?: string } }[] };
  view?: { id: string; hash: string; private_metadata?: string; callback_id?: string };
  actions: ButtonPayload[];
  response_url?: string;
  trigger_id: string;
};

type ViewBody = {
  team?: { id: string } | null;
  user: { id: string; team_id?: string };
  view: { id: string; callback_id: string; private_metadata?: string; state: { values: ViewState } };
};

type EventBody = {
  team_id?: string;
  event_id?: string;
  event: {
    type: string;
    subtype?: string;
    channel_type?: string;
    bot_id?: string;
    user?: string;
    text?: string;
    channel: string;
    team?: string;
  };
};

type ButtonValue = { i: string; in?: { name: string; label: string; required: boolean } };

export class SlackAdapter implements ChannelAdapter {
  readonly platform = PLATFORM;
  readonly bolt: App;
  readonly out: SlackOutbound;
  private botUserId: string | undefined;
  private readonly users = new Map<string, { user: InboundUser; at: number }>();
  readonly routes?: () => import('hono').Hono;
  /** What is acked is recorded first; a sweep runs what a crashed process left (src/core/inbound-journal.ts). */
  readonly journal: Journal;
  /** Events whose ack waits until their listener has recorded them (see holdEventAcks). */
  private readonly held = new WeakMap<object, { release(): Promise<void>; fail(): void }>();
  private slashNouns: Map<string, string> | undefined;

  constructor(
    private readonly config: SlackConfig,
    private readonly services: PortServices,
    private readonly log: Logger,
  ) {
    const clientOptions = {
      ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}),
      // A 429 is handed back to the outbox with its Retry-After instead of blocking the whole client.
      rejectRateLimitedCalls: true,
      retryConfig: { retries: config.retries ?? 2, minTimeout: 500, maxTimeout: 5000 },
      logger: boltLogger(log),
    };
    const common = {
      token: config.botToken,
      clientOptions,
      logger: boltLogger(log),
      tokenVerificationEnabled: false,
      // The adapter itself ignores messages from bots.
      ignoreSelf: false,
    };
    this.bolt =
      config.mode === 'socket'
        ? new App({ ...common, appToken: config.appToken!, socketMode: true })
        : new App({ ...common, receiver: sharedPortReceiver });
    this.out = new SlackOutbound(this.bolt.client, log, config.channelIntervalMs);
    this.journal = services.journal;
    this.holdEventAcks();
    if (config.mode === 'http') {
      const signingSecret = config.signingSecret!;
      this.routes = () => slackRoutes({ app: this.bolt, signingSecret, log });
    }
    this.listen();
  }

  // ---- lifecycle ----

  async start(): Promise<void> {
    this.journal.start();
    try {
      const who = await this.bolt.client.auth.test();
      this.botUserId = who.user_id;
      this.log.info({ team: who.team_id, bot: who.user_id, mode: this.config.mode }, 'Slack connected');
    } catch (err) {
      const mapped = this.out.mapError(err, 'auth.test');
      this.log.error({ err: mapped }, 'Slack auth.test failed: check SLACK_BOT_TOKEN and SLACK_API_URL');
    }
    if (this.config.mode === 'socket') {
      try {
        await this.bolt.start();
      } catch (err) {
        this.log.error(
          { err },
          'Slack Socket Mode did not connect: check SLACK_APP_TOKEN (connections:write)',
        );
      }
    }
  }

  async stop(): Promise<void> {
    if (this.config.mode === 'socket') await this.bolt.stop().catch(() => {});
    await this.journal.stop();
  }

  // ---- outbound: the outbox hands messages here ----

  async post(target: PostTarget, message: Message): Promise<PostedRef> {
    const channel = target.kind === 'user' ? await this.out.dmChannel(target.id) : target.id;
    return this.out.postMessage(target.tenant, channel, render(message));
  }

  async update(ref: PostedRef, message: Message): Promise<void> {
    await this.out.update(ref, message);
  }

  // ---- inbound ----

  private listen(): void {
    this.bolt.command(/.*/, async ({ ack, body }) => {
      const cmd = body as unknown as SlashBody;
      const text = commandText(cmd.command, cmd.text ?? '', this.nounCommands);
      const form = this.emptyForm(text);
      const where: Where = {
        team: cmd.team_id,
        channel: cmd.channel_id,
        kind: cmd.channel_id.startsWith('D') ? 'dm' : 'group',
        user: cmd.user_id,
        responseUrl: cmd.response_url,
      };
      const eventId = `cmd:${cmd.team_id}:${cmd.trigger_id}`;
      // Opening a form owes nothing if lost (no form, no answer: the person sees Slack's error and retries).
      if (!form) await this.journal.record(this.messageEntry(where, text, eventId, cmd.channel_name));
      await ack();
      if (form) {
        const opened = await this.openForm(form, cmd.trigger_id, where);
        if (opened) return;
      }
      await this.runMessage(where, text, eventId, cmd.channel_name);
    });

    this.bolt.action({ type: 'block_actions' }, async ({ ack, body }) => {
      const b = body as unknown as ActionBody;
      const entry = this.pressEntry(b);
      if (entry) await this.journal.record(entry);
      await ack();
      await this.onBlockAction(b);
    });

    this.bolt.view(INPUT_CALLBACK, async ({ ack, body }) => {
      const b = body as unknown as ViewBody;
      const meta = unpackMeta(b.view.private_metadata);
      const value = inputValue(b.view.state.values);
      if (!meta?.a) return void (await ack());
      if (!value && !meta.o) {
        const locale = await this.localeOf(meta.t, b.user.id);
        await ack({
          response_action: 'errors',
          errors: { sr_value: messages(locale).writeSomething },
        });
        return;
      }
      const name = meta.q ?? 'note';
      const where = this.whereFromMeta(meta, b.user.id);
      const press = {
        chat: this.chatRef(where),
        actionId: meta.a,
        ...(meta.m ? { messageId: meta.m } : {}),
        eventId: `view:${meta.t}:${b.view.id}`,
        ...(value ? { values: { [name]: value } } : {}),
      };
      await this.journal.record({
        kind: 'action',
        inbound: { user: this.knownUser(meta.t, b.user.id), ...press },
        ...replyPath(where),
      });
      await ack();
      const user = await this.inboundUser(meta.t, b.user.id);
      const replies = await this.services.commands.handleAction({ user, ...press });
      await this.answer(where, replies);
    });

    this.bolt.view(new RegExp(`^${FORM_CALLBACK}`), async ({ ack, body }) => {
      const b = body as unknown as ViewBody;
      const meta = unpackMeta(b.view.private_metadata);
      const form = this.formOf(meta?.f);
      if (!meta || !form || b.view.callback_id !== formCallback(form)) return void (await ack());
      const locale = await this.localeOf(meta.t, b.user.id);
      const result = formCommand(form, meta.n ?? 1, b.view.state.values, locale);
      if (!result.ok) {
        await ack({ response_action: 'errors', errors: result.errors });
        return;
      }
      const where = this.whereFromMeta(meta, b.user.id);
      const eventId = `view:${meta.t}:${b.view.id}`;
      await this.journal.record(this.messageEntry(where, result.text, eventId));
      await ack();
      await this.runMessage(where, result.text, eventId);
    });

    this.bolt.event('message', async ({ body }) => {
      const b = body as unknown as EventBody;
      const e = b.event;
      if (e.channel_type !== 'im' || e.subtype || e.bot_id || !e.user || e.user === this.botUserId) return;
      const team = b.team_id ?? e.team ?? '';
      const where: Where = { team, channel: e.channel, kind: 'dm', user: e.user, botDm: true };
      const text = (e.text ?? '').trim() || 'help';
      const eventId = `evt:${team}:${b.event_id}`;
      await this.recordEvent(body, this.messageEntry(where, text, eventId));
      await this.runMessage(where, text, eventId);
    });

    this.bolt.event('app_mention', async ({ body }) => {
      const b = body as unknown as EventBody;
      const e = b.event;
      if (e.bot_id || !e.user) return;
      const team = b.team_id ?? e.team ?? '';
      const text = (e.text ?? '').replace(/<@([A-Z0-9]+)(\|[^>]*)?>/g, (m, id) =>
        id === this.botUserId ? '' : m,
      );
      const where: Where = {
        team,
        channel: e.channel,
        kind: e.channel.startsWith('D') ? 'dm' : 'group',
        user: e.user,
      };
      const eventId = `evt:${team}:${b.event_id}`;
      await this.recordEvent(body, this.messageEntry(where, text.trim() || 'help', eventId));
      await this.runMessage(where, text.trim() || 'help', eventId);
    });

    this.bolt.error(async (err) => {
      this.log.error({ err }, 'Slack listener failed');
    });
  }

  // ---- the inbound journal ----

  /**
   * Bolt acks an Events API request before its listeners run; here that ack waits until the listener has
   * recorded the event (or ignored it). One that could not be recorded is not acked, so Slack sends it again.
   */
  private holdEventAcks(): void {
    const process = this.bolt.processEvent.bind(this.bolt);
    this.bolt.processEvent = async (event) => {
      const body = event.body as { type?: string };
      if (body.type !== 'event_callback') return process(event);
      let state: 'held' | 'acked' | 'failed' = 'held';
      const release = async () => {
        if (state !== 'held') return;
        state = 'acked';
        await event.ack();
      };
      const fail = () => {
        state = 'failed';
      };
      this.held.set(body, { release, fail });
      try {
        await process({ ...event, ack: async () => {} });
      } finally {
        this.held.delete(body);
        await release();
      }
    };
  }

  private async recordEvent(body: object, entry: JournalEntry): Promise<void> {
    const hold = this.held.get(body);
    try {
      await this.journal.record(entry);
    } catch (err) {
      hold?.fail();
      throw err;
    }
    await hold?.release();
  }

  private messageEntry(where: Where, text: string, eventId: string, title?: string): JournalEntry {
    return {
      kind: 'message',
      inbound: {
        user: this.knownUser(where.team, where.user),
        chat: this.chatRef(where, title),
        text,
        eventId,
      },
      ...replyPath(where),
    };
  }

  /** A plain button press, as the core will get it; null for presses that only open or grow a form. */
  private pressEntry(b: ActionBody): JournalEntry | null {
    const action = b.actions[0];
    if (!action || (action.action_id === ADD_LINE && b.view)) return null;
    const pressed = parseValue(action);
    if (!pressed || pressed.in) return null;
    const { where, messageTs } = pressedWhere(b);
    return {
      kind: 'action',
      inbound: {
        user: this.knownUser(where.team, b.user.id),
        chat: this.chatRef(where),
        actionId: pressed.i,
        ...(messageTs ? { messageId: messageTs } : {}),
        eventId: `act:${where.team}:${b.trigger_id}`,
      },
      ...replyPath(where),
    };
  }

  /** The person as far as known without asking Slack (the ack cannot wait for users.info). */
  private knownUser(team: string, userId: string): InboundUser {
    return (
      this.users.get(`${team}:${userId}`)?.user ?? { platform: PLATFORM, tenant: team, externalId: userId }
    );
  }

  private async runMessage(where: Where, text: string, eventId: string, title?: string): Promise<void> {
    try {
      if (where.kind === 'dm' && where.botDm === undefined) where.botDm = await this.isBotDm(where);
      const user = await this.inboundUser(where.team, where.user);
      const replies = await this.services.commands.handleMessage({
        user,
        chat: this.chatRef(where, title),
        text,
        eventId,
      });
      await this.answer(where, replies);
    } catch (err) {
      this.log.error({ err, user: where.user, channel: where.channel }, 'Slack command failed');
    }
  }

  private async onBlockAction(b: ActionBody): Promise<void> {
    const action = b.actions[0];
    if (!action) return;
    const team = b.team?.id ?? b.user.team_id ?? '';
    if (action.action_id === ADD_LINE && b.view) {
      const meta = unpackMeta(b.view.private_metadata);
      const form = this.formOf(meta?.f);
      if (!meta || !form) return;
      const locale = await this.localeOf(team, b.user.id);
      const view = formModal(form, Math.min((meta.n ?? 1) + 1, MAX_LINES), meta, locale);
      try {
        await this.bolt.client.views.update({
          view_id: b.view.id,
          hash: b.view.hash,
          view: view as unknown as types.View,
        });
      } catch (err) {
        this.log.warn({ err: this.out.mapError(err, 'views.update') }, 'could not add a line to the form');
      }
      return;
    }
    const pressed = parseValue(action);
    if (!pressed) return;
    const { where, messageTs, ephemeral } = pressedWhere(b);
    const channel = where.channel;
    if (pressed.in) {
      const locale = await this.localeOf(team, b.user.id);
      const header = b.message?.blocks?.find((x) => x.type === 'header')?.text?.text ?? '';
      const meta: ModalMeta = {
        t: team,
        c: channel,
        k: where.kind,
        a: pressed.i,
        ...(b.response_url ? { r: b.response_url } : {}),
        ...(messageTs ? { m: messageTs } : {}),
        ...(ephemeral ? { e: true } : {}),
      };
      const label = (action as { text?: { text?: string } }).text?.text ?? pressed.in.label;
      const view = inputModal(
        { id: pressed.i, label, style: 'default', input: pressed.in },
        header,
        meta,
        locale,
      );
      try {
        await this.bolt.client.views.open({ trigger_id: b.trigger_id, view: view as unknown as types.View });
      } catch (err) {
        this.log.warn({ err: this.out.mapError(err, 'views.open') }, 'could not open the form');
        const typed = typedCommand({ id: pressed.i, input: pressed.in }) ?? '';
        const text = messages(locale).typeInstead(typed);
        await this.answer({ ...where, replaceOriginal: false }, [{ text }]);
      }
      return;
    }
    try {
      if (where.kind === 'dm') where.botDm = !ephemeral && (await this.isBotDm(where));
      const user = await this.inboundUser(team, b.user.id);
      const replies = await this.services.commands.handleAction({
        user,
        chat: this.chatRef(where),
        actionId: pressed.i,
        ...(messageTs ? { messageId: messageTs } : {}),
        // The same press delivered twice has the same trigger_id; a second click is a new press that the
        // core answers from the state (already decided), changing nothing.
        eventId: `act:${team}:${b.trigger_id}`,
      });
      await this.answer(where, replies);
    } catch (err) {
      this.log.error({ err, user: b.user.id }, 'Slack button failed');
    }
  }

  /**
   * A command the command metadata asks as a form (`quote new`, `order new`) typed with nothing after it, in
   * any language the core reads: open its form instead.
   */
  private emptyForm(text: string): CommandForm | null {
    const c = this.services.commands.understand(text);
    if (!c?.bare) return null;
    return this.services.commands.metadata.forms.find((f) => f.noun === c.noun && f.verb === c.verb) ?? null;
  }

  /** The form of a noun, as a modal's private_metadata names it. */
  private formOf(noun: string | undefined): CommandForm | undefined {
    return noun ? this.services.commands.metadata.forms.find((f) => f.noun === noun) : undefined;
  }

  /** `/lead` → lead: the slash commands of nouns with an entry point of their own. */
  private get nounCommands(): Map<string, string> {
    this.slashNouns ??= new Map(
      slashCommands(this.services.commands.metadata).flatMap((c) => (c.noun ? [[c.command, c.noun]] : [])),
    );
    return this.slashNouns;
  }

  /** Sends the core's replies to the person who spoke or pressed (the core's reply path remembers cards). */
  private async answer(where: Where, replies: Message[]): Promise<void> {
    let replace = where.replaceOriginal === true;
    await this.services.replies.send(
      replies,
      async (reply) => {
        const body = render(reply);
        const first = replace;
        replace = false;
        // In the bot's DM the answer is a real message (its card can change); elsewhere only the person sees it.
        if (where.botDm) return this.out.postMessage(where.team, where.channel, body);
        if (where.responseUrl) await this.respond(where.responseUrl, body, first);
        else await this.out.postEphemeral(where.channel, where.user, reply);
        return null;
      },
      // An answer that could not go now is never dropped: the outbox posts it later, in the bot's DM as a
      // real message, and for an ephemeral answer (which no later post can be) privately to the person.
      {
        chat: this.chatRef(where),
        fallback: where.botDm
          ? { tenant: where.team, kind: 'chat', id: where.channel }
          : { tenant: where.team, kind: 'user', id: where.user },
        audience: 'private',
      },
    );
  }

  /** Answers through the response_url of a command or button (ephemeral: only the person sees it). */
  private async respond(url: string, body: Rendered, replaceOriginal: boolean): Promise<void> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        response_type: 'ephemeral',
        ...(replaceOriginal ? { replace_original: true } : {}),
        text: body.text,
        ...(body.blocks ? { blocks: body.blocks } : {}),
      }),
    });
    if (!res.ok) throw new Error(`response_url answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  }

  private async openForm(form: CommandForm, triggerId: string, where: Where): Promise<boolean> {
    const locale = await this.localeOf(where.team, where.user);
    const meta: ModalMeta = {
      t: where.team,
      c: where.channel,
      k: where.kind,
      ...(where.responseUrl ? { r: where.responseUrl } : {}),
    };
    try {
      await this.bolt.client.views.open({
        trigger_id: triggerId,
        view: formModal(form, 1, meta, locale) as unknown as types.View,
      });
      return true;
    } catch (err) {
      this.log.warn(
        { err: this.out.mapError(err, 'views.open') },
        'could not open the form; answering with usage',
      );
      return false;
    }
  }

  private whereFromMeta(meta: ModalMeta, user: string): Where {
    return {
      team: meta.t,
      channel: meta.c,
      kind: meta.k,
      user,
      ...(meta.r ? { responseUrl: meta.r } : {}),
      ...(meta.e ? { replaceOriginal: true } : {}),
    };
  }

  private chatRef(where: Where, title?: string): ChatRef {
    return {
      platform: PLATFORM,
      tenant: where.team,
      chatId: where.channel,
      kind: where.kind,
      ...(title && title !== 'directmessage' && title !== 'privategroup' ? { title } : {}),
    };
  }

  private async isBotDm(where: Where): Promise<boolean> {
    if (!where.channel.startsWith('D')) return false;
    try {
      return (await this.out.dmChannel(where.user)) === where.channel;
    } catch {
      return false;
    }
  }

  /**
   * The workspace's people for admin directory import: users.list (scope users:read, email with
   * users:read.email), paged; bots, the Slackbot and deactivated people left out. Slack has no departments.
   */
  async listDirectory(_tenant: string): Promise<DirectoryEntry[]> {
    const out: DirectoryEntry[] = [];
    let cursor: string | undefined;
    do {
      const res = await this.bolt.client.users.list({ limit: 200, ...(cursor ? { cursor } : {}) });
      for (const u of res.members ?? []) {
        if (!u.id || u.deleted || u.is_bot || u.id === 'USLACKBOT') continue;
        const name = u.real_name || u.profile?.real_name || u.profile?.display_name || u.name || u.id;
        out.push({ externalId: u.id, name, ...(u.profile?.email ? { email: u.profile.email } : {}) });
      }
      cursor = res.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return out;
  }

  /** The person behind a Slack user id, with name and email from users.info (cached for an hour). */
  async inboundUser(team: string, userId: string): Promise<InboundUser> {
    const key = `${team}:${userId}`;
    const cached = this.users.get(key);
    if (cached && Date.now() - cached.at < 3600_000) return cached.user;
    const user: InboundUser = { platform: PLATFORM, tenant: team, externalId: userId };
    try {
      const res = await this.bolt.client.users.info({ user: userId });
      const u = res.user as
        | {
            name?: string;
            real_name?: string;
            profile?: { real_name?: string; display_name?: string; email?: string };
          }
        | undefined;
      const name = u?.real_name || u?.profile?.real_name || u?.profile?.display_name || u?.name;
      if (name) user.name = name;
      if (u?.profile?.email) user.email = u.profile.email;
      this.users.set(key, { user, at: Date.now() });
    } catch (err) {
      this.log.warn({ err: this.out.mapError(err, 'users.info'), user: userId }, 'users.info failed');
    }
    return user;
  }

  private localeOf(team: string, userId: string): Promise<Locale> {
    return this.services.identities.localeOf(team, userId);
  }
}

/** Where the answer to a button press goes, and the message the button was on. */
function pressedWhere(b: ActionBody): { where: Where; messageTs?: string | undefined; ephemeral: boolean } {
  const channel = b.channel?.id ?? b.container?.channel_id ?? '';
  const ephemeral = Boolean(b.container?.is_ephemeral);
  const where: Where = {
    team: b.team?.id ?? b.user.team_id ?? '',
    channel,
    kind: channel.startsWith('D') ? 'dm' : 'group',
    user: b.user.id,
    responseUrl: b.response_url,
    replaceOriginal: ephemeral,
  };
  return { where, messageTs: b.container?.message_ts ?? b.message?.ts, ephemeral };
}

/** Kept with a recorded event: how the live answer went (a recovery answers through the outbox instead). */
function replyPath(where: Where): { reply?: Record<string, string> } {
  return where.responseUrl ? { reply: { responseUrl: where.responseUrl } } : {};
}

/**
 * `/lead add …` means `lead add …` (`nouns`: the slash commands of nouns, `/lead` → lead); `/lead` alone
 * means `help lead`; `/crm` (or any other name) alone means `help`.
 */
export function commandText(command: string, text: string, nouns: ReadonlyMap<string, string>): string {
  const noun = nouns.get(command.toLowerCase());
  const rest = text.trim();
  if (noun) return rest ? `${noun} ${rest}` : `help ${noun}`;
  return rest || 'help';
}

function parseValue(action: ButtonPayload): ButtonValue | null {
  const raw = action.value ?? action.action_id;
  if (raw.startsWith('{')) {
    try {
      const v = JSON.parse(raw) as ButtonValue;
      return typeof v.i === 'string' ? v : null;
    } catch {
      return null;
    }
  }
  return { i: raw };
}

function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ sdk: 'slack' });
  let level = 'info' as LogLevel;
  return {
    debug: (...m: unknown[]) => child.debug(m.map(String).join(' ')),
    info: (...m: unknown[]) => child.info(m.map(String).join(' ')),
    warn: (...m: unknown[]) => child.warn(m.map(String).join(' ')),
    error: (...m: unknown[]) => child.error(m.map(String).join(' ')),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
