/**
 * Kiosk `OutboundMessage` → the Cloud API message objects that carry it, without sending
 * anything: text, reply buttons, lists, a call-to-action link, media and templates, each
 * within Meta's limits, degrading to the next simpler form when a limit is passed
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages).
 */
import { DeliveryError } from '../../core/errors';
import { buttonsAsNumberedText, isUrlButton, type CallbackButton, type OutboundMessage, type PlatformTemplate, type UrlButton } from '../../core/outbound';

/** One Cloud API message body, without `messaging_product` and `to`, which the sender adds. */
export interface GraphMessage {
  type: 'text' | 'image' | 'audio' | 'video' | 'document' | 'interactive' | 'template';
  [field: string]: unknown;
}

/** How the adapter is configured to build messages. */
export interface WhatsappMessageOptions {
  /** Template language when the template names none, e.g. `'en_US'`. */
  templateLanguage: string;
  /** Whether template fields are sent by name (`parameter_name`) or by position. */
  templateParameters: 'positional' | 'named';
  /** The label of the button that opens a list, at most 20 characters. */
  listButton: string;
}

/**
 * Meta's limits, in characters
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-reply-buttons-messages,
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-list-messages,
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-cta-url-messages).
 */
export const WHATSAPP_LIMITS = {
  textBody: 4096,
  interactiveBody: 1024,
  caption: 1024,
  replyButtons: 3,
  replyTitle: 20,
  replyId: 256,
  listRows: 10,
  rowTitle: 24,
  rowId: 200,
  listButton: 20,
  ctaDisplayText: 20,
} as const;

/** Length as Meta counts it: in characters, not UTF-16 units (an emoji is one). */
function length(text: string): number {
  return Array.from(text).length;
}

/**
 * The Cloud API messages that carry `message`, in the order to send them. A `template` is
 * sent as the template alone: the delivery layer has already chosen it over the free-form
 * parts because the customer-service window is closed. Otherwise:
 *
 * - text → `text` (with link previews when it holds a link), split at 4,096 characters;
 * - 1–3 callback buttons with titles of at most 20 characters → interactive reply buttons;
 * - up to 10 callback buttons with titles of at most 24 → an interactive list;
 * - more, or longer titles, or no text to show with them → numbered text (`1. Home`);
 * - exactly one url button and nothing else → an interactive call-to-action button;
 *   otherwise url buttons become `label: url` lines of the text;
 * - a card → its title in bold, description, link and text; its picture as the image header
 *   of reply buttons or a call-to-action, or as an image with the text as caption;
 * - media → image/audio/video/document messages by link, the text as the first caption.
 *
 * Throws `DeliveryError` (give up) for an empty message or button data longer than Meta allows.
 *
 * @example
 * ```ts
 * whatsappMessagesOf({ text: 'Where to?', buttons: [[{ label: 'Home', data: 'dest:home' }]] }, options);
 * // → [{ type: 'interactive', interactive: { type: 'button', body: { text: 'Where to?' },
 * //       action: { buttons: [{ type: 'reply', reply: { id: 'dest:home', title: 'Home' } }] } } }]
 * ```
 */
