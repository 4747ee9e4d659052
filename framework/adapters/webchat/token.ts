/**
 * Visitor tokens of the web chat. A web page has no platform account behind it, so Kiosk
 * itself says who a visitor is: `POST /webchat/:bot/session` hands out a token
 * `<visitor>.<expiresAt>.<signature>`, and every message and every event stream must show it.
 * The signature is an HMAC over the bot's name, the visitor and the expiry, so a visitor can
 * neither pick another visitor's id, nor extend a token, nor use one bot's token on another bot.
 */
import { randomBytes } from 'node:crypto';
import { SignatureError } from '../../core/errors';
import { hmac, safeEqual } from '../signature';

/** What `issueToken` returns, and what the session route answers. */
export interface IssuedToken {
  /** The token to send as `Authorization: Bearer <token>` (or `?token=` on the event stream). */
  token: string;
  /** The visitor's id: the `chat.id` and `from.id` of the visitor's updates. */
  visitor: string;
  /** When the token stops being accepted, in seconds since the epoch. */
  expiresAt: number;
}

/** Options of `issueToken`. */
export interface IssueTokenOptions {
  /** Renew the token of this visitor instead of making up a new one. */
  visitor?: string;
  /** The current time in milliseconds, for tests. @defaultValue `Date.now()` */
  now?: number;
}

/** What a visitor id looks like: base64url without padding, as `newVisitorId` makes them. */
const VISITOR_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** A new random visitor id: 16 random bytes as base64url (22 characters, no `.` or `:`). */
export function newVisitorId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Sign a token for a visitor of `bot`, valid for `ttlSeconds`.
 *
 * @example
 * ```ts
 * const { token, visitor } = issueToken('taxi', settings.secret, 30 * 24 * 3600);
 * readToken('taxi', settings.secret, token); // → visitor
 * ```
 */
export function issueToken(bot: string, secret: string, ttlSeconds: number, options: IssueTokenOptions = {}): IssuedToken {
  const visitor = options.visitor ?? newVisitorId();
  if (!VISITOR_ID.test(visitor)) throw new SignatureError('A web-chat visitor id must be 16-64 characters of A-Z, a-z, 0-9, _ and -.');
  const expiresAt = Math.floor((options.now ?? Date.now()) / 1000) + Math.max(1, Math.floor(ttlSeconds));
  return { token: `${visitor}.${expiresAt}.${sign(bot, secret, visitor, expiresAt)}`, visitor, expiresAt };
}

/**
 * The visitor id a token was issued to. Throws `SignatureError` when the token is malformed,
 * tampered with, issued for another bot (or with another secret), or expired.
 *
 * @example
 * ```ts
 * const visitor = readToken('taxi', settings.secret, bearerToken);
 * ```
 */
export function readToken(bot: string, secret: string, token: string | undefined, now: number = Date.now()): string {
  if (!token) throw new SignatureError('Missing web-chat token: get one from POST /webchat/<bot>/session and send it as "Authorization: Bearer <token>".');
  const parts = token.split('.');
  const [visitor, expires, signature] = parts;
  if (parts.length !== 3 || !visitor || !expires || !signature || !VISITOR_ID.test(visitor) || !/^\d{1,12}$/.test(expires)) {
    throw new SignatureError('Malformed web-chat token: expected <visitor>.<expiresAt>.<signature>; get a new one from POST /webchat/<bot>/session.');
  }
  const expiresAt = Number(expires);
  // The signature is checked before the expiry so an attacker learns nothing from the answer.
  if (!safeEqual(signature, sign(bot, secret, visitor, expiresAt))) {
    throw new SignatureError(`Web-chat token does not match: it was tampered with, or issued for another bot than "${bot}".`);
  }
  if (expiresAt * 1000 <= now) {
    throw new SignatureError('Web-chat token has expired: get a new one from POST /webchat/<bot>/session.');
  }
  return visitor;
}

function sign(bot: string, secret: string, visitor: string, expiresAt: number): string {
  // The bot's name is signed too: two bots sharing a secret still cannot swap tokens.
  // The visitor and expiry contain no `.`, so the string is unambiguous whatever the bot is called.
  return hmac('sha256', secret, `${bot}.${visitor}.${expiresAt}`, 'base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}
