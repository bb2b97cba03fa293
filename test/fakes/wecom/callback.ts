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

export class CallbackClient {
  private n = 0;
  constructor(readonly s: CallbackSettings) {}

  private signed(encrypted: string, token = this.s.token) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(5).toString('hex');
    return { timestamp, nonce, msg_signature: getSignature(token, timestamp, nonce, encrypted) };
  }

  /** The GET WeCom makes when the URL is saved: answers the decrypted echostr. */
  async verify(echo: string, opts: { token?: string; receiveId?: string } = {}): Promise<Response> {
    const echostr = encrypt(this.s.encodingAESKey, echo, opts.receiveId ?? this.s.corpId);
    const q = new URLSearchParams({ ...this.signed(echostr, opts.token), echostr });
    return fetch(`${this.s.url}?${q}`);
  }

  /** POSTs one encrypted message (the inner XML), as WeCom does. */
  async post(inner: string, opts: { token?: string; receiveId?: string } = {}): Promise<Response> {
    const enc = encrypt(this.s.encodingAESKey, inner, opts.receiveId ?? this.s.corpId);
    const q = new URLSearchParams(this.signed(enc, opts.token));
    const body = `<xml><ToUserName><![CDATA[${this.s.corpId}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt><AgentID><![CDATA[${this.s.agentId}]]></AgentID></xml>`;
    return fetch(`${this.s.url}?${q}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
  }

  textXml(user: string, content: string, msgId = `${Date.now()}${++this.n}`): string {
    return `<xml><ToUserName><![CDATA[${this.s.corpId}]]></ToUserName><FromUserName><![CDATA[${user}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId><AgentID>${this.s.agentId}</AgentID></xml>`;
  }

  clickXml(user: string, key: string, taskId: string, responseCode: string): string {
    return `<xml><ToUserName><![CDATA[${this.s.corpId}]]></ToUserName><FromUserName><![CDATA[${user}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[${key}]]></EventKey><TaskId><![CDATA[${taskId}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[${responseCode}]]></ResponseCode><AgentID>${this.s.agentId}</AgentID></xml>`;
  }
}
