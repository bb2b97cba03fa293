// Sends requests to the app's POST /slack/events exactly as Slack does: the raw body signed with the signing
// secret (v0:timestamp:body, HMAC-SHA256), slash commands as a form, interactivity as a form with one
// `payload` field holding JSON, events as JSON; retries carry X-Slack-Retry-Num.
import { createHmac } from 'node:crypto';

export type SendOptions = {
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Sign with this secret instead (a forger's). */
  secret?: string;
  /** Send this signature as is. */
  signature?: string;
  retryNum?: number;
  retryReason?: string;
};

export type Sent = {
  status: number;
  text: string;
  json?: unknown;
  ms: number;
  raw: string;
  headers: Record<string, string>;
};

export function sign(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export class SlackSigner {
  constructor(
    private readonly eventsUrl: string,
    private readonly secret: string,
  ) {}

  /** A slash command or any form post. */
  form(fields: Record<string, string>, opts: SendOptions = {}): Promise<Sent> {
    return this.send(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', opts);
  }

  /** Interactivity (block_actions, view_submission): `payload=<json>`. */
  interaction(payload: unknown, opts: SendOptions = {}): Promise<Sent> {
    return this.form({ payload: JSON.stringify(payload) }, opts);
  }

  /** Events API (event_callback) as JSON. */
  event(body: unknown, opts: SendOptions = {}): Promise<Sent> {
    return this.send(JSON.stringify(body), 'application/json', opts);
  }

  /** Sends an already-built body again, byte for byte (a redelivery), with a new signature and retry header. */
  async send(raw: string, contentType: string, opts: SendOptions = {}): Promise<Sent> {
    const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': opts.signature ?? sign(opts.secret ?? this.secret, ts, raw),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    };
    if (opts.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(opts.retryNum);
      headers['x-slack-retry-reason'] = opts.retryReason ?? 'http_timeout';
    }
    const started = performance.now();
    const res = await fetch(this.eventsUrl, { method: 'POST', headers, body: raw });
    const text = await res.text();
    const ms = performance.now() - started;
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {}
    return {
      status: res.status,
      text,
      ...(json !== undefined ? { json } : {}),
      ms,
      raw,
      headers: Object.fromEntries(res.headers),
    };
  }
}
