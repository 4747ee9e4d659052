/**
 * Kiosk's configuration: Redis, the HTTP port, and each bot with its platforms' settings.
 * Each platform's settings are validated by that platform's own schema (`loadConfig`).
 */
import { z } from 'zod';

/** Names of bots: they appear in webhook URLs and Redis keys. */
const botName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'bot names are lowercase letters, digits, - and _');

/** One bot's configuration. */
export const botConfigSchema = z.object({
  /** Locale for customers who have none. @defaultValue `'en'` */
  defaultLocale: z.string().min(2).default('en'),
  /** Settings per platform, e.g. `{ telegram: { token, secretToken } }`; each checked by its adapter. */
  platforms: z.record(z.string(), z.unknown()),
});

/** The whole configuration, with its defaults. */
export const configSchema = z.object({
  /** Where Redis is: `redis://` or `rediss://`. */
  redisUrl: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
  /** Prefix of every Redis key; use braces (`{kiosk}`) on a Redis Cluster. @defaultValue `'kiosk'` */
  prefix: z.string().regex(/^[A-Za-z0-9_{}-]+$/, 'letters, digits, _, - and braces only').default('kiosk'),
  /** The public base URL of the web process, used to print and register webhook URLs. */
  publicUrl: z.url().optional(),
  /** Port of the web process. @defaultValue 3000 */
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Inbound partitions; every process of a deployment must agree. @defaultValue 16 */
  inboundPartitions: z.coerce.number().int().min(1).max(1024).default(16),
  /** Largest webhook body accepted, bytes. @defaultValue 1048576 */
  webhookBodyLimitBytes: z.coerce.number().int().positive().default(1_048_576),
  /** The bots, by name. */
  bots: z.record(botName, botConfigSchema),
});

/** Configuration as written (defaults optional). */
export type KioskConfigInput = z.input<typeof configSchema>;
/** Configuration after validation. */
export type KioskConfig = z.infer<typeof configSchema>;
