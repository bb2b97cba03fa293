// A fake WeCom for tests without the internet: the intelligent-bot long connection (frames as
// @wecom/aibot-node-sdk 1.0.7 and the official docs speak them, see ../shared/platforms/wecom.md), the
// qyapi endpoints the app and group robots use, and a callback client that signs and encrypts like WeCom.
// It refuses what WeCom refuses: wrong credentials, replies on the wrong or an expired req_id, card
// updates after the 5 s window, pushes beyond the per-conversation quota (45009), bad cards. The contact
// directory as the self-built app reads it (GET department/list, GET user/list?department_id=): only within
// the app's visible range (可见范围), else 60011; from an untrusted IP 60020; errmsg with WeCom's hint tail.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { cardProblem } from './cards.ts';

// biome-ignore lint/suspicious/noExplicitAny: WeCom JSON as recorded, read freely by tests
type Json = Record<string, any>;
export type Frame = {
  cmd?: string;
  headers?: { req_id?: string };
  body?: Json;
  errcode?: number;
  errmsg?: string;
};

export const ERR = {
  invalidReqId: 846605, // community-observed: replying on an expired or wrong-kind req_id
  quota: 45009,
  invalidMsgtype: 40008,
  invalidParam: 40058,
  badCredential: 40001,
  invalidToken: 40014,
  expiredToken: 42001,
  invalidCorp: 40013,
  invalidAgent: 40056,
  webhookKey: 93000,
  tooLong: 45002,
} as const;

type Callback = {
  reqId: string;
  botId: string;
  kind: 'msg' | 'event';
  conv: string;
  at: number;
  /** For a message: what answered it (a stream id, or 'card'); for a click: whether it was updated. */
  answered?: string;
  streamDone?: boolean;
  taskId?: string;
};

/** A member of the corporation's directory, as GET user/list gives them. */
export type DirectoryMember = {
  userid: string;
  name: string;
  department: number[];
  main_department?: number;
  email?: string;
  biz_mail?: string;
  position?: string;
  /** 1 activated (default), 2 disabled, 4 not activated, 5 left. */
  status?: number;
};

export type Sent = {
  via: 'respond' | 'update' | 'push' | 'app' | 'app-update' | 'webhook';
  botId?: string;
  conv: string;
  body: Json;
  at: number;
  /** The callback req_id a respond/update answered. */
  reqId?: string;
};

export type FakeOptions = {
  bots?: Record<string, string>;
  corp?: { corpId: string; secret: string; agentId: number };
  webhookKeys?: string[];
  perMinute?: number;
  perHour?: number;
  appPerMinute?: number;
  webhookPerMinute?: number;
  updateWindowMs?: number;
};

class Window {
  readonly times = new Map<string, number[]>();
  take(key: string, limits: [ms: number, max: number][]): boolean {
    const now = Date.now();
    const t = (this.times.get(key) ?? []).filter((x) => x > now - 3_600_000);
    for (const [ms, max] of limits) if (t.filter((x) => x > now - ms).length >= max) return false;
    t.push(now);
    this.times.set(key, t);
    return true;
  }
}

export class FakeWeCom {
  wsUrl = '';
  apiUrl = '';
  readonly sent: Sent[] = [];
  /** Every frame a bot connection sent, in order. */
  readonly frames: { botId: string | null; frame: Frame; at: number }[] = [];
  readonly subscribes: { botId: string; at: number; ok: boolean }[] = [];
  readonly connectionsOpened: number[] = [];
  /** Refuse new WebSocket connections (HTTP 503 on upgrade), to test reconnect backoff. */
  refuseConnections = false;
  /** Leave these cmds unanswered (the SDK times out after 5 s). */
  readonly withhold = new Set<string>();
  readonly cards = new Map<string, Json>(); // botId|task_id → current card
  private readonly active = new Map<string, WebSocket>();
  private readonly callbacks = new Map<string, Callback>();
  private readonly conversations = new Set<string>();
  private readonly taskIds = new Set<string>();
  private readonly quota = new Window();
  private readonly tokens = new Map<string, number>(); // token → expires at
  private readonly responseCodes = new Map<string, { taskId: string; used: boolean }>();
  readonly webhookKeys: Set<string>;
  tokenCalls = 0;
  /** The contact directory: departments (1 is the company, parentid 0) and members. */
  readonly departments = new Map<number, { name: string; parentid: number }>([
    [1, { name: 'SalesRelay Corp', parentid: 0 }],
  ]);
  readonly members = new Map<string, DirectoryMember>();
  /** The self-built app's visible range (可见范围): the departments whose subtrees it may read. */
  readonly visible = new Set<number>([1]);
  /** Whether the server's IP is in the app's 企业可信IP (otherwise every API answers 60020). */
  trustedIp = true;
  /** Every contact API call: path and query (the token left out). */
  readonly contactCalls: { path: string; query: Record<string, string>; at: number }[] = [];
  private readonly busy = new Map<string, number>();
  private n = 0;
  private wss!: WebSocketServer;
  private http!: Server;
  private apiServer!: Server;

