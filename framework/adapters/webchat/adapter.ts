/**
 * The web chat: a business's own web page as a platform. The page gets a signed visitor
 * token from `POST /webchat/:bot/session`, posts messages to `POST /webhooks/:bot/webchat`
 * like any platform's webhook, and reads replies as Server-Sent Events from
 * `GET /webchat/:bot/events`, which follows the visitor's Redis stream. Those routes live in
 * `framework/http/webchat-routes.ts`; this folder is the platform side.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Adapter, RateLimits } from '../adapter';
import { defineAdapter } from '../definition';
import { parseWebchat } from './parse';
import { classifyWebchatError, sendWebchat } from './send';
import { verifyWebchat } from './verify';

/** Thirty days, in seconds. */
const THIRTY_DAYS = 30 * 24 * 3600;

/**
 * Settings of one bot's web chat, under `bots.<name>.platforms.webchat`.
 *
 * @example
 * ```ts
 * { secret: process.env.TAXI_WEBCHAT_SECRET } // at least 16 characters; tokenTtlSeconds and historyLength default
 * ```
 */
export const webchatSettings = z.object({
  /** Signs visitor tokens. A secret: never logged. Changing it signs every visitor out. */
  secret: z.string().min(16, 'must be at least 16 characters: it signs visitor tokens'),
  /** How long a visitor token (and a visitor's reply history) lasts, in seconds. @defaultValue 2592000 (30 days) */
  tokenTtlSeconds: z.number().int().min(60).max(366 * 24 * 3600).default(THIRTY_DAYS),
  /** How many replies a visitor's stream keeps for pages that reconnect. @defaultValue 200 */
  historyLength: z.number().int().min(1).max(10_000).default(200),
});

/** Web-chat settings as written in configuration (defaults optional). */
export type WebchatSettingsInput = z.input<typeof webchatSettings>;
/** Web-chat settings after validation, with defaults applied. */
export type WebchatSettings = z.infer<typeof webchatSettings>;

/**
 * Generous limits: replies go to our own Redis, not to a rate-limited platform API. They
 * still bound how fast a runaway bot can fill a visitor's page.
 */
export const webchatLimits: RateLimits = { perSecond: 1000, perChatPerSecond: 50 };

/** What the web-chat HTTP routes need to know about one bot: how to read its tokens and where its streams are. */
export interface WebchatEndpoint {
  /** The secret that signs the bot's visitor tokens. */
  secret: string;
  /** Lifetime of a newly issued token, in seconds. */
  tokenTtlSeconds: number;
  /** Redis holding the visitors' streams; each event stream duplicates this connection. */
  redis: Redis;
  /** Kiosk's key prefix, e.g. `'kiosk'`. */
  prefix: string;
}

/** A web-chat adapter: an `Adapter` that also tells the HTTP routes its endpoint. */
export interface WebchatAdapter extends Adapter {
  readonly webchatEndpoint: WebchatEndpoint;
}

/**
 * The endpoint of a web-chat adapter, or `undefined` for any other adapter (or none): the
 * glue between the adapter registry and `webchatRoutes`.
 *
 * @example
 * ```ts
 * app.use(webchatRoutes({ adapters: (bot) => webchatEndpointOf(adapterFor(bot, 'webchat')) }));
 * ```
 */
export function webchatEndpointOf(adapter: Adapter | undefined): WebchatEndpoint | undefined {
  return adapter && 'webchatEndpoint' in adapter ? (adapter as WebchatAdapter).webchatEndpoint : undefined;
}

/**
 * The web-chat platform definition. Unlike the others it keeps state in Kiosk's Redis: each
 * visitor's replies, in a stream under `<prefix>:webchat:<bot>:<visitor>`.
 *
 * @example
 * ```ts
 * const adapter = webchat.create(webchat.settings.parse({ secret }), { bot: 'taxi', redis, prefix: 'kiosk' });
 * await adapter.send({ bot: 'taxi', platform: 'webchat', chat: visitor, user: visitor }, { text: 'Where to?' });
 * ```
 */
export const webchat = defineAdapter({
  platform: 'webchat',
  settings: webchatSettings,
  create(settings, environment): WebchatAdapter {
    const { bot, redis, prefix } = environment;
    const tokens = { bot, secret: settings.secret };
    const store = { redis, prefix, historyLength: settings.historyLength, ttlSeconds: settings.tokenTtlSeconds };
    return {
      platform: 'webchat',
      limits: webchatLimits,
      webchatEndpoint: { secret: settings.secret, tokenTtlSeconds: settings.tokenTtlSeconds, redis, prefix },
      verify: (request) => {
        verifyWebchat(request, tokens);
      },
      parse: (request) => parseWebchat(request, tokens),
      // JSON rather than an empty 200, so the page's fetch() can always read a body.
      acknowledge: () => ({ status: 200, contentType: 'application/json', body: '{"ok":true}' }),
      send: (conversation, message) => sendWebchat(store, conversation, message),
      classifyError: classifyWebchatError,
    };
  },
});
