/**
 * LINE's webhook check. LINE signs every webhook: `x-line-signature` is the Base64 HMAC-SHA256
 * of the request body with the channel secret as key
 * (https://developers.line.biz/en/docs/messaging-api/verify-webhook-signature/). The HMAC is
 * over the raw bytes as received: re-serialising the parsed JSON would change a pretty-printed
 * body and break the signature.
 */
import type { WebhookRequest } from '../adapter';
import { assertSignature, hmac } from '../signature';

/** The header in which LINE sends the webhook's signature. */
export const LINE_SIGNATURE_HEADER = 'x-line-signature';

/**
 * The signature LINE computes for a body: Base64 of HMAC-SHA256 keyed with the channel secret.
 *
 * @example
 * ```ts
 * lineSignature('{"destination":"U1","events":[]}', settings.channelSecret); // e.g. 'GpLg…='
 * ```
 */
export function lineSignature(body: string | Buffer, channelSecret: string): string {
  return hmac('sha256', channelSecret, body, 'base64');
}

/**
 * Throw `SignatureError` unless the request carries LINE's signature of its raw body.
 *
 * @example
 * ```ts
 * verifyLine(request, settings.channelSecret); // throws on a missing or wrong signature
 * ```
 */
export function verifyLine(request: WebhookRequest, channelSecret: string): void {
  assertSignature('X-Line-Signature', request.headers[LINE_SIGNATURE_HEADER], lineSignature(request.rawBody, channelSecret));
}