  constructor(readonly opts: FakeOptions = {}) {
    this.webhookKeys = new Set(opts.webhookKeys ?? []);
  }

  private get limits(): [number, number][] {
    return [
      [60_000, this.opts.perMinute ?? 30],
      [3_600_000, this.opts.perHour ?? 1000],
    ];
  }

  async start(): Promise<this> {
    this.http = createServer((_req, res) => res.writeHead(404).end());
    this.wss = new WebSocketServer({ noServer: true });
    this.http.on('upgrade', (req, socket, head) => {
      this.connectionsOpened.push(Date.now());
      if (this.refuseConnections) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
    await new Promise<void>((r) => this.http.listen(0, '127.0.0.1', r));
    this.wsUrl = `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
    this.apiServer = createServer((req, res) => void this.api(req, res));
    await new Promise<void>((r) => this.apiServer.listen(0, '127.0.0.1', r));
    this.apiUrl = `http://127.0.0.1:${(this.apiServer.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    this.apiServer.closeAllConnections();
    await new Promise<void>((r) => this.http.close(() => r()));
    await new Promise<void>((r) => this.apiServer.close(() => r()));
  }

  /** Forgets the sliding windows (as if an hour had passed). */
  resetQuota(): void {
    this.quota.times.clear();
  }

  isConnected(botId: string): boolean {
    return this.active.get(botId)?.readyState === WebSocket.OPEN;
  }

  /** Drops the bot's connection as a network failure would. */
  dropConnection(botId: string): void {
    this.active.get(botId)?.terminate();
    this.active.delete(botId);
  }

  // ---- the long connection ----

  private accept(ws: WebSocket): void {
    let botId: string | null = null;
    ws.on('message', (data) => {
      let frame: Frame;
      try {
        frame = JSON.parse(data.toString()) as Frame;
      } catch {
        return;
      }
      this.frames.push({ botId, frame, at: Date.now() });
      const reqId = frame.headers?.req_id ?? '';
      const ack = (errcode = 0, errmsg = 'ok') => {
        if (ws.readyState === WebSocket.OPEN)
          ws.send(JSON.stringify({ headers: { req_id: reqId }, errcode, errmsg }));
      };
      if (frame.cmd === 'aibot_subscribe') {
        const id = String(frame.body?.bot_id ?? '');
        const ok = Boolean(this.opts.bots?.[id]) && this.opts.bots?.[id] === frame.body?.secret;
        this.subscribes.push({ botId: id, at: Date.now(), ok });
        if (!ok) return ack(ERR.badCredential, 'invalid credential: bot_id or secret');
        const old = this.active.get(id);
        if (old && old !== ws && old.readyState === WebSocket.OPEN) {
          // Only one connection per bot: the old one hears disconnected_event, then is closed.
          old.send(JSON.stringify(this.eventFrame(id, { eventtype: 'disconnected_event' }, 'single', 'sys')));
          setTimeout(() => old.close(1000, 'replaced by a new connection'), 50);
        }
        botId = id;
        this.active.set(id, ws);
        return ack();
      }
      if (!botId || this.active.get(botId) !== ws) return; // not subscribed (or replaced): ignored
      if (this.withhold.has(frame.cmd ?? '')) return;
      if (frame.cmd === 'ping') return ack();
      const [code, msg] = this.handleBotFrame(botId, frame);
      ack(code, msg);
    });
    ws.on('close', () => {
      if (botId && this.active.get(botId) === ws) this.active.delete(botId);
    });
  }

  private handleBotFrame(botId: string, frame: Frame): [number, string] {
    const reqId = frame.headers?.req_id ?? '';
    const body = frame.body ?? {};
    const cb = this.callbacks.get(reqId);
    const now = Date.now();
    switch (frame.cmd) {
      case 'aibot_respond_msg': {
        if (!cb || cb.botId !== botId || cb.kind !== 'msg') return [ERR.invalidReqId, 'invalid req_id'];
        if (now - cb.at > 24 * 3600_000) return [ERR.invalidReqId, 'req_id expired'];
        const streamId = body.stream?.id;
        const refresh = body.msgtype === 'stream' && cb.answered === `stream:${streamId}` && !cb.streamDone;
        if (cb.answered && !refresh) return [ERR.invalidReqId, 'this message was already answered'];
        if (body.msgtype === 'stream') {
          if (typeof streamId !== 'string' || !streamId) return [ERR.invalidParam, 'stream.id required'];
          if (Buffer.byteLength(String(body.stream.content ?? '')) > 20480)
            return [ERR.tooLong, 'content too long'];
        } else if (body.msgtype === 'template_card') {
          const p = cardProblem(body.template_card);
          if (p) return [ERR.invalidParam, p];
          if (this.taskIds.has(`${botId}|${body.template_card.task_id}`))
            return [ERR.invalidParam, 'task_id duplicated'];
        } else if (body.msgtype !== 'markdown') return [ERR.invalidMsgtype, 'invalid msgtype'];
        if (!refresh && !this.quota.take(`${botId}|${cb.conv}`, this.limits))
          return [ERR.quota, 'api freq out of limit'];
        cb.answered = body.msgtype === 'stream' ? `stream:${streamId}` : body.msgtype;
        if (body.msgtype === 'stream') cb.streamDone = Boolean(body.stream.finish);
        if (body.msgtype === 'template_card') this.keepCard(botId, body.template_card);
        this.sent.push({ via: 'respond', botId, conv: cb.conv, body, at: now, reqId });
        return [0, 'ok'];
      }
      case 'aibot_respond_update_msg': {
        if (!cb || cb.botId !== botId || cb.kind !== 'event') return [ERR.invalidReqId, 'invalid req_id'];
        if (now - cb.at > (this.opts.updateWindowMs ?? 5000))
          return [ERR.invalidReqId, 'req_id expired (5 s)'];
        if (cb.answered) return [ERR.invalidReqId, 'this event was already answered'];
        if (body.response_type !== 'update_template_card') return [ERR.invalidParam, 'invalid response_type'];
        const p = cardProblem(body.template_card, cb.taskId);
        if (p) return [ERR.invalidParam, p];
        cb.answered = 'update';
        this.cards.set(`${botId}|${cb.taskId}`, body.template_card);
        this.sent.push({ via: 'update', botId, conv: cb.conv, body, at: now, reqId });
        return [0, 'ok'];
      }
      case 'aibot_send_msg': {
        const conv = body.chatid;
        if (typeof conv !== 'string' || !conv) return [ERR.invalidParam, 'chatid required'];
        if (!['markdown', 'template_card', 'file', 'image', 'voice', 'video'].includes(body.msgtype))
          return [ERR.invalidMsgtype, 'invalid msgtype'];
        // Pushes need a conversation someone started with the bot (WeCom's code for this is not published).
        if (!this.conversations.has(`${botId}|${conv}`))
          return [ERR.invalidParam, 'no conversation with the bot here yet'];
        if (body.msgtype === 'markdown' && Buffer.byteLength(String(body.markdown?.content ?? '')) > 20480)
          return [ERR.tooLong, 'content too long'];
        if (body.msgtype === 'template_card') {
          const p = cardProblem(body.template_card);
          if (p) return [ERR.invalidParam, p];
          if (this.taskIds.has(`${botId}|${body.template_card.task_id}`))
            return [ERR.invalidParam, 'task_id duplicated'];
        }
        if (!this.quota.take(`${botId}|${conv}`, this.limits)) return [ERR.quota, 'api freq out of limit'];
        if (body.msgtype === 'template_card') this.keepCard(botId, body.template_card);
        this.sent.push({ via: 'push', botId, conv, body, at: now });
        return [0, 'ok'];
      }
      default:
        return [ERR.invalidParam, `unknown cmd ${String(frame.cmd)}`];
    }
  }

  private keepCard(botId: string, card: Json): void {
    if (card.task_id) {
      this.taskIds.add(`${botId}|${card.task_id}`);
      this.cards.set(`${botId}|${card.task_id}`, card);
    }
  }

  private reqId(kind: string): string {
    return `REQ_${kind}_${++this.n}_${randomBytes(3).toString('hex')}`;
  }

  private eventFrame(
    botId: string,
    event: Json,
    chattype: 'single' | 'group',
    userid: string,
    chatid?: string,
  ) {
    return {
      cmd: 'aibot_event_callback',
      headers: { req_id: this.reqId('EVT') },
      body: {
        msgid: `evt_${++this.n}`,
        create_time: Math.floor(Date.now() / 1000),
        aibotid: botId,
        ...(chatid ? { chatid } : {}),
        chattype,
        from: { userid },
        msgtype: 'event',
        event,
      },
    };
  }

  private push(botId: string, frame: Frame, cb?: Omit<Callback, 'reqId' | 'botId' | 'at'>): string {
    const ws = this.active.get(botId);
    if (!ws || ws.readyState !== WebSocket.OPEN) throw new Error(`bot ${botId} is not connected`);
    const reqId = frame.headers!.req_id!;
    if (cb) this.callbacks.set(reqId, { ...cb, reqId, botId, at: Date.now() });
    this.delivered.set(reqId, frame);
    ws.send(JSON.stringify(frame));
    return reqId;
  }

  /** A person types to the bot: in a group (`chatid`), with the bot's @mention first, or 1:1. */
  text(botId: string, m: { userid: string; content: string; chatid?: string; msgid?: string }): string {
    const chattype = m.chatid ? 'group' : 'single';
    const conv = m.chatid ?? m.userid;
    this.conversations.add(`${botId}|${conv}`);
    const body = {
      msgid: m.msgid ?? `msg_${++this.n}`,
      aibotid: botId,
      ...(m.chatid ? { chatid: m.chatid } : {}),
      chattype,
      from: { userid: m.userid },
      msgtype: 'text',
      text: { content: m.content },
    };
    return this.push(
      botId,
      { cmd: 'aibot_msg_callback', headers: { req_id: this.reqId('MSG') }, body },
      { kind: 'msg', conv },
    );
  }

  /** A person presses a button: the nested payload WeCom sends (or the SDK-typed flat one). */
  click(
    botId: string,
    c: { userid: string; taskId: string; key: string; chatid?: string; msgid?: string; flat?: boolean },
  ): string {
    const chattype = c.chatid ? 'group' : 'single';
    const event = c.flat
      ? { eventtype: 'template_card_event', event_key: c.key, task_id: c.taskId }
      : {
          eventtype: 'template_card_event',
          template_card_event: { card_type: 'button_interaction', event_key: c.key, task_id: c.taskId },
        };
    const frame = this.eventFrame(botId, event, chattype, c.userid, c.chatid);
    if (c.msgid) frame.body.msgid = c.msgid;
    return this.push(botId, frame, { kind: 'event', conv: c.chatid ?? c.userid, taskId: c.taskId });
  }

  /** Sends anything, e.g. malformed frames. */
  raw(botId: string, data: string): void {
    const ws = this.active.get(botId);
    if (!ws) throw new Error(`bot ${botId} is not connected`);
    ws.send(data);
  }

  /** Re-sends a recorded callback frame with the same req_id and msgid (WeCom redelivers). */
  redeliver(botId: string, frame: Frame): void {
    this.raw(botId, JSON.stringify(frame));
  }

  lastCallbackFrame(reqId: string): Frame | undefined {
    return this.delivered.get(reqId);
  }
  private readonly delivered = new Map<string, Frame>();

  card(botId: string, taskId: string): Json | undefined {
    return this.cards.get(`${botId}|${taskId}`);
  }

  /** Marks a conversation as started (as if someone had messaged the bot there before). */
  openConversation(botId: string, conv: string): void {
    this.conversations.add(`${botId}|${conv}`);
  }

  // ---- qyapi: app messages, tokens, group robots ----

  expireTokens(): void {
    for (const t of this.tokens.keys()) this.tokens.set(t, 0);
  }

  /** A response_code as WeCom puts in a click callback (usable once on update_template_card). */
  issueResponseCode(taskId: string): string {
    const code = `rc_${randomBytes(6).toString('hex')}`;
    this.responseCodes.set(code, { taskId, used: false });
    return code;
  }

  private async api(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const reply = (json: Json) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    };
    const err = (errcode: number, errmsg: string) => reply({ errcode, errmsg });
    let body: Json = {};
    if (req.method === 'POST') {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      } catch {
        return err(47001, 'data format error');
      }
    }
    const now = Date.now();
    if (url.pathname === '/cgi-bin/gettoken') {
      this.tokenCalls++;
      const corp = this.opts.corp;
      if (!corp || url.searchParams.get('corpid') !== corp.corpId)
        return err(ERR.invalidCorp, 'invalid corpid');
      if (url.searchParams.get('corpsecret') !== corp.secret)
        return err(ERR.badCredential, 'invalid credential');
      const token = `tok_${randomBytes(8).toString('hex')}`;
      this.tokens.set(token, now + 7200_000);
      return reply({ errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 });
    }
    if (url.pathname === '/cgi-bin/webhook/send') {
      const key = url.searchParams.get('key') ?? '';
      if (!this.webhookKeys.has(key)) return err(ERR.webhookKey, 'invalid webhook url');
      const types = ['text', 'markdown', 'markdown_v2', 'image', 'news', 'file', 'voice', 'template_card'];
      if (!types.includes(body.msgtype)) return err(ERR.invalidMsgtype, 'invalid msgtype');
      if (
        body.msgtype === 'template_card' &&
        !['text_notice', 'news_notice'].includes(body.template_card?.card_type)
      )
        return err(ERR.invalidParam, 'webhook cards are text_notice or news_notice only');
      if (body.msgtype === 'markdown' && Buffer.byteLength(String(body.markdown?.content ?? '')) > 4096)
        return err(ERR.tooLong, 'markdown.content exceed max length 4096');
      if (!this.quota.take(`webhook|${key}`, [[60_000, this.opts.webhookPerMinute ?? 20]]))
        return err(ERR.quota, 'api freq out of limit');
      this.sent.push({ via: 'webhook', conv: key, body, at: now });
      return reply({ errcode: 0, errmsg: 'ok' });
    }
    const token = url.searchParams.get('access_token') ?? '';
    const until = this.tokens.get(token);
    if (until === undefined) return err(ERR.invalidToken, 'invalid access_token');
    if (until < now) return err(ERR.expiredToken, 'access_token expired');
    const corp = this.opts.corp!;
    if (url.pathname === '/cgi-bin/department/list' || url.pathname === '/cgi-bin/user/list') {
      if (req.method !== 'GET') return err(ERR.invalidParam, 'http method must be GET');
      const query = Object.fromEntries([...url.searchParams].filter(([k]) => k !== 'access_token'));
      this.contactCalls.push({ path: url.pathname, query, at: now });
      const hinted = (code: number, msg: string) =>
        err(
          code,
          `${msg}, hint: [${Math.floor(now / 1000)}_${randomBytes(4).toString('hex')}], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=${code}`,
        );
      if (!this.trustedIp) return hinted(60020, 'not allow to access from your ip');
      const busy = this.busy.get(url.pathname) ?? 0;
      if (busy > 0) {
        this.busy.set(url.pathname, busy - 1);
        return hinted(ERR.quota, 'api freq out of limit');
      }
      return url.pathname === '/cgi-bin/department/list'
        ? this.departmentList(url, reply, hinted)
        : this.userList(url, reply, hinted);
    }
    if (url.pathname === '/cgi-bin/message/send') {
      if (body.agentid !== corp.agentId) return err(ERR.invalidAgent, 'invalid agentid');
      if (typeof body.touser !== 'string' || !body.touser) return err(40031, 'invalid user list');
      let code: string | undefined;
      if (body.msgtype === 'text') {
        if (!body.text?.content) return err(44004, 'empty content');
        if (Buffer.byteLength(body.text.content) > 2048) return err(ERR.tooLong, 'content exceed max length');
      } else if (body.msgtype === 'template_card') {
        const p = cardProblem(body.template_card);
        if (p) return err(ERR.invalidParam, p);
        if (this.taskIds.has(`app|${body.template_card.task_id}`))
          return err(ERR.invalidParam, 'task_id duplicated');
      } else if (body.msgtype !== 'markdown') return err(ERR.invalidMsgtype, 'invalid msgtype');
      if (!this.quota.take(`app|${body.touser}`, [[60_000, this.opts.appPerMinute ?? 30]]))
        return err(ERR.quota, 'api freq out of limit');
      if (body.msgtype === 'template_card') {
        this.taskIds.add(`app|${body.template_card.task_id}`);
        this.cards.set(`app|${body.template_card.task_id}`, body.template_card);
        if (body.template_card.card_type !== 'text_notice')
          code = this.issueResponseCode(body.template_card.task_id);
      }
      this.sent.push({ via: 'app', conv: body.touser, body, at: now });
      return reply({
        errcode: 0,
        errmsg: 'ok',
        invaliduser: '',
        msgid: `m${++this.n}`,
        ...(code ? { response_code: code } : {}),
      });
    }
    if (url.pathname === '/cgi-bin/message/update_template_card') {
      if (body.agentid !== corp.agentId) return err(ERR.invalidAgent, 'invalid agentid');
      const rc = this.responseCodes.get(body.response_code);
      if (!rc || rc.used) return err(ERR.invalidParam, 'invalid response_code');
      const p = cardProblem(body.template_card, rc.taskId);
      if (p) return err(ERR.invalidParam, p);
      rc.used = true;
      this.cards.set(`app|${rc.taskId}`, body.template_card);
      this.sent.push({ via: 'app-update', conv: (body.userids ?? []).join(','), body, at: now });
      return reply({ errcode: 0, errmsg: 'ok', invaliduser: [] });
    }
    return err(404, 'not found');
  }

