// A fake Feishu (飞书 / Lark) open platform, faithful to what @larksuiteoapi/node-sdk 1.74 sends and what the
// platform answers. Driven through the real SDK: point Client and WSClient at `fake.url` with `domain`.
//
// Platform facts this fake keeps (verified 2026-12-02; sources after each line):
// - tenant_access_token: POST /open-apis/auth/v3/tenant_access_token/internal {app_id, app_secret} →
//   {code:0, tenant_access_token, expire} (seconds, 2 h); asked again in its last 30 min it gives a new one, the
//   old stays valid until it expires. The SDK caches it and refreshes 3 min before `expire` (TokenManager in
//   lib/index.js) but does NOT retry a call refused for a bad token (larksuite/node-sdk issue #111).
// - A call without a token: HTTP 400 {code:99991661, "Missing access token for authorization…"}; with a wrong or
//   expired one: HTTP 400 {code:99991663, "Invalid access token for authorization…"} (server error codes,
//   open.larkoffice.com/document/server-docs/api-call-guide/generic-error-code; satorijs/satori issues #310, #370
//   show these arrive as HTTP 400 "Bad Request").
// - Rate limits, per app per API: 1000/min and 50/s for im/v1/messages create and patch; over it HTTP 429
//   {code:99991400, "request trigger frequency limit"} with x-ogw-ratelimit-limit and x-ogw-ratelimit-reset
//   (seconds to wait) headers (open.feishu.cn/document/server-docs/api-call-guide/frequency-control).
// - Per receiver: 5 QPS to one user and 5 QPS into one group (shared by the group's bots); over it HTTP 400
//   {code:230020, "This operation triggers the frequency limit."} (im-v1/message/create, 使用限制 and 错误码;
//   mirrored in wxkingstar/doc-hub-mcp feishu/003-服务端API/im-v1/message/create.md).
// - im/v1/messages create: receive_id_type in the query (open_id, user_id, union_id, email, chat_id); body
//   {receive_id, msg_type, content: a JSON *string*, uuid?}. `uuid` (≤ 50 chars, in the body, not the query)
//   dedupes: requests with the same uuid send at most one message within 1 hour (the fake answers the repeat
//   with the first message). Text ≤ 150 KB, post and interactive ≤ 30 KB → 230025. Bot not in the group →
//   HTTP 400 230002 "Bot/User can NOT be out of the chat." (larksuite/cli pull 1740, bestony/ChatGPT-Feishu
//   issue 15); unknown receiver → 230034; bad parameter → 230001; a card that does not build → 230099 (sub-code
//   200621 bad JSON, 200861 a schema-1 tag such as `action` in a schema-2.0 card); missing fields → 99992402.
// - im/v1/messages/:id PATCH {content}: interactive only; only the app's own messages (else 230027); within 14
//   days (230031); both the old and the new card must be shared cards (`config.update_multi: true`; schema 2.0
//   cards are always shared); ≤ 30 KB (230025); 5 QPS per message (230020). (im-v1/message-card/patch.md)
// - Long connection (WSClient): POST /callback/ws/endpoint {AppID, AppSecret} → {code:0, data:{URL, ClientConfig:
//   {PingInterval, ReconnectCount, ReconnectInterval, ReconnectNonce}}} (seconds); the URL carries device_id and
//   service_id, which the SDK reads with qs.parse. Then protobuf pbbp2 frames (./frames.ts): the client pings
//   (control frame, header type=ping) every PingInterval and the server answers type=pong with ClientConfig as
//   JSON payload; data frames carry headers type=event, message_id, sum, seq, trace_id and the event JSON,
//   split into `sum` parts when large; the client answers each whole event with the same frame, a biz_rt
//   header and payload {"code":200} (500 when its handler threw), plus `data` = base64 JSON of what the
//   handler returned. At most 50 connections per app (1000040350); delivery is to ONE random connection of the
//   app (cluster mode, no broadcast). An event not processed within 3 s is pushed again (timeout re-push;
//   event-subscription-configure-/request-url-configuration-case); Feishu's re-push schedule is about
//   15 s, 5 min, 1 h, 6 h (4 retries) — the fake's `redeliverAfterMs` scales it down.
// - Events: im.message.receive_v1 (schema 2.0; message.content is a JSON string; a group mention appears as
//   "@_user_N" in the text with mentions[] {key, id{open_id,user_id,union_id}, name}); card.action.trigger
//   (operator, action{value, tag, name?, form_value?}, context{open_message_id, open_chat_id}, token). Its
//   answer, within 3 s, may carry {toast:{type, content, i18n?}, card:{type:"raw", data:<card>}} to update the
//   card in place (feishu-cards/handle-card-callbacks); a callback is not sent again.
// - Contact directory (admin directory import): GET contact/v3/departments/:department_id/children
//   (department_id_type, fetch_child, page_size ≤ 50, page_token/has_more) and GET contact/v3/users/
//   find_by_department (department_id required, page_size ≤ 50; a department's direct members only). The app
//   needs a contact scope (else HTTP 400 {code:99991672, "Access denied. One of the following scopes is
//   required: [...]"} with the scopes listed; larksuite issues and m1heng/clawdbot-feishu issue 149 show it),
//   and sees only its contact range (通讯录权限范围; a department outside it: 40004 "no dept authority error").
//   `email` comes only with contact:user.email:readonly. The SDK's *WithIterator helpers swallow errors.
// - HTTP delivery (optional): see ./http-push.ts (Encrypt Key: AES-256-CBC with sha256(key); X-Lark-Signature).
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { decodeFrame, encodeFrame, type Frame, header, METHOD_CONTROL, METHOD_DATA } from './frames.ts';
import { type PushResult, pushEvent } from './http-push.ts';

export { pushEvent } from './http-push.ts';

export const CARD_LIMIT_BYTES = 30 * 1024;
export const TEXT_LIMIT_BYTES = 150 * 1024;
const UUID_WINDOW_MS = 60 * 60 * 1000;
const PATCH_WINDOW_MS = 14 * 24 * 60 * 60 * 1000;

export type FakeFeishuOptions = {
  /** Must look like cli_ + 16 hex digits: the SDK's WSClient refuses to start otherwise. */
  appId?: string;
  appSecret?: string;
  tenantKey?: string;
  botName?: string;
  /** The Verification Token of 事件与回调 › 加密策略: every event carries it (header.token). */
  verificationToken?: string;
  tokenTtlS?: number;
  /** Calls per second per app per API (Feishu: 50) and per minute (1000). */
  appQps?: number;
  appPerMinute?: number;
  /** Messages per second to one user / into one group (Feishu: 5), and patches per second of one message (5). */
  receiverQps?: number;
  patchQps?: number;
  /** How long an event waits for its answer before it is pushed again (Feishu: 3 s), then the re-push delays. */
  ackTimeoutMs?: number;
  redeliverAfterMs?: number[];
  /** Time allowed to answer a card action (Feishu: 3 s); a later answer does not reach the person. */
  cardActionTimeoutMs?: number;
  /** Events larger than this many bytes are split into parts (sum/seq headers). */
  partBytes?: number;
  /** ClientConfig handed to WSClient (seconds; Feishu: 120, -1, 120, 30). */
  pingIntervalS?: number;
  reconnectCount?: number;
  reconnectIntervalS?: number;
  reconnectNonceS?: number;
  maxConnections?: number;
};

