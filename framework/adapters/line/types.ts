/**
 * Zod schemas of the parts of LINE's webhook body the adapter reads
 * (https://developers.line.biz/en/reference/messaging-api/#webhook-event-objects), and the
 * TypeScript shapes of the message objects it sends
 * (https://developers.line.biz/en/reference/messaging-api/#message-objects).
 * Only the fields Kiosk maps are declared; zod keeps the rest out of the validated value and
 * `Update.raw` keeps the original event. Field names follow the Messaging API exactly, so an
 * error path such as `events.0.source.userId` can be looked up in LINE's reference.
 */
import { z } from 'zod';

/** A one-to-one chat (https://developers.line.biz/en/reference/messaging-api/#source-user). */
export const lineUserSourceSchema = z.object({
  type: z.literal('user'),
  userId: z.string().min(1),
});

/** A group chat; `userId` is the member who caused the event, when LINE gives it. */
export const lineGroupSourceSchema = z.object({
  type: z.literal('group'),
  groupId: z.string().min(1),
  userId: z.string().min(1).optional(),
});

/** A multi-person chat ("room"), LINE's older kind of group. */
export const lineRoomSourceSchema = z.object({
  type: z.literal('room'),
  roomId: z.string().min(1),
  userId: z.string().min(1).optional(),
});

/** Where an event comes from (https://developers.line.biz/en/reference/messaging-api/#source-user). */
export const lineSourceSchema = z.discriminatedUnion('type', [lineUserSourceSchema, lineGroupSourceSchema, lineRoomSourceSchema]);

/**
 * The fields every webhook event has (https://developers.line.biz/en/reference/messaging-api/#common-properties).
 * `source` is absent on events about the channel itself (`activated`, `botSuspended`…);
 * `replyToken` only on events that can be replied to.
 */
export const lineEventBaseSchema = z.object({
  type: z.string().min(1),
  /** `standby` when another module channel has control of the chat: the bot must not answer. */
  mode: z.enum(['active', 'standby']),
  /** Milliseconds since the epoch when the event happened. */
  timestamp: z.number(),
  /** A ULID, the same on every redelivery of the event: Kiosk de-duplicates on it. */
  webhookEventId: z.string().min(1),
  deliveryContext: z.object({ isRedelivery: z.boolean() }),
  source: lineSourceSchema.optional(),
  replyToken: z.string().min(1).optional(),
});

/** Where the bytes of an image, video or audio message live. */
export const lineContentProviderSchema = z.object({
  type: z.enum(['line', 'external']),
  originalContentUrl: z.string().optional(),
  previewImageUrl: z.string().optional(),
});

/** Message contents by `message.type` (https://developers.line.biz/en/reference/messaging-api/#message-event). */
export const lineMessageContentSchemas = {
  text: z.object({ id: z.string(), type: z.literal('text'), text: z.string() }),
  image: z.object({ id: z.string(), type: z.literal('image'), contentProvider: lineContentProviderSchema }),
  video: z.object({ id: z.string(), type: z.literal('video'), contentProvider: lineContentProviderSchema }),
  audio: z.object({ id: z.string(), type: z.literal('audio'), contentProvider: lineContentProviderSchema }),
  file: z.object({ id: z.string(), type: z.literal('file'), fileName: z.string(), fileSize: z.number() }),
  location: z.object({
    id: z.string(),
    type: z.literal('location'),
    title: z.string().optional(),
    address: z.string().optional(),
    latitude: z.number(),
    longitude: z.number(),
  }),
  sticker: z.object({ id: z.string(), type: z.literal('sticker'), packageId: z.string(), stickerId: z.string() }),
} as const;

/** A message of a type Kiosk does not model: its id and type are still required. */
export const lineOtherMessageContentSchema = z.object({ id: z.string(), type: z.string() });

/** A message event; `message` is checked by `lineMessageContentSchemas` according to its type. */
export const lineMessageEventSchema = z.object({
  message: z.looseObject({ id: z.string(), type: z.string().min(1) }),
});

