/**
 * Stable `X-Line-Retry-Key`s for push requests. LINE runs a push at most once per retry key
 * and answers a repeat of an accepted key with 409
 * (https://developers.line.biz/en/docs/messaging-api/retrying-api-request/). A push that timed
 * out or got a 5xx may still have been delivered, so its retry, in this process or another,
 * must carry the same key: the key is kept in Redis under the chat and a digest of the
 * request's messages, and dropped once LINE has answered for good.
 *
 * Consequence: an identical message to the same chat, sent while an earlier identical push
 * is still unresolved, shares its key; LINE then sends it once.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../../core/errors';
import type { LineMessage } from './types';

/** Options of `createRetryKeyStore`. */
export interface RetryKeyStoreOptions {
  /** Kiosk's key prefix, e.g. `'kiosk'`. */
  prefix: string;
  /** The bot whose pushes these are. */
  bot: string;
  /** How long an unresolved key is kept, in seconds; longer than delivery retries last. @defaultValue 86400 */
  ttlSeconds?: number;
}

/** Retry keys of one bot's pushes. */
export interface RetryKeyStore {
  /** The retry key of a push: the one an earlier, unresolved attempt used, or a new UUID. */
  acquire(chat: string, messages: readonly LineMessage[], part: number): Promise<string>;
  /** Forget the key once LINE accepted the push or refused it for good. */
  release(chat: string, messages: readonly LineMessage[], part: number): Promise<void>;
}

const GET_OR_SET = `
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return ARGV[1]`;

/**
 * The retry-key store of one bot on a shared Redis connection.
 *
 * @example
 * ```ts
 * const keys = createRetryKeyStore(redis, { prefix: 'kiosk', bot: 'taxi' });
 * const key = await keys.acquire(chat, messages, 0); // the same key until released
 * ```
 */
export function createRetryKeyStore(redis: Redis, options: RetryKeyStoreOptions): RetryKeyStore {
  const ttl = String(options.ttlSeconds ?? 86_400);
  const key = (chat: string, messages: readonly LineMessage[], part: number) => {
    const digest = createHash('sha256').update(`${part}\u0000${JSON.stringify(messages)}`).digest('hex').slice(0, 32);
    return `${options.prefix}:line:retry:${options.bot}:${chat}:${digest}`;
  };
  const guard = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw new StoreUnavailableError(`Could not ${what} a LINE retry key in Redis (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
    }
  };
  return {
    acquire: (chat, messages, part) => guard('read', async () => String(await redis.eval(GET_OR_SET, 1, key(chat, messages, part), randomUUID(), ttl))),
    release: (chat, messages, part) => guard('drop', async () => void (await redis.del(key(chat, messages, part)))),
  };
}
