// The console's chats: what was said in each, in memory, with live listeners. It is a tool for trying the
// bot and for tests, so it keeps the last messages of each chat and forgets them on restart.
import { randomBytes } from 'node:crypto';
import type { Card } from '../../src/port/index.ts';

export type ConsoleMessage = {
  id: string;
  chat: string;
  at: string;
  /** Handle of the person who typed it; absent for the bot. */
  from?: string;
  text: string;
  card?: Card;
};

const KEEP_PER_CHAT = 500;

export class Transcript {
  private readonly chats = new Map<string, ConsoleMessage[]>();
  private readonly byId = new Map<string, ConsoleMessage>();
  private readonly listeners = new Set<(m: ConsoleMessage) => void>();
  // Ids stay unique across restarts, so cards remembered in the database never point at a new message.
  private readonly boot = randomBytes(3).toString('hex');
  private seq = 0;

  append(chat: string, text: string, opts: { from?: string; card?: Card } = {}): ConsoleMessage {
    const m: ConsoleMessage = {
      id: `${this.boot}-${++this.seq}`,
      chat,
      at: new Date().toISOString(),
      text,
      ...(opts.from ? { from: opts.from } : {}),
      ...(opts.card ? { card: opts.card } : {}),
    };
    const list = this.chats.get(chat) ?? [];
    list.push(m);
    if (list.length > KEEP_PER_CHAT) this.byId.delete(list.shift()!.id);
    this.chats.set(chat, list);
    this.byId.set(m.id, m);
    this.emit(m);
    return m;
  }

  replace(id: string, text: string, card: Card | undefined): ConsoleMessage | undefined {
    const m = this.byId.get(id);
    if (!m) return undefined;
    m.text = text;
    if (card) m.card = card;
    else delete m.card;
    this.emit(m);
    return m;
  }

  get(id: string): ConsoleMessage | undefined {
    return this.byId.get(id);
  }

  messages(chat: string): ConsoleMessage[] {
    return [...(this.chats.get(chat) ?? [])];
  }

  chatIds(): string[] {
    return [...this.chats.keys()];
  }

  subscribe(fn: (m: ConsoleMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(m: ConsoleMessage): void {
    for (const fn of this.listeners) fn(m);
  }
}
