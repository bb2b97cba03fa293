// Slack's HTTP requests on the shared port: POST /slack/events (slash commands, interactivity and events all
// arrive there). The signature is checked with Bolt's own verifier before anything is parsed; the parsed body
// is handed to the Bolt app (app.processEvent), and the HTTP answer is whatever the listener acks — at once,
// so Slack's 3-second limit is always met while the work continues. Listeners record what they ack first
// (the inbound journal), so the work is not lost with the process.
import { type App, isValidSlackRequest, type Receiver, type ReceiverEvent } from '@slack/bolt';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';

/** Bolt needs a receiver object; ours does nothing on its own: the Hono route below feeds the app. */
export const sharedPortReceiver: Receiver = {
  init() {},
  start: async () => {},
  stop: async () => {},
};

const FORM = 'application/x-www-form-urlencoded';
const ACK_TIMEOUT_MS = 2800;
const MAX_SKEW_S = 300;
/**
 * Slack's largest bodies are view submissions (the whole modal and its values; ours stay well under
 * 200 KB) and events (a message is at most 40,000 characters). Anything larger is refused before it is
 * read whole: by its Content-Length, or by counting as it streams in.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

export function slackRoutes(opts: { app: App; signingSecret: string; log: Logger; path?: string }): Hono {
  const { app, signingSecret, log } = opts;
  const routes = new Hono();
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.text('too large', 413) });
  routes.post(opts.path ?? '/slack/events', limit, async (c) => {
    const raw = await c.req.text();
    const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const signature = c.req.header('x-slack-signature') ?? '';
    const ts = Number(c.req.header('x-slack-request-timestamp'));
    // Slack's ssl_check carries no signature and needs no work.
    if (contentType === FORM && new URLSearchParams(raw).get('ssl_check') === '1') return c.body(null, 200);
    // Bolt rejects stale timestamps but accepts future ones; Slack's own SDKs refuse both directions.
    const skewOk = Number.isFinite(ts) && Math.abs(Date.now() / 1000 - ts) <= MAX_SKEW_S;
    if (
      !skewOk ||
      !isValidSlackRequest({
        signingSecret,
        body: raw,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts },
      })
    ) {
      log.warn(
        { ip: c.req.header('x-forwarded-for') },
        'Slack request with a bad or stale signature refused',
      );
      return c.text('invalid signature', 401);
    }
    let body: Record<string, unknown>;
    try {
      if (contentType === FORM) {
        const form = Object.fromEntries(new URLSearchParams(raw));
        body =
          typeof form.payload === 'string' ? (JSON.parse(form.payload) as Record<string, unknown>) : form;
      } else body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return c.text('unreadable body', 400);
    }
    if (body.type === 'url_verification') return c.json({ challenge: body.challenge });

    let settle!: (response: unknown) => void;
    const acked = new Promise<{ response: unknown }>((resolve) => {
      settle = (response) => resolve({ response });
    });
    let ackCount = 0;
    const retryNum = Number(c.req.header('x-slack-retry-num'));
    const event: ReceiverEvent = {
      body,
      ack: async (response?: unknown) => {
        if (ackCount++ > 0) return;
        settle(response);
      },
      ...(Number.isInteger(retryNum) && retryNum > 0 ? { retryNum } : {}),
      ...(c.req.header('x-slack-retry-reason') ? { retryReason: c.req.header('x-slack-retry-reason')! } : {}),
    };
    const done = app
      .processEvent(event)
      .then(() => ({ response: undefined, unacked: ackCount === 0 }))
      .catch((err) => {
        log.error({ err }, 'Slack request failed');
        return { response: undefined, unacked: ackCount === 0 };
      });
    const timeout = new Promise<{ response: unknown; late: true }>((resolve) =>
      setTimeout(() => resolve({ response: undefined, late: true }), ACK_TIMEOUT_MS).unref(),
    );
    const first = await Promise.race([acked, done, timeout]);
    if ('late' in first) log.error({ type: body.type }, 'Slack request not acknowledged in time');
    // Nothing acked it (it could not even be recorded): not a 200, so Slack shows an error or retries.
    if ('unacked' in first && first.unacked) return c.text('not handled', 500);
    const response = first.response;
    if (response === undefined || response === null || response === '') return c.body(null, 200);
    if (typeof response === 'string') return c.text(response, 200);
    return c.json(response as Record<string, unknown>, 200);
  });
  return routes;
}