export type FeishuUser = {
  openId: string;
  userId: string;
  unionId: string;
  name: string;
  enName?: string;
  email?: string;
  enterpriseEmail?: string;
  /** open_department_ids the person is a direct member of ('0': the root); none: not in the directory. */
  departments?: string[];
  status?: { is_activated?: boolean; is_frozen?: boolean; is_resigned?: boolean; is_exited?: boolean };
};

export type Department = { openId: string; departmentId: string; name: string; parent: string };

/** Contact scopes of a fresh app in this fake: everything the directory import needs. */
export const CONTACT_SCOPES = [
  'contact:contact.base:readonly',
  'contact:department.base:readonly',
  'contact:user.base:readonly',
  'contact:user.email:readonly',
] as const;
const DEPARTMENT_SCOPES = [
  'contact:contact.base:readonly',
  'contact:department.base:readonly',
  'contact:contact:readonly_as_app',
];
const USER_SCOPES = [
  'contact:contact.base:readonly',
  'contact:user.base:readonly',
  'contact:contact:readonly_as_app',
];
export type Chat = {
  chatId: string;
  name: string;
  type: 'group' | 'p2p';
  members: Set<string>;
  bot: boolean;
};

export type Msg = {
  messageId: string;
  chatId: string;
  msgType: string;
  /** The parsed content: {text} for text, the card JSON for interactive. */
  content: Record<string, unknown>;
  /** Every content the message has had; the first is what was sent. */
  history: Record<string, unknown>[];
  sender: 'app' | string;
  uuid?: string;
  receiveIdType: string;
  receiveId: string;
  at: number;
  updatedAt: number;
};

export type Refusal = { path: string; status: number; code: number; msg: string };

export type Ack = {
  messageId: string;
  eventId: string;
  code: number;
  data: unknown;
  latencyMs: number;
  connection: string;
  sends: number;
};

export type CardAnswer = Ack & {
  toast?: { type?: string; content?: string; i18n?: Record<string, string> };
  card?: { type?: string; data?: unknown };
  /** Answered after the time Feishu allows: the person saw an error and the card did not change. */
  late: boolean;
};

type Conn = { id: string; ws: WebSocket; deviceId: string; serviceId: number; open: boolean; pings: number };

type Pending = {
  frameId: string;
  eventId: string;
  kind: 'event' | 'card';
  payload: Buffer;
  traceId: string;
  sends: number;
  sentAt: number | null;
  nextAt: number;
  resolve: (a: Ack) => void;
  promise: Promise<Ack>;
  conn?: string;
};

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
};

const hex = (n: number) => randomBytes(n).toString('hex');

type Fail = { status: number; code: number; msg: string; headers?: Record<string, string> };
const fail = (code: number, msg: string, status = 400): Fail => ({ status, code, msg });

export class FakeFeishu {
  readonly appId: string;
  readonly appSecret: string;
  readonly tenantKey: string;
  readonly botName: string;
  readonly botOpenId = `ou_bot${hex(13)}`;
  readonly verificationToken: string;
  readonly opts: Required<
    Omit<FakeFeishuOptions, 'appId' | 'appSecret' | 'tenantKey' | 'botName' | 'verificationToken'>
  >;

  url = '';
  private server!: Server;
  private wss!: WebSocketServer;
  private pump: NodeJS.Timeout | null = null;
  private seq = 1;
  private rr = 0;

  readonly users = new Map<string, FeishuUser>();
  /** The contact directory's departments by open_department_id (the root '0' is the company). */
  readonly departments = new Map<string, Department>();
  /** The app's granted scopes (权限管理) and its contact range (通讯录权限范围; '0': everyone). */
  readonly scopes = new Set<string>(CONTACT_SCOPES);
  readonly contactRange = new Set<string>(['0']);
  readonly chats = new Map<string, Chat>();
  readonly messages = new Map<string, Msg>();
  private readonly uuids = new Map<string, { messageId: string; at: number }>();
  private readonly tokens = new Map<string, number>();
  private readonly tickets = new Map<string, { deviceId: string; expires: number }>();
  private readonly conns: Conn[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly windows = new Map<string, number[]>();
  private readonly throttled = new Map<string, number>();

  // What happened, for the tests.
  readonly refusals: Refusal[] = [];
  readonly acks: Ack[] = [];
  readonly cardAnswers: CardAnswer[] = [];
  readonly tokensIssued: { token: string; at: number; expiresAt: number }[] = [];
  readonly endpointCalls: { at: number; ok: boolean }[] = [];
  readonly connectionsOpened: { at: number; id: string }[] = [];
  readonly strayUpstream: string[] = [];
  readonly apiCalls: {
    method: string;
    path: string;
    token: string;
    at: number;
    body: unknown;
    query: Record<string, string>;
  }[] = [];
  /** Refuse this many WebSocket handshakes, as a gateway having trouble would. */
  rejectHandshakes = 0;

  constructor(o: FakeFeishuOptions = {}) {
    this.appId = o.appId ?? `cli_${hex(8)}`;
    this.appSecret = o.appSecret ?? 'fake-app-secret';
    this.tenantKey = o.tenantKey ?? `tk_${hex(6)}`;
    this.botName = o.botName ?? 'SalesRelay';
    this.verificationToken = o.verificationToken ?? 'verification-token-in-console';
    this.opts = {
      tokenTtlS: o.tokenTtlS ?? 7200,
      appQps: o.appQps ?? 50,
      appPerMinute: o.appPerMinute ?? 1000,
      receiverQps: o.receiverQps ?? 5,
      patchQps: o.patchQps ?? 5,
      ackTimeoutMs: o.ackTimeoutMs ?? 3000,
      redeliverAfterMs: o.redeliverAfterMs ?? [150, 300, 600, 1200],
      cardActionTimeoutMs: o.cardActionTimeoutMs ?? 3000,
      partBytes: o.partBytes ?? 0,
      pingIntervalS: o.pingIntervalS ?? 120,
      reconnectCount: o.reconnectCount ?? -1,
      reconnectIntervalS: o.reconnectIntervalS ?? 0.2,
      reconnectNonceS: o.reconnectNonceS ?? 0.05,
      maxConnections: o.maxConnections ?? 50,
    };
  }

  static async start(o: FakeFeishuOptions = {}): Promise<FakeFeishu> {
    const fake = new FakeFeishu(o);
    await fake.listen();
    return fake;
  }

  /** The settings an app needs to talk to this fake. */
  env(): Record<string, string> {
    return { FEISHU_APP_ID: this.appId, FEISHU_APP_SECRET: this.appSecret, FEISHU_DOMAIN: this.url };
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => void this.http(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const ticket = this.tickets.get(u.searchParams.get('ticket') ?? '');
      const refuse =
        this.rejectHandshakes > 0 || u.pathname !== '/ws/v2' || !ticket || ticket.expires < Date.now();
      if (refuse) {
        if (this.rejectHandshakes > 0) this.rejectHandshakes--;
        socket.end(
          'HTTP/1.1 403 Forbidden\r\nhandshake-status: 514\r\nhandshake-msg: auth failed\r\n' +
            'connection: close\r\ncontent-length: 0\r\n\r\n',
        );
        return;
      }
      this.tickets.delete(u.searchParams.get('ticket')!); // one ticket opens one connection
      const serviceId = Number(u.searchParams.get('service_id'));
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, ticket.deviceId, serviceId));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.pump = setInterval(() => this.flush(), 20);
  }

