import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { WebhookRequest } from '../../../framework/adapters/adapter';
import { createWechatCrypto, wechatSignature } from '../../../framework/adapters/wechat/crypto';
import { parseWechatMessage } from '../../../framework/adapters/wechat/parse';
import { passiveReplyXml, sealReply } from '../../../framework/adapters/wechat/reply-xml';
import { openWechatRequest, wechatCryptoOf, wechatHandshake, type WechatCryptoSettings } from '../../../framework/adapters/wechat/verify';
import { buildXml, parseWechatXml } from '../../../framework/adapters/wechat/xml';
import { ConfigError, KioskError, PayloadError, SignatureError } from '../../../framework/core/errors';
import { postWechat, wechatHandshake as clientHandshake, wechatEventXml, wechatTextXml } from '../../../framework/testing/wechat-client';

// WeChat's own WXBizMsgCrypt sample: a compatible-mode body (plain fields and Encrypt side by side).
const DEMO: WechatCryptoSettings = { token: 'spamtest', appId: 'wx2c2769f8efd9abc2', encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };
const DEMO_QUERY = { timestamp: '1409735669', nonce: '1320562132', encrypt_type: 'aes', msg_signature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa' };
const DEMO_BODY =
  '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=]]></Encrypt></xml>';
const DEMO_NOW = 1409735669 * 1000;

const SETTINGS: WechatCryptoSettings = { token: 'kioskToken', appId: 'wxkiosk0001', encodingAESKey: 'Zx9y8W7v6U5t4S3r2Q1p0OnMlKjIhGfEdCbA0123456' };
const NOW = 1_700_000_000_000;
const TS = String(NOW / 1000);
const NONCE = '424242';
const INNER = wechatTextXml({ openId: 'oUser1', toUser: 'gh_kiosk', text: 'I need a taxi', msgId: '6054768590064713728', createTime: NOW / 1000 });

function request(query: Record<string, string | undefined>, body = '', method = 'POST'): WebhookRequest {
  return { method, headers: {}, query, rawBody: Buffer.from(body) };
}

function plainQuery(settings = SETTINGS, timestamp = TS, nonce = NONCE) {
  return { signature: wechatSignature(settings.token, timestamp, nonce), timestamp, nonce, openid: 'oUser1' };
}

/** A safe-mode request as WeChat sends it: the envelope in the body, both signatures in the query. */
function safeRequest(inner = INNER, settings = SETTINGS, timestamp = TS) {
  const crypto = createWechatCrypto({ token: settings.token, appId: settings.appId, encodingAESKey: settings.encodingAESKey! });
  const encrypt = crypto.encrypt(inner);
  const query = { ...plainQuery(settings, timestamp), encrypt_type: 'aes', msg_signature: crypto.signature(timestamp, NONCE, encrypt) };
  return { query, body: buildXml('xml', { ToUserName: 'gh_kiosk', Encrypt: encrypt }), encrypt };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('wechatHandshake', () => {
  it('answers echostr as plain text when the signature matches', () => {
    const query = { ...plainQuery(), echostr: '5837397520857929' };
    expect(wechatHandshake(request(query, '', 'GET'), SETTINGS)).toEqual({ status: 200, body: '5837397520857929', contentType: 'text/plain' });
  });

  it('refuses a wrong signature with SignatureError', () => {
    const query = { ...plainQuery(), signature: wechatSignature('otherToken', TS, NONCE), echostr: 'x' };
    expect(() => wechatHandshake(request(query, '', 'GET'), SETTINGS)).toThrow(SignatureError);
  });

  it.each(['signature', 'timestamp', 'nonce', 'echostr'])('refuses a handshake without %s', (field) => {
    const query: Record<string, string | undefined> = { ...plainQuery(), echostr: 'x' };
    delete query[field];
    expect(() => wechatHandshake(request(query, '', 'GET'), SETTINGS)).toThrow(SignatureError);
  });
});

describe('openWechatRequest: plain mode', () => {
  const plain = { token: SETTINGS.token, appId: SETTINGS.appId };

  it('returns the body as the message when the signature matches', () => {
    expect(openWechatRequest(request(plainQuery(), INNER), plain, NOW)).toEqual({ xml: INNER, encrypted: false });
  });

  it('refuses a wrong signature', () => {
    expect(() => openWechatRequest(request({ ...plainQuery(), signature: 'f'.repeat(40) }, INNER), plain, NOW)).toThrow(SignatureError);
  });

  it('refuses a missing signature, saying which parameter is missing', () => {
    const { signature: _, ...query } = plainQuery();
    expect(() => openWechatRequest(request(query, INNER), plain, NOW)).toThrow(/Missing signature/);
  });

  it('refuses a signature made for another timestamp (the timestamp is signed)', () => {
    const query = { ...plainQuery(), timestamp: String(NOW / 1000 - 1) };
    expect(() => openWechatRequest(request(query, INNER), plain, NOW)).toThrow(SignatureError);
  });

  it('refuses a timestamp older than maxAgeSeconds (default 300 s), even correctly signed', () => {
    const old = String(NOW / 1000 - 301);
    expect(() => openWechatRequest(request(plainQuery(SETTINGS, old), INNER), plain, NOW)).toThrow(/301 s away from now/);
    expect(openWechatRequest(request(plainQuery(SETTINGS, String(NOW / 1000 - 299)), INNER), plain, NOW).xml).toBe(INNER);
  });

  it('refuses a timestamp too far in the future', () => {
    expect(() => openWechatRequest(request(plainQuery(SETTINGS, String(NOW / 1000 + 301)), INNER), plain, NOW)).toThrow(SignatureError);
  });

  it('honours a configured maxAgeSeconds', () => {
    const old = String(NOW / 1000 - 30);
    expect(() => openWechatRequest(request(plainQuery(SETTINGS, old), INNER), { ...plain, maxAgeSeconds: 10 }, NOW)).toThrow(SignatureError);
  });

  it.each([['not a number', 'yesterday'], ['negative', '-1'], ['empty', '']])('refuses a timestamp that is %s', (_, timestamp) => {
    expect(() => openWechatRequest(request(plainQuery(SETTINGS, timestamp), INNER), plain, NOW)).toThrow(SignatureError);
  });

  it('accepts a plain message for an account with an encodingAESKey (compatible mode, switching modes)', () => {
    expect(openWechatRequest(request(plainQuery(), INNER), SETTINGS, NOW)).toEqual({ xml: INNER, encrypted: false });
  });

  it('does not parse the body of a request with a wrong signature', () => {
    expect(() => openWechatRequest(request({ ...plainQuery(), signature: '0'.repeat(40) }, '<!DOCTYPE x [<!ENTITY a "b">]>'), plain, NOW)).toThrow(SignatureError);
  });
});

describe('openWechatRequest: safe mode', () => {
  it("decrypts WeChat's own sample, checked by its msg_signature", () => {
    const opened = openWechatRequest(request(DEMO_QUERY, DEMO_BODY), DEMO, DEMO_NOW);
    expect(opened.encrypted).toBe(true);
    const [update] = parseWechatMessage(opened.xml, { bot: 'demo', receivedAt: DEMO_NOW });
    expect(update).toEqual(expect.objectContaining({ id: 'wx-demo-6054768590064713728', message: { id: '6054768590064713728', text: 'abcdteT' } }));
  });

  it('opens the samples: the compatible-mode envelope and the safe-mode one (a CLICK event)', () => {
    const samples = join(__dirname, '../../../framework/adapters/wechat/samples');
    const compatible = readFileSync(join(samples, 'encrypted-compatible.xml'));
    expect(openWechatRequest({ method: 'POST', headers: {}, query: DEMO_QUERY, rawBody: compatible }, DEMO, DEMO_NOW).xml).toContain('abcdteT');
    // Made with the demo key; its msg_signature for the demo timestamp and nonce:
    const safe = readFileSync(join(samples, 'encrypted-safe.xml'));
    const query = { ...DEMO_QUERY, msg_signature: 'c076c6f1a1b7d22471d913bd1ab8e74f2007d1bc' };
    const { xml } = openWechatRequest({ method: 'POST', headers: {}, query, rawBody: safe }, DEMO, DEMO_NOW);
    expect(parseWechatMessage(xml, { bot: 'demo', receivedAt: DEMO_NOW })[0]?.event).toEqual({ type: 'menu', payload: 'ORDER_TAXI' });
  });

  it('decrypts a safe-mode request into the inner message', () => {
    const { query, body } = safeRequest();
    expect(openWechatRequest(request(query, body), SETTINGS, NOW)).toEqual({ xml: INNER, encrypted: true });
  });

  it('refuses a tampered Encrypt: the msg_signature no longer matches', () => {
    const { query, body, encrypt } = safeRequest();
    const tampered = body.replace(encrypt, `${encrypt.slice(0, 10)}${encrypt[10] === 'A' ? 'B' : 'A'}${encrypt.slice(11)}`);
    expect(() => openWechatRequest(request(query, tampered), SETTINGS, NOW)).toThrow(/msg_signature does not match/);
  });

  it('refuses Encrypt forged by someone who knows the token but not the key', () => {
    const forger = createWechatCrypto({ token: SETTINGS.token, appId: SETTINGS.appId, encodingAESKey: 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut' });
    const encrypt = forger.encrypt(INNER);
    const query = { ...plainQuery(), encrypt_type: 'aes', msg_signature: forger.signature(TS, NONCE, encrypt) };
    const error = thrown(() => openWechatRequest(request(query, buildXml('xml', { Encrypt: encrypt })), SETTINGS, NOW));
    expect(error).toBeInstanceOf(KioskError);
    expect([SignatureError, PayloadError].some((type) => error instanceof type)).toBe(true);
  });

  it('refuses a message encrypted for another AppID', () => {
    const { query, body } = safeRequest(INNER, { ...SETTINGS, appId: 'wxSomeoneElse' });
    expect(() => openWechatRequest(request(query, body), SETTINGS, NOW)).toThrow(/not decrypt to a message for this account/);
  });

  it('refuses a stale timestamp before decrypting', () => {
    const old = String(NOW / 1000 - 600);
    const { query, body } = safeRequest(INNER, SETTINGS, old);
    expect(() => openWechatRequest(request(query, body), SETTINGS, NOW)).toThrow(SignatureError);
  });

  it('refuses a missing or wrong msg_signature', () => {
    const { query, body } = safeRequest();
    expect(() => openWechatRequest(request({ ...query, msg_signature: undefined }, body), SETTINGS, NOW)).toThrow(/Missing msg_signature/);
    expect(() => openWechatRequest(request({ ...query, msg_signature: 'a'.repeat(40) }, body), SETTINGS, NOW)).toThrow(SignatureError);
  });

  it('refuses a wrong plain signature before parsing the body', () => {
    const { query } = safeRequest();
    expect(() => openWechatRequest(request({ ...query, signature: '0'.repeat(40) }, 'not xml at all'), SETTINGS, NOW)).toThrow(SignatureError);
  });

  it('refuses an encrypted message when no encodingAESKey is configured, saying to configure it', () => {
    const { query, body } = safeRequest();
    expect(() => openWechatRequest(request(query, body), { token: SETTINGS.token, appId: SETTINGS.appId }, NOW)).toThrow(/encodingAESKey/);
  });

  it('refuses an unknown encrypt_type', () => {
    const { query, body } = safeRequest();
    expect(() => openWechatRequest(request({ ...query, encrypt_type: 'des' }, body), SETTINGS, NOW)).toThrow(SignatureError);
  });

  it('refuses an envelope without Encrypt with PayloadError naming it', () => {
    const { query } = safeRequest();
    const error = thrown(() => openWechatRequest(request(query, '<xml><ToUserName>gh</ToUserName></xml>'), SETTINGS, NOW));
    expect(error).toBeInstanceOf(PayloadError);
    expect((error as PayloadError).path).toEqual(['xml', 'Encrypt']);
  });

  it.each([
    ['an XXE envelope', '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Encrypt>&x;</Encrypt></xml>'],
    ['a non-XML body', 'Encrypt=abc'],
    ['deep nesting', `<xml>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</xml>`],
  ])('refuses %s with PayloadError when signed', (_, body) => {
    const { query } = safeRequest();
    expect(() => openWechatRequest(request(query, body), SETTINGS, NOW)).toThrow(PayloadError);
  });

  it('refuses a signed XXE inside the encrypted message when it is parsed', () => {
    const { query, body } = safeRequest('<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>');
    const { xml } = openWechatRequest(request(query, body), SETTINGS, NOW);
    expect(() => parseWechatMessage(xml, { bot: 'taxi', receivedAt: NOW })).toThrow(PayloadError);
  });

  it('refuses a malformed encodingAESKey with ConfigError', () => {
    const { query, body } = safeRequest();
    expect(() => openWechatRequest(request(query, body), { ...SETTINGS, encodingAESKey: 'short' }, NOW)).toThrow(ConfigError);
  });

  it('creates the crypto once per settings object', () => {
    expect(wechatCryptoOf(SETTINGS)).toBe(wechatCryptoOf(SETTINGS));
    expect(wechatCryptoOf({ token: 't', appId: 'a' })).toBeUndefined();
  });
});

describe('wechat-client against a real HTTP server built from verify, parse and reply-xml', () => {
  let server: http.Server;
  let baseUrl: string;
  const received: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const bot = url.pathname.split('/')[2] ?? '';
        const settings = bot === 'safe' ? SETTINGS : { token: SETTINGS.token, appId: SETTINGS.appId };
        const webhook: WebhookRequest = { method: req.method ?? 'GET', headers: {}, query: Object.fromEntries(url.searchParams), rawBody: Buffer.concat(chunks) };
        try {
          if (webhook.method === 'GET') {
            const answer = wechatHandshake(webhook, settings);
            res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain' }).end(answer.body);
            return;
          }
          const opened = openWechatRequest(webhook, settings);
          const [update] = parseWechatMessage(opened.xml, { bot, receivedAt: Date.now() });
          if (!update) return void res.writeHead(200).end('success');
          received.push(url.searchParams.get('openid') ?? '');
          const reply = passiveReplyXml(update, { text: `echo: ${update.message?.text ?? update.event?.type}` }, Date.now());
          const crypto = wechatCryptoOf(settings);
          const body = opened.encrypted && crypto ? sealReply(reply, crypto, String(Math.floor(Date.now() / 1000)), 'n0nce') : reply;
          res.writeHead(200, { 'content-type': 'application/xml' }).end(body);
        } catch (error) {
          res.writeHead(error instanceof SignatureError ? 401 : error instanceof PayloadError ? 400 : 500).end(String(error));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('handshakes: the server answers the echostr', async () => {
    const { status, body, echostr } = await clientHandshake(baseUrl, 'plain', SETTINGS.token);
    expect(status).toBe(200);
    expect(body).toBe(echostr);
  });

  it('a handshake with the wrong token gets 401', async () => {
    expect((await clientHandshake(baseUrl, 'plain', 'wrongToken')).status).toBe(401);
  });

  it('posts a plain message and reads the plain passive reply', async () => {
    const answer = await postWechat(baseUrl, 'plain', wechatTextXml({ openId: 'oPlain', text: 'hello', msgId: 1 }), { token: SETTINGS.token, appId: SETTINGS.appId });
    expect(answer.status).toBe(200);
    expect(parseWechatXml(answer.reply!)).toEqual(expect.objectContaining({ ToUserName: 'oPlain', FromUserName: 'gh_kiosk_test', MsgType: 'text', Content: 'echo: hello' }));
    expect(received).toContain('oPlain');
  });

  it('posts an encrypted message and decrypts the encrypted passive reply', async () => {
    const answer = await postWechat(baseUrl, 'safe', wechatTextXml({ openId: 'oSafe', text: '加密 ]]> ok', msgId: 2 }), SETTINGS);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<Encrypt>');
    expect(answer.body).not.toContain('echo');
    expect(parseWechatXml(answer.reply!).Content).toBe('echo: 加密 ]]> ok');
  });

  it('posts in compatible mode (plain fields and Encrypt together)', async () => {
    const answer = await postWechat(baseUrl, 'safe', wechatEventXml({ openId: 'oCompat', event: 'subscribe' }), { ...SETTINGS, mode: 'compatible' });
    expect(answer.status).toBe(200);
    expect(parseWechatXml(answer.reply!).Content).toBe('echo: subscribe');
  });

  it('a message signed with the wrong token gets 401', async () => {
    const answer = await postWechat(baseUrl, 'safe', wechatTextXml({ openId: 'oBad', text: 'x', msgId: 3 }), { ...SETTINGS, token: 'wrongToken' });
    expect(answer.status).toBe(401);
  });

  it('a stale message gets 401', async () => {
    const stale = String(Math.floor(Date.now() / 1000) - 3600);
    const answer = await postWechat(baseUrl, 'plain', wechatTextXml({ openId: 'oOld', text: 'x', msgId: 4 }), { token: SETTINGS.token, appId: SETTINGS.appId, timestamp: stale });
    expect(answer.status).toBe(401);
  });

  it('a signed body that is not XML gets 400', async () => {
    const answer = await postWechat(baseUrl, 'plain', 'definitely not xml', { token: SETTINGS.token, appId: SETTINGS.appId });
    expect(answer.status).toBe(400);
  });
});
