import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createWechatCrypto, wechatSignature } from '../../../framework/adapters/wechat/crypto';
import { ConfigError, KioskError, PayloadError, SignatureError } from '../../../framework/core/errors';

// node-webot's implementation (npm `wechat-crypto`), used as an independent second opinion.
const WXBizMsgCrypt = require('wechat-crypto') as new (
  token: string,
  encodingAESKey: string,
  appId: string,
) => { getSignature(timestamp: string, nonce: string, encrypt: string): string; encrypt(text: string): string; decrypt(text: string): { message: string; id: string } };

// WeChat's own sample (the demo shipped with WXBizMsgCrypt in every language).
const DEMO = {
  token: 'spamtest',
  appId: 'wx2c2769f8efd9abc2',
  encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  timestamp: '1409735669',
  nonce: '1320562132',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  encrypt:
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
};

// wechatpy's test vector (tests/test_enterprise_crypto.py), with a fixed random prefix.
const WECHATPY = {
  token: '123456',
  appId: 'wx49f0ab532d5d035a',
  encodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
  reply:
    '<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>',
  encrypt:
    '9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3',
  msgSignature: '407518b7649e86ef23978113f92d27afa9296533',
};

const demo = () => createWechatCrypto(DEMO);

/** Encrypt raw plaintext bytes with the demo key, bypassing the format, to forge broken messages. */
function sealRaw(plain: Buffer): string {
  const key = Buffer.from(`${DEMO.encodingAESKey}=`, 'base64');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function framed(message: Buffer, appId: string, lengthField = message.length): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(lengthField, 0);
  return Buffer.concat([randomBytes(16), length, message, Buffer.from(appId)]);
}

