/**
 * WeChat's message crypto ("safe mode", WeChat's own `WXBizMsgCrypt`), as documented in
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html
 * and https://developers.weixin.qq.com/doc/oplatform/en/Third-party_Platforms/2.0/api/Before_Develop/Technical_Plan.html:
 *
 * - AESKey = Base64_Decode(EncodingAESKey + "="), 32 bytes; AES-256-CBC with IV = the key's first 16 bytes.
 * - plaintext = 16 random bytes + message length (4 bytes, network order) + message + AppID,
 *   PKCS#7-padded to a multiple of 32 bytes (not AES's 16, so Node's own padding cannot be used).
 * - msg_signature = SHA-1 hex of the sorted concatenation of token, timestamp, nonce and Encrypt.
 *
 * Decryption never lets a raw crypto exception out: malformed input is a `PayloadError`, a
 * message that does not decrypt to this account is a `SignatureError`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError, PayloadError, SignatureError } from '../../core/errors';
import { digest, safeEqual } from '../signature';

/** What the crypto is keyed with: the settings of the account's server configuration page. */
export interface WechatCryptoOptions {
  /** The Token set on the account's server configuration page (3-32 letters and digits). A secret. */
  token: string;
  /** The account's AppID, e.g. `'wx2c2769f8efd9abc2'`; every encrypted message ends with it. */
  appId: string;
  /** The 43-character EncodingAESKey set on the same page. A secret. */
  encodingAESKey: string;
}

/** Signs, encrypts and decrypts WeChat messages for one account. */
export interface WechatCrypto {
  /**
   * SHA-1 hex over the sorted concatenation of the token, `timestamp`, `nonce` and, for a
   * `msg_signature`, the `encrypt` text.
   */
  signature(timestamp: string, nonce: string, encrypt?: string): string;
  /** Encrypt a message (the inner XML) into the base64 `Encrypt` text. `random` (16 bytes) is for tests. */
  encrypt(xml: string, random?: Buffer): string;
  /**
   * Decrypt an `Encrypt` text into the message. Throws `PayloadError` for text that is not
   * base64 of whole AES blocks, `SignatureError` when it does not decrypt to a message for this AppID.
   */
  decrypt(encrypt: string): string;
}

const BLOCK = 32;
const ENCODING_AES_KEY = /^[A-Za-z0-9+/]{43}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * WeChat's plain signature (`signature`, and with `encrypt` the `msg_signature`): SHA-1 hex over
 * the lexicographically sorted, concatenated parts.
 *
 * @example
 * ```ts
 * wechatSignature('spamtest', '1409735669', '1320562132'); // the `signature` query parameter
 * ```
 */
export function wechatSignature(token: string, timestamp: string, nonce: string, encrypt?: string): string {
  const parts = encrypt === undefined ? [token, timestamp, nonce] : [token, timestamp, nonce, encrypt];
  return digest('sha1', parts.sort().join(''));
}

/**
 * Throw `ConfigError` unless `encodingAESKey` is what WeChat generates: 43 characters of base64.
 *
 * @example
 * ```ts
 * assertEncodingAESKey('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'); // fine
 * assertEncodingAESKey('too-short'); // ConfigError naming encodingAESKey
 * ```
 */
export function assertEncodingAESKey(encodingAESKey: string): void {
  if (!ENCODING_AES_KEY.test(encodingAESKey)) {
    throw new ConfigError(
      'encodingAESKey',
      `must be the 43 characters (A-Z, a-z, 0-9) of the EncodingAESKey on the WeChat account's server configuration page; got ${encodingAESKey.length} characters${/[^A-Za-z0-9+/]/.test(encodingAESKey) ? ' including characters that are not base64' : ''}.`,
    );
  }
}

/**
 * Create the crypto of one account. Throws `ConfigError` for a malformed EncodingAESKey or an
 * empty token or AppID.
 *
 * @example
 * ```ts
 * const crypto = createWechatCrypto({ token: 'spamtest', appId: 'wx2c2769f8efd9abc2', encodingAESKey });
 * const encrypt = crypto.encrypt('<xml>…</xml>');
 * const msgSignature = crypto.signature(timestamp, nonce, encrypt);
 * crypto.decrypt(encrypt); // '<xml>…</xml>'
 * ```
 */
export function createWechatCrypto(options: WechatCryptoOptions): WechatCrypto {
  if (!options.token) throw new ConfigError('token', 'the Token of the WeChat account is required.');
  if (!options.appId) throw new ConfigError('appId', 'the AppID of the WeChat account is required.');
  assertEncodingAESKey(options.encodingAESKey);
  const key = Buffer.from(`${options.encodingAESKey}=`, 'base64');
  const iv = key.subarray(0, 16);
  const appId = Buffer.from(options.appId, 'utf8');

  return {
    signature: (timestamp, nonce, encrypt) => wechatSignature(options.token, timestamp, nonce, encrypt),

    encrypt(xml, random = randomBytes(16)) {
      if (random.length !== 16) throw new PayloadError('The random prefix of a WeChat message must be 16 bytes.', ['random']);
      const message = Buffer.from(xml, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(message.length, 0);
      const plain = Buffer.concat([random, length, message, appId]);
      const pad = BLOCK - (plain.length % BLOCK);
      const cipher = createCipheriv('aes-256-cbc', key, iv);
      cipher.setAutoPadding(false);
      return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
    },

    decrypt(encrypt) {
      const text = encrypt.trim();
      if (!BASE64.test(text)) throw new PayloadError('Encrypt is not base64; WeChat sends the encrypted message as base64.', ['Encrypt']);
      const sealed = Buffer.from(text, 'base64');
      if (sealed.length === 0 || sealed.length % 16 !== 0) {
        throw new PayloadError(`Encrypt is ${sealed.length} bytes, not a whole number of AES blocks.`, ['Encrypt']);
      }
      let plain: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-cbc', key, iv);
        decipher.setAutoPadding(false);
        plain = Buffer.concat([decipher.update(sealed), decipher.final()]);
      } catch (error) {
        throw new PayloadError('Encrypt could not be decrypted.', ['Encrypt'], { cause: error });
      }
      return unwrap(plain, appId);
    },
  };
}

const NOT_OURS = 'Encrypt does not decrypt to a message for this account; check the encodingAESKey and appId configured for this bot.';

/** Check the padding, the length field and the trailing AppID; return the message. */
function unwrap(plain: Buffer, appId: Buffer): string {
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > BLOCK || pad > plain.length) throw new SignatureError(NOT_OURS);
  for (let i = plain.length - pad; i < plain.length; i++) {
    if (plain[i] !== pad) throw new SignatureError(NOT_OURS);
  }
  const content = plain.subarray(16, plain.length - pad);
  if (content.length < 4) throw new SignatureError(NOT_OURS);
  const length = content.readUInt32BE(0);
  if (length > content.length - 4) throw new SignatureError(NOT_OURS);
  const trailer = content.subarray(4 + length);
  if (!safeEqual(trailer.toString('latin1'), appId.toString('latin1'))) throw new SignatureError(NOT_OURS);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content.subarray(4, 4 + length));
  } catch (error) {
    throw new PayloadError('The decrypted WeChat message is not UTF-8 text.', ['Encrypt'], { cause: error });
  }
}
