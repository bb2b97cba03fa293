// A reminder and its occurrences as the database holds them. Their own file, so the firing (fire.ts) and
// the parts it calls (hooks.ts, render.ts) share the types without importing one another in a circle.
import type { reminderOccurrences, reminders } from '../db/schema.ts';

export type Reminder = typeof reminders.$inferSelect;
export type Occurrence = typeof reminderOccurrences.$inferSelect;
