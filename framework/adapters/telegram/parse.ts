/**
 * Telegram webhook body → Kiosk `Update`s. The body is one Bot API `Update` object
 * (https://core.telegram.org/bots/api#update); it becomes one Kiosk update, or none when it is
 * of a kind Kiosk does not handle (polls, inline queries…), which is acknowledged all the same
 * so Telegram does not retry it.
 */
import type { z } from 'zod';
import { PayloadError } from '../../core/errors';
import { parseCommand, type Chat, type Media, type Message, type Update, type User } from '../../core/update';
import type { WebhookRequest } from '../adapter';
import {
  telegramUpdateSchema,
  type TelegramCallbackQuery,
  type TelegramChat,
  type TelegramChatMemberUpdated,
  type TelegramMessage,
  type TelegramUser,
} from './types';

/** What the parser needs to know besides the body. */
export interface TelegramParseOptions {
  /** The bot (as configured) the webhook was posted for. */
  bot: string;
  /** When the update was received. @defaultValue `Date.now()` */
  now?: number;
}

/**
 * Parse a verified webhook request into zero or one `Update`.
 * Throws `PayloadError` for a body that is not JSON or not a Bot API update, naming the field.
 *
 * @example
 * ```ts
 * const [update] = parseTelegram(request, { bot: 'taxi' });
 * update?.message?.text; // 'I need a taxi'
 * ```
 */
export function parseTelegram(request: WebhookRequest, options: TelegramParseOptions): Update[] {
  const raw = parseJson(request.rawBody);
  const result = telegramUpdateSchema.safeParse(raw);
  if (!result.success) throw payloadErrorOf(result.error);
  const update = result.data;

  const base = { id: String(update.update_id), platform: 'telegram', bot: options.bot, receivedAt: options.now ?? Date.now(), raw };
  if (update.message) return [{ ...base, ...fromMessage(update.message, false) }];
  if (update.edited_message) return [{ ...base, ...fromMessage(update.edited_message, true) }];
  if (update.callback_query) {
    const press = fromCallbackQuery(update.callback_query);
    return press ? [{ ...base, ...press }] : [];
  }
  if (update.my_chat_member) {
    const event = fromMyChatMember(update.my_chat_member);
    return event ? [{ ...base, ...event }] : [];
  }
  return [];
}

/** The part of an `Update` that depends on what kind of Telegram update it was. */
type Body = Pick<Update, 'chat' | 'from' | 'kind' | 'message' | 'button' | 'event'>;

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PayloadError(`Telegram webhook body is not valid JSON (${reason}); Telegram always posts one JSON Update object.`, [], {
      cause: error,
    });
  }
}

function payloadErrorOf(error: z.ZodError): PayloadError {
  const issue = error.issues[0];
  // Symbols cannot occur in JSON, but zod types paths as PropertyKey.
  const path = (issue?.path ?? []).map((key) => (typeof key === 'number' ? key : String(key)));
  return new PayloadError(`Telegram update is malformed: ${issue?.message ?? 'invalid'}`, path, { cause: error });
}

function fromMessage(message: TelegramMessage, edited: boolean): Body {
  const content: Message = { id: String(message.message_id) };
  if (message.text !== undefined) {
    content.text = message.text;
    const command = parseCommand(message.text);
    if (command) content.command = command;
  }
  // A venue carries its own location; a plain location message has only `location`.
  const location = message.venue?.location ?? message.location;
  if (location) {
    content.location = { latitude: location.latitude, longitude: location.longitude };
    if (message.venue) content.location.label = `${message.venue.title}, ${message.venue.address}`;
  }
  const media = mediaOf(message);
  if (media) content.media = [media];
  if (edited) content.edited = true;
  return { chat: chatOf(message.chat), from: senderOf(message), kind: 'message', message: content };
}

function mediaOf(message: TelegramMessage): Media | undefined {
  let media: Media | undefined;
  if (message.photo && message.photo.length > 0) {
    // Telegram sends every size of a photo; the largest is the one worth downloading.
    const largest = message.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    media = { kind: 'image', id: largest.file_id };
  } else if (message.sticker) {
    media = { kind: 'sticker', id: message.sticker.file_id, ...mimeOf(message.sticker) };
  } else if (message.video) {
    media = { kind: 'video', id: message.video.file_id, ...mimeOf(message.video) };
  } else if (message.voice) {
    media = { kind: 'audio', id: message.voice.file_id, ...mimeOf(message.voice) };
  } else if (message.audio) {
    media = { kind: 'audio', id: message.audio.file_id, ...mimeOf(message.audio) };
  } else if (message.document) {
    // Checked last: Telegram also sets `document` on animations (GIFs), which are files to us.
    media = { kind: 'file', id: message.document.file_id, ...mimeOf(message.document) };
  }
  if (media && message.caption !== undefined) media.caption = message.caption;
  return media;
}

function mimeOf(file: { mime_type?: string | undefined }): Pick<Media, 'mime'> {
  return file.mime_type ? { mime: file.mime_type } : {};
}

function fromCallbackQuery(query: TelegramCallbackQuery): Body | undefined {
  // Game buttons carry `game_short_name` instead of `data`; Kiosk has no games.
  if (query.data === undefined) return undefined;
  const from = userOf(query.from);
  // Buttons on messages sent in inline mode have no `message`: the press belongs to the presser's private chat.
  const chat: Chat = query.message ? chatOf(query.message.chat) : { id: from.id, type: 'private' };
  const button: Body['button'] = { data: query.data, id: query.id };
  if (query.message) button.messageId = String(query.message.message_id);
  return { chat, from, kind: 'button', button };
}

function fromMyChatMember(change: TelegramChatMemberUpdated): Body | undefined {
  // In a private chat this update means the user blocked (`kicked`) or unblocked/started
  // (`member`) the bot. Membership changes in groups are not subscriptions.
  if (change.chat.type !== 'private') return undefined;
  const status = change.new_chat_member.status;
  const type = status === 'kicked' ? 'unsubscribe' : status === 'member' ? 'subscribe' : undefined;
  if (!type) return undefined;
  return { chat: chatOf(change.chat), from: userOf(change.from), kind: 'event', event: { type } };
}

function chatOf(chat: TelegramChat): Chat {
  const type = chat.type === 'private' ? 'private' : chat.type === 'channel' ? 'channel' : 'group';
  return { id: String(chat.id), type };
}

function senderOf(message: TelegramMessage): User {
  // An anonymous group admin or a channel speaks as a chat; its `from` is a placeholder user.
  if (message.sender_chat) {
    const sender: User = { id: String(message.sender_chat.id) };
    if (message.sender_chat.title) sender.name = message.sender_chat.title;
    if (message.sender_chat.username) sender.username = message.sender_chat.username;
    return sender;
  }
  if (message.from) return userOf(message.from);
  return { id: String(message.chat.id) };
}

function userOf(user: TelegramUser): User {
  const result: User = { id: String(user.id) };
  const name = [user.first_name, user.last_name].filter((part) => part).join(' ');
  if (name) result.name = name;
  if (user.username) result.username = user.username;
  if (user.language_code) result.locale = user.language_code;
  return result;
}
