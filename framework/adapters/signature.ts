/**
 * What every adapter's signature check shares: HMAC over the raw bytes and a comparison in
 * constant time. Called by the adapters, never copied into them.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureError } from '../core/errors';

/** HMAC of the raw body, as hex or base64. */
export function hmac(algorithm: 'sha1' | 'sha256', key: string | Buffer, data: string | Buffer, encoding: 'hex' | 'base64'): string {
  return createHmac(algorithm, key).update(data).digest(encoding);
}

/** A plain digest, as hex (WeChat's SHA-1 over sorted parameters). */
export function digest(algorithm: 'sha1' | 'sha256', data: string | Buffer): string {
  return createHash(algorithm).update(data).digest('hex');
}

/**
 * Compare two secrets in constant time. Different lengths are compared against a digest so
 * the time taken does not reveal the expected length.
 */
export function safeEqual(actual: string | undefined, expected: string): boolean {
  if (actual === undefined) return false;
  const a = createHash('sha256').update(actual).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && actual.length === expected.length;
}

/** Throw a `SignatureError` naming the header unless `actual` equals `expected`. */
export function assertSignature(header: string, actual: string | undefined, expected: string): void {
  if (actual === undefined || actual === '') {
    throw new SignatureError(`Missing ${header}: configure the platform to send it with every webhook.`);
  }
  if (!safeEqual(actual, expected)) {
    throw new SignatureError(`${header} does not match; check the secret configured for this bot.`);
  }
}
