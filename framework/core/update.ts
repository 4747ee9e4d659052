/**
 * The platform-neutral shape of one inbound event. Every adapter parses its platform's
 * payload into `Update`s; the router and the bots only ever see these. Plain data, so
 * an update travels through Redis as JSON and comes back the same.
 */

/** Name of a messaging platform, e.g. `'telegram'`, `'webchat'`, `'wechat'`. */
export type Platform = string;

/** Who sent an update, as far as the platform tells. */
export interface User {
  /** The platform's id for this person (a Telegram user id, a WeChat OpenID, a web-chat visitor id). */
  id: string;
  /** Display name, when the platform gives one. Personal data: never log it. */
  name?: string;
  /** Handle such as a Telegram username. */
  username?: string;
  /** BCP 47 language tag the platform reports for this person, e.g. `'fr'` or `'zh-CN'`. */
  locale?: string;
}

/** The chat an update belongs to; replies go back to it. */
export interface Chat {
  /** The platform's id for the chat. For one-to-one chats this is often the user's id. */
  id: string;
  /** Kind of chat; one-to-one chats are `'private'`. */
  type: 'private' | 'group' | 'channel';
}

/** A point on the map a customer shared. */
export interface Location {
  latitude: number;
  longitude: number;
  /** A place name or address, when the platform gives one. */
  label?: string;
}

/** A picture, sound, video or file attached to a message. */
export interface Media {
  kind: 'image' | 'audio' | 'video' | 'file' | 'sticker';
  /** The platform's id for the file, for downloading it through the platform API. */
  id?: string;
  /** A URL where the file can be fetched, when the platform gives one. */
  url?: string;
  mime?: string;
  caption?: string;
}

/** A command such as `/start ref42`: `name` is `'start'`, `payload` is `'ref42'`. */
export interface Command {
  name: string;
  payload: string;
}

/** The content of an inbound message. */
export interface Message {
  /** The platform's id for this message, when it has one. */
  id?: string;
  text?: string;
  /** Set when the text starts with a `/command`; deep-link payloads of `/start` land in `payload`. */
  command?: Command;
  location?: Location;
  media?: Media[];
  /** True when this is an edit of an earlier message rather than a new one. */
  edited?: boolean;
}

/** A press of a button the bot sent earlier. */
export interface ButtonPress {
  /** The `data` of the button that was pressed. */
  data: string;
  /** The platform's id for the press, used to acknowledge it (Telegram's callback query id). */
  id?: string;
  /** The id of the message that carried the button. */
  messageId?: string;
}

/** Kinds of events that are neither messages nor button presses. */
export type EventType = 'subscribe' | 'unsubscribe' | 'menu' | 'scan' | 'location' | 'open' | (string & {});

/** A platform event: a follow, an unfollow, a menu click, a QR scan, a chat opened… */
export interface PlatformEvent {
  type: EventType;
  /** Event data such as a menu key, a QR scene or a deep-link payload. */
  payload?: string;
}

/** The three kinds of update; exactly one of `message`, `button` or `event` is set to match. */
export type UpdateKind = 'message' | 'button' | 'event';

/** One inbound event, platform-neutral. */
export interface Update {
  /** Unique per platform and bot; the inbound queue de-duplicates on it. */
  id: string;
  platform: Platform;
  /** Name of the bot (as configured) the update was sent to. */
  bot: string;
  chat: Chat;
  from: User;
  kind: UpdateKind;
  message?: Message;
  button?: ButtonPress;
  event?: PlatformEvent;
  /** Milliseconds since the epoch when Kiosk received the update. */
  receivedAt: number;
  /** The platform's own payload for this update, for what Kiosk does not model. */
  raw?: unknown;
}

/** Where a reply goes: carried in every job so a worker can write back hours later. */
export interface Conversation {
  bot: string;
  platform: Platform;
  chat: string;
  user: string;
  locale?: string;
}

/** The conversation an update belongs to. */
export function conversationOf(update: Update): Conversation {
  const conversation: Conversation = {
    bot: update.bot,
    platform: update.platform,
    chat: update.chat.id,
    user: update.from.id,
  };
  if (update.from.locale) conversation.locale = update.from.locale;
  return conversation;
}

/** Split `/name payload` (and Telegram's `/name@botname payload`) into a command, if the text is one. */
export function parseCommand(text: string | undefined): Command | undefined {
  if (!text) return undefined;
  const match = /^\/([A-Za-z0-9_]{1,64})(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  return { name: match[1]!.toLowerCase(), payload: (match[2] ?? '').trim() };
}
