// The console's platform name (identities, chats and outbox rows of the console chat).
export const PLATFORM = 'console';
