/**
 * Kiosk's logger. Lines carry ids (bot, platform, update, job), never customer data: names,
 * phone numbers, texts and locations stay out unless the debug option `logPersonalData: true`
 * (or `KIOSK_LOG_PERSONAL_DATA=1`) says so.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { redactLogObject } from './observability/redaction';

export type { Logger } from 'pino';

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** @defaultValue `KIOSK_LOG_LEVEL`, else `'info'` */
  level?: string;
  /** @defaultValue `'kiosk'` */
  name?: string;
  /**
   * Debugging only: stop hiding names, phone numbers, texts and locations in logged objects,
   * and have Kiosk add the sender and message to its "update received" lines. Secrets stay hidden.
   * @defaultValue `KIOSK_LOG_PERSONAL_DATA === '1'`, else `false`
   */
  logPersonalData?: boolean;
  /** Where lines go (a file, a test's capture). @defaultValue standard output */
  destination?: DestinationStream;
}

/**
 * Create the process's logger.
 *
 * @example
 * ```ts
 * const logger = createLogger({ level: 'debug', logPersonalData: config.logPersonalData });
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const logPersonalData = options.logPersonalData ?? process.env.KIOSK_LOG_PERSONAL_DATA === '1';
  const settings = {
    name: options.name ?? 'kiosk',
    level: options.level ?? process.env.KIOSK_LOG_LEVEL ?? 'info',
    // Belt and braces: Kiosk logs ids only; should an object with customer data or secrets ever
    // be logged, those fields are hidden in a copy. (A child logger's bindings are not: bind ids only.)
    formatters: {
      log: (object: Record<string, unknown>) => redactLogObject(object, logPersonalData),
      // `name` in the base bindings is the logger's own.
      bindings: ({ name, ...rest }: Record<string, unknown>) => ({ ...(name !== undefined ? { name } : {}), ...redactLogObject(rest, logPersonalData) }),
    },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
