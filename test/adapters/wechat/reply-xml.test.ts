import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWechatCrypto } from '../../../framework/adapters/wechat/crypto';
import { parseWechatMessage } from '../../../framework/adapters/wechat/parse';
import { canReplyPassively, htmlToPlainText, passiveReplyXml, sealReply } from '../../../framework/adapters/wechat/reply-xml';
import { parseWechatXml } from '../../../framework/adapters/wechat/xml';
import { PayloadError } from '../../../framework/core/errors';
import type { Update } from '../../../framework/core/update';

const WXBizMsgCrypt = require('wechat-crypto') as new (
  token: string,
  encodingAESKey: string,
  appId: string,
) => { getSignature(timestamp: string, nonce: string, encrypt: string): string; decrypt(text: string): { message: string; id: string } };

const NOW = 1_700_000_123_456;
const UPDATE: Update = parseWechatMessage(readFileSync(join(__dirname, '../../../framework/adapters/wechat/samples/text.xml'), 'utf8'), {
  bot: 'taxi',
  receivedAt: NOW,
})[0]!;

function reply(message: Parameters<typeof passiveReplyXml>[1]) {
  return parseWechatXml(passiveReplyXml(UPDATE, message, NOW));
}

describe('passiveReplyXml', () => {
  it('answers text to the customer from the account, with the time in seconds', () => {
    expect(reply({ text: 'Where to?' })).toEqual({
      ToUserName: 'oia2TjjewbmiOUlr6X-1crbLOvLw',
      FromUserName: 'gh_7f083739789a',
      CreateTime: '1700000123',
      MsgType: 'text',
      Content: 'Where to?',
    });
  });

  it('writes CreateTime bare and strings as CDATA, as WeChat documents', () => {
    const xml = passiveReplyXml(UPDATE, { text: 'hi' }, NOW);
    expect(xml).toContain('<CreateTime>1700000123</CreateTime>');
    expect(xml).toContain('<MsgType><![CDATA[text]]></MsgType>');
  });

  it('turns buttons into numbered lines the customer can answer with', () => {
    const message = { text: 'Where to?', buttons: [[{ label: 'Home', data: 'home' }, { label: 'Work', data: 'work' }], [{ label: 'Map', url: 'https://maps.example' }]] };
    expect(reply(message).Content).toBe('Where to?\n1. Home\n2. Work\n3. Map: https://maps.example');
  });

  it('reduces HTML to plain text', () => {
    expect(reply({ text: '<b>Fare:</b> 12&nbsp;&euro; &amp; tip<br/>Thanks &lt;3', format: 'html' }).Content).toBe('Fare: 12 € & tip\nThanks <3');
  });

  it('keeps plain text that looks like HTML as it is', () => {
    expect(reply({ text: 'a <b> &amp; c' }).Content).toBe('a <b> &amp; c');
  });

  it('keeps text containing "]]>" intact', () => {
    expect(reply({ text: 'x]]>y' }).Content).toBe('x]]>y');
  });

  it('adds media as links, since a passive reply can only carry uploaded media', () => {
    expect(reply({ text: 'Your receipt', media: [{ kind: 'file', url: 'https://example.com/r.pdf', caption: 'Receipt' }] }).Content).toBe(
      'Your receipt\nReceipt: https://example.com/r.pdf',
    );
  });

  it('answers a card with a news message of one article', () => {
    const fields = reply({ text: 'Your ride', card: { title: 'Taxi 42', description: 'Arrives in 3 min', imageUrl: 'https://example.com/car.jpg', url: 'https://example.com/ride/42' } });
    expect(fields).toEqual(
      expect.objectContaining({
        MsgType: 'news',
        ArticleCount: '1',
        Articles: { item: { Title: 'Taxi 42', Description: 'Arrives in 3 min\n\nYour ride', PicUrl: 'https://example.com/car.jpg', Url: 'https://example.com/ride/42' } },
      }),
    );
  });

  it('refuses a template message, which only the API can send', () => {
    const message = { template: { id: 'bill-due', fields: { amount: '12' } } };
    expect(canReplyPassively(message)).toBe(false);
    expect(() => passiveReplyXml(UPDATE, message, NOW)).toThrow(PayloadError);
  });

  it('refuses an empty message', () => {
    expect(canReplyPassively({})).toBe(false);
    expect(() => passiveReplyXml(UPDATE, {}, NOW)).toThrow(PayloadError);
  });

  it('can reply with text, buttons or a card', () => {
    expect(canReplyPassively({ text: 'x' })).toBe(true);
    expect(canReplyPassively({ buttons: [[{ label: 'a', data: 'a' }]] })).toBe(true);
    expect(canReplyPassively({ card: { title: 't' } })).toBe(true);
  });

  it('refuses to answer an update that did not come from WeChat', () => {
    const other: Update = { ...UPDATE, platform: 'telegram', raw: { update_id: 1 } };
    expect(() => passiveReplyXml(other, { text: 'x' }, NOW)).toThrow(/raw ToUserName/);
  });
});

describe('sealReply', () => {
  const settings = { token: 'kioskToken', appId: 'wxkiosk0001', encodingAESKey: 'Zx9y8W7v6U5t4S3r2Q1p0OnMlKjIhGfEdCbA0123456' };
  const crypto = createWechatCrypto(settings);

  it('wraps the reply in Encrypt, MsgSignature, TimeStamp and Nonce that WeChat (here: wechat-crypto) accepts', () => {
    const inner = passiveReplyXml(UPDATE, { text: '好的' }, NOW);
    const envelope = parseWechatXml(sealReply(inner, crypto, '1700000123', 'nonce1'));
    expect(Object.keys(envelope)).toEqual(['Encrypt', 'MsgSignature', 'TimeStamp', 'Nonce']);
    expect(envelope['TimeStamp']).toBe('1700000123');
    expect(envelope['Nonce']).toBe('nonce1');
    const theirs = new WXBizMsgCrypt(settings.token, settings.encodingAESKey, settings.appId);
    expect(envelope['MsgSignature']).toBe(theirs.getSignature('1700000123', 'nonce1', envelope['Encrypt'] as string));
    expect(theirs.decrypt(envelope['Encrypt'] as string)).toEqual({ message: inner, id: settings.appId });
  });

  it('writes TimeStamp bare, as WeChat does', () => {
    expect(sealReply('<xml/>', crypto, '1700000123', 'n')).toContain('<TimeStamp>1700000123</TimeStamp>');
  });
});

describe('htmlToPlainText', () => {
  it('turns paragraphs and line breaks into new lines and drops other tags', () => {
    expect(htmlToPlainText('<p>One</p><p>Two <i>2</i></p><ul><li>a</li><li>b</li></ul>')).toBe('One\nTwo 2\na\nb');
  });

  it('decodes entities once, so escaped markup stays text', () => {
    expect(htmlToPlainText('&amp;lt;b&amp;gt; &#20013;')).toBe('&lt;b&gt; 中');
  });
});
