// The Stream-mode connection, on the real dingtalk-stream client (2.1.5), with its traps covered:
// - the gateway URL is a module constant there: getEndpoint() is overridden to use our setting;
// - its subscription list is shared by every client in the process: we give ours its own array;
// - a malformed frame throws out of the ws 'message' handler (an uncaughtException): caught, logged, dropped;
// - CALLBACK frames are not acked by the SDK: every one is acked here, exactly once, also on errors
//   and for topics we do not handle;
// - its reconnect is a fixed 1 s that turns into a storm when the handshake fails, and disconnect() does not
//   stop a pending retry: its own reconnect is off, ours backs off exponentially with full jitter and stops
//   for good on stop().
import { DWClient, type DWClientDownStream, TOPIC_CARD, TOPIC_ROBOT } from 'dingtalk-stream';
import type { Logger } from 'pino';
import type WebSocket from 'ws';
import type { DingTalkSettings } from './config.ts';

export type CallbackHandler = (frame: DWClientDownStream, data: unknown) => Promise<unknown>;

/** What the SDK keeps private but we must reach. */
type Internals = { dw_url?: string; socket?: WebSocket };

class GatewayClient extends DWClient {
  constructor(
    private readonly gatewayUrl: string,
    private readonly onFrame: (raw: string) => void,
    opts: { clientId: string; clientSecret: string },
  ) {
    // Own subscriptions array (the default one is module-wide) and no SDK reconnects.
    super({
      ...opts,
      keepAlive: true,
      debug: false,
      subscriptions: [],
      autoReconnect: false,
    } as ConstructorParameters<typeof DWClient>[0]);
  }

  override async getEndpoint(): Promise<this> {
    const res = await fetch(this.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        clientId: this.config.clientId,
        clientSecret: this.config.clientSecret,
        ua: 'salesrelay',
        subscriptions: this.config.subscriptions,
      }),
    });
    const body = (await res.json().catch(() => ({}))) as {
      endpoint?: string;
      ticket?: string;
      message?: string;
    };
    if (!res.ok || !body.endpoint || !body.ticket)
      throw new Error(`dingtalk gateway refused: ${res.status} ${body.message ?? ''}`.trim());
    (this as unknown as Internals).dw_url = `${body.endpoint}?ticket=${encodeURIComponent(body.ticket)}`;
    return this;
  }

  /** Every downstream frame passes here: a bad one must not escape into the ws event handler. */
  override onDownStream(data: string): void {
    this.onFrame(String(data));
  }

  /** The SDK's own dispatch, for frames we let through. */
  dispatch(raw: string): void {
    super.onDownStream(raw);
  }

  get ws(): WebSocket | undefined {
    return (this as unknown as Internals).socket;
  }
}

export type StreamOptions = {
  settings: DingTalkSettings;
  log: Logger;
  onRobotMessage: CallbackHandler;
  onCardCallback: CallbackHandler;
};

export class StreamConnection {
  private client: GatewayClient | null = null;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private connecting: Promise<void> | null = null;
  /** Connections opened (for health and tests). */
  connections = 0;

  constructor(private readonly opts: StreamOptions) {}

  /** Opens the connection; resolves once connected or once a retry is scheduled. */
  start(): Promise<void> {
    this.stopped = false;
    return this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.connecting?.catch(() => {});
    this.closeClient();
  }

  get connected(): boolean {
    return Boolean(this.client?.connected);
  }

  private closeClient(): void {
    const c = this.client;
    this.client = null;
    if (c) retire(c, 0);
  }

