/**
 * WhatsApp webhook body → Kiosk `Update`s and `DeliveryStatus`es. One body may carry several
 * entries, changes and messages (Meta batches them), so one request becomes as many updates
 * as it carries messages Kiosk handles; statuses of the business's own messages are not
 * updates and are read by `whatsappStatuses` instead
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages).
 */
import type { z } from 'zod';
import { PayloadError } from '../../core/errors';
import { parseCommand, type Media, type Message, type Update, type User } from '../../core/update';
import type { DeliveryStatus, WebhookRequest } from '../adapter';
import {
  whatsappValueSchema,
  whatsappWebhookSchema,
  type WhatsappContact,
  type WhatsappErrorItem,
  type WhatsappMedia,
  type WhatsappMessage,
  type WhatsappValue,
} from './types';

/** What the parser needs to know besides the body. */
export interface WhatsappParseOptions {
  /** The bot (as configured) the webhook was posted for. */
  bot: string;
  /**
   * Only changes for this business phone number are read; a WhatsApp Business Account's
   * other numbers post to the same app callback unless each has its own
   * (`webhook_configuration.override_callback_uri`). @defaultValue every number
   */
  phoneNumberId?: string;
  /** When the update was received. @defaultValue `Date.now()` */
  now?: number;
}

/** A validated `messages` change, with where it sits in the body (for error paths). */
interface Located {
  value: WhatsappValue;
  /** The same value as received: `Update.raw` keeps what zod strips or converts. */
  received: RawValue;
  path: Array<string | number>;
}

/** The shape of a `messages` change as received, known once `whatsappValueSchema` accepted it. */
interface RawValue {
  metadata?: unknown;
  contacts?: Array<{ wa_id?: unknown }>;
  messages?: unknown[];
}

/** The part of an `Update` that depends on the kind of WhatsApp message. */
type Body = Pick<Update, 'kind' | 'message' | 'button' | 'event'>;

/**
 * Parse a verified webhook request into one `Update` per customer message Kiosk handles, in
 * the order Meta sent them. Unsupported message types (reactions, orders, `unsupported`…)
 * and status callbacks yield nothing and are acknowledged all the same, so Meta does not
 * retry them. Throws `PayloadError` naming the field for a body that is not JSON or not a
 * WhatsApp webhook.
 *
 * @example
 * ```ts
 * const updates = parseWhatsapp(request, { bot: 'taxi', phoneNumberId: '106540352242922' });
 * updates[0]?.message?.text; // 'I need a taxi'
 * ```
 */
export function parseWhatsapp(request: WebhookRequest, options: WhatsappParseOptions): Update[] {
  const receivedAt = options.now ?? Date.now();
  const updates: Update[] = [];
  for (const { value, received, path } of readChanges(request, options.phoneNumberId)) {
    for (const [index, message] of (value.messages ?? []).entries()) {
      const body = bodyOf(message, [...path, 'messages', index]);
      if (!body) continue;
      const contact = value.contacts?.find((c) => c.wa_id === message.from);
      const rawContact = received.contacts?.find((c) => c.wa_id === message.from);
      updates.push({
        id: message.id,
        platform: 'whatsapp',
        bot: options.bot,
        chat: { id: message.from, type: 'private' },
        from: userOf(message.from, contact),
        ...body,
        receivedAt,
        raw: {
          message: received.messages?.[index],
          ...(rawContact ? { contact: rawContact } : {}),
          ...(received.metadata !== undefined ? { metadata: received.metadata } : {}),
        },
      });
    }
  }
  return updates;
}

/**
 * The status callbacks a verified webhook carries: `sent`, `delivered`, `read` (a voice note's
 * `played` counts as read) and `failed` with Meta's error code and title; other statuses are
 * skipped. Throws `PayloadError` like `parseWhatsapp`.
 *
 * @example
 * ```ts
 * whatsappStatuses(request);
 * // → [{ platformMessageId: 'wamid.HBgL…', state: 'failed', chat: '16315551181', at: 1674068560000,
 * //      error: '131047 Re-engagement message: Message failed to send because more than 24 hours have passed…' }]
 * ```
 */
export function whatsappStatuses(request: WebhookRequest, phoneNumberId?: string): DeliveryStatus[] {
  const result: DeliveryStatus[] = [];
  for (const { value } of readChanges(request, phoneNumberId)) {
    for (const status of value.statuses ?? []) {
      const state = STATES[status.status];
      if (!state) continue;
      const item: DeliveryStatus = { platformMessageId: status.id, state };
      if (status.recipient_id) item.chat = status.recipient_id;
      if (status.timestamp !== undefined) item.at = status.timestamp * 1000;
      if (state === 'failed') item.error = describeErrors(status.errors) ?? 'failed without a reason';
      result.push(item);
    }
  }
  return result;
}

