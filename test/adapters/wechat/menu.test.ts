import type { Redis } from 'ioredis';
import { createAccessTokenSource } from '../../../framework/adapters/wechat/access-token';
import { createWechatApi, type WechatApi } from '../../../framework/adapters/wechat/api';
import { parseWechatMenu, publishWechatMenu, readWechatMenu, type WechatMenu } from '../../../framework/adapters/wechat/menu';
import { ConfigError } from '../../../framework/core/errors';
import { startFakeWechat, type FakeWechat } from '../../../framework/testing/fake-wechat';
import { cleanPrefix, connect, uniquePrefix } from '../../helpers/redis';

const menu: WechatMenu = {
  button: [
    { type: 'click', name: '叫车', key: 'taxi' },
    {
      name: '账单',
      sub_button: [
        { type: 'view', name: '我的账单', url: 'https://example.com/bills' },
        { type: 'miniprogram', name: '小程序', url: 'https://example.com', appid: 'wx286b93c14bbf93aa', pagepath: 'pages/bill' },
        { type: 'location_select', name: '发送位置', key: 'where' },
        { type: 'media_id', name: '价目表', media_id: 'MEDIA_ID_1' },
        { type: 'article_id', name: '公告', article_id: 'ARTICLE_1' },
      ],
    },
    { type: 'scancode_push', name: 'Scan', key: 'scan' },
  ],
};

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('wechat menu: validation', () => {
  it('accepts a menu using every kind of button', () => {
    expect(parseWechatMenu(menu)).toEqual(menu);
  });

  it('rejects 4 top-level buttons, naming the field', () => {
    const error = configError(() => parseWechatMenu({ button: [1, 2, 3, 4].map((i) => ({ type: 'click', name: `b${i}`, key: `k${i}` })) }));
    expect(error.path).toBe('menu.button');
    expect(error.message).toMatch(/at most 3 top-level buttons/);
  });

  it('rejects an empty menu and 6 sub-buttons, naming the field', () => {
    expect(configError(() => parseWechatMenu({ button: [] })).path).toBe('menu.button');
    const six = Array.from({ length: 6 }, (_, i) => ({ type: 'click' as const, name: `s${i}`, key: `k${i}` }));
    const error = configError(() => parseWechatMenu({ button: [{ name: 'More', sub_button: six }] }));
    expect(error.path).toBe('menu.button.0.sub_button');
    expect(error.message).toMatch(/at most 5/);
  });

  it('counts name limits in UTF-8 bytes: 16 at the top level, 60 in a sub-menu', () => {
    const error = configError(() => parseWechatMenu({ button: [{ type: 'click', name: '一二三四五六', key: 'k' }] }));
    expect(error.path).toBe('menu.button.0.name');
    expect(error.message).toMatch(/18 bytes; WeChat allows at most 16/);
    expect(() => parseWechatMenu({ button: [{ name: '更多', sub_button: [{ type: 'click', name: '一'.repeat(20), key: 'k' }] }] })).not.toThrow();
    expect(configError(() => parseWechatMenu({ button: [{ name: '更多', sub_button: [{ type: 'click', name: '一'.repeat(21), key: 'k' }] }] })).path).toBe(
      'menu.button.0.sub_button.0.name',
    );
  });

  it('names a missing key, an over-long url and an unknown type', () => {
    expect(configError(() => parseWechatMenu({ button: [{ type: 'click', name: 'a', key: 'k' }, { type: 'click', name: 'b' }] })).path).toBe('menu.button.1.key');
    expect(configError(() => parseWechatMenu({ button: [{ type: 'view', name: 'a', url: `https://e.com/${'x'.repeat(1020)}` }] })).path).toBe('menu.button.0.url');
    const unknown = configError(() => parseWechatMenu({ button: [{ type: 'clik', name: 'a', key: 'k' }] }));
    expect(unknown.path).toBe('menu.button.0.type');
    expect(unknown.message).toMatch(/type must be one of click/);
  });

  it('refuses a button with both a type and sub_button', () => {
    const error = configError(() => parseWechatMenu({ button: [{ type: 'click', name: 'a', key: 'k', sub_button: [{ type: 'click', name: 'b', key: 'c' }] }] }));
    expect(error.path).toBe('menu.button.0');
    expect(error.message).toMatch(/remove type, key .*type or sub_button, not both/);
  });
});

describe('wechat menu: publish and read, against the fake WeChat API', () => {
  let fake: FakeWechat;
  let redis: Redis;
  let prefix: string;
  let api: WechatApi;

  beforeAll(async () => {
    fake = await startFakeWechat();
    redis = connect();
  });
  beforeEach(() => {
    prefix = uniquePrefix();
    fake.reset();
    api = createWechatApi({
      tokens: createAccessTokenSource({ redis, prefix, appId: fake.appId, appSecret: fake.appSecret, apiRoot: fake.apiRoot }),
      apiRoot: fake.apiRoot,
    });
  });
  afterEach(() => cleanPrefix(redis, prefix));
  afterAll(async () => {
    await fake.close();
    await redis.quit();
  });

  it('reads nothing before a menu is published, then reads back what was published', async () => {
    expect(await readWechatMenu(api)).toBeUndefined();
    await publishWechatMenu(api, menu);
    expect(fake.menu).toEqual(menu);
    expect(fake.calls.find((c) => c.path === '/cgi-bin/menu/create')?.method).toBe('POST');
    expect(await readWechatMenu(api)).toEqual(menu);
  });

  it('does not call WeChat with an invalid menu', async () => {
    const four = { button: [1, 2, 3, 4].map((i) => ({ type: 'click' as const, name: `b${i}`, key: `k${i}` })) };
    await expect(publishWechatMenu(api, four)).rejects.toBeInstanceOf(ConfigError);
    expect(fake.calls).toHaveLength(0);
  });
});
