// A fake DingTalk, faithful to what dingtalk-stream 2.1.5 and the OpenAPI really do (see
// ../shared/platforms/dingtalk.md): the Stream gateway (POST connections/open → endpoint + one-use ticket),
// a WebSocket server speaking the stream frames (SYSTEM ping / disconnect, CALLBACK robot messages and card
// callbacks; acks checked, unacked callbacks sent again), and the OpenAPIs the bot uses (token,
// groupMessages/send, oToMessages/batchSend, card createAndDeliver and update, sessionWebhook), refusing
// what DingTalk refuses: missing or expired tokens, non-string cardParamMap values, a reused outTrackId,
// unknown templates, bad msgParam, and more than 20 calls/s per API. Also the server API's contact
// directory (oapi, `?access_token=`, HTTP 200 with errcode): topapi/v2/department/listsub (one level of
// sub-departments) and topapi/v2/user/list (cursor paging, size ≤ 100), refusing an app without the contact
// permissions as DingTalk does (errcode 88, sub_code 60011) and throttling with errcode 90018.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
export const TOPIC_CARD = '/v1.0/card/instances/callback';

type Template = {
  buttons: { componentId: string; text: string; visible: string; params: Record<string, string> }[];
};

export const SALESRELAY_TEMPLATE = JSON.parse(
  readFileSync(new URL('../../../adapters/dingtalk/card-template.json', import.meta.url), 'utf8'),
) as Template;

type Conn = { id: string; ws: WebSocket; subscriptions: { type: string; topic: string }[]; open: boolean };

export type Frame = {
  specVersion: string;
  type: 'CALLBACK' | 'SYSTEM' | 'EVENT';
  headers: Record<string, string>;
  data: string;
};

type Pending = {
  frame: Frame;
  sentAt: number | null;
  sends: number;
  resolve: (ack: Ack) => void;
  promise: Promise<Ack>;
};

export type Ack = { messageId: string; code: number; data: unknown; latencyMs: number; connection: string };

export type Sent = {
  api: 'groupMessages/send' | 'oToMessages/batchSend' | 'sessionWebhook';
  to: string;
  msgKey: string;
  title: string;
  text: string;
  at: number;
};

export type CardState = {
  outTrackId: string;
  templateId: string;
  spaceType: 'IM_GROUP' | 'IM_ROBOT';
  spaceId: string;
  params: Record<string, string>;
  /** Every cardParamMap the card has had, the first one from createAndDeliver. */
  history: Record<string, string>[];
  privateData: Record<string, Record<string, string>>;
};

export type Refusal = { path: string; status: number; code: string };

/** A member of the organisation's contact directory (通讯录), as topapi/v2/user/list gives them. */
export type DirectoryUser = {
  userid: string;
  name: string;
  email?: string;
  org_email?: string;
  mobile?: string;
  title?: string;
  dept_id_list: number[];
  /** false: invited but DingTalk not activated yet. */
  active?: boolean;
};

/** The contact permissions of the app (权限管理); both are granted unless a test takes one away. */
export const CONTACT_PERMISSIONS = ['qyapi_get_department_list', 'qyapi_get_member'] as const;

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const MSG_KEYS: Record<string, string[]> = {
  sampleText: ['content'],
  sampleMarkdown: ['title', 'text'],
  sampleLink: ['text', 'title', 'picUrl', 'messageUrl'],
  sampleActionCard: ['title', 'text', 'singleTitle', 'singleURL'],
};

export type FakeOptions = {
  clientId?: string;
  clientSecret?: string;
  corpId?: string;
  tokenTtlS?: number;
  /** Unacked CALLBACK frames are sent again after this long (DingTalk: within about 60 s). */
  resendAfterMs?: number;
  qps?: number;
};

export class FakeDingTalk {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly corpId: string;
  readonly botUserId = '$:LWCP_v1:$bot';
  tokenTtlS: number;
  resendAfterMs: number;
  qps: number;

  url = '';
  private server!: Server;
  private wss!: WebSocketServer;
  private readonly tickets = new Map<string, { subscriptions: Conn['subscriptions']; expires: number }>();
  private readonly conns: Conn[] = [];
  private rr = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly tokens = new Map<string, number>();
  private readonly sessions = new Map<string, { conversationId: string; expires: number }>();
  private readonly calls = new Map<string, number[]>();
  private readonly throttled = new Map<string, number>();
  private pump: NodeJS.Timeout | null = null;

