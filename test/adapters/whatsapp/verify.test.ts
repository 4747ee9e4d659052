import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Adapter, WebhookRequest } from '../../../framework/adapters/adapter';
import { whatsapp } from '../../../framework/adapters/whatsapp/adapter';
import { handshakeWhatsapp, verifyWhatsapp } from '../../../framework/adapters/whatsapp/verify';
import { PayloadError, SignatureError } from '../../../framework/core/errors';
import { signWhatsapp } from '../../../framework/testing/whatsapp-client';
import { connect } from '../../helpers/redis';

const APP_SECRET = 'dev-only-app-secret';
const SAMPLE = readFileSync(join(__dirname, '../../../framework/adapters/whatsapp/samples/multi-message.json'));

function post(body: string | Buffer, headers: Record<string, string | undefined>): WebhookRequest {
  return { method: 'POST', headers, query: {}, rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

function get(query: Record<string, string | undefined>): WebhookRequest {
  return { method: 'GET', headers: {}, query, rawBody: Buffer.alloc(0) };
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('whatsapp adapter: verify (X-Hub-Signature-256)', () => {
  it('accepts the published HMAC-SHA256 test vector (RFC 4231, case 2) as a signature', () => {
    // Key "Jefe", data "what do ya want for nothing?": https://www.rfc-editor.org/rfc/rfc4231#section-4.3
    const header = 'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    expect(() => verifyWhatsapp(post('what do ya want for nothing?', { 'x-hub-signature-256': header }), 'Jefe')).not.toThrow();
    expect(() => verifyWhatsapp(post('what do ya want for nothing!', { 'x-hub-signature-256': header }), 'Jefe')).toThrow(SignatureError);
  });

  it('accepts a pretty-printed body with \\u escapes signed over its raw bytes', () => {
    expect(SAMPLE.toString('utf8')).toContain('J\\u00fcrgen');
    const header = `sha256=${createHmac('sha256', APP_SECRET).update(SAMPLE).digest('hex')}`;
    expect(() => verifyWhatsapp(post(SAMPLE, { 'x-hub-signature-256': header }), APP_SECRET)).not.toThrow();
  });

  it('refuses the signature of the re-serialised JSON: only the raw bytes count', () => {
    const reserialised = JSON.stringify(JSON.parse(SAMPLE.toString('utf8')));
    expect(() => verifyWhatsapp(post(SAMPLE, { 'x-hub-signature-256': signWhatsapp(reserialised, APP_SECRET) }), APP_SECRET)).toThrow(SignatureError);
  });

  it('accepts upper-case hex digits', () => {
    const header = signWhatsapp(SAMPLE, APP_SECRET).replace(/[0-9a-f]{64}$/, (hex) => hex.toUpperCase());
    expect(() => verifyWhatsapp(post(SAMPLE, { 'x-hub-signature-256': header }), APP_SECRET)).not.toThrow();
  });

  it('refuses a signature made with another app secret', () => {
    expect(() => verifyWhatsapp(post(SAMPLE, { 'x-hub-signature-256': signWhatsapp(SAMPLE, 'another-secret') }), APP_SECRET)).toThrow(/does not match/);
  });

  it('refuses a body changed after signing', () => {
    const header = signWhatsapp(SAMPLE, APP_SECRET);
    const changed = Buffer.from(SAMPLE.toString('utf8').replace('my street', 'my strees'));
    expect(() => verifyWhatsapp(post(changed, { 'x-hub-signature-256': header }), APP_SECRET)).toThrow(SignatureError);
  });

  it('refuses a missing header with SignatureError naming it', () => {
    const error = thrown(() => verifyWhatsapp(post(SAMPLE, {}), APP_SECRET));
    expect(error).toBeInstanceOf(SignatureError);
    expect((error as SignatureError).message).toMatch(/Missing X-Hub-Signature-256/);
  });

  it.each([
    ['the hex without the sha256= prefix', (s: string) => s.slice('sha256='.length)],
    ['a sha1= signature', (s: string) => s.replace('sha256=', 'sha1=')],
    ['a truncated digest', (s: string) => s.slice(0, -2)],
    ['a non-hex digest', (s: string) => s.replace(/.$/, 'z')],
  ])('refuses %s as malformed', (_name, mangle) => {
    const header = mangle(signWhatsapp(SAMPLE, APP_SECRET));
    expect(() => verifyWhatsapp(post(SAMPLE, { 'x-hub-signature-256': header }), APP_SECRET)).toThrow(/malformed/);
  });
});

describe('whatsapp adapter: handshake (hub.challenge)', () => {
  const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'dev-verify-token', 'hub.challenge': '1158201444' };

  it('answers the challenge as text/plain 200 when the verify token matches', () => {
    expect(handshakeWhatsapp(get(query), 'dev-verify-token')).toEqual({ status: 200, body: '1158201444', contentType: 'text/plain' });
  });

  it('refuses a wrong verify token with SignatureError', () => {
    expect(() => handshakeWhatsapp(get({ ...query, 'hub.verify_token': 'dev-verify-tokem' }), 'dev-verify-token')).toThrow(SignatureError);
  });

  it('refuses a prefix of the verify token', () => {
    expect(() => handshakeWhatsapp(get({ ...query, 'hub.verify_token': 'dev-verify' }), 'dev-verify-token')).toThrow(SignatureError);
  });

  it('refuses a missing verify token with SignatureError naming it', () => {
    expect(() => handshakeWhatsapp(get({ ...query, 'hub.verify_token': undefined }), 'dev-verify-token')).toThrow(/Missing hub.verify_token/);
  });

  it('refuses a mode other than subscribe', () => {
    expect(() => handshakeWhatsapp(get({ ...query, 'hub.mode': 'unsubscribe' }), 'dev-verify-token')).toThrow(/hub.mode must be "subscribe"/);
  });

  it('refuses a missing challenge with PayloadError naming it', () => {
    const error = thrown(() => handshakeWhatsapp(get({ ...query, 'hub.challenge': undefined }), 'dev-verify-token'));
    expect(error).toBeInstanceOf(PayloadError);
    expect((error as PayloadError).path).toEqual(['hub.challenge']);
  });

  it('does not echo markup as a challenge', () => {
    expect(() => handshakeWhatsapp(get({ ...query, 'hub.challenge': '<script>alert(1)</script>' }), 'dev-verify-token')).toThrow(PayloadError);
  });
});

describe('whatsapp adapter: settings and wiring', () => {
  let redis: Redis;
  let adapter: Adapter;
  beforeAll(() => {
    redis = connect();
    const settings = whatsapp.settings.parse({ phoneNumberId: '106540352242922', accessToken: 't', appSecret: APP_SECRET, verifyToken: 'dev-verify-token' });
    adapter = whatsapp.create(settings, { bot: 'taxi', redis, prefix: 'kt' });
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('the adapter verifies with the app secret and answers the handshake with the verify token', async () => {
    expect(() => adapter.verify(post(SAMPLE, { 'x-hub-signature-256': signWhatsapp(SAMPLE, APP_SECRET) }))).not.toThrow();
    const answer = await adapter.handshake?.(get({ 'hub.mode': 'subscribe', 'hub.verify_token': 'dev-verify-token', 'hub.challenge': '42' }));
    expect(answer).toEqual({ status: 200, body: '42', contentType: 'text/plain' });
  });

  it('declares the 24-hour customer-service window and Meta’s rate limits', () => {
    expect(adapter.serviceWindow).toEqual({ hours: 24 });
    expect(adapter.limits.perSecond).toBe(80);
    expect(adapter.limits.perChatPerSecond).toBeCloseTo(1 / 6);
  });

  it('defaults the Graph API root, version, template language and list button', () => {
    const settings = whatsapp.settings.parse({ phoneNumberId: '1', accessToken: 't', appSecret: 's', verifyToken: 'v' });
    expect(settings).toMatchObject({ apiRoot: 'https://graph.facebook.com', apiVersion: 'v23.0', templateLanguage: 'en_US', templateParameters: 'positional', listButton: 'Choose' });
  });

  it.each([
    [{ phoneNumberId: '+1 555 0100', accessToken: 't', appSecret: 's', verifyToken: 'v' }, 'phoneNumberId'],
    [{ phoneNumberId: '1', accessToken: '', appSecret: 's', verifyToken: 'v' }, 'accessToken'],
    [{ phoneNumberId: '1', accessToken: 't', verifyToken: 'v' }, 'appSecret'],
    [{ phoneNumberId: '1', accessToken: 't', appSecret: 's', verifyToken: '' }, 'verifyToken'],
    [{ phoneNumberId: '1', accessToken: 't', appSecret: 's', verifyToken: 'v', apiVersion: '23' }, 'apiVersion'],
    [{ phoneNumberId: '1', accessToken: 't', appSecret: 's', verifyToken: 'v', apiRoot: 'not a url' }, 'apiRoot'],
    [{ phoneNumberId: '1', accessToken: 't', appSecret: 's', verifyToken: 'v', listButton: 'x'.repeat(21) }, 'listButton'],
  ])('refuses %j, naming %s', (settings, field) => {
    const result = whatsapp.settings.safeParse(settings);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });
});
