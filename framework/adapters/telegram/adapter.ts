/**
 * The Telegram platform: its settings and the adapter built from them. Verification, parsing
 * and sending live in `verify.ts`, `parse.ts` and `send.ts`; this file wires them to telegraf's
 * `Telegram` API client for one bot.
 */
import { Telegram } from 'telegraf';
import { z } from 'zod';
import type { Adapter, RateLimits } from '../adapter';
import { defineAdapter } from '../definition';
import { parseTelegram } from './parse';
import { answerTelegramButton, classifyTelegramError, sendTelegram } from './send';
import { verifyTelegram } from './verify';

/**
 * Settings of one bot on Telegram, under `bots.<name>.platforms.telegram`.
 *
 * @example
 * ```ts
 * { token: process.env.TAXI_TELEGRAM_TOKEN, secretToken: process.env.TAXI_TELEGRAM_SECRET }
 * ```
 */
export const telegramSettings = z.object({
  /** The token BotFather gave the bot, e.g. `123456:ABC-DEF…`. A secret: never logged. */
  token: z.string().min(1, 'the bot token from BotFather is required'),
  /**
   * The `secret_token` passed to `setWebhook`; Telegram echoes it in every webhook. Telegram
   * allows 1–256 characters of `A-Z a-z 0-9 _ -` (https://core.telegram.org/bots/api#setwebhook).
   */
  secretToken: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1-256 characters of A-Z, a-z, 0-9, _ and -, as Telegram requires'),
  /** Base URL of the Bot API; a fake server or a local Bot API server in tests. @defaultValue `'https://api.telegram.org'` */
  apiRoot: z.url({ protocol: /^https?$/ }).default('https://api.telegram.org'),
});

/** Telegram settings as written in configuration (`apiRoot` optional). */
export type TelegramSettingsInput = z.input<typeof telegramSettings>;
/** Telegram settings after validation, with defaults applied. */
export type TelegramSettings = z.infer<typeof telegramSettings>;

/**
 * Telegram's limits on a bot's messages (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
 * about 30 messages a second in all, one a second to a chat, 20 a minute to a group.
 */
export const telegramLimits: RateLimits = { perSecond: 30, perChatPerSecond: 1, perGroupPerMinute: 20 };

/**
 * The Telegram platform definition. Telegram keeps no state in Kiosk's Redis, so the
 * adapter ignores `environment.redis`.
 *
 * @example
 * ```ts
 * const adapter = telegram.create(telegram.settings.parse({ token, secretToken }), { bot: 'taxi', redis, prefix: 'kiosk' });
 * await adapter.send(conversation, { text: 'Your taxi is on its way' });
 * ```
 */
export const telegram = defineAdapter({
  platform: 'telegram',
  settings: telegramSettings,
  create(settings, environment): Adapter {
    const client = new Telegram(settings.token, { apiRoot: settings.apiRoot });
    return {
      platform: 'telegram',
      limits: telegramLimits,
      verify: (request) => verifyTelegram(request, settings.secretToken),
      parse: (request) => parseTelegram(request, { bot: environment.bot }),
      send: (conversation, message) => sendTelegram(client, conversation, message),
      answerButton: (update, text) => answerTelegramButton(client, update, text),
      classifyError: classifyTelegramError,
    };
  },
});
