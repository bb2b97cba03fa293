// What adapters hand to the core: defined by the port (src/port/inbound.ts), named here for the engine.
export type { ChatRef, InboundAction, InboundMessage, InboundUser } from '../port/inbound.ts';
