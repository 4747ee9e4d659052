import { buildXml, cdata, MAX_XML_DEPTH, parseWechatXml, parseXml } from '../../../framework/adapters/wechat/xml';
import { PayloadError } from '../../../framework/core/errors';

function payloadError(fn: () => unknown): PayloadError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PayloadError) return error;
    throw error;
  }
  throw new Error('expected a PayloadError');
}

describe('wechat xml: parsing what WeChat sends', () => {
  it('keeps a 64-bit MsgId as its exact digits', () => {
    expect(parseWechatXml('<xml><MsgId>6054768590064713728</MsgId></xml>').MsgId).toBe('6054768590064713728');
  });

  it('keeps numbers, booleans and leading zeros as strings', () => {
    expect(parseWechatXml('<xml><A>007</A><B>1e3</B><C>true</C><D>0x10</D></xml>')).toEqual({ A: '007', B: '1e3', C: 'true', D: '0x10' });
  });

  it('keeps CDATA exactly: spaces, markup and entity-looking text', () => {
    const content = '  <b>Fish &amp; chips</b> &#20013; ';
    expect(parseWechatXml(`<xml><Content><![CDATA[${content}]]></Content></xml>`).Content).toBe(content);
  });

  it('joins CDATA sections split around "]]>"', () => {
    expect(parseWechatXml('<xml><Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>').Content).toBe('a]]>b');
  });

  it('ignores whitespace around CDATA, as in WeChat\'s own sample ("<MsgType>  <![CDATA[video]]>")', () => {
    expect(parseWechatXml('<xml><MsgType>  <![CDATA[video]]></MsgType></xml>').MsgType).toBe('video');
  });

  it('decodes the five predefined entities and numeric character references in text', () => {
    expect(parseWechatXml('<xml><T>&lt;a&gt; &amp; &quot;b&quot; &apos;c&apos; &#20013;&#x6587; &#x1F695;</T></xml>').T).toBe(
      '<a> & "b" \'c\' 中文 🚕',
    );
  });

  it('leaves undefined named entities and references to forbidden characters as written', () => {
    expect(parseWechatXml('<xml><T>&nbsp;&#0;&#xD800;&#x110000;</T></xml>').T).toBe('&nbsp;&#0;&#xD800;&#x110000;');
  });

  it('turns nested elements into records and repeated ones into arrays', () => {
    const fields = parseWechatXml(
      '<xml><SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum>a</PicMd5Sum></item><item><PicMd5Sum>b</PicMd5Sum></item></PicList></SendPicsInfo></xml>',
    );
    expect(fields).toEqual({ SendPicsInfo: { Count: '2', PicList: { item: [{ PicMd5Sum: 'a' }, { PicMd5Sum: 'b' }] } } });
  });

  it('reads empty and self-closing elements as empty strings', () => {
    expect(parseWechatXml('<xml><A></A><B/></xml>')).toEqual({ A: '', B: '' });
  });

  it('accepts an XML declaration and comments', () => {
    expect(parseWechatXml('<?xml version="1.0" encoding="UTF-8"?><!-- hi --><xml><A>1</A></xml>')).toEqual({ A: '1' });
  });

  it('accepts "<!DOCTYPE" typed by a customer inside CDATA', () => {
    expect(parseWechatXml('<xml><Content><![CDATA[<!DOCTYPE html><!ENTITY x "y">]]></Content></xml>').Content).toBe('<!DOCTYPE html><!ENTITY x "y">');
  });
});

