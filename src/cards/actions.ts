// The button protocol, once: what a card button's id says and the command a person types instead where a
// platform cannot show the button. Every channel carries the id verbatim and hands it back on a press;
// the core decodes it (src/core/engine.ts).
import type { CardAction } from './card.ts';

/** What pressing a button does. */
export type ButtonAction =
  /** Runs a command as the person who pressed (`run:approval approve A-0001`). */
  | { kind: 'run'; command: string }
  /** Answers a stored confirmation (the Confirm / Cancel card of a command that needs a yes). */
  | { kind: 'confirm'; confirmation: string }
  | { kind: 'cancel'; confirmation: string };

export function encodeAction(a: ButtonAction): string {
  return a.kind === 'run' ? `run:${a.command}` : `${a.kind}:${a.confirmation}`;
}

/** The id of a button that runs `command` as the person who presses it. */
export const runButton = (command: string): string => encodeAction({ kind: 'run', command });

/** The action a button id stands for; null for an id that is not ours (a card from an older version). */
export function decodeAction(id: string): ButtonAction | null {
  const colon = id.indexOf(':');
  if (colon < 0) return null;
  const kind = id.slice(0, colon);
  const arg = id.slice(colon + 1);
  if (kind === 'run') return { kind, command: arg };
  if (kind === 'confirm' || kind === 'cancel') return { kind, confirmation: arg };
  return null;
}

/**
 * The text a person types to do what the button does, for platforms or cards without it: the command of
 * a `run:` button (with `key=…` where the button asks for a value), `confirm <id>` / `cancel <id>`.
 */
export function typedCommand(action: Pick<CardAction, 'id' | 'input'>): string | null {
  const a = decodeAction(action.id);
  if (!a) return null;
  const cmd = a.kind === 'run' ? a.command : `${a.kind} ${a.confirmation}`;
  return action.input ? `${cmd} ${action.input.name}=…` : cmd;
}

const TYPED_ANSWER = /^\/?(confirm|cancel|确认|取消)\s+([0-9a-f-]{36})$/i;

/**
 * A typed `confirm <id>` / `cancel <id>` (确认 / 取消), the text form of pressing Confirm or Cancel: the
 * button's id, or null when the text is something else.
 */
export function typedPress(text: string): string | null {
  const m = TYPED_ANSWER.exec(text.trim());
  if (!m) return null;
  const kind = /^(confirm|确认)$/i.test(m[1]!) ? 'confirm' : 'cancel';
  return encodeAction({ kind, confirmation: m[2]!.toLowerCase() });
}
