// The directories of the platforms served here (admin directory import): delivery registers each adapter
// that offers listDirectory (src/delivery/senders.ts), the flow asks the one of the chat it is typed in.
import type { DirectoryEntry, Sender } from '../port/outbound.ts';

const sources = new Map<string, (tenant: string) => Promise<DirectoryEntry[]>>();

export function registerDirectory(sender: Sender): void {
  if (sender.listDirectory) sources.set(sender.platform, (tenant) => sender.listDirectory!(tenant));
  else sources.delete(sender.platform);
}

/** The platform's directory reader, or undefined when it has none the bot may read. */
export const directoryOf = (platform: string) => sources.get(platform);
