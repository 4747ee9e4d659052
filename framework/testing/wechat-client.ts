/**
 * Helpers to drive a running Kiosk app the way WeChat does: builders of WeChat message XML,
 * a function that signs (and in safe mode encrypts) one and posts it to the app's webhook,
 * and the server-URL handshake. Formats follow
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html
 * and https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createWechatCrypto, wechatSignature } from '../adapters/wechat/crypto';
import { buildXml, parseWechatXml, textField, type XmlBuildRecord, type XmlBuildValue } from '../adapters/wechat/xml';

/** Who writes to whom, in the builders below. */
export interface WechatSenderOptions {
  /** The customer's OpenID (`FromUserName`; `chat.id` of the update). */
  openId: string;
  /** The account's original id (`ToUserName`). @defaultValue `'gh_kiosk_test'` */
  toUser?: string;
  /** Seconds since the epoch. @defaultValue now */
  createTime?: number;
}

/** Options of `wechatTextXml`. */
export interface WechatTextOptions extends WechatSenderOptions {
  text: string;
  /** `MsgId`, a 64-bit integer Kiosk de-duplicates on; give each message its own. */
  msgId: string | number | bigint;
  /** Set to simulate a tap on an option of a `msgmenu` customer-service message. */
  bizMsgMenuId?: string;
}

/** Options of `wechatEventXml`. */
export interface WechatEventOptions extends WechatSenderOptions {
  /** WeChat's event name as WeChat writes it: `subscribe`, `unsubscribe`, `SCAN`, `CLICK`, `VIEW`, `LOCATION`… */
  event: string;
  /** `EventKey`: a menu key, `qrscene_<scene>` on a subscribe through a QR code, a URL for `VIEW`. */
  eventKey?: string;
  /** Further fields of the event, e.g. `{ Status: 'success' }` for `TEMPLATESENDJOBFINISH`. */
  fields?: Record<string, string | number>;
}

/** Options of `wechatLocationXml`. */
export interface WechatLocationOptions extends WechatSenderOptions {
  latitude: number;
  longitude: number;
  label?: string;
  /** Map zoom level. @defaultValue 15 */
  scale?: number;
  msgId: string | number | bigint;
}

/** How `postWechat` signs and encrypts. */
export interface PostWechatOptions {
  /** The Token of the account. */
  token: string;
  /** The AppID of the account; encrypted messages end with it. */
  appId: string;
  /** The EncodingAESKey; given, the message is sent encrypted (safe mode). */
  encodingAESKey?: string;
  /**
   * `'safe'` sends only the encrypted message; `'compatible'` the plain fields and the encrypted
   * message side by side, as WeChat's compatible mode does; `'plain'` no encryption.
   * @defaultValue `'safe'` with an encodingAESKey, else `'plain'`
   */
  mode?: 'plain' | 'compatible' | 'safe';
  /** Seconds since the epoch, as a string. @defaultValue now */
  timestamp?: string;
  /** @defaultValue random digits */
  nonce?: string;
}

/** What the app answered to a posted message. */
export interface PostedWechat {
  status: number;
  /** The response body as text (`success`, an empty body, or reply XML). */
  body: string;
  /** The passive reply's XML: decrypted when the answer was encrypted, the body itself when it was plain XML. */
  reply?: string;
}

/**
 * A text message, as WeChat posts it when a customer writes.
 *
 * @example
 * ```ts
 * wechatTextXml({ openId: 'oUser1', text: 'I need a taxi', msgId: 1 });
 * ```
 */
export function wechatTextXml(options: WechatTextOptions): string {
  return buildXml('xml', {
    ...header(options, 'text'),
    Content: options.text,
    MsgId: msgIdOf(options.msgId),
    ...(options.bizMsgMenuId === undefined ? {} : { bizmsgmenuid: options.bizMsgMenuId }),
  });
}

/**
 * An event push: a follow, a QR scan, a menu click…
 *
 * @example
 * ```ts
 * wechatEventXml({ openId: 'oUser1', event: 'subscribe', eventKey: 'qrscene_42' });
 * wechatEventXml({ openId: 'oUser1', event: 'CLICK', eventKey: 'ORDER_TAXI' });
 * ```
 */
export function wechatEventXml(options: WechatEventOptions): string {
  const fields: XmlBuildRecord = { ...header(options, 'event'), Event: options.event };
  if (options.eventKey !== undefined) fields['EventKey'] = options.eventKey;
  for (const [name, value] of Object.entries(options.fields ?? {})) fields[name] = value;
  return buildXml('xml', fields);
}

/**
 * A shared location, as WeChat posts it (`Location_X` is the latitude).
 *
 * @example
 * ```ts
 * wechatLocationXml({ openId: 'oUser1', latitude: 23.134521, longitude: 113.358803, label: 'Canton Tower', msgId: 2 });
 * ```
 */
export function wechatLocationXml(options: WechatLocationOptions): string {
  return buildXml('xml', {
    ...header(options, 'location'),
    Location_X: options.latitude,
    Location_Y: options.longitude,
    Scale: options.scale ?? 15,
    Label: options.label ?? '',
    MsgId: msgIdOf(options.msgId),
  });
}