  // ---- the contact directory (self-built app) ----

  /** The next `n` calls to `path` (e.g. /cgi-bin/user/list) answer 45009. */
  throttleNext(path: string, n: number): void {
    this.busy.set(path, (this.busy.get(path) ?? 0) + n);
  }

  addDepartment(id: number, name: string, parentid = 1): number {
    this.departments.set(id, { name, parentid });
    return id;
  }

  addMember(m: DirectoryMember): DirectoryMember {
    this.members.set(m.userid, m);
    return m;
  }

  /** Whether the app's visible range covers the department (it or one above it is in range). */
  private sees(id: number): boolean {
    for (let d: number | undefined = id; d; d = this.departments.get(d)?.parentid)
      if (this.visible.has(d)) return true;
    return false;
  }

  private departmentList(url: URL, reply: (j: Json) => void, hinted: (c: number, m: string) => void) {
    const raw = url.searchParams.get('id');
    const id = raw === null || raw === '' ? undefined : Number(raw);
    if (id !== undefined && !this.departments.has(id)) return hinted(60123, 'invalid party id');
    if (id !== undefined && !this.sees(id))
      return hinted(60011, 'no privilege to access/modify contact/party/agent ');
    if (this.visible.size === 0) return hinted(60011, 'no privilege to access/modify contact/party/agent ');
    const under = (d: number): boolean => {
      for (let x: number | undefined = d; x; x = this.departments.get(x)?.parentid) if (x === id) return true;
      return false;
    };
    const department = [...this.departments.entries()]
      .filter(([d]) => this.sees(d) && (id === undefined || under(d)))
      .map(([d, v], order) => ({ id: d, name: v.name, parentid: v.parentid, order: 100_000_000 - order }));
    reply({ errcode: 0, errmsg: 'ok', department });
  }

  private userList(url: URL, reply: (j: Json) => void, hinted: (c: number, m: string) => void) {
    const raw = url.searchParams.get('department_id') ?? '';
    if (!/^\d+$/.test(raw)) return hinted(40066, 'invalid party list');
    const id = Number(raw);
    if (!this.departments.has(id)) return hinted(60123, 'invalid party id');
    if (!this.sees(id)) return hinted(60011, 'no privilege to access/modify contact/party/agent ');
    const userlist = [...this.members.values()]
      .filter((m) => m.department.includes(id))
      .map((m) => ({
        userid: m.userid,
        name: m.name,
        department: m.department,
        order: m.department.map(() => 0),
        position: m.position ?? '',
        ...(m.email ? { email: m.email } : {}),
        ...(m.biz_mail ? { biz_mail: m.biz_mail } : {}),
        is_leader_in_dept: m.department.map(() => 0),
        status: m.status ?? 1,
        main_department: m.main_department ?? m.department[0],
      }));
    reply({ errcode: 0, errmsg: 'ok', userlist });
  }
}

/** Polls until `check` returns something truthy. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  ms = 8000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
