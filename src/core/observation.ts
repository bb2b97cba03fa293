// What the core tells an observer (the metrics) at the end of each command or button press.

/** How it ended: done, refused by its flow, denied by its permission, not understood, or failed. */
export type CommandOutcome = 'ok' | 'refused' | 'denied' | 'invalid' | 'error';

export type CommandObservation = { noun: string; outcome: CommandOutcome; seconds: number };

/** Filled in as a command goes (its noun once parsed, its outcome when known). */
export type CommandNote = {
  noun: string;
  outcome: CommandOutcome;
  /** The request (inbound event id, or one made for it) the command served. */
  request?: string;
};

export const newNote = (): CommandNote => ({ noun: 'unknown', outcome: 'invalid' });
