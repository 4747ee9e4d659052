/**
 * Web-chat webhook body → one Kiosk `Update`. The body is one message from the page (see
 * `webchatBodySchema`); the visitor comes from the token, never from the body, so a page
 * cannot write in another visitor's name.
 */
import { PayloadError } from '../../core/errors';
import { parseCommand, type Update } from '../../core/update';
import type { WebhookRequest } from '../adapter';
import { webchatBodySchema, type WebchatBody } from './types';
import { verifyWebchat, type WebchatVerifyOptions } from './verify';

/** What the parser needs to know besides the body: the bot and its token secret. */
export type WebchatParseOptions = WebchatVerifyOptions;

/**
 * Parse a verified web-chat request into one `Update` whose id is `<visitor>-<message id>`,
 * so a POST the page retries is de-duplicated by the inbound queue. Throws `PayloadError`
 * naming the field for a body that is not JSON or does not fit the schema, and
 * `SignatureError` if the token does not verify (parse reads the visitor from it again
 * rather than trusting that `verify` was called).
 *
 * @example
 * ```ts
 * const [update] = parseWebchat(request, { bot: 'taxi', secret: settings.secret });
 * update.message?.command; // { name: 'taxi', payload: '' } for { "id": "m1", "text": "/taxi" }
 * ```
 */
export function parseWebchat(request: WebhookRequest, options: WebchatParseOptions): Update[] {
  const visitor = verifyWebchat(request, options);
  const raw = parseJson(request.rawBody);
  const result = webchatBodySchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new PayloadError(`Invalid web-chat message: ${issue.message}`, issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key)), {
      cause: result.error,
    });
  }
  return [toUpdate(result.data, visitor, options.bot, options.now ?? Date.now(), raw)];
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new PayloadError('Web-chat body is not JSON: send Content-Type: application/json with one message object.', [], { cause: error });
  }
}

function toUpdate(body: WebchatBody, visitor: string, bot: string, now: number, raw: unknown): Update {
  const update: Update = {
    id: `${visitor}-${body.id}`,
    platform: 'webchat',
    bot,
    chat: { id: visitor, type: 'private' },
    from: body.locale ? { id: visitor, locale: body.locale } : { id: visitor },
    kind: 'message',
    receivedAt: now,
    raw,
  };
  if (body.button) {
    update.kind = 'button';
    update.button = body.button.messageId ? { data: body.button.data, id: body.id, messageId: body.button.messageId } : { data: body.button.data, id: body.id };
  } else if (body.event) {
    update.kind = 'event';
    update.event = { type: body.event };
  } else if (body.location) {
    update.message = { id: body.id, location: { latitude: body.location.latitude, longitude: body.location.longitude } };
  } else {
    const text = body.text ?? '';
    const command = parseCommand(text);
    update.message = command ? { id: body.id, text, command } : { id: body.id, text };
  }
  return update;
}
