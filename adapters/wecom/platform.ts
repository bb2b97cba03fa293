// The platform name WeCom's identities, chats and outbox rows are kept under.
export const PLATFORM = 'wecom';
