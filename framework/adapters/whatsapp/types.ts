/**
 * Zod schemas of the parts of WhatsApp Cloud API webhooks the adapter reads, and of the Graph
 * API's error answer. A webhook is one `whatsapp_business_account` object whose
 * `entry[].changes[].value` carries customers' `messages` (with their `contacts`) and the
 * `statuses` of messages the business sent
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages).
 * Only the fields Kiosk maps are declared; zod strips the rest, and `Update.raw` keeps the
 * message as received. Field names follow Meta's exactly, so an error path such as
 * `entry.0.changes.0.value.messages.1.from` can be looked up in Meta's documentation.
 */
import { z } from 'zod';

/** Meta sends Unix times as decimal strings (`"1603059201"`); numbers are accepted too. */
const unixSeconds = z.union([z.string().regex(/^\d+$/, 'must be Unix seconds'), z.number().int().nonnegative()]).transform(Number);

/** A customer's profile as listed in `value.contacts`: `wa_id` is the id to reply to. */
export const whatsappContactSchema = z.object({
  wa_id: z.string().min(1),
  profile: z.object({ name: z.string().optional() }).optional(),
});

/** An image, audio, video, document or sticker: only its media id, to download through the Graph API. */
export const whatsappMediaSchema = z.object({
  id: z.string().min(1),
  mime_type: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  /** Set on audio recorded in WhatsApp (a voice note). */
  voice: z.boolean().optional(),
});

/** A shared location (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/location). */
export const whatsappLocationSchema = z.object({
  latitude: z.number(),
  longitude: z.number(),
  name: z.string().optional(),
  address: z.string().optional(),
});

/** The reply chosen from interactive reply buttons or a list: `id` is the id the business gave it. */
export const whatsappReplySchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().optional(),
});

/** One error Meta reports on a message or a status (`code`, `title`, `error_data.details`). */
export const whatsappErrorSchema = z.object({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.object({ details: z.string().optional() }).optional(),
});

/**
 * One message from a customer. `type` names the field that carries its content (`text`,
 * `image`, `interactive`…); types Kiosk does not model (reactions, contacts, orders,
 * `unsupported`…) pass validation and are acknowledged without being handled.
 */
export const whatsappMessageSchema = z.object({
  /** The customer's WhatsApp id (their phone number): the chat to reply to. */
  from: z.string().min(1),
  /** The `wamid.…` id of the message; Kiosk de-duplicates retried webhooks on it. */
  id: z.string().min(1),
  timestamp: unixSeconds,
  type: z.string().min(1),
  /** For replies and button presses: the business message they answer. */
  context: z.object({ from: z.string().optional(), id: z.string().optional() }).optional(),
  text: z.object({ body: z.string() }).optional(),
  location: whatsappLocationSchema.optional(),
  image: whatsappMediaSchema.optional(),
  audio: whatsappMediaSchema.optional(),
  video: whatsappMediaSchema.optional(),
  document: whatsappMediaSchema.optional(),
  sticker: whatsappMediaSchema.optional(),
  /** A press of an interactive reply button (`button_reply`) or a choice from a list (`list_reply`). */
  interactive: z
    .object({
      type: z.string(),
      button_reply: whatsappReplySchema.optional(),
      list_reply: whatsappReplySchema.optional(),
    })
    .optional(),
  /** A press of a template's quick-reply button: `payload` is the one set when the template was sent. */
  button: z.object({ text: z.string().optional(), payload: z.string().optional() }).optional(),
  errors: z.array(whatsappErrorSchema).optional(),
});

/**
 * The status of a message the business sent
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status).
 */
export const whatsappStatusSchema = z.object({
  /** The `wamid.…` the send returned. */
  id: z.string().min(1),
  /** `sent`, `delivered`, `read`, `failed`; newer kinds (`played` for voice notes) are passed through. */
  status: z.string().min(1),
  timestamp: unixSeconds.optional(),
  recipient_id: z.string().optional(),
  errors: z.array(whatsappErrorSchema).optional(),
});

/** What one `changes[]` item carries for the `messages` field. */
export const whatsappValueSchema = z.object({
  messaging_product: z.literal('whatsapp').optional(),
  metadata: z.object({ display_phone_number: z.string().optional(), phone_number_id: z.string() }).optional(),
  contacts: z.array(whatsappContactSchema).optional(),
  messages: z.array(whatsappMessageSchema).optional(),
  statuses: z.array(whatsappStatusSchema).optional(),
});

/**
 * A webhook body. Changes of other fields (`account_update`, template status…) are accepted
 * and ignored: their `value` is only validated for the `messages` field.
 */
export const whatsappWebhookSchema = z.object({
  object: z.literal('whatsapp_business_account', { error: 'must be "whatsapp_business_account": is this webhook from WhatsApp?' }),
  entry: z.array(
    z.object({
      id: z.string().optional(),
      changes: z.array(z.object({ field: z.string(), value: z.unknown() })),
    }),
  ),
});

/**
 * The Graph API's error answer (https://developers.facebook.com/docs/graph-api/guides/error-handling):
 * `code` (and `error_data.details`) say what went wrong; Meta advises branching on `code`.
 */
export const graphErrorSchema = z.object({
  error: z.object({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    error_data: z.object({ details: z.string().optional() }).optional(),
    fbtrace_id: z.string().optional(),
  }),
});

/** What `POST /<phone number id>/messages` answers on success. */
export const sendAnswerSchema = z.object({
  messages: z.array(z.object({ id: z.string().min(1) })).min(1),
});

/** A customer's contact entry, as validated. */
export type WhatsappContact = z.infer<typeof whatsappContactSchema>;
/** A customer's message, as validated. */
export type WhatsappMessage = z.infer<typeof whatsappMessageSchema>;
/** A media object of a message, as validated. */
export type WhatsappMedia = z.infer<typeof whatsappMediaSchema>;
/** A status of a sent message, as validated. */
export type WhatsappStatus = z.infer<typeof whatsappStatusSchema>;
/** The `value` of a `messages` change, as validated. */
export type WhatsappValue = z.infer<typeof whatsappValueSchema>;
/** An error Meta reports on a message or a status. */
export type WhatsappErrorItem = z.infer<typeof whatsappErrorSchema>;
