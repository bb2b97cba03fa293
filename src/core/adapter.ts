// What a chat platform adapter is to the rest of the system. Each lives in adapters/<name>/ with its SDK;
// the composition root (src/app.ts) asks every factory in adapters/index.ts for an adapter and wires the
// ones that are configured. The core never imports an adapter.
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import type { Deliverer } from './delivery.ts';
import type { CoreServices } from './services.ts';

export interface PlatformAdapter extends Deliverer {
  /** HTTP routes served on the shared port (e.g. Slack events at POST /slack/events), if any. */
  routes?(): Hono;
  /** Connects (Socket Mode, DingTalk stream, WeCom long connection); resolves once ready or retrying. */
  start(): Promise<void>;
  /** Disconnects and stops retrying; delivery in flight may finish. */
  stop(): Promise<void>;
}

export type AdapterContext = {
  /** The process environment as given to startApp; each adapter validates its own settings with zod. */
  env: Record<string, string | undefined>;
  services: CoreServices;
  db: Db;
  log: Logger;
};

/** Returns the adapter when its settings are present, null when the platform is not configured. */
export type AdapterFactory = (ctx: AdapterContext) => Promise<PlatformAdapter | null>;
