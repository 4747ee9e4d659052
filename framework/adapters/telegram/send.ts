/**
 * Kiosk `OutboundMessage` → Telegram Bot API calls, through telegraf's `Telegram` client, and
 * the classification of the API's errors into delivery outcomes.
 */
import type { Telegram } from 'telegraf';
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'telegraf/types';
import { z } from 'zod';
import type { SentMessage } from '../../core/context';
import { DeliveryError, type DeliveryOutcome } from '../../core/errors';
import { isUrlButton, type Button, type OutboundMessage } from '../../core/outbound';
import type { Conversation, Update } from '../../core/update';
import { isTransientNetworkError } from '../transient';

/** What the Bot API returns for every sendXxx method, as far as Kiosk reads it. */
interface SentTelegramMessage {
  message_id: number;
}

/** Optional fields every sendXxx call shares. */
interface SendExtra {
  parse_mode?: 'HTML';
  reply_markup?: InlineKeyboardMarkup;
}

/**
 * Send one Kiosk message to a Telegram chat. Text becomes `sendMessage` (`parse_mode: 'HTML'`
 * when `format` is `'html'`), buttons an inline keyboard, a card a photo with an HTML caption
 * (or an HTML text without a picture), media `sendPhoto`/`sendDocument`/`sendAudio`/`sendVideo`,
 * and a platform template, which Telegram does not have, one line per field.
 *
 * A message with several media items is several Telegram messages; the id returned is the
 * last one's. A failure throws `DeliveryError` with the outcome of `classifyTelegramError`.
 *
 * @example
 * ```ts
 * await sendTelegram(telegram, conversation, { text: 'Where to?', buttons: [[{ label: 'Home', data: 'home' }]] });
 * ```
 */
export async function sendTelegram(telegram: Telegram, conversation: Conversation, message: OutboundMessage): Promise<SentMessage> {
  const chat = conversation.chat;
  const keyboard = keyboardOf(message.buttons, chat);
  const extra: SendExtra = keyboard ? { reply_markup: keyboard } : {};
  const body = textOf(message);

  if (message.card) {
    const { card } = message;
    const title = card.url ? `<a href="${escapeHtml(card.url)}"><b>${escapeHtml(card.title)}</b></a>` : `<b>${escapeHtml(card.title)}</b>`;
    const parts = [title];
    if (card.description) parts.push(escapeHtml(card.description));
    if (body) parts.push(body.html ? body.text : escapeHtml(body.text));
    const html = parts.join('\n');
    const options: SendExtra = { ...extra, parse_mode: 'HTML' };
    const imageUrl = card.imageUrl;
    const sent = imageUrl
      ? await call('sendPhoto', chat, () => telegram.sendPhoto(chat, imageUrl, { ...options, caption: html }))
      : await call('sendMessage', chat, () => telegram.sendMessage(chat, html, options));
    return idOf(sent);
  }

  const media = message.media ?? [];
  const first = media[0];
  if (first) {
    // The text rides as the first item's caption when that item has none of its own.
    const textAsCaption = body !== undefined && first.caption === undefined;
    let last: SentTelegramMessage = { message_id: 0 }; // overwritten: the loop below runs at least once
    if (body && !textAsCaption) last = await call('sendMessage', chat, () => telegram.sendMessage(chat, body.text, formatOf(body)));
    for (const [index, item] of media.entries()) {
      const options: SendExtra & { caption?: string } = index === media.length - 1 ? { ...extra } : {};
      if (index === 0 && textAsCaption && body) Object.assign(options, formatOf(body), { caption: body.text });
      else if (item.caption !== undefined) options.caption = item.caption;
      last = await sendMedia(telegram, chat, item.kind, item.url, options);
    }
    return idOf(last);
  }

  if (!body) {
    throw new DeliveryError(
      'Cannot send an empty message to Telegram: give it text, a card, media or a template.',
      { kind: 'give-up', reason: 'empty message' },
    );
  }
  return idOf(await call('sendMessage', chat, () => telegram.sendMessage(chat, body.text, { ...extra, ...formatOf(body) })));
}

/**
 * Acknowledge a button press (Telegram's `answerCallbackQuery`), which stops the spinner on
 * the customer's button; `text` shows as a short notice. Does nothing for updates without a press id.
 */
export async function answerTelegramButton(telegram: Telegram, update: Update, text?: string): Promise<void> {
  const id = update.button?.id;
  if (!id) return;
  await call('answerCallbackQuery', update.chat.id, () => telegram.answerCbQuery(id, text));
}


/** The part of telegraf's `TelegramError.response` Kiosk reads; duck-typed so a second copy of telegraf still matches. */
const telegramErrorShape = z.object({
  response: z.object({
    error_code: z.number(),
    description: z.string().optional(),
    parameters: z.object({ retry_after: z.number().optional(), migrate_to_chat_id: z.number().optional() }).optional(),
  }),
});