function padded(plain: Buffer): Buffer {
  const pad = 32 - (plain.length % 32);
  return Buffer.concat([plain, Buffer.alloc(pad, pad)]);
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('wechat crypto: against WeChat sample data', () => {
  it("computes the msg_signature of WeChat's own sample", () => {
    expect(demo().signature(DEMO.timestamp, DEMO.nonce, DEMO.encrypt)).toBe(DEMO.msgSignature);
  });

  it("decrypts WeChat's own sample into its message, keeping the 64-bit MsgId digits", () => {
    const xml = demo().decrypt(DEMO.encrypt);
    expect(xml).toContain('<Content><![CDATA[abcdteT]]></Content>');
    expect(xml).toContain('<MsgId>6054768590064713728</MsgId>');
    expect(xml).toContain('<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>');
  });

  it("encrypts byte for byte like wechatpy's vector when given the same random prefix", () => {
    const crypto = createWechatCrypto(WECHATPY);
    const encrypt = crypto.encrypt(WECHATPY.reply, Buffer.from('1234567890123456'));
    expect(encrypt).toBe(WECHATPY.encrypt);
    expect(crypto.signature('1411525903', '461056294', encrypt)).toBe(WECHATPY.msgSignature);
  });

  it('signs plain requests as sha1 of the sorted token, timestamp and nonce', () => {
    // sorted: '1320562132' < '1409735669' < 'spamtest'
    expect(wechatSignature('spamtest', '1409735669', '1320562132')).toBe(
      createHash('sha1').update('13205621321409735669spamtest').digest('hex'),
    );
  });
});

describe('wechat crypto: cross-checked with the wechat-crypto package', () => {
  const key = 'Zx9y8W7v6U5t4S3r2Q1p0OnMlKjIhGfEdCbA0123456';
  const ours = createWechatCrypto({ token: 'kioskToken', appId: 'wxkiosk0001', encodingAESKey: key });
  const theirs = new WXBizMsgCrypt('kioskToken', key, 'wxkiosk0001');
  // Lengths around the 32-byte block, including a message that makes the plaintext a whole block (a full pad block).
  const messages = ['', 'a', '<xml><Content><![CDATA[你好，出租车]]></Content></xml>', ...Array.from({ length: 40 }, (_, n) => 'x'.repeat(n + 1))];

  it.each(messages.map((m) => [m.length, m]))('what we encrypt (%i chars) they decrypt, for our AppID', (_, message) => {
    expect(theirs.decrypt(ours.encrypt(message))).toEqual({ message, id: 'wxkiosk0001' });
  });

  it.each(messages.map((m) => [m.length, m]))('what they encrypt (%i chars) we decrypt', (_, message) => {
    expect(ours.decrypt(theirs.encrypt(message))).toBe(message);
  });

  it('signs exactly as they do', () => {
    const encrypt = ours.encrypt('<xml/>');
    expect(ours.signature('1700000000', '99', encrypt)).toBe(theirs.getSignature('1700000000', '99', encrypt));
  });

  it('pads to 32-byte blocks: a plaintext of exactly 32 bytes gets a whole block of padding', () => {
    // 16 random + 4 length + 1 message + 11 AppID = 32 bytes.
    expect(Buffer.from(ours.encrypt('x'), 'base64')).toHaveLength(64);
  });

  it('uses a fresh random prefix each time', () => {
    expect(ours.encrypt('same')).not.toBe(ours.encrypt('same'));
  });
});

describe('wechat crypto: hostile input is a typed error, never a crash', () => {
  it('refuses a message encrypted for another AppID with SignatureError', () => {
    const other = new WXBizMsgCrypt(DEMO.token, DEMO.encodingAESKey, 'wxSomeoneElse00');
    expect(() => demo().decrypt(other.encrypt('<xml/>'))).toThrow(SignatureError);
  });

  it('refuses a message whose AppID is a prefix of ours', () => {
    expect(() => demo().decrypt(sealRaw(padded(framed(Buffer.from('<xml/>'), DEMO.appId.slice(0, -1)))))).toThrow(SignatureError);
  });

  it.each([
    ['a pad byte of 0', 0],
    ['a pad byte above 32', 33],
  ])('refuses %s', (_, padByte) => {
    const plain = framed(Buffer.from('<xml/>'), DEMO.appId);
    const body = Buffer.concat([plain, Buffer.alloc(32 - (plain.length % 32) || 32, 7)]);
    body[body.length - 1] = padByte;
    expect(() => demo().decrypt(sealRaw(body))).toThrow(SignatureError);
  });

  it('refuses padding whose bytes are not all equal', () => {
    const body = padded(framed(Buffer.from('<xml/>'), DEMO.appId));
    const pad = body[body.length - 1]!;
    expect(pad).toBeGreaterThan(1);
    body[body.length - pad] = pad - 1;
    expect(() => demo().decrypt(sealRaw(body))).toThrow(SignatureError);
  });

  it('refuses a length field longer than the message', () => {
    expect(() => demo().decrypt(sealRaw(padded(framed(Buffer.from('<xml/>'), DEMO.appId, 10_000))))).toThrow(SignatureError);
  });

  it('refuses a message that is not UTF-8 with PayloadError', () => {
    expect(() => demo().decrypt(sealRaw(padded(framed(Buffer.from([0xff, 0xfe, 0xc3]), DEMO.appId))))).toThrow(PayloadError);
  });

  it.each([
    ['empty', ''],
    ['not base64', 'not base64!'],
    ['base64 of a partial block', Buffer.alloc(20).toString('base64')],
    ['base64 with bad padding', 'abc=='],
  ])('refuses Encrypt that is %s with PayloadError', (_, encrypt) => {
    expect(() => demo().decrypt(encrypt)).toThrow(PayloadError);
  });

  it('answers every single-byte tampering of a ciphertext with a typed error or different text', () => {
    const original = Buffer.from(DEMO.encrypt, 'base64');
    const plain = demo().decrypt(DEMO.encrypt);
    for (let i = 0; i < original.length; i++) {
      const tampered = Buffer.from(original);
      tampered[i] = tampered[i]! ^ 0x5a;
      let result: string | undefined;
      try {
        result = demo().decrypt(tampered.toString('base64'));
      } catch (error) {
        expect(error).toBeInstanceOf(KioskError);
        expect(error).toEqual(expect.objectContaining({ code: expect.stringMatching(/^KIOSK_(SIGNATURE|PAYLOAD)_INVALID$/) }));
        continue;
      }
      // CBC is malleable: only the msg_signature proves integrity (verify.ts checks it first).
      expect(result).not.toBe(plain);
    }
  });

  it('decrypts with the wrong key into a SignatureError, not an OpenSSL exception', () => {
    const wrong = createWechatCrypto({ ...DEMO, encodingAESKey: 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut' });
    expect(() => wrong.decrypt(DEMO.encrypt)).toThrow(KioskError);
  });
});

describe('wechat crypto: configuration', () => {
  it.each([
    ['42 characters', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEF'],
    ['44 characters', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG='],
    ['a character outside base64', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEF-'],
    ['empty', ''],
  ])('refuses an encodingAESKey of %s with ConfigError naming encodingAESKey', (_, encodingAESKey) => {
    const error = thrown(() => createWechatCrypto({ ...DEMO, encodingAESKey }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('encodingAESKey');
    expect((error as ConfigError).message).toMatch(/43 characters/);
  });

  it('refuses an empty token or AppID', () => {
    expect((thrown(() => createWechatCrypto({ ...DEMO, token: '' })) as ConfigError).path).toBe('token');
    expect((thrown(() => createWechatCrypto({ ...DEMO, appId: '' })) as ConfigError).path).toBe('appId');
  });

  it('refuses a random prefix that is not 16 bytes', () => {
    expect(() => demo().encrypt('<xml/>', Buffer.alloc(15))).toThrow(PayloadError);
  });
});
