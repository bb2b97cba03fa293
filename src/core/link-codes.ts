// The one-time codes of `me link` (R-ORG-2): asked for on one platform, typed on another, proving that one
// person holds both accounts. Eight letters and digits (about 40 bits: guessing one within its ten minutes
// is hopeless), only a hash kept, used once; asking again voids the codes asked before.
import { createHash, randomInt } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { linkCodes } from '../db/schema.ts';

export const LINK_CODE_TTL_MS = 10 * 60_000;
// No 0/O, 1/I/L: read off one screen and typed on another.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** What a code is once spaces, dashes and case are set aside: what is hashed. */
export const normaliseCode = (code: string) => code.toUpperCase().replace(/[\s-]/g, '');

const hash = (code: string) =>
  createHash('sha256')
    .update(`link:${normaliseCode(code)}`)
    .digest('hex');

/** Looks like a code at all (so a typo is told apart from an expired code). */
export const isCodeShaped = (code: string) =>
  normaliseCode(code).length === 8 && [...normaliseCode(code)].every((c) => ALPHABET.includes(c));

/** A new code for the person on this identity, as shown: ABCD-2345. */
export async function issueCode(
  db: Queryable,
  personId: number,
  identityId: number,
  now: Date,
): Promise<{ code: string; expiresAt: Date }> {
  await db
    .update(linkCodes)
    .set({ usedAt: now })
    .where(and(eq(linkCodes.personId, personId), isNull(linkCodes.usedAt)));
  const raw = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
  await db.insert(linkCodes).values({ personId, identityId, codeHash: hash(raw), expiresAt, createdAt: now });
  return { code: `${raw.slice(0, 4)}-${raw.slice(4)}`, expiresAt };
}

/** Takes a code: the row it names if it is unused and unexpired (then used), else undefined. */
export async function takeCode(db: Queryable, code: string, now: Date) {
  const [row] = await db
    .update(linkCodes)
    .set({ usedAt: now })
    .where(and(eq(linkCodes.codeHash, hash(code)), isNull(linkCodes.usedAt), gt(linkCodes.expiresAt, now)))
    .returning();
  return row;
}
