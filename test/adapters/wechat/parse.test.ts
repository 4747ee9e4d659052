import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWechatMessage } from '../../../framework/adapters/wechat/parse';
import { parseWechatXml } from '../../../framework/adapters/wechat/xml';
import { PayloadError } from '../../../framework/core/errors';
import type { Update } from '../../../framework/core/update';
import { wechatEventXml, wechatLocationXml, wechatTextXml } from '../../../framework/testing/wechat-client';

const SAMPLES = join(__dirname, '../../../framework/adapters/wechat/samples');
const NOW = 1_700_000_000_500;
const OPENID = 'oia2TjjewbmiOUlr6X-1crbLOvLw';
const CHAT = { id: OPENID, type: 'private' };

function sample(name: string): string {
  return readFileSync(join(SAMPLES, `${name}.xml`), 'utf8');
}

function parse(xml: string, bot = 'taxi'): Update[] {
  return parseWechatMessage(xml, { bot, receivedAt: NOW });
}

function one(xml: string): Update {
  const updates = parse(xml);
  expect(updates).toHaveLength(1);
  return updates[0]!;
}

function payloadError(xml: string): PayloadError {
  try {
    parse(xml);
  } catch (error) {
    if (error instanceof PayloadError) return error;
    throw error;
  }
  throw new Error('expected a PayloadError');
}

describe('parseWechatMessage: messages', () => {
  it('a text message becomes a message update keyed by its 64-bit MsgId, with the OpenID as chat and sender', () => {
    const xml = sample('text');
    expect(parse(xml)).toEqual([
      {
        id: 'wx-taxi-6054768590064713728',
        platform: 'wechat',
        bot: 'taxi',
        chat: CHAT,
        from: { id: OPENID },
        kind: 'message',
        message: { id: '6054768590064713728', text: 'I need a taxi' },
        receivedAt: NOW,
        raw: parseWechatXml(xml),
      },
    ]);
  });

  it('a text starting with /command carries the command and its payload', () => {
    expect(one(sample('text-command')).message).toEqual({
      id: '6054768590064713729',
      text: '/start ref-42',
      command: { name: 'start', payload: 'ref-42' },
    });
  });

  it('a tap on a msgmenu option (text with bizmsgmenuid) becomes a button press with the option id as data', () => {
    const update = one(sample('text-msgmenu'));
    expect(update.kind).toBe('button');
    expect(update.button).toEqual({ data: '101', messageId: '6054768590064713730' });
    expect(update.message).toBeUndefined();
    expect(update.id).toBe('wx-taxi-6054768590064713730');
  });

  it('an image carries its MediaId and PicUrl', () => {
    expect(one(sample('image')).message).toEqual({
      id: '1234567890123456',
      media: [{ kind: 'image', id: 'media_id_image_1', url: 'http://mmbiz.qpic.cn/mmbiz/sample.jpg' }],
    });
  });

  it('a voice message carries its audio and, with recognition on, the recognised text', () => {
    expect(one(sample('voice')).message).toEqual({
      id: '1234567890123457',
      text: '腾讯微信团队',
      media: [{ kind: 'audio', id: 'media_id_voice_1', mime: 'audio/amr' }],
    });
  });

  it('a voice message without recognition has no text', () => {
    const xml = sample('voice').replace(/<Recognition>.*<\/Recognition>/, '');
    expect(one(xml).message?.text).toBeUndefined();
  });

  it.each(['video', 'shortvideo'])('a %s becomes video media', (name) => {
    const message = one(sample(name)).message;
    expect(message?.media).toEqual([{ kind: 'video', id: `media_id_${name}_1` }]);
  });

  it('a location carries latitude (Location_X), longitude (Location_Y) and label', () => {
    expect(one(sample('location')).message).toEqual({
      id: '1234567890123460',
      location: { latitude: 23.134521, longitude: 113.358803, label: '位置信息' },
    });
  });

  it('a link becomes text with its title and URL', () => {
    expect(one(sample('link')).message).toEqual({ id: '1234567890123461', text: '公众平台官网链接\nhttps://mp.weixin.qq.com/' });
  });

  it('keeps every field of the payload in raw', () => {
    expect(one(sample('event-template-finished')).raw).toEqual(expect.objectContaining({ MsgID: '200163836', Status: 'success', ToUserName: 'gh_7f083739789a' }));
  });

  it('returns no update for a message type Kiosk does not know, so it is acknowledged', () => {
    expect(parse(sample('text').replace('<![CDATA[text]]>', '<![CDATA[miniprogrampage]]>'))).toEqual([]);
  });
});

