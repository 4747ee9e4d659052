/**
 * Helpers to drive a running Kiosk app the way Meta does for WhatsApp: builders of Cloud API
 * webhook payloads, a function that posts one signed with the app secret
 * (`X-Hub-Signature-256`), and the `GET` verification handshake.
 */
import { createHmac } from 'node:crypto';

/** What the app answered. */
export interface WhatsappAnswer {
  status: number;
  /** The response body as text. */
  body: string;
}

/**
 * Post a webhook payload to `/webhooks/<bot>/whatsapp` of a running Kiosk app, as Meta does:
 * signed with `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body with the app secret>`.
 * A string payload is sent byte for byte (pretty-printed, with `\u00e4` escapes, as you
 * like); an object is sent as `JSON.stringify(payload)`. `signature` overrides the header.
 *
 * @example
 * ```ts
 * const { status } = await postWhatsapp(baseUrl, 'taxi', whatsappWebhook({ messages: [whatsappText({ from: '16505551234', text: '/start' })] }), 'dev-app-secret');
 * expect(status).toBe(200);
 * ```
 */
export async function postWhatsapp(baseUrl: string, bot: string, payload: unknown, appSecret: string, signature?: string): Promise<WhatsappAnswer> {
  const url = `${baseUrl.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(bot)}/whatsapp`;
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature ?? signWhatsapp(body, appSecret) },
    body,
  });
  return { status: response.status, body: await response.text() };
}

