// What a channel hands to the core: who, in which chat, said what or pressed which button.

export type ChatRef = {
  platform: string;
  /** The workspace / corp / org id on platforms that have several; '' otherwise. */
  tenant: string;
  chatId: string;
  kind: 'dm' | 'group';
  title?: string;
};

export type InboundUser = {
  platform: string;
  tenant: string;
  externalId: string;
  name?: string;
  email?: string;
};

export type InboundMessage = {
  user: InboundUser;
  chat: ChatRef;
  /** Mentions normalised to `<@externalId>` (or `<@externalId|name>`) by the adapter; `@handle` works everywhere. */
  text: string;
  /** The platform's id for this delivery: a redelivery with the same id is answered once. */
  eventId?: string;
};

export type InboundAction = {
  user: InboundUser;
  chat: ChatRef;
  /** The CardAction id that was pressed (src/cards/actions.ts encodes and decodes it). */
  actionId: string;
  /** The platform message the button was on, so the core can re-render it. */
  messageId?: string;
  eventId?: string;
  /** Form values (e.g. a reject reason typed into a modal). */
  values?: Record<string, string>;
};