/**
 * Post message XML to `/webhooks/<bot>/wechat` of a running Kiosk app exactly as WeChat does:
 * `signature`, `timestamp`, `nonce` and `openid` in the query and, in safe or compatible mode,
 * `encrypt_type=aes` and `msg_signature` with the message encrypted in the body. An encrypted
 * answer is checked (its `MsgSignature`) and decrypted into `reply`.
 *
 * @example
 * ```ts
 * const { status, reply } = await postWechat(baseUrl, 'taxi', wechatTextXml({ openId: 'oUser1', text: 'hi', msgId: 1 }), {
 *   token: 'devtoken', appId: 'wxdev', encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
 * });
 * expect(reply).toContain('<![CDATA[Where to?]]>');
 * ```
 */
export async function postWechat(baseUrl: string, bot: string, xml: string, options: PostWechatOptions): Promise<PostedWechat> {
  const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? String(randomInt(100_000_000, 2_000_000_000));
  const mode = options.mode ?? (options.encodingAESKey ? 'safe' : 'plain');
  const query = new URLSearchParams({ signature: wechatSignature(options.token, timestamp, nonce), timestamp, nonce });
  const fields = tryParse(xml);
  const openId = fields && textField(fields, 'FromUserName');
  if (openId) query.set('openid', openId);

  let body = xml;
  const crypto = mode === 'plain' ? undefined : cryptoOf(options);
  if (crypto) {
    const encrypt = crypto.encrypt(xml);
    query.set('encrypt_type', 'aes');
    query.set('msg_signature', crypto.signature(timestamp, nonce, encrypt));
    // Safe mode sends the account id and the ciphertext; compatible mode adds the plain fields.
    const plain: XmlBuildRecord = mode === 'compatible' && fields ? stringsOf(fields) : { ToUserName: (fields && textField(fields, 'ToUserName')) ?? '' };
    body = buildXml('xml', { ...plain, Encrypt: encrypt });
  }

  const url = `${baseUrl.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(bot)}/wechat?${query.toString()}`;
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
  const text = await response.text();
  const answer: PostedWechat = { status: response.status, body: text };
  const reply = crypto ? openReply(text, crypto, options.token) : text.trimStart().startsWith('<xml') ? text : undefined;
  if (reply !== undefined) answer.reply = reply;
  return answer;
}

/**
 * Perform WeChat's server-URL handshake against a running app: a signed `GET` whose answer
 * must be `echostr`.
 *
 * @example
 * ```ts
 * const { status, body, echostr } = await wechatHandshake(baseUrl, 'taxi', 'devtoken');
 * expect(body).toBe(echostr);
 * ```
 */
export async function wechatHandshake(
  baseUrl: string,
  bot: string,
  token: string,
  options: { timestamp?: string; nonce?: string; echostr?: string } = {},
): Promise<{ status: number; body: string; echostr: string }> {
  const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? String(randomInt(100_000_000, 2_000_000_000));
  const echostr = options.echostr ?? randomBytes(9).toString('hex');
  const query = new URLSearchParams({ signature: wechatSignature(token, timestamp, nonce), timestamp, nonce, echostr });
  const response = await fetch(`${baseUrl.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(bot)}/wechat?${query.toString()}`);
  return { status: response.status, body: await response.text(), echostr };
}

function header(options: WechatSenderOptions, msgType: string): XmlBuildRecord {
  return {
    ToUserName: options.toUser ?? 'gh_kiosk_test',
    FromUserName: options.openId,
    CreateTime: options.createTime ?? Math.floor(Date.now() / 1000),
    MsgType: msgType,
  };
}

// WeChat writes MsgId as a bare 64-bit integer; a string of digits is written the same way.
function msgIdOf(msgId: string | number | bigint): XmlBuildValue {
  if (typeof msgId === 'string') return /^\d+$/.test(msgId) ? BigInt(msgId) : msgId;
  return typeof msgId === 'number' ? BigInt(Math.trunc(msgId)) : msgId;
}

function cryptoOf(options: PostWechatOptions) {
  if (!options.encodingAESKey) throw new Error(`postWechat: mode '${options.mode}' needs the account's encodingAESKey.`);
  return createWechatCrypto({ token: options.token, appId: options.appId, encodingAESKey: options.encodingAESKey });
}

function tryParse(xml: string) {
  try {
    return parseWechatXml(xml);
  } catch {
    // Tests post malformed bodies on purpose; they are sent as they are.
    return undefined;
  }
}

function stringsOf(fields: ReturnType<typeof parseWechatXml>): XmlBuildRecord {
  const result: XmlBuildRecord = {};
  for (const [name, value] of Object.entries(fields)) if (typeof value === 'string') result[name] = value;
  return result;
}

/** Check and decrypt an encrypted passive reply; a body without `Encrypt` is returned as it is (when XML). */
function openReply(body: string, crypto: ReturnType<typeof createWechatCrypto>, token: string): string | undefined {
  if (!body.includes('<Encrypt>')) return body.trimStart().startsWith('<xml') ? body : undefined;
  const envelope = parseWechatXml(body);
  const encrypt = textField(envelope, 'Encrypt') ?? '';
  const timestamp = textField(envelope, 'TimeStamp') ?? '';
  const nonce = textField(envelope, 'Nonce') ?? '';
  if (textField(envelope, 'MsgSignature') !== wechatSignature(token, timestamp, nonce, encrypt)) {
    throw new Error('postWechat: the encrypted reply has a wrong MsgSignature; WeChat would discard it.');
  }
  return crypto.decrypt(encrypt);
}
