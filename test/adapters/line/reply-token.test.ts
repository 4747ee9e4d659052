import { Redis } from 'ioredis';
import { createReplyTokenStore, replyTokenKey } from '../../../framework/adapters/line/reply-token';
import { createRetryKeyStore } from '../../../framework/adapters/line/retry-key';
import { StoreUnavailableError } from '../../../framework/core/errors';
import { cleanPrefix, connect, uniquePrefix } from '../../helpers/redis';

const CHAT = 'U4af4980629c06b3bb1d4b6bd0d6e4c2e';
const NOW = 1_700_000_000_000;

describe('line reply tokens in Redis', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  const store = () => createReplyTokenStore(redis, { prefix, bot: 'taxi', lifetimeSeconds: 50 });

  beforeAll(() => {
    redis = connect();
  });
  afterEach(() => cleanPrefix(redis, prefix));
  afterAll(async () => {
    await cleanPrefix(redis, prefix);
    await redis.quit();
  });

  it('a saved token is taken once: the second take finds none', async () => {
    await store().save([{ chat: CHAT, token: 'tok1', timestamp: NOW - 1000 }], NOW);
    expect(await store().take(CHAT, NOW)).toBe('tok1');
    expect(await store().take(CHAT, NOW)).toBeUndefined();
  });

  it('is kept under <prefix>:line:reply:<bot>:<chat> and expires with the token', async () => {
    await store().save([{ chat: CHAT, token: 'tok1', timestamp: Date.now() - 10_000 }]);
    const key = replyTokenKey(prefix, 'taxi', CHAT);
    expect(key).toBe(`${prefix}:line:reply:taxi:${CHAT}`);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(35_000);
    expect(ttl).toBeLessThanOrEqual(40_000);
  });

  it('a token already older than the lifetime is not kept', async () => {
    await store().save([{ chat: CHAT, token: 'old', timestamp: NOW - 50_000 }], NOW);
    expect(await redis.exists(replyTokenKey(prefix, 'taxi', CHAT))).toBe(0);
  });

  it('a token that outlived its lifetime while waiting is not used', async () => {
    await store().save([{ chat: CHAT, token: 'tok1', timestamp: NOW }], NOW);
    expect(await store().take(CHAT, NOW + 50_000)).toBeUndefined();
  });

  it('a newer event’s token replaces an older one; a redelivered older one does not replace a newer', async () => {
    await store().save([{ chat: CHAT, token: 'first', timestamp: NOW - 2000 }, { chat: CHAT, token: 'second', timestamp: NOW - 1000 }], NOW);
    await store().save([{ chat: CHAT, token: 'first', timestamp: NOW - 2000 }], NOW);
    expect(await store().take(CHAT, NOW)).toBe('second');
  });

  it('of two concurrent takes only one gets the token', async () => {
    await store().save([{ chat: CHAT, token: 'only', timestamp: NOW }], NOW);
    const taken = await Promise.all([store().take(CHAT, NOW), store().take(CHAT, NOW), store().take(CHAT, NOW)]);
    expect(taken.filter((t) => t !== undefined)).toEqual(['only']);
  });

  it('tokens of other bots and chats are apart', async () => {
    await store().save([{ chat: CHAT, token: 'mine', timestamp: NOW }], NOW);
    const other = createReplyTokenStore(redis, { prefix, bot: 'bills', lifetimeSeconds: 50 });
    expect(await other.take(CHAT, NOW)).toBeUndefined();
    expect(await store().take('Uother', NOW)).toBeUndefined();
    expect(await store().take(CHAT, NOW)).toBe('mine');
  });

  it('Redis unreachable is a StoreUnavailableError, so the webhook is answered 503 and LINE redelivers', async () => {
    const down = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const broken = createReplyTokenStore(down, { prefix, bot: 'taxi', lifetimeSeconds: 50 });
    await expect(broken.save([{ chat: CHAT, token: 't', timestamp: Date.now() }])).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(broken.take(CHAT)).rejects.toBeInstanceOf(StoreUnavailableError);
    down.disconnect();
  });
});

describe('line push retry keys in Redis', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  const messages = [{ type: 'text' as const, text: 'Your taxi is here' }];

  beforeAll(() => {
    redis = connect();
  });
  afterAll(async () => {
    await cleanPrefix(redis, prefix);
    await redis.quit();
  });

  it('the same push gets the same key until released, then a new one', async () => {
    const keys = createRetryKeyStore(redis, { prefix, bot: 'taxi' });
    const first = await keys.acquire(CHAT, messages, 0);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(await keys.acquire(CHAT, messages, 0)).toBe(first);
    expect(await keys.acquire(CHAT, messages, 1)).not.toBe(first);
    expect(await keys.acquire(CHAT, [{ type: 'text', text: 'other' }], 0)).not.toBe(first);
    await keys.release(CHAT, messages, 0);
    expect(await keys.acquire(CHAT, messages, 0)).not.toBe(first);
  });
});
