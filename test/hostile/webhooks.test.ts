/**
 * Hostile input on every platform's webhook (telegram, webchat, wechat, whatsapp, line):
 * garbage, signed garbage, deeply nested JSON, invalid UTF-8, wrong content types, oversized
 * bodies, huge headers. Each is answered 400, 401 or 413 (never 500, never a crash), and the
 * server keeps serving afterwards.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { telegram } from '../../framework/adapters/telegram/adapter';
import { webchat } from '../../framework/adapters/webchat/adapter';
import { wechat } from '../../framework/adapters/wechat/adapter';
import { wechatSignature } from '../../framework/adapters/wechat/crypto';
import { whatsapp } from '../../framework/adapters/whatsapp/adapter';
import { line } from '../../framework/adapters/line/adapter';
import { Bot } from '../../framework/core/bot';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { signLineBody } from '../../framework/testing/line-client';
import { postTelegramUpdate, telegramTextUpdate } from '../../framework/testing/post-update';
import { signWhatsapp } from '../../framework/testing/whatsapp-client';
import { dropPrefix, TELEGRAM_SECRET, telegramSettings, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';

const LIMIT = 256 * 1024;
const NOWHERE = 'http://127.0.0.1:9';
const WX_TOKEN = 'hostiletoken';
const WA_SECRET = 'dev-only-whatsapp-app-secret';
const LINE_SECRET = 'dev-only-line-channel-secret';
const PLATFORMS = ['telegram', 'webchat', 'wechat', 'whatsapp', 'line'] as const;
type Platform = (typeof PLATFORMS)[number];

interface Answer {
  status: number;
  body: string;
}

/** POST raw bytes with exactly the headers given (no defaults added but host and length). */
function post(base: string, path: string, headers: Record<string, string>, body: Buffer | string, chunked = false): Promise<Answer> {
  const url = new URL(path, base);
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'POST', headers: chunked ? headers : { ...headers, 'content-length': String(bytes.length) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    // The server may answer (413) and close before the whole body is written.
    req.on('error', (error) => reject(error));
    req.end(bytes);
  });
}

