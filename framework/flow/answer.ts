/**
 * What counts as an answer to a step: the kinds a step may expect, and how each is taken
 * out of an update before the step's schema sees it.
 */
import type { Location, Media, Update } from '../core/update';

/** The kinds of answer a step may expect. */
export type AnswerKind = 'text' | 'location' | 'button' | 'media';

/**
 * What a step's schema receives for each kind: the text, the shared location, the pressed
 * button's data, or the attached media.
 */
export interface AnswerValues {
  text: string;
  location: Location;
  button: string;
  media: Media[];
}

/** One answer taken out of an update. */
export type Answer = { [K in AnswerKind]: { kind: K; value: AnswerValues[K] } }[AnswerKind];

/**
 * The answer an update carries, or `undefined` when it is not one (a command, an event, an
 * edited message): those pass on to the bot's other handlers.
 */
export function answerOf(update: Update): Answer | undefined {
  if (update.kind === 'button' && update.button) return { kind: 'button', value: update.button.data };
  if (update.kind !== 'message' || !update.message || update.message.edited || update.message.command) return undefined;
  const { message } = update;
  if (message.location) return { kind: 'location', value: message.location };
  if (message.media?.length) return { kind: 'media', value: message.media };
  if (message.text !== undefined) return { kind: 'text', value: message.text };
  return undefined;
}
