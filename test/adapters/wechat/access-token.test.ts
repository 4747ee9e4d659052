import type { Redis } from 'ioredis';
import { createAccessTokenSource, type AccessTokenSourceOptions } from '../../../framework/adapters/wechat/access-token';
import { startFakeWechat, type FakeWechat } from '../../../framework/testing/fake-wechat';
import { deliveryError } from '../../helpers/delivery';
import { freePort } from '../../helpers/ports';
import { cleanPrefix, connect, uniquePrefix } from '../../helpers/redis';

describe('wechat access_token shared through Redis', () => {
  let fake: FakeWechat;
  let prefix: string;
  const connections: Redis[] = [];

  const redis = (): Redis => {
    const connection = connect();
    connections.push(connection);
    return connection;
  };
  const source = (extra: Partial<AccessTokenSourceOptions> = {}) =>
    createAccessTokenSource({ redis: redis(), prefix, appId: fake.appId, appSecret: fake.appSecret, apiRoot: fake.apiRoot, ...extra });

  /** Whether the fake still accepts a token (it answers 42001/40001 otherwise). */
  const accepted = async (token: string): Promise<boolean> => {
    const response = await fetch(`${fake.apiRoot}/cgi-bin/menu/get?access_token=${token}`);
    const { errcode } = (await response.json()) as { errcode?: number };
    return errcode !== 40001 && errcode !== 42001;
  };

  beforeAll(async () => {
    fake = await startFakeWechat();
  });
  beforeEach(() => {
    prefix = uniquePrefix();
    fake.reset();
  });
  afterEach(async () => {
    await cleanPrefix(connections[0] ?? redis(), prefix);
    await Promise.all(connections.splice(0).map((c) => c.quit()));
  });
  afterAll(() => fake.close());

  it('five processes on separate Redis connections asking at once cause one token fetch', async () => {
    const sources = Array.from({ length: 5 }, () => source());
    const tokens = await Promise.all(sources.flatMap((s) => Array.from({ length: 10 }, () => s.get())));
    expect(new Set(tokens).size).toBe(1);
    expect(fake.tokenFetches).toBe(1);
    // And later calls reuse the cached token.
    await Promise.all(sources.map((s) => s.get()));
    expect(fake.tokenFetches).toBe(1);
  });

  it('caches the token under <prefix>:wechat:token:<appId> with the expiry WeChat gave, and releases the lock', async () => {
    const token = await source().get();
    const redisClient = connections[0]!;
    const key = `${prefix}:wechat:token:${fake.appId}`;
    const stored = JSON.parse((await redisClient.get(key))!) as { token: string; expiresAt: number };
    expect(stored.token).toBe(token);
    expect(stored.expiresAt).toBeGreaterThan(Date.now() + 7100_000);
    expect(await redisClient.pttl(key)).toBeGreaterThan(7100_000);
    expect(await redisClient.exists(`${key}:lock`)).toBe(0);
  });

  it('refreshes a token within the margin of its expiry before it expires, once for all processes', async () => {
    let clock = Date.now();
    const sources = Array.from({ length: 5 }, () => source({ now: () => clock, refreshMarginSeconds: 300 }));
    const first = await sources[0]!.get();
    clock += (7200 - 400) * 1000; // still outside the margin
    expect(await sources[1]!.get()).toBe(first);
    expect(fake.tokenFetches).toBe(1);

    clock += 150 * 1000; // now 250 s before expiry: inside the 300 s margin
    const after = await Promise.all(sources.flatMap((s) => [s.get(), s.get()]));
    expect(fake.tokenFetches).toBe(2);
    const second = after.find((t) => t !== first)!;
    expect(second).toBeDefined();
    // Every answer is usable: the new token, or the old one while the new one was being fetched.
    for (const token of after) expect([first, second]).toContain(token);
    // The old token had not expired when it was replaced (WeChat keeps it for 5 more minutes).
    expect(await accepted(first)).toBe(true);
    expect(await sources[2]!.get()).toBe(second);
  });

  it('refresh(stale) from many processes fetches once, and a refresh after someone else refreshed fetches nothing', async () => {
    const sources = Array.from({ length: 5 }, () => source());
    const stale = await sources[0]!.get();
    fake.expireTokens();
    const fresh = await Promise.all(sources.flatMap((s) => Array.from({ length: 10 }, () => s.refresh(stale))));
    expect(new Set(fresh).size).toBe(1);
    expect(fresh[0]).not.toBe(stale);
    expect(fake.tokenFetches).toBe(2);
    expect(await accepted(fresh[0]!)).toBe(true);

    expect(await source().refresh(stale)).toBe(fresh[0]);
    expect(fake.tokenFetches).toBe(2);
  });

  it('a wrong AppSecret gives up with a message saying which setting to fix', async () => {
    const error = await deliveryError(source({ appSecret: 'wrong' }).get());
    expect(error.outcome.kind).toBe('give-up');
    expect(error.status).toBe(40125);
    expect(error.message).toMatch(/settings\.appSecret/);
    expect(error.message).not.toContain('wrong'); // the secret is never in a message
  });

  it('a wrong AppID gives up naming settings.appId', async () => {
    const error = await deliveryError(source({ appId: 'wx-nope' }).get());
    expect(error.outcome.kind).toBe('give-up');
    expect(error.message).toMatch(/settings\.appId/);
  });

  it('an IP that is not whitelisted (40164) gives up saying to add it to the whitelist', async () => {
    fake.failNext(1, { path: '/cgi-bin/token', errcode: 40164 });
    const error = await deliveryError(source().get());
    expect(error.outcome).toMatchObject({ kind: 'give-up' });
    expect(error.message).toMatch(/whitelist/);
  });

  it('system busy (-1) and HTTP 5xx from the token endpoint are retried, and a failed fetch releases the lock', async () => {
    const tokens = source();
    fake.failNext(1, { path: '/cgi-bin/token', errcode: -1 });
    expect((await deliveryError(tokens.get())).outcome).toEqual({ kind: 'retry' });
    fake.failNext(1, { path: '/cgi-bin/token', status: 502 });
    expect((await deliveryError(tokens.get())).outcome).toEqual({ kind: 'retry' });
    expect(await connections[0]!.exists(`${prefix}:wechat:token:${fake.appId}:lock`)).toBe(0);
    await expect(tokens.get()).resolves.toMatch(/^fake-token-/);
  });

  it('an unreachable WeChat is a retryable error naming the endpoint but not the secret', async () => {
    const port = await freePort();
    const error = await deliveryError(source({ apiRoot: `http://127.0.0.1:${port}` }).get());
    expect(error.outcome).toEqual({ kind: 'retry' });
    expect(error.message).toContain(`127.0.0.1:${port}/cgi-bin/token`);
    expect(error.message).not.toContain(fake.appSecret);
  });

  it('a process waiting for another one\'s refresh gives up with a retryable error when it never comes', async () => {
    const tokens = source({ lockTtlMs: 5000, waitTimeoutMs: 200 });
    await connections[0]!.set(`${prefix}:wechat:token:${fake.appId}:lock`, 'someone-else', 'PX', 5000);
    const error = await deliveryError(tokens.get());
    expect(error.outcome).toEqual({ kind: 'retry' });
    expect(fake.tokenFetches).toBe(0);
  });
});
