// A fake Slack for tests without the internet: the Web API methods the adapter uses, answering like Slack
// (ok:false errors, 429 with Retry-After, Block Kit validation), response_urls, trigger ids and modals, and
// payload builders for slash commands, button presses and view submissions that only press what is really
// on a message. The real @slack/web-api client talks to it through SLACK_API_URL.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { validateBlocks, validateView } from './validate.ts';

type Obj = Record<string, unknown>;
export type Block = Obj & { type: string };

export type FakeUser = { id: string; name: string; realName: string; email?: string };
export type FakeChannel = {
  id: string;
  name: string;
  members: Set<string>;
  dmOf?: string;
  archived?: boolean;
};
export type FakeMessage = {
  channel: string;
  ts: string;
  text: string;
  blocks?: Block[];
  /** Who posted it: the bot's user id, or a person's. */
  user: string;
  ephemeralFor?: string;
  deleted?: boolean;
  /** Previous versions, oldest first (chat.update and replace_original). */
  history: { text: string; blocks?: Block[] }[];
  via: 'api' | 'response_url';
};
export type FakeView = {
  id: string;
  hash: string;
  user: string;
  view: Obj & { blocks: Block[]; callback_id?: string; private_metadata?: string };
  values: Record<string, Record<string, Obj>>;
  open: boolean;
  errors?: Record<string, string>;
};
export type Call = { method: string; args: Obj; status: number; error?: string; at: number };

type ResponseUrl = { channel: string; user: string; uses: number; created: number; source?: FakeMessage };
type Trigger = { user: string; issued: number; used: boolean };

export class FakeSlack {
  readonly team = 'T0SALES';
  readonly botUserId = 'U0BOT';
  readonly botId = 'B0BOT';
  token = `xoxb-${randomBytes(8).toString('hex')}`;
  /** The app-level token for Socket Mode (apps.connections.open). */
  readonly appToken = `xapp-1-${randomBytes(8).toString('hex')}`;
  readonly signingSecret = randomBytes(16).toString('hex');
  /** chat.postMessage to one channel more often than this gets 429 (Slack: about 1 per second; bursts vary). */
  postIntervalMs = 900;
  retryAfterSeconds = 1;

  readonly users = new Map<string, FakeUser>();
  /** Users deactivated in the workspace (users.list lists them as deleted). */
  readonly deactivated = new Set<string>();
  readonly channels = new Map<string, FakeChannel>();
  readonly messages: FakeMessage[] = [];
  readonly views = new Map<string, FakeView>();
  readonly calls: Call[] = [];
  /** Forced failures: the next `count` calls of a method answer `error` (or 429 when error is 'ratelimited'). */
  readonly failNext = new Map<string, { error: string; count: number }>();

