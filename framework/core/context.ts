/**
 * The object every middleware receives: the update, where to reply, and the services a
 * handler needs. Plugins add fields (`session`, …) through flavours, as in grammY.
 */
import type { z } from 'zod';
import { isTemplateName, type Renderer } from './content';
import type { JobOptions, JobRef } from './job-options';
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

/** A key-value store the runtime lends to plugins such as sessions: Redis inside Kiosk. */
export interface KeyValueStore {
  get(key: string): Promise<unknown | undefined>;
  set(key: string, value: unknown, ttlSeconds?: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Why `ctx.customer.link(code)` refused a code. */
export type LinkRefusal =
  /** The text cannot be a code (wrong length or characters); not counted as an attempt. */
  | 'malformed'
  /** No such code, or it expired, or it was used already. */
  | 'invalid-or-expired'
  /** The code was issued to this very account: type it on the other one. */
  | 'own-code'
  /** Too many wrong codes from this account lately; try again later. */
  | 'too-many-attempts';

/** The outcome of `ctx.customer.link(code)`. */
export type LinkResult =
  /** `id` is the customer id now shared by both accounts; `previousId` is this account's id before. */
  | { linked: true; id: string; previousId: string }
  | { linked: false; reason: LinkRefusal };

/** A one-time code to show the customer, and when it stops working (ms since the epoch). */
export interface LinkCode {
  code: string;
  expiresAt: number;
}

/**
 * The person behind an update, across platforms: `ctx.customer`. Accounts are linked with a
 * one-time code shown on one platform and typed on another; from then on `id` is the same
 * on both, so a business keys its records by it.
 *
 * @example
 * ```ts
 * bot.command('link', async (ctx) => {
 *   if (ctx.match) {
 *     const result = await ctx.customer.link(String(ctx.match));
 *     return ctx.reply(result.linked ? 'Accounts linked.' : 'That code is not valid any more.');
 *   }
 *   const { code } = await ctx.customer.linkCode();
 *   await ctx.reply(`Type /link ${code} in the other app within 10 minutes.`);
 * });
 * ```
 */
export interface CustomerHandle {
  /** The stable Kiosk customer id (`c-…`), the same on every account linked to this one. */
  readonly id: string;
  /** Issue a one-time code for this account (replacing an earlier one). @defaultValue lives 600 s */
  linkCode(options?: { ttlSeconds?: number }): Promise<LinkCode>;
  /** Join this account to the customer whose account issued `code`; `id` changes to theirs. */
  link(code: string): Promise<LinkResult>;
  /** Detach this account from its customer: it gets an id of its own. Resolves to whether it was linked. */
  unlink(): Promise<boolean>;
  /** Every account of this customer, this one included. */
  accounts(): Promise<Array<{ platform: string; user: string }>>;
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
  /** Render a template for a conversation; absent when no templates are configured. */
  render?: Renderer;
  /** Validate and enqueue a job for this conversation. */
  enqueue?(job: JobRef, data: unknown, options: JobOptions & { conversation: Conversation }): Promise<string>;
  /** Remove a job that has not run yet. */
  cancel?(job: JobRef, id: string): Promise<boolean>;
  /** Where plugins keep per-customer state (sessions). */
  store?: KeyValueStore;
  /** The customer behind the update, resolved before the handlers run (`ctx.customer`). */
  customer?: CustomerHandle;
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
  /** The store the runtime lends to plugins (sessions), if any. */
  get store(): KeyValueStore | undefined {
    return this.#services.store;
  }
  /**
   * The customer behind this update across every platform they linked: a stable `id`, and
   * `linkCode`, `link` and `unlink` to join accounts. Available inside Kiosk.
   */
  get customer(): CustomerHandle {
    if (!this.#services.customer) throw new Error('ctx.customer needs Kiosk: run the bot inside createKiosk, or give its services a customer.');
    return this.#services.customer;
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
  reply(text: string | OutboundMessage, extra?: ReplyExtra): Promise<SentMessage>;
  /**
   * Render a template (`'bot/name'`, chosen by the customer's locale and platform) and send it.
   *
   * @example
   * ```ts
   * await ctx.reply('taxi/fare', { amount: 12.5, currency: 'EUR' });
   * ```
   */
  reply(template: string, data: Record<string, unknown>): Promise<SentMessage>;
  reply(content: string | OutboundMessage, extraOrData?: ReplyExtra | Record<string, unknown>): Promise<SentMessage> {
    const message =
      typeof content === 'string' && isTemplateName(content)
        ? this.render(content, extraOrData ?? {})
        : toOutbound(content, extraOrData as ReplyExtra | undefined);
    return this.#services.send(this.conversation, message);
  }

  /** Render a template for this conversation without sending it. */
  render(template: string, data: Record<string, unknown> = {}): OutboundMessage {
    if (!this.#services.render) {
      throw new Error(`"${template}" names a template, but no templates are configured; pass createKiosk({ templates }).`);
    }
    return this.#services.render(template, data, this.conversation);
  }

  /**
   * The text of a template in the customer's language, for a button label, a line inside a
   * larger message or an answer to `answerButton`: `ctx.t('taxi/cancel-label')`.
   *
   * @example
   * ```ts
   * await ctx.reply(ctx.t('taxi/ask-pickup'), { buttons: [[{ label: ctx.t('taxi/cancel-label'), data: 'taxi:cancel' }]] });
   * ```
   */
  t(key: string, data: Record<string, unknown> = {}): string {
    return this.render(key, data).text ?? '';
  }

  /**
   * Hand slow work to a durable job. The data is validated now: a payload that does not fit
   * the job's schema is refused here with a `PayloadError` naming the field. Resolves to the
   * job's id (keep it to cancel the job).
   *
   * @example
   * ```ts
   * const id = await ctx.enqueue(dispatch, { pickup: 'Gare du Nord', destination: 'Orly' });
   * ```
   */
  enqueue<S extends z.ZodType>(job: JobRef<S>, data: z.input<S>, options: JobOptions = {}): Promise<string> {
    if (!this.#services.enqueue) throw new Error('This context cannot enqueue jobs: run the bot inside Kiosk (createKiosk) or give its services an enqueue.');
    return this.#services.enqueue(job, data, { ...options, conversation: this.conversation });
  }

  /** Cancel a job enqueued earlier that has not started; resolves to whether it was removed. */
  cancel(job: JobRef, id: string): Promise<boolean> {
    if (!this.#services.cancel) throw new Error('This context cannot cancel jobs: run the bot inside Kiosk (createKiosk).');
    return this.#services.cancel(job, id);
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