  /** Templates the organisation has published. */
  readonly templates = new Map<string, Template>();
  /** Groups the robot is in (openConversationId → title). */
  readonly groups = new Map<string, string>();
  /** Staff ids of the organisation. */
  readonly staff = new Map<string, string>();
  /** The contact directory: departments below the root (1, the organisation) and the members. */
  readonly departments = new Map<number, { name: string; parentId: number }>();
  readonly members = new Map<string, DirectoryUser>();
  /** The contact permissions the app was granted. */
  readonly contactPermissions = new Set<string>(CONTACT_PERMISSIONS);
  /** Every server API (oapi) call: path, body and the token it carried. */
  readonly oapiCalls: { path: string; body: Record<string, unknown>; token: string; at: number }[] = [];

  // What happened, for the tests.
  readonly gatewayCalls: { at: number; subscriptions: Conn['subscriptions'] }[] = [];
  readonly connectionsOpened: { at: number; id: string }[] = [];
  readonly acks: Ack[] = [];
  readonly strayUpstream: string[] = [];
  readonly sent: Sent[] = [];
  readonly cards = new Map<string, CardState>();
  readonly refusals: Refusal[] = [];
  tokenRequests = 0;
  /** Every token issued: when, and until when DingTalk accepts it. */
  readonly tokensIssued: { token: string; at: number; expiresAt: number }[] = [];
  /** Every OpenAPI call (robot and card APIs): when it came and the token it carried. */
  readonly apiCalls: { path: string; token: string; at: number }[] = [];
  /** Refuse this many WebSocket handshakes (401), as a broken gateway would. */
  rejectHandshakes = 0;

  constructor(opts: FakeOptions = {}) {
    this.clientId = opts.clientId ?? 'dingfakeclientid';
    this.clientSecret = opts.clientSecret ?? 'fake-secret';
    this.corpId = opts.corpId ?? 'dingcorp0001';
    this.tokenTtlS = opts.tokenTtlS ?? 7200;
    this.resendAfterMs = opts.resendAfterMs ?? 1500;
    this.qps = opts.qps ?? 20;
  }

  static async start(opts: FakeOptions = {}): Promise<FakeDingTalk> {
    const fake = new FakeDingTalk(opts);
    await fake.listen();
    return fake;
  }

  get gatewayUrl(): string {
    return `${this.url}/v1.0/gateway/connections/open`;
  }

  /** The settings an app needs to talk to this fake. */
  env(templateId?: string): Record<string, string> {
    return {
      DINGTALK_CLIENT_ID: this.clientId,
      DINGTALK_CLIENT_SECRET: this.clientSecret,
      DINGTALK_GATEWAY_URL: this.gatewayUrl,
      DINGTALK_API_URL: this.url,
      DINGTALK_OAPI_URL: this.url,
      ...(templateId ? { DINGTALK_CARD_TEMPLATE_ID: templateId } : {}),
    };
  }

  publishTemplate(id = 'salesrelay.schema', template: Template = SALESRELAY_TEMPLATE): string {
    this.templates.set(id, template);
    return id;
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => void this.http(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const ticket = u.searchParams.get('ticket') ?? '';
      const t = this.tickets.get(ticket);
      if (this.rejectHandshakes > 0 || u.pathname !== '/connect' || !t || t.expires < Date.now()) {
        if (this.rejectHandshakes > 0) this.rejectHandshakes--;
        socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      this.tickets.delete(ticket); // one ticket opens one connection
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, t.subscriptions));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.pump = setInterval(() => this.flush(), 25);
  }

