/**
 * The WeChat Official Account platform: its settings and the adapter built from them.
 * Inbound (`verify.ts`, `parse.ts`, `crypto.ts`, `xml.ts`) turns signed, possibly encrypted
 * XML into updates; outbound (`access-token.ts`, `api.ts`, `send.ts`) sends customer-service
 * and template messages with one access_token shared by every process; `reply-xml.ts` builds
 * passive replies; `menu.ts` declares and publishes the custom menu.
 *
 * WeChat retries a webhook three times when it has no answer within 5 s. Kiosk queues the
 * update durably and answers at once (`success`), de-duplicating retries by MsgId (or sender,
 * time and event for events). A bot that chooses passive replies has the webhook wait, up to
 * `passiveReply.deadlineMs`, for the handler's first reply (the handler still runs in a
 * worker off the durable queue) and carry it in the HTTP answer; a later reply goes out
 * through the customer-service API.
 */
import { z } from 'zod';
import type { Adapter, RateLimits, WebhookRequest } from '../adapter';
import { defineAdapter } from '../definition';
import { createAccessTokenSource } from './access-token';
import { createWechatApi, type WechatApi } from './api';
import { wechatMenuSchema } from './menu';
import { parseWechatMessage } from './parse';
import { canReplyPassively, passiveReplyXml, sealReply } from './reply-xml';
import { classifyWechatError, sendWechat } from './send';
import { openWechatRequest, wechatCryptoOf, wechatHandshake, WECHAT_MAX_AGE_SECONDS, type OpenedWechatRequest } from './verify';

/**
 * Settings of one bot on WeChat, under `bots.<name>.platforms.wechat`: the values of the
 * account's 设置与开发 → 基本配置 page.
 *
 * @example
 * ```ts
 * { appId: 'wx1234567890abcdef', appSecret: process.env.WECHAT_SECRET, token: process.env.WECHAT_TOKEN,
 *   encodingAESKey: process.env.WECHAT_AES_KEY, passiveReply: { enabled: true } }
 * ```
 */
export const wechatSettings = z.object({
  /** The AppID (开发者ID); encrypted messages must end with it. */
  appId: z.string().min(1, 'the AppID (开发者ID) from 设置与开发 → 基本配置 is required'),
  /** The AppSecret (开发者密码), to fetch access tokens. A secret: never logged. */
  appSecret: z.string().min(1, 'the AppSecret (开发者密码) from 设置与开发 → 基本配置 is required'),
  /** The Token (令牌) of the server configuration; signatures are computed with it. A secret. */
  token: z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'must be the 3-32 letters and digits entered as Token (令牌) in the server configuration'),
  /** The EncodingAESKey (消息加解密密钥) for safe or compatible mode; without it only plain mode works. A secret. */
  encodingAESKey: z.string().regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey (消息加解密密钥)').optional(),
  /** How far a webhook's timestamp may be from now, in seconds; older ones are refused as replays. */
  maxAgeSeconds: z.number().int().positive().default(WECHAT_MAX_AGE_SECONDS),
  /** Base URL of the WeChat API; a fake server's in tests. */
  apiRoot: z.url({ protocol: /^https?$/ }).default('https://api.weixin.qq.com'),
  /** Send callback buttons as a tappable `msgmenu` (verified service accounts only); `false` sends numbered text. */
  msgMenu: z.boolean().default(true),
  /** Refresh the access_token this many seconds before it expires. */
  tokenRefreshMarginSeconds: z.number().int().min(0).max(3600).default(300),
  /**
   * Passive replies: the webhook waits up to `deadlineMs` for the handler's first reply and
   * answers with it. WeChat gives up after 5 s, so keep the deadline under that.
   */
  passiveReply: z
    .object({ enabled: z.boolean().default(false), deadlineMs: z.number().int().min(100).max(4800).default(4500) })
    .default({ enabled: false, deadlineMs: 4500 }),
  /** The custom menu, published with `kiosk menu publish`. */
  menu: wechatMenuSchema.optional(),
});

/** WeChat settings as written in configuration. */
export type WechatSettingsInput = z.input<typeof wechatSettings>;
/** WeChat settings after validation, with defaults applied. */
export type WechatSettings = z.infer<typeof wechatSettings>;

/**
 * Kiosk's pace for one account's customer-service messages. WeChat documents daily API
 * quotas rather than a per-second rate; 20/s overall and 1/s per customer stay far inside them.
 */
export const wechatLimits: RateLimits = { perSecond: 20, perChatPerSecond: 1 };

/** The WeChat API client of each adapter, for `kiosk menu publish` and business code. */
const apis = new WeakMap<Adapter, WechatApi>();

/** The API client an adapter built by `wechat.create` uses (shares its access_token). */
export function wechatApiOf(adapter: Adapter): WechatApi | undefined {
  return apis.get(adapter);
}

/**
 * The WeChat platform definition.
 *
 * @example
 * ```ts
 * const adapter = wechat.create(wechat.settings.parse({ appId, appSecret, token }), { bot: 'bills', redis, prefix: 'kiosk' });
 * ```
 */
export const wechat = defineAdapter({
  platform: 'wechat',
  settings: wechatSettings,
  create(settings, environment): Adapter {
    const tokens = createAccessTokenSource({
      redis: environment.redis,
      prefix: environment.prefix,
      appId: settings.appId,
      appSecret: settings.appSecret,
      apiRoot: settings.apiRoot,
      refreshMarginSeconds: settings.tokenRefreshMarginSeconds,
    });
    const api = createWechatApi({ tokens, apiRoot: settings.apiRoot });
    const cryptoSettings = {
      token: settings.token,
      appId: settings.appId,
      maxAgeSeconds: settings.maxAgeSeconds,
      ...(settings.encodingAESKey ? { encodingAESKey: settings.encodingAESKey } : {}),
    };
    wechatCryptoOf(cryptoSettings); // a malformed key fails here, at start, not on the first message
    // verify and parse see the same request: open (verify, decrypt) it once.
    const opened = new WeakMap<WebhookRequest, OpenedWechatRequest>();
    const open = (request: WebhookRequest) => {
      let result = opened.get(request);
      if (!result) {
        result = openWechatRequest(request, cryptoSettings);
        opened.set(request, result);
      }
      return result;
    };

    const adapter: Adapter = {
      platform: 'wechat',
      limits: wechatLimits,
      serviceWindow: { hours: 48, budget: 5 },
      numberedChoices: true,
      handshake: (request) => wechatHandshake(request, cryptoSettings),
      verify: (request) => void open(request),
      parse: (request) => parseWechatMessage(open(request).xml, { bot: environment.bot, receivedAt: Date.now() }),
      acknowledge: () => ({ status: 200, body: 'success', contentType: 'text/plain' }),
      ...(settings.passiveReply.enabled ? { passiveReply: { deadlineMs: settings.passiveReply.deadlineMs, accepts: canReplyPassively } } : {}),
      replyInResponse(request, update, message) {
        const xml = passiveReplyXml(update, message, Date.now());
        const crypto = wechatCryptoOf(cryptoSettings);
        const body = open(request).encrypted && crypto ? sealReply(xml, crypto, String(Math.floor(Date.now() / 1000)), request.query.nonce ?? '') : xml;
        return { status: 200, body, contentType: 'application/xml' };
      },
      send: (conversation, message) => sendWechat(api, conversation, message, { msgMenu: settings.msgMenu }),
      classifyError: classifyWechatError,
    };
    apis.set(adapter, api);
    return adapter;
  },
});
