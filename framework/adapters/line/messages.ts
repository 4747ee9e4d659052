/**
 * Kiosk `OutboundMessage` → LINE message objects
 * (https://developers.line.biz/en/reference/messaging-api/#message-objects), degrading what
 * LINE cannot show:
 *
 * - callback buttons → quick-reply buttons with postback actions under the last message (at
 *   most 13, labels of at most 20 characters); more, or longer labels → numbered text;
 * - url buttons → a buttons template (at most 4, text of at most 160 characters), or the
 *   card's footer, or otherwise links in the text;
 * - a card → a flex bubble: hero image, bold title, description and text, tapping opens `url`;
 * - media: images → image messages; audio, video and files → links (LINE needs a duration or
 *   a preview picture Kiosk does not have, and has no file message);
 * - a platform `template` → its fields as text, one line each: LINE has no pre-approved
 *   templates for the Messaging API;
 * - `format: 'html'` → plain text, since LINE shows no markup.
 */
import { DeliveryError } from '../../core/errors';
import { buttonsAsNumberedText, isUrlButton, type CallbackButton, type OutboundMessage, type UrlButton } from '../../core/outbound';
import type { LineAction, LineFlexBubble, LineFlexComponent, LineMessage } from './types';

/** LINE's limits on what Kiosk sends (https://developers.line.biz/en/reference/messaging-api/#message-objects). */
export const LINE_LIMITS = {
  /** Messages per reply or push request. */
  messagesPerRequest: 5,
  /** Characters of a text message. */
  text: 5000,
  /** Quick-reply buttons under one message. */
  quickReplyItems: 13,
  /** Characters of a quick-reply or template button label. */
  label: 20,
  /** Characters of a flex button label. */
  flexLabel: 40,
  /** Characters of a postback action's data. */
  postbackData: 300,
  /** Actions of a buttons template. */
  templateActions: 4,
  /** Characters of a buttons template's text without a title or picture. */
  templateText: 160,
  /** Characters of alternative text Kiosk writes (shown in notifications and chat lists). */
  altText: 400,
} as const;

/**
 * The LINE messages for one Kiosk message, in order; quick replies ride on the last one. May
 * be more than five: `send.ts` splits them into requests. Throws `DeliveryError` (give up)
 * for an empty message or postback data LINE would refuse.
 *
 * @example
 * ```ts
 * toLineMessages({ text: 'Where to?', buttons: [[{ label: 'Home', data: 'dest:home' }]] }, 'U4af…');
 * // → [{ type: 'text', text: 'Where to?', quickReply: { items: [{ type: 'action', action: { type: 'postback', label: 'Home', data: 'dest:home', displayText: 'Home' } }] } }]
 * ```
 */
export function toLineMessages(message: OutboundMessage, chat: string): LineMessage[] {
  const buttons = (message.buttons ?? []).flat();
  const callbacks = buttons.filter((b): b is CallbackButton => !isUrlButton(b));
  const urls = buttons.filter(isUrlButton);
  const quickReplyFits = callbacks.length <= LINE_LIMITS.quickReplyItems && callbacks.every((b) => b.label.length <= LINE_LIMITS.label);
  let text = textOf(message);
  const out: LineMessage[] = [];

  if (!quickReplyFits || (text === undefined && !message.card && !message.media?.length && buttons.length > 0)) {
    // Numbered text carries every button, links included; the customer answers with the number.
    if (message.card) out.push(cardMessage(message.card, undefined, []));
    out.push(...textMessages(buttonsAsNumberedText({ text: text ?? '', buttons: [buttons] })));
    out.push(...mediaMessages(message));
    return nonEmpty(out);
  }

  let pendingUrls = urls;
  if (message.card) {
    const footer = pendingUrls.length > 0 && pendingUrls.every((b) => b.label.length <= LINE_LIMITS.flexLabel) ? pendingUrls : [];
    out.push(cardMessage(message.card, text, footer));
    if (footer.length > 0) pendingUrls = [];
    text = undefined;
  }
  if (text !== undefined) {
    const template = pendingUrls.length > 0 ? buttonsTemplate(text, pendingUrls) : undefined;
    if (template) out.push(template);
    else out.push(...textMessages(withLinks(text, pendingUrls)));
    pendingUrls = [];
  }
  out.push(...mediaMessages(message));
  if (pendingUrls.length > 0) out.push(...textMessages(withLinks('', pendingUrls)));
  if (callbacks.length > 0) {
    const last = out[out.length - 1];
    if (last) last.quickReply = { items: callbacks.map((b) => ({ type: 'action', action: postback(b, chat) })) };
  }
  return nonEmpty(out);
}

function nonEmpty(messages: LineMessage[]): LineMessage[] {
  if (messages.length === 0) {
    throw new DeliveryError('Cannot send an empty message to LINE: give it text, buttons, a card, media or a template.', {
      kind: 'give-up',
      reason: 'empty message',
    });
  }
  return messages;
}

