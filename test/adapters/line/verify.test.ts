import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateSignature } from '@line/bot-sdk';
import type { WebhookRequest } from '../../../framework/adapters/adapter';
import { lineSignature, verifyLine } from '../../../framework/adapters/line/verify';
import { line } from '../../../framework/adapters/line/adapter';
import { SignatureError } from '../../../framework/core/errors';
import { signLineBody } from '../../../framework/testing/line-client';

const SECRET = 'dev-only-line-channel-secret';
const SAMPLES = join(__dirname, '../../../framework/adapters/line/samples');

function request(body: string | Buffer, signature: string | undefined): WebhookRequest {
  return { method: 'POST', headers: signature === undefined ? {} : { 'x-line-signature': signature }, query: {}, rawBody: Buffer.from(body) };
}

/**
 * The test vector of LINE's own SDK (line/line-bot-sdk-rust, src/webhook tests): the Messaging
 * API reference's text-message example, indented as in that test, with channel secret
 * "channel_secret". Whitespace matters: the HMAC is over these exact bytes.
 */
const SDK_VECTOR_BODY = [
  '',
  '          {',
  '            "destination": "xxxxxxxxxx",',
  '            "events": [',
  '              {',
  '                "replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",',
  '                "type": "message",',
  '                "mode": "active",',
  '                "timestamp": 1462629479859,',
  '                "source": {',
  '                  "type": "user",',
  '                  "userId": "U4af4980629..."',
  '                },',
  '                "message": {',
  '                  "id": "325708",',
  '                  "type": "text",',
  '                  "text": "@example Hello, world! (love)",',
  '                  "emojis": [',
  '                    {',
  '                      "index": 14,',
  '                      "length": 6,',
  '                      "productId": "5ac1bfd5040ab15980c9b435",',
  '                      "emojiId": "001"',
  '                    }',
  '                  ],',
  '                  "mention": {',
  '                    "mentionees": [',
  '                      {',
  '                        "index": 0,',
  '                        "length": 8,',
  '                        "userId": "U850014438e..."',
  '                      }',
  '                    ]',
  '                  }',
  '                }',
  '              }',
  '            ]',
  '          }',
  '        ',
].join('\n');
const SDK_VECTOR_SIGNATURE = '+uCVw4g3BuIOKnlseFJAYyFoVBFaMjxP8KXBbnIRRI0=';

describe('line adapter: verify', () => {
  const pretty = readFileSync(join(SAMPLES, 'several-events.json'));
  const compact = Buffer.from(JSON.stringify(JSON.parse(pretty.toString('utf8'))));

  it('matches the signature of LINE’s own SDK test vector', () => {
    expect(lineSignature(SDK_VECTOR_BODY, 'channel_secret')).toBe(SDK_VECTOR_SIGNATURE);
    expect(() => verifyLine(request(SDK_VECTOR_BODY, SDK_VECTOR_SIGNATURE), 'channel_secret')).not.toThrow();
  });

  it('refuses the SDK vector under another secret', () => {
    expect(() => verifyLine(request(SDK_VECTOR_BODY, SDK_VECTOR_SIGNATURE), 'hogehoge')).toThrow(SignatureError);
  });

  it.each([
    ['a pretty-printed body', pretty],
    ['a compact body', compact],
    ['the verify ping', readFileSync(join(SAMPLES, 'verify-ping.json'))],
  ])('agrees with @line/bot-sdk validateSignature on %s', (_name, body) => {
    const signature = lineSignature(body, SECRET);
    expect(validateSignature(body, SECRET, signature)).toBe(true);
    expect(() => verifyLine(request(body, signature), SECRET)).not.toThrow();
    // The test client signs independently of the adapter; all three must agree.
    expect(signLineBody(body, SECRET)).toBe(signature);
  });

  it('is over the raw bytes: the pretty body’s signature does not fit the same JSON compacted', () => {
    const signature = lineSignature(pretty, SECRET);
    expect(validateSignature(compact, SECRET, signature)).toBe(false);
    expect(() => verifyLine(request(compact, signature), SECRET)).toThrow(SignatureError);
  });

  it('refuses a body changed after signing', () => {
    const signature = lineSignature(compact, SECRET);
    const tampered = Buffer.from(compact.toString('utf8').replace('I need a taxi', 'I need a tank'));
    expect(() => verifyLine(request(tampered, signature), SECRET)).toThrow(/X-Line-Signature does not match/);
  });

  it('refuses a missing signature with SignatureError naming the header', () => {
    expect(() => verifyLine(request(compact, undefined), SECRET)).toThrow(/Missing X-Line-Signature/);
    expect(() => verifyLine(request(compact, ''), SECRET)).toThrow(SignatureError);
  });

  it('refuses a signature of the right length but wrong bytes', () => {
    const signature = lineSignature(compact, SECRET);
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    expect(() => verifyLine(request(compact, flipped), SECRET)).toThrow(SignatureError);
  });
});

describe('line adapter: settings', () => {
  it('defaults apiRoot to LINE and the reply-token lifetime to 50 s', () => {
    const settings = line.settings.parse({ channelSecret: 's', channelAccessToken: 't' });
    expect(settings.apiRoot).toBe('https://api.line.me');
    expect(settings.replyTokenLifetimeSeconds).toBe(50);
    expect(settings.timeoutMs).toBe(10_000);
  });

  it.each([
    [{ channelSecret: '', channelAccessToken: 't' }, 'channelSecret'],
    [{ channelSecret: 's', channelAccessToken: '' }, 'channelAccessToken'],
    [{ channelSecret: 's', channelAccessToken: 't', apiRoot: 'not a url' }, 'apiRoot'],
    [{ channelSecret: 's', channelAccessToken: 't', replyTokenLifetimeSeconds: 61 }, 'replyTokenLifetimeSeconds'],
  ])('refuses %j, naming %s', (settings, field) => {
    const result = line.settings.safeParse(settings);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });
});
