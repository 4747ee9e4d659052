/**
 * WhatsApp's webhook checks. Meta verifies a callback URL once with a `GET` carrying
 * `hub.mode=subscribe`, the verify token chosen in the App Dashboard and a `hub.challenge` to
 * echo; afterwards it signs every `POST` with `X-Hub-Signature-256: sha256=<hex>`, the
 * HMAC-SHA256 of the raw body keyed with the app secret
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/create-webhook-endpoint).
 * Meta escapes non-ASCII characters in the body (`\u00e4`), so the HMAC must be computed over
 * the bytes as received, never over re-serialised JSON.
 */
import { PayloadError, SignatureError } from '../../core/errors';
import type { WebhookRequest, WebhookResponse } from '../adapter';
import { assertSignature, hmac, safeEqual } from '../signature';

/** The header in which Meta sends the body's signature (lower case, as `WebhookRequest.headers` holds it). */
export const WHATSAPP_SIGNATURE_HEADER = 'x-hub-signature-256';

const SIGNATURE_FORMAT = /^sha256=([0-9a-fA-F]{64})$/;
// Meta's challenge is a number; anything short and plain is echoed, nothing that could be markup.
const CHALLENGE_FORMAT = /^[A-Za-z0-9._-]{1,256}$/;

/**
 * Throw `SignatureError` unless `X-Hub-Signature-256` is the HMAC-SHA256 of the raw body
 * keyed with the app secret. The comparison takes the same time whatever the signature.
 *
 * @example
 * ```ts
 * verifyWhatsapp(request, settings.appSecret); // throws on a missing, malformed or wrong signature
 * ```
 */
export function verifyWhatsapp(request: WebhookRequest, appSecret: string): void {
  const header = request.headers[WHATSAPP_SIGNATURE_HEADER];
  if (header === undefined || header === '') {
    throw new SignatureError('Missing X-Hub-Signature-256: Meta signs every WhatsApp webhook; is this request from Meta?');
  }
  const match = SIGNATURE_FORMAT.exec(header.trim());
  if (!match) {
    throw new SignatureError('X-Hub-Signature-256 is malformed: Meta sends "sha256=" followed by 64 hex digits.');
  }
  assertSignature('X-Hub-Signature-256', match[1]!.toLowerCase(), hmac('sha256', appSecret, request.rawBody, 'hex'));
}

/**
 * Answer Meta's verification request: `hub.challenge` as `text/plain` when `hub.mode` is
 * `subscribe` and `hub.verify_token` equals the configured verify token (compared in constant
 * time). Throws `SignatureError` otherwise, and `PayloadError` for a challenge that is missing
 * or not the plain token Meta sends.
 *
 * @example
 * ```ts
 * handshakeWhatsapp({ method: 'GET', headers: {}, rawBody: Buffer.alloc(0),
 *   query: { 'hub.mode': 'subscribe', 'hub.verify_token': 'dev-verify', 'hub.challenge': '1158201444' } }, 'dev-verify');
 * // → { status: 200, body: '1158201444', contentType: 'text/plain' }
 * ```
 */
export function handshakeWhatsapp(request: WebhookRequest, verifyToken: string): WebhookResponse {
  const mode = request.query['hub.mode'];
  if (mode !== 'subscribe') {
    throw new SignatureError(`hub.mode must be "subscribe" for Meta's webhook verification, got ${mode === undefined ? 'nothing' : JSON.stringify(mode)}.`);
  }
  const token = request.query['hub.verify_token'];
  if (token === undefined || token === '') {
    throw new SignatureError('Missing hub.verify_token: enter the bot\'s verifyToken in the App Dashboard\'s "Verify token" field.');
  }
  if (!safeEqual(token, verifyToken)) {
    throw new SignatureError('hub.verify_token does not match; enter the bot\'s verifyToken in the App Dashboard\'s "Verify token" field.');
  }
  const challenge = request.query['hub.challenge'];
  if (challenge === undefined || !CHALLENGE_FORMAT.test(challenge)) {
    throw new PayloadError('hub.challenge is missing or not a plain token; Meta sends a number to echo.', ['hub.challenge']);
  }
  return { status: 200, body: challenge, contentType: 'text/plain' };
}
