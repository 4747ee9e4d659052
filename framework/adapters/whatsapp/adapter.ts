/**
 * The WhatsApp platform (Meta's Cloud API): its settings and the adapter built from them.
 * Verification, parsing and sending live in `verify.ts`, `parse.ts` and `send.ts` (with the
 * message shapes in `messages.ts`); this file wires them together for one bot and one
 * business phone number.
 */
import { z } from 'zod';
import type { Adapter, RateLimits, ServiceWindow } from '../adapter';
import { defineAdapter } from '../definition';
import { parseWhatsapp, whatsappStatuses } from './parse';
import { classifyWhatsappError, sendWhatsapp } from './send';
import { handshakeWhatsapp, verifyWhatsapp } from './verify';

/**
 * Settings of one bot on WhatsApp, under `bots.<name>.platforms.whatsapp`.
 *
 * @example
 * ```ts
 * {
 *   phoneNumberId: '106540352242922',
 *   accessToken: process.env.TAXI_WHATSAPP_TOKEN,
 *   appSecret: process.env.TAXI_WHATSAPP_APP_SECRET,
 *   verifyToken: process.env.TAXI_WHATSAPP_VERIFY_TOKEN,
 * }
 * ```
 */
export const whatsappSettings = z.object({
  /** The business phone number's id from WhatsApp Manager or the App Dashboard (digits; not the phone number). */
  phoneNumberId: z.string().regex(/^\d+$/, 'must be the phone number id (digits) from the App Dashboard, not the phone number'),
  /** A system-user access token with `whatsapp_business_messaging`. A secret: never logged. */
  accessToken: z.string().min(1, 'the Cloud API access token is required'),
  /** The app secret (App Dashboard → App settings → Basic) with which Meta signs webhooks. A secret. */
  appSecret: z.string().min(1, 'the app secret is required: Meta signs every webhook with it'),
  /** The string entered as "Verify token" when subscribing the webhook in the App Dashboard. */
  verifyToken: z.string().min(1, 'the verify token entered in the App Dashboard is required'),
  /** Base URL of the Graph API; a fake server in tests. @defaultValue `'https://graph.facebook.com'` */
  apiRoot: z.url({ protocol: /^https?$/ }).default('https://graph.facebook.com'),
  /** Graph API version of the calls. @defaultValue `'v23.0'` */
  apiVersion: z.string().regex(/^v\d+\.\d+$/, 'must look like "v23.0"').default('v23.0'),
  /** Language of templates that name none, in Meta's form (`en_US`, `fr`, `pt_BR`). @defaultValue `'en_US'` */
  templateLanguage: z.string().regex(/^[a-z]{2,3}([_-][A-Za-z]{2,4})?$/, 'must be a language code such as "en_US" or "fr"').default('en_US'),
  /**
   * How template fields fill the template: in order (`{{1}}`, `{{2}}`…) or by name
   * (`{{amount}}`, for templates created with named parameters). @defaultValue `'positional'`
   */
  templateParameters: z.enum(['positional', 'named']).default('positional'),
  /** The label of the button that opens a list of more than three choices (at most 20 characters). @defaultValue `'Choose'` */
  listButton: z.string().min(1).max(20).default('Choose'),
  /** How long one API call may take, in ms. @defaultValue 10000 */
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});

/** WhatsApp settings as written in configuration (defaults optional). */
export type WhatsappSettingsInput = z.input<typeof whatsappSettings>;
/** WhatsApp settings after validation, with defaults applied. */
export type WhatsappSettings = z.infer<typeof whatsappSettings>;

/**
 * The Cloud API's limits on a business number: 80 messages a second by default
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput), and
 * about one message every 6 seconds to the same customer (the pair rate limit, error 131056,
 * https://developers.facebook.com/docs/whatsapp/cloud-api/overview#pair-rate-limits).
 */
export const whatsappLimits: RateLimits = { perSecond: 80, perChatPerSecond: 1 / 6 };

/**
 * Free-form messages may be sent for 24 hours after the customer's last message; after that
 * only a template (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages#customer-service-windows).
 */
export const whatsappServiceWindow: ServiceWindow = { hours: 24 };

/**
 * The WhatsApp platform definition. WhatsApp keeps no state in Kiosk's Redis, so the
 * adapter ignores `environment.redis`.
 *
 * @example
 * ```ts
 * const adapter = whatsapp.create(whatsapp.settings.parse({ phoneNumberId, accessToken, appSecret, verifyToken }), { bot: 'taxi', redis, prefix: 'kiosk' });
 * await adapter.send({ bot: 'taxi', platform: 'whatsapp', chat: '16315551181', user: '16315551181' }, { text: 'Your taxi is on its way' });
 * ```
 */
export const whatsapp = defineAdapter({
  platform: 'whatsapp',
  settings: whatsappSettings,
  create(settings, environment): Adapter {
    const client = {
      apiRoot: settings.apiRoot,
      apiVersion: settings.apiVersion,
      phoneNumberId: settings.phoneNumberId,
      accessToken: settings.accessToken,
      timeoutMs: settings.timeoutMs,
    };
    const options = { templateLanguage: settings.templateLanguage, templateParameters: settings.templateParameters, listButton: settings.listButton };
    return {
      platform: 'whatsapp',
      limits: whatsappLimits,
      numberedChoices: true,
      serviceWindow: whatsappServiceWindow,
      handshake: (request) => handshakeWhatsapp(request, settings.verifyToken),
      verify: (request) => verifyWhatsapp(request, settings.appSecret),
      parse: (request) => parseWhatsapp(request, { bot: environment.bot, phoneNumberId: settings.phoneNumberId }),
      statuses: (request) => whatsappStatuses(request, settings.phoneNumberId),
      send: (conversation, message) => sendWhatsapp(client, conversation, message, options),
      classifyError: classifyWhatsappError,
    };
  },
});
