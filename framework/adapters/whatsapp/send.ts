/**
 * Sending through the WhatsApp Cloud API (`POST <apiRoot>/<version>/<phone number id>/messages`
 * with the access token as a Bearer token), and the classification of its errors into
 * delivery outcomes (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
 */
import type { SentMessage } from '../../core/context';
import { DeliveryError, type DeliveryOutcome } from '../../core/errors';
import type { OutboundMessage } from '../../core/outbound';
import type { Conversation } from '../../core/update';
import { whatsappMessagesOf, type GraphMessage, type WhatsappMessageOptions } from './messages';
import { graphErrorSchema, sendAnswerSchema } from './types';
import { isTransientNetworkError } from '../transient';

/** Where and as whom the adapter sends. */
export interface WhatsappClient {
  /** e.g. `'https://graph.facebook.com'`, or a fake server in tests. */
  apiRoot: string;
  /** Graph API version, e.g. `'v23.0'`. */
  apiVersion: string;
  /** The business phone number's id (not the number itself). */
  phoneNumberId: string;
  /** A system-user access token with `whatsapp_business_messaging`. A secret: never logged. */
  accessToken: string;
  /** How long one API call may take, in ms. */
  timeoutMs: number;
}

/**
 * An error answer of the Graph API: its HTTP status, Meta's error `code` and `details`.
 * Thrown by `postWhatsappMessage` and read by `classifyWhatsappError`.
 */
export class WhatsappApiError extends Error {
  /** The HTTP status of the answer. */
  readonly status: number;
  /** Meta's error code (`131047`, `130429`…), when the answer had one. */
  readonly code?: number;
  /** Meta's `error_data.details`, which names the cause. */
  readonly details?: string;
  /** Seconds from a `Retry-After` header, when Meta sent one. */
  readonly retryAfter?: number;

  constructor(message: string, status: number, extra: { code?: number; details?: string; retryAfter?: number } = {}) {
    super(message);
    this.name = 'WhatsappApiError';
    this.status = status;
    if (extra.code !== undefined) this.code = extra.code;
    if (extra.details !== undefined) this.details = extra.details;
    if (extra.retryAfter !== undefined) this.retryAfter = extra.retryAfter;
  }
}

/**
 * Send one Kiosk message to a WhatsApp customer (`conversation.chat` is their WhatsApp id).
 * The message becomes one or more Cloud API messages (see `whatsappMessagesOf`); the id
 * returned is the last one's `wamid`, which status callbacks refer to. A failure throws
 * `DeliveryError` with the outcome of `classifyWhatsappError`.
 *
 * @example
 * ```ts
 * await sendWhatsapp(client, conversation, { text: 'Where to?', buttons: [[{ label: 'Home', data: 'dest:home' }]] }, options);
 * // → { messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA' }
 * ```
 */
export async function sendWhatsapp(
  client: WhatsappClient,
  conversation: Conversation,
  message: OutboundMessage,
  options: WhatsappMessageOptions,
): Promise<SentMessage> {
  const messages = whatsappMessagesOf(message, options);
  let id = '';
  for (const item of messages) id = await call(item.type, () => postWhatsappMessage(client, conversation.chat, item));
  return { messageId: id };
}

/**
 * Post one Cloud API message to `to` and return its `wamid`. Throws `WhatsappApiError` for
 * an error answer, and fetch's own errors for network failures and timeouts.
 */
export async function postWhatsappMessage(client: WhatsappClient, to: string, message: GraphMessage): Promise<string> {
  const url = `${client.apiRoot.replace(/\/+$/, '')}/${client.apiVersion}/${encodeURIComponent(client.phoneNumberId)}/messages`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${client.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to, ...message }),
    signal: AbortSignal.timeout(client.timeoutMs),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
    const api = graphErrorSchema.safeParse(json);
    const extra = Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfter } : {};
    if (!api.success) throw new WhatsappApiError(`HTTP ${response.status} ${response.statusText}`.trim(), response.status, extra);
    const { code, message: what, error_data } = api.data.error;
    const details = error_data?.details;
    throw new WhatsappApiError(what ?? `Graph API error ${code}`, response.status, { ...extra, code, ...(details ? { details } : {}) });
  }
  const answer = sendAnswerSchema.safeParse(json);
  if (!answer.success) throw new WhatsappApiError('the Cloud API accepted the message but answered without a message id', response.status);
  return answer.data.messages[0]!.id;
}