  async close(): Promise<void> {
    if (this.pump) clearInterval(this.pump);
    for (const c of this.conns) c.ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  // ------------------------------------------------------------------ people and chats

  addUser(name: string, openId = `ou_${hex(16)}`, enName?: string): FeishuUser {
    const u: FeishuUser = {
      openId,
      userId: hex(4),
      unionId: `on_${hex(16)}`,
      name,
      ...(enName ? { enName } : {}),
    };
    this.users.set(openId, u);
    return u;
  }

  addDepartment(name: string, parent = '0', openId = `od-${hex(16)}`): string {
    this.departments.set(openId, { openId, departmentId: `D${this.departments.size + 1}`, name, parent });
    return openId;
  }

  /** A person in the contact directory, a direct member of `departments` ('0': the root). */
  addMember(
    name: string,
    departments: string[],
    extra: Partial<Omit<FeishuUser, 'name' | 'departments'>> = {},
  ): FeishuUser {
    const u = { ...this.addUser(name, extra.openId), ...extra, departments };
    this.users.set(u.openId, u);
    return u;
  }

  /** A group with the bot in it (unless `bot: false`) and the given members (open_ids). */
  addGroup(name: string, members: string[] = [], bot = true, chatId = `oc_${hex(16)}`): string {
    this.chats.set(chatId, { chatId, name, type: 'group', members: new Set(members), bot });
    return chatId;
  }

  /** The bot is taken out of a group (群设置 › 群机器人 › 移除): sends into it are refused with 230002 from now on. */
  removeBot(chatId: string): void {
    const chat = this.chats.get(chatId);
    if (chat?.type !== 'group') throw new Error(`no group ${chatId}`);
    chat.bot = false;
  }

  /** The bot's 1:1 chat with a person (created as Feishu does when either side writes first). */
  p2pOf(openId: string): string {
    for (const c of this.chats.values()) if (c.type === 'p2p' && c.members.has(openId)) return c.chatId;
    const chatId = `oc_p2p${hex(13)}`;
    this.chats.set(chatId, { chatId, name: '', type: 'p2p', members: new Set([openId]), bot: true });
    return chatId;
  }

  private user(openId: string): FeishuUser {
    return this.users.get(openId) ?? this.addUser(openId, openId);
  }

  // ------------------------------------------------------------------ long connection

  get openConnections(): number {
    return this.conns.filter((c) => c.open).length;
  }

  private onConnection(ws: WebSocket, deviceId: string, serviceId: number): void {
    const conn: Conn = { id: randomUUID(), ws, deviceId, serviceId, open: true, pings: 0 };
    this.conns.push(conn);
    this.connectionsOpened.push({ at: Date.now(), id: conn.id });
    ws.on('close', () => {
      conn.open = false;
      this.conns.splice(this.conns.indexOf(conn), 1);
    });
    ws.on('message', (raw: Buffer, isBinary: boolean) => this.onUpstream(conn, raw, isBinary));
  }

  private clientConfig() {
    return {
      PingInterval: this.opts.pingIntervalS,
      ReconnectCount: this.opts.reconnectCount,
      ReconnectInterval: this.opts.reconnectIntervalS,
      ReconnectNonce: this.opts.reconnectNonceS,
    };
  }

  private onUpstream(conn: Conn, raw: Buffer, isBinary: boolean): void {
    let f: Frame;
    try {
      if (!isBinary) throw new Error('text frame');
      f = decodeFrame(new Uint8Array(raw));
    } catch (err) {
      this.strayUpstream.push(`${(err as Error).message}: ${raw.toString('hex').slice(0, 80)}`);
      return;
    }
    if (f.method === METHOD_CONTROL) {
      if (header(f, 'type') === 'ping') {
        conn.pings++;
        this.send(conn, {
          SeqID: 0,
          LogID: 0,
          service: conn.serviceId,
          method: METHOD_CONTROL,
          headers: [{ key: 'type', value: 'pong' }],
          payload: Buffer.from(JSON.stringify(this.clientConfig())),
        });
      } else this.strayUpstream.push(`control frame ${header(f, 'type')}`);
      return;
    }
    const id = header(f, 'message_id') ?? '';
    const p = this.pending.get(id);
    if (!p) {
      this.strayUpstream.push(`answer to unknown message_id ${id}`);
      return;
    }
    let body: { code?: number; data?: string } = {};
    try {
      body = JSON.parse(Buffer.from(f.payload ?? new Uint8Array()).toString('utf8'));
    } catch {
      this.strayUpstream.push(`answer to ${id} is not JSON`);
      return;
    }
    let data: unknown = null;
    if (typeof body.data === 'string') {
      try {
        data = JSON.parse(Buffer.from(body.data, 'base64').toString('utf8'));
      } catch {
        data = body.data;
      }
    }
    const code = Number(body.code ?? 0);
    const ack: Ack = {
      messageId: id,
      eventId: p.eventId,
      code,
      data,
      latencyMs: Date.now() - (p.sentAt ?? Date.now()),
      connection: conn.id,
      sends: p.sends,
    };
    this.acks.push(ack);
    if (p.kind === 'card') {
      this.pending.delete(id);
      p.resolve(this.applyCardAnswer(p, ack));
      return;
    }
    if (code === 200) {
      this.pending.delete(id);
      p.resolve(ack);
    } else {
      // The handler failed: pushed again on the re-push schedule.
      p.nextAt = Date.now() + this.delay(p.sends);
    }
  }

  private delay(sends: number): number {
    const s = this.opts.redeliverAfterMs;
    return s[Math.min(sends - 1, s.length - 1)] ?? 1000;
  }

  private send(conn: Conn, f: Frame): void {
    if (conn.open) conn.ws.send(encodeFrame(f));
  }

  /** Sends what is due: new events to one random connection, unanswered ones again after their delay. */
  private flush(): void {
    const now = Date.now();
    for (const p of [...this.pending.values()]) {
      if (p.kind === 'card') {
        if (p.sentAt !== null && now - p.sentAt > this.opts.cardActionTimeoutMs + 2000) {
          this.pending.delete(p.frameId);
          p.resolve(this.applyCardAnswer(p, null));
        }
        if (p.sentAt !== null) continue;
      } else {
        if (p.sentAt !== null && now < p.nextAt) continue;
        if (p.sends > this.opts.redeliverAfterMs.length) continue; // Feishu gives up after its retries
      }
      const open = this.conns.filter((c) => c.open);
      if (open.length === 0) continue;
      const conn = open[this.rr++ % open.length]!;
      p.sentAt = now;
      p.sends++;
      p.conn = conn.id;
      // Unanswered after the time allowed, it is pushed again after the next re-push delay.
      p.nextAt = now + this.opts.ackTimeoutMs + this.delay(p.sends);
      this.sendParts(conn, p);
    }
  }

  private sendParts(conn: Conn, p: Pending): void {
    const size = this.opts.partBytes > 0 ? this.opts.partBytes : p.payload.length || 1;
    const parts: Buffer[] = [];
    for (let i = 0; i < p.payload.length; i += size) parts.push(p.payload.subarray(i, i + size));
    if (parts.length === 0) parts.push(Buffer.alloc(0));
    for (const [seq, part] of parts.entries())
      this.send(conn, {
        SeqID: this.seq++,
        LogID: Number.parseInt(hex(6), 16),
        service: conn.serviceId,
        method: METHOD_DATA,
        headers: [
          { key: 'type', value: 'event' },
          { key: 'message_id', value: p.frameId },
          { key: 'sum', value: String(parts.length) },
          { key: 'seq', value: String(seq) },
          { key: 'trace_id', value: p.traceId },
        ],
        payload: part,
      });
  }

  private deliver(kind: Pending['kind'], event: { header: { event_id: string } }): Pending {
    const frameId = hex(16);
    let resolve!: (a: Ack) => void;
    const promise = new Promise<Ack>((r) => {
      resolve = r;
    });
    const p: Pending = {
      frameId,
      eventId: event.header.event_id,
      kind,
      payload: Buffer.from(JSON.stringify(event)),
      traceId: hex(8),
      sends: 0,
      sentAt: null,
      nextAt: 0,
      resolve,
      promise,
    };
    this.pending.set(frameId, p);
    this.flush();
    return p;
  }

  get unacked(): number {
    return this.pending.size;
  }

  /** Drops every connection at once (network loss); WSClient reconnects by itself. */
  dropAll(): void {
    for (const c of [...this.conns]) c.ws.terminate();
  }

  /** Sends raw bytes to every connection (e.g. a frame that does not decode). */
  sendRaw(bytes: Uint8Array): void {
    for (const c of this.conns) if (c.open) c.ws.send(bytes);
  }

  pingsReceived(): number {
    return this.conns.reduce((n, c) => n + c.pings, 0);
  }

  // ------------------------------------------------------------------ events

  private header(eventType: string) {
    return {
      event_id: hex(16),
      token: this.verificationToken,
      create_time: String(Date.now()),
      event_type: eventType,
      tenant_key: this.tenantKey,
      app_id: this.appId,
    };
  }

  /** The im.message.receive_v1 event a person writing to the bot produces (see say()). */
  messageEvent(m: {
    from: string;
    text: string;
    chat?: string;
    mentions?: string[];
    messageId?: string;
    msgType?: string;
  }) {
    const sender = this.user(m.from);
    const chatId = m.chat ?? this.p2pOf(m.from);
    const chat = this.chats.get(chatId);
    const group = chat?.type === 'group';
    if (group) chat!.members.add(m.from);
    const mentioned = [...(group ? [this.botOpenId] : []), ...(m.mentions ?? [])];
    const mentions = mentioned.map((id, i) => {
      const bot = id === this.botOpenId;
      const u = bot ? undefined : this.user(id);
      return {
        key: `@_user_${i + 1}`,
        id: bot
          ? { open_id: id, union_id: '', user_id: '' }
          : { open_id: id, union_id: u!.unionId, user_id: u!.userId },
        name: bot ? this.botName : u!.name,
        tenant_key: this.tenantKey,
        ...(bot ? { mentioned_type: 'bot' } : { mentioned_type: 'user' }),
      };
    });
    // In a group the bot is @-mentioned first; other mentions replace `{mentions}` (or are appended).
    const others = mentions.slice(group ? 1 : 0).map((x) => x.key);
    let body = m.text.includes('{mentions}') ? m.text.replace('{mentions}', others.join(' ')) : m.text;
    if (!m.text.includes('{mentions}') && others.length) body = `${body} ${others.join(' ')}`;
    const text = group ? `@_user_1 ${body}` : body;
    const messageId = m.messageId ?? `om_${hex(16)}`;
    return {
      schema: '2.0',
      header: this.header('im.message.receive_v1'),
      event: {
        sender: {
          sender_id: { union_id: sender.unionId, user_id: sender.userId, open_id: sender.openId },
          sender_type: 'user',
          tenant_key: this.tenantKey,
        },
        message: {
          message_id: messageId,
          create_time: String(Date.now()),
          update_time: String(Date.now()),
          chat_id: chatId,
          chat_type: group ? 'group' : 'p2p',
          message_type: m.msgType ?? 'text',
          content: JSON.stringify(m.msgType && m.msgType !== 'text' ? { image_key: 'img_x' } : { text }),
          ...(mentions.length ? { mentions } : {}),
          user_agent: 'Mozilla/5.0 Lark/7.30',
        },
      },
    };
  }

  /**
   * A person writes to the bot: in a group (`chat`, the bot @-mentioned, `mentions` are open_ids) or 1:1.
   * Resolves with the answer that made Feishu stop pushing it.
   */
  say(m: Parameters<FakeFeishu['messageEvent']>[0]): Promise<Ack> & { eventId: string; messageId: string } {
    const ev = this.messageEvent(m);
    const p = this.deliver('event', ev);
    return Object.assign(p.promise, { eventId: ev.header.event_id, messageId: ev.event.message.message_id });
  }

  /** Delivers any event JSON as is (e.g. the same event a second time). */
  push(event: { header: { event_id: string } }): Promise<Ack> {
    return this.deliver('event', event).promise;
  }

  /** How many times an event was sent (more than once: it was not answered in time or the answer was an error). */
  sendsOf(eventId: string): number {
    return Math.max(0, ...this.acks.filter((a) => a.eventId === eventId).map((a) => a.sends));
  }

  /**
   * A person presses a button on a card (found by its label), or submits the card's form with `form` values.
   * Resolves with the answer (toast, updated card) as the person would get it.
   */
  click(
    messageId: string,
    from: string,
    label: string,
    form?: Record<string, string>,
  ): Promise<CardAnswer> & { eventId: string } {
    const ev = this.cardEvent(messageId, from, label, form);
    const p = this.deliver('card', ev);
    return Object.assign(p.promise as Promise<CardAnswer>, { eventId: ev.header.event_id });
  }

  /**
   * The same press delivered over HTTP to the app's request URL (回调配置 › 将回调发送至开发者服务器): the
   * answer is the HTTP response, applied to the card as Feishu does when it comes within the time allowed.
   */
  async clickHttp(
    url: string,
    messageId: string,
    from: string,
    label: string,
    opts: { form?: Record<string, string>; encryptKey?: string; signWith?: string } = {},
  ): Promise<CardAnswer & { status: number }> {
    const ev = this.cardEvent(messageId, from, label, opts.form);
    const started = Date.now();
    const res = await pushEvent(url, ev, opts.encryptKey, opts.signWith ?? opts.encryptKey);
    const p = {
      frameId: `http-${hex(8)}`,
      eventId: ev.header.event_id,
      payload: Buffer.from(JSON.stringify(ev)),
      sends: 1,
      conn: 'http',
    } as Pending;
    const ok = res.status === 200;
    const ack: Ack = {
      messageId: p.frameId,
      eventId: p.eventId,
      code: res.status,
      data: ok ? res.body : null,
      latencyMs: Date.now() - started,
      connection: 'http',
      sends: 1,
    };
    return { ...this.applyCardAnswer(p, ok ? ack : null, !ok), status: res.status };
  }

  private cardEvent(messageId: string, from: string, label: string, form?: Record<string, string>) {
    const msg = this.messages.get(messageId);
    if (msg?.msgType !== 'interactive') throw new Error(`no card ${messageId}`);
    const button = buttonsOf(msg.content).find((b) => b.label === label);
    if (!button)
      throw new Error(`no button "${label}" on ${messageId}: ${JSON.stringify(this.buttons(messageId))}`);
    const u = this.user(from);
    return {
      schema: '2.0',
      header: this.header('card.action.trigger'),
      event: {
        operator: { tenant_key: this.tenantKey, user_id: u.userId, open_id: u.openId, union_id: u.unionId },
        token: `c-${hex(16)}`,
        action: {
          value: button.value ?? {},
          tag: 'button',
          ...(button.name ? { name: button.name } : {}),
          ...(form ? { form_value: form } : {}),
        },
        host: 'im_message',
        context: { open_message_id: messageId, open_chat_id: msg.chatId },
      },
    };
  }

  /** `refused`: the receiver turned the callback down (HTTP error): not late, but nothing is shown. */
  private applyCardAnswer(p: Pending, ack: Ack | null, refused = false): CardAnswer {
    const late = !refused && (!ack || ack.latencyMs > this.opts.cardActionTimeoutMs);
    const data = (ack?.data ?? {}) as { toast?: CardAnswer['toast']; card?: CardAnswer['card'] };
    const answer: CardAnswer = {
      ...(ack ?? {
        messageId: p.frameId,
        eventId: p.eventId,
        code: 0,
        data: null,
        latencyMs: this.opts.cardActionTimeoutMs,
        connection: p.conn ?? '',
        sends: p.sends,
      }),
      ...(data && typeof data === 'object' && data.toast ? { toast: data.toast } : {}),
      ...(data && typeof data === 'object' && data.card ? { card: data.card } : {}),
      late,
    };
    const event = JSON.parse(p.payload.toString('utf8')) as {
      event: { context: { open_message_id: string } };
    };
    const msg = this.messages.get(event.event.context.open_message_id);
    if (!late && answer.card && msg) {
      if (answer.card.type === 'raw' && answer.card.data && typeof answer.card.data === 'object') {
        const size = Buffer.byteLength(JSON.stringify(answer.card.data));
        const bad = size > CARD_LIMIT_BYTES ? 'card over 30 KB' : cardProblem(answer.card.data);
        if (bad)
          this.refusals.push({ path: 'card.action.trigger answer', status: 200, code: 230099, msg: bad });
        else this.setContent(msg, answer.card.data as Record<string, unknown>);
      } else
        this.refusals.push({
          path: 'card.action.trigger answer',
          status: 200,
          code: 230099,
          msg: `card type ${answer.card.type}`,
        });
    }
    this.cardAnswers.push(answer);
    return answer;
  }

  /** Posts an event to an HTTP endpoint as Feishu does for apps without a long connection. */
  async pushHttp(
    url: string,
    event: unknown,
    encryptKey?: string,
    signWith?: string,
    timestampS?: number,
  ): Promise<PushResult> {
    return pushEvent(url, event, encryptKey, signWith ?? encryptKey, timestampS);
  }

  /** The url_verification request Feishu sends when the request URL is saved in the console. */
  async verifyUrl(url: string, verificationToken: string, encryptKey?: string): Promise<PushResult> {
    return pushEvent(
      url,
      { challenge: hex(8), token: verificationToken, type: 'url_verification' },
      encryptKey,
    );
  }

  // ------------------------------------------------------------------ OpenAPI

  /** The next `n` calls to `path` (e.g. /open-apis/im/v1/messages) answer 429 with 99991400. */
  throttleNext(path: string, n: number): void {
    this.throttled.set(path, (this.throttled.get(path) ?? 0) + n);
  }

  /** Every token issued so far stops working now (as after the app secret is reset). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  private refuse(res: ServerResponse, path: string, f: Fail): void {
    this.refusals.push({ path, status: f.status, code: f.code, msg: f.msg });
    json(
      res,
      f.status,
      {
        code: f.code,
        msg: f.msg,
        error: { log_id: hex(16), troubleshooter: `https://open.feishu.cn/search?code=${f.code}` },
      },
      f.headers,
    );
  }

  /** Sliding one-second and one-minute windows; returns the seconds to wait when over. */
  private over(key: string, perSecond: number, perMinute = Number.POSITIVE_INFINITY): number {
    const now = Date.now();
    const w = (this.windows.get(key) ?? []).filter((t) => t > now - 60_000);
    this.windows.set(key, w);
    const lastSecond = w.filter((t) => t > now - 1000);
    if (lastSecond.length >= perSecond) return Math.max(1, Math.ceil((lastSecond[0]! + 1000 - now) / 1000));
    if (w.length >= perMinute) return Math.max(1, Math.ceil((w[0]! + 60_000 - now) / 1000));
    w.push(now);
    return 0;
  }

  private async http(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const path = u.pathname;
    let raw = '';
    for await (const chunk of req) raw += chunk;
    let body: Record<string, unknown> = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return this.refuse(res, path, fail(99992402, 'field validation failed: body is not JSON'));
    }
    if (req.method === 'POST' && path === '/open-apis/auth/v3/tenant_access_token/internal')
      return this.token(res, body);
    if (req.method === 'POST' && path === '/callback/ws/endpoint') return this.endpoint(res, body);

    type Route = (b: Record<string, unknown>, p: string[], q: URLSearchParams) => Fail | [number, unknown];
    const routes: [string, RegExp, string, Route][] = [
      [
        'POST',
        /^\/open-apis\/im\/v1\/messages$/,
        '/open-apis/im/v1/messages',
        (b, _p, q) => this.create(b, q),
      ],
      [
        'POST',
        /^\/open-apis\/im\/v1\/messages\/([^/]+)\/reply$/,
        '/open-apis/im/v1/messages/:message_id/reply',
        (b, p) => this.reply(b, p[0]!),
      ],
      [
        'PATCH',
        /^\/open-apis\/im\/v1\/messages\/([^/]+)$/,
        '/open-apis/im/v1/messages/:message_id',
        (b, p) => this.patch(b, p[0]!),
      ],
      [
        'GET',
        /^\/open-apis\/im\/v1\/messages\/([^/]+)$/,
        '/open-apis/im/v1/messages/:message_id',
        (_b, p) => this.get(p[0]!),
      ],
      [
        'GET',
        /^\/open-apis\/im\/v1\/chats\/([^/]+)$/,
        '/open-apis/im/v1/chats/:chat_id',
        (_b, p) => this.chat(p[0]!),
      ],
      ['GET', /^\/open-apis\/bot\/v3\/info$/, '/open-apis/bot/v3/info', () => this.botInfo()],
      [
        'GET',
        /^\/open-apis\/contact\/v3\/departments\/([^/]+)\/children$/,
        '/open-apis/contact/v3/departments/:department_id/children',
        (_b, p, q) => this.children(p[0]!, q),
      ],
      [
        'GET',
        /^\/open-apis\/contact\/v3\/users\/find_by_department$/,
        '/open-apis/contact/v3/users/find_by_department',
        (_b, _p, q) => this.findByDepartment(q),
      ],
      [
        'GET',
        /^\/open-apis\/contact\/v3\/users\/([^/]+)$/,
        '/open-apis/contact/v3/users/:user_id',
        (_b, p, q) => this.contact(p[0]!, q),
      ],
    ];
    for (const [method, re, api, route] of routes) {
      const m = re.exec(path);
      if (!m || req.method !== method) continue;
      const auth = req.headers.authorization ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      this.apiCalls.push({
        method,
        path,
        token,
        at: Date.now(),
        body,
        query: Object.fromEntries(u.searchParams),
      });
      if (!token)
        return this.refuse(
          res,
          path,
          fail(
            99991661,
            'Missing access token for authorization. Please make a request with token attached.',
          ),
        );
      const exp = this.tokens.get(token);
      if (exp === undefined || exp < Date.now())
        return this.refuse(
          res,
          path,
          fail(
            99991663,
            'Invalid access token for authorization. Please make a request with token attached.',
          ),
        );
      const forced = this.throttled.get(api) ?? 0;
      const wait =
        forced > 0 ? 1 : this.over(`app ${method} ${api}`, this.opts.appQps, this.opts.appPerMinute);
      if (forced > 0) this.throttled.set(api, forced - 1);
      if (wait > 0)
        return this.refuse(res, path, {
          status: 429,
          code: 99991400,
          msg: 'request trigger frequency limit',
          headers: {
            'x-ogw-ratelimit-limit': String(this.opts.appQps),
            'x-ogw-ratelimit-reset': String(wait),
          },
        });
      const out = route(body, m.slice(1).map(decodeURIComponent), u.searchParams);
      if (!Array.isArray(out)) return this.refuse(res, path, out);
      return json(res, out[0], out[1]);
    }
    this.refuse(res, path, fail(404, `404 page not found: ${req.method} ${path}`, 404));
  }

