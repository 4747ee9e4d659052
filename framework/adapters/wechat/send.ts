/**
 * Kiosk `OutboundMessage` → WeChat customer-service messages (客服消息) and template messages
 * (模板消息), and the classification of WeChat's error codes into delivery outcomes.
 *
 * Every Kiosk message becomes exactly ONE WeChat message: customer-service messages are rationed
 * (5 in the 48 h after a customer writes, 3 in the minute after a menu click or a follow,
 * https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage), so
 * splitting a card and its buttons into two messages would spend the budget twice.
 *
 * How each part maps:
 * - text → `text`; `format: 'html'` is reduced to what WeChat text shows: `<a href>` links are
 *   kept (WeChat renders them), every other tag is removed and entities decoded;
 * - callback buttons → `msgmenu` (menu message): the text becomes `head_content` and each
 *   button one `{ id: data, content: label }` item; when `msgMenu` is off (test accounts and
 *   unverified accounts are refused with 40200) or a button's data is not a usable id, the
 *   buttons become numbered lines (`buttonsAsNumberedText`);
 * - url buttons → `<a href>` links in the text;
 * - a card with a link and no buttons → `news` with one article (WeChat's documented limit
 *   since 2018; more articles are refused with 45008); a card with buttons or without a link →
 *   its title (as a link) and description as text lines, so the buttons can follow;
 * - media → a link per item in the text: uploading media to get a `media_id` is not done here;
 * - `template` set → a template message (`/cgi-bin/message/template/send`) instead: the
 *   delivery layer decides when a template is needed (window closed), `send` follows the message.
 */
import type { SentMessage } from '../../core/context';
import { DeliveryError, type DeliveryOutcome } from '../../core/errors';
import { buttonsAsNumberedText, isUrlButton, type CallbackButton, type OutboundMessage, type PlatformTemplate } from '../../core/outbound';
import type { Conversation } from '../../core/update';
import { TOKEN_ERRCODES, WechatApiError, WechatHttpError, type WechatApi, type WechatAnswer } from './api';
import { isTransientNetworkError } from '../transient';

/** Options of `sendWechat`. */
export interface WechatSendOptions {
  /**
   * Send callback buttons as a `msgmenu` menu message. WeChat allows menu messages only on
   * verified service accounts (others get errcode 40200 "invalid account type"); set `false`
   * to send numbered text instead. @defaultValue `true`
   */
  msgMenu?: boolean;
}

/** The body of a customer-service message, without `touser`. */
export type WechatCustomMessage =
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'news'; news: { articles: Array<{ title: string; description?: string; url: string; picurl?: string }> } }
  | { msgtype: 'msgmenu'; msgmenu: { head_content: string; list: Array<{ id: string; content: string }>; tail_content?: string } };

/** The body of a template message. */
export interface WechatTemplateMessage {
  touser: string;
  template_id: string;
  url?: string;
  data: Record<string, { value: string; color?: string }>;
}

/**
 * Which button data can serve as a msgmenu item id. The Official Account docs give no format;
 * the id comes back in the click's `bizmsgmenuid` after travelling through the client's
 * `weixin://bizmsgmenu?msgmenucontent=…&msgmenuid=…` link, and the same menu messages in WeCom's
 * customer service allow ids of 1–128 bytes (https://developer.work.weixin.qq.com/document/path/94677).
 * So: up to 128 characters that need no escaping in that link. Anything else degrades to numbered text.
 */