export function whatsappMessagesOf(message: OutboundMessage, options: WhatsappMessageOptions): GraphMessage[] {
  if (message.template) return [templateOf(message.template, options)];

  const buttons = (message.buttons ?? []).flat();
  const callbacks = buttons.filter((b): b is CallbackButton => !isUrlButton(b));
  const urls = buttons.filter(isUrlButton);
  for (const button of callbacks) checkData(button);
  const out: GraphMessage[] = [];
  let body = textOf(message);
  const picture = message.card?.imageUrl;

  const media = message.media ?? [];
  const first = media[0];
  if (first) {
    // The text rides as the first item's caption when it can; with buttons it goes last, with them.
    const asCaption = body !== '' && buttons.length === 0 && first.caption === undefined && first.kind !== 'audio' && length(body) <= WHATSAPP_LIMITS.caption;
    if (body && !asCaption && buttons.length === 0) {
      out.push(...textMessages(body));
      body = '';
    }
    for (const [index, item] of media.entries()) {
      const caption = index === 0 && asCaption ? body : item.caption;
      out.push(mediaMessage(item.kind, item.url, caption));
    }
    if (asCaption) body = '';
    if (buttons.length === 0 && !picture && !body) return out;
  }

  const single = urls[0];
  if (callbacks.length === 0 && urls.length === 1 && single && fitsCta(body, single)) {
    out.push(interactive('cta_url', body, picture, { name: 'cta_url', parameters: { display_text: single.label, url: single.url } }));
    return out;
  }
  const text = [body, ...urls.map((b) => `${b.label}: ${b.url}`)].filter((line) => line !== '').join('\n');

  if (callbacks.length === 0) {
    if (picture) {
      const captioned = length(text) <= WHATSAPP_LIMITS.caption;
      out.push(mediaMessage('image', picture, captioned && text ? text : undefined));
      if (!captioned) out.push(...textMessages(text));
      return out;
    }
    if (!text) {
      throw new DeliveryError('Cannot send an empty message to WhatsApp: give it text, a card, media or a template.', {
        kind: 'give-up',
        reason: 'empty message',
      });
    }
    out.push(...textMessages(text));
    return out;
  }

  const fitsBody = text !== '' && length(text) <= WHATSAPP_LIMITS.interactiveBody;
  const uniqueIds = new Set(callbacks.map((b) => b.data)).size === callbacks.length;
  if (fitsBody && uniqueIds && callbacks.length <= WHATSAPP_LIMITS.replyButtons && callbacks.every((b) => length(b.label) <= WHATSAPP_LIMITS.replyTitle)) {
    const action = { buttons: callbacks.map((b) => ({ type: 'reply', reply: { id: b.data, title: b.label } })) };
    out.push(interactive('button', text, picture, action));
    return out;
  }
  // A list's header can only be text, so a card's picture goes first on its own.
  if (picture) out.push(mediaMessage('image', picture, undefined));
  const listable =
    callbacks.length <= WHATSAPP_LIMITS.listRows &&
    callbacks.every((b) => length(b.label) <= WHATSAPP_LIMITS.rowTitle && length(b.data) <= WHATSAPP_LIMITS.rowId);
  if (fitsBody && uniqueIds && listable) {
    const rows = callbacks.map((b) => ({ id: b.data, title: b.label }));
    out.push(interactive('list', text, undefined, { button: options.listButton, sections: [{ rows }] }));
    return out;
  }
  // More choices than a list holds: the customer answers with a number.
  out.push(...textMessages(buttonsAsNumberedText({ text, buttons: [callbacks] })));
  return out;
}

function checkData(button: CallbackButton): void {
  const size = length(button.data);
  if (size < 1 || size > WHATSAPP_LIMITS.replyId) {
    throw new DeliveryError(
      `Button "${button.label}" has ${size} characters of data; WhatsApp allows 1 to ${WHATSAPP_LIMITS.replyId} (200 in a list): keep an id in data and the rest in the session.`,
      { kind: 'give-up', reason: `button data must be 1-${WHATSAPP_LIMITS.replyId} characters` },
    );
  }
}

function fitsCta(body: string, button: UrlButton): boolean {
  return body !== '' && length(body) <= WHATSAPP_LIMITS.interactiveBody && length(button.label) <= WHATSAPP_LIMITS.ctaDisplayText;
}

function interactive(type: 'button' | 'list' | 'cta_url', body: string, picture: string | undefined, action: unknown): GraphMessage {
  return {
    type: 'interactive',
    interactive: { type, ...(picture ? { header: { type: 'image', image: { link: picture } } } : {}), body: { text: body }, action },
  };
}