  private token(res: ServerResponse, b: Record<string, unknown>) {
    const path = '/open-apis/auth/v3/tenant_access_token/internal';
    if (typeof b.app_id !== 'string' || typeof b.app_secret !== 'string' || b.app_id !== this.appId)
      return this.refuse(res, path, fail(10003, 'invalid param', 200));
    if (b.app_secret !== this.appSecret)
      return this.refuse(res, path, fail(10014, 'app secret invalid', 200));
    const now = Date.now();
    // The current token is handed out again until its last 30 minutes.
    const current = this.tokensIssued.findLast(
      (t) => this.tokens.has(t.token) && t.expiresAt - now > 30 * 60_000,
    );
    const t = current ?? { token: `t-${hex(20)}`, at: now, expiresAt: now + this.opts.tokenTtlS * 1000 };
    if (!current) {
      this.tokens.set(t.token, t.expiresAt);
      this.tokensIssued.push(t);
    }
    json(res, 200, {
      code: 0,
      msg: 'ok',
      tenant_access_token: t.token,
      expire: Math.floor((t.expiresAt - now) / 1000),
    });
  }

  private endpoint(res: ServerResponse, b: Record<string, unknown>) {
    const ok = b.AppID === this.appId && b.AppSecret === this.appSecret;
    this.endpointCalls.push({ at: Date.now(), ok });
    if (!ok) {
      this.refusals.push({ path: '/callback/ws/endpoint', status: 200, code: 514, msg: 'auth failed' });
      return json(res, 200, { code: 514, msg: 'auth failed', data: {} });
    }
    if (this.openConnections >= this.opts.maxConnections) {
      this.refusals.push({
        path: '/callback/ws/endpoint',
        status: 200,
        code: 1000040350,
        msg: 'exceed conn limit',
      });
      return json(res, 200, { code: 1000040350, msg: 'exceed conn limit', data: {} });
    }
    const ticket = hex(12);
    const deviceId = String(Number.parseInt(hex(6), 16));
    this.tickets.set(ticket, { deviceId, expires: Date.now() + 60_000 });
    const ws = this.url.replace(/^http/, 'ws');
    json(res, 200, {
      code: 0,
      msg: 'ok',
      data: {
        URL: `${ws}/ws/v2?fpid=493&aid=552564&device_id=${deviceId}&access_key=${hex(16)}&service_id=33554678&ticket=${ticket}`,
        ClientConfig: this.clientConfig(),
      },
    });
  }

