import type { Redis } from 'ioredis';
import { createAccessTokenSource } from '../../../framework/adapters/wechat/access-token';
import { createWechatApi, WechatApiError, WechatHttpError, type WechatApi } from '../../../framework/adapters/wechat/api';
import { startFakeWechat, type FakeWechat } from '../../../framework/testing/fake-wechat';
import { cleanPrefix, connect, uniquePrefix } from '../../helpers/redis';

const SEND = '/cgi-bin/message/custom/send';
const text = (openid: string, content: string) => ({ touser: openid, msgtype: 'text', text: { content } });

describe('wechat API client, against the fake WeChat API', () => {
  let fake: FakeWechat;
  let prefix: string;
  const connections: Redis[] = [];

  /** One "process": its own Redis connection, token source and client. */
  const process = (): WechatApi => {
    const redis = connect();
    connections.push(redis);
    const tokens = createAccessTokenSource({ redis, prefix, appId: fake.appId, appSecret: fake.appSecret, apiRoot: fake.apiRoot });
    return createWechatApi({ tokens, apiRoot: fake.apiRoot });
  };

  beforeAll(async () => {
    fake = await startFakeWechat();
  });
  beforeEach(() => {
    prefix = uniquePrefix();
    fake.reset();
  });
  afterEach(async () => {
    if (connections[0]) await cleanPrefix(connections[0], prefix);
    await Promise.all(connections.splice(0).map((c) => c.quit()));
  });
  afterAll(() => fake.close());

  it('POSTs JSON with ?access_token= and returns the parsed answer', async () => {
    const answer = await process().call(SEND, text('openid-1', '你好'));
    expect(answer).toEqual({ errcode: 0, errmsg: 'ok' });
    const call = fake.calls.find((c) => c.path === SEND)!;
    expect(call.method).toBe('POST');
    expect(call.query.access_token).toMatch(/^fake-token-/);
    expect(call.body).toEqual(text('openid-1', '你好'));
    expect(fake.sent[0]).toMatchObject({ openid: 'openid-1', msgtype: 'text', text: '你好' });
  });

  it('GETs when there is no body', async () => {
    await expect(process().call('/cgi-bin/menu/get')).rejects.toMatchObject({ errcode: 46003 });
    expect(fake.calls.find((c) => c.path === '/cgi-bin/menu/get')?.method).toBe('GET');
  });

  it('expired tokens seen by 50 concurrent calls in 5 processes cause one refresh, and every call succeeds after one retry', async () => {
    const processes = Array.from({ length: 5 }, () => process());
    await Promise.all(processes.map((api, i) => api.call(SEND, text(`warm-${i}`, 'warm up'))));
    expect(fake.tokenFetches).toBe(1);
    fake.reset(); // forget the warm-up, keep nothing but the Redis cache
    // The fake forgot its tokens, so the cached one is now unknown to it (errcode 40001)…
    const results = await Promise.all(processes.flatMap((api, p) => Array.from({ length: 10 }, (_, i) => api.call(SEND, text(`u-${p}-${i}`, 'hi')))));
    expect(results.every((r) => r.errcode === 0)).toBe(true);
    expect(fake.tokenFetches).toBe(1);
    expect(fake.sent).toHaveLength(50);
    const sends = fake.calls.filter((c) => c.path === SEND);
    expect(sends.filter((c) => c.errcode === 40001)).toHaveLength(50);
    expect(sends.filter((c) => c.errcode === 0)).toHaveLength(50);

    // …and the same with tokens the fake knows but has expired (errcode 42001).
    fake.expireTokens();
    await Promise.all(processes.flatMap((api, p) => Array.from({ length: 10 }, (_, i) => api.call(SEND, text(`v-${p}-${i}`, 'again')))));
    expect(fake.tokenFetches).toBe(2);
    expect(fake.calls.filter((c) => c.errcode === 42001)).toHaveLength(50);
    expect(fake.sent).toHaveLength(100);
  });

  it('retries a refused token only once: a second 40001 is thrown as WechatApiError', async () => {
    const api = process();
    await api.call(SEND, text('o', 'warm up'));
    fake.failNext(2, { errcode: 40001 });
    const error = await api.call(SEND, text('o', 'hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatApiError);
    expect(error).toMatchObject({ errcode: 40001, path: SEND });
    expect(fake.calls.filter((c) => c.path === SEND)).toHaveLength(3);
    expect(fake.tokenFetches).toBe(2);
  });

  it('throws WechatApiError with errcode and errmsg for any other non-zero errcode, without refreshing', async () => {
    const api = process();
    fake.failNext(1, { errcode: 45015 });
    const error = await api.call(SEND, text('o', 'hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatApiError);
    expect(error).toMatchObject({ errcode: 45015, errmsg: 'response out of time limit or subscription is canceled' });
    expect(fake.tokenFetches).toBe(1);
  });

  it('throws WechatHttpError for an HTTP failure without JSON', async () => {
    const api = process();
    fake.failNext(1, { status: 502 });
    const error = await api.call(SEND, text('o', 'hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatHttpError);
    expect(error).toMatchObject({ status: 502, path: SEND });
  });
});
