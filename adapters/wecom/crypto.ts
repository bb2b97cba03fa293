// WeCom's callback crypto (加解密方案), written from the published scheme; tests check it against
// vectors made with @wecom/crypto. Signature: sha1 of the sorted [token, timestamp, nonce, encrypt].
// Body: AES-256-CBC, key = base64(EncodingAESKey + "="), IV = key[0..16], PKCS#7 padded to 32 bytes;
// plaintext = random(16) ‖ length (uint32 BE) ‖ message ‖ receiveid.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export class CallbackCryptoError extends Error {}

export function aesKeyOf(encodingAESKey: string): Buffer {
  const key = Buffer.from(`${encodingAESKey}=`, 'base64');
  if (encodingAESKey.length !== 43 || key.length !== 32)
    throw new CallbackCryptoError('invalid EncodingAESKey');
  return key;
}

export function signature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypted].sort().join('')).digest('hex');
}

export function signatureMatches(
  given: string,
  token: string,
  timestamp: string,
  nonce: string,
  encrypted: string,
): boolean {
  const want = Buffer.from(signature(token, timestamp, nonce, encrypted));
  const got = Buffer.from(given.toLowerCase());
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Decrypts and checks the padding and the receive id ('' for intelligent bots, the corp id for apps). */
export function decryptMessage(encodingAESKey: string, encrypted: string, receiveId: string): string {
  const key = aesKeyOf(encodingAESKey);
  const data = Buffer.from(encrypted, 'base64');
  if (data.length === 0 || data.length % 32 !== 0) throw new CallbackCryptoError('bad ciphertext length');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(data), decipher.final()]);
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > 32 || pad > plain.length) throw new CallbackCryptoError('bad padding');
  for (let i = plain.length - pad; i < plain.length; i++)
    if (plain[i] !== pad) throw new CallbackCryptoError('bad padding');
  const body = plain.subarray(0, plain.length - pad);
  if (body.length < 20) throw new CallbackCryptoError('too short');
  const len = body.readUInt32BE(16);
  if (20 + len > body.length) throw new CallbackCryptoError('bad length');
  const message = body.subarray(20, 20 + len).toString('utf8');
  const id = body.subarray(20 + len).toString('utf8');
  if (id !== receiveId) throw new CallbackCryptoError('receive id does not match');
  return message;
}

export function encryptMessage(
  encodingAESKey: string,
  message: string,
  receiveId: string,
  random = randomBytes(16),
): string {
  const key = aesKeyOf(encodingAESKey);
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length, 0);
  const body = Buffer.concat([random, len, msg, Buffer.from(receiveId, 'utf8')]);
  const pad = 32 - (body.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([body, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString('base64');
}
