// A web request as the core sees it: the signed-in person as an Actor, reading in a chat only they read
// (private), so the core's visibility rules and read audit apply to pages exactly as to a private chat.

import { createContext, type FlowContext } from '../core/context.ts';
import type { Core } from '../core/engine.ts';
import type { ChatRef } from '../core/inbound.ts';
import { loadOrg } from '../core/org.ts';
import { findPersonById, toActor } from '../core/people.ts';
import type { Db } from '../db/client.ts';

export type WebDeps = {
  db: Db;
  core: Core;
  /** WEB_SESSION_HOURS. */
  sessionHours: number;
  /** Cookies marked Secure: the workspace is reached over https (PUBLIC_URL). */
  secure: boolean;
  listenHost: string;
  publicUrl: string | undefined;
  clock?: () => Date;
};

/** The chat a person's web pages stand for: theirs alone. */
export const webChat = (personId: number): ChatRef => ({
  platform: 'web',
  tenant: '',
  chatId: `web:${personId}`,
  kind: 'dm',
});

/** Runs `work` in one transaction with the person's FlowContext; null if they are gone or inactive. */
export async function asPerson<T>(
  deps: WebDeps,
  personId: number,
  work: (ctx: FlowContext) => Promise<T>,
): Promise<{ value: T } | null> {
  return deps.db.transaction(async (tx) => {
    const found = await findPersonById(tx, personId);
    if (!found?.person.active) return null;
    const org = await loadOrg(tx);
    const actor = toActor(found.person, found.department, org);
    const ctx = createContext({ tx, actor, chat: webChat(personId), now: deps.clock?.() ?? new Date(), org });
    return { value: await work(ctx) };
  });
}
