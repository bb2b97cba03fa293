// What a reminder kind may do when it fires, beyond sending its text: compute the text now (a digest),
// stand down because the reason is gone (a follow-up that was made), or act (mark an approval overdue).
// Flows register hooks at start (flows/index.ts); the schedule stays unaware of what a lead is.
import type { Tx } from '../db/client.ts';
import type { Bilingual } from '../i18n/locale.ts';
import type { Occurrence, Reminder } from './rows.ts';

/** byContact: the text also goes to the reminder's people by contact address (src/core/contact-posts.ts). */
export type FireOutcome = { skip: true } | { text?: Bilingual; byContact?: boolean } | undefined;
export type FireHook = (
  tx: Tx,
  reminder: Reminder,
  occurrence: Occurrence,
  now: Date,
) => Promise<FireOutcome>;

const hooks = new Map<string, FireHook>();

export function registerFireHook(kind: string, hook: FireHook): void {
  hooks.set(kind, hook);
}

export function fireHook(kind: string): FireHook | undefined {
  return hooks.get(kind);
}
