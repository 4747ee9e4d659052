/**
 * Kiosk's logger. Lines carry ids (bot, platform, update, job), never customer data: names,
 * phone numbers, texts and locations stay out unless `KIOSK_LOG_PERSONAL_DATA=1` says so.
 */
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Create the process's logger; level from `KIOSK_LOG_LEVEL`. @defaultValue level `'info'` */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'kiosk',
    level: options.level ?? process.env.KIOSK_LOG_LEVEL ?? 'info',
    // Belt and braces: should an object with these fields ever be logged, they are hidden.
    redact: {
      paths: ['*.token', '*.secret', '*.secretToken', '*.text', '*.name', '*.phone', '*.location', 'from', 'message', 'raw'],
      censor: '[redacted]',
    },
  });
}
