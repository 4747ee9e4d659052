/**
 * Telegram's webhook check. Telegram does not sign its webhooks; instead it echoes the
 * `secret_token` given to `setWebhook` in a header with every request
 * (https://core.telegram.org/bots/api#setwebhook), so verifying is a constant-time compare.
 */
import type { WebhookRequest } from '../adapter';
import { assertSignature } from '../signature';

/** The header in which Telegram sends the webhook's secret token. */
export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/**
 * Throw `SignatureError` unless the request carries the bot's secret token.
 *
 * @example
 * ```ts
 * verifyTelegram(request, settings.secretToken); // throws on a missing or wrong token
 * ```
 */
export function verifyTelegram(request: WebhookRequest, secretToken: string): void {
  assertSignature(TELEGRAM_SECRET_HEADER, request.headers[TELEGRAM_SECRET_HEADER], secretToken);
}
