// What an adapter is given to talk to the core: the command path in, the delivery path out.
import type { Delivery } from './delivery.ts';
import type { Core } from './engine.ts';

export type CoreServices = { core: Core; delivery: Delivery };
