/**
 * LINE's reply tokens, kept in Redis between the webhook and the delivery worker. A reply
 * (POST /v2/bot/message/reply) is free of charge and needs the token of an event; a token may
 * be used once and only shortly after the event: LINE's reference says to use it within one
 * minute of receiving the webhook, and that later use is not guaranteed
 * (https://developers.line.biz/en/reference/messaging-api/#send-reply-message). Without a
 * valid token Kiosk sends a push message instead (`send.ts`).
 *
 * One key per chat, `<prefix>:line:reply:<bot>:<chat>`, holds the newest token and its event's
 * timestamp, and expires when the token does. Taking it is a `GETDEL`, so of two workers
 * answering the same chat only one gets the token: it is never used twice by Kiosk.
 */
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../../core/errors';
import type { LineReplyToken } from './parse';

/** Options of `createReplyTokenStore`. */
export interface ReplyTokenStoreOptions {
  /** Kiosk's key prefix, e.g. `'kiosk'`. */
  prefix: string;
  /** The bot whose tokens these are. */
  bot: string;
  /** How long after its event a token is used, in seconds (LINE: within one minute). */
  lifetimeSeconds: number;
}

/** Where a bot's reply tokens wait for the first reply to their chat. */
export interface ReplyTokenStore {
  /** Keep the tokens of a webhook's events; a newer event's token replaces an older one. Tokens already too old are dropped. */
  save(tokens: readonly LineReplyToken[], now?: number): Promise<void>;
  /** Take the chat's token, if one is still fresh; nobody else can take it afterwards. */
  take(chat: string, now?: number): Promise<string | undefined>;
}

/** The Redis key of one chat's reply token. */
export function replyTokenKey(prefix: string, bot: string, chat: string): string {
  return `${prefix}:line:reply:${bot}:${chat}`;
}

// Keep the newest token: a redelivered (older) event must not replace the token of a newer one.
// The value is "<timestamp> <token>"; reply tokens are alphanumeric.
const SAVE_NEWEST = `
local current = redis.call('GET', KEYS[1])
if current then
  local stamp = tonumber(string.match(current, '^(%d+) '))
  if stamp and stamp >= tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`;

/**
 * The reply-token store of one bot on a shared Redis connection.
 *
 * @example
 * ```ts
 * const tokens = createReplyTokenStore(redis, { prefix: 'kiosk', bot: 'taxi', lifetimeSeconds: 50 });
 * await tokens.save(parsed.replyTokens);
 * const token = await tokens.take('U4af4980629…'); // undefined after the first take, or once expired
 * ```
 */
export function createReplyTokenStore(redis: Redis, options: ReplyTokenStoreOptions): ReplyTokenStore {
  const lifetimeMs = options.lifetimeSeconds * 1000;
  const key = (chat: string) => replyTokenKey(options.prefix, options.bot, chat);
  return {
    async save(tokens, now = Date.now()) {
      try {
        await Promise.all(
          tokens.map((token) => {
            // Counted from the event's time; a clock ahead of ours does not extend it.
            const remaining = Math.min(lifetimeMs, lifetimeMs - (now - token.timestamp));
            if (remaining <= 0) return undefined;
            return redis.eval(SAVE_NEWEST, 1, key(token.chat), `${Math.trunc(token.timestamp)} ${token.token}`, String(Math.trunc(token.timestamp)), String(Math.ceil(remaining)));
          }),
        );
      } catch (error) {
        throw new StoreUnavailableError(`Could not keep LINE reply tokens in Redis (${reason(error)}); LINE will redeliver the webhook.`, { cause: error });
      }
    },
    async take(chat, now = Date.now()) {
      let value: string | null;
      try {
        value = await redis.getdel(key(chat));
      } catch (error) {
        throw new StoreUnavailableError(`Could not read the LINE reply token of chat ${chat} from Redis (${reason(error)}).`, { cause: error });
      }
      const match = value ? /^(\d+) (\S+)$/.exec(value) : null;
      if (!match) return undefined;
      return now - Number(match[1]) < lifetimeMs ? match[2] : undefined;
    },
  };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