function mediaMessage(kind: 'image' | 'audio' | 'video' | 'file', url: string, caption: string | undefined): GraphMessage {
  const type = kind === 'file' ? 'document' : kind;
  // Audio has no caption on WhatsApp; a document's file name is the last part of its URL.
  const object: Record<string, string> = { link: url };
  if (caption !== undefined && type !== 'audio') object.caption = caption;
  if (type === 'document') {
    const name = fileNameOf(url);
    if (name) object.filename = name;
  }
  return { type, [type]: object };
}

function fileNameOf(url: string): string | undefined {
  try {
    const last = new URL(url).pathname.split('/').pop();
    return last ? decodeURIComponent(last) : undefined;
  } catch {
    return undefined;
  }
}

/** Text messages of at most 4,096 characters each, split at a line break where there is one. */
function textMessages(text: string): GraphMessage[] {
  const chars = Array.from(text);
  const parts: string[] = [];
  let start = 0;
  while (chars.length - start > WHATSAPP_LIMITS.textBody) {
    const window = chars.slice(start, start + WHATSAPP_LIMITS.textBody);
    const cut = window.lastIndexOf('\n');
    const end = cut > 0 ? start + cut : start + WHATSAPP_LIMITS.textBody;
    parts.push(chars.slice(start, end).join(''));
    start = cut > 0 ? end + 1 : end;
  }
  parts.push(chars.slice(start).join(''));
  return parts.map((body) => ({ type: 'text', text: /https?:\/\//.test(body) ? { body, preview_url: true } : { body } }));
}

/**
 * A template message (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/send-templates):
 * `name` is the template's id, and the fields fill its body's variables, in order (`{{1}}`,
 * `{{2}}`…) or by name (`{{amount}}`) when `templateParameters` is `'named'`.
 */
function templateOf(template: PlatformTemplate, options: WhatsappMessageOptions): GraphMessage {
  // Meta's language codes use an underscore (`en_US`); BCP 47 tags use a hyphen.
  const code = (template.language ?? options.templateLanguage).replace('-', '_');
  const parameters = Object.entries(template.fields).map(([name, field]) => {
    const text = typeof field === 'string' ? field : field.value;
    return options.templateParameters === 'named' ? { type: 'text', parameter_name: name, text } : { type: 'text', text };
  });
  return {
    type: 'template',
    template: { name: template.id, language: { code }, ...(parameters.length ? { components: [{ type: 'body', parameters }] } : {}) },
  };
}

/** The message's text in WhatsApp's formatting: a card's title in bold, HTML converted. */
function textOf(message: OutboundMessage): string {
  const lines: string[] = [];
  if (message.card) {
    const { title, description, url } = message.card;
    lines.push(`*${title}*`);
    if (description) lines.push(description);
    if (url) lines.push(url);
  }
  if (message.text) lines.push(message.format === 'html' ? htmlToWhatsapp(message.text) : message.text);
  return lines.join('\n');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", nbsp: '\u00a0' };

/**
 * Telegram-style HTML → WhatsApp's own markup (https://faq.whatsapp.com/539178204879377):
 * bold `*x*`, italic `_x_`, strikethrough `~x~`, code in backticks, links as `text (url)`;
 * other tags are dropped and entities decoded.
 *
 * @example
 * ```ts
 * htmlToWhatsapp('<b>Paid</b> &amp; <a href="https://example.com/b/1">receipt</a>'); // '*Paid* & receipt (https://example.com/b/1)'
 * ```
 */
export function htmlToWhatsapp(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<a\s[^>]*href\s*=\s*"([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_all, href: string, text: string) => {
      const label = text.replace(/<[^>]*>/g, '');
      return label && label !== href ? `${label} (${href})` : href;
    })
    .replace(/<\/?(b|strong)>/gi, '*')
    .replace(/<\/?(i|em)>/gi, '_')
    .replace(/<\/?(s|strike|del)>/gi, '~')
    .replace(/<\/?pre>/gi, '```')
    .replace(/<\/?code>/gi, '`')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#39|#x27|[a-z]+);/gi, (entity, name: string) => ENTITIES[name.toLowerCase()] ?? (name.toLowerCase() === '#x27' ? "'" : entity));
}
