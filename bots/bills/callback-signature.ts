/**
 * The payment provider's callback signature: `X-Payment-Signature: t=<unix seconds>,v1=<hex>`
 * where the hex is HMAC-SHA256 over `<t>.<raw body>` with the shared secret. The timestamp is
 * signed too and must be recent, so a captured callback cannot be replayed days later
 * (Stripe signs its webhooks the same way: https://docs.stripe.com/webhooks#verify-manually).
 */
import { hmac, safeEqual, SignatureError } from '../../framework/index';

/** The header the provider signs its callbacks with. */
export const SIGNATURE_HEADER = 'x-payment-signature';

/** How old a signed callback may be, s. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Sign a callback body as the provider does.
 *
 * @example
 * ```ts
 * const header = signPaymentCallback(secret, body); // 't=1767225600,v1=5f2b…'
 * ```
 */
export function signPaymentCallback(secret: string, rawBody: string | Buffer, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmac('sha256', secret, Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(rawBody)]), 'hex')}`;
}

/**
 * Check a callback's signature over the raw bytes as received; throws `SignatureError`
 * (answered 401) when it is missing, malformed, stale or wrong.
 */
export function verifyPaymentSignature(secret: string, header: string | undefined, rawBody: Buffer, nowSeconds = Math.floor(Date.now() / 1000)): void {
  if (!header) throw new SignatureError(`Missing ${SIGNATURE_HEADER}: the payment provider signs every callback; check the callback URL it is configured with.`);
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string | undefined]));
  const timestamp = Number(parts.get('t'));
  const signature = parts.get('v1');
  if (!Number.isInteger(timestamp) || !signature) throw new SignatureError(`${SIGNATURE_HEADER} must look like "t=<unix seconds>,v1=<hex>".`);
  if (Math.abs(nowSeconds - timestamp) > SIGNATURE_TOLERANCE_SECONDS) {
    throw new SignatureError(`${SIGNATURE_HEADER} is more than ${SIGNATURE_TOLERANCE_SECONDS} s old or in the future; check the server clock.`);
  }
  const expected = signPaymentCallback(secret, rawBody, timestamp).split('v1=')[1]!;
  if (!safeEqual(signature, expected)) throw new SignatureError(`${SIGNATURE_HEADER} does not match; check the payment provider's signing secret.`);
}
