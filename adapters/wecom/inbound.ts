// Turning what a WeCom person typed into the command text the core reads.

/**
 * WeCom puts the bot's @mention into the text (followed by U+2005). In a group the bot is only called
 * when mentioned, so a leading @… is the bot; a configured bot name is stripped wherever it appears.
 */
export function stripBotMention(text: string, group: boolean, botName?: string): string {
  let t = text.replace(/[\u2005\u00a0\u3000]/g, ' ');
  if (botName) t = t.split(`@${botName}`).join(' ');
  if (group) t = t.replace(/^\s*[@＠]\S+\s*/, '');
  return t.trim();
}

/** `@userid` (or a known display name) → `<@userid>`, so the core resolves it on this platform. */
export async function normalizeMentions(
  userIdFor: (name: string) => Promise<string | undefined>,
  text: string,
): Promise<string> {
  const parts = text.split(/(^|\s)[@＠]([^\s@＠<>]+)/g);
  if (parts.length === 1) return text;
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    if (i % 3 === 0) out += parts[i];
    else if (i % 3 === 1) out += parts[i];
    else {
      const name = parts[i]!;
      const id = await userIdFor(name);
      out += id ? `<@${id}>` : `@${name}`;
    }
  }
  return out;
}