  async close(): Promise<void> {
    if (this.pump) clearInterval(this.pump);
    for (const c of this.conns) c.ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  // ------------------------------------------------------------------ stream

  get openConnections(): number {
    return this.conns.filter((c) => c.open).length;
  }

  private onConnection(ws: WebSocket, subscriptions: Conn['subscriptions']): void {
    const conn: Conn = { id: randomUUID(), ws, subscriptions, open: true };
    this.conns.push(conn);
    this.connectionsOpened.push({ at: Date.now(), id: conn.id });
    ws.on('close', () => {
      conn.open = false;
      this.conns.splice(this.conns.indexOf(conn), 1);
    });
    ws.on('message', (raw) => this.onUpstream(conn, String(raw)));
  }

  private onUpstream(conn: Conn, raw: string): void {
    let msg: { code?: number; headers?: Record<string, string>; data?: string };
    try {
      msg = JSON.parse(raw);
    } catch {
      this.strayUpstream.push(raw);
      return;
    }
    const id = msg.headers?.messageId ?? '';
    const p = this.pending.get(id);
    if (!p) {
      if (msg.headers?.topic !== 'ping') this.strayUpstream.push(raw);
      return;
    }
    this.pending.delete(id);
    let data: unknown = msg.data;
    try {
      data = typeof msg.data === 'string' ? JSON.parse(msg.data) : msg.data;
    } catch {}
    const ack: Ack = {
      messageId: id,
      code: msg.code ?? 0,
      data,
      latencyMs: Date.now() - (p.sentAt ?? Date.now()),
      connection: conn.id,
    };
    this.acks.push(ack);
    p.resolve(ack);
  }

  /** Sends pending callbacks: first to one subscribed connection, again if not acked in time. */
  private flush(): void {
    const now = Date.now();
    for (const p of this.pending.values()) {
      if (p.sentAt !== null && now - p.sentAt < this.resendAfterMs) continue;
      const topic = p.frame.headers.topic!;
      const subscribed = this.conns.filter(
        (c) => c.open && c.subscriptions.some((s) => s.type === 'CALLBACK' && s.topic === topic),
      );
      if (subscribed.length === 0) continue;
      const conn = subscribed[this.rr++ % subscribed.length]!;
      p.sentAt = now;
      p.sends++;
      conn.ws.send(JSON.stringify(p.frame));
    }
  }

  private callback(topic: string, data: unknown, messageId = randomId(), rawData?: string): Pending {
    const existing = this.pending.get(messageId);
    if (existing) return existing;
    const frame: Frame = {
      specVersion: '1.0',
      type: 'CALLBACK',
      headers: {
        appId: this.clientId,
        connectionId: 'c',
        contentType: 'application/json',
        messageId,
        time: String(Date.now()),
        topic,
      },
      data: rawData ?? JSON.stringify(data),
    };
    let resolve!: (a: Ack) => void;
    const promise = new Promise<Ack>((r) => {
      resolve = r;
    });
    const p: Pending = { frame, sentAt: null, sends: 0, resolve, promise };
    this.pending.set(messageId, p);
    this.flush();
    return p;
  }

  /** How many times a callback frame was sent (more than 1: it was not acked in time). */
  sendsOf(messageId: string): number {
    return this.pending.get(messageId)?.sends ?? 0;
  }

  get unacked(): number {
    return this.pending.size;
  }

  /**
   * A person writes to the robot: in a group (with @bot, and `mentions` in the at-list) or 1:1.
   * Resolves with the ack. `msgId` lets a test deliver the same message twice.
   */
  robotMessage(m: {
    from: string;
    nick?: string;
    text: string;
    group?: string;
    mentions?: string[];
    msgId?: string;
    messageId?: string;
    webhookTtlMs?: number;
  }): Promise<Ack> & { messageId: string; msgId: string } {
    const msgId = m.msgId ?? `msg${randomId()}`;
    const conversationId = m.group ?? `cid_dm_${m.from}`;
    if (m.group && !this.groups.has(m.group)) this.groups.set(m.group, m.group);
    this.staff.set(m.from, m.nick ?? m.from);
    const session = randomBytes(8).toString('hex');
    const expires = Date.now() + (m.webhookTtlMs ?? 5_400_000);
    this.sessions.set(session, { conversationId, expires });
    const mentionText = (m.mentions ?? []).map((id) => `@${this.staff.get(id) ?? id}`).join(' ');
    const data = {
      conversationId,
      atUsers: [
        ...(m.group ? [{ dingtalkId: this.botUserId }] : []),
        ...(m.mentions ?? []).map((id) => ({ dingtalkId: `$:LWCP_v1:$${id}`, staffId: id })),
      ],
      chatbotCorpId: this.corpId,
      chatbotUserId: this.botUserId,
      msgId,
      senderNick: m.nick ?? m.from,
      isAdmin: false,
      senderStaffId: m.from,
      sessionWebhookExpiredTime: expires,
      createAt: Date.now(),
      senderCorpId: this.corpId,
      conversationType: m.group ? '2' : '1',
      ...(m.group ? { conversationTitle: this.groups.get(m.group) } : {}),
      senderId: `$:LWCP_v1:$${m.from}`,
      sessionWebhook: `${this.url}/robot/sendBySession?session=${session}`,
      isInAtList: Boolean(m.group),
      // DingTalk removes the bot's own mention but keeps the leading space.
      text: { content: ` ${m.text.replace('{mentions}', mentionText)}` },
      robotCode: this.clientId,
      msgtype: 'text',
    };
    const p = this.callback(TOPIC_ROBOT, data, m.messageId);
    return Object.assign(p.promise, { messageId: p.frame.headers.messageId!, msgId });
  }

  /** A person clicks a button on a card: what DingTalk does with the template's button configuration. */
  click(outTrackId: string, userId: string, label: string): Promise<Ack> & { messageId: string } {
    const card = this.cards.get(outTrackId);
    if (!card) throw new Error(`no card ${outTrackId}`);
    const template = this.templates.get(card.templateId)!;
    const fill = (s: string) => s.replace(/\$\{(\w+)\}/g, (_m, v: string) => card.params[v] ?? '');
    const button = template.buttons.find((b) => fill(b.visible) === 'true' && fill(b.text) === label);
    if (!button)
      throw new Error(
        `no visible button "${label}" on ${outTrackId}: ${JSON.stringify(this.buttons(outTrackId))}`,
      );
    const params = Object.fromEntries(Object.entries(button.params).map(([k, v]) => [k, fill(v)]));
    const data = {
      type: 'actionCallback',
      outTrackId,
      corpId: this.corpId,
      userId,
      userIdType: 1,
      spaceType: card.spaceType,
      spaceId: card.spaceId,
      content: JSON.stringify({ cardPrivateData: { actionIds: [button.componentId], params } }),
    };
    const p = this.callback(TOPIC_CARD, data);
    return Object.assign(p.promise, { messageId: p.frame.headers.messageId! });
  }

  /** The labels of the buttons a card shows now. */
  buttons(outTrackId: string): string[] {
    const card = this.cards.get(outTrackId);
    if (!card) return [];
    const template = this.templates.get(card.templateId)!;
    const fill = (s: string) => s.replace(/\$\{(\w+)\}/g, (_m, v: string) => card.params[v] ?? '');
    return template.buttons.filter((b) => fill(b.visible) === 'true').map((b) => fill(b.text));
  }

  /** A CALLBACK whose `data` is the given string as is (e.g. not JSON); resolves with the ack. */
  callbackRaw(topic: string, data: string): Promise<Ack> {
    return this.callback(topic, null, randomId(), data).promise;
  }

  /** Sends a raw text frame to every connection (e.g. a malformed one). */
  sendRaw(text: string): void {
    for (const c of this.conns) if (c.open) c.ws.send(text);
  }

  /** A SYSTEM ping; resolves with the echoed reply. */
  ping(): void {
    const frame = {
      specVersion: '1.0',
      type: 'SYSTEM',
      headers: { topic: 'ping', messageId: randomId(), contentType: 'application/json' },
      data: JSON.stringify({ opaque: randomId() }),
    };
    for (const c of this.conns) if (c.open) c.ws.send(JSON.stringify(frame));
  }

  /** The gateway's goodbye: a SYSTEM disconnect, then the socket closes after `closeAfterMs`. */
  disconnectAll(closeAfterMs = 200): void {
    for (const c of [...this.conns]) {
      c.ws.send(
        JSON.stringify({
          specVersion: '1.0',
          type: 'SYSTEM',
          headers: { topic: 'disconnect', contentType: 'application/json', messageId: randomId() },
          data: JSON.stringify({ reason: 'connection is expired' }),
        }),
      );
      setTimeout(() => c.ws.close(), closeAfterMs);
    }
  }

  /** Drops every connection at once (network loss). */
  dropAll(): void {
    for (const c of [...this.conns]) c.ws.terminate();
  }

  // ------------------------------------------------------------------ OpenAPI

  /** The next `n` calls to `path` answer DingTalk's QPS error. */
  throttleNext(path: string, n: number): void {
    this.throttled.set(path, (this.throttled.get(path) ?? 0) + n);
  }

  /** Every token issued so far stops working now (as after a secret reset). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  private refuse(res: ServerResponse, path: string, status: number, code: string, message: string) {
    this.refusals.push({ path, status, code });
    json(res, status, { code, message, requestid: randomId() });
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
      return this.refuse(res, path, 400, 'invalidParameter.body', 'body is not JSON');
    }
    if (req.method === 'POST' && path === '/v1.0/gateway/connections/open') return this.open(req, res, body);
    if (req.method === 'POST' && path === '/v1.0/oauth2/accessToken') return this.token(res, body);
    if (req.method === 'POST' && path === '/robot/sendBySession') return this.webhook(res, u, body);
    if (path.startsWith('/topapi/')) return this.oapi(req, res, u, body);
    const routes: Record<string, (b: Record<string, unknown>) => [number, unknown] | Refusal> = {
      'POST /v1.0/robot/groupMessages/send': (b) => this.groupSend(b),
      'POST /v1.0/robot/oToMessages/batchSend': (b) => this.otoSend(b),
      'POST /v1.0/card/instances/createAndDeliver': (b) => this.createCard(b),
      'PUT /v1.0/card/instances': (b) => this.updateCard(b),
    };
    const route = routes[`${req.method} ${path}`];
    if (!route) return this.refuse(res, path, 404, 'notFound', `no ${req.method} ${path}`);
    const token = req.headers['x-acs-dingtalk-access-token'];
    this.apiCalls.push({ path, token: typeof token === 'string' ? token : '', at: Date.now() });
    const exp = typeof token === 'string' ? this.tokens.get(token) : undefined;
    if (!token) return this.refuse(res, path, 401, 'MissingParameter.accessToken', 'access token is missing');
    if (exp === undefined || exp < Date.now())
      return this.refuse(res, path, 401, 'InvalidAuthentication', '不合法的access_token');
    if ((this.throttled.get(path) ?? 0) > 0) {
      this.throttled.set(path, this.throttled.get(path)! - 1);
      return this.refuse(res, path, 403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', '调用太频繁');
    }
    const now = Date.now();
    const window = (this.calls.get(path) ?? []).filter((t) => t > now - 1000);
    window.push(now);
    this.calls.set(path, window);
    if (window.length > this.qps)
      return this.refuse(res, path, 403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', '调用太频繁');
    const out = route(body);
    if (!Array.isArray(out)) return this.refuse(res, path, out.status, out.code, out.code);
    json(res, out[0], out[1]);
  }

  private open(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>) {
    const subs = body.subscriptions as Conn['subscriptions'] | undefined;
    this.gatewayCalls.push({ at: Date.now(), subscriptions: subs ?? [] });
    if (req.headers.accept !== 'application/json')
      return this.refuse(res, '/connections/open', 400, 'xml', 'would answer XML');
    if (body.clientId !== this.clientId || body.clientSecret !== this.clientSecret)
      return this.refuse(res, '/connections/open', 401, 'invalidClient', 'unknown client');
    if (!Array.isArray(subs) || subs.length === 0)
      return this.refuse(res, '/connections/open', 400, 'invalidParameter.subscriptions', 'no subscriptions');
    const ticket = randomUUID();
    this.tickets.set(ticket, { subscriptions: subs, expires: Date.now() + 90_000 });
    json(res, 200, { endpoint: `${this.url.replace('http', 'ws')}/connect`, ticket });
  }

  private token(res: ServerResponse, body: Record<string, unknown>) {
    this.tokenRequests++;
    if (body.appKey !== this.clientId || body.appSecret !== this.clientSecret)
      return this.refuse(
        res,
        '/v1.0/oauth2/accessToken',
        400,
        'invalidClientIdOrSecret',
        'bad key or secret',
      );
    const token = `tok_${randomId()}`;
    const at = Date.now();
    this.tokens.set(token, at + this.tokenTtlS * 1000);
    this.tokensIssued.push({ token, at, expiresAt: at + this.tokenTtlS * 1000 });
    json(res, 200, { accessToken: token, expireIn: this.tokenTtlS });
  }

  private msgParam(b: Record<string, unknown>): { title: string; text: string } | Refusal {
    const bad = (code: string): Refusal => ({ path: '', status: 400, code });
    if (b.robotCode !== this.clientId) return bad('invalidParameter.robotCode.notExsit');
    const keys = MSG_KEYS[String(b.msgKey)];
    if (!keys) return bad('invalidParameter.msgKey.invalid');
    if (typeof b.msgParam !== 'string') return bad('invalidParameter.msgParam.invalid');
    if (Buffer.byteLength(b.msgParam) > 15_000) return bad('invalidParameter.msgParam.tooLong');
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(b.msgParam);
    } catch {
      return bad('invalidParameter.msgParam.invalid');
    }
    if (!keys.every((k) => k === 'picUrl' || typeof p[k] === 'string'))
      return bad('invalidParameter.msgParam.invalid');
    return { title: String(p.title ?? ''), text: String(p.text ?? p.content ?? '') };
  }

  private groupSend(b: Record<string, unknown>): [number, unknown] | Refusal {
    const p = this.msgParam(b);
    if ('code' in p) return p;
    const cid = String(b.openConversationId ?? '');
    if (!this.groups.has(cid)) return { path: '', status: 400, code: 'invalidParameter.robotCode.notExsit' }; // robot not in the group
    this.sent.push({ api: 'groupMessages/send', to: cid, msgKey: String(b.msgKey), ...p, at: Date.now() });
    return [200, { processQueryKey: randomId() }];
  }

  private otoSend(b: Record<string, unknown>): [number, unknown] | Refusal {
    const p = this.msgParam(b);
    if ('code' in p) return p;
    const ids = b.userIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 20)
      return { path: '', status: 400, code: 'invalidParameter.userIds.invalid' };
    const invalid = ids.filter((id) => !this.staff.has(String(id)));
    for (const id of ids)
      if (this.staff.has(String(id)))
        this.sent.push({
          api: 'oToMessages/batchSend',
          to: String(id),
          msgKey: String(b.msgKey),
          ...p,
          at: Date.now(),
        });
    return [200, { processQueryKey: randomId(), invalidStaffIdList: invalid, flowControlledStaffIdList: [] }];
  }

  private webhook(res: ServerResponse, u: URL, b: Record<string, unknown>) {
    const s = this.sessions.get(u.searchParams.get('session') ?? '');
    if (!s || s.expires < Date.now()) {
      this.refusals.push({ path: '/robot/sendBySession', status: 200, code: '300001' });
      return json(res, 200, { errcode: 300001, errmsg: 'session is expired or invalid' });
    }
    const type = b.msgtype;
    const md = b.markdown as { title?: unknown; text?: unknown } | undefined;
    const tx = b.text as { content?: unknown } | undefined;
    if (type === 'markdown' && typeof md?.title === 'string' && typeof md.text === 'string') {
      this.sent.push({
        api: 'sessionWebhook',
        to: s.conversationId,
        msgKey: 'markdown',
        title: md.title,
        text: md.text,
        at: Date.now(),
      });
      return json(res, 200, { errcode: 0, errmsg: 'ok' });
    }
    if (type === 'text' && typeof tx?.content === 'string') {
      this.sent.push({
        api: 'sessionWebhook',
        to: s.conversationId,
        msgKey: 'text',
        title: '',
        text: tx.content,
        at: Date.now(),
      });
      return json(res, 200, { errcode: 0, errmsg: 'ok' });
    }
    this.refusals.push({ path: '/robot/sendBySession', status: 200, code: '40035' });
    return json(res, 200, { errcode: 40035, errmsg: 'invalid msgtype or content' });
  }

  private paramMap(data: unknown): { map: Record<string, string> } | Refusal {
    const map = (data as { cardParamMap?: unknown } | undefined)?.cardParamMap;
    const bad = (code: string): Refusal => ({ path: '', status: 400, code });
    if (!map || typeof map !== 'object') return bad('param.cardParamMapMissing');
    for (const [k, v] of Object.entries(map)) {
      if (typeof v !== 'string') return bad(`param.cardParamMap.valueNotString:${k}`);
      if (Buffer.byteLength(k) > 100) return bad('param.cardParamMap.keyTooLong');
      if (Buffer.byteLength(v) > 1024) return bad(`param.cardParamMap.valueTooLong:${k}`);
    }
    return { map: map as Record<string, string> };
  }

  private createCard(b: Record<string, unknown>): [number, unknown] | Refusal {
    const bad = (code: string): Refusal => ({ path: '', status: 400, code });
    const templateId = String(b.cardTemplateId ?? '');
    if (!this.templates.has(templateId)) return bad('param.templateNotExist');
    const outTrackId = String(b.outTrackId ?? '');
    if (!outTrackId) return bad('param.outTrackIdMissing');
    if (this.cards.has(outTrackId)) return bad('param.cardAlreadyExist');
    if (b.callbackType !== 'STREAM' && !(b.callbackType === 'HTTP' && b.callbackRouteKey))
      return bad('param.callbackTypeInvalid');
    const pm = this.paramMap(b.cardData);
    if (!('map' in pm)) return pm;
    const params = pm.map;
    const m = /^dtv1\.card\/\/(IM_GROUP|IM_ROBOT)\.(.+)$/.exec(String(b.openSpaceId ?? ''));
    if (!m) return bad('param.openSpaceIdInvalid');
    const spaceType = m[1] as 'IM_GROUP' | 'IM_ROBOT';
    const spaceId = m[2]!;
    if (spaceType === 'IM_GROUP') {
      const d = b.imGroupOpenDeliverModel as { robotCode?: string } | undefined;
      if (!b.imGroupOpenSpaceModel || d?.robotCode !== this.clientId)
        return bad('param.imGroupOpenDeliverModelInvalid');
    } else {
      const d = b.imRobotOpenDeliverModel as { spaceType?: string } | undefined;
      if (!b.imRobotOpenSpaceModel || d?.spaceType !== 'IM_ROBOT')
        return bad('param.imRobotOpenDeliverModelInvalid');
    }
    if (b.userIdType !== undefined && b.userIdType !== 1) return bad('param.userIdTypeInvalid');
    const known = spaceType === 'IM_GROUP' ? this.groups.has(spaceId) : this.staff.has(spaceId);
    // The card is created even when delivery fails (the outTrackId is then taken).
    this.cards.set(outTrackId, {
      outTrackId,
      templateId,
      spaceType,
      spaceId,
      params: { ...params },
      history: [{ ...params }],
      privateData: {},
    });
    return [
      200,
      {
        success: true,
        result: {
          outTrackId,
          deliverResults: [
            {
              spaceType,
              spaceId,
              success: known,
              carrierId: randomId(),
              ...(known ? {} : { errorMsg: 'space not found' }),
            },
          ],
        },
      },
    ];
  }

  private updateCard(b: Record<string, unknown>): [number, unknown] | Refusal {
    const card = this.cards.get(String(b.outTrackId ?? ''));
    if (!card) return { path: '', status: 400, code: 'param.cardNotExist' };
    const pm = this.paramMap(b.cardData);
    if (!('map' in pm)) return pm;
    const params = pm.map;
    const byKey = (b.cardUpdateOptions as { updateCardDataByKey?: boolean } | undefined)?.updateCardDataByKey;
    card.params = byKey ? { ...card.params, ...params } : { ...params };
    card.history.push({ ...card.params });
    return [200, { success: true, result: true }];
  }

  // ------------------------------------------------------------------ the contact directory (oapi)

  addDepartment(id: number, name: string, parentId = 1): number {
    this.departments.set(id, { name, parentId });
    return id;
  }

  addMember(u: DirectoryUser): DirectoryUser {
    this.members.set(u.userid, u);
    return u;
  }

  /**
   * The server API: HTTP 200 and errcode, `access_token` in the query. errcode 88 is 鉴权异常 with the
   * real code in sub_code (60011: the app lacks the API's permission).
   */
  private oapi(req: IncomingMessage, res: ServerResponse, u: URL, b: Record<string, unknown>) {
    const path = u.pathname;
    const token = u.searchParams.get('access_token') ?? '';
    this.oapiCalls.push({ path, body: b, token, at: Date.now() });
    const answer = (body: Record<string, unknown>) => json(res, 200, { ...body, request_id: randomId() });
    const refuse = (errcode: number, errmsg: string, sub?: { code: string; msg: string }) => {
      this.refusals.push({ path, status: 200, code: sub?.code ?? String(errcode) });
      answer(
        sub
          ? {
              errcode,
              sub_code: sub.code,
              sub_msg: sub.msg,
              errmsg: `ding talk error[subcode=${sub.code},submsg=${sub.msg}]`,
            }
          : { errcode, errmsg },
      );
    };
    const routes: Record<string, [permission: string, (b: Record<string, unknown>) => unknown]> = {
      '/topapi/v2/department/listsub': ['qyapi_get_department_list', (x) => this.listsub(x)],
      '/topapi/v2/user/list': ['qyapi_get_member', (x) => this.userList(x)],
    };
    const route = routes[path];
    if (req.method !== 'POST' || !route) return refuse(404, '请求的URI地址不存在');
    const exp = this.tokens.get(token);
    if (!token || exp === undefined || exp < Date.now()) return refuse(40014, '不合法的access_token');
    if ((this.throttled.get(path) ?? 0) > 0) {
      this.throttled.set(path, this.throttled.get(path)! - 1);
      return refuse(90018, '禁止调用，当前应用调用该接口的频率超过限制');
    }
    const now = Date.now();
    const window = (this.calls.get(path) ?? []).filter((t) => t > now - 1000);
    window.push(now);
    this.calls.set(path, window);
    if (window.length > this.qps) return refuse(90018, '禁止调用，当前应用调用该接口的频率超过限制');
    if (!this.contactPermissions.has(route[0]))
      return refuse(88, '鉴权异常', { code: '60011', msg: `没有调用该接口的权限：${route[0]}` });
    const out = route[1](b);
    if (typeof out === 'string')
      return refuse(out === '60003' ? 60003 : 400002, out === '60003' ? '部门不存在' : `无效的参数：${out}`);
    answer({ errcode: 0, errmsg: 'ok', result: out });
  }

  private dept(b: Record<string, unknown>): number | string {
    const id = b.dept_id;
    if (typeof id !== 'number' || !Number.isInteger(id)) return 'dept_id';
    return id === 1 || this.departments.has(id) ? id : '60003';
  }

  private listsub(b: Record<string, unknown>): unknown {
    const id = this.dept(b);
    if (typeof id === 'string') return id;
    return [...this.departments.entries()]
      .filter(([, d]) => d.parentId === id)
      .map(([dept_id, d]) => ({
        dept_id,
        name: d.name,
        parent_id: d.parentId,
        create_dept_group: false,
        auto_add_user: false,
      }));
  }

  private userList(b: Record<string, unknown>): unknown {
    const id = this.dept(b);
    if (typeof id === 'string') return id;
    const { cursor, size } = b;
    if (typeof cursor !== 'number' || !Number.isInteger(cursor) || cursor < 0) return 'cursor';
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 100) return 'size';
    const all = [...this.members.values()].filter((m) => m.dept_id_list.includes(id));
    const list = all.slice(cursor, cursor + size).map((m) => ({
      userid: m.userid,
      unionid: `union_${m.userid}`,
      name: m.name,
      ...(m.email ? { email: m.email } : {}),
      ...(m.org_email ? { org_email: m.org_email } : {}),
      ...(m.mobile ? { mobile: m.mobile } : {}),
      ...(m.title ? { title: m.title } : {}),
      dept_id_list: m.dept_id_list,
      active: m.active ?? true,
      admin: false,
      boss: false,
      leader: false,
    }));
    const more = cursor + size < all.length;
    return { has_more: more, ...(more ? { next_cursor: cursor + size } : {}), list };
  }

  // ------------------------------------------------------------------ views for tests

  cardsIn(spaceId: string): CardState[] {
    return [...this.cards.values()].filter((c) => c.spaceId === spaceId);
  }

  /** The newest card in a space whose title mentions `text`. */
  cardIn(spaceId: string, text: string): CardState {
    const card = this.cardsIn(spaceId).findLast((c) => c.params.title?.includes(text));
    if (!card)
      throw new Error(
        `no card with "${text}" in ${spaceId}: ${this.cardsIn(spaceId)
          .map((c) => c.params.title)
          .join(' | ')}`,
      );
    return card;
  }

  sentTo(to: string): Sent[] {
    return this.sent.filter((s) => s.to === to);
  }
}

function randomId(): string {
  return randomBytes(8).toString('hex');
}
