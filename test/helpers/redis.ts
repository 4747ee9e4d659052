/**
 * Redis for tests: the server `npm test` started (REDIS_URL) or the machine's own, always
 * under a key prefix of this test's own, removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis URL tests must use. */
export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A key prefix no other test uses, e.g. `kt-3f9a1c`. */
export function uniquePrefix(): string {
  return `kt-${randomBytes(4).toString('hex')}`;
}

/** A new connection suitable for BullMQ workers and plain commands. */
export function connect(): Redis {
  return new Redis(redisUrl(), { maxRetriesPerRequest: null });
}

/** Delete every key under a prefix. */
export async function cleanPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}
