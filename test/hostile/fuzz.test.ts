/**
 * Property-based fuzzing of every platform's webhook (fast-check): thousands of generated
 * bodies (malformed JSON and XML, wrong types, huge strings, deep nesting, entity
 * declarations, bad and missing signatures, replayed timestamps, wrong content types), each
 * answered with a 4xx, no handler ever run, the process alive and its memory steady.
 */
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { line } from '../../framework/adapters/line/adapter';
import { telegram } from '../../framework/adapters/telegram/adapter';
import { webchat } from '../../framework/adapters/webchat/adapter';
import { wechat } from '../../framework/adapters/wechat/adapter';
import { wechatSignature } from '../../framework/adapters/wechat/crypto';
import { whatsapp } from '../../framework/adapters/whatsapp/adapter';
import { Bot } from '../../framework/core/bot';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { signLineBody } from '../../framework/testing/line-client';
import { signWhatsapp } from '../../framework/testing/whatsapp-client';
import { dropPrefix, TELEGRAM_SECRET, telegramSettings, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { sleep } from '../helpers/wait';

jest.setTimeout(180_000);

const LIMIT = 64 * 1024;
const NOWHERE = 'http://127.0.0.1:9';
const WX_TOKEN = 'fuzztoken';
const WA_SECRET = 'dev-only-whatsapp-app-secret';
const LINE_SECRET = 'dev-only-line-channel-secret';
const PLATFORMS = ['telegram', 'webchat', 'wechat', 'whatsapp', 'line'] as const;
type Platform = (typeof PLATFORMS)[number];
/** Bodies per platform and signing mode; 5 platforms × 3 modes × RUNS requests in all. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

function post(base: string, path: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'POST', headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// Keys no platform's payload uses, so a generated object is never a valid update by chance.
const alienKey = fc.string({ minLength: 1, maxLength: 8 }).map((k) => `zz${k}`);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(alienKey, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** The fields each platform reads, filled with values of the wrong type. */
const wrongTypes = fc.oneof(
  fc.record({ update_id: fc.oneof(fc.string(), fc.constant(null), fc.array(fc.integer())), message: fc.oneof(fc.integer(), fc.string()) }),
  fc.record({ object: fc.integer(), entry: fc.oneof(fc.string(), fc.dictionary(alienKey, fc.integer())) }),
  fc.record({ destination: fc.integer(), events: fc.oneof(fc.string(), fc.integer(), fc.array(fc.integer(), { minLength: 1 })) }),
  fc.record({ text: fc.oneof(fc.integer(), fc.array(fc.string())), id: fc.oneof(fc.integer(), fc.constant(null)), button: fc.string() }),
);

const deep = fc.tuple(fc.integer({ min: 50, max: 20_000 }), fc.boolean()).map(([n, arrays]) => (arrays ? `${'['.repeat(n)}${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`));
const xmlWithEntities = fc.tuple(fc.string({ maxLength: 40 }), fc.integer({ min: 1, max: 12 })).map(
  ([text, levels]) =>
    `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e0 "${text.replace(/["&<%]/g, '')}">${Array.from({ length: levels }, (_, i) => `<!ENTITY e${i + 1} "${`&e${i};`.repeat(10)}">`).join('')}]><xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&e${levels};</Content><MsgId>1</MsgId></xml>`,
);
const xmlWrong = fc.record({ MsgType: fc.string(), CreateTime: fc.string(), Content: fc.string() }).map(
  (r) => `<xml>${Object.entries(r).map(([k, v]) => `<${k}><![CDATA[${v.replace(/]]>/g, '')}]]></${k}>`).join('')}</xml>`,
);
const huge = fc.integer({ min: LIMIT + 1, max: LIMIT * 4 }).map((n) => 'A'.repeat(n));
const bytes = fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a));

