/**
 * The web chat's webhook check. A page cannot keep a shared secret, so instead of a
 * signature over the body each request carries the visitor's signed token (see `token.ts`):
 * verifying is checking that token, and the visitor it names is who the update is from.
 */
import type { WebhookRequest } from '../adapter';
import { readToken } from './token';
import { WEBCHAT_TOKEN_HEADER } from './types';

/** What the check needs to know besides the request. */
export interface WebchatVerifyOptions {
  /** The bot (as configured) the request was posted for. */
  bot: string;
  /** The secret that signs this bot's visitor tokens. */
  secret: string;
  /** The current time in milliseconds, for tests. @defaultValue `Date.now()` */
  now?: number;
}

/**
 * The token a request carries: `Authorization: Bearer <token>`, else the
 * `x-kiosk-webchat-token` header. `undefined` when there is none.
 */
export function webchatTokenOf(headers: Record<string, string | undefined>): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  return bearer ?? (headers[WEBCHAT_TOKEN_HEADER]?.trim() || undefined);
}

/**
 * The visitor a request is from. Throws `SignatureError` when the token is missing,
 * malformed, tampered with, expired or issued for another bot.
 *
 * @example
 * ```ts
 * const visitor = verifyWebchat(request, { bot: 'taxi', secret: settings.secret });
 * ```
 */
export function verifyWebchat(request: WebhookRequest, options: WebchatVerifyOptions): string {
  return readToken(options.bot, options.secret, webchatTokenOf(request.headers), options.now);
}