const STATES: Record<string, DeliveryStatus['state'] | undefined> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  played: 'read',
  failed: 'failed',
};

/** Meta's errors as one line: `131047 Re-engagement message: <details>`. */
export function describeErrors(errors: readonly WhatsappErrorItem[] | undefined): string | undefined {
  if (!errors || errors.length === 0) return undefined;
  return errors
    .map((e) => {
      const details = e.error_data?.details ?? (e.message !== e.title ? e.message : undefined);
      return `${e.code}${e.title ? ` ${e.title}` : ''}${details ? `: ${details}` : ''}`;
    })
    .join('; ');
}

function readChanges(request: WebhookRequest, phoneNumberId: string | undefined): Located[] {
  const raw = parseJson(request.rawBody);
  const outer = whatsappWebhookSchema.safeParse(raw);
  if (!outer.success) throw payloadErrorOf(outer.error, []);
  const located: Located[] = [];
  for (const [e, entry] of outer.data.entry.entries()) {
    for (const [c, change] of entry.changes.entries()) {
      if (change.field !== 'messages') continue;
      const path = ['entry', e, 'changes', c, 'value'];
      const value = whatsappValueSchema.safeParse(change.value);
      if (!value.success) throw payloadErrorOf(value.error, path);
      const number = value.data.metadata?.phone_number_id;
      if (phoneNumberId !== undefined && number !== undefined && number !== phoneNumberId) continue;
      located.push({ value: value.data, received: change.value as RawValue, path });
    }
  }
  return located;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PayloadError(`WhatsApp webhook body is not valid JSON (${reason}); Meta always posts one JSON object.`, [], { cause: error });
  }
}

function payloadErrorOf(error: z.ZodError, prefix: Array<string | number>): PayloadError {
  const issue = error.issues[0];
  // Symbols cannot occur in JSON, but zod types paths as PropertyKey.
  const path = [...prefix, ...(issue?.path ?? []).map((key) => (typeof key === 'number' ? key : String(key)))];
  return new PayloadError(`WhatsApp webhook is malformed: ${issue?.message ?? 'invalid'}`, path, { cause: error });
}

/** The field named by `type` must be there: a `text` message without `text` is malformed. */
function required<T>(value: T | undefined, path: Array<string | number>, field: string): T {
  if (value === undefined) throw new PayloadError(`WhatsApp message of type "${field}" has no "${field}" object`, [...path, field]);
  return value;
}

function bodyOf(message: WhatsappMessage, path: Array<string | number>): Body | undefined {
  const content: Message = { id: message.id };
  switch (message.type) {
    case 'text': {
      const text = required(message.text, path, 'text').body;
      content.text = text;
      const command = parseCommand(text);
      if (command) content.command = command;
      return { kind: 'message', message: content };
    }
    case 'location': {
      const { latitude, longitude, name, address } = required(message.location, path, 'location');
      const label = [name, address].filter((part) => part).join(', ');
      content.location = label ? { latitude, longitude, label } : { latitude, longitude };
      return { kind: 'message', message: content };
    }
    case 'image':
    case 'audio':
    case 'video':
    case 'document':
    case 'sticker': {
      const media = required(message[message.type], path, message.type);
      content.media = [mediaOf(message.type, media)];
      return { kind: 'message', message: content };
    }
    case 'interactive': {
      const interactive = required(message.interactive, path, 'interactive');
      // Flow replies (`nfm_reply`) and others carry no button id: not a press Kiosk routes.
      const reply = interactive.type === 'button_reply' ? interactive.button_reply : interactive.type === 'list_reply' ? interactive.list_reply : undefined;
      if (!reply) return undefined;
      return { kind: 'button', button: pressOf(message, reply.id) };
    }
    case 'button': {
      // A template's quick-reply button: its payload was set when the template was sent.
      const button = required(message.button, path, 'button');
      const data = button.payload ?? button.text;
      return data === undefined ? undefined : { kind: 'button', button: pressOf(message, data) };
    }
    case 'request_welcome':
      // The customer opened the chat for the first time.
      return { kind: 'event', event: { type: 'open' } };
    default:
      return undefined;
  }
}

function pressOf(message: WhatsappMessage, data: string): NonNullable<Update['button']> {
  const press: NonNullable<Update['button']> = { data, id: message.id };
  if (message.context?.id) press.messageId = message.context.id;
  return press;
}

function mediaOf(type: 'image' | 'audio' | 'video' | 'document' | 'sticker', media: WhatsappMedia): Media {
  const result: Media = { kind: type === 'document' ? 'file' : type, id: media.id };
  if (media.mime_type) result.mime = media.mime_type;
  if (media.caption !== undefined) result.caption = media.caption;
  return result;
}

function userOf(waId: string, contact: WhatsappContact | undefined): User {
  const name = contact?.profile?.name;
  return name ? { id: waId, name } : { id: waId };
}
