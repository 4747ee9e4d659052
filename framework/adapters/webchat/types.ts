/**
 * The web chat's own wire format: what Kiosk's web-chat page (or a business's own page)
 * posts to `POST /webhooks/:bot/webchat`, and the names of the headers and Redis keys it
 * uses. Unlike other platforms this format is ours, so it is kept as small as possible.
 */
import { z } from 'zod';

/** The header that carries the visitor's token when `Authorization: Bearer` cannot be used. */
export const WEBCHAT_TOKEN_HEADER = 'x-kiosk-webchat-token';

/** Longest text a visitor may send, as on Telegram. */
export const WEBCHAT_MAX_TEXT = 4096;

/** A button press: the `data` of a button the bot sent earlier. */
const buttonSchema = z.object({
  data: z.string().min(1, 'button data is required').max(256),
  /** The event id (`id:` of the event stream) of the reply that carried the button, if the page knows it. */
  messageId: z
    .string()
    .regex(/^\d{1,20}-\d{1,20}$/, 'must be an event id such as 1700000000000-0')
    .optional(),
});

/** A point the visitor shared through `navigator.geolocation`. */
const locationSchema = z.object({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
});

/**
 * One message from the page. `id` is made up by the page, once per message, and sent again
 * unchanged when the page retries the POST: Kiosk handles a message id once per visitor.
 * Exactly one of `text`, `button`, `location` or `event` is set.
 *
 * @example
 * ```json
 * { "id": "m-1700000000000-1", "text": "/taxi", "locale": "fr" }
 * ```
 */
export const webchatBodySchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1-100 characters of A-Z, a-z, 0-9, _ and -'),
    text: z
      .string()
      .max(WEBCHAT_MAX_TEXT, `must be at most ${WEBCHAT_MAX_TEXT} characters`)
      .refine((text) => text.trim().length > 0, 'must not be blank')
      .optional(),
    button: buttonSchema.optional(),
    location: locationSchema.optional(),
    /** `'open'`: the page was opened, so a bot may greet the visitor. */
    event: z.enum(['open']).optional(),
    /** The language the visitor chose on the page, a BCP 47 tag such as `'fr'` or `'zh-CN'`. */
    locale: z
      .string()
      .regex(/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$/, 'must be a language tag such as fr or zh-CN')
      .optional(),
  })
  .superRefine((body, ctx) => {
    const set = (['text', 'button', 'location', 'event'] as const).filter((key) => body[key] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: set.length > 1 ? [set[1]!] : [],
        message: set.length > 1 ? `send exactly one of text, button, location or event, not ${set.join(' and ')}` : 'send one of text, button, location or event',
      });
    }
  });

/** A validated message from the page. */
export type WebchatBody = z.infer<typeof webchatBodySchema>;

/** The Redis stream that holds a visitor's replies: `<prefix>:webchat:<bot>:<visitor>`. */
export function webchatStreamKey(prefix: string, bot: string, visitor: string): string {
  return `${prefix}:webchat:${bot}:${visitor}`;
}

/** The field of each stream entry that holds the reply as JSON. */
export const WEBCHAT_STREAM_FIELD = 'message';
