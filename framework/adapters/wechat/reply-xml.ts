/**
 * WeChat's passive reply: the answer to a webhook can itself be a message to the customer
 * (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Passive_user_reply_message.html).
 * It can be text or news (articles); images, voice and video need a MediaId uploaded
 * beforehand, so Kiosk's media URLs become lines of text. In safe mode the reply is encrypted
 * and wrapped in an envelope signed like an incoming message
 * (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html).
 */
import { PayloadError } from '../../core/errors';
import { buttonsAsNumberedText, type OutboundMessage } from '../../core/outbound';
import type { Update } from '../../core/update';
import type { WechatCrypto } from './crypto';
import { buildXml, decodeEntities, type XmlBuildRecord } from './xml';

/**
 * Whether `message` can be a passive reply. A platform template (WeChat's template message)
 * can only be sent through the API.
 *
 * @example
 * ```ts
 * canReplyPassively({ text: 'On my way' }); // true
 * canReplyPassively({ template: { id: 'bill-due', fields: {} } }); // false
 * ```
 */
export function canReplyPassively(message: OutboundMessage): boolean {
  return message.template === undefined && (textOf(message) !== '' || message.card !== undefined);
}

/**
 * The passive-reply XML answering `update` with `message`: a `news` message with one article
 * for a card, otherwise `text`, with buttons as numbered lines and HTML reduced to plain text.
 * Throws `PayloadError` for a message that cannot be a passive reply (see {@link canReplyPassively})
 * or an update that did not come from WeChat.
 *
 * @example
 * ```ts
 * passiveReplyXml(update, { text: 'Where to?', buttons: [[{ label: 'Home', data: 'home' }]] }, Date.now());
 * // <xml><ToUserName><![CDATA[oUser…]]></ToUserName>…<Content><![CDATA[Where to?\n1. Home]]></Content></xml>
 * ```
 */
export function passiveReplyXml(update: Update, message: OutboundMessage, now: number): string {
  if (message.template) {
    throw new PayloadError('A WeChat template message cannot be a passive reply; send it through the API.', ['template']);
  }
  const header: XmlBuildRecord = {
    ToUserName: update.from.id,
    FromUserName: accountOf(update),
    CreateTime: Math.floor(now / 1000),
  };
  const text = textOf(message);
  if (message.card) {
    const card = message.card;
    const description = [card.description, text].filter((part): part is string => !!part).join('\n\n');
    return buildXml('xml', {
      ...header,
      MsgType: 'news',
      ArticleCount: 1,
      Articles: { item: [{ Title: card.title, Description: description, PicUrl: card.imageUrl ?? '', Url: card.url ?? '' }] },
    });
  }
  if (text === '') throw new PayloadError('The passive reply is empty: give it text, buttons, media or a card.', ['text']);
  return buildXml('xml', { ...header, MsgType: 'text', Content: text });
}

/**
 * Encrypt a reply for safe mode: `<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`,
 * signed over the token, `timestamp`, `nonce` and the encrypted text.
 *
 * @example
 * ```ts
 * const body = sealReply(passiveReplyXml(update, message, Date.now()), crypto, String(Math.floor(Date.now() / 1000)), nonce);
 * ```
 */
export function sealReply(xml: string, crypto: WechatCrypto, timestamp: string, nonce: string): string {
  const encrypt = crypto.encrypt(xml);
  // WeChat's sample writes TimeStamp bare; a timestamp that is not digits is kept as CDATA so it still round-trips.
  const time = /^\d{1,15}$/.test(timestamp) ? BigInt(timestamp) : timestamp;
  return buildXml('xml', { Encrypt: encrypt, MsgSignature: crypto.signature(timestamp, nonce, encrypt), TimeStamp: time, Nonce: nonce });
}

/**
 * Plain text of HTML as Kiosk's templates write it: line breaks and paragraphs become new
 * lines, other tags are dropped and entities decoded.
 *
 * @example
 * ```ts
 * htmlToPlainText('<b>Fare:</b> 12&nbsp;&euro;<br>Thanks'); // 'Fare: 12 €\nThanks'
 * ```
 */
export function htmlToPlainText(html: string): string {
  const text = html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6]|blockquote|pre)\s*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&euro;/g, '€');
  return decodeEntities(text)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The reply's text: the text (HTML reduced), numbered buttons and media links. */
function textOf(message: OutboundMessage): string {
  const plain = message.format === 'html' && message.text !== undefined ? htmlToPlainText(message.text) : message.text;
  const withButtons = buttonsAsNumberedText({ ...message, ...(plain === undefined ? {} : { text: plain }) });
  const media = (message.media ?? []).map((item) => (item.caption ? `${item.caption}: ${item.url}` : item.url));
  return [withButtons, ...media].filter((line) => line !== '').join('\n');
}

/** The account's original id (`gh_…`), to which the customer wrote: the reply's sender. */
function accountOf(update: Update): string {
  const raw = update.raw;
  const account = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)['ToUserName'] : undefined;
  if (update.platform !== 'wechat' || typeof account !== 'string' || account === '') {
    throw new PayloadError('A WeChat passive reply needs the WeChat update it answers (its raw ToUserName).', ['raw', 'ToUserName']);
  }
  return account;
}