const MSGMENU_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Send one Kiosk message to a WeChat customer (`conversation.chat` is the customer's OpenID).
 * Resolves with the template message's `msgid` as `messageId`; customer-service messages have
 * no id. A failure throws `DeliveryError` with the outcome of `classifyWechatError`.
 *
 * @example
 * ```ts
 * await sendWechat(api, conversation, { text: 'Where to?', buttons: [[{ label: 'Home', data: 'dest:home' }]] });
 * // → POST /cgi-bin/message/custom/send { touser, msgtype: 'msgmenu', msgmenu: { head_content: 'Where to?', list: [{ id: 'dest:home', content: 'Home' }] } }
 * ```
 */
export async function sendWechat(
  api: WechatApi,
  conversation: Conversation,
  message: OutboundMessage,
  options: WechatSendOptions = {},
): Promise<SentMessage> {
  const openid = conversation.chat;
  if (message.template) {
    const answer = await call(api, '/cgi-bin/message/template/send', templateMessageOf(openid, message.template), openid);
    const msgid = answer.msgid;
    return typeof msgid === 'number' || typeof msgid === 'string' ? { messageId: String(msgid) } : {};
  }
  await call(api, '/cgi-bin/message/custom/send', { touser: openid, ...wechatCustomMessage(message, options) }, openid);
  return {};
}

/**
 * The customer-service message for a Kiosk message (see the file's comment for the mapping).
 * Throws `DeliveryError` (give up) for a message with nothing to show.
 */
export function wechatCustomMessage(message: OutboundMessage, options: WechatSendOptions = {}): WechatCustomMessage {
  const text = textOf(message);
  const buttons = (message.buttons ?? []).flat();
  const callbacks = buttons.filter((b): b is CallbackButton => !isUrlButton(b));
  const links = buttons.flatMap((b) => (isUrlButton(b) ? [link(b.url, b.label)] : []));
  const { card } = message;

  if (card?.url && buttons.length === 0) {
    const description = [card.description, text && linksAsPlainText(text)].filter((part): part is string => !!part).join('\n');
    const article = { title: card.title, url: card.url, ...(description ? { description } : {}), ...(card.imageUrl ? { picurl: card.imageUrl } : {}) };
    return { msgtype: 'news', news: { articles: [article] } };
  }

  const lines: string[] = [];
  if (card) {
    lines.push(card.url ? link(card.url, card.title) : card.title);
    if (card.description) lines.push(card.description);
  }
  if (text) lines.push(text);

  if (callbacks.length > 0) {
    if (options.msgMenu !== false && callbacks.every((b) => MSGMENU_ID.test(b.data))) {
      return {
        msgtype: 'msgmenu',
        msgmenu: { head_content: [...lines, ...links].join('\n'), list: callbacks.map((b) => ({ id: b.data, content: b.label })) },
      };
    }
    return { msgtype: 'text', text: { content: buttonsAsNumberedText({ text: lines.join('\n'), buttons: message.buttons ?? [] }) } };
  }

  const content = [...lines, ...links].join('\n');
  if (!content) {
    throw new DeliveryError('Cannot send an empty message to WeChat: give it text, a card, media, buttons or a template.', {
      kind: 'give-up',
      reason: 'empty message',
    });
  }
  return { msgtype: 'text', text: { content } };
}

/** The template message for a Kiosk platform template: fields become `data` entries with their colours. */
export function templateMessageOf(openid: string, template: PlatformTemplate): WechatTemplateMessage {
  const data: WechatTemplateMessage['data'] = {};
  for (const [name, field] of Object.entries(template.fields)) {
    // WeChat stopped rendering custom colours in 2023 but still accepts the field; it is sent as given.
    data[name] = typeof field === 'string' ? { value: field } : field.color ? { value: field.value, color: field.color } : { value: field.value };
  }
  return { touser: openid, template_id: template.id, ...(template.url ? { url: template.url } : {}), data };
}

/**
 * How to treat an error from the WeChat API, by errcode
 * (https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html):
 * - -1 (system busy) → retry; 45009 (API call quota reached) and 45011 (API minute quota) →
 *   retry after 60 s;
 * - 45015 (reply time limit exceeded: the 48-hour window closed) and 45047 (customer-service
 *   message quota used up) → give up with a reason starting `window-closed:`, which tells the
 *   delivery layer to fall back to a template message;
 * - 40003 (invalid OpenID), 43004 (the customer unfollowed), 43019 (the customer is
 *   blacklisted), 40037 (invalid template id), 40200 (menu messages not allowed for this
 *   account) and other codes → give up, naming the reason;
 * - 40001/40014/42001 (token refused even after a refresh) → retry;
 * - HTTP 429 → retry after 1 s; HTTP 5xx, a body that is not JSON, refused or reset connections
 *   and timeouts → retry. A `DeliveryError` keeps its own outcome.
 *
 * @example
 * ```ts
 * classifyWechatError(new WechatApiError('/cgi-bin/message/custom/send', 45015, 'response out of time limit'));
 * // → { kind: 'give-up', reason: 'window-closed: …' }
 * ```
 */
export function classifyWechatError(error: unknown): DeliveryOutcome {
  if (error instanceof DeliveryError) return error.outcome;
  if (error instanceof WechatApiError) return classifyErrcode(error.errcode, error.errmsg);
  if (error instanceof WechatHttpError) {
    if (error.status === 429) return { kind: 'retry-after', seconds: 1 };
    if (error.status >= 500 || error.status < 300) return { kind: 'retry' };
    return { kind: 'give-up', reason: `WeChat answered HTTP ${error.status}; check settings.apiRoot` };
  }
  if (isTransientNetworkError(error)) return { kind: 'retry' };
  return { kind: 'give-up', reason: `unexpected error: ${error instanceof Error ? error.message : String(error)}` };
}

function classifyErrcode(errcode: number, errmsg: string): DeliveryOutcome {
  switch (errcode) {
    case -1:
      return { kind: 'retry' };
    case 45009:
    case 45011:
      return { kind: 'retry-after', seconds: 60 };
    case 45015:
      return { kind: 'give-up', reason: 'window-closed: the customer has not written in the last 48 hours (45015); only a template message can reach them now' };
    case 45047:
      return { kind: 'give-up', reason: 'window-closed: the customer-service messages allowed since the customer last wrote are used up (45047); send a template message' };
    case 40003:
      return { kind: 'give-up', reason: 'invalid OpenID (40003): the customer does not follow this account or the OpenID belongs to another account' };
    case 43004:
      return { kind: 'give-up', reason: 'the customer unfollowed the account (43004)' };
    case 43019:
      return { kind: 'give-up', reason: 'the customer is on the account\'s blacklist (43019)' };
    case 40037:
      return { kind: 'give-up', reason: 'invalid template id (40037): check the template id in the WeChat Official Accounts Platform' };
    case 40200:
      return { kind: 'give-up', reason: 'this account may not send menu messages (40200): set msgMenu: false in the WeChat settings' };
    default:
      if (TOKEN_ERRCODES.has(errcode)) return { kind: 'retry' };
      return { kind: 'give-up', reason: `WeChat error ${errcode}: ${errmsg}` };
  }
}



async function call(api: WechatApi, path: string, body: unknown, openid: string): Promise<WechatAnswer> {
  try {
    return await api.call(path, body);
  } catch (error) {
    if (error instanceof DeliveryError) throw error; // token errors already say what to fix
    const outcome = classifyWechatError(error);
    const advice = outcome.kind === 'retry-after' ? `retry after ${outcome.seconds} s` : outcome.kind === 'retry' ? 'retry later' : `not retrying: ${outcome.reason}`;
    const status = error instanceof WechatApiError ? error.errcode : error instanceof WechatHttpError ? error.status : undefined;
    throw new DeliveryError(`WeChat ${path} to ${openid} failed: ${error instanceof Error ? error.message : String(error)} (${advice}).`, outcome, {
      cause: error,
      ...(status !== undefined ? { status } : {}),
    });
  }
}

/** The message's text in WeChat's text form, followed by one link per media item. */
function textOf(message: OutboundMessage): string {
  const parts: string[] = [];
  if (message.text) parts.push(message.format === 'html' ? htmlToWechat(message.text) : message.text);
  for (const item of message.media ?? []) parts.push(item.caption ? link(item.url, item.caption) : item.url);
  return parts.filter((part) => part.length > 0).join('\n');
}

/** A link as WeChat text renders it. Quotes would end the attribute, so they are percent-encoded. */
function link(url: string, label: string): string {
  return `<a href="${url.replace(/"/g, '%22')}">${label}</a>`;
}

const ANCHOR = /<a\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>([\s\S]*?)<\/a\s*>/gi;
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

/**
 * Reduce HTML to WeChat text: `<a href>` links kept (with only their `href`), line breaks for
 * `<br>` and around blocks (`<p>`, `<div>`, `<li>`…), every other tag removed, entities decoded.
 */
export function htmlToWechat(html: string): string {
  const anchors: string[] = [];
  const withoutLinks = html.replace(ANCHOR, (_match, double?: string, single?: string, bare?: string, inner = '') => {
    const href = decodeEntities(double ?? single ?? bare ?? '');
    const label = decodeEntities(stripTags(inner)).trim();
    anchors.push(link(href, label || href));
    return `\uE000${anchors.length - 1}\uE001`;
  });
  const text = decodeEntities(
    stripTags(withoutLinks.replace(/<br\s*\/?>/gi, '\n').replace(/<\/?(?:p|div|li|h[1-6]|tr|blockquote|pre)(?:\s[^>]*)?>/gi, '\n')),
  );
  return text.replace(PLACEHOLDER, (_match, index: string) => anchors[Number(index)] ?? '').replace(/\n{3,}/g, '\n\n').trim();
}

/** `<a href="u">label</a>` → `label (u)`, for places that show no links (a news article's description). */
function linksAsPlainText(text: string): string {
  return text.replace(ANCHOR, (_match, double?: string, single?: string, bare?: string, inner = '') => {
    const href = double ?? single ?? bare ?? '';
    const label = stripTags(inner).trim();
    return label && label !== href ? `${label} (${href})` : href;
  });
}

function stripTags(html: string): string {
  return html.replace(/<\/?[A-Za-z][^>]*>/g, '').replace(/<!--[\s\S]*?-->/g, '');
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
    }
    return NAMED_ENTITIES[entity.toLowerCase()] ?? match;
  });
}
