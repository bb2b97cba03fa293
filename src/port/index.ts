// The port: the whole contract between the core and a channel. An adapter imports from here (and the
// platform-neutral messages in src/cards), nothing else of src/.

export { type ButtonAction, decodeAction, encodeAction, typedCommand, typedPress } from '../cards/actions.ts';
export type { Card, CardAction, CardField, Message } from '../cards/card.ts';
export { cardText, messageText, type TextStyle, typedHint } from '../cards/text.ts';
export type { Config } from '../config.ts';
// Settings: an adapter's wrong setting is a ConfigError (exit code 2), its message made by settingsMessage.
export { ConfigError } from '../config.ts';
export { settingsMessage } from '../config-issues.ts';
// For adapters that serve web pages themselves (the console): the same origin and address checks as the core.
export { isLoopbackHost, isWildcardHost } from '../http/addresses.ts';
export { BrowserGuard } from '../http/same-origin.ts';
// What people read around the core's messages, in each language (a missing translation is a compile error).
export { type Catalogue, inEveryLanguage, messages } from '../i18n/catalogue.ts';
export { type Locale, pick, toLocale } from '../i18n/locale.ts';
export * from './adapter.ts';
export type * from './commands.ts';
export type * from './inbound.ts';
export * from './outbound.ts';
export { AdapterRegistry, type Env } from './registry.ts';
export type * from './services.ts';
