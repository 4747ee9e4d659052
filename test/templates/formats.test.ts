import { createFormatEnvironment, escapeHtml, formatForPlatform } from '../../framework/templates/formats';

describe('escapeHtml', () => {
  it('escapes exactly the four characters Telegram has entities for', () => {
    expect(escapeHtml(`<b>Tom & "Jerry"</b> it's a=b \`x\``)).toBe(`&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt; it's a=b \`x\``);
  });

  it('escapes every occurrence, call after call', () => {
    expect(escapeHtml('a&b')).toBe('a&amp;b');
    expect(escapeHtml('&&')).toBe('&amp;&amp;');
    expect(escapeHtml('plain')).toBe('plain');
  });
});

describe('formatForPlatform', () => {
  it('maps telegram to html and everything else to plain, unless told otherwise', () => {
    expect(formatForPlatform('telegram')).toBe('html');
    for (const platform of ['wechat', 'line', 'whatsapp', 'webchat', 'toString']) expect(formatForPlatform(platform)).toBe('plain');
    expect(formatForPlatform('webchat', { webchat: 'html' })).toBe('html');
  });
});

describe('createFormatEnvironment', () => {
  const data = { name: '<b>&"\'' };

  it('escapes values in html with Telegram entities only, and leaves {{{raw}}} alone', () => {
    const html = createFormatEnvironment('html', {});
    expect(html.compile('{{name}}|{{{name}}}')(data)).toBe('&lt;b&gt;&amp;&quot;\'|<b>&"\'');
  });

  it('escapes nothing in plain', () => {
    const plain = createFormatEnvironment('plain', {});
    expect(plain.compile('{{name}}|{{{name}}}')(data)).toBe('<b>&"\'|<b>&"\'');
  });

  it('escapes helper output, inside blocks and loops too, in html', () => {
    const helpers = { shout: (text: unknown) => String(text).toUpperCase() };
    const html = createFormatEnvironment('html', helpers);
    const source = '{{shout name}} {{#each items}}[{{this}}]{{/each}} {{#if name}}{{name}}{{else}}-{{/if}}';
    expect(html.compile(source)({ ...data, items: ['a<', '&b'] })).toBe('&lt;B&gt;&amp;&quot;\' [a&lt;][&amp;b] &lt;b&gt;&amp;&quot;\'');
  });

  it('keeps the environments apart: a helper in one is unknown in the other', () => {
    createFormatEnvironment('plain', { only: () => 'x' });
    const other = createFormatEnvironment('plain', {});
    expect(() => other.compile('{{only 1}}')({})).toThrow(/only/);
  });

  it('is strict about missing values, also when they are helper arguments', () => {
    const plain = createFormatEnvironment('plain', { echo: (value: unknown) => String(value) });
    expect(() => plain.compile('{{missing}}')({})).toThrow(/"missing" not defined/);
    expect(() => plain.compile('{{echo missing}}')({})).toThrow(/"missing" not defined/);
    expect(() => createFormatEnvironment('html', {}).compile('{{missing}}')({})).toThrow(/"missing" not defined/);
    expect(plain.compile('{{echo present}}')({ present: null })).toBe('null');
  });

  it('lets if, unless, each and with test for absent values', () => {
    const plain = createFormatEnvironment('plain', {});
    expect(plain.compile('{{#if discount}}yes{{else}}no{{/if}}{{#each none}}x{{/each}}')({})).toBe('no');
  });
});
