// An encrypted backup is decrypted into a private temporary folder before anything is restored, so a
// wrong key or a changed file is refused before the database is touched (GCM proves the data only at its
// end). The plain copy is removed whatever happens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Config } from '../config.ts';
import { backupKey, decryptFile } from './encryption.ts';
import type { Manifest } from './manifest.ts';

export async function withPlainFile<T>(
  config: Config,
  file: string,
  manifest: Manifest,
  use: (plain: string) => Promise<T>,
): Promise<T> {
  if (!manifest.encryption) return use(file);
  const key = backupKey(config.backupKey);
  const dir = mkdtempSync(join(tmpdir(), 'salesrelay-decrypted-'));
  try {
    const plain = join(dir, basename(file).replace(/\.enc$/, ''));
    await decryptFile(file, key, plain);
    return await use(plain);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