describe('wechat xml: hostile bodies are PayloadErrors', () => {
  it('refuses an external entity (XXE)', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>';
    expect(payloadError(() => parseWechatXml(xxe)).message).toMatch(/DTD/);
  });

  it('refuses the billion-laughs entity bomb without expanding it', () => {
    const lol = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [',
      '<!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`),
      ']>',
      '<xml><Content>&lol9;</Content></xml>',
    ].join('\n');
    const started = Date.now();
    expect(() => parseWechatXml(lol)).toThrow(PayloadError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a DOCTYPE in any letter case and an ENTITY declaration without a DOCTYPE', () => {
    expect(() => parseWechatXml('<!doctype xml><xml/>')).toThrow(PayloadError);
    expect(() => parseWechatXml('<xml><!ENTITY a "b"><A>1</A></xml>')).toThrow(PayloadError);
  });

  it.each([
    ['plain text', 'hello'],
    ['JSON', '{"ToUserName":"gh"}'],
    ['an empty body', ''],
    ['mismatched tags', '<xml><A>1</B></xml>'],
    ['an unclosed element', '<xml><A>1</A>'],
    ['an unclosed CDATA', '<xml><A><![CDATA[1</A></xml>'],
    ['angle brackets only', '<<<<<<<<'],
    ['two root elements', '<xml><A>1</A></xml><xml><A>2</A></xml>'],
    ['binary garbage', '\u0000\u0001\u0002<xml>'],
  ])('refuses %s', (_, body) => {
    expect(() => parseWechatXml(body)).toThrow(PayloadError);
  });

  it('refuses a root element other than <xml>', () => {
    expect(payloadError(() => parseWechatXml('<root><A>1</A></root>')).message).toMatch(/root element <xml>/);
  });

  it('refuses text directly in <xml>', () => {
    expect(() => parseWechatXml('<xml>hello</xml>')).toThrow(PayloadError);
  });

  it(`refuses nesting deeper than ${MAX_XML_DEPTH} levels`, () => {
    const deep = (n: number) => `<xml>${'<a>'.repeat(n)}1${'</a>'.repeat(n)}</xml>`;
    expect(() => parseWechatXml(deep(MAX_XML_DEPTH - 2))).not.toThrow();
    expect(() => parseWechatXml(deep(MAX_XML_DEPTH + 1))).toThrow(PayloadError);
  });

  it('refuses a hundred thousand levels of nesting quickly, without a stack overflow', () => {
    const started = Date.now();
    expect(() => parseWechatXml(`<xml>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</xml>`)).toThrow(PayloadError);
    expect(() => parseWechatXml('<a>'.repeat(100_000))).toThrow(PayloadError);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('handles a flood of unclosed CDATA openers in linear time', () => {
    const started = Date.now();
    expect(() => parseWechatXml(`<xml><A>${'<![CDATA[x'.repeat(100_000)}</A></xml>`)).toThrow(PayloadError);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses element names that would reach Object.prototype, and pollutes nothing', () => {
    expect(() => parseWechatXml('<xml><__proto__><polluted>1</polluted></__proto__></xml>')).toThrow(PayloadError);
    expect(() => parseWechatXml('<xml><constructor><prototype>1</prototype></constructor></xml>')).toThrow(PayloadError);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('names the root element it found', () => {
    expect(parseXml('<Envelope><A>1</A></Envelope>')).toEqual({ name: 'Envelope', value: { A: '1' } });
  });
});

describe('wechat xml: building replies', () => {
  it('writes strings as CDATA, numbers and bigints bare, in insertion order', () => {
    expect(buildXml('xml', { ToUserName: 'oUser', CreateTime: 1700000000, MsgId: 6054768590064713728n, MsgType: 'text' })).toBe(
      '<xml><ToUserName><![CDATA[oUser]]></ToUserName><CreateTime>1700000000</CreateTime><MsgId>6054768590064713728</MsgId><MsgType><![CDATA[text]]></MsgType></xml>',
    );
  });

  it('splits "]]>" inside CDATA so the text survives a round trip', () => {
    const text = 'a]]>b]]>]]>c <![CDATA[ x';
    expect(cdata('a]]>b')).toBe('<![CDATA[a]]]]><![CDATA[>b]]>');
    expect(parseWechatXml(buildXml('xml', { Content: text })).Content).toBe(text);
  });

  it('round-trips markup, entities and emoji in text', () => {
    const text = '<b>&amp;</b> "中文" 🚕 \t\n';
    expect(parseWechatXml(buildXml('xml', { Content: text })).Content).toBe(text);
  });

  it('drops characters XML forbids so the reply stays well-formed', () => {
    expect(parseWechatXml(buildXml('xml', { Content: 'a\u0000b\u0007c\uFFFEd' })).Content).toBe('abcd');
  });

  it('writes nested records and repeated elements, skipping undefined fields', () => {
    expect(buildXml('xml', { Articles: { item: [{ Title: 'a' }, { Title: 'b', Url: undefined }] } })).toBe(
      '<xml><Articles><item><Title><![CDATA[a]]></Title></item><item><Title><![CDATA[b]]></Title></item></Articles></xml>',
    );
  });

  it('refuses invalid element names and non-finite numbers', () => {
    expect(() => buildXml('xml', { 'bad name': 'x' })).toThrow(PayloadError);
    expect(() => buildXml('xml', { '<x>': 'x' })).toThrow(PayloadError);
    expect(() => buildXml('xml', { N: Number.NaN })).toThrow(PayloadError);
  });
});
