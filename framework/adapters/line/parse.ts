/**
 * LINE webhook body → Kiosk `Update`s. One body carries any number of events
 * (https://developers.line.biz/en/reference/messaging-api/#request-body); each becomes one
 * update, or none when Kiosk cannot answer it (an event about the channel itself, an event in
 * standby mode). An empty `events` array is LINE verifying the webhook URL: no updates, 200.
 *
 * The parser also collects each event's reply token, for `reply-token.ts` to keep.
 */
import type { z } from 'zod';
import { PayloadError } from '../../core/errors';
import { parseCommand, type Chat, type Media, type Message, type Update, type User } from '../../core/update';
import type { WebhookRequest } from '../adapter';
import {
  lineContentProviderSchema,
  lineEventBaseSchema,
  lineMessageContentSchemas,
  lineMessageEventSchema,
  lineOtherMessageContentSchema,
  linePostbackEventSchema,
  lineWebhookBodySchema,
  type LineEventBase,
  type LineMessageContent,
  type LineSource,
} from './types';

/** What the parser needs to know besides the body. */
export interface LineParseOptions {
  /** The bot (as configured) the webhook was posted for. */
  bot: string;
  /** When the webhook was received. @defaultValue `Date.now()` */
  now?: number;
}

/** A reply token found in an event, with what `reply-token.ts` needs to keep it. */
export interface LineReplyToken {
  /** The chat the token answers into: `Update.chat.id`. */
  chat: string;
  token: string;
  /** The event's `timestamp` (ms): the token's lifetime counts from it. */
  timestamp: number;
}

/** The updates of one webhook body and the reply tokens its events carried. */
export interface LineParsed {
  updates: Update[];
  replyTokens: LineReplyToken[];
}

/**
 * Parse a verified webhook request. Throws `PayloadError` for a body that is not JSON or not a
 * webhook body, naming the field, e.g. `events.1.source.userId`.
 *
 * The update id is `line-<bot>-<webhookEventId>`: LINE keeps `webhookEventId` on redeliveries
 * (`deliveryContext.isRedelivery: true`), so a redelivered event is queued, and handled, once.
 *
 * @example
 * ```ts
 * const { updates, replyTokens } = parseLine(request, { bot: 'taxi' });
 * updates[0]?.message?.text; // 'I need a taxi'
 * ```
 */
export function parseLine(request: WebhookRequest, options: LineParseOptions): LineParsed {
  const raw = parseJson(request.rawBody);
  const body = check(lineWebhookBodySchema, raw, []);
  const receivedAt = options.now ?? Date.now();
  const parsed: LineParsed = { updates: [], replyTokens: [] };
  body.events.forEach((event, index) => {
    const path = ['events', index];
    const base = check(lineEventBaseSchema, event, path);
    // In standby mode another module channel answers this chat; LINE sends no reply token and
    // the bot must stay silent (https://developers.line.biz/en/docs/partner-docs/module-technical-chat-control/).
    if (base.mode === 'standby' || !base.source) return;
    const chat = chatOf(base.source);
    const body = bodyOf(base, event, path);
    if (!body) return;
    parsed.updates.push({
      id: `line-${options.bot}-${base.webhookEventId}`,
      platform: 'line',
      bot: options.bot,
      chat,
      from: senderOf(base.source),
      ...body,
      receivedAt,
      raw: event,
    });
    if (base.replyToken) parsed.replyTokens.push({ chat: chat.id, token: base.replyToken, timestamp: base.timestamp });
  });
  return parsed;
}

/** The part of an `Update` that depends on the event's type. */
type Body = Pick<Update, 'kind' | 'message' | 'button' | 'event'>;

function bodyOf(base: LineEventBase, event: unknown, path: Array<string | number>): Body | undefined {
  switch (base.type) {
    case 'message':
      return { kind: 'message', message: messageOf(check(lineMessageEventSchema, event, path).message, [...path, 'message']) };
    case 'postback':
      return { kind: 'button', button: { data: check(linePostbackEventSchema, event, path).postback.data } };
    case 'follow':
      return { kind: 'event', event: { type: 'subscribe' } };
    case 'unfollow':
      return { kind: 'event', event: { type: 'unsubscribe' } };
    default:
      // join, leave, memberJoined, unsend, beacon, accountLink…: routed as `event('memberjoined')`.
      return { kind: 'event', event: { type: base.type.toLowerCase() } };
  }
}

function messageOf(raw: { type: string }, path: Array<string | number>): Message {
  const schema = lineMessageContentSchemas[raw.type as keyof typeof lineMessageContentSchemas];
  if (!schema) return { id: check(lineOtherMessageContentSchema, raw, path).id };
  const content = check(schema as z.ZodType<LineMessageContent>, raw, path);
  const message: Message = { id: content.id };
  switch (content.type) {
    case 'text': {
      message.text = content.text;
      const command = parseCommand(content.text);
      if (command) message.command = command;
      break;
    }
    case 'location': {
      message.location = { latitude: content.latitude, longitude: content.longitude };
      const label = [content.title, content.address].filter((part) => part).join(', ');
      if (label) message.location.label = label;
      break;
    }
    case 'image':
    case 'video':
    case 'audio':
      message.media = [mediaOf(content.type, content.id, content.contentProvider)];
      break;
    case 'file':
      // The bytes are fetched by message id from GET /v2/bot/message/{id}/content.
      message.media = [{ kind: 'file', id: content.id }];
      break;
    case 'sticker':
      message.media = [{ kind: 'sticker', id: content.stickerId }];
      break;
  }
  return message;
}

function mediaOf(kind: 'image' | 'video' | 'audio', id: string, provider: z.infer<typeof lineContentProviderSchema>): Media {
  // `line`: the bytes are on LINE, by message id; `external`: LINE gives their URL (sent via LIFF).
  const media: Media = { kind, id };
  if (provider.type === 'external' && provider.originalContentUrl) media.url = provider.originalContentUrl;
  return media;
}

function chatOf(source: LineSource): Chat {
  switch (source.type) {
    case 'user':
      return { id: source.userId, type: 'private' };
    case 'group':
      return { id: source.groupId, type: 'group' };
    case 'room':
      return { id: source.roomId, type: 'group' };
  }
}

function senderOf(source: LineSource): User {
  // LINE omits `userId` in groups for members who have not agreed to share it; the group speaks then.
  return { id: source.userId ?? chatOf(source).id };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PayloadError(`LINE webhook body is not valid JSON (${reason}); LINE always posts one JSON object with "events".`, [], {
      cause: error,
    });
  }
}

/** Validate `value`, or throw a `PayloadError` whose path starts at `prefix`. */
function check<T>(schema: z.ZodType<T>, value: unknown, prefix: Array<string | number>): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // Symbols cannot occur in JSON, but zod types paths as PropertyKey.
  const path = [...prefix, ...(issue?.path ?? []).map((key) => (typeof key === 'number' ? key : String(key)))];
  return payloadError(`LINE webhook body is malformed: ${issue?.message ?? 'invalid'}`, path, result.error);
}

function payloadError(message: string, path: Array<string | number>, cause: unknown): never {
  throw new PayloadError(message, path, { cause });
}
