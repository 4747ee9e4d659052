/**
 * WeChat's webhook checks (https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Access_Overview.html
 * and https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html).
 *
 * - The handshake: when the server URL is saved, WeChat sends a `GET` with `signature`,
 *   `timestamp`, `nonce` and `echostr`; answering `echostr` proves we know the Token.
 * - Plain mode: each `POST` carries `signature = sha1(sort(token, timestamp, nonce))` in the
 *   query. It does not cover the body, so a captured URL could be replayed with another body
 *   until its timestamp is too old: prefer safe mode.
 * - Safe (and compatible) mode: the query adds `encrypt_type=aes` and `msg_signature =
 *   sha1(sort(token, timestamp, nonce, Encrypt))`; the body's `Encrypt` is the message,
 *   AES-encrypted with the EncodingAESKey and ending with the AppID.
 */
import { PayloadError, SignatureError } from '../../core/errors';
import type { WebhookRequest, WebhookResponse } from '../adapter';
import { assertSignature } from '../signature';
import { createWechatCrypto, wechatSignature, type WechatCrypto } from './crypto';
import { parseWechatXml, textField } from './xml';

/**
 * The settings the checks use, a subset of the WeChat platform's settings.
 *
 * @example
 * ```ts
 * const settings: WechatCryptoSettings = { token: 'spamtest', appId: 'wx2c2769f8efd9abc2', encodingAESKey };
 * ```
 */
export interface WechatCryptoSettings {
  /** The Token on the account's server configuration page. A secret. */
  token: string;
  /** The account's AppID; an encrypted message must end with it. */
  appId: string;
  /** The EncodingAESKey, for safe or compatible mode. Without it only plain-mode messages are accepted. A secret. */
  encodingAESKey?: string;
  /** How far a request's `timestamp` may be from now, either way, in seconds. @defaultValue `300` */
  maxAgeSeconds?: number;
}

/** A verified WeChat request: the message XML and whether it came encrypted. */
export interface OpenedWechatRequest {
  /** The message XML: the body in plain mode, the decrypted `Encrypt` in safe mode. */
  xml: string;
  /** True when the message came encrypted (safe or compatible mode); a passive reply must then be encrypted too. */
  encrypted: boolean;
}

/** The default of {@link WechatCryptoSettings.maxAgeSeconds}: five minutes, well over WeChat's three retries 5 s apart. */
export const WECHAT_MAX_AGE_SECONDS = 300;

const cryptos = new WeakMap<WechatCryptoSettings, WechatCrypto>();

/**
 * The crypto for these settings (created once per settings object), or `undefined` when no
 * EncodingAESKey is configured. Throws `ConfigError` for a malformed key.
 */
export function wechatCryptoOf(settings: WechatCryptoSettings): WechatCrypto | undefined {
  if (!settings.encodingAESKey) return undefined;
  let crypto = cryptos.get(settings);
  if (!crypto) {
    crypto = createWechatCrypto({ token: settings.token, appId: settings.appId, encodingAESKey: settings.encodingAESKey });
    cryptos.set(settings, crypto);
  }
  return crypto;
}

/**
 * Answer WeChat's server-URL handshake: `echostr` back as plain text when the signature matches.
 * Throws `SignatureError` for a missing or wrong signature.
 *
 * @example
 * ```ts
 * const response = wechatHandshake(request, { token: 'spamtest', appId: 'wx2c2769f8efd9abc2' });
 * // { status: 200, body: request.query.echostr, contentType: 'text/plain' }
 * ```
 */
export function wechatHandshake(request: WebhookRequest, settings: WechatCryptoSettings): WebhookResponse {
  const { timestamp, nonce, echostr } = request.query;
  if (!timestamp || !nonce || echostr === undefined) {
    throw new SignatureError('WeChat handshake needs signature, timestamp, nonce and echostr in the query; only WeChat should call this URL.');
  }
  assertSignature('signature', request.query.signature, wechatSignature(settings.token, timestamp, nonce));
  return { status: 200, body: echostr, contentType: 'text/plain' };
}

/**
 * Verify a WeChat `POST` and return its message XML: checks the timestamp's age, then the
 * plain `signature` or, in safe mode, the `msg_signature` over `Encrypt`, decrypts and checks
 * the AppID. An account with an EncodingAESKey still accepts plain messages with a valid
 * `signature` (WeChat's compatible mode, and switching modes). Throws `SignatureError` for a
 * request WeChat did not sign (or signed too long ago) and `PayloadError` for a malformed body.
 *
 * @example
 * ```ts
 * const { xml, encrypted } = openWechatRequest(request, settings);
 * const updates = parseWechatMessage(xml, { bot: 'taxi', receivedAt: Date.now() });
 * ```
 */
export function openWechatRequest(request: WebhookRequest, settings: WechatCryptoSettings, now = Date.now()): OpenedWechatRequest {
  const { timestamp, nonce } = request.query;
  if (!timestamp || !nonce) {
    throw new SignatureError('WeChat webhook needs timestamp and nonce in the query; only WeChat should call this URL.');
  }
  assertFresh(timestamp, settings.maxAgeSeconds ?? WECHAT_MAX_AGE_SECONDS, now);

  if (request.query.encrypt_type === undefined || request.query.encrypt_type === 'raw') {
    assertSignature('signature', request.query.signature, wechatSignature(settings.token, timestamp, nonce));
    return { xml: request.rawBody.toString('utf8'), encrypted: false };
  }
  if (request.query.encrypt_type !== 'aes') {
    throw new SignatureError(`WeChat webhook has encrypt_type=${request.query.encrypt_type.slice(0, 16)}; only aes is known.`);
  }
  const crypto = wechatCryptoOf(settings);
  if (!crypto) {
    throw new SignatureError('WeChat sent an encrypted message but this bot has no encodingAESKey; configure the one on the account page.');
  }
  // WeChat sends the plain `signature` in every mode: checking it first means an unsigned body is never parsed.
  if (request.query.signature !== undefined) {
    assertSignature('signature', request.query.signature, wechatSignature(settings.token, timestamp, nonce));
  }
  const envelope = parseWechatXml(request.rawBody.toString('utf8'));
  const encrypt = textField(envelope, 'Encrypt');
  if (!encrypt) throw new PayloadError('Encrypted WeChat message has no Encrypt field.', ['xml', 'Encrypt']);
  assertSignature('msg_signature', request.query.msg_signature, crypto.signature(timestamp, nonce, encrypt));
  return { xml: crypto.decrypt(encrypt), encrypted: true };
}

function assertFresh(timestamp: string, maxAgeSeconds: number, now: number): void {
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new SignatureError('WeChat webhook timestamp is not a number of seconds; only WeChat should call this URL.');
  }
  const skew = Math.abs(now / 1000 - Number(timestamp));
  if (skew > maxAgeSeconds) {
    throw new SignatureError(
      `WeChat webhook timestamp is ${Math.round(skew)} s away from now, more than ${maxAgeSeconds} s; it is a replay, or this server's clock is wrong.`,
    );
  }
}
