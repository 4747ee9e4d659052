import { htmlToWhatsapp, whatsappMessagesOf, type GraphMessage } from '../../../framework/adapters/whatsapp/messages';
import { DeliveryError } from '../../../framework/core/errors';

const options = { templateLanguage: 'en_US', templateParameters: 'positional' as const, listButton: 'Choose' };

function interactiveType(message: GraphMessage | undefined): unknown {
  return (message?.interactive as { type?: string } | undefined)?.type ?? message?.type;
}

describe('whatsappMessagesOf', () => {
  it('counts characters as Meta does: a 20-emoji title still fits a reply button', () => {
    const label = '🚕'.repeat(20);
    expect(label.length).toBe(40);
    const [message] = whatsappMessagesOf({ text: 'Go', buttons: [[{ label, data: 'go' }]] }, options);
    expect(interactiveType(message)).toBe('button');
  });

  it('splits long text without cutting an emoji in half', () => {
    const text = '😀'.repeat(5000);
    const parts = whatsappMessagesOf({ text }, options).map((m) => (m.text as { body: string }).body);
    expect(parts.map((p) => Array.from(p).length)).toEqual([4096, 904]);
    expect(parts.join('')).toBe(text);
  });

  it('reply buttons need unique ids: duplicates make numbered text', () => {
    const [message] = whatsappMessagesOf({ text: 'Pick', buttons: [[{ label: 'A', data: 'x' }, { label: 'B', data: 'x' }]] }, options);
    expect(message).toEqual({ type: 'text', text: { body: 'Pick\n1. A\n2. B' } });
  });

  it('buttons without any text to show them with become numbered text', () => {
    expect(whatsappMessagesOf({ buttons: [[{ label: 'Yes', data: 'y' }, { label: 'No', data: 'n' }]] }, options)).toEqual([{ type: 'text', text: { body: '1. Yes\n2. No' } }]);
  });

  it('text over 1024 characters cannot be an interactive body: numbered text instead', () => {
    const [message] = whatsappMessagesOf({ text: 'x'.repeat(1025), buttons: [[{ label: 'Ok', data: 'ok' }]] }, options);
    expect(message?.type).toBe('text');
    expect((message?.text as { body: string }).body.endsWith('\n1. Ok')).toBe(true);
  });

  it('a url button whose label is over 20 characters becomes a link in the text', () => {
    const [message] = whatsappMessagesOf({ text: 'Bill', buttons: [[{ label: 'Open your bill online now', url: 'https://example.com/b' }]] }, options);
    expect(message).toEqual({ type: 'text', text: { body: 'Bill\nOpen your bill online now: https://example.com/b', preview_url: true } });
  });

  it('a template wins over text: the delivery layer only leaves it there outside the window', () => {
    expect(whatsappMessagesOf({ text: 'hi', buttons: [[{ label: 'A', data: 'a' }]], template: { id: 't', fields: { a: '1' } } }, options)).toHaveLength(1);
  });

  it('an empty message is a DeliveryError to give up', () => {
    expect(() => whatsappMessagesOf({ buttons: [] }, options)).toThrow(DeliveryError);
  });
});

describe('htmlToWhatsapp', () => {
  it.each([
    ['<b>bold</b> <strong>strong</strong>', '*bold* *strong*'],
    ['<i>it</i> <em>em</em> <s>gone</s>', '_it_ _em_ ~gone~'],
    ['<code>x = 1</code>', '`x = 1`'],
    ['line<br>break<br/>again', 'line\nbreak\nagain'],
    ['<a href="https://example.com/?a=1&amp;b=2">see</a>', 'see (https://example.com/?a=1&b=2)'],
    ['<a href="https://example.com">https://example.com</a>', 'https://example.com'],
    ['<span class="x">plain</span> &lt;tag&gt; &quot;q&quot; &#39;s&#39;', 'plain <tag> "q" \'s\''],
  ])('%s → %s', (html, text) => {
    expect(htmlToWhatsapp(html)).toBe(text);
  });
});
