// Sending to Slack: chat.postMessage / chat.update with about one post per second per channel, 429s turned
// into "try again after Retry-After" for the outbox (which waits and never drops), and Slack's errors mapped
// to permanent failures with a log line that says what the admin must do.
import type { types } from '@slack/bolt';
import { ErrorCode, type WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Message } from '../../src/port/index.ts';
import { PermanentDeliveryError, type PostedRef, RetryLaterError } from '../../src/port/index.ts';
import { type Rendered, render } from './blocks.ts';

/** Errors that mean the bot cannot reach that conversation until someone invites it or fixes the target. */
const UNREACHABLE = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'channel_is_archived',
  'user_not_found',
  'user_disabled',
  'cannot_dm_bot',
  'restricted_action',
  'restricted_action_read_only_channel',
]);
/** The token itself is bad: no message will go through until the settings are fixed. */
const BAD_TOKEN = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
]);
/** The message or its target is wrong in a way retrying cannot fix. */
const HOPELESS = new Set([
  'missing_scope',
  'no_permission',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'msg_blocks_too_long',
  'no_text',
  'invalid_arguments',
]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The longest we sleep inside one delivery to keep a channel's pace; longer waits go back to the outbox. */
const MAX_INLINE_WAIT_MS = 3000;

export class SlackOutbound {
  private readonly nextSlot = new Map<string, number>();
  private readonly dmChannels = new Map<string, string>();
  /** Set when Slack refused the token: said loudly once, then every delivery fails at once. */
  badToken: string | null = null;

  constructor(
    private readonly client: WebClient,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  /** The bot's direct-message channel with a person (D…), opened once and remembered. */
  async dmChannel(userId: string): Promise<string> {
    const known = this.dmChannels.get(userId);
    if (known) return known;
    const res = await this.call(`DM ${userId}`, () => this.client.conversations.open({ users: userId }));
    const id = (res.channel as { id?: string } | undefined)?.id;
    if (!id) throw new PermanentDeliveryError(`conversations.open gave no channel for ${userId}`);
    this.dmChannels.set(userId, id);
    return id;
  }

  async postMessage(tenant: string, channel: string, body: Rendered): Promise<PostedRef> {
    await this.pace(channel);
    const res = await this.call(channel, () =>
      this.client.chat.postMessage({
        channel,
        text: body.text,
        ...(body.blocks ? { blocks: body.blocks as unknown as types.KnownBlock[] } : {}),
      }),
    );
    return { tenant, chatId: (res.channel as string | undefined) ?? channel, messageId: res.ts as string };
  }

  async update(ref: PostedRef, message: Message): Promise<void> {
    const body = render(message);
    await this.call(ref.chatId, () =>
      this.client.chat.update({
        channel: ref.chatId,
        ts: ref.messageId,
        text: body.text,
        // An empty list removes old blocks (a card that became plain text keeps no live buttons).
        blocks: (body.blocks ?? []) as unknown as types.KnownBlock[],
      }),
    );
  }

  async postEphemeral(channel: string, user: string, message: Message): Promise<void> {
    const body = render(message);
    await this.call(channel, () =>
      this.client.chat.postEphemeral({
        channel,
        user,
        text: body.text,
        ...(body.blocks ? { blocks: body.blocks as unknown as types.KnownBlock[] } : {}),
      }),
    );
  }

  /** Waits for the channel's next slot (about one post per second), or hands a long wait back to the outbox. */
  private async pace(channel: string): Promise<void> {
    const now = Date.now();
    const previous = this.nextSlot.get(channel) ?? 0;
    const at = Math.max(now, previous);
    if (at - now > MAX_INLINE_WAIT_MS)
      throw new RetryLaterError(`Slack channel ${channel} is busy`, at - now);
    this.nextSlot.set(channel, at + this.intervalMs);
    if (at > now) await sleep(at - now);
  }

  /** Runs a Web API call and maps Slack's answers onto the delivery's retry rules. */
  async call<T>(channel: string, fn: () => Promise<T>): Promise<T> {
    if (this.badToken) throw new PermanentDeliveryError(`Slack refused the bot token (${this.badToken})`);
    try {
      return await fn();
    } catch (err) {
      throw this.mapError(err, channel);
    }
  }

  mapError(err: unknown, channel: string): Error {
    const e = err as { code?: string; retryAfter?: number; data?: { error?: string }; message?: string };
    if (e.code === ErrorCode.RateLimitedError) {
      const ms = Math.max(1, e.retryAfter ?? 1) * 1000;
      // Nothing else goes to this channel before Slack's wait is over.
      this.nextSlot.set(channel, Math.max(this.nextSlot.get(channel) ?? 0, Date.now() + ms));
      this.log.warn({ channel, retryAfterMs: ms }, 'Slack rate limit: waiting as told');
      return new RetryLaterError(`Slack rate limited; retry after ${ms} ms`, ms);
    }
    if (e.code === ErrorCode.PlatformError) {
      const code = e.data?.error ?? 'unknown_error';
      if (code === 'ratelimited') return new RetryLaterError('Slack rate limited', 1000);
      if (UNREACHABLE.has(code)) {
        this.log.error(
          { channel, slackError: code },
          `Slack: the bot cannot post in ${channel} (${code}). An admin must invite the bot to that channel ` +
            '(/invite @SalesRelay) or rebind the department to another channel; this message is not retried.',
        );
        return new PermanentDeliveryError(`Slack ${code}: invite the bot to ${channel}`);
      }
      if (BAD_TOKEN.has(code)) {
        this.badToken = code;
        this.log.fatal(
          { slackError: code },
          'Slack refused the bot token: check SLACK_BOT_TOKEN (reinstall the app to get a new one). ' +
            'Nothing will be delivered to Slack until the settings are fixed and the service restarted.',
        );
        return new PermanentDeliveryError(`Slack ${code}: the bot token is not valid`);
      }
      if (HOPELESS.has(code)) {
        this.log.error({ channel, slackError: code, detail: e.data }, `Slack refused the call (${code})`);
        return new PermanentDeliveryError(`Slack ${code}`);
      }
      return new Error(`Slack ${code}`);
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}
