/**
 * A small client of the two Messaging API endpoints Kiosk sends with: reply and push
 * (https://developers.line.biz/en/reference/messaging-api/#send-reply-message,
 * https://developers.line.biz/en/reference/messaging-api/#send-push-message), over Node's
 * `fetch`, at a configurable base URL so tests can point it at `framework/testing/fake-line.ts`.
 */
import { lineErrorResponseSchema, lineSentResponseSchema, type LineMessage } from './types';

/** Where the API is and who calls it. */
export interface LineApiOptions {
  /** e.g. `'https://api.line.me'`. */
  apiRoot: string;
  /** The channel access token. A secret: it is never put in an error message. */
  channelAccessToken: string;
  /** Give up on a request after this many milliseconds. */
  timeoutMs: number;
}

/** An error answer of the Messaging API, with LINE's own message and details. */
export class LineApiError extends Error {
  /** The HTTP status, e.g. 400 or 429. */
  readonly status: number;
  /** LINE's `message`, e.g. `'Invalid reply token'`. */
  readonly lineMessage: string;
  /** LINE's `details`, e.g. `[{ message: 'Length must be between 0 and 20', property: 'messages[0].quickReply.items[0].action.label' }]`. */
  readonly details: ReadonlyArray<{ message?: string | undefined; property?: string | undefined }>;
  /** The endpoint that answered, e.g. `'push'`. */
  readonly endpoint: 'reply' | 'push';
  /** Seconds from a `Retry-After` header. LINE documents none on 429, but one is honoured if sent. */
  readonly retryAfterSeconds?: number;

  constructor(
    endpoint: 'reply' | 'push',
    status: number,
    lineMessage: string,
    details: LineApiError['details'] = [],
    retryAfterSeconds?: number,
  ) {
    const detail = details.map((d) => [d.property, d.message].filter(Boolean).join(': ')).filter(Boolean).join('; ');
    super(`LINE ${endpoint} answered ${status}: ${lineMessage}${detail ? ` (${detail})` : ''}`);
    this.name = 'LineApiError';
    this.status = status;
    this.lineMessage = lineMessage;
    this.details = details;
    this.endpoint = endpoint;
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The reply and push endpoints; each resolves with the ids of the messages LINE accepted. */
export interface LineApi {
  /** Answer an event with its reply token. Throws `LineApiError` (400 `Invalid reply token` when it is used or expired). */
  reply(replyToken: string, messages: readonly LineMessage[]): Promise<string[]>;
  /**
   * Send to a user, group or room id. `retryKey` (a UUID) makes LINE run the request at most
   * once: a repeat of an accepted key answers 409, which resolves here as success with the
   * ids LINE gives back (https://developers.line.biz/en/docs/messaging-api/retrying-api-request/).
   */
  push(to: string, messages: readonly LineMessage[], retryKey: string): Promise<string[]>;
}

/**
 * A Messaging API client for one channel.
 *
 * @example
 * ```ts
 * const api = createLineApi({ apiRoot: 'https://api.line.me', channelAccessToken, timeoutMs: 10_000 });
 * await api.push('U4af4980629…', [{ type: 'text', text: 'Your taxi is here' }], randomUUID());
 * ```
 */
export function createLineApi(options: LineApiOptions): LineApi {
  const root = options.apiRoot.replace(/\/+$/, '');

  const post = async (endpoint: 'reply' | 'push', body: unknown, headers: Record<string, string> = {}): Promise<string[]> => {
    const response = await fetch(`${root}/v2/bot/message/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.channelAccessToken}`, ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await response.text();
    const json = parseJson(text);
    if (response.ok) return idsOf(lineSentResponseSchema.safeParse(json).data?.sentMessages);
    const error = lineErrorResponseSchema.safeParse(json);
    // A repeated retry key: the first request was accepted, so this one counts as sent.
    if (response.status === 409 && headers['x-line-retry-key']) return idsOf(error.data?.sentMessages);
    const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
    const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
    const lineMessage = error.success ? error.data.message : response.statusText || text.slice(0, 200) || 'no error message';
    throw new LineApiError(endpoint, response.status, lineMessage, error.data?.details ?? [], wait);
  };

  return {
    reply: (replyToken, messages) => post('reply', { replyToken, messages }),
    push: (to, messages, retryKey) => post('push', { to, messages }, { 'x-line-retry-key': retryKey }),
  };
}

function idsOf(sent: ReadonlyArray<{ id: string }> | undefined): string[] {
  return (sent ?? []).map((message) => message.id);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
