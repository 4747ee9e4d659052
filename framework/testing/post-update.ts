/**
 * Helpers to drive a running Kiosk app the way Telegram does: builders of Bot API update
 * objects and a function that posts one to the app's webhook with the secret token.
 */
import type { CallbackQuery, Message, Update } from 'telegraf/types';

/** What the app answered to a posted update. */
export interface PostedUpdate {
  status: number;
  /** The response body as text (Kiosk acknowledges Telegram with an empty body). */
  body: string;
}

/**
 * Post an update to `/webhooks/<bot>/telegram` of a running Kiosk app, as Telegram would,
 * with the `x-telegram-bot-api-secret-token` header.
 *
 * @example
 * ```ts
 * const { status } = await postTelegramUpdate('http://127.0.0.1:3000', 'taxi', telegramTextUpdate({ updateId: 1, chatId: 42, text: '/start' }), 'dev-secret');
 * expect(status).toBe(200);
 * ```
 */
export async function postTelegramUpdate(baseUrl: string, bot: string, update: unknown, secretToken: string): Promise<PostedUpdate> {
  const url = `${baseUrl.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(bot)}/telegram`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secretToken },
    body: typeof update === 'string' ? update : JSON.stringify(update),
  });
  return { status: response.status, body: await response.text() };
}

/** Who writes, in the builders below. */
export interface TelegramSenderOptions {
  /** `update_id`; give each update its own, since Kiosk de-duplicates on it. */
  updateId: number;
  /** The chat; positive for a private chat, negative for a group. */
  chatId: number;
  /** The user writing. @defaultValue `chatId` */
  userId?: number;
  /** The user's `language_code`, e.g. `'fr'`. */
  languageCode?: string;
  /** @defaultValue `'Test'` */
  firstName?: string;
  username?: string;
}

/** Options of `telegramTextUpdate`. */
export interface TelegramTextOptions extends TelegramSenderOptions {
  text: string;
  /** @defaultValue `updateId` */
  messageId?: number;
}

/** Options of `telegramCallbackUpdate`. */
export interface TelegramCallbackOptions extends TelegramSenderOptions {
  /** The `callback_data` of the pressed button. */
  data: string;
  /** The id of the bot's message that carried the button. @defaultValue `1` */
  messageId?: number;
  /** The callback query's id, answered with answerCallbackQuery. @defaultValue `cq-<updateId>` */
  callbackId?: string;
}

/** Options of `telegramLocationUpdate`. */
export interface TelegramLocationOptions extends TelegramSenderOptions {
  latitude: number;
  longitude: number;
  /** @defaultValue `updateId` */
  messageId?: number;
}

/**
 * A text message update; a text starting with `/` carries a `bot_command` entity as Telegram's would.
 *
 * @example
 * ```ts
 * telegramTextUpdate({ updateId: 7, chatId: 42, text: '/start ref-1', languageCode: 'fr' });
 * ```
 */
export function telegramTextUpdate(options: TelegramTextOptions): Update.MessageUpdate<Message.TextMessage> {
  const command = /^\/\S+/.exec(options.text);
  return {
    update_id: options.updateId,
    message: {
      ...messageBase(options, options.messageId ?? options.updateId),
      text: options.text,
      ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
    },
  };
}

/**
 * A button-press update, as sent when a customer taps an inline-keyboard button.
 *
 * @example
 * ```ts
 * telegramCallbackUpdate({ updateId: 8, chatId: 42, data: 'dest:home' });
 * ```
 */
export function telegramCallbackUpdate(options: TelegramCallbackOptions): Update.CallbackQueryUpdate<CallbackQuery.DataQuery> {
  const base = messageBase(options, options.messageId ?? 1);
  return {
    update_id: options.updateId,
    callback_query: {
      id: options.callbackId ?? `cq-${options.updateId}`,
      from: base.from,
      // The message is the bot's own, so its sender is a bot.
      message: { ...base, from: { id: 1, is_bot: true, first_name: 'Kiosk Test Bot' }, text: '…' },
      chat_instance: String(options.chatId),
      data: options.data,
    },
  };
}

/**
 * A shared-location update.
 *
 * @example
 * ```ts
 * telegramLocationUpdate({ updateId: 9, chatId: 42, latitude: 48.8584, longitude: 2.2945 });
 * ```
 */
export function telegramLocationUpdate(options: TelegramLocationOptions): Update.MessageUpdate<Message.LocationMessage> {
  return {
    update_id: options.updateId,
    message: {
      ...messageBase(options, options.messageId ?? options.updateId),
      location: { latitude: options.latitude, longitude: options.longitude },
    },
  };
}

function messageBase(options: TelegramSenderOptions, messageId: number) {
  const firstName = options.firstName ?? 'Test';
  const from = {
    id: options.userId ?? options.chatId,
    is_bot: false as const,
    first_name: firstName,
    ...(options.username ? { username: options.username } : {}),
    ...(options.languageCode ? { language_code: options.languageCode } : {}),
  };
  // Telegram's group ids are negative; a private chat's id is the user's.
  const chat =
    options.chatId < 0
      ? { id: options.chatId, type: 'supergroup' as const, title: 'Test group' }
      : { id: options.chatId, type: 'private' as const, first_name: firstName, ...(options.username ? { username: options.username } : {}) };
  return { message_id: messageId, date: Math.floor(Date.now() / 1000), chat, from };
}
