import { RedisSessionStore } from '../../framework/session/redis-store';
import { cleanPrefix, connect, uniquePrefix } from '../helpers/redis';

describe('RedisSessionStore', () => {
  const prefix = uniquePrefix();
  const redis = connect();
  const store = new RedisSessionStore(redis, { prefix });

  afterAll(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  test('round-trips JSON, sets the TTL, deletes', async () => {
    await store.set('taxi:telegram:1', { pickup: 'Gare du Nord', n: 2 }, 120);
    expect(await store.get('taxi:telegram:1')).toEqual({ pickup: 'Gare du Nord', n: 2 });
    const ttl = await redis.pttl(`${prefix}:session:taxi:telegram:1`);
    expect(ttl).toBeGreaterThan(110_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    await store.delete('taxi:telegram:1');
    expect(await store.get('taxi:telegram:1')).toBeUndefined();
  });
});