/** A postback event: a tap on a postback action (https://developers.line.biz/en/reference/messaging-api/#postback-event). */
export const linePostbackEventSchema = z.object({
  postback: z.object({ data: z.string() }),
});

/**
 * The webhook body (https://developers.line.biz/en/reference/messaging-api/#request-body).
 * `events` is empty when LINE verifies the webhook URL; each event is checked on its own so
 * an error names `events.<index>`.
 */
export const lineWebhookBodySchema = z.object({
  destination: z.string(),
  events: z.array(z.unknown()),
});

/** A LINE event source, as validated. */
export type LineSource = z.infer<typeof lineSourceSchema>;
/** The common fields of a LINE event, as validated. */
export type LineEventBase = z.infer<typeof lineEventBaseSchema>;
/** The content of a LINE message event of a modelled type, as validated. */
export type LineMessageContent = { [K in keyof typeof lineMessageContentSchemas]: z.infer<(typeof lineMessageContentSchemas)[K]> }[keyof typeof lineMessageContentSchemas];

// ---------------------------------------------------------------------------------------------
// What Kiosk sends (https://developers.line.biz/en/reference/messaging-api/#message-objects).

/** An action on a button (https://developers.line.biz/en/reference/messaging-api/#action-objects). */
export type LineAction =
  | { type: 'postback'; label: string; data: string; displayText?: string }
  | { type: 'uri'; label?: string; uri: string };

/** Quick-reply buttons under a message (https://developers.line.biz/en/reference/messaging-api/#quick-reply). */
export interface LineQuickReply {
  items: Array<{ type: 'action'; action: LineAction }>;
}

/** A flex component, as far as Kiosk builds them (https://developers.line.biz/en/reference/messaging-api/#component). */
export type LineFlexComponent =
  | { type: 'box'; layout: 'vertical' | 'horizontal'; contents: LineFlexComponent[]; spacing?: string; action?: LineAction }
  | { type: 'text'; text: string; wrap?: boolean; weight?: 'bold' | 'regular'; size?: string; color?: string }
  | { type: 'image'; url: string; size?: string; aspectMode?: 'cover' | 'fit'; aspectRatio?: string; action?: LineAction }
  | { type: 'button'; action: LineAction; style?: 'link' | 'primary' | 'secondary'; height?: 'sm' | 'md' };

/** A flex bubble (https://developers.line.biz/en/reference/messaging-api/#bubble). */
export interface LineFlexBubble {
  type: 'bubble';
  hero?: LineFlexComponent;
  body?: LineFlexComponent;
  footer?: LineFlexComponent;
}

/** One message of a reply or push request. `quickReply` shows only on the last message. */
export type LineMessage = (
  | { type: 'text'; text: string }
  | { type: 'image'; originalContentUrl: string; previewImageUrl: string }
  | {
      type: 'template';
      altText: string;
      template: { type: 'buttons'; text: string; title?: string; thumbnailImageUrl?: string; actions: LineAction[] };
    }
  | { type: 'flex'; altText: string; contents: LineFlexBubble }
) & { quickReply?: LineQuickReply };

/** What the reply and push endpoints answer (https://developers.line.biz/en/reference/messaging-api/#send-reply-message-response). */
export const lineSentResponseSchema = z.object({
  sentMessages: z.array(z.object({ id: z.string(), quoteToken: z.string().optional() })).optional(),
});

/** LINE's error body (https://developers.line.biz/en/reference/messaging-api/#error-responses). */
export const lineErrorResponseSchema = z.object({
  message: z.string(),
  details: z.array(z.object({ message: z.string().optional(), property: z.string().optional() })).optional(),
  sentMessages: z.array(z.object({ id: z.string() })).optional(),
});

/** LINE's error body, as validated. */
export type LineErrorResponse = z.infer<typeof lineErrorResponseSchema>;
