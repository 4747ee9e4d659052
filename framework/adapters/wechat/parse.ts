/**
 * WeChat message XML → Kiosk `Update`s. One message or event push becomes one update:
 * ordinary messages (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html),
 * event pushes (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html),
 * the template-message receipt (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html)
 * and the tap on a `msgmenu` option of a customer-service message, which arrives as a text
 * message carrying `bizmsgmenuid`
 * (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html).
 */
import { PayloadError } from '../../core/errors';
import { parseCommand, type Media, type Message, type PlatformEvent, type Update } from '../../core/update';
import { parseWechatXml, textField, type XmlRecord } from './xml';

/** What the parser needs to know besides the XML. */
export interface WechatParseOptions {
  /** The bot (as configured) the webhook was posted for. */
  bot: string;
  /** Milliseconds since the epoch when Kiosk received the message. */
  receivedAt: number;
}

/** The fields every WeChat push carries. */
const REQUIRED = ['ToUserName', 'FromUserName', 'CreateTime', 'MsgType'] as const;

type Body = Pick<Update, 'kind' | 'message' | 'button' | 'event'>;

/**
 * Parse a verified message XML (plain, or decrypted by `openWechatRequest`) into one update.
 * Returns no update for a message type Kiosk does not know, so it is acknowledged and not
 * retried. Throws `PayloadError` naming the field for a malformed message.
 *
 * @example
 * ```ts
 * const [update] = parseWechatMessage(xml, { bot: 'taxi', receivedAt: Date.now() });
 * update.chat.id; // the customer's OpenID
 * update.message?.text; // 'I need a taxi'
 * ```
 */
export function parseWechatMessage(xml: string, options: WechatParseOptions): Update[] {
  const fields = parseWechatXml(xml);
  const header = requiredFields(fields);
  const body = bodyOf(header.MsgType, fields);
  if (!body) return [];
  const openId = header.FromUserName;
  return [
    {
      id: updateIdOf(options.bot, header, fields),
      platform: 'wechat',
      bot: options.bot,
      chat: { id: openId, type: 'private' },
      from: { id: openId },
      ...body,
      receivedAt: options.receivedAt,
      raw: fields,
    },
  ];
}

/**
 * The de-duplication id of a WeChat update, safe as a BullMQ job id (no `:`): messages by
 * `MsgId`, events by sender, time and event type, as WeChat recommends for retried pushes.
 */
function updateIdOf(bot: string, header: Header, fields: XmlRecord): string {
  // Template receipts carry the template message's MsgID, but other events may not: key events alike.
  const msgId = textField(fields, 'MsgId');
  if (header.MsgType !== 'event' && msgId) return `wx-${safe(bot)}-${safe(msgId)}`;
  const what = header.MsgType === 'event' ? (textField(fields, 'Event') ?? 'event') : header.MsgType;
  return `wx-${safe(bot)}-${safe(header.FromUserName)}-${safe(header.CreateTime)}-${safe(what.trim().toLowerCase())}`;
}

// Percent-encoding is injective and leaves OpenIDs (A-Z a-z 0-9 _ -) as they are.
function safe(part: string): string {
  return encodeURIComponent(part).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

type Header = Record<(typeof REQUIRED)[number], string>;

function requiredFields(fields: XmlRecord): Header {
  const header: Partial<Header> = {};
  for (const name of REQUIRED) {
    const value = textField(fields, name)?.trim();
    if (!value) throw new PayloadError(`WeChat message has no ${name}; every WeChat push carries it.`, ['xml', name]);
    header[name] = value;
  }
  if (!/^\d{1,12}$/.test(header.CreateTime!)) {
    throw new PayloadError('WeChat CreateTime must be whole seconds since the epoch.', ['xml', 'CreateTime']);
  }
  return header as Header;
}

function bodyOf(msgType: string, fields: XmlRecord): Body | undefined {
  const field = (name: string) => textField(fields, name);
  const message = (content: Message): Body => {
    const id = field('MsgId');
    return { kind: 'message', message: id ? { id, ...content } : content };
  };
  switch (msgType) {
    case 'text': {
      const text = field('Content') ?? '';
      const menuId = field('bizmsgmenuid');
      if (menuId) return { kind: 'button', button: buttonOf(menuId, field('MsgId')) };
      const command = parseCommand(text);
      return message(command ? { text, command } : { text });
    }
    case 'image':
      return message({ media: [media('image', field('MediaId'), field('PicUrl'))] });
    case 'voice': {
      const audio = media('audio', field('MediaId'));
      const format = field('Format')?.trim().toLowerCase();
      if (format && /^[a-z0-9.+-]{1,20}$/.test(format)) audio.mime = `audio/${format}`;
      // With speech recognition on, WeChat adds what it heard; bots can then treat it as text.
      const recognition = field('Recognition')?.trim();
      return message(recognition ? { text: recognition, media: [audio] } : { media: [audio] });
    }
    case 'video':
    case 'shortvideo':
      return message({ media: [media('video', field('MediaId'))] });
    case 'location': {
      const location: NonNullable<Message['location']> = {
        latitude: coordinate(field('Location_X'), 'Location_X', 90),
        longitude: coordinate(field('Location_Y'), 'Location_Y', 180),
      };
      const label = field('Label')?.trim();
      if (label) location.label = label;
      return message({ location });
    }
    case 'link': {
      const text = [field('Title'), field('Url')].filter((part): part is string => !!part && part.trim() !== '').join('\n');
      return message({ text });
    }
    case 'event':
      return { kind: 'event', event: eventOf(fields) };
    default:
      return undefined;
  }
}

function buttonOf(menuId: string, msgId: string | undefined): NonNullable<Update['button']> {
  return msgId ? { data: menuId, messageId: msgId } : { data: menuId };
}

function media(kind: Media['kind'], id: string | undefined, url?: string): Media {
  const result: Media = { kind };
  if (id) result.id = id;
  if (url) result.url = url;
  return result;
}

function coordinate(value: string | undefined, name: string, limit: number): number {
  const number = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(number) || Math.abs(number) > limit) {
    throw new PayloadError(`WeChat ${name} must be a number between -${limit} and ${limit}.`, ['xml', name]);
  }
  return number;
}

function eventOf(fields: XmlRecord): PlatformEvent {
  const name = textField(fields, 'Event')?.trim();
  if (!name) throw new PayloadError('WeChat event push has no Event; every event push carries it.', ['xml', 'Event']);
  const key = textField(fields, 'EventKey');
  const withPayload = (type: string, payload: string | undefined): PlatformEvent =>
    payload !== undefined && payload !== '' ? { type, payload } : { type };
  switch (name.toLowerCase()) {
    case 'subscribe':
      // Following through a parametric QR code: EventKey is `qrscene_<scene>`.
      return withPayload('subscribe', key?.startsWith('qrscene_') ? key.slice('qrscene_'.length) : undefined);
    case 'unsubscribe':
      return { type: 'unsubscribe' };
    case 'scan':
      return withPayload('scan', key);
    case 'location': {
      const parts = ['Latitude', 'Longitude', 'Precision'].map((field) => textField(fields, field)?.trim() ?? '');
      return withPayload('location', parts.some((part) => part !== '') ? parts.join(',') : undefined);
    }
    case 'click':
      return withPayload('menu', key);
    case 'view':
      return withPayload('view', key);
    case 'templatesendjobfinish':
      return withPayload('template-finished', textField(fields, 'Status'));
    default:
      return withPayload(name.toLowerCase(), key);
  }
}
