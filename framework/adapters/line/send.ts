/**
 * Sending to LINE: reply while the chat's reply token is fresh, push otherwise, and the
 * classification of the Messaging API's errors into delivery outcomes.
 *
 * A reply (POST /v2/bot/message/reply) is free and needs a reply token; a push
 * (POST /v2/bot/message/push) can be sent any time and counts against the channel's monthly
 * message quota (https://developers.line.biz/en/docs/messaging-api/sending-messages/).
 * The first request of a message takes the chat's token (`reply-token.ts`); when there is
 * none, it is too old, or LINE answers 400 "Invalid reply token" (used or expired), the same
 * messages go out as a push with a stable `X-Line-Retry-Key` (`retry-key.ts`).
 */
import type { SentMessage } from '../../core/context';
import { DeliveryError, StoreUnavailableError, type DeliveryOutcome } from '../../core/errors';
import type { OutboundMessage } from '../../core/outbound';
import type { Conversation } from '../../core/update';
import { LineApiError, type LineApi } from './api';
import { LINE_LIMITS, toLineMessages } from './messages';
import type { ReplyTokenStore } from './reply-token';
import type { RetryKeyStore } from './retry-key';
import type { LineMessage } from './types';
import { isTransientNetworkError } from '../transient';

/** What `sendLine` sends with. */
export interface LineSender {
  api: LineApi;
  replyTokens: ReplyTokenStore;
  retryKeys: RetryKeyStore;
}

/**
 * LINE sends no `Retry-After` with its 429 (https://developers.line.biz/en/reference/messaging-api/#rate-limits);
 * its limits are per second, so a short pause lets the burst drain.
 */
export const LINE_RATE_LIMIT_WAIT_SECONDS = 2;

/**
 * Send one Kiosk message to a LINE chat (a user, group or room id). The message becomes up to
 * five LINE messages per request (`messages.ts`); more are sent as further pushes. Resolves
 * with the id of the last message LINE reports in `sentMessages`.
 *
 * A failure throws `DeliveryError` with the outcome of `classifyLineError`. Delivery is at
 * least once where LINE cannot tell: a reply that timed out is retried as a push.
 *
 * @example
 * ```ts
 * await sendLine(sender, conversation, { text: 'Where to?', buttons: [[{ label: 'Home', data: 'dest:home' }]] });
 * ```
 */
export async function sendLine(sender: LineSender, conversation: Conversation, message: OutboundMessage): Promise<SentMessage> {
  const chat = conversation.chat;
  const messages = toLineMessages(message, chat);
  let ids: string[] = [];
  for (let part = 0; part * LINE_LIMITS.messagesPerRequest < messages.length; part++) {
    const batch = messages.slice(part * LINE_LIMITS.messagesPerRequest, (part + 1) * LINE_LIMITS.messagesPerRequest);
    const token = part === 0 ? await guard('reply', chat, () => sender.replyTokens.take(chat)) : undefined;
    const replied = token ? await reply(sender, chat, token, batch) : undefined;
    ids = replied ?? (await push(sender, chat, batch, part));
  }
  const last = ids[ids.length - 1];
  return last ? { messageId: last } : {};
}

/** Reply with a token; `undefined` when LINE says the token is used or expired, so the caller pushes. */
async function reply(sender: LineSender, chat: string, token: string, batch: LineMessage[]): Promise<string[] | undefined> {
  try {
    return await sender.api.reply(token, batch);
  } catch (error) {
    if (error instanceof LineApiError && error.status === 400 && /invalid reply token/i.test(error.lineMessage)) return undefined;
    throw deliveryError('reply', chat, error);
  }
}

async function push(sender: LineSender, chat: string, batch: LineMessage[], part: number): Promise<string[]> {
  const key = await guard('push', chat, () => sender.retryKeys.acquire(chat, batch, part));
  try {
    const ids = await sender.api.push(chat, batch, key);
    await sender.retryKeys.release(chat, batch, part).catch(() => undefined);
    return ids;
  } catch (error) {
    // Keep the key for a retry only when LINE may have accepted the push (5xx, timeout).
    if (classifyLineError(error).kind === 'give-up') await sender.retryKeys.release(chat, batch, part).catch(() => undefined);
    throw deliveryError('push', chat, error);
  }
}

async function guard<T>(endpoint: string, chat: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw deliveryError(endpoint, chat, error);
  }
}


/**
 * How to treat an error from the Messaging API
 * (https://developers.line.biz/en/reference/messaging-api/#status-codes): 429 → retry after a
 * short wait, except "You have reached your monthly limit", which no wait within the month
 * fixes → give up; 5xx, refused or reset connections, timeouts and Redis outages → retry;
 * 400 (malformed message, bad recipient), 401 (bad channel access token), 403 (endpoint not
 * allowed for this plan) and other 4xx → give up, naming LINE's reason.
 *
 * @example
 * ```ts
 * classifyLineError(new LineApiError('push', 429, 'The API rate limit has been exceeded. Try again later.'));
 * // → { kind: 'retry-after', seconds: 2 }
 * ```
 */
export function classifyLineError(error: unknown): DeliveryOutcome {
  if (error instanceof DeliveryError) return error.outcome;
  if (error instanceof StoreUnavailableError) return { kind: 'retry' };
  if (error instanceof LineApiError) {
    const { status, lineMessage } = error;
    if (status === 429) {
      if (/monthly limit/i.test(lineMessage)) return { kind: 'give-up', reason: `LINE monthly message limit reached (429): ${lineMessage}` };
      return { kind: 'retry-after', seconds: Math.max(1, Math.ceil(error.retryAfterSeconds ?? LINE_RATE_LIMIT_WAIT_SECONDS)) };
    }
    if (status >= 500) return { kind: 'retry' };
    if (status === 401) return { kind: 'give-up', reason: `LINE refused the channel access token (401: ${lineMessage}); check settings.channelAccessToken` };
    if (status === 403) return { kind: 'give-up', reason: `LINE does not allow this channel to send this (403: ${lineMessage})` };
    return { kind: 'give-up', reason: error.message };
  }
  if (isTransientNetworkError(error)) return { kind: 'retry' };
  return { kind: 'give-up', reason: `unexpected error: ${error instanceof Error ? error.message : String(error)}` };
}


function deliveryError(endpoint: string, chat: string, error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const outcome = classifyLineError(error);
  const what = error instanceof Error ? error.message : String(error);
  const advice = outcome.kind === 'retry-after' ? `retry after ${outcome.seconds} s` : outcome.kind === 'retry' ? 'retry later' : 'not retrying';
  return new DeliveryError(`LINE ${endpoint} to chat ${chat} failed: ${what} (${advice}).`, outcome, {
    cause: error,
    ...(error instanceof LineApiError ? { status: error.status } : {}),
  });
}
