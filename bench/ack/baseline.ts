// The baseline of `npm run bench:ack`: an empty handler behind the same SDK the adapter uses, in a process of
// its own, fed by the same platform fake and the same load generator. It acknowledges each delivery the way
// the SDK does it (Bolt's HTTP receiver answers 200; the DingTalk stream client sends the ACK frame; the
// Feishu WSClient answers the event frame once the handler returns; the WeCom robot has no ack but its reply
// on the callback's req_id), then sends one fixed reply through the same way back as the adapter does
// (response_url, sessionWebhook, the stream reply, im.message.create), never retried, so the reply column has
// a floor too. It keeps nothing and dedupes nothing: a redelivery is answered again (what the bench counts).
//
// Settings come from the environment (BENCH_PLATFORM plus the platform's own settings, as the app reads them);
// it prints `ready <url>` once it can take deliveries.
import { createServer } from 'node:net';
import * as lark from '@larksuiteoapi/node-sdk';
import { App, LogLevel } from '@slack/bolt';
import { WSClient } from '@wecom/aibot-node-sdk';
import { DWClient, TOPIC_ROBOT } from 'dingtalk-stream';

const env = process.env;
const platform = env.BENCH_PLATFORM;
const say = (line: string) => process.stdout.write(`${line}\n`);
const quiet = { info() {}, debug() {}, warn() {}, error() {}, trace() {} };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const post = (url: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(
    (r) => r.arrayBuffer(),
    () => {},
  );

if (platform === 'slack') {
  const port = await freePort();
  const app = new App({
    token: env.SLACK_BOT_TOKEN!,
    signingSecret: env.SLACK_SIGNING_SECRET!,
    clientOptions: { slackApiUrl: env.SLACK_API_URL! },
    logLevel: LogLevel.ERROR,
  });
  app.command(/.*/, async ({ ack, body }) => {
    await ack();
    void post(body.response_url, { response_type: 'ephemeral', text: `ok: ${body.text}` });
  });
  await app.start(port);
  say(`ready http://127.0.0.1:${port}/slack/events`);
} else if (platform === 'dingtalk') {
  // The SDK's gateway address is a module constant: asked of the fake instead, as adapters/dingtalk does.
  class Client extends DWClient {
    override async getEndpoint(): Promise<this> {
      const res = await fetch(env.DINGTALK_GATEWAY_URL!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          clientId: this.config.clientId,
          clientSecret: this.config.clientSecret,
          ua: 'bench-baseline',
          subscriptions: this.config.subscriptions,
        }),
      });
      const body = (await res.json()) as { endpoint: string; ticket: string };
      (this as unknown as { dw_url: string }).dw_url = `${body.endpoint}?ticket=${body.ticket}`;
      return this;
    }
  }
  const client = new Client({
    clientId: env.DINGTALK_CLIENT_ID!,
    clientSecret: env.DINGTALK_CLIENT_SECRET!,
    keepAlive: true,
    debug: false,
  });
  client.registerCallbackListener(TOPIC_ROBOT, (frame) => {
    client.socketCallBackResponse(frame.headers.messageId, null);
    const m = JSON.parse(frame.data) as { sessionWebhook: string; text?: { content: string } };
    void post(m.sessionWebhook, { msgtype: 'text', text: { content: `ok: ${m.text?.content ?? ''}` } });
  });
  const info = console.info;
  console.info = () => {}; // the SDK's "connect success"
  await client.connect();
  console.info = info;
  say('ready');
} else if (platform === 'wecom') {
  const client = new WSClient({
    botId: env.WECOM_BOT_ID!,
    secret: env.WECOM_BOT_SECRET!,
    wsUrl: env.WECOM_WS_URL!,
    logger: quiet,
  });
  let n = 0;
  client.on('message', (frame) => {
    const text = (frame.body as { text?: { content?: string } } | undefined)?.text?.content ?? '';
    client.replyStream(frame, `s_${process.pid}_${++n}`, `ok: ${text}`, true).catch(() => {});
  });
  client.on('authenticated', () => say('ready'));
  client.connect();
} else if (platform === 'feishu') {
  const config = { appId: env.FEISHU_APP_ID!, appSecret: env.FEISHU_APP_SECRET!, domain: env.FEISHU_DOMAIN! };
  const api = new lark.Client({ ...config, logger: quiet, loggerLevel: lark.LoggerLevel.error });
  const dispatcher = new lark.EventDispatcher({
    logger: quiet,
    loggerLevel: lark.LoggerLevel.error,
  }).register({
    'im.message.receive_v1': async (d) => {
      const text = (JSON.parse(d.message.content) as { text?: string }).text ?? '';
      void api.im.message
        .create({
          params: { receive_id_type: 'chat_id' },
          data: {
            receive_id: d.message.chat_id,
            msg_type: 'text',
            content: JSON.stringify({ text: `ok: ${text}` }),
          },
        })
        .catch(() => {});
    },
  });
  const ws = new lark.WSClient({ ...config, logger: quiet, loggerLevel: lark.LoggerLevel.error });
  await ws.start({ eventDispatcher: dispatcher });
  say('ready');
} else {
  throw new Error(`BENCH_PLATFORM: ${platform}?`);
}

process.on('SIGTERM', () => process.exit(0));
