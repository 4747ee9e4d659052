/** A copy of the configuration that is safe to print: secrets hidden, Redis credentials removed. */
import type { KioskConfig } from './schema';

const SECRET_KEY = /token|secret|password|key/i;

function redactValue(key: string, value: unknown): unknown {
  if (SECRET_KEY.test(key) && (typeof value === 'string' || typeof value === 'number')) return '[redacted]';
  if (Array.isArray(value)) return value.map((v) => redactValue('', v));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(k, v)]));
  }
  return value;
}

/**
 * Hide every value under a key that looks secret, and the password of the Redis URL.
 *
 * @example
 * ```ts
 * logger.info({ config: redactConfig(config) }, 'starting');
 * ```
 */
export function redactConfig(config: KioskConfig): KioskConfig {
  const copy = redactValue('', config) as KioskConfig;
  try {
    const url = new URL(config.redisUrl);
    url.username = url.username ? '[redacted]' : '';
    url.password = url.password ? '[redacted]' : '';
    copy.redisUrl = url.toString();
  } catch {
    copy.redisUrl = '[redacted]';
  }
  return copy;
}
