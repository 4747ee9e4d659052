/**
 * The LINE platform (Messaging API): its settings and the adapter built from them.
 * Verification, parsing and sending live in `verify.ts`, `parse.ts` and `send.ts`; reply
 * tokens and push retry keys are kept in Kiosk's Redis by `reply-token.ts` and `retry-key.ts`.
 */
import { z } from 'zod';
import type { Adapter, RateLimits } from '../adapter';
import { defineAdapter } from '../definition';
import { createLineApi } from './api';
import { parseLine } from './parse';
import { createReplyTokenStore } from './reply-token';
import { createRetryKeyStore } from './retry-key';
import { classifyLineError, sendLine } from './send';
import { verifyLine } from './verify';

/**
 * Settings of one bot on LINE, under `bots.<name>.platforms.line`. Both secrets are on the
 * channel's page in the LINE Developers Console.
 *
 * @example
 * ```ts
 * { channelSecret: process.env.TAXI_LINE_SECRET, channelAccessToken: process.env.TAXI_LINE_TOKEN }
 * ```
 */
export const lineSettings = z.object({
  /** The channel secret, which signs webhooks (Basic settings tab). A secret: never logged. */
  channelSecret: z.string().min(1, 'the channel secret from the LINE Developers Console is required'),
  /** A channel access token (Messaging API tab), sent as `Authorization: Bearer`. A secret: never logged. */
  channelAccessToken: z.string().min(1, 'a channel access token from the LINE Developers Console is required'),
  /** Base URL of the Messaging API; a fake server in tests. @defaultValue `'https://api.line.me'` */
  apiRoot: z.url({ protocol: /^https?$/ }).default('https://api.line.me'),
  /**
   * How long after its event a reply token is used, in seconds; later replies are pushes.
   * LINE asks for use within one minute of the webhook and guarantees nothing after
   * (https://developers.line.biz/en/reference/messaging-api/#send-reply-message); the default
   * leaves a margin for the queue and the network. @defaultValue 50
   */
  replyTokenLifetimeSeconds: z.number().int().min(1).max(60).default(50),
  /** Give up on an API request after this many milliseconds (then retried). @defaultValue 10000 */
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});

/** LINE settings as written in configuration (defaults optional). */
export type LineSettingsInput = z.input<typeof lineSettings>;
/** LINE settings after validation, with defaults applied. */
export type LineSettings = z.infer<typeof lineSettings>;

/**
 * LINE's limits on a bot's messages. Reply and push share the limit of "other API endpoints",
 * 2,000 requests a second per channel (https://developers.line.biz/en/reference/messaging-api/#rate-limits).
 * LINE documents no limit per chat; ten a second is Kiosk's own bound against a runaway loop.
 */
export const lineLimits: RateLimits = { perSecond: 2000, perChatPerSecond: 10 };

/**
 * The LINE platform definition.
 *
 * @example
 * ```ts
 * const adapter = line.create(line.settings.parse({ channelSecret, channelAccessToken }), { bot: 'taxi', redis, prefix: 'kiosk' });
 * await adapter.send(conversation, { text: 'Your taxi is on its way' });
 * ```
 */
export const line = defineAdapter({
  platform: 'line',
  settings: lineSettings,
  create(settings, environment): Adapter {
    const { bot, redis, prefix } = environment;
    const api = createLineApi({ apiRoot: settings.apiRoot, channelAccessToken: settings.channelAccessToken, timeoutMs: settings.timeoutMs });
    const replyTokens = createReplyTokenStore(redis, { prefix, bot, lifetimeSeconds: settings.replyTokenLifetimeSeconds });
    const retryKeys = createRetryKeyStore(redis, { prefix, bot });
    return {
      platform: 'line',
      limits: lineLimits,
      numberedChoices: true,
      verify: (request) => verifyLine(request, settings.channelSecret),
      async parse(request) {
        const now = Date.now();
        const { updates, replyTokens: tokens } = parseLine(request, { bot, now });
        await replyTokens.save(tokens, now);
        return updates;
      },
      send: (conversation, message) => sendLine({ api, replyTokens, retryKeys }, conversation, message),
      classifyError: classifyLineError,
    };
  },
});
