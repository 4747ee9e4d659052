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

const days = (fallback: number) => z.coerce.number().positive().max(3650).default(fallback);

/**
 * How long Kiosk keeps what it holds about customers, in days (fractions allowed). Each is an
 * upper bound: a bot may keep its sessions or jobs for less, never for longer.
 */
export const retentionSchema = z.object({
  /** Sessions and flow state, after their last change. @defaultValue 30 */
  sessionDays: days(30),
  /** Completed jobs (inbound updates, jobs, deliveries); also how long a retried webhook is refused. @defaultValue 1 */
  finishedJobDays: days(1),
  /** Failed jobs, kept to be inspected and retried by hand. @defaultValue 7 */
  failedJobDays: days(7),
  /** Delivery records (sent, delivered, read) and the de-duplication of deliveries. @defaultValue 1 */
  deliveryRecordDays: days(1),
});

/** Retention after validation, every field set. */
export type Retention = z.infer<typeof retentionSchema>;

/** The retention of a configuration, with defaults for what it does not set. */
export function retentionOf(config: { retention?: Partial<Retention> | undefined }): Retention {
  return retentionSchema.parse(config.retention ?? {});
}

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
  /**
   * The operator's credentials for the queues UI at `/admin/queues` (HTTP Basic). Without them
   * the UI is not served. Give the password through the environment
   * (`KIOSK__admin__password`), at least 12 characters.
   */
  admin: z
    .object({
      username: z.string().min(1, 'give the admin user name'),
      password: z.string().min(12, 'the admin password must have at least 12 characters'),
    })
    .optional(),
  /**
   * Debugging only: let names, phone numbers, texts and locations into the logs (Kiosk adds
   * the sender and message to its "update received" lines). Never in production.
   * @defaultValue false
   */
  logPersonalData: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
    .transform((value) => value === true || value === 'true' || value === '1')
    .optional(),
  /** How long customers' data is kept; see `retentionSchema`. @defaultValue every field's default */
  retention: retentionSchema.optional(),
});

/** Configuration as written (defaults optional). */
export type KioskConfigInput = z.input<typeof configSchema>;
/** Configuration after validation. */
export type KioskConfig = z.infer<typeof configSchema>;
