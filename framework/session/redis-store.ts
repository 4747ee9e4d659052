/** Sessions in Redis, shared by every worker process, expiring after their TTL. */
import type { Redis } from 'ioredis';
import type { SessionStore } from './store';

/**
 * A session store in Redis under `<prefix>:session:<key>`, as JSON.
 *
 * @example
 * ```ts
 * bot.use(session({ initial: () => ({}), store: new RedisSessionStore(redis, { prefix: 'kiosk' }) }));
 * ```
 */
export class RedisSessionStore implements SessionStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, options: { prefix: string }) {
    this.redis = redis;
    this.prefix = options.prefix;
  }

  /** The Redis key of a session key. */
  keyOf(key: string): string {
    return `${this.prefix}:session:${key}`;
  }

  async get(key: string): Promise<unknown | undefined> {
    const raw = await this.redis.get(this.keyOf(key));
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  }

  async set(key: string, value: unknown, ttlSeconds?: number): Promise<void> {
    const json = JSON.stringify(value);
    if (ttlSeconds) await this.redis.set(this.keyOf(key), json, 'EX', ttlSeconds);
    else await this.redis.set(this.keyOf(key), json);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.keyOf(key));
  }
}
