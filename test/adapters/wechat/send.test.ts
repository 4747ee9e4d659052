import type { Redis } from 'ioredis';
import { createAccessTokenSource } from '../../../framework/adapters/wechat/access-token';
import { createWechatApi, WechatApiError, WechatHttpError, type WechatApi } from '../../../framework/adapters/wechat/api';
import { classifyWechatError, htmlToWechat, sendWechat } from '../../../framework/adapters/wechat/send';
import { DeliveryError, type DeliveryOutcome } from '../../../framework/core/errors';
import type { OutboundMessage } from '../../../framework/core/outbound';
import type { Conversation } from '../../../framework/core/update';
import { startFakeWechat, type FakeWechat } from '../../../framework/testing/fake-wechat';
import { deliveryError } from '../../helpers/delivery';
import { freePort } from '../../helpers/ports';
import { cleanPrefix, connect, uniquePrefix } from '../../helpers/redis';

const OPENID = 'oUser-42';
const conversation: Conversation = { bot: 'taxi', platform: 'wechat', chat: OPENID, user: OPENID };

describe('wechat send, against the fake WeChat API', () => {
  let fake: FakeWechat;
  let redis: Redis;
  let prefix: string;
  let api: WechatApi;

  const apiFor = (apiRoot: string, appSecret = fake.appSecret) =>
    createWechatApi({ tokens: createAccessTokenSource({ redis, prefix, appId: fake.appId, appSecret, apiRoot }), apiRoot });

  const sendOne = async (message: OutboundMessage, options?: { msgMenu?: boolean }) => {
    await sendWechat(api, conversation, message, options);
    return fake.calls.filter((c) => c.path.startsWith('/cgi-bin/message/')).at(-1)!.body as Record<string, unknown>;
  };

  beforeAll(async () => {
    fake = await startFakeWechat({ templates: ['bill-due', 'ride'] });
    redis = connect();
  });
  beforeEach(() => {
    prefix = uniquePrefix();
    fake.reset();
    api = apiFor(fake.apiRoot);
  });
  afterEach(() => cleanPrefix(redis, prefix));
  afterAll(async () => {
    await fake.close();
    await redis.quit();
  });

  it('text is a text message to the OpenID', async () => {
    expect(await sendWechat(api, conversation, { text: 'Your taxi is on its way' })).toEqual({});
    expect(fake.sent[0]).toMatchObject({ api: 'custom', openid: OPENID, msgtype: 'text', text: 'Your taxi is on its way' });
    expect(fake.sent[0]?.body).toEqual({ touser: OPENID, msgtype: 'text', text: { content: 'Your taxi is on its way' } });
  });

  it('html text keeps <a href> links, drops other tags and decodes entities', async () => {
    const body = await sendOne({
      text: '<b>Paid</b> &amp; done: <a href="https://example.com/b?id=1&amp;y=2" target="_blank">your <i>bill</i></a><br>Thanks<p>Bye</p>',
      format: 'html',
    });
    expect(body.text).toEqual({ content: 'Paid & done: <a href="https://example.com/b?id=1&y=2">your bill</a>\nThanks\nBye' });
  });

  it('plain text is sent as written, even with angle brackets', async () => {
    const body = await sendOne({ text: '2 < 3 <b>not bold</b>' });
    expect(body.text).toEqual({ content: '2 < 3 <b>not bold</b>' });
  });

  it('callback buttons are a msgmenu: the text as head_content, one item per button, url buttons as links', async () => {
    const body = await sendOne({
      text: 'Where to?',
      buttons: [[{ label: 'Home', data: 'dest:home' }, { label: 'Work', data: 'dest:work' }], [{ label: 'Map', url: 'https://example.com/map' }]],
    });
    expect(body).toEqual({
      touser: OPENID,
      msgtype: 'msgmenu',
      msgmenu: {
        head_content: 'Where to?\n<a href="https://example.com/map">Map</a>',
        list: [{ id: 'dest:home', content: 'Home' }, { id: 'dest:work', content: 'Work' }],
      },
    });
    expect(fake.sent[0]).toMatchObject({ msgtype: 'msgmenu', text: 'Where to?\n<a href="https://example.com/map">Map</a>' });
  });

  it('buttons whose data cannot be a msgmenu id degrade to numbered text', async () => {
    const body = await sendOne({ text: 'Pay?', buttons: [[{ label: 'Pay now', data: 'pay 42' }, { label: 'Later', data: 'later' }]] });
    expect(body).toEqual({ touser: OPENID, msgtype: 'text', text: { content: 'Pay?\n1. Pay now\n2. Later' } });
    const long = await sendOne({ text: 'Pick', buttons: [[{ label: 'A', data: 'x'.repeat(129) }]] });
    expect(long.msgtype).toBe('text');
  });

  it('msgMenu: false sends numbered text, url buttons included', async () => {
    const body = await sendOne(
      { text: 'Where to?', buttons: [[{ label: 'Home', data: 'dest:home' }], [{ label: 'Map', url: 'https://example.com/map' }]] },
      { msgMenu: false },
    );
    expect(body.text).toEqual({ content: 'Where to?\n1. Home\n2. Map: https://example.com/map' });
  });

  it('url buttons alone are links at the end of the text', async () => {
    const body = await sendOne({ text: 'Your bill', buttons: [[{ label: 'Open', url: 'https://example.com/bill?a="b"' }]] });
    expect(body.text).toEqual({ content: 'Your bill\n<a href="https://example.com/bill?a=%22b%22">Open</a>' });
  });

  it('a card with a link and no buttons is a news message with one article', async () => {
    const body = await sendOne({
      text: 'See <a href="https://example.com/help">help</a>',
      format: 'html',
      card: { title: 'Bill for May', description: 'Total: 42 CNY', url: 'https://example.com/bill/5', imageUrl: 'https://example.com/bill.png' },
    });
    expect(body).toEqual({
      touser: OPENID,
      msgtype: 'news',
      news: {
        articles: [
          { title: 'Bill for May', description: 'Total: 42 CNY\nSee help (https://example.com/help)', url: 'https://example.com/bill/5', picurl: 'https://example.com/bill.png' },
        ],
      },
    });
  });

  it('a card with buttons is text lines (title as a link, description) heading a msgmenu', async () => {
    const body = await sendOne({
      card: { title: 'Bill for May', description: 'Total: 42 CNY', url: 'https://example.com/bill/5' },
      buttons: [[{ label: 'Pay', data: 'pay' }]],
    });
    expect(body.msgmenu).toEqual({
      head_content: '<a href="https://example.com/bill/5">Bill for May</a>\nTotal: 42 CNY',
      list: [{ id: 'pay', content: 'Pay' }],
    });
  });

  it('a card without a link is text', async () => {
    const body = await sendOne({ card: { title: 'Ride booked', description: 'Car: white Tesla' } });
    expect(body.text).toEqual({ content: 'Ride booked\nCar: white Tesla' });
  });

  it('media is sent as links in the text (no upload)', async () => {
    const body = await sendOne({
      text: 'Your receipt',
      media: [{ kind: 'image', url: 'https://example.com/r.png', caption: 'Receipt' }, { kind: 'file', url: 'https://example.com/r.pdf' }],
    });
    expect(body.text).toEqual({ content: 'Your receipt\n<a href="https://example.com/r.png">Receipt</a>\nhttps://example.com/r.pdf' });
  });

  it('a template message carries its fields, colours and link, and returns the msgid', async () => {
    const sent = await sendWechat(api, conversation, {
      text: 'ignored: the template is what is sent',
      template: { id: 'bill-due', url: 'https://example.com/bill/5', fields: { first: 'Your bill is due', amount: { value: '42 CNY', color: '#FF0000' }, due: { value: '31 May' } } },
    });
    expect(sent).toEqual({ messageId: '1' });
    expect(fake.sent[0]).toMatchObject({
      api: 'template',
      openid: OPENID,
      msgtype: 'template',
      templateId: 'bill-due',
      url: 'https://example.com/bill/5',
      msgid: 1,
      data: { first: { value: 'Your bill is due' }, amount: { value: '42 CNY', color: '#FF0000' }, due: { value: '31 May' } },
    });
    expect(fake.sent[0]?.body).toEqual({
      touser: OPENID,
      template_id: 'bill-due',
      url: 'https://example.com/bill/5',
      data: { first: { value: 'Your bill is due' }, amount: { value: '42 CNY', color: '#FF0000' }, due: { value: '31 May' } },
    });
    expect(fake.calls.some((c) => c.path === '/cgi-bin/message/custom/send')).toBe(false);
  });

  it('an unknown template id gives up (40037)', async () => {
    const error = await deliveryError(sendWechat(api, conversation, { template: { id: 'nope', fields: {} } }));
    expect(error.outcome).toMatchObject({ kind: 'give-up' });
    expect(error.status).toBe(40037);
    expect(error.message).toContain('template id');
  });

  it('an empty message gives up without calling WeChat', async () => {
    const error = await deliveryError(sendWechat(api, conversation, {}));
    expect(error.outcome).toEqual({ kind: 'give-up', reason: 'empty message' });
    expect(fake.calls).toHaveLength(0);
  });

  const cases: Array<[number, DeliveryOutcome | { kind: 'give-up'; reason: RegExp }]> = [
    [-1, { kind: 'retry' }],
    [45009, { kind: 'retry-after', seconds: 60 }],
    [45011, { kind: 'retry-after', seconds: 60 }],
    [45015, { kind: 'give-up', reason: /^window-closed: .*45015/ }],
    [45047, { kind: 'give-up', reason: /^window-closed: .*45047/ }],
    [40003, { kind: 'give-up', reason: /invalid OpenID/ }],
    [43004, { kind: 'give-up', reason: /unfollowed/ }],
    [43019, { kind: 'give-up', reason: /blacklist/ }],
    [40037, { kind: 'give-up', reason: /template id/ }],
    [40200, { kind: 'give-up', reason: /msgMenu: false/ }],
    [48001, { kind: 'give-up', reason: /WeChat error 48001/ }],
  ];

  it.each(cases)('errcode %i from WeChat is classified as documented', async (errcode, expected) => {
    fake.failNext(1, { errcode });
    const error = await deliveryError(sendWechat(api, conversation, { text: 'hi' }));
    expect(error.status).toBe(errcode);
    if (expected.kind === 'give-up' && expected.reason instanceof RegExp) {
      expect(error.outcome.kind).toBe('give-up');
      expect(error.outcome.kind === 'give-up' && error.outcome.reason).toMatch(expected.reason);
    } else {
      expect(error.outcome).toEqual(expected);
    }
    expect(fake.sent).toHaveLength(0);
  });

  it('HTTP 5xx is retried, HTTP 429 retried after a second, other HTTP 4xx given up', async () => {
    fake.failNext(1, { status: 503 });
    expect((await deliveryError(sendWechat(api, conversation, { text: 'hi' }))).outcome).toEqual({ kind: 'retry' });
    expect(classifyWechatError(new WechatHttpError('/x', 429, 'slow down'))).toEqual({ kind: 'retry-after', seconds: 1 });
    expect(classifyWechatError(new WechatHttpError('/x', 404, 'Not Found')).kind).toBe('give-up');
  });

  it('a token refused even after a refresh is retried later', () => {
    expect(classifyWechatError(new WechatApiError('/x', 40001, 'invalid credential'))).toEqual({ kind: 'retry' });
    expect(classifyWechatError(new WechatApiError('/x', 42001, 'access_token expired'))).toEqual({ kind: 'retry' });
  });

  it('an unreachable WeChat is retried', async () => {
    const port = await freePort();
    // The token is cached, so the failure is the send itself.
    await sendWechat(api, conversation, { text: 'warm up' });
    const offline = createWechatApi({
      tokens: createAccessTokenSource({ redis, prefix, appId: fake.appId, appSecret: fake.appSecret, apiRoot: fake.apiRoot }),
      apiRoot: `http://127.0.0.1:${port}`,
    });
    const error = await deliveryError(sendWechat(offline, conversation, { text: 'hi' }));
    expect(error.outcome).toEqual({ kind: 'retry' });
  });

  it('a wrong AppSecret surfaces as a give-up naming settings.appSecret', async () => {
    const error = await deliveryError(sendWechat(apiFor(fake.apiRoot, 'wrong'), conversation, { text: 'hi' }));
    expect(error.outcome.kind).toBe('give-up');
    expect(error.message).toMatch(/settings\.appSecret/);
  });

  it('unexpected errors are given up, DeliveryErrors keep their outcome', () => {
    expect(classifyWechatError(new Error('boom'))).toEqual({ kind: 'give-up', reason: 'unexpected error: boom' });
    expect(classifyWechatError(new DeliveryError('x', { kind: 'retry-after', seconds: 7 }))).toEqual({ kind: 'retry-after', seconds: 7 });
  });
});

describe('htmlToWechat', () => {
  it('keeps only href on links, accepts single-quoted and bare hrefs', () => {
    expect(htmlToWechat(`<a class="x" href='https://a.example/1'>one</a> <a href=https://b.example/2>two</a>`)).toBe(
      '<a href="https://a.example/1">one</a> <a href="https://b.example/2">two</a>',
    );
  });

  it('decodes numeric entities and collapses runs of blank lines', () => {
    expect(htmlToWechat('&#20320;&#x597D;<p></p><p></p><p>end</p>')).toBe('你好\n\nend');
  });
});
