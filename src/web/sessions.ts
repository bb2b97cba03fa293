// Sign-in without passwords (issue 17): `web` in a chat makes a link bound to one person, single use and
// valid 10 minutes; redeeming it opens a session (a cookie) that lasts WEB_SESSION_HOURS. A session is
// honoured only while its person is active, and offboarding deletes their sessions (src/flows/offboard.ts).
import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { webSessions, webSignInLinks } from '../db/schema.ts';
import { hashToken, newToken } from './tokens.ts';

export const LINK_MINUTES = 10;

export async function createSignInLink(db: Queryable, personId: number, now: Date): Promise<string> {
  const token = newToken();
  await db.insert(webSignInLinks).values({
    tokenHash: hashToken(token),
    personId,
    expiresAt: new Date(now.getTime() + LINK_MINUTES * 60_000),
  });
  return token;
}

export type LinkState = 'ok' | 'used' | 'expired' | 'unknown';

/** What a link is now, without using it (the page a link opens asks before signing in). */
export async function linkState(
  db: Queryable,
  token: string,
  now: Date,
): Promise<{ state: LinkState; personId?: number }> {
  if (token.length > 100) return { state: 'unknown' };
  const [row] = await db
    .select()
    .from(webSignInLinks)
    .where(eq(webSignInLinks.tokenHash, hashToken(token)));
  if (!row) return { state: 'unknown' };
  const state = row.usedAt ? 'used' : row.expiresAt <= now ? 'expired' : 'ok';
  return { state, personId: row.personId };
}

/**
 * Uses a link: at most once, under any concurrency (the update claims it). Returns the person it signs in,
 * or why not.
 */
export async function redeemLink(
  db: Queryable,
  token: string,
  now: Date,
): Promise<{ personId: number } | { refused: Exclude<LinkState, 'ok'>; personId?: number }> {
  if (token.length > 100) return { refused: 'unknown' };
  const [row] = await db
    .update(webSignInLinks)
    .set({ usedAt: now })
    .where(
      and(
        eq(webSignInLinks.tokenHash, hashToken(token)),
        isNull(webSignInLinks.usedAt),
        gt(webSignInLinks.expiresAt, now),
      ),
    )
    .returning({ personId: webSignInLinks.personId });
  if (row) return { personId: row.personId };
  const { state, personId } = await linkState(db, token, now);
  return { refused: state === 'ok' ? 'used' : state, ...(personId ? { personId } : {}) };
}

export type Session = { id: number; personId: number; csrfToken: string; expiresAt: Date };

export async function openSession(
  db: Queryable,
  personId: number,
  now: Date,
  hours: number,
): Promise<{ token: string; session: Session }> {
  const token = newToken();
  // Old sessions of anyone are swept here: no timer needed, and the table stays small.
  await db.delete(webSessions).where(lt(webSessions.expiresAt, now));
  const [session] = await db
    .insert(webSessions)
    .values({
      tokenHash: hashToken(token),
      personId,
      csrfToken: newToken(),
      expiresAt: new Date(now.getTime() + hours * 3600_000),
    })
    .returning();
  return { token, session: session! };
}

export async function findSession(
  db: Queryable,
  token: string | undefined,
  now: Date,
): Promise<Session | null> {
  if (!token || token.length > 100) return null;
  const [row] = await db
    .select()
    .from(webSessions)
    .where(and(eq(webSessions.tokenHash, hashToken(token)), gt(webSessions.expiresAt, now)));
  return row ?? null;
}

export async function endSession(db: Queryable, id: number): Promise<void> {
  await db.delete(webSessions).where(eq(webSessions.id, id));
}

/** Every session and unused link of a person (offboarding). */
export async function endSessionsOf(db: Queryable, personId: number): Promise<void> {
  await db.delete(webSessions).where(eq(webSessions.personId, personId));
  await db
    .update(webSignInLinks)
    .set({ usedAt: new Date() })
    .where(and(eq(webSignInLinks.personId, personId), isNull(webSignInLinks.usedAt)));
}
