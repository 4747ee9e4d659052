/**
 * The platform-neutral shape of one message from a bot to a customer. Each adapter maps it
 * to its platform's native form and degrades what the platform cannot show (no buttons →
 * numbered text). Plain data, so it can wait in a delivery queue.
 */

/** A button that sends `data` back to the bot when pressed. */
export interface CallbackButton {
  label: string;
  data: string;
}

/** A button that opens a link. */
export interface UrlButton {
  label: string;
  url: string;
}

/** One button of either kind. */
export type Button = CallbackButton | UrlButton;

/** A small card: a title, a description, an optional picture and link. */
export interface Card {
  title: string;
  description?: string;
  imageUrl?: string;
  url?: string;
}

/** A platform's pre-approved template message (a WeChat template message, a WhatsApp template). */
export interface PlatformTemplate {
  /** The platform's template id or name. */
  id: string;
  language?: string;
  /** Values of the template's fields, by field name. */
  fields: Record<string, string | { value: string; color?: string }>;
  /** Where tapping the message leads, on platforms that support it. */
  url?: string;
}

/** What a bot sends: text and/or buttons, a card, media or a platform template. */
export interface OutboundMessage {
  text?: string;
  /** How `text` is formatted. Adapters escape or convert accordingly. @defaultValue `'plain'` */
  format?: 'plain' | 'html';
  /** Rows of buttons. */
  buttons?: Button[][];
  card?: Card;
  media?: Array<{ kind: 'image' | 'audio' | 'video' | 'file'; url: string; caption?: string }>;
  template?: PlatformTemplate;
}

/** Whether a button opens a link rather than calling the bot back. */
export function isUrlButton(button: Button): button is UrlButton {
  return 'url' in button;
}

/** Turn `reply('text', { buttons })` arguments into an `OutboundMessage`. */
export function toOutbound(content: string | OutboundMessage, extra?: Omit<OutboundMessage, 'text'>): OutboundMessage {
  const base: OutboundMessage = typeof content === 'string' ? { text: content } : { ...content };
  return extra ? { ...base, ...extra } : base;
}

/**
 * Plain-text fallback for platforms without buttons: the text, then one numbered line per
 * button, e.g. `1. Order a taxi`. A customer answers with the number.
 */
export function buttonsAsNumberedText(message: OutboundMessage): string {
  const buttons = (message.buttons ?? []).flat();
  const lines = buttons.map((b, i) => (isUrlButton(b) ? `${i + 1}. ${b.label}: ${b.url}` : `${i + 1}. ${b.label}`));
  return [message.text ?? '', ...lines].filter((line) => line.length > 0).join('\n');
}