function postback(button: CallbackButton, chat: string): LineAction {
  if (button.data.length < 1 || button.data.length > LINE_LIMITS.postbackData) {
    throw new DeliveryError(
      `Button "${button.label}" for LINE chat ${chat} has ${button.data.length} characters of data; LINE allows 1 to ${LINE_LIMITS.postbackData}: keep an id in data and the rest in the session.`,
      { kind: 'give-up', reason: `button data must be 1-${LINE_LIMITS.postbackData} characters` },
    );
  }
  // displayText shows the customer's choice in the chat, as if they had typed it.
  return { type: 'postback', label: button.label, data: button.data, displayText: button.label };
}

/** The message's text, HTML made plain, with a platform template's fields one per line. */
function textOf(message: OutboundMessage): string | undefined {
  const lines: string[] = [];
  if (message.text) lines.push(message.format === 'html' ? htmlToText(message.text) : message.text);
  if (message.template) {
    const { fields, url } = message.template;
    lines.push(...Object.entries(fields).map(([name, field]) => `${name}: ${typeof field === 'string' ? field : field.value}`));
    if (url) lines.push(url);
  }
  const text = lines.join('\n');
  return text.length > 0 ? text : undefined;
}

/** Text messages of at most 5000 characters each, split on character boundaries. */
function textMessages(text: string): LineMessage[] {
  if (text.length === 0) return [];
  const chunks: string[] = [];
  let chunk = '';
  for (const char of text) {
    if (chunk.length + char.length > LINE_LIMITS.text) {
      chunks.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  chunks.push(chunk);
  return chunks.map((part) => ({ type: 'text', text: part }));
}

function withLinks(text: string, urls: readonly UrlButton[]): string {
  return [text, ...urls.map((b) => `${b.label}: ${b.url}`)].filter((line) => line.length > 0).join('\n');
}

function buttonsTemplate(text: string, urls: readonly UrlButton[]): LineMessage | undefined {
  const fits =
    text.length <= LINE_LIMITS.templateText && urls.length <= LINE_LIMITS.templateActions && urls.every((b) => b.label.length <= LINE_LIMITS.label);
  if (!fits) return undefined;
  return {
    type: 'template',
    altText: altText(withLinks(text, urls)),
    template: { type: 'buttons', text, actions: urls.map((b) => ({ type: 'uri', label: b.label, uri: b.url })) },
  };
}

function cardMessage(card: NonNullable<OutboundMessage['card']>, text: string | undefined, footer: readonly UrlButton[]): LineMessage {
  const open: LineAction | undefined = card.url ? { type: 'uri', uri: card.url } : undefined;
  const contents: LineFlexComponent[] = [{ type: 'text', text: card.title, weight: 'bold', size: 'lg', wrap: true }];
  if (card.description) contents.push({ type: 'text', text: card.description, wrap: true });
  if (text) contents.push({ type: 'text', text, wrap: true, size: 'sm', color: '#666666' });
  const bubble: LineFlexBubble = { type: 'bubble', body: { type: 'box', layout: 'vertical', spacing: 'md', contents, ...(open ? { action: open } : {}) } };
  if (card.imageUrl) {
    bubble.hero = { type: 'image', url: card.imageUrl, size: 'full', aspectMode: 'cover', aspectRatio: '20:13', ...(open ? { action: open } : {}) };
  }
  if (footer.length > 0) {
    bubble.footer = {
      type: 'box',
      layout: 'vertical',
      spacing: 'sm',
      contents: footer.map((b) => ({ type: 'button', style: 'link', height: 'sm', action: { type: 'uri', label: b.label, uri: b.url } })),
    };
  }
  const alt = [card.title, card.description, text].filter((part) => part).join('\n');
  return { type: 'flex', altText: altText(alt), contents: bubble };
}

function mediaMessages(message: OutboundMessage): LineMessage[] {
  return (message.media ?? []).flatMap((item): LineMessage[] => {
    if (item.kind === 'image') {
      const image: LineMessage = { type: 'image', originalContentUrl: item.url, previewImageUrl: item.url };
      return item.caption ? [{ type: 'text', text: item.caption }, image] : [image];
    }
    return textMessages(item.caption ? `${item.caption}: ${item.url}` : item.url);
  });
}

function altText(text: string): string {
  const chars = [...text];
  return chars.length <= LINE_LIMITS.altText ? text : `${chars.slice(0, LINE_LIMITS.altText - 1).join('')}…`;
}

/** Plain text from the small HTML Kiosk's templates write: links keep their address, tags go, entities are decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<a\s[^>]*href\s*=\s*"([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_all, href: string, label: string) => `${label} (${href})`)
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
