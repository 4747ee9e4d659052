/**
 * How each platform learns its webhook URL: a table of small functions, one per platform.
 * Telegram and LINE have an API for it; WeChat and WhatsApp are set in their consoles, so
 * Kiosk prints the URL and where it goes. A platform missing here gets the URL printed.
 */
import { Telegram } from 'telegraf';
import { lineSettings } from '../adapters/line/adapter';
import { telegramSettings } from '../adapters/telegram/adapter';

/** What became of one registration: `registered` at the platform, or `manual` (printed for a person to set). */
export interface Registration {
  outcome: 'registered' | 'manual';
  /** One line for the user; never contains a secret. */
  note: string;
}

/** Registers `url` for one bot on one platform, from that bot's settings on it. */
export type WebhookRegistrar = (settings: unknown, url: string) => Promise<Registration>;

/** Thrown when a platform refuses the URL; the message carries the platform's reason. */
export class WebhookRegistrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookRegistrationError';
  }
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Telegram: setWebhook with the secret token Telegram will send back in every webhook. */
const registerTelegram: WebhookRegistrar = async (settings, url) => {
  const { token, secretToken, apiRoot } = telegramSettings.parse(settings);
  try {
    // https://core.telegram.org/bots/api#setwebhook — secret_token comes back as X-Telegram-Bot-Api-Secret-Token.
    await new Telegram(token, { apiRoot }).setWebhook(url, { secret_token: secretToken });
  } catch (error) {
    throw new WebhookRegistrationError(`Telegram refused the webhook (${reasonOf(error)}); Telegram needs a public HTTPS URL on port 443, 80, 88 or 8443.`, { cause: error });
  }
  return { outcome: 'registered', note: 'set with setWebhook (with the secret token)' };
};

/** LINE: PUT /v2/bot/channel/webhook/endpoint (https://developers.line.biz/en/reference/messaging-api/#set-webhook-endpoint-url). */
const registerLine: WebhookRegistrar = async (settings, url) => {
  const { channelAccessToken, apiRoot, timeoutMs } = lineSettings.parse(settings);
  let response: Response;
  try {
    response = await fetch(`${apiRoot.replace(/\/+$/, '')}/v2/bot/channel/webhook/endpoint`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${channelAccessToken}` },
      body: JSON.stringify({ endpoint: url }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new WebhookRegistrationError(`could not reach the LINE API (${reasonOf(error)}); check bots.<bot>.platforms.line.apiRoot and the network.`, { cause: error });
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { message?: unknown };
    const message = typeof body.message === 'string' ? body.message : response.statusText;
    throw new WebhookRegistrationError(`LINE answered ${response.status} (${message}); LINE needs a public HTTPS URL, and a channel access token of this channel.`);
  }
  return { outcome: 'registered', note: 'set with PUT /v2/bot/channel/webhook/endpoint; turn on "Use webhook" in the LINE Developers Console' };
};

const manual = (where: string): WebhookRegistrar => async () => ({ outcome: 'manual', note: where });

/** The registrars by platform name. */
export const webhookRegistrars: Readonly<Record<string, WebhookRegistrar>> = {
  telegram: registerTelegram,
  line: registerLine,
  wechat: manual('set it by hand: mp.weixin.qq.com → 设置与开发 → 基本配置 → 服务器配置 (URL, with the same Token and EncodingAESKey as the configuration)'),
  whatsapp: manual('set it by hand: Meta App Dashboard → WhatsApp → Configuration → Webhook (callback URL and verify token), then subscribe to "messages"'),
  webchat: manual('nothing to register: the web chat page and its webhook are served by Kiosk itself'),
};
