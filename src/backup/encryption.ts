// Backup encryption with BACKUP_KEY: AES-256-GCM through node:crypto, streamed, so a dump of any size is
// never held in memory. An encrypted file is
//   magic "SALESRELAY-ENC1\n" (16 bytes) · key id (8) · IV (12) · ciphertext · GCM tag (16)
// The header is authenticated with the data. The key id (an HMAC of the key, revealing nothing of it) says
// at once whether BACKUP_KEY is the key a file was made with, before anything is decrypted.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { backupKeyBytes, ConfigError } from '../config.ts';
import { BackupFileError } from './manifest.ts';

export const CIPHER = 'aes-256-gcm';
const MAGIC = Buffer.from('SALESRELAY-ENC1\n');
const KEY_ID = 8;
const IV = 12;
const TAG = 16;
const HEADER = MAGIC.length + KEY_ID + IV;

export type BackupKey = { bytes: Buffer; id: string };

/** BACKUP_KEY as a key (the settings validated it), or null when it is not set. */
export function backupKey(value: string | undefined): BackupKey | null {
  if (!value) return null;
  const bytes = backupKeyBytes(value);
  if (!bytes) throw new ConfigError('BACKUP_KEY: not 64 hex characters or base64 of 32 bytes.');
  return {
    bytes,
    id: createHmac('sha256', bytes).update('salesrelay backup key id').digest('hex').slice(0, 16),
  };
}

/** A stream that turns the plain dump into the encrypted file's bytes (header first, tag last). */
export function encryptor(key: BackupKey): Transform {
  const iv = randomBytes(IV);
  const header = Buffer.concat([MAGIC, Buffer.from(key.id, 'hex'), iv]);
  const cipher = createCipheriv(CIPHER, key.bytes, iv);
  cipher.setAAD(header);
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      if (!started) {
        this.push(header);
        started = true;
      }
      done(null, cipher.update(chunk));
    },
    flush(done: TransformCallback) {
      if (!started) this.push(header);
      this.push(cipher.final());
      done(null, cipher.getAuthTag());
    },
  });
}

/** Whether a file starts with the encrypted-backup magic. */
export async function isEncrypted(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(MAGIC.length);
    const { bytesRead } = await fh.read(head, 0, MAGIC.length, 0);
    return bytesRead === MAGIC.length && head.equals(MAGIC);
  } finally {
    await fh.close();
  }
}

/**
 * Decrypts `file` into `target` (streamed). Refuses, writing nothing usable, without a key, with another
 * key (by the key id, before decrypting), or when the tag does not match (a changed file): `target` is
 * removed by the caller, who writes it in a private temporary folder.
 */
export async function decryptFile(file: string, key: BackupKey | null, target: string): Promise<void> {
  const fh = await open(file, 'r');
  const header = Buffer.alloc(HEADER);
  const tag = Buffer.alloc(TAG);
  const size = statSync(file).size;
  try {
    if (size < HEADER + TAG) throw new BackupFileError(`${file} is too short to be an encrypted backup.`);
    await fh.read(header, 0, HEADER, 0);
    await fh.read(tag, 0, TAG, size - TAG);
  } finally {
    await fh.close();
  }
  if (!header.subarray(0, MAGIC.length).equals(MAGIC))
    throw new BackupFileError(`${file} is not an encrypted SalesRelay backup.`);
  const fileKeyId = header.subarray(MAGIC.length, MAGIC.length + KEY_ID).toString('hex');
  if (!key) {
    throw new ConfigError(
      [
        `${file} is encrypted (key id ${fileKeyId}): set BACKUP_KEY to the key it was made with. Nothing was restored.`,
        `该备份已加密（密钥编号 ${fileKeyId}）：请将 BACKUP_KEY 设为备份时所用的密钥。未恢复任何数据。`,
      ].join('\n'),
    );
  }
  if (key.id !== fileKeyId) {
    throw new ConfigError(
      [
        `BACKUP_KEY is not the key ${file} was encrypted with (the file's key id is ${fileKeyId}, BACKUP_KEY's is ${key.id}). Nothing was restored.`,
        `BACKUP_KEY 与该备份的加密密钥不符（文件密钥编号 ${fileKeyId}，当前 ${key.id}）。未恢复任何数据。`,
      ].join('\n'),
    );
  }
  const decipher = createDecipheriv(CIPHER, key.bytes, header.subarray(MAGIC.length + KEY_ID));
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  try {
    await pipeline(
      createReadStream(file, { start: HEADER, end: size - TAG - 1 }),
      decipher,
      createWriteStream(target, { mode: 0o600 }),
    );
  } catch (err) {
    if (/auth|unable to authenticate/i.test((err as Error).message)) {
      throw new BackupFileError(
        [
          `${file} does not decrypt: it was changed after it was written (its GCM tag does not match). Nothing was restored.`,
          `备份文件解密失败（已被改动），未恢复任何数据。`,
        ].join('\n'),
      );
    }
    throw err;
  }
}

/** Writes a dump's bytes to the backup file, through encryption when there is a key. */
export async function writeBackupFile(
  source: NodeJS.ReadableStream,
  target: string,
  key: BackupKey | null,
): Promise<void> {
  const out = createWriteStream(target, { mode: 0o600 });
  if (key) await pipeline(source, encryptor(key), out);
  else await pipeline(source, out);
}