/** Meta's rate limits, and how long to wait for each (Meta gives no Retry-After). */
const RATE_LIMITS: Record<number, { seconds: number; what: string }> = {
  // App-level and WhatsApp Business Account call limits are counted per hour.
  4: { seconds: 60, what: 'the app reached its API call rate limit' },
  80007: { seconds: 60, what: 'the WhatsApp Business Account reached its rate limit' },
  // https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput
  130429: { seconds: 1, what: 'the phone number reached its throughput (80 messages a second by default)' },
  // Pair rate limit: about one message every 6 seconds to one customer.
  131056: { seconds: 6, what: 'too many messages to this customer in a short time (pair rate limit)' },
};

/** Codes Meta describes as temporary: the same request may well succeed later. */
const TEMPORARY = new Set([1, 2, 131000, 131016, 133004]);

/** Codes worth a reason of their own when giving up. */
const PERMANENT: Record<number, string> = {
  0: 'Meta could not authenticate the access token; check settings.accessToken',
  190: 'the access token has expired or was revoked; issue a new one and update settings.accessToken',
  100: 'invalid parameter: the message does not fit the Cloud API (see details)',
  131026: 'message undeliverable: the number is not on WhatsApp, or the customer has not accepted the terms or has an old app',
  131051: 'unsupported message type',
  131030: 'the recipient is not in the allowed list of this test number',
  131048: 'spam rate limit: too many of this number\'s messages were blocked or reported',
  368: 'the WhatsApp Business Account is restricted for a policy violation',
  132001: 'the template does not exist in this language',
  132000: 'the number of template parameters does not match the template',
};

/**
 * How to treat an error from the Cloud API:
 *
 * - rate limits (`130429` throughput, `131056` pair rate, `80007` and `4` call limits, HTTP
 *   429) → retry after a wait (Meta's `Retry-After` when it sends one);
 * - `131047` (more than 24 hours since the customer's last message) → give up with a reason
 *   starting `window-closed:`, so the delivery layer falls back to the message's template;
 * - Meta's temporary errors (`1`, `2`, `131000`, `131016`, `133004`), 5xx, refused or reset
 *   connections and timeouts → retry with backoff;
 * - every other error (`131026` undeliverable, `131051` unsupported, `100` invalid parameter,
 *   `190` expired token…) → give up, naming the code.
 *
 * @example
 * ```ts
 * classifyWhatsappError(new WhatsappApiError('(#131056) pair rate limit hit', 400, { code: 131056 }));
 * // → { kind: 'retry-after', seconds: 6 }
 * ```
 */
export function classifyWhatsappError(error: unknown): DeliveryOutcome {
  if (error instanceof DeliveryError) return error.outcome;
  if (error instanceof WhatsappApiError) {
    const { code, status } = error;
    const details = error.details ? `: ${error.details}` : '';
    if (code !== undefined) {
      const limit = RATE_LIMITS[code];
      if (limit) return { kind: 'retry-after', seconds: Math.max(limit.seconds, error.retryAfter ?? 0) };
      if (code === 131047) return { kind: 'give-up', reason: `window-closed: 131047 more than 24 hours have passed since the customer last wrote${details}` };
      if (TEMPORARY.has(code)) return { kind: 'retry' };
      const known = PERMANENT[code];
      if (known) return { kind: 'give-up', reason: `${code} ${known}${details}` };
    }
    if (status === 429) return { kind: 'retry-after', seconds: Math.max(1, error.retryAfter ?? 1) };
    if (status >= 500) return { kind: 'retry' };
    return { kind: 'give-up', reason: `${code !== undefined ? `${code} ` : ''}${error.message}${details}` };
  }
  if (isTransientNetworkError(error)) return { kind: 'retry' };
  return { kind: 'give-up', reason: `unexpected error: ${error instanceof Error ? error.message : String(error)}` };
}



async function call<T>(kind: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const outcome = classifyWhatsappError(error);
    const what = error instanceof Error ? error.message : String(error);
    const advice = outcome.kind === 'retry-after' ? `retry after ${outcome.seconds} s` : outcome.kind === 'retry' ? 'retry later' : 'not retrying';
    const code = error instanceof WhatsappApiError && error.code !== undefined ? ` (code ${error.code})` : '';
    throw new DeliveryError(`WhatsApp ${kind} message failed: ${what}${code} (${advice}).`, outcome, {
      cause: error,
      ...(error instanceof WhatsappApiError ? { status: error.status } : {}),
    });
  }
}