/** The `X-Hub-Signature-256` value Meta would send for `body`: `sha256=<hex>`. */
export function signWhatsapp(body: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/**
 * Meta's verification request: `GET /webhooks/<bot>/whatsapp?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`.
 *
 * @example
 * ```ts
 * const { status, body } = await verifyWhatsappWebhook(baseUrl, 'taxi', 'dev-verify-token', '1158201444');
 * // → 200, '1158201444'
 * ```
 */
export async function verifyWhatsappWebhook(baseUrl: string, bot: string, verifyToken: string, challenge: string, mode = 'subscribe'): Promise<WhatsappAnswer & { contentType: string }> {
  const query = new URLSearchParams({ 'hub.mode': mode, 'hub.verify_token': verifyToken, 'hub.challenge': challenge });
  const response = await fetch(`${baseUrl.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(bot)}/whatsapp?${query}`);
  return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type') ?? '' };
}

/** One customer message for `whatsappWebhook`: the message object and its sender's contact. */
export interface WhatsappInbound {
  contact: { wa_id: string; profile?: { name: string } };
  message: Record<string, unknown> & { from: string; id: string; type: string };
}

/** Who writes, in the message builders below. */
export interface WhatsappSenderOptions {
  /** The customer's WhatsApp id (their phone number, digits only). */
  from: string;
  /** The profile name. @defaultValue `'Test Customer'` */
  name?: string;
  /** The message's `wamid`; give each its own, since Kiosk de-duplicates on it. @defaultValue a fresh one */
  id?: string;
  /** Unix seconds. @defaultValue now */
  timestamp?: number;
  /** The business message this one answers (`context.id`). */
  contextId?: string;
}

let counter = 0;

/** A fresh id shaped like Meta's `wamid.<base64>` (with `=` padding, as real ones often have). */
export function newWamid(): string {
  counter += 1;
  return `wamid.${Buffer.from(`HBgL-kiosk-test-${process.pid}-${Date.now()}-${counter}`).toString('base64')}`;
}

function inbound(options: WhatsappSenderOptions, type: string, content: Record<string, unknown>): WhatsappInbound {
  const message: WhatsappInbound['message'] = {
    ...(options.contextId ? { context: { from: '15550783881', id: options.contextId } } : {}),
    from: options.from,
    id: options.id ?? newWamid(),
    timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
    type,
    ...content,
  };
  return { contact: { profile: { name: options.name ?? 'Test Customer' }, wa_id: options.from }, message };
}

/**
 * A text message.
 *
 * @example
 * ```ts
 * whatsappText({ from: '16505551234', text: 'I need a taxi' });
 * ```
 */
export function whatsappText(options: WhatsappSenderOptions & { text: string }): WhatsappInbound {
  return inbound(options, 'text', { text: { body: options.text } });
}

/** A press of an interactive reply button whose id was `data`. */
export function whatsappButtonReply(options: WhatsappSenderOptions & { data: string; title?: string }): WhatsappInbound {
  return inbound(options, 'interactive', { interactive: { type: 'button_reply', button_reply: { id: options.data, title: options.title ?? options.data } } });
}

/** A choice from an interactive list whose row id was `data`. */
export function whatsappListReply(options: WhatsappSenderOptions & { data: string; title?: string; description?: string }): WhatsappInbound {
  const reply = { id: options.data, title: options.title ?? options.data, ...(options.description ? { description: options.description } : {}) };
  return inbound(options, 'interactive', { interactive: { type: 'list_reply', list_reply: reply } });
}

/** A press of a template's quick-reply button, carrying the payload set when the template was sent. */
export function whatsappTemplateButton(options: WhatsappSenderOptions & { payload: string; text?: string }): WhatsappInbound {
  return inbound(options, 'button', { button: { text: options.text ?? options.payload, payload: options.payload } });
}

/** A shared location. */
export function whatsappLocation(options: WhatsappSenderOptions & { latitude: number; longitude: number; label?: string }): WhatsappInbound {
  const location = { latitude: options.latitude, longitude: options.longitude, ...(options.label ? { name: options.label } : {}) };
  return inbound(options, 'location', { location });
}

/** An image the customer sent, known by its media id. */
export function whatsappImage(options: WhatsappSenderOptions & { mediaId: string; caption?: string }): WhatsappInbound {
  const image = { id: options.mediaId, mime_type: 'image/jpeg', sha256: 'test', ...(options.caption ? { caption: options.caption } : {}) };
  return inbound(options, 'image', { image });
}

/** One status callback of a message the business sent, for `whatsappWebhook`. */
export interface WhatsappStatusInput {
  /** The `wamid` the send returned. */
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  /** The customer's WhatsApp id. */
  recipientId: string;
  /** Unix seconds. @defaultValue now */
  timestamp?: number;
  /** For `failed`: Meta's error, e.g. `{ code: 131047, title: 'Re-engagement message' }`. */
  errors?: Array<{ code: number; title?: string; details?: string }>;
}

/** Options of `whatsappWebhook`. */
export interface WhatsappWebhookOptions {
  messages?: WhatsappInbound[];
  statuses?: WhatsappStatusInput[];
  /** The business number the webhook is for. @defaultValue `'106540352242922'` */
  phoneNumberId?: string;
  /** @defaultValue `'15550783881'` */
  displayPhoneNumber?: string;
  /** The WhatsApp Business Account id. @defaultValue `'102290129340398'` */
  wabaId?: string;
}

/**
 * A whole webhook body as Meta posts it: one entry, one `messages` change carrying the
 * messages (with their senders' contacts, once each) and statuses.
 *
 * @example
 * ```ts
 * whatsappWebhook({ messages: [whatsappText({ from: '16505551234', text: 'hi' }), whatsappButtonReply({ from: '16505551234', data: 'taxi:order' })] });
 * ```
 */
export function whatsappWebhook(options: WhatsappWebhookOptions): Record<string, unknown> {
  const contacts = new Map<string, WhatsappInbound['contact']>();
  for (const { contact } of options.messages ?? []) if (!contacts.has(contact.wa_id)) contacts.set(contact.wa_id, contact);
  const value: Record<string, unknown> = {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: options.displayPhoneNumber ?? '15550783881', phone_number_id: options.phoneNumberId ?? '106540352242922' },
  };
  if (options.messages?.length) {
    value.contacts = [...contacts.values()];
    value.messages = options.messages.map((m) => m.message);
  }
  if (options.statuses?.length) {
    value.statuses = options.statuses.map((s) => ({
      id: s.id,
      status: s.status,
      timestamp: String(s.timestamp ?? Math.floor(Date.now() / 1000)),
      recipient_id: s.recipientId,
      ...(s.errors
        ? { errors: s.errors.map((e) => ({ code: e.code, title: e.title ?? `Error ${e.code}`, message: e.title ?? `Error ${e.code}`, ...(e.details ? { error_data: { details: e.details } } : {}) })) }
        : {}),
    }));
  }
  return { object: 'whatsapp_business_account', entry: [{ id: options.wabaId ?? '102290129340398', changes: [{ value, field: 'messages' }] }] };
}