/** One hostile body with the content type it is sent as. */
const hostileBody = fc.tuple(
  fc.oneof(
    fc.string().map((s) => Buffer.from(s)),
    json.map((v) => Buffer.from(JSON.stringify(v) ?? 'undefined')),
    wrongTypes.map((v) => Buffer.from(JSON.stringify(v))),
    deep.map((s) => Buffer.from(s)),
    xmlWithEntities.map((s) => Buffer.from(s)),
    xmlWrong.map((s) => Buffer.from(s)),
    huge.map((s) => Buffer.from(s)),
    bytes,
  ),
  fc.constantFrom('application/json', 'text/xml', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', ''),
);

describe('fuzzing every webhook', () => {
  const prefix = uniquePrefix();
  let handled = 0;
  let kiosk: Kiosk;
  let base: string;
  let webchatToken: string;

  beforeAll(async () => {
    const config = testConfig(
      prefix,
      {
        f: {
          telegram: telegramSettings(NOWHERE),
          webchat: { secret: 'dev-only-webchat-secret-0123456789' },
          wechat: { appId: 'wxfuzz00000000001', appSecret: 'dev-only-secret', token: WX_TOKEN, apiRoot: NOWHERE },
          whatsapp: { phoneNumberId: '1000', accessToken: 'dev-only-token', appSecret: WA_SECRET, verifyToken: 'dev-only-verify', apiRoot: NOWHERE },
          line: { channelSecret: LINE_SECRET, channelAccessToken: 'dev-only-token', apiRoot: NOWHERE },
        },
      },
      { webhookBodyLimitBytes: LIMIT },
    );
    const bot = new Bot('f');
    bot.use(() => {
      handled++;
    });
    kiosk = createKiosk({ config, bots: [bot], adapters: [telegram, webchat, wechat, whatsapp, line], logger: createLogger({ level: 'silent' }) });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
    const session = await fetch(`${base}/webchat/f/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    webchatToken = ((await session.json()) as { token: string }).token;
  });

  afterAll(async () => {
    await kiosk.close();
    await dropPrefix(prefix);
  });

  type Mode = 'unsigned' | 'bad signature' | 'signed';

  function request(platform: Platform, mode: Mode, body: Buffer, contentType: string, stale: boolean) {
    const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
    let path = `/webhooks/f/${platform}`;
    const good = mode === 'signed';
    if (mode === 'unsigned') return { path, headers };
    if (platform === 'telegram') headers['x-telegram-bot-api-secret-token'] = good ? TELEGRAM_SECRET : 'not-the-secret';
    if (platform === 'webchat') headers.authorization = `Bearer ${good ? webchatToken : `${webchatToken.slice(0, -2)}xx`}`;
    if (platform === 'whatsapp') headers['x-hub-signature-256'] = good ? signWhatsapp(body, WA_SECRET) : signWhatsapp(body, 'another-secret');
    if (platform === 'line') headers['x-line-signature'] = good ? signLineBody(body, LINE_SECRET) : signLineBody(body, 'another-secret');
    if (platform === 'wechat') {
      // A replayed request: a signature that was valid, an hour ago.
      const timestamp = String(Math.floor(Date.now() / 1000) - (stale ? 3600 : 0));
      const nonce = '424242';
      path += `?${new URLSearchParams({ signature: good ? wechatSignature(WX_TOKEN, timestamp, nonce) : 'f'.repeat(40), timestamp, nonce })}`;
    }
    return { path, headers };
  }

  test.each(PLATFORMS)('%s: every generated body is answered 4xx and no handler runs', async (platform) => {
    const statuses = new Map<number, number>();
    const rssBefore = process.memoryUsage().rss;
    for (const mode of ['unsigned', 'bad signature', 'signed'] as const) {
      await fc.assert(
        fc.asyncProperty(hostileBody, fc.boolean(), async ([body, contentType], stale) => {
          const { path, headers } = request(platform, mode, body, contentType, stale);
          const status = await post(base, path, headers, body);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          return status >= 400 && status < 500 && status !== 404;
        }),
        { numRuns: RUNS },
      );
    }
    await sleep(300);
    const grewMb = (process.memoryUsage().rss - rssBefore) / 1_048_576;
    console.log(`${platform}: ${3 * RUNS} bodies, statuses ${JSON.stringify(Object.fromEntries(statuses))}, RSS ${grewMb >= 0 ? '+' : ''}${grewMb.toFixed(1)} MiB`);
    expect(handled).toBe(0);
    expect(grewMb).toBeLessThan(150);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
