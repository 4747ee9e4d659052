/**
 * Numbered choices: where a platform shows a message's buttons as numbered lines ("1. Taxi",
 * "2. Bills": WeChat's passive replies and accounts without menus, WhatsApp past ten buttons,
 * LINE past thirteen), a customer answers by typing the number. Kiosk remembers the buttons of
 * the latest message sent to each chat, and turns a reply that is just one of those numbers
 * into the press of that button, so handlers and flows see a button press on every platform.
 * A later message without buttons forgets them, so a number typed for another question stays text.
 */
import type { Redis } from 'ioredis';
import { isUrlButton, type OutboundMessage } from '../core/outbound';
import type { Conversation, Update } from '../core/update';

const KEEP_SECONDS = 86_400;

function choicesKey(prefix: string, bot: string, platform: string, chat: string): string {
  return `${prefix}:choices:${bot}:${platform}:${chat}`;
}

/** Remember (or forget) the buttons of a message about to be sent to a chat, in their numbered order. */
export async function rememberChoices(redis: Redis, prefix: string, conversation: Conversation, message: OutboundMessage): Promise<void> {
  const key = choicesKey(prefix, conversation.bot, conversation.platform, conversation.chat);
  // Numbers count every button, links included, as `buttonsAsNumberedText` shows them.
  const buttons = (message.buttons ?? []).flat();
  if (!buttons.some((button) => !isUrlButton(button))) {
    await redis.del(key);
    return;
  }
  await redis.set(key, JSON.stringify(buttons.map((button) => (isUrlButton(button) ? null : button.data))), 'EX', KEEP_SECONDS);
}

/**
 * The update as a button press when it is a bare number naming one of the chat's remembered
 * choices; otherwise the update unchanged.
 */
export async function resolveNumberedChoice(redis: Redis, prefix: string, update: Update): Promise<Update> {
  const text = update.kind === 'message' ? update.message?.text : undefined;
  const match = text ? /^\s*(\d{1,2})\s*\.?\s*$/.exec(text) : null;
  if (!match) return update;
  const stored = await redis.get(choicesKey(prefix, update.bot, update.platform, update.chat.id));
  if (!stored) return update;
  const data = (JSON.parse(stored) as Array<string | null>)[Number(match[1]) - 1];
  if (typeof data !== 'string') return update;
  const { message: _message, ...rest } = update;
  return { ...rest, kind: 'button', button: { data } };
}
