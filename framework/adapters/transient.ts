/**
 * What every adapter asks of an error its HTTP client threw: is it the network (refused,
 * reset, timed out), so the same request may well succeed later? One answer for all
 * platforms, so a timeout means "retry" on Telegram and WeChat alike.
 */

/** Network error codes after which the same request may well succeed. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Whether an error, or one of its causes, is a network failure or a timeout: node's socket
 * codes, undici's `UND_ERR_*` (fetch wraps them as `cause`), an aborted or timed-out fetch,
 * and node-fetch's `request-timeout` (telegraf's client).
 *
 * @example
 * ```ts
 * if (isTransientNetworkError(error)) return { kind: 'retry' };
 * ```
 */
export function isTransientNetworkError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, type, name } = current as { code?: unknown; type?: unknown; name?: unknown };
    if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || code.startsWith('UND_ERR_'))) return true;
    if (type === 'request-timeout' || name === 'AbortError' || name === 'TimeoutError') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
