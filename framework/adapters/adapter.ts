/**
 * The contract between Kiosk and one messaging platform. An adapter verifies and parses
 * webhooks into `Update`s, sends `OutboundMessage`s through the platform's API, and says how
 * to treat the API's errors. A new platform is one new folder and one line in `registry.ts`.
 */
import type { DeliveryOutcome } from '../core/errors';
import type { OutboundMessage } from '../core/outbound';
import type { SentMessage } from '../core/context';
import type { Conversation, Update } from '../core/update';

/** An incoming HTTP request as an adapter sees it: the raw bytes kept for signatures. */
export interface WebhookRequest {
  method: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** Query-string parameters (first value of each). */
  query: Record<string, string | undefined>;
  /** The body exactly as received; signatures are computed over these bytes. */
  rawBody: Buffer;
}

/** An HTTP answer an adapter chooses: to a handshake, or instead of the default acknowledgement. */
export interface WebhookResponse {
  status: number;
  body: string;
  contentType?: string;
}

/** Rate limits a platform imposes on a bot's outgoing messages. */
export interface RateLimits {
  /** Messages per second for the whole bot. */
  perSecond: number;
  /** Messages per second to one chat. */
  perChatPerSecond: number;
  /** Messages per minute to one group chat, where the platform has such a limit. */
  perGroupPerMinute?: number;
}

/** The settings every adapter receives: which bot it serves and where the platform's API lives. */
export interface AdapterContext {
  /** The bot's name as configured. */
  bot: string;
}

/**
 * A platform's customer-service window: free-form messages may be sent only for `hours` after
 * the customer's last message (WhatsApp 24 h, WeChat 48 h), and on some platforms only
 * `budget` of them in that time (WeChat). Outside it only a platform template may be sent;
 * the delivery layer enforces this, so `send` never has to.
 */
export interface ServiceWindow {
  hours: number;
  /** Free-form messages allowed per window, where the platform rations them. */
  budget?: number;
}

/** What the platform reports about a message sent earlier (WhatsApp's status callbacks). */
export interface DeliveryStatus {
  /** The platform's id of the sent message, as returned by `send` in `SentMessage.messageId`. */
  platformMessageId: string;
  state: 'sent' | 'delivered' | 'read' | 'failed';
  /** The chat the message went to. */
  chat?: string;
  /** Milliseconds since the epoch, as the platform reports it. */
  at?: number;
  /** The platform's reason, for `failed`. */
  error?: string;
}

/** One platform behind one interface. */
export interface Adapter {
  /** The platform's name, as used in webhook URLs: `/webhooks/:bot/:platform`. */
  readonly platform: string;
  /** The platform's limits on outgoing messages. */
  readonly limits: RateLimits;
  /** Check the request's signature or secret. Throws `SignatureError` when it does not match. */
  verify(request: WebhookRequest): void | Promise<void>;
  /**
   * Answer a `GET` verification handshake (WeChat's `echostr`, Meta's `hub.challenge`).
   * Throws `SignatureError` for a handshake that does not verify.
   */
  handshake?(request: WebhookRequest): WebhookResponse | Promise<WebhookResponse>;
  /** Parse a verified request into updates. Throws `PayloadError` naming what is malformed. */
  parse(request: WebhookRequest): Update[] | Promise<Update[]>;
  /**
   * Status callbacks carried by a verified request (delivered, read, failed…), for platforms
   * that send them; recorded against the delivery records. Called before `parse`.
   */
  statuses?(request: WebhookRequest): DeliveryStatus[];
  /**
   * Set on platforms that may show buttons as numbered lines: a customer's reply that is just
   * one of those numbers is then handled as the press of that button.
   */
  readonly numberedChoices?: boolean;
  /** The platform's customer-service window, where it has one. */
  readonly serviceWindow?: ServiceWindow;
  /** The answer to give once the updates are durably queued. @defaultValue 200 with an empty body */
  acknowledge?(request: WebhookRequest, updates: Update[]): WebhookResponse;
  /**
   * Set on platforms that can carry a bot's first reply in the webhook's own HTTP answer
   * (WeChat's passive reply), when the bot chose it: how long the webhook may wait for it.
   */
  readonly passiveReply?: {
    deadlineMs: number;
    /** Whether a message can be carried in the HTTP answer at all (a template message cannot). */
    accepts?(message: OutboundMessage): boolean;
  };
  /** The HTTP answer that carries `message` as the passive reply to `update`. */
  replyInResponse?(request: WebhookRequest, update: Update, message: OutboundMessage): WebhookResponse;
  /** Send a message through the platform's API. Throws `DeliveryError` with an outcome. */
  send(conversation: Conversation, message: OutboundMessage): Promise<SentMessage>;
  /** Acknowledge a button press, where the platform needs it (Telegram's answerCallbackQuery). */
  answerButton?(update: Update, text?: string): Promise<void>;
  /** How to treat an error thrown by the platform's API: retry after a wait, retry, or give up. */
  classifyError(error: unknown): DeliveryOutcome;
  /** Release sockets or timers the adapter holds. */
  close?(): Promise<void>;
}
