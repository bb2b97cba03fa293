// WeCom's side of the app callback: it signs and encrypts with @wecom/crypto (an implementation
// independent of the adapter's) and calls the URL as WeCom does.
import { randomBytes } from 'node:crypto';
import { encrypt, getSignature } from '@wecom/crypto';

export type CallbackSettings = {
  url: string;
  token: string;
  encodingAESKey: string;
  corpId: string;
  agentId: number;
};

export type PostOptions = {
  token?: string;
  receiveId?: string;
  /** Unix seconds the request is signed with; default now. */
  timestamp?: number;
};

export class CallbackClient {
  private n = 0;
  constructor(readonly s: CallbackSettings) {}

  private signed(encrypted: string, token = this.s.token, at?: number) {
    const timestamp = String(at ?? Math.floor(Date.now() / 1000));
    const nonce = randomBytes(5).toString('hex');
    return { timestamp, nonce, msg_signature: getSignature(token, timestamp, nonce, encrypted) };
  }

  /** The GET WeCom makes when the URL is saved: answers the decrypted echostr. */
  async verify(echo: string, opts: { token?: string; receiveId?: string } = {}): Promise<Response> {
    const echostr = encrypt(this.s.encodingAESKey, echo, opts.receiveId ?? this.s.corpId);
    const q = new URLSearchParams({ ...this.signed(echostr, opts.token), echostr });
    return fetch(`${this.s.url}?${q}`);
  }

  /** The signed URL and envelope of one encrypted message (the inner XML), to send once or again. */
  request(inner: string, opts: PostOptions = {}): { url: string; body: string } {
    const enc = encrypt(this.s.encodingAESKey, inner, opts.receiveId ?? this.s.corpId);
    const q = new URLSearchParams(this.signed(enc, opts.token, opts.timestamp));
    const body = `<xml><ToUserName><![CDATA[${this.s.corpId}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt><AgentID><![CDATA[${this.s.agentId}]]></AgentID></xml>`;
    return { url: `${this.s.url}?${q}`, body };
  }

  /** POSTs a request as WeCom does (a retry or a replay sends the same one again). */
  send(req: { url: string; body: string }): Promise<Response> {
    return fetch(req.url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: req.body });
  }

  /** POSTs one encrypted message (the inner XML), as WeCom does. */
  post(inner: string, opts: PostOptions = {}): Promise<Response> {
    return this.send(this.request(inner, opts));
  }

  /** A text message; msgId null leaves the MsgId out (some WeCom callbacks carry none). */
  textXml(user: string, content: string, msgId: string | null = `${Date.now()}${++this.n}`): string {
    const id = msgId === null ? '' : `<MsgId>${msgId}</MsgId>`;
    return `<xml><ToUserName><![CDATA[${this.s.corpId}]]></ToUserName><FromUserName><![CDATA[${user}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content>${id}<AgentID>${this.s.agentId}</AgentID></xml>`;
  }

  clickXml(user: string, key: string, taskId: string, responseCode: string): string {
    return `<xml><ToUserName><![CDATA[${this.s.corpId}]]></ToUserName><FromUserName><![CDATA[${user}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[${key}]]></EventKey><TaskId><![CDATA[${taskId}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[${responseCode}]]></ResponseCode><AgentID>${this.s.agentId}</AgentID></xml>`;
  }
}
