/**
 * Kiosk `OutboundMessage` → the visitor's Redis stream. The web chat has no platform API to
 * call: a reply is appended to the visitor's stream, and whichever process holds the
 * visitor's event stream (`GET /webchat/:bot/events`) reads it from there. The page renders
 * every `OutboundMessage` field itself, so nothing is degraded here.
 */
import type { Redis } from 'ioredis';
import type { SentMessage } from '../../core/context';
import { DeliveryError, type DeliveryOutcome } from '../../core/errors';
import type { OutboundMessage } from '../../core/outbound';
import type { Conversation } from '../../core/update';
import { WEBCHAT_STREAM_FIELD, webchatStreamKey } from './types';

/** Where and how long replies are kept. */
export interface WebchatSendOptions {
  redis: Redis;
  /** Kiosk's key prefix, e.g. `'kiosk'`. */
  prefix: string;
  /** How many replies a visitor's stream keeps (approximately: Redis trims in whole nodes). */
  historyLength: number;
  /** Seconds after the last reply that the stream is deleted; the token lifetime, so history lives as long as the visitor can read it. */
  ttlSeconds: number;
}

/**
 * Append a reply to the visitor's stream (`XADD … MAXLEN ~ historyLength`) and push its
 * expiry back. Returns the stream entry id, which is the event id the page sees. A failure
 * throws `DeliveryError` with the outcome of `classifyWebchatError`.
 *
 * @example
 * ```ts
 * await sendWebchat({ redis, prefix: 'kiosk', historyLength: 200, ttlSeconds: 2592000 }, conversation, { text: 'Your taxi is here' });
 * ```
 */
export async function sendWebchat(options: WebchatSendOptions, conversation: Conversation, message: OutboundMessage): Promise<SentMessage> {
  if (!message.text && !message.card && !message.media?.length && !message.template && !message.buttons?.length) {
    throw new DeliveryError('Cannot send an empty message to the web chat: give it text, buttons, a card, media or a template.', {
      kind: 'give-up',
      reason: 'empty message',
    });
  }
  const key = webchatStreamKey(options.prefix, conversation.bot, conversation.chat);
  try {
    // One MULTI so the stream never exists without its expiry, even if this process dies.
    const results = await options.redis
      .multi()
      .xadd(key, 'MAXLEN', '~', options.historyLength, '*', WEBCHAT_STREAM_FIELD, JSON.stringify(message))
      .expire(key, options.ttlSeconds)
      .exec();
    const [added] = results ?? [];
    if (!added || added[0]) throw added?.[0] ?? new Error('the transaction was discarded');
    return { messageId: String(added[1]) };
  } catch (error) {
    const outcome = classifyWebchatError(error);
    const what = error instanceof Error ? error.message : String(error);
    throw new DeliveryError(`Web-chat reply to visitor ${conversation.chat} could not be stored: ${what} (${outcome.kind === 'give-up' ? 'not retrying' : 'retry later'}).`, outcome, {
      cause: error,
    });
  }
}

/** Network error codes after which Redis may well answer the same command. */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** Redis replies that mean "not now" (loading, failing over, cluster resharding, out of memory). */
const TRANSIENT_REPLIES = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|OOM|MOVED|ASK)\b/;

/** ioredis's own messages for a connection that is down or was closed under a command. */
const CONNECTION_MESSAGES = /Connection is closed|Stream isn't writeable|Reached the max retries per request|connect ETIMEDOUT|Command timed out/i;

/**
 * How to treat a failed web-chat delivery: Redis unreachable, reconnecting, loading or
 * failing over → retry with backoff; anything else (a bug, a message that cannot be
 * serialised) → give up, since retrying would only repeat it.
 *
 * @example
 * ```ts
 * classifyWebchatError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })); // → { kind: 'retry' }
 * ```
 */
export function classifyWebchatError(error: unknown): DeliveryOutcome {
  if (error instanceof DeliveryError) return error.outcome;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, message, name } = current as { code?: unknown; message?: unknown; name?: unknown };
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return { kind: 'retry' };
    if (name === 'MaxRetriesPerRequestError') return { kind: 'retry' };
    if (typeof message === 'string' && (CONNECTION_MESSAGES.test(message) || TRANSIENT_REPLIES.test(message))) return { kind: 'retry' };
    current = (current as { cause?: unknown }).cause;
  }
  return { kind: 'give-up', reason: `unexpected error: ${error instanceof Error ? error.message : String(error)}` };
}
