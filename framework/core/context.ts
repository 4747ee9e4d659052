/**
 * The object every middleware receives: the update, where to reply, and the services a
 * handler needs. Plugins add fields (`session`, …) through flavours, as in grammY.
 */
import { toOutbound, type OutboundMessage } from './outbound';
import { conversationOf, type ButtonPress, type Chat, type Conversation, type Location, type Message, type PlatformEvent, type Update, type User } from './update';

/**
 * The result of sending one message: the platform's id for it when it was sent at once, or
 * the id of its delivery job when it was queued for delivery.
 */
export interface SentMessage {
  messageId?: string;
  deliveryId?: string;
}

/**
 * What a context needs from the outside world. Today `send` goes straight through the
 * platform adapter; later it goes through a delivery queue. Bot code does not change.
 */
export interface ContextServices {
  /** Deliver a message to a conversation. */
  send(conversation: Conversation, message: OutboundMessage): Promise<SentMessage>;
  /** Acknowledge a button press (stops Telegram's spinner), optionally with a short notice. */
  answerButton?(update: Update, text?: string): Promise<void>;
}

/** Extra fields of a reply besides its text. */
export type ReplyExtra = Omit<OutboundMessage, 'text'>;

/**
 * The context of one update. Shortcuts (`text`, `message`, `button`, `location`) are
 * `undefined` unless the update has them; `on('message:text')` narrows them to defined.
 *
 * @example
 * ```ts
 * bot.on('message:text', (ctx) => ctx.reply(`You said ${ctx.text}`));
 * ```
 */
export class Context {
  /** The update being handled. */
  readonly update: Update;
  /** Where replies go; serialisable, so jobs can carry it. */
  readonly conversation: Conversation;
  /** What `hears`, `command` and `button` matched: the command payload, the string, or the RegExp match. */
  match: string | RegExpMatchArray | undefined;
  /** Scratch space for middleware to pass values down the chain for this update only. */
  readonly state: Record<string, unknown> = {};
  /** Whether the button press of this update has been acknowledged. */
  buttonAnswered = false;

  readonly #services: ContextServices;

  constructor(update: Update, services: ContextServices) {
    this.update = update;
    this.conversation = conversationOf(update);
    this.#services = services;
  }

  /** The bot's name as configured. */
  get bot(): string {
    return this.update.bot;
  }
  /** The platform the update came from. */
  get platform(): string {
    return this.update.platform;
  }
  /** The chat to reply to. */
  get chat(): Chat {
    return this.update.chat;
  }
  /** Who sent the update. */
  get from(): User {
    return this.update.from;
  }
  /** The message, for message updates. */
  get message(): Message | undefined {
    return this.update.message;
  }
  /** The message's text, if any. */
  get text(): string | undefined {
    return this.update.message?.text;
  }
  /** The shared location, if any. */
  get location(): Location | undefined {
    return this.update.message?.location;
  }
  /** The pressed button, for button updates. */
  get button(): ButtonPress | undefined {
    return this.update.button;
  }
  /** The platform event, for event updates. */
  get event(): PlatformEvent | undefined {
    return this.update.event;
  }
  /** The customer's locale as the platform reported it. */
  get locale(): string | undefined {
    return this.update.from.locale;
  }

  /**
   * Send a message back to this conversation.
   *
   * @example
   * ```ts
   * await ctx.reply('Where shall we pick you up?', { buttons: [[{ label: 'Cancel', data: 'cancel' }]] });
   * ```
   */
  reply(content: string | OutboundMessage, extra?: ReplyExtra): Promise<SentMessage> {
    return this.#services.send(this.conversation, toOutbound(content, extra));
  }

  /**
   * Acknowledge the pressed button, optionally showing a short notice. Kiosk acknowledges
   * unanswered presses itself after the middleware has run; call this to add a text.
   */
  async answerButton(text?: string): Promise<void> {
    if (this.buttonAnswered || this.update.kind !== 'button') return;
    this.buttonAnswered = true;
    await this.#services.answerButton?.(this.update, text);
  }
}
