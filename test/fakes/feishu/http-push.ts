// Event delivery over HTTP ("将事件发送至开发者服务器"), as Feishu sends it when an app has no long connection:
// with an Encrypt Key the body is {"encrypt": base64(iv ‖ AES-256-CBC(sha256(key), PKCS#7))} and the request is
// signed: X-Lark-Signature = hex sha256(timestamp + nonce + encryptKey + body), with X-Lark-Request-Timestamp
// and X-Lark-Request-Nonce beside it. The SDK checks exactly this (RequestHandle.checkIsEventValidated,
// AESCipher.decrypt in @larksuiteoapi/node-sdk 1.74). The Verification Token travels inside the event
// (header.token for schema 2.0, token for url_verification) and is the receiver's to check.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';

export function encryptBody(encryptKey: string, plain: string): string {
  const key = createHash('sha256').update(encryptKey).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
}

export function signature(timestamp: string, nonce: string, encryptKey: string, body: string): string {
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey + body)
    .digest('hex');
}

export type PushResult = { status: number; body: unknown; raw: string };

/**
 * POSTs one event the way Feishu does; the body is encrypted and signed when an Encrypt Key is set.
 * `signWith` signs with another key (a forged request: encrypted right, signed wrong); `timestampS` signs
 * another time (a request recorded and played again later).
 */
export async function pushEvent(
  url: string,
  event: unknown,
  encryptKey?: string,
  signWith = encryptKey,
  /** The X-Lark-Request-Timestamp to sign (seconds); default now. */
  timestampS?: number,
): Promise<PushResult> {
  const plain = JSON.stringify(event);
  const body = encryptKey ? JSON.stringify({ encrypt: encryptBody(encryptKey, plain) }) : plain;
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (encryptKey) {
    const timestamp = String(timestampS ?? Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    headers['x-lark-request-timestamp'] = timestamp;
    headers['x-lark-request-nonce'] = nonce;
    headers['x-lark-signature'] = signature(timestamp, nonce, signWith ?? encryptKey, body);
  }
  const res = await fetch(url, { method: 'POST', headers, body });
  const raw = await res.text();
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {}
  return { status: res.status, body: parsed, raw };
}