  private readonly responseUrls = new Map<string, ResponseUrl>();
  private readonly triggers = new Map<string, Trigger>();
  private readonly lastPost = new Map<string, number>();
  private seq = 0;
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private readonly sockets = new Set<WebSocket>();
  private readonly tickets = new Set<string>();
  private readonly pendingAcks = new Map<string, (payload: unknown) => void>();
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        res.writeHead(500).end(String(err));
      });
    });
    // Socket Mode: apps.connections.open hands out a one-time wss URL on this same server.
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      const ticket = new URL(req.url ?? '/', 'http://x').searchParams.get('ticket') ?? '';
      if (!this.tickets.delete(ticket)) return void socket.destroy();
      this.wss!.handleUpgrade(req, socket, head, (ws) => {
        this.sockets.add(ws);
        ws.on('close', () => this.sockets.delete(ws));
        ws.on('message', (data) => {
          const m = safeJson(String(data)) as { envelope_id?: string; payload?: unknown };
          if (m.envelope_id) this.pendingAcks.get(m.envelope_id)?.(m.payload ?? {});
        });
        ws.send(
          JSON.stringify({
            type: 'hello',
            num_connections: this.sockets.size,
            debug_info: { host: 'fake-slack', approximate_connection_time: 3600 },
            connection_info: { app_id: 'A0SALESRELAY' },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss?.close();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  // ---- the workspace ----

  addUser(id: string, name: string, realName: string, email?: string): FakeUser {
    const u = { id, name, realName, ...(email ? { email } : {}) };
    this.users.set(id, u);
    return u;
  }

  addChannel(id: string, name: string, members: string[], opts: { bot?: boolean } = {}): FakeChannel {
    const c: FakeChannel = { id, name, members: new Set(members) };
    if (opts.bot !== false) c.members.add(this.botUserId);
    this.channels.set(id, c);
    return c;
  }

  /** The DM channel between the bot and a person (what conversations.open returns). */
  dmOf(userId: string): FakeChannel {
    const id = `D${userId.slice(1)}`;
    let c = this.channels.get(id);
    if (!c) {
      c = { id, name: 'directmessage', members: new Set([userId, this.botUserId]), dmOf: userId };
      this.channels.set(id, c);
    }
    return c;
  }

  /** Messages visible in a channel (ephemerals only when `forUser` is given). */
  messagesIn(channel: string, forUser?: string): FakeMessage[] {
    return this.messages.filter(
      (m) =>
        m.channel === channel && !m.deleted && (m.ephemeralFor === undefined || m.ephemeralFor === forUser),
    );
  }

  ephemeralsFor(user: string, channel?: string): FakeMessage[] {
    return this.messages.filter(
      (m) => m.ephemeralFor === user && !m.deleted && (channel === undefined || m.channel === channel),
    );
  }

  callsTo(method: string): Call[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** A fresh trigger id for a person (valid 3 s, once), as Slack puts in commands and interactions. */
  trigger(user: string): string {
    const id = `${Date.now()}.${this.seq++}.${randomBytes(8).toString('hex')}`;
    this.triggers.set(id, { user, issued: Date.now(), used: false });
    return id;
  }

  responseUrl(channel: string, user: string, source?: FakeMessage): string {
    const id = randomBytes(12).toString('hex');
    this.responseUrls.set(id, { channel, user, uses: 0, created: Date.now(), ...(source ? { source } : {}) });
    return `${this.url}/respond/${this.team}/${id}`;
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname.startsWith('/respond/')) {
      this.respond(url.pathname.split('/').pop()!, raw, res);
      return;
    }
    if (!url.pathname.startsWith('/api/')) return void res.writeHead(404).end();
    const method = url.pathname.slice(5);
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    let args: Obj = {};
    if (type === 'application/json') args = raw ? (JSON.parse(raw) as Obj) : {};
    else {
      for (const [k, v] of new URLSearchParams(raw)) {
        // The client JSON-encodes arrays and objects in form bodies.
        args[k] = /^[[{]/.test(v) ? safeJson(v) : v;
      }
    }
    const auth = req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? (args.token as string | undefined);
    if (method === 'apps.connections.open') {
      // Only the app-level token opens connections; a bot token is refused as Slack does.
      const body: Obj = !auth
        ? { ok: false, error: 'not_authed' }
        : auth !== this.appToken
          ? { ok: false, error: auth.startsWith('xoxb-') ? 'not_allowed_token_type' : 'invalid_auth' }
          : (() => {
              const ticket = randomBytes(8).toString('hex');
              this.tickets.add(ticket);
              return { ok: true, url: `${this.url.replace('http', 'ws')}/link/?ticket=${ticket}` };
            })();
      this.calls.push({
        method,
        args,
        status: 200,
        ...(body.ok ? {} : { error: String(body.error) }),
        at: Date.now(),
      });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
      return;
    }
    const answer = (status: number, body: Obj, headers: Record<string, string> = {}) => {
      this.calls.push({
        method,
        args,
        status,
        ...(body.ok === false ? { error: String(body.error) } : {}),
        at: Date.now(),
      });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const fail = (error: string, extra: Obj = {}) => answer(200, { ok: false, error, ...extra });
    if (!auth) return fail('not_authed');
    if (auth !== this.token) return fail('invalid_auth');
    const forced = this.failNext.get(method);
    if (forced && forced.count > 0) {
      forced.count--;
      if (forced.error === 'ratelimited')
        return answer(
          429,
          { ok: false, error: 'ratelimited' },
          { 'retry-after': String(this.retryAfterSeconds) },
        );
      return fail(forced.error);
    }
    const handler = this.methods[method];
    if (!handler) return answer(404, { ok: false, error: 'unknown_method' });
    const result = handler(args);
    if ('rateLimited' in result)
      return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(result.rateLimited) });
    if (result.ok === false) return fail(String(result.error), result);
    return answer(200, result);
  }

  private readonly methods: Record<string, (a: Obj) => Obj | { rateLimited: number }> = {
    'auth.test': () => ({
      ok: true,
      url: 'https://salesrelay-test.slack.com/',
      team: 'SalesRelay Test',
      user: 'salesrelay',
      team_id: this.team,
      user_id: this.botUserId,
      bot_id: this.botId,
    }),
    'users.info': (a) => {
      const u = this.users.get(String(a.user));
      if (!u) return { ok: false, error: 'user_not_found' };
      return {
        ok: true,
        user: {
          id: u.id,
          team_id: this.team,
          name: u.name,
          real_name: u.realName,
          profile: { real_name: u.realName, display_name: u.name, ...(u.email ? { email: u.email } : {}) },
        },
      };
    },
    // Every member of the workspace, paged (cursor + limit, as Slack does): people, and as on Slack the
    // Slackbot (not flagged as a bot), the app's bot user and deactivated people too.
    'users.list': (a) => {
      const member = (u: FakeUser) => ({
        id: u.id,
        team_id: this.team,
        name: u.name,
        deleted: this.deactivated.has(u.id),
        is_bot: false,
        real_name: u.realName,
        profile: { real_name: u.realName, display_name: u.name, ...(u.email ? { email: u.email } : {}) },
      });
      const all = [
        {
          id: 'USLACKBOT',
          team_id: this.team,
          name: 'slackbot',
          deleted: false,
          is_bot: false,
          real_name: 'Slackbot',
          profile: { real_name: 'Slackbot' },
        },
        {
          id: this.botUserId,
          team_id: this.team,
          name: 'salesrelay',
          deleted: false,
          is_bot: true,
          profile: { real_name: 'SalesRelay', bot_id: this.botId },
        },
        ...[...this.users.values()].map(member),
      ];
      const limit = Math.min(Number(a.limit ?? 0) || all.length, 1000);
      const from = a.cursor
        ? Number(Buffer.from(String(a.cursor), 'base64').toString().replace('users:', ''))
        : 0;
      if (!Number.isInteger(from) || from < 0 || from > all.length)
        return { ok: false, error: 'invalid_cursor' };
      const next = from + limit < all.length ? Buffer.from(`users:${from + limit}`).toString('base64') : '';
      return { ok: true, members: all.slice(from, from + limit), response_metadata: { next_cursor: next } };
    },
    'conversations.open': (a) => {
      const ids = String(a.users ?? '')
        .split(',')
        .filter(Boolean);
      if (ids.length !== 1)
        return { ok: false, error: ids.length === 0 ? 'users_list_not_supplied' : 'not_supported' };
      if (!this.users.has(ids[0]!)) return { ok: false, error: 'user_not_found' };
      return { ok: true, channel: { id: this.dmOf(ids[0]!).id } };
    },
    'chat.postMessage': (a) => {
      const channel = this.resolveChannel(a.channel);
      if ('error' in channel) return { ok: false, error: channel.error };
      const problem = this.checkMessage(a);
      if (problem) return problem;
      const last = this.lastPost.get(channel.id) ?? 0;
      if (Date.now() - last < this.postIntervalMs) return { rateLimited: this.retryAfterSeconds };
      this.lastPost.set(channel.id, Date.now());
      const m = this.store(channel.id, a, this.botUserId, 'api');
      return {
        ok: true,
        channel: channel.id,
        ts: m.ts,
        message: { text: m.text, ts: m.ts, blocks: m.blocks },
      };
    },
    'chat.update': (a) => {
      const c = this.channels.get(String(a.channel));
      if (!c) return { ok: false, error: 'channel_not_found' };
      const m = this.messages.find(
        (x) => x.channel === c.id && x.ts === a.ts && !x.ephemeralFor && !x.deleted,
      );
      if (!m) return { ok: false, error: 'message_not_found' };
      if (m.user !== this.botUserId) return { ok: false, error: 'cant_update_message' };
      const problem = this.checkMessage(a);
      if (problem) return problem;
      m.history.push({ text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}) });
      if (typeof a.text === 'string') m.text = a.text;
      if (a.blocks !== undefined) m.blocks = a.blocks as Block[];
      return { ok: true, channel: c.id, ts: m.ts, text: m.text };
    },
    'chat.postEphemeral': (a) => {
      const channel = this.resolveChannel(a.channel);
      if ('error' in channel) return { ok: false, error: channel.error };
      const user = String(a.user ?? '');
      if (!this.users.has(user)) return { ok: false, error: 'user_not_found' };
      if (!channel.members.has(user)) return { ok: false, error: 'user_not_in_channel' };
      const problem = this.checkMessage(a);
      if (problem) return problem;
      const m = this.store(channel.id, a, this.botUserId, 'api', user);
      return { ok: true, message_ts: m.ts };
    },
    'views.open': (a) => {
      const t = this.triggers.get(String(a.trigger_id));
      if (!t) return { ok: false, error: 'invalid_trigger_id' };
      if (t.used) return { ok: false, error: 'exchanged_trigger_id' };
      if (Date.now() - t.issued > 3000) return { ok: false, error: 'expired_trigger_id' };
      t.used = true;
      const errors = validateView(a.view);
      if (errors.length)
        return { ok: false, error: 'invalid_arguments', response_metadata: { messages: errors } };
      const v: FakeView = {
        id: `V${randomBytes(5).toString('hex').toUpperCase()}`,
        hash: randomBytes(6).toString('hex'),
        user: t.user,
        view: a.view as FakeView['view'],
        values: {},
        open: true,
      };
      this.views.set(v.id, v);
      return { ok: true, view: this.viewJson(v) };
    },
    'views.update': (a) => {
      const v = this.views.get(String(a.view_id));
      if (!v?.open) return { ok: false, error: 'not_found' };
      if (a.hash !== undefined && a.hash !== v.hash) return { ok: false, error: 'hash_conflict' };
      const errors = validateView(a.view);
      if (errors.length)
        return { ok: false, error: 'invalid_arguments', response_metadata: { messages: errors } };
      v.view = a.view as FakeView['view'];
      // Slack keeps what was typed into inputs whose block_id and action_id stay the same.
      const kept: FakeView['values'] = {};
      for (const b of v.view.blocks) {
        const bid = b.block_id as string | undefined;
        const aid = (b.element as Obj | undefined)?.action_id as string | undefined;
        if (b.type === 'input' && bid && aid && v.values[bid]?.[aid])
          kept[bid] = { [aid]: v.values[bid][aid] };
      }
      v.values = kept;
      v.hash = randomBytes(6).toString('hex');
      return { ok: true, view: this.viewJson(v) };
    },
  };

  private resolveChannel(id: unknown): FakeChannel | { error: string } {
    const s = String(id ?? '');
    if (!s) return { error: 'channel_not_found' };
    // Posting to a user id posts in the app's DM with them.
    if (s.startsWith('U') && this.users.has(s)) return this.dmOf(s);
    const c = this.channels.get(s);
    if (!c) return { error: 'channel_not_found' };
    if (c.archived) return { error: 'is_archived' };
    if (!c.members.has(this.botUserId)) return { error: 'not_in_channel' };
    return c;
  }

  private checkMessage(a: Obj): Obj | null {
    const text = typeof a.text === 'string' ? a.text : '';
    if (!text && a.blocks === undefined) return { ok: false, error: 'no_text' };
    if (text.length > 40_000) return { ok: false, error: 'msg_too_long' };
    if (a.blocks !== undefined) {
      const errors = validateBlocks(a.blocks, 'message');
      if (errors.length) return { ok: false, error: 'invalid_blocks', errors };
    }
    return null;
  }

  private store(channel: string, a: Obj, user: string, via: FakeMessage['via'], ephemeralFor?: string) {
    const ts = `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, '0')}`;
    const m: FakeMessage = {
      channel,
      ts,
      text: typeof a.text === 'string' ? a.text : '',
      ...(Array.isArray(a.blocks) && a.blocks.length ? { blocks: a.blocks as Block[] } : {}),
      user,
      ...(ephemeralFor ? { ephemeralFor } : {}),
      history: [],
      via,
    };
    this.messages.push(m);
    return m;
  }

  private viewJson(v: FakeView): Obj {
    return {
      id: v.id,
      hash: v.hash,
      team_id: this.team,
      type: 'modal',
      ...v.view,
      state: { values: v.values },
    };
  }

  private respond(id: string, raw: string, res: ServerResponse): boolean {
    const r = this.responseUrls.get(id);
    const reply = (status: number, text: string): boolean => {
      res.writeHead(status).end(text);
      return status === 200;
    };
    if (!r) return reply(404, 'no_such_url');
    if (r.uses >= 5 || Date.now() - r.created > 30 * 60_000) return reply(404, 'expired_url');
    let body: Obj;
    try {
      body = JSON.parse(raw) as Obj;
    } catch {
      return reply(400, 'invalid_payload');
    }
    const problem = this.checkMessage(body);
    if (problem) return reply(400, String(problem.error));
    r.uses++;
    this.calls.push({ method: 'response_url', args: body, status: 200, at: Date.now() });
    if (body.delete_original && r.source) {
      r.source.deleted = true;
      return reply(200, 'ok');
    }
    if (body.replace_original && r.source) {
      r.source.history.push({ text: r.source.text, ...(r.source.blocks ? { blocks: r.source.blocks } : {}) });
      r.source.text = String(body.text ?? '');
      if (Array.isArray(body.blocks)) r.source.blocks = body.blocks as Block[];
      else delete r.source.blocks;
      return reply(200, 'ok');
    }
    const inChannel = body.response_type === 'in_channel';
    this.store(r.channel, body, this.botUserId, 'response_url', inChannel ? undefined : r.user);
    return reply(200, 'ok');
  }

  // ---- Socket Mode ----

  get socketConnections(): number {
    return this.sockets.size;
  }

  /**
   * Sends an envelope over the Socket Mode connection (type slash_commands, interactive or events_api) and
   * resolves with the app's ack payload, or rejects when no ack comes within 3 s (Slack would show an error).
   */
  socketSend(
    type: 'slash_commands' | 'interactive' | 'events_api',
    payload: unknown,
    opts: { envelopeId?: string; retryAttempt?: number } = {},
  ): Promise<{ payload: unknown; ms: number }> {
    const ws = [...this.sockets][0];
    if (!ws) return Promise.reject(new Error('no Socket Mode connection'));
    const envelopeId = opts.envelopeId ?? randomBytes(8).toString('hex');
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingAcks.delete(envelopeId);
        reject(new Error(`no ack for ${type} within 3 s`));
      }, 3000);
      this.pendingAcks.set(envelopeId, (ack) => {
        clearTimeout(timer);
        this.pendingAcks.delete(envelopeId);
        resolve({ payload: ack, ms: performance.now() - started });
      });
      ws.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
          ...(type === 'events_api'
            ? { retry_attempt: opts.retryAttempt ?? 0, retry_reason: opts.retryAttempt ? 'timeout' : '' }
            : {}),
        }),
      );
    });
  }

  // ---- payloads, as Slack would send them ----

  slashCommand(user: string, channel: string, command: string, text: string): Record<string, string> {
    const u = this.mustUser(user);
    const c = this.channels.get(channel) ?? (channel.startsWith('D') ? undefined : undefined);
    return {
      token: 'deprecated-verification-token',
      team_id: this.team,
      team_domain: 'salesrelay-test',
      channel_id: channel,
      channel_name: c?.dmOf ? 'directmessage' : (c?.name ?? 'directmessage'),
      user_id: u.id,
      user_name: u.name,
      command,
      text,
      api_app_id: 'A0SALESRELAY',
      is_enterprise_install: 'false',
      response_url: this.responseUrl(channel, u.id),
      trigger_id: this.trigger(u.id),
    };
  }

  /** A button press on a message; refuses to press a button that is not on it (as a person could not). */
  blockAction(user: string, message: FakeMessage, pick: (button: Obj) => boolean): Obj {
    const u = this.mustUser(user);
    if (message.ephemeralFor && message.ephemeralFor !== user)
      throw new Error(`${user} cannot see that ephemeral message`);
    if (message.deleted) throw new Error('that message was deleted');
    const { block, button } = findButton(message.blocks ?? [], pick);
    const channel = this.channels.get(message.channel);
    return {
      type: 'block_actions',
      user: { id: u.id, username: u.name, name: u.name, team_id: this.team },
      api_app_id: 'A0SALESRELAY',
      token: 'deprecated-verification-token',
      container: {
        type: 'message',
        message_ts: message.ts,
        channel_id: message.channel,
        is_ephemeral: Boolean(message.ephemeralFor),
      },
      trigger_id: this.trigger(u.id),
      team: { id: this.team, domain: 'salesrelay-test' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message.channel, name: channel?.name ?? 'directmessage' },
      // Slack leaves the message out of payloads from ephemeral messages.
      ...(message.ephemeralFor
        ? {}
        : {
            message: {
              type: 'message',
              user: message.user,
              ts: message.ts,
              text: message.text,
              blocks: message.blocks,
            },
          }),
      state: { values: {} },
      response_url: this.responseUrl(message.channel, u.id, message),
      actions: [
        {
          type: 'button',
          action_id: button.action_id,
          block_id: block.block_id ?? 'auto',
          text: button.text,
          ...(button.value !== undefined ? { value: button.value } : {}),
          ...(button.style ? { style: button.style } : {}),
          action_ts: `${(Date.now() / 1000).toFixed(6)}`,
        },
      ],
    };
  }

  /** A button press inside an open modal (e.g. "Add a line"). */
  viewAction(user: string, viewId: string, actionId: string): Obj {
    const v = this.openView(user, viewId);
    const { block, button } = findButton(v.view.blocks, (b) => b.action_id === actionId);
    return {
      type: 'block_actions',
      user: { id: user, team_id: this.team },
      team: { id: this.team, domain: 'salesrelay-test' },
      api_app_id: 'A0SALESRELAY',
      container: { type: 'view', view_id: v.id },
      trigger_id: this.trigger(user),
      view: this.viewJson(v),
      actions: [
        {
          type: 'button',
          action_id: button.action_id,
          block_id: block.block_id,
          text: button.text,
          value: button.value,
          action_ts: `${(Date.now() / 1000).toFixed(6)}`,
        },
      ],
    };
  }

  /** Types values into a modal's inputs (by block_id) as a person would; refuses what the client refuses. */
  type(user: string, viewId: string, values: Record<string, string>): void {
    const v = this.openView(user, viewId);
    for (const [blockId, value] of Object.entries(values)) {
      const b = v.view.blocks.find((x) => x.type === 'input' && x.block_id === blockId);
      if (!b) throw new Error(`no input ${blockId} in the modal`);
      const el = b.element as Obj;
      const aid = String(el.action_id);
      let state: Obj;
      if (el.type === 'datepicker') state = { type: 'datepicker', selected_date: value };
      else if (el.type === 'static_select') {
        const opt = (el.options as Obj[]).find((o) => o.value === value);
        if (!opt) throw new Error(`${value} is not an option of ${blockId}`);
        state = { type: 'static_select', selected_option: opt };
      } else if (el.type === 'number_input') {
        if (!/^-?\d+(\.\d+)?$/.test(value) || (!el.is_decimal_allowed && value.includes('.')))
          throw new Error(`${value} is not a number the client accepts`);
        state = { type: 'number_input', value };
      } else state = { type: String(el.type), value };
      v.values[blockId] = { [aid]: state };
    }
  }

  /** The view_submission payload for a modal; refuses when a required input is empty (Slack's client does). */
  viewSubmission(user: string, viewId: string): Obj {
    const v = this.openView(user, viewId);
    const values: FakeView['values'] = {};
    for (const b of v.view.blocks) {
      if (b.type !== 'input') continue;
      const bid = String(b.block_id);
      const el = b.element as Obj;
      const aid = String(el.action_id);
      const typed = v.values[bid]?.[aid];
      const empty =
        !typed || (typed.value ?? typed.selected_date ?? typed.selected_option) == null || typed.value === '';
      if (empty && !b.optional) throw new Error(`${bid} is required; the client would not submit`);
      values[bid] = { [aid]: typed ?? { type: el.type, value: null } };
    }
    return {
      type: 'view_submission',
      team: { id: this.team, domain: 'salesrelay-test' },
      user: { id: user, username: this.mustUser(user).name, team_id: this.team },
      api_app_id: 'A0SALESRELAY',
      trigger_id: this.trigger(user),
      view: { ...this.viewJson(v), state: { values } },
      response_urls: [],
    };
  }

  /** What Slack does with the HTTP answer to a view_submission. */
  applyViewAnswer(viewId: string, answer: unknown): void {
    const v = this.views.get(viewId);
    if (!v) return;
    const a = (answer ?? {}) as Obj;
    if (a.response_action === 'errors') v.errors = a.errors as Record<string, string>;
    else if (a.response_action === 'update') v.view = a.view as FakeView['view'];
    else v.open = false;
  }

  openViewsOf(user: string): FakeView[] {
    return [...this.views.values()].filter((v) => v.user === user && v.open);
  }

  private openView(user: string, viewId: string): FakeView {
    const v = this.views.get(viewId);
    if (!v?.open) throw new Error(`view ${viewId} is not open`);
    if (v.user !== user) throw new Error(`view ${viewId} belongs to ${v.user}`);
    return v;
  }

  private mustUser(id: string): FakeUser {
    const u = this.users.get(id);
    if (!u) throw new Error(`no user ${id} in the fake workspace`);
    return u;
  }
}

function findButton(blocks: Block[], pick: (b: Obj) => boolean): { block: Block; button: Obj } {
  for (const block of blocks) {
    const elements = block.type === 'actions' ? (block.elements as Obj[]) : [];
    for (const el of elements) if (el.type === 'button' && pick(el)) return { block, button: el };
  }
  throw new Error(
    `no such button on the message: ${JSON.stringify(blocks.filter((b) => b.type === 'actions'))}`,
  );
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