describe('parseWechatMessage: events', () => {
  const event = (name: string) => one(sample(`event-${name}`));

  it.each([
    ['subscribe', { type: 'subscribe' }],
    ['subscribe-qrscene', { type: 'subscribe', payload: '123123' }],
    ['unsubscribe', { type: 'unsubscribe' }],
    ['scan', { type: 'scan', payload: 'SCENE_VALUE' }],
    ['location', { type: 'location', payload: '23.137466,113.352425,119.385040' }],
    ['click', { type: 'menu', payload: 'ORDER_TAXI' }],
    ['view', { type: 'view', payload: 'https://www.qq.com/' }],
    ['template-finished', { type: 'template-finished', payload: 'success' }],
    ['scancode-push', { type: 'scancode_push', payload: '6' }],
  ])('%s becomes the event %j', (name, expected) => {
    const update = event(name);
    expect(update.kind).toBe('event');
    expect(update.event).toEqual(expected);
    expect(update.chat).toEqual(CHAT);
    expect(update.from).toEqual({ id: OPENID });
  });

  it('keys events by sender, time and event, as WeChat recommends for retried pushes', () => {
    expect(event('subscribe').id).toBe(`wx-taxi-${OPENID}-1700000100-subscribe`);
    expect(event('template-finished').id).toBe(`wx-taxi-${OPENID}-1700000107-templatesendjobfinish`);
  });

  it('gives two events of one customer in the same second different ids', () => {
    const a = one(wechatEventXml({ openId: 'oA', event: 'subscribe', createTime: 1 }));
    const b = one(wechatEventXml({ openId: 'oA', event: 'LOCATION', createTime: 1, fields: { Latitude: '1', Longitude: '2', Precision: '3' } }));
    expect(a.id).not.toBe(b.id);
  });

  it('refuses an event push without Event, naming the field', () => {
    expect(payloadError(wechatEventXml({ openId: 'oA', event: '' })).path).toEqual(['xml', 'Event']);
  });
});

describe('parseWechatMessage: ids are safe BullMQ job ids', () => {
  it('never contains ":" even when the bot name or OpenID does, and stays distinct', () => {
    const a = parseWechatMessage(wechatEventXml({ openId: 'o:1', event: 'subscribe', createTime: 5 }), { bot: 'taxi:fr', receivedAt: NOW })[0]!;
    const b = parseWechatMessage(wechatEventXml({ openId: 'o_1', event: 'subscribe', createTime: 5 }), { bot: 'taxi:fr', receivedAt: NOW })[0]!;
    expect(a.id).not.toContain(':');
    expect(a.id).not.toBe(b.id);
    expect(parseWechatMessage(sample('text'), { bot: 'a:b', receivedAt: NOW })[0]!.id).toBe('wx-a%3Ab-6054768590064713728');
  });

  it('is not a plain integer', () => {
    expect(one(sample('text')).id).toMatch(/^wx-/);
  });
});

describe('parseWechatMessage: malformed messages are PayloadErrors naming the field', () => {
  it.each(['ToUserName', 'FromUserName', 'CreateTime', 'MsgType'])('refuses a message without %s', (field) => {
    const xml = sample('text').replace(new RegExp(`<${field}>.*</${field}>`), '');
    const error = payloadError(xml);
    expect(error.path).toEqual(['xml', field]);
    expect(error.message).toContain(field);
  });

  it('refuses a CreateTime that is not whole seconds', () => {
    expect(payloadError(sample('text').replace('1700000000', 'yesterday')).path).toEqual(['xml', 'CreateTime']);
  });

  it.each([
    ['Location_X', 'north'],
    ['Location_X', '91'],
    ['Location_Y', '-181'],
    ['Location_Y', ''],
  ])('refuses a location whose %s is %j', (field, value) => {
    const xml = sample('location').replace(new RegExp(`<${field}>.*</${field}>`), `<${field}>${value}</${field}>`);
    expect(payloadError(xml).path).toEqual(['xml', field]);
  });

  it('refuses a body that is not XML', () => {
    expect(() => parse('{"MsgType":"text"}')).toThrow(PayloadError);
  });

  it('refuses a field given as an element instead of text', () => {
    expect(payloadError(sample('text').replace('<![CDATA[text]]>', '<a>text</a>')).path).toEqual(['xml', 'MsgType']);
  });
});

describe('parseWechatMessage: the testing builders produce what WeChat sends', () => {
  it('wechatTextXml, with a 64-bit MsgId written bare', () => {
    const xml = wechatTextXml({ openId: 'oUser1', toUser: 'gh_1', text: 'hi ]]> there', msgId: '9223372036854775807', createTime: 1700000000 });
    expect(xml).toContain('<MsgId>9223372036854775807</MsgId>');
    expect(one(xml)).toEqual(
      expect.objectContaining({ id: 'wx-taxi-9223372036854775807', kind: 'message', message: { id: '9223372036854775807', text: 'hi ]]> there' } }),
    );
  });

  it('wechatTextXml with bizMsgMenuId', () => {
    expect(one(wechatTextXml({ openId: 'o', text: 'Yes', msgId: 3, bizMsgMenuId: 'yes' })).button).toEqual({ data: 'yes', messageId: '3' });
  });

  it('wechatEventXml', () => {
    expect(one(wechatEventXml({ openId: 'o', event: 'subscribe', eventKey: 'qrscene_42' })).event).toEqual({ type: 'subscribe', payload: '42' });
  });

  it('wechatLocationXml', () => {
    expect(one(wechatLocationXml({ openId: 'o', latitude: 48.8584, longitude: 2.2945, label: 'Tour Eiffel', msgId: 4 })).message?.location).toEqual({
      latitude: 48.8584,
      longitude: 2.2945,
      label: 'Tour Eiffel',
    });
  });
});
