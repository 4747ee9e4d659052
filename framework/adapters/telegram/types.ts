/**
 * Zod schemas of the parts of Telegram's `Update` object the adapter reads
 * (https://core.telegram.org/bots/api#update). Only the fields Kiosk maps are declared;
 * zod strips the rest, and `Update.raw` keeps the original payload for anything not modelled.
 * Field names follow the Bot API exactly, so an error path such as `message.chat.id` can be
 * looked up in Telegram's documentation.
 */
import { z } from 'zod';

/** A Telegram user or bot (https://core.telegram.org/bots/api#user). */
export const telegramUserSchema = z.object({
  id: z.number().int(),
  is_bot: z.boolean(),
  first_name: z.string(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});

/** A chat (https://core.telegram.org/bots/api#chat). Ids of groups and channels are negative. */
export const telegramChatSchema = z.object({
  id: z.number().int(),
  type: z.enum(['private', 'group', 'supergroup', 'channel']),
  title: z.string().optional(),
  username: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
});

/** One size of a photo; Telegram sends several sizes of every photo. */
export const telegramPhotoSizeSchema = z.object({
  file_id: z.string(),
  file_unique_id: z.string(),
  width: z.number(),
  height: z.number(),
  file_size: z.number().optional(),
});

/** The fields a document, audio, voice, video or sticker share as far as Kiosk is concerned. */
export const telegramFileSchema = z.object({
  file_id: z.string(),
  file_unique_id: z.string(),
  mime_type: z.string().optional(),
  file_name: z.string().optional(),
});

/** A point on the map (https://core.telegram.org/bots/api#location). */
export const telegramLocationSchema = z.object({
  latitude: z.number(),
  longitude: z.number(),
});

/** A venue: a location with a name, sent from the attachment menu. */
export const telegramVenueSchema = z.object({
  location: telegramLocationSchema,
  title: z.string(),
  address: z.string(),
});

/** A message (https://core.telegram.org/bots/api#message): text, caption, media or location. */
export const telegramMessageSchema = z.object({
  message_id: z.number().int(),
  date: z.number(),
  chat: telegramChatSchema,
  /** Absent for channel posts; a placeholder user for anonymous group admins (see `sender_chat`). */
  from: telegramUserSchema.optional(),
  sender_chat: telegramChatSchema.optional(),
  edit_date: z.number().optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  photo: z.array(telegramPhotoSizeSchema).optional(),
  document: telegramFileSchema.optional(),
  audio: telegramFileSchema.optional(),
  voice: telegramFileSchema.optional(),
  video: telegramFileSchema.optional(),
  sticker: telegramFileSchema.optional(),
  location: telegramLocationSchema.optional(),
  venue: telegramVenueSchema.optional(),
});

/**
 * The message a callback button was attached to. Telegram sends an `InaccessibleMessage`
 * (`date: 0`, only `chat` and `message_id`) when the message is too old, so only those are required.
 */
export const telegramCallbackMessageSchema = z.object({
  message_id: z.number().int(),
  chat: telegramChatSchema,
});

/** A press of an inline-keyboard button (https://core.telegram.org/bots/api#callbackquery). */
export const telegramCallbackQuerySchema = z.object({
  id: z.string(),
  from: telegramUserSchema,
  message: telegramCallbackMessageSchema.optional(),
  inline_message_id: z.string().optional(),
  chat_instance: z.string(),
  /** Absent for game buttons (`game_short_name`), which Kiosk does not handle. */
  data: z.string().optional(),
});

/** A member's status in a chat (https://core.telegram.org/bots/api#chatmember). */
export const telegramChatMemberSchema = z.object({
  status: z.enum(['creator', 'administrator', 'member', 'restricted', 'left', 'kicked']),
  user: telegramUserSchema,
});

/** A change of the bot's own membership: in a private chat, the user blocked or unblocked it. */
export const telegramChatMemberUpdatedSchema = z.object({
  chat: telegramChatSchema,
  from: telegramUserSchema,
  date: z.number(),
  old_chat_member: telegramChatMemberSchema,
  new_chat_member: telegramChatMemberSchema,
});

/**
 * An update as posted to the webhook. Every other kind of update (polls, inline queries,
 * channel posts…) passes validation untouched and is acknowledged without being handled.
 */
export const telegramUpdateSchema = z.object({
  update_id: z.number().int(),
  message: telegramMessageSchema.optional(),
  edited_message: telegramMessageSchema.optional(),
  callback_query: telegramCallbackQuerySchema.optional(),
  my_chat_member: telegramChatMemberUpdatedSchema.optional(),
});

/** A Telegram user, as validated. */
export type TelegramUser = z.infer<typeof telegramUserSchema>;
/** A Telegram chat, as validated. */
export type TelegramChat = z.infer<typeof telegramChatSchema>;
/** A Telegram message, as validated. */
export type TelegramMessage = z.infer<typeof telegramMessageSchema>;
/** A Telegram callback query, as validated. */
export type TelegramCallbackQuery = z.infer<typeof telegramCallbackQuerySchema>;
/** A change of the bot's membership in a chat, as validated. */
export type TelegramChatMemberUpdated = z.infer<typeof telegramChatMemberUpdatedSchema>;
/** A Telegram update, as validated. */
export type TelegramUpdate = z.infer<typeof telegramUpdateSchema>;