/** Write raw bytes on a socket and read the status line of the answer. */
function rawStatus(port: number, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => {
      data += d.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (match) {
        socket.destroy();
        resolve(Number(match[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
    socket.write(text);
  });
}

const deepJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('hostile webhooks', () => {
  const prefix = uniquePrefix();
  let kiosk: Kiosk;
  let base: string;
  let port: number;
  let webchatToken: string;

  beforeAll(async () => {
    const config = testConfig(
      prefix,
      {
        h: {
          telegram: telegramSettings(NOWHERE),
          webchat: { secret: 'dev-only-webchat-secret-0123456789' },
          wechat: { appId: 'wxhostile00000001', appSecret: 'dev-only-secret', token: WX_TOKEN, apiRoot: NOWHERE },
          whatsapp: { phoneNumberId: '1000', accessToken: 'dev-only-token', appSecret: WA_SECRET, verifyToken: 'dev-only-verify', apiRoot: NOWHERE },
          line: { channelSecret: LINE_SECRET, channelAccessToken: 'dev-only-token', apiRoot: NOWHERE },
        },
      },
      { webhookBodyLimitBytes: LIMIT },
    );
    kiosk = createKiosk({ config, bots: [new Bot('h')], adapters: [telegram, webchat, wechat, whatsapp, line], logger: createLogger({ level: 'silent' }) });
    base = await kiosk.listen(0);
    port = Number(new URL(base).port);
    const session = await fetch(`${base}/webchat/h/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    webchatToken = ((await session.json()) as { token: string }).token;
  });

  afterAll(async () => {
    await kiosk.close();
    await dropPrefix(prefix);
  });

  /** The path and headers that make a body pass each platform's signature check. */
  function signed(platform: Platform, body: Buffer, contentType: string): { path: string; headers: Record<string, string> } {
    const headers: Record<string, string> = { 'content-type': contentType };
    let path = `/webhooks/h/${platform}`;
    if (platform === 'telegram') headers['x-telegram-bot-api-secret-token'] = TELEGRAM_SECRET;
    if (platform === 'webchat') headers.authorization = `Bearer ${webchatToken}`;
    if (platform === 'whatsapp') headers['x-hub-signature-256'] = signWhatsapp(body, WA_SECRET);
    if (platform === 'line') headers['x-line-signature'] = signLineBody(body, LINE_SECRET);
    if (platform === 'wechat') {
      // Plain mode: the signature covers the query, not the body.
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = '123456789';
      path += `?${new URLSearchParams({ signature: wechatSignature(WX_TOKEN, timestamp, nonce), timestamp, nonce, openid: 'oHostile' })}`;
    }
    return { path, headers };
  }

  const garbage: Array<{ name: string; body: Buffer; type: string }> = [
    { name: 'not JSON or XML', body: Buffer.from('}{ definitely not a webhook <<<'), type: 'application/json' },
    { name: 'empty body', body: Buffer.alloc(0), type: 'application/json' },
    { name: 'JSON null', body: Buffer.from('null'), type: 'application/json' },
    { name: 'JSON array', body: Buffer.from('[1,2,3]'), type: 'application/json' },
    { name: 'JSON string', body: Buffer.from('"hello"'), type: 'application/json' },
    { name: 'object nested 40,000 deep', body: Buffer.from(deepJson(40_000)), type: 'application/json' },
    { name: 'array nested 100,000 deep', body: Buffer.from(deepArray(100_000)), type: 'application/json' },
    { name: 'invalid UTF-8 bytes', body: Buffer.from([0xff, 0xfe, 0xfd, 0x80, 0xc3, 0x28, 0xa0, 0xa1]), type: 'application/json' },
    { name: 'binary noise', body: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), type: 'application/octet-stream' },
    { name: 'form-urlencoded', body: Buffer.from('update_id=1&message=hi'), type: 'application/x-www-form-urlencoded' },
    { name: 'multipart', body: Buffer.from('--x\r\ncontent-disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n'), type: 'multipart/form-data; boundary=x' },
    { name: 'XML with an entity bomb', body: Buffer.from(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "${'a'.repeat(100)}">${Array.from({ length: 9 }, (_, i) => `<!ENTITY b${i} "${`&${i ? `b${i - 1}` : 'a'};`.repeat(10)}">`).join('')}]><xml><Content>&b8;</Content></xml>`), type: 'text/xml' },
  ];

  test.each(PLATFORMS)('%s: unsigned garbage is 401, signed garbage is 400, never 500', async (platform) => {
    const wrong: string[] = [];
    for (const item of garbage) {
      const unsigned = await post(base, `/webhooks/h/${platform}`, { 'content-type': item.type }, item.body);
      const { path, headers } = signed(platform, item.body, item.type);
      const withSignature = await post(base, path, headers, item.body);
      const code = (JSON.parse(withSignature.body) as { error?: { code?: string } }).error?.code;
      // WeChat's plain-mode signature covers the query only, so a signed WeChat body is parsed (400);
      // webchat's token is the visitor's, so its garbage is parsed too. Either way: 400 or 401.
      if (unsigned.status !== 401 && unsigned.status !== 400) wrong.push(`${item.name} unsigned: ${unsigned.status}`);
      if (withSignature.status !== 400 && withSignature.status !== 401) wrong.push(`${item.name} signed: ${withSignature.status} ${withSignature.body.slice(0, 200)}`);
      else if (!/^KIOSK_(PAYLOAD|SIGNATURE)_INVALID$/.test(code ?? '')) wrong.push(`${item.name} signed: code ${code}`);
    }
    expect(wrong).toEqual([]);
  });

  // A valid update with one extra field nested deep: JSON.parse takes it, but serialising it
  // again (the update's `raw` goes into the job) overflows the stack. The answer must be a 400
  // or a 200, never a 5xx (a 503 tells the platform to retry a poison update for ever).
  test.each([
    ['telegram', () => JSON.stringify(telegramTextUpdate({ updateId: 77, chatId: 77, text: 'deep' }))],
    ['webchat', () => JSON.stringify({ id: 'deep-1', text: 'deep' })],
  ] as const)('%s: a valid update carrying a field nested 40,000 deep is answered 200 or 400, never 5xx', async (platform, valid) => {
    const body = valid().replace(/}$/, `,"x":${deepJson(40_000)}}`);
    const { path, headers } = signed(platform, Buffer.from(body), 'application/json');
    const answer = await post(base, path, headers, body);
    expect(`${answer.status} ${answer.body}`).toMatch(/^(200|400) /);
  });

  test('a poison update from a web-chat visitor does not fail the other webhooks queued with it', async () => {
    const poison = JSON.stringify({ id: 'deep-2', text: 'deep' }).replace(/}$/, `,"x":${deepJson(40_000)}}`);
    const { path, headers } = signed('webchat', Buffer.from(poison), 'application/json');
    const answers = await Promise.all([
      post(base, path, headers, poison),
      ...Array.from({ length: 20 }, (_, i) => postTelegramUpdate(base, 'h', telegramTextUpdate({ updateId: 500 + i, chatId: 500 + i, text: 'fine' }), TELEGRAM_SECRET)),
    ]);
    expect(answers.slice(1).map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 200));
  });

  test('telegram: invalid UTF-8 inside an otherwise valid update is never a 500', async () => {
    const json = JSON.stringify(telegramTextUpdate({ updateId: 78, chatId: 78, text: 'XX' }));
    const at = json.indexOf('XX');
    const body = Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from(json.slice(at + 2))]);
    const { path, headers } = signed('telegram', body, 'application/json');
    expect([200, 400]).toContain((await post(base, path, headers, body)).status);
  });

  test.each(PLATFORMS)('%s: a body over the limit is 413, with or without a content-length', async (platform) => {
    const body = Buffer.alloc(LIMIT + 1, 'x');
    const declared = await post(base, `/webhooks/h/${platform}`, { 'content-type': 'application/json' }, body);
    expect(declared.status).toBe(413);
    const chunked = await post(base, `/webhooks/h/${platform}`, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body, true);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.code).toBe('KIOSK_BODY_TOO_LARGE');
  });

  test('a content-length that lies (claims 100 MB) is refused before reading', async () => {
    const status = await rawStatus(port, `POST /webhooks/h/telegram HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\n\r\n{}`);
    expect(status).toBe(413);
  });

  test('huge headers are refused (431) and malformed requests are 400', async () => {
    expect(await rawStatus(port, `POST /webhooks/h/telegram HTTP/1.1\r\nhost: x\r\nx-junk: ${'a'.repeat(64 * 1024)}\r\ncontent-length: 2\r\n\r\n{}`)).toBe(431);
    expect(await rawStatus(port, `POST /webhooks/h/telegram HTTP/1.1\r\nhost: x\r\n${Array.from({ length: 3000 }, (_, i) => `x-h${i}: v`).join('\r\n')}\r\ncontent-length: 2\r\n\r\n{}`)).toBe(431);
    expect(await rawStatus(port, `NOT-HTTP garbage\r\n\r\n`)).toBe(400);
    expect([400, 404]).toContain(await rawStatus(port, `POST /webhooks/h/%E0%A4%A HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}`));
  });

  test('after all of it the server still serves webhooks and health', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ok = await postTelegramUpdate(base, 'h', telegramTextUpdate({ updateId: 99, chatId: 99, text: 'still here' }), TELEGRAM_SECRET);
    expect(ok.status).toBe(200);
  });
});
