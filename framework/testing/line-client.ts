/**
 * Helpers to drive a running Kiosk app the way LINE does: builders of webhook events
 * (https://developers.line.biz/en/reference/messaging-api/#webhook-event-objects) and a
 * function that posts a webhook body signed with the channel secret, as LINE signs it.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** What the app answered to a posted webhook. */
export interface PostedLineWebhook {
  status: number;
  /** The response body as text (Kiosk acknowledges LINE with an empty body). */
  body: string;
}

/**
 * The `x-line-signature` LINE sends with a body: Base64 HMAC-SHA256 keyed with the channel
 * secret, over the exact bytes posted. Computed here, apart from the adapter's verifier, so a
 * bug there cannot hide behind the same code.
 */
export function signLineBody(body: string | Buffer, channelSecret: string): string {
  return createHmac('sha256', channelSecret).update(body).digest('base64');
}

/**
 * Post a webhook body to `/webhooks/<bot>/line` of a running Kiosk app, signed as LINE signs
 * it. A string body is posted byte for byte (pretty-printed JSON stays pretty-printed); an
 * object is serialised first. Events alone are wrapped in `{ destination, events }`.
 *
 * @example
 * ```ts
 * const token = fake.issueReplyToken(userId);
 * const { status } = await postLine(baseUrl, 'taxi', [lineTextEvent({ userId, text: '/start', replyToken: token })], 'dev-secret');
 * expect(status).toBe(200);
 * ```
 */
export async function postLine(baseUrl: string, bot: string, body: unknown, channelSecret: string, signature?: string): Promise<PostedLineWebhook> {
  const payload = typeof body === 'string' ? body : JSON.stringify(Array.isArray(body) ? lineWebhookBody(body) : body);
  const url = `${baseUrl.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(bot)}/line`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-line-signature': signature ?? signLineBody(payload, channelSecret) },
    body: payload,
  });
  return { status: response.status, body: await response.text() };
}

/** A webhook body carrying `events`; `destination` is the bot's own user id. */
export function lineWebhookBody(events: readonly object[], destination = 'U8189cf6745fc0d808977bdb0b9f22995'): { destination: string; events: object[] } {
  return { destination, events: [...events] };
}

/** A random LINE user id (`U` and 32 hex digits); `'C'` for a group, `'R'` for a room. */
export function lineId(kind: 'U' | 'C' | 'R' = 'U'): string {
  return `${kind}${randomBytes(16).toString('hex')}`;
}

/** A random webhook event id, shaped like LINE's ULIDs. */
export function lineWebhookEventId(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return Array.from(randomBytes(26), (byte) => alphabet[byte % 32]).join('');
}

/** Who writes, and the event's identity, in the builders below. */
export interface LineEventOptions {
  /** The user writing. */
  userId: string;
  /** Set for an event in a group chat (`C…`). */
  groupId?: string;
  /** Set for an event in a multi-person chat (`R…`). */
  roomId?: string;
  /** The event's id, kept on redeliveries. @defaultValue a new random id */
  webhookEventId?: string;
  /** A reply token, e.g. from `fake.issueReplyToken(userId)`. Omit for an event without one. */
  replyToken?: string;
  /** @defaultValue `Date.now()` */
  timestamp?: number;
  /** Mark the event as a redelivery (`deliveryContext.isRedelivery`). */
  redelivery?: boolean;
}

/** Options of `lineTextEvent`. */
export interface LineTextOptions extends LineEventOptions {
  text: string;
  /** @defaultValue a random numeric id */
  messageId?: string;
}

/**
 * A text message event.
 *
 * @example
 * ```ts
 * lineTextEvent({ userId: 'U4af4980629c06b3bb1d4b6bd0d6e4c2e', text: '/start ref-1', replyToken: fake.issueReplyToken('U4af4980629c06b3bb1d4b6bd0d6e4c2e') });
 * ```
 */
export function lineTextEvent(options: LineTextOptions): Record<string, unknown> {
  return {
    ...eventBase('message', options),
    message: { id: options.messageId ?? messageId(), type: 'text', quoteToken: `q${randomBytes(6).toString('hex')}`, text: options.text },
  };
}

/**
 * A postback event: the customer tapped a button with postback `data`.
 *
 * @example
 * ```ts
 * linePostbackEvent({ userId, data: 'dest:home', replyToken: fake.issueReplyToken(userId) });
 * ```
 */
export function linePostbackEvent(options: LineEventOptions & { data: string }): Record<string, unknown> {
  return { ...eventBase('postback', options), postback: { data: options.data } };
}

/**
 * A location message event.
 *
 * @example
 * ```ts
 * lineLocationEvent({ userId, latitude: 35.67966, longitude: 139.73669, title: 'my location' });
 * ```
 */
export function lineLocationEvent(
  options: LineEventOptions & { latitude: number; longitude: number; title?: string; address?: string },
): Record<string, unknown> {
  const message: Record<string, unknown> = { id: messageId(), type: 'location', latitude: options.latitude, longitude: options.longitude };
  if (options.title !== undefined) message.title = options.title;
  if (options.address !== undefined) message.address = options.address;
  return { ...eventBase('message', options), message };
}

/** A follow event: the customer added the account as a friend (or unblocked it). */
export function lineFollowEvent(options: LineEventOptions): Record<string, unknown> {
  return { ...eventBase('follow', options), follow: { isUnblocked: false } };
}

/** An unfollow event: the customer blocked the account. LINE gives it no reply token. */
export function lineUnfollowEvent(options: Omit<LineEventOptions, 'replyToken'>): Record<string, unknown> {
  return eventBase('unfollow', options);
}

function eventBase(type: string, options: LineEventOptions): Record<string, unknown> {
  const source = options.groupId
    ? { type: 'group', groupId: options.groupId, userId: options.userId }
    : options.roomId
      ? { type: 'room', roomId: options.roomId, userId: options.userId }
      : { type: 'user', userId: options.userId };
  return {
    ...(options.replyToken ? { replyToken: options.replyToken } : {}),
    type,
    mode: 'active',
    timestamp: options.timestamp ?? Date.now(),
    source,
    webhookEventId: options.webhookEventId ?? lineWebhookEventId(),
    deliveryContext: { isRedelivery: options.redelivery ?? false },
  };
}

function messageId(): string {
  return String(BigInt(`0x${randomBytes(7).toString('hex')}`));
}