  private connect(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    const { settings, log } = this.opts;
    const client = new GatewayClient(settings.gatewayUrl, (raw) => this.onFrame(client, raw), {
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
    });
    client.registerCallbackListener(
      TOPIC_ROBOT,
      (f) => void this.onCallback(client, f, this.opts.onRobotMessage),
    );
    client.registerCallbackListener(
      TOPIC_CARD,
      (f) => void this.onCallback(client, f, this.opts.onCardCallback),
    );
    try {
      await client.getEndpoint();
      await connectSocket(client);
    } catch (err) {
      client.config.autoReconnect = false;
      client.ws?.terminate();
      log.warn(
        { err: String((err as Error).message ?? err), attempt: this.attempt },
        'dingtalk stream connect failed',
      );
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      client.disconnect();
      return;
    }
    const previous = this.client;
    this.client = client;
    if (previous && previous !== client) retire(previous, 0);
    this.connections++;
    const openedAt = Date.now();
    log.info({ connections: this.connections }, 'dingtalk stream connected');
    client.ws?.on('close', () => {
      retire(client, 0); // stops its heartbeat timer
      if (this.client !== client) return; // replaced on purpose
      this.client = null;
      // A connection that lived a while resets the backoff; one that dropped at once keeps growing it.
      if (Date.now() - openedAt > 30_000) this.attempt = 0;
      log.warn('dingtalk stream closed; reconnecting');
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.timer) return;
    const { reconnectMinMs, reconnectMaxMs } = this.opts.settings;
    const ceiling = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** Math.min(this.attempt, 20));
    // Full jitter, never below the minimum: replicas that lost the same gateway do not return together.
    const wait = reconnectMinMs + Math.random() * Math.max(0, ceiling - reconnectMinMs);
    this.attempt++;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, wait);
    this.timer.unref?.();
  }

  private onFrame(client: GatewayClient, raw: string): void {
    let frame: DWClientDownStream;
    try {
      frame = JSON.parse(raw) as DWClientDownStream;
      if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string' || !frame.headers)
        throw new Error('not a stream frame');
    } catch (err) {
      this.opts.log.warn(
        { err: String((err as Error).message), frame: raw.slice(0, 200) },
        'dingtalk: malformed stream frame dropped',
      );
      return;
    }
    if (frame.type === 'SYSTEM' && frame.headers.topic === 'disconnect') {
      // The gateway will close this socket in ~10 s: open a new connection now, keep this one until then.
      this.opts.log.info({ data: frame.data }, 'dingtalk gateway asked to reconnect');
      this.attempt = 0;
      if (this.client === client) {
        this.client = null;
        // Acks of callbacks in flight still leave through the old socket; it is closed after the 2 s window.
        void this.connect().then(() => retire(client, 3000));
      }
      return;
    }
    if (frame.type === 'CALLBACK' && typeof frame.headers.messageId !== 'string') {
      this.opts.log.warn(
        { topic: frame.headers.topic },
        'dingtalk: CALLBACK frame without messageId dropped',
      );
      return;
    }
    try {
      if (
        frame.type === 'CALLBACK' &&
        frame.headers.topic !== TOPIC_ROBOT &&
        frame.headers.topic !== TOPIC_CARD
      ) {
        client.socketCallBackResponse(frame.headers.messageId, null);
        return;
      }
      client.dispatch(raw);
    } catch (err) {
      this.opts.log.warn({ err, type: frame.type }, 'dingtalk: stream frame could not be handled; dropped');
      if (frame.type === 'CALLBACK') ack(client, frame.headers.messageId, null);
    }
  }

  private async onCallback(client: GatewayClient, frame: DWClientDownStream, handler: CallbackHandler) {
    let response: unknown = null;
    try {
      let data: unknown;
      try {
        data = typeof frame.data === 'string' ? JSON.parse(frame.data) : frame.data;
      } catch {
        this.opts.log.warn(
          { topic: frame.headers.topic },
          'dingtalk: CALLBACK data is not JSON; acked and dropped',
        );
        return;
      }
      response = await handler(frame, data);
    } catch (err) {
      this.opts.log.error({ err, topic: frame.headers.topic }, 'dingtalk: callback handling failed');
    } finally {
      ack(client, frame.headers.messageId, response ?? null);
    }
  }
}

/** Closes a client for good: no SDK reconnect, no heartbeat timer left behind. */
function retire(client: GatewayClient, afterMs: number): void {
  client.config.autoReconnect = false;
  const close = () => {
    try {
      client.disconnect();
    } catch {}
    client.ws?.terminate();
  };
  if (afterMs <= 0) close();
  else setTimeout(close, afterMs).unref?.();
}

function ack(client: GatewayClient, messageId: string, response: unknown): void {
  try {
    client.socketCallBackResponse(messageId, response);
  } catch (err) {
    // The socket may have closed; DingTalk resends unacked callbacks and the core dedupes them.
    void err;
  }
}

/** The SDK's _connect resolves on open; on failure it rejects (and terminates the socket). */
async function connectSocket(client: GatewayClient): Promise<void> {
  await client._connect();
}