/**
 * How to treat an error from the Bot API: 429 → retry after Telegram's `retry_after`;
 * 5xx, refused or reset connections and timeouts → retry with backoff; 401 (bad token),
 * 403 (the customer blocked the bot), 400 (chat not found, bad markup…) and other 4xx → give up.
 * Errors it does not recognise are given up too: retrying a bug only repeats it.
 *
 * @example
 * ```ts
 * classifyTelegramError(new TelegramError({ error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } }));
 * // → { kind: 'retry-after', seconds: 3 }
 * ```
 */
export function classifyTelegramError(error: unknown): DeliveryOutcome {
  if (error instanceof DeliveryError) return error.outcome;
  const api = telegramErrorShape.safeParse(error);
  if (api.success) {
    const { error_code: code, description = '', parameters } = api.data.response;
    if (code === 429) {
      // `parameters.retry_after` is authoritative; the description repeats it ("retry after 5").
      const fromText = /retry after (\d+)/i.exec(description)?.[1];
      const seconds = parameters?.retry_after ?? (fromText ? Number(fromText) : 1);
      return { kind: 'retry-after', seconds: Math.max(1, seconds) };
    }
    if (code >= 500) return { kind: 'retry' };
    if (code === 401) return { kind: 'give-up', reason: 'Telegram refused the bot token (401 Unauthorized); check settings.token' };
    if (parameters?.migrate_to_chat_id !== undefined) {
      return { kind: 'give-up', reason: `${description}: the group is now chat ${parameters.migrate_to_chat_id}` };
    }
    return { kind: 'give-up', reason: description || `Telegram error ${code}` };
  }
  if (isTransientNetworkError(error)) return { kind: 'retry' };
  return { kind: 'give-up', reason: `unexpected error: ${error instanceof Error ? error.message : String(error)}` };
}


async function call<T>(method: string, chat: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const outcome = classifyTelegramError(error);
    const api = telegramErrorShape.safeParse(error);
    const what = error instanceof Error ? error.message : String(error);
    const advice = outcome.kind === 'retry-after' ? `retry after ${outcome.seconds} s` : outcome.kind === 'retry' ? 'retry later' : 'not retrying';
    throw new DeliveryError(`Telegram ${method} to chat ${chat} failed: ${what} (${advice}).`, outcome, {
      cause: error,
      ...(api.success ? { status: api.data.response.error_code } : {}),
    });
  }
}

function sendMedia(
  telegram: Telegram,
  chat: string,
  kind: 'image' | 'audio' | 'video' | 'file',
  url: string,
  options: SendExtra & { caption?: string },
): Promise<SentTelegramMessage> {
  // A URL string makes Telegram fetch the file itself; Kiosk never proxies the bytes.
  switch (kind) {
    case 'image':
      return call('sendPhoto', chat, () => telegram.sendPhoto(chat, url, options));
    case 'audio':
      return call('sendAudio', chat, () => telegram.sendAudio(chat, url, options));
    case 'video':
      return call('sendVideo', chat, () => telegram.sendVideo(chat, url, options));
    case 'file':
      return call('sendDocument', chat, () => telegram.sendDocument(chat, url, options));
  }
}

/** The message's text, with a platform template degraded to one line per field. */
function textOf(message: OutboundMessage): { text: string; html: boolean } | undefined {
  const html = message.format === 'html';
  const lines: string[] = message.text ? [message.text] : [];
  if (message.template) {
    const { fields, url } = message.template;
    const extra = Object.entries(fields).map(([name, field]) => `${name}: ${typeof field === 'string' ? field : field.value}`);
    if (url) extra.push(url);
    lines.push(...extra.map((line) => (html ? escapeHtml(line) : line)));
  }
  return lines.length > 0 ? { text: lines.join('\n'), html } : undefined;
}

function formatOf(body: { html: boolean }): SendExtra {
  return body.html ? { parse_mode: 'HTML' } : {};
}

function keyboardOf(rows: Button[][] | undefined, chat: string): InlineKeyboardMarkup | undefined {
  if (!rows || rows.length === 0) return undefined;
  const inline_keyboard = rows.map((row) => row.map((button): InlineKeyboardButton => {
    if (isUrlButton(button)) return { text: button.label, url: button.url };
    // Telegram refuses callback_data outside 1–64 bytes with an opaque BUTTON_DATA_INVALID.
    const size = Buffer.byteLength(button.data, 'utf8');
    if (size < 1 || size > 64) {
      throw new DeliveryError(
        `Button "${button.label}" for Telegram chat ${chat} has ${size} bytes of data; Telegram allows 1 to 64: keep an id in data and the rest in the session.`,
        { kind: 'give-up', reason: 'button data must be 1-64 bytes' },
      );
    }
    return { text: button.label, callback_data: button.data };
  }));
  return { inline_keyboard };
}

function idOf(sent: SentTelegramMessage): SentMessage {
  return { messageId: String(sent.message_id) };
}

/** Escape text for Telegram's HTML parse mode (https://core.telegram.org/bots/api#html-style). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