  /** Finds the chat a create call sends to; Fail when Feishu would refuse the receiver. */
  private receiver(type: string | null, id: string): { chatId: string } | Fail {
    if (type === 'chat_id') {
      const chat = this.chats.get(id);
      if (!chat)
        return fail(230001, 'Your request contains an invalid request parameter. ext=invalid chat_id');
      if (!chat.bot) return fail(230002, 'Bot/User can NOT be out of the chat.');
      return { chatId: id };
    }
    const by: Record<string, (u: FeishuUser) => string> = {
      open_id: (u) => u.openId,
      user_id: (u) => u.userId,
      union_id: (u) => u.unionId,
    };
    const pick = type ? by[type] : undefined;
    if (!pick) return fail(99992402, 'field validation failed: receive_id_type');
    const user = [...this.users.values()].find((u) => pick(u) === id);
    if (!user) return fail(230034, 'The receive_id is invalid.');
    return { chatId: this.p2pOf(user.openId) };
  }

  private checkContent(msgType: unknown, content: unknown): Record<string, unknown> | Fail {
    if (typeof msgType !== 'string' || typeof content !== 'string')
      return fail(99992402, 'field validation failed: msg_type and content are required strings');
    const size = Buffer.byteLength(content);
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch {
      return msgType === 'interactive'
        ? fail(230099, 'Failed to create card content, ext=ErrCode: 200621; ErrMsg: parse card json err')
        : fail(
            230001,
            'Your request contains an invalid request parameter. ext=content is not a JSON string',
          );
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      return fail(230001, 'Your request contains an invalid request parameter. ext=content');
    const c = parsed as Record<string, unknown>;
    if (msgType === 'text') {
      if (size > TEXT_LIMIT_BYTES)
        return fail(230025, 'The length of the message content reaches its limit.');
      if (typeof c.text !== 'string' || c.text === '')
        return fail(230001, 'Your request contains an invalid request parameter. ext=text content');
      return c;
    }
    if (msgType === 'post') {
      if (size > CARD_LIMIT_BYTES)
        return fail(230025, 'The length of the message content reaches its limit.');
      const root = (c.post ?? c) as Record<string, { content?: unknown }>;
      const ok = Object.values(root).some(
        (l) => l && Array.isArray(l.content) && l.content.every((line) => Array.isArray(line)),
      );
      return ok ? c : fail(230001, 'Your request contains an invalid request parameter. ext=post content');
    }
    if (msgType === 'interactive') {
      if (size > CARD_LIMIT_BYTES)
        return fail(230025, 'The length of the message content reaches its limit.');
      const problem = cardProblem(c);
      return problem ? fail(230099, `Failed to create card content, ext=${problem}`) : c;
    }
    return fail(
      230001,
      `Your request contains an invalid request parameter. ext=msg_type ${msgType} not faked`,
    );
  }

  private newMessage(
    chatId: string,
    msgType: string,
    content: Record<string, unknown>,
    extra: Partial<Msg>,
  ): Msg {
    const now = Date.now();
    const msg: Msg = {
      messageId: `om_${hex(16)}`,
      chatId,
      msgType,
      content,
      history: [content],
      sender: 'app',
      receiveIdType: '',
      receiveId: '',
      at: now,
      updatedAt: now,
      ...extra,
    };
    this.messages.set(msg.messageId, msg);
    return msg;
  }

  private messageData(m: Msg) {
    return {
      message_id: m.messageId,
      msg_type: m.msgType,
      create_time: String(m.at),
      update_time: String(m.updatedAt),
      deleted: false,
      updated: m.history.length > 1,
      chat_id: m.chatId,
      sender: { id: this.appId, id_type: 'app_id', sender_type: 'app', tenant_key: this.tenantKey },
      body: { content: JSON.stringify(m.content) },
    };
  }

  private deduped(uuid: unknown): Fail | Msg | null {
    if (uuid === undefined) return null;
    if (typeof uuid !== 'string' || uuid.length === 0 || uuid.length > 50)
      return fail(99992402, 'field validation failed: uuid must be at most 50 characters');
    const seen = this.uuids.get(uuid);
    if (seen && seen.at > Date.now() - UUID_WINDOW_MS) return this.messages.get(seen.messageId) ?? null;
    return null;
  }

  private sendInto(chatId: string, api: string): Fail | null {
    const wait = this.over(`receiver ${chatId}`, this.opts.receiverQps);
    void api;
    return wait > 0 ? fail(230020, 'This operation triggers the frequency limit.') : null;
  }

  private create(b: Record<string, unknown>, q: URLSearchParams): Fail | [number, unknown] {
    if (typeof b.receive_id !== 'string' || !b.receive_id)
      return fail(99992402, 'field validation failed: receive_id');
    const dup = this.deduped(b.uuid);
    if (dup && 'status' in dup) return dup;
    if (dup) return [200, { code: 0, msg: 'success', data: this.messageData(dup) }];
    const to = this.receiver(q.get('receive_id_type'), b.receive_id);
    if ('status' in to) return to;
    const content = this.checkContent(b.msg_type, b.content);
    if ('status' in content) return content as Fail;
    const limited = this.sendInto(to.chatId, 'create');
    if (limited) return limited;
    const msg = this.newMessage(to.chatId, String(b.msg_type), content, {
      receiveIdType: q.get('receive_id_type') ?? '',
      receiveId: b.receive_id,
      ...(typeof b.uuid === 'string' ? { uuid: b.uuid } : {}),
    });
    if (typeof b.uuid === 'string') this.uuids.set(b.uuid, { messageId: msg.messageId, at: msg.at });
    return [200, { code: 0, msg: 'success', data: this.messageData(msg) }];
  }

  private reply(b: Record<string, unknown>, parentId: string): Fail | [number, unknown] {
    const parent = this.messages.get(parentId);
    if (!parent) return fail(230001, 'Your request contains an invalid request parameter. ext=message_id');
    const dup = this.deduped(b.uuid);
    if (dup && 'status' in dup) return dup;
    if (dup) return [200, { code: 0, msg: 'success', data: this.messageData(dup) }];
    const content = this.checkContent(b.msg_type, b.content);
    if ('status' in content) return content as Fail;
    const limited = this.sendInto(parent.chatId, 'reply');
    if (limited) return limited;
    const msg = this.newMessage(parent.chatId, String(b.msg_type), content, {
      receiveIdType: 'reply',
      receiveId: parentId,
      ...(typeof b.uuid === 'string' ? { uuid: b.uuid } : {}),
    });
    if (typeof b.uuid === 'string') this.uuids.set(b.uuid, { messageId: msg.messageId, at: msg.at });
    return [200, { code: 0, msg: 'success', data: this.messageData(msg) }];
  }

  private patch(b: Record<string, unknown>, id: string): Fail | [number, unknown] {
    const msg = this.messages.get(id);
    if (!msg) return fail(230001, 'Your request contains an invalid request parameter. ext=message_id');
    if (msg.msgType !== 'interactive')
      return fail(
        230001,
        'Your request contains an invalid request parameter. ext=only interactive can be patched',
      );
    if (msg.sender !== 'app') return fail(230027, 'Lack of necessary permissions.');
    if (Date.now() - msg.at > PATCH_WINDOW_MS)
      return fail(230031, 'Message can only be modified within 14 days after sending.');
    const content = this.checkContent('interactive', b.content);
    if ('status' in content) return content as Fail;
    if (!isShared(msg.content) || !isShared(content))
      return fail(230001, 'Your request contains an invalid request parameter. ext=card is not update_multi');
    const wait = this.over(`patch ${id}`, this.opts.patchQps);
    if (wait > 0) return fail(230020, 'This operation triggers the frequency limit.');
    this.setContent(msg, content);
    return [200, { code: 0, msg: 'ok', data: {} }];
  }

  private setContent(msg: Msg, content: Record<string, unknown>): void {
    msg.content = content;
    msg.history.push(content);
    msg.updatedAt = Date.now();
  }

  private get(id: string): Fail | [number, unknown] {
    const msg = this.messages.get(id);
    if (!msg) return fail(230001, 'Your request contains an invalid request parameter. ext=message_id');
    return [200, { code: 0, msg: 'success', data: { items: [this.messageData(msg)] } }];
  }

  private contact(id: string, q: URLSearchParams): Fail | [number, unknown] {
    const type = q.get('user_id_type') ?? 'open_id';
    const user = [...this.users.values()].find((u) =>
      type === 'open_id' ? u.openId === id : type === 'user_id' ? u.userId === id : u.unionId === id,
    );
    if (!user) return fail(41050, 'no user authority error', 400);
    return [
      200,
      {
        code: 0,
        msg: 'success',
        data: {
          user: {
            open_id: user.openId,
            user_id: user.userId,
            union_id: user.unionId,
            name: user.name,
            ...(user.enName ? { en_name: user.enName } : {}),
          },
        },
      },
    ];
  }

  // ------------------------------------------------------------------ the contact directory

  private lacksScope(any: string[]): Fail | null {
    if (any.some((x) => this.scopes.has(x))) return null;
    const list = any.join(', ');
    return fail(
      99991672,
      `Access denied. One of the following scopes is required: [${list}].应用尚未开通所需的应用身份权限：[${list}]，` +
        `点击链接申请并开通任一权限即可：https://open.feishu.cn/app/${this.appId}/auth?q=${any.join(',')}&op_from=openapi&token_type=tenant`,
    );
  }

  /** A department by the id type asked for ('0' is the root either way). */
  private department(id: string, type: string): Department | '0' | undefined {
    if (id === '0') return '0';
    return [...this.departments.values()].find((d) =>
      type === 'department_id' ? d.departmentId === id : d.openId === id,
    );
  }

  /** Whether the contact range covers the department (it or one above it is in range). */
  private inRange(openId: string): boolean {
    for (
      let d: string | undefined = openId;
      d !== undefined;
      d = d === '0' ? undefined : this.departments.get(d)?.parent
    )
      if (this.contactRange.has(d)) return true;
    return false;
  }

  /** page_size (1..50, default `fallback`) and the offset in page_token; Fail as Feishu refuses them. */
  private page(q: URLSearchParams, fallback: number): { size: number; offset: number } | Fail {
    const raw = q.get('page_size');
    const size = raw === null ? fallback : Number(raw);
    if (!Number.isInteger(size) || size < 1 || size > 50)
      return fail(99992402, 'field validation failed: page_size must be between 1 and 50');
    const token = q.get('page_token');
    const offset = token ? Number(Buffer.from(token, 'base64url').toString()) : 0;
    if (!Number.isInteger(offset) || offset < 0) return fail(99992402, 'field validation failed: page_token');
    return { size, offset };
  }

  private paged<T>(all: T[], p: { size: number; offset: number }, items: (t: T) => unknown) {
    const more = p.offset + p.size < all.length;
    return {
      has_more: more,
      ...(more ? { page_token: Buffer.from(String(p.offset + p.size)).toString('base64url') } : {}),
      items: all.slice(p.offset, p.offset + p.size).map(items),
    };
  }

  private idType(q: URLSearchParams): string | Fail {
    const type = q.get('department_id_type') ?? 'open_department_id';
    return type === 'open_department_id' || type === 'department_id'
      ? type
      : fail(99992402, 'field validation failed: department_id_type');
  }

  private children(id: string, q: URLSearchParams): Fail | [number, unknown] {
    const lacks = this.lacksScope(DEPARTMENT_SCOPES);
    if (lacks) return lacks;
    const type = this.idType(q);
    if (typeof type !== 'string') return type;
    const page = this.page(q, 10);
    if ('status' in page) return page;
    const dept = this.department(id, type);
    const openId = dept === '0' ? '0' : dept?.openId;
    if (openId === undefined || !this.inRange(openId)) return fail(40004, 'no dept authority error');
    const below = (d: Department): boolean => {
      for (
        let p: string | undefined = d.parent;
        p !== undefined;
        p = p === '0' ? undefined : this.departments.get(p)?.parent
      ) {
        if (p === openId) return true;
        if (q.get('fetch_child') !== 'true') return false;
      }
      return false;
    };
    const all = [...this.departments.values()].filter(below);
    const data = this.paged(all, page, (d) => ({
      name: d.name,
      department_id: d.departmentId,
      open_department_id: d.openId,
      parent_department_id:
        d.parent === '0'
          ? '0'
          : type === 'department_id'
            ? this.departments.get(d.parent)!.departmentId
            : d.parent,
      status: { is_deleted: false },
    }));
    return [200, { code: 0, msg: 'success', data }];
  }

  private findByDepartment(q: URLSearchParams): Fail | [number, unknown] {
    const lacks = this.lacksScope(USER_SCOPES);
    if (lacks) return lacks;
    const id = q.get('department_id');
    if (!id) return fail(99992402, 'field validation failed: department_id is required');
    const type = this.idType(q);
    if (typeof type !== 'string') return type;
    const page = this.page(q, 10);
    if ('status' in page) return page;
    const dept = this.department(id, type);
    const openId = dept === '0' ? '0' : dept?.openId;
    if (openId === undefined || !this.inRange(openId)) return fail(40004, 'no dept authority error');
    const idOf = q.get('user_id_type') ?? 'open_id';
    const email = this.scopes.has('contact:user.email:readonly');
    const all = [...this.users.values()].filter((u) => u.departments?.includes(openId));
    const data = this.paged(all, page, (u) => ({
      open_id: u.openId,
      union_id: u.unionId,
      ...(idOf === 'user_id' ? { user_id: u.userId } : {}),
      name: u.name,
      ...(u.enName ? { en_name: u.enName } : {}),
      ...(email && u.email ? { email: u.email } : {}),
      ...(email && u.enterpriseEmail ? { enterprise_email: u.enterpriseEmail } : {}),
      mobile: '',
      department_ids: (u.departments ?? []).map((d) =>
        d === '0' || type === 'open_department_id' ? d : (this.departments.get(d)?.departmentId ?? d),
      ),
      status: {
        is_activated: true,
        is_frozen: false,
        is_resigned: false,
        is_exited: false,
        is_unjoin: false,
        ...u.status,
      },
    }));
    return [200, { code: 0, msg: 'success', data }];
  }

  private botInfo(): Fail | [number, unknown] {
    const bot = { activate_status: 2, app_name: this.botName, open_id: this.botOpenId, ip_white_list: [] };
    return [200, { code: 0, msg: 'ok', bot }];
  }

  private chat(id: string): Fail | [number, unknown] {
    const chat = this.chats.get(id);
    if (!chat) return fail(232010, 'chat not found', 400);
    return [
      200,
      {
        code: 0,
        msg: 'success',
        data: {
          name: chat.name,
          chat_mode: chat.type === 'p2p' ? 'p2p' : 'group',
          tenant_key: this.tenantKey,
        },
      },
    ];
  }

  // ------------------------------------------------------------------ views for tests

  messagesIn(chatId: string): Msg[] {
    return [...this.messages.values()].filter((m) => m.chatId === chatId);
  }

  /** Messages in a person's 1:1 chat with the bot. */
  messagesTo(openId: string): Msg[] {
    return this.messagesIn(this.p2pOf(openId));
  }

  /** The newest card in a chat whose text mentions `text`. */
  cardIn(chatId: string, text: string): Msg {
    const cards = this.messagesIn(chatId).filter((m) => m.msgType === 'interactive');
    const card = cards.findLast((m) => textOf(m).includes(text));
    if (!card)
      throw new Error(`no card with "${text}" in ${chatId}: ${cards.map((c) => textOf(c)).join(' | ')}`);
    return card;
  }

  /** The labels of the buttons a card shows now. */
  buttons(messageId: string): string[] {
    const m = this.messages.get(messageId);
    return m ? buttonsOf(m.content).map((b) => b.label) : [];
  }
}

// ------------------------------------------------------------------ card reading

type Button = { label: string; value?: unknown; name?: string };

/** Visits every object in a card; a visitor returning false skips that object's children. */
function walk(node: unknown, visit: (n: Record<string, unknown>) => boolean | undefined): void {
  if (Array.isArray(node)) for (const x of node) walk(x, visit);
  else if (node && typeof node === 'object') {
    if (visit(node as Record<string, unknown>) === false) return;
    for (const v of Object.values(node)) walk(v, visit);
  }
}

/** The buttons of a card (schema 1.0 `value`, schema 2.0 `behaviors[].type=callback`). */
export function buttonsOf(card: Record<string, unknown>): Button[] {
  const out: Button[] = [];
  walk(card, (n) => {
    if (n.tag !== 'button') return true;
    const text = n.text as { content?: string } | undefined;
    const behaviors = Array.isArray(n.behaviors) ? (n.behaviors as { type?: string; value?: unknown }[]) : [];
    const value = behaviors.find((b) => b.type === 'callback')?.value ?? n.value;
    out.push({ label: text?.content ?? '', value, ...(typeof n.name === 'string' ? { name: n.name } : {}) });
    return false;
  });
  return out;
}

/** All the text a message shows: a text message's text, a card's title and its text elements (not buttons). */
export function textOf(m: Pick<Msg, 'msgType' | 'content'>): string {
  if (m.msgType === 'text') return String(m.content.text ?? '');
  const parts: string[] = [];
  walk(m.content, (n) => {
    if (n.tag === 'button') return false; // a button's label is not text the card shows
    if (
      (n.tag === 'plain_text' || n.tag === 'lark_md' || n.tag === 'markdown') &&
      typeof n.content === 'string'
    )
      parts.push(n.content);
    if (n.tag === 'text' && typeof n.text === 'string') parts.push(n.text);
    return true;
  });
  return parts.join('\n');
}

function isShared(card: Record<string, unknown>): boolean {
  if (card.schema === '2.0') return true;
  return (card.config as { update_multi?: unknown } | undefined)?.update_multi === true;
}

/** Why Feishu would not build this card, or null. */
function cardProblem(card: unknown): string | null {
  if (!card || typeof card !== 'object') return 'ErrCode: 200621; ErrMsg: parse card json err';
  const c = card as Record<string, unknown>;
  if (c.type === 'template') {
    const d = c.data as { template_id?: unknown } | undefined;
    return typeof d?.template_id === 'string' ? null : 'ErrCode: 200380; ErrMsg: template does not exist';
  }
  const v2 = c.schema === '2.0';
  const elements = v2 ? (c.body as { elements?: unknown } | undefined)?.elements : c.elements;
  if (!Array.isArray(elements)) return 'ErrCode: 200621; ErrMsg: parse card json err (elements)';
  let problem: string | null = null;
  walk(elements, (n) => {
    if (problem) return false;
    if ('tag' in n && typeof n.tag !== 'string') problem = 'ErrCode: 200621; ErrMsg: tag must be a string';
    if (v2 && n.tag === 'action')
      problem =
        'ErrCode: 200861; ErrMsg: cards of schema V2 no longer support this capability; unsupported tag action';
    if (n.tag === 'button') {
      const t = n.text as { tag?: unknown; content?: unknown } | undefined;
      if (!t || typeof t.content !== 'string' || (t.tag !== 'plain_text' && t.tag !== 'lark_md'))
        problem = 'ErrCode: 200621; ErrMsg: button text must be plain_text or lark_md';
    }
    return true;
  });
  return problem;
}
