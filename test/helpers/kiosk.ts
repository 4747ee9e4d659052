/** What integration tests of a whole Kiosk share: a configuration and the cleanup of its keys. */
import type { KioskConfig } from '../../framework/config/schema';
import { cleanPrefix, connect, redisUrl } from './redis';

/** The Telegram secret token the tests' webhooks carry. */
export const TELEGRAM_SECRET = 'dev-only-telegram-secret';

/** Telegram settings pointing at a fake Bot API. */
export function telegramSettings(apiRoot: string) {
  return { token: '123456:dev-only-token', secretToken: TELEGRAM_SECRET, apiRoot };
}

/** A configuration for tests: the test's Redis and prefix, each bot with the given platforms. */
export function testConfig(prefix: string, bots: Record<string, Record<string, unknown>>, overrides: Partial<KioskConfig> = {}, url = redisUrl()): KioskConfig {
  return {
    redisUrl: url,
    prefix,
    port: 0,
    inboundPartitions: 2,
    webhookBodyLimitBytes: 1_048_576,
    bots: Object.fromEntries(Object.entries(bots).map(([name, platforms]) => [name, { defaultLocale: 'en', platforms }])),
    ...overrides,
  };
}

/** Remove every key a test wrote under its prefix. */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = connect();
  await cleanPrefix(redis, prefix);
  redis.disconnect();
}
