/**
 * WeChat end to end: signed and encrypted XML posted to a running Kiosk as WeChat posts it,
 * answered through the fake customer-service API or, for a bot that chose passive replies,
 * in the webhook's own HTTP answer; WeChat's retries handled once; hostile input refused.
 */
import { Bot } from '../../framework/core/bot';
import { wechat } from '../../framework/adapters/wechat/adapter';
import { createWechatCrypto, wechatSignature } from '../../framework/adapters/wechat/crypto';
import { buildXml } from '../../framework/adapters/wechat/xml';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { startFakeWechat, type FakeWechat } from '../../framework/testing/fake-wechat';
import { postWechat, wechatEventXml, wechatHandshake, wechatTextXml } from '../../framework/testing/wechat-client';
import { dropPrefix, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { sleep, waitUntil } from '../helpers/wait';

const TOKEN = 'kioskDevToken';
const AES_KEY = 'Zx9y8W7v6U5t4S3r2Q1p0OnMlKjIhGfEdCbA0123456';
const APP_SECRET = 'dev-only-wechat-secret';
const APP_ID = 'wxkioskdev0001';

describe('WeChat through Kiosk', () => {
  const prefix = uniquePrefix();
  const handled: string[] = [];
  let fake: FakeWechat;
  let kiosk: Kiosk;
  let base: string;
  let msgId = 9_223_372_036_854_775_000n;
  const nextId = () => String(msgId++);
  const safe = { token: TOKEN, appId: APP_ID, encodingAESKey: AES_KEY };

  const echo = (name: string) => {
    const bot = new Bot(name);
    bot.event('subscribe', (ctx) => ctx.reply(`Welcome${ctx.update.event?.payload ? ` from ${ctx.update.event.payload}` : ''}`));
    bot.command('slow', async (ctx) => {
      await sleep(1_200);
      await ctx.reply('sorry for the wait');
    });
    bot.command('two', async (ctx) => {
      await ctx.reply('first');
      await ctx.reply('second');
    });
    bot.command('six', async (ctx) => {
      for (let i = 1; i <= 6; i++) await ctx.reply(`message ${i}`);
    });
    bot.command('menu', (ctx) => ctx.reply('Choose', { buttons: [[{ label: 'Taxi', data: 'taxi' }, { label: 'Bills', data: 'bills' }]] }));
    bot.button('bills', (ctx) => ctx.reply('Your bill is 42 EUR'));
    bot.on('message:text', async (ctx) => {
      handled.push(`${name}:${ctx.text}`);
      await ctx.reply(`You said: ${ctx.text}`);
    });
    return bot;
  };

  beforeAll(async () => {
    fake = await startFakeWechat({ appId: APP_ID, appSecret: APP_SECRET });
    const settings = { appId: APP_ID, appSecret: APP_SECRET, token: TOKEN, encodingAESKey: AES_KEY, apiRoot: fake.apiRoot };
    const config = testConfig(prefix, {
      shop: { wechat: settings },
      quick: { wechat: { ...settings, passiveReply: { enabled: true, deadlineMs: 600 } } },
    });
    kiosk = createKiosk({ config, bots: [echo('shop'), echo('quick')], adapters: [wechat], logger: createLogger({ level: 'silent' }) });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  beforeEach(() => {
    handled.length = 0;
    fake.reset();
  });

  test('the server-URL handshake answers echostr; a wrong signature is refused', async () => {
    const ok = await wechatHandshake(base, 'shop', TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.body).toBe(ok.echostr);
    expect((await wechatHandshake(base, 'shop', 'wrongToken')).status).toBe(401);
  });

  test('an encrypted text message is acknowledged with success and answered through the customer-service API', async () => {
    const res = await postWechat(base, 'shop', wechatTextXml({ openId: 'oAlice', text: 'hello', msgId: nextId() }), safe);
    expect(res.status).toBe(200);
    expect(res.body).toBe('success');
    const [sent] = await fake.waitFor(1);
    expect(sent).toMatchObject({ api: 'custom', openid: 'oAlice', msgtype: 'text', text: 'You said: hello' });
  });

  test('WeChat retrying a message three times at once is handled once', async () => {
    const xml = wechatTextXml({ openId: 'oBob', text: 'once', msgId: nextId() });
    const answers = await Promise.all([1, 2, 3].map(() => postWechat(base, 'shop', xml, safe)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await fake.waitFor(1);
    await sleep(400);
    expect(handled).toEqual(['shop:once']);
    expect(fake.sent).toHaveLength(1);
  });

  test('plain-mode messages and events (subscribe through a QR code) are handled', async () => {
    const res = await postWechat(base, 'shop', wechatEventXml({ openId: 'oCarol', event: 'subscribe', eventKey: 'qrscene_poster42' }), { token: TOKEN, appId: APP_ID });
    expect(res.status).toBe(200);
    const [sent] = await fake.waitFor(1);
    expect(sent!.text).toBe('Welcome from poster42');
  });

  test('buttons go out as a tappable msgmenu, and a tap comes back as a button press', async () => {
    await postWechat(base, 'shop', wechatTextXml({ openId: 'oDan', text: '/menu', msgId: nextId() }), safe);
    const [menu] = await fake.waitFor(1);
    expect(menu!.msgtype).toBe('msgmenu');
    expect(menu!.body).toMatchObject({ msgmenu: { head_content: 'Choose', list: [{ id: 'taxi', content: 'Taxi' }, { id: 'bills', content: 'Bills' }] } });
    await postWechat(base, 'shop', wechatTextXml({ openId: 'oDan', text: 'Bills', msgId: nextId(), bizMsgMenuId: 'bills' }), safe);
    await fake.waitFor(2);
    expect(fake.sent[1]!.text).toBe('Your bill is 42 EUR');
  });

  test('passive reply: a quick handler’s first reply comes back encrypted in the HTTP answer, the second through the API', async () => {
    const res = await postWechat(base, 'quick', wechatTextXml({ openId: 'oErin', text: '/two', msgId: nextId() }), safe);
    expect(res.status).toBe(200);
    expect(res.body).toContain('<Encrypt>');
    expect(res.reply).toContain('<![CDATA[first]]>');
    expect(res.reply).toContain('<ToUserName><![CDATA[oErin]]></ToUserName>');
    const [second] = await fake.waitFor(1);
    expect(second!.text).toBe('second');
    await sleep(300);
    expect(fake.sent).toHaveLength(1);
  });

  test('passive reply: a handler later than the deadline gets success, and its reply goes through the API once', async () => {
    const started = Date.now();
    const res = await postWechat(base, 'quick', wechatTextXml({ openId: 'oFay', text: '/slow', msgId: nextId() }), safe);
    expect(Date.now() - started).toBeLessThan(1_100);
    expect(res.body).toBe('success');
    const [late] = await fake.waitFor(1);
    expect(late!.text).toBe('sorry for the wait');
    await sleep(300);
    expect(fake.sent).toHaveLength(1);
  });

  test('passive reply: WeChat’s retry of a message already answered passively gets the same reply, and nothing is sent twice', async () => {
    const xml = wechatTextXml({ openId: 'oGus', text: 'hi there', msgId: nextId() });
    const first = await postWechat(base, 'quick', xml, safe);
    const retry = await postWechat(base, 'quick', xml, safe);
    expect(first.reply).toContain('You said: hi there');
    expect(retry.reply).toContain('You said: hi there');
    await sleep(400);
    expect(handled).toEqual(['quick:hi there']);
    expect(fake.sent).toHaveLength(0);
  });

  test('numbered choices: a passive reply shows buttons as numbers, and typing a number presses that button', async () => {
    const menu = await postWechat(base, 'quick', wechatTextXml({ openId: 'oJoe', text: '/menu', msgId: nextId() }), safe);
    expect(menu.reply).toContain('<![CDATA[Choose\n1. Taxi\n2. Bills]]>');
    const chosen = await postWechat(base, 'quick', wechatTextXml({ openId: 'oJoe', text: '2', msgId: nextId() }), safe);
    expect(chosen.reply).toContain('<![CDATA[Your bill is 42 EUR]]>');
    // The bill had no buttons: a number typed now is just text.
    const later = await postWechat(base, 'quick', wechatTextXml({ openId: 'oJoe', text: '2', msgId: nextId() }), safe);
    expect(later.reply).toContain('<![CDATA[You said: 2]]>');
  });

  test('the 48-hour window allows five customer-service messages per customer message; the sixth is not sent', async () => {
    await postWechat(base, 'shop', wechatTextXml({ openId: 'oHal', text: '/six', msgId: nextId() }), safe);
    await fake.waitFor(5);
    await sleep(600);
    expect(fake.sent.map((s) => s.text)).toEqual(['message 1', 'message 2', 'message 3', 'message 4', 'message 5']);
  });

  test('one access token serves every send, and an expired one is refreshed once', async () => {
    await postWechat(base, 'shop', wechatTextXml({ openId: 'oIda', text: 'a', msgId: nextId() }), safe);
    await fake.waitFor(1);
    // (fake.reset() forgot the tokens of earlier tests, so the first send may have fetched one.)
    const before = fake.tokenFetches;
    expect(before).toBeLessThanOrEqual(1);
    fake.expireTokens();
    await Promise.all(['b', 'c', 'd'].map((text, i) => postWechat(base, 'shop', wechatTextXml({ openId: `oIda${i}`, text, msgId: nextId() }), safe)));
    await fake.waitFor(4);
    expect(fake.tokenFetches).toBe(before + 1);
  });

  describe('hostile input', () => {
    const crypto = createWechatCrypto({ token: TOKEN, appId: APP_ID, encodingAESKey: AES_KEY });
    const post = (query: Record<string, string>, body: string) =>
      fetch(`${base}/webhooks/shop/wechat?${new URLSearchParams(query).toString()}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
    const signed = (timestamp = String(Math.floor(Date.now() / 1000)), nonce = '12345') => ({ signature: wechatSignature(TOKEN, timestamp, nonce), timestamp, nonce });

    test('a tampered ciphertext is 401 and nothing is handled', async () => {
      const q = signed();
      const encrypt = crypto.encrypt(wechatTextXml({ openId: 'oMal', text: 'x', msgId: nextId() }));
      const tampered = (encrypt[10] === 'A' ? 'B' : 'A') + encrypt.slice(1);
      const res = await post({ ...q, encrypt_type: 'aes', msg_signature: crypto.signature(q.timestamp, q.nonce, tampered) }, buildXml('xml', { ToUserName: 'gh', Encrypt: tampered }));
      expect([400, 401]).toContain(res.status);
      await sleep(200);
      expect(handled).toEqual([]);
    });

    test('a message for another AppID is refused', async () => {
      const other = createWechatCrypto({ token: TOKEN, appId: 'wxsomeoneelse', encodingAESKey: AES_KEY });
      const q = signed();
      const encrypt = other.encrypt(wechatTextXml({ openId: 'oMal', text: 'x', msgId: nextId() }));
      const res = await post({ ...q, encrypt_type: 'aes', msg_signature: other.signature(q.timestamp, q.nonce, encrypt) }, buildXml('xml', { ToUserName: 'gh', Encrypt: encrypt }));
      expect(res.status).toBe(401);
    });

    test('a replayed request with a stale timestamp is 401', async () => {
      const res = await postWechat(base, 'shop', wechatTextXml({ openId: 'oMal', text: 'old', msgId: nextId() }), { ...safe, timestamp: String(Math.floor(Date.now() / 1000) - 3600) });
      expect(res.status).toBe(401);
    });

    test('an entity bomb and an XXE body are 400 with a reason, and the server keeps serving', async () => {
      const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><xml><Content>&lol2;</Content></xml>';
      const xxe = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>';
      for (const body of [bomb, xxe, 'not xml at all', '']) {
        const res = await post(signed(), body);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('KIOSK_PAYLOAD_INVALID');
      }
      expect((await wechatHandshake(base, 'shop', TOKEN)).status).toBe(200);
    });
  });
});
