import { TemplateError } from '../../framework/core/errors';
import type { OutboundMessage } from '../../framework/core/outbound';
import { createFormatEnvironment, type TemplateFormat } from '../../framework/templates/formats';
import { builtinHelpers } from '../../framework/templates/helpers';
import { RenderState, STATE_KEY } from '../../framework/templates/render-state';

const environments = { html: createFormatEnvironment('html', builtinHelpers), plain: createFormatEnvironment('plain', builtinHelpers) };

/** Render one inline template the way the engine does, for a customer. */
function render(source: string, data: object = {}, customer: { locale?: string; timeZone?: string; format?: TemplateFormat } = {}): OutboundMessage {
  const { locale = 'en', timeZone = 'Europe/Paris', format = 'plain' } = customer;
  const state = new RenderState('test/inline', locale, timeZone, format);
  const text = environments[format].compile(source)(data, { data: { locale, timeZone, [STATE_KEY]: state } });
  return state.toMessage(text);
}
const text = (source: string, data: object = {}, customer: Parameters<typeof render>[2] = {}) => render(source, data, customer).text;

// Written out rather than computed with Intl, so that a wrong locale or time zone fails.
const NNBSP = '\u202f'; // French groups thousands with a narrow no-break space
const NBSP = '\u00a0'; // and puts a no-break space before the currency sign

describe('money', () => {
  it('formats major units in the customer locale', () => {
    expect(text('{{money 1234.5 "EUR"}}')).toBe('€1,234.50');
    expect(text('{{money 1234.5 "EUR"}}', {}, { locale: 'fr' })).toBe(`1${NNBSP}234,50${NBSP}€`);
    expect(text('{{money 1234.5 "EUR"}}', {}, { locale: 'zh' })).toBe('€1,234.50');
    expect(text('{{money 1234.5 "CNY"}}', {}, { locale: 'zh-CN' })).toBe('¥1,234.50');
  });

  it('reads minor units with minor=true, by the currency own number of decimals', () => {
    expect(text('{{money 199950 "eur" minor=true}}')).toBe('€1,999.50');
    expect(text('{{money 500 "JPY" minor=true}}')).toBe('¥500');
    expect(text('{{money 1500 "KWD" minor=true display="code"}}')).toBe(`KWD${NBSP}1.500`);
  });

  it('accepts decimal strings, as databases return them', () => {
    expect(text('{{money total "EUR"}}', { total: '12.5' }, { locale: 'fr' })).toBe(`12,50${NBSP}€`);
  });

  it.each([
    ['{{money total "EUR"}}', { total: 'twelve' }, /expected a number, got "twelve"/],
    ['{{money total}}', { total: 1 }, /currency code/],
    ['{{money total "EURO"}}', { total: 1 }, /currency code/],
    ['{{money total "EUR" display="big"}}', { total: 1 }, /display=/],
    ['{{money total "EUR" cents=true}}', { total: 1 }, /unknown option cents=/],
  ])('refuses %s with %j', (source, data, message) => {
    expect(() => render(source, data)).toThrow(TemplateError);
    expect(() => render(source, data)).toThrow(message);
  });
});

describe('number', () => {
  it('groups and separates decimals as the locale does', () => {
    expect(text('{{number 1234567.891}}')).toBe('1,234,567.891');
    expect(text('{{number 1234567.891}}', {}, { locale: 'fr' })).toBe(`1${NNBSP}234${NNBSP}567,891`);
    expect(text('{{number 12345.5}}', {}, { locale: 'zh' })).toBe('12,345.5');
    expect(text('{{number 2 decimals=2}}', {}, { locale: 'fr' })).toBe('2,00');
  });
});

describe('date, time and datetime', () => {
  const at = { at: '2025-03-14T17:05:00Z' };

  it('formats in the customer locale and time zone', () => {
    expect(text('{{date at}} / {{date at "long"}} / {{time at}}', at)).toBe('Mar 14, 2025 / March 14, 2025 / 6:05 PM');
    expect(text('{{date at}} / {{time at}}', at, { locale: 'fr' })).toBe('14 mars 2025 / 18:05');
    expect(text('{{date at "long"}} {{time at}}', at, { locale: 'zh' })).toBe('2025年3月14日 18:05');
    expect(text('{{datetime at}}', at, { locale: 'zh', timeZone: 'Asia/Shanghai' })).toBe('2025年3月15日 01:05');
    expect(text('{{datetime at}}', at, { timeZone: 'Asia/Shanghai' })).toBe('Mar 15, 2025, 1:05 AM');
  });

  it('accepts epoch milliseconds and Dates, and a per-call time zone', () => {
    const ms = Date.parse(at.at);
    expect(text('{{time ms}} {{time date timeZone="America/New_York"}}', { ms, date: new Date(ms) }, { locale: 'fr' })).toBe('18:05 13:05');
  });

  it('shows a calendar date as that day in every time zone', () => {
    expect(text('{{date day "full"}}', { day: '2025-03-14' }, { timeZone: 'America/New_York' })).toBe('Friday, March 14, 2025');
  });

  it.each([
    ['{{date at}}', { at: '2025-03-14T17:05' }, /needs Z or an offset/],
    ['{{date at}}', { at: 'next friday' }, /expected a Date/],
    ['{{date at}}', { at: '2025-02-30T10:00:00Z' }, /not a valid date/],
    ['{{time at}}', { at: '2025-03-14' }, /without a time of day/],
    ['{{date at "huge"}}', { at: '2025-03-14' }, /style must be one of/],
    ['{{time at timeZone="Mars/Olympus"}}', { at: 0 }, /IANA time zone/],
  ])('refuses %s with %j', (source, data, message) => {
    expect(() => render(source, data)).toThrow(message);
  });
});

describe('plural', () => {
  const seats = '{{plural n zero="no seats" one="# seat" other="# seats"}}';

  it('chooses the English form', () => {
    expect([0, 1, 2].map((n) => text(seats, { n }))).toEqual(['no seats', '1 seat', '2 seats']);
  });

  it('follows French rules, where 0 and 1.5 are singular, and formats # for the locale', () => {
    const source = '{{plural n one="# place" many="# de places" other="# places"}}';
    expect([0, 1.5, 2, 1000, 1000000].map((n) => text(source, { n }, { locale: 'fr' }))).toEqual([
      '0 place',
      '1,5 place',
      '2 places',
      `1${NNBSP}000 places`,
      `1${NNBSP}000${NNBSP}000 de places`,
    ]);
  });

  it('uses other for every count in Chinese', () => {
    expect([1, 2, 12345].map((n) => text('{{plural n one="# 个座位!" other="# 个座位"}}', { n }, { locale: 'zh' }))).toEqual(['1 个座位', '2 个座位', '12,345 个座位']);
  });

  it('uses two, few and many where the language has them', () => {
    const source = '{{plural n zero="z" one="o" two="t" few="f" many="m" other="x"}}';
    expect([0, 1, 2, 3, 11, 100].map((n) => text(source, { n }, { locale: 'ar' }))).toEqual(['z', 'o', 't', 'f', 'm', 'x']);
  });

  it('says which form is missing', () => {
    expect(() => render('{{plural n one="# seat"}}', { n: 2 })).toThrow(/"other" form/);
    expect(() => render('{{plural n one="# seat" others="# seats"}}', { n: 2 })).toThrow(/unknown option others=/);
  });
});

describe('message helpers', () => {
  it('add buttons to rows, print nothing, and leave no blank lines behind', () => {
    const source = 'Pay?\n{{button "Pay" "bills:pay"}}\n{{button "Later" "bills:later"}}\n{{button-row}}\n{{url-button "Open" url}}\n';
    expect(render(source, { url: 'https://example.com/b?x=1&y=2' })).toEqual({
      text: 'Pay?',
      buttons: [
        [
          { label: 'Pay', data: 'bills:pay' },
          { label: 'Later', data: 'bills:later' },
        ],
        [{ label: 'Open', url: 'https://example.com/b?x=1&y=2' }],
      ],
    });
  });

  it('never escape labels or data, which are not HTML, even in html format', () => {
    const message = render('{{name}}{{button name "a&b"}}', { name: 'Tom & Jerry' }, { format: 'html' });
    expect(message).toEqual({ text: 'Tom &amp; Jerry', format: 'html', buttons: [[{ label: 'Tom & Jerry', data: 'a&b' }]] });
  });

  it('drop empty rows', () => {
    expect(render('{{button-row}}{{button "A" "a"}}{{button-row}}{{button-row}}').buttons).toEqual([[{ label: 'A', data: 'a' }]]);
  });

  it('refuse unusable buttons', () => {
    expect(() => render('{{button "" "x"}}')).toThrow(/label must be a non-empty text/);
    expect(() => render('{{button "A"}}')).toThrow(/data must be a non-empty text/);
    expect(() => render('{{url-button "A" "javascript:alert(1)"}}')).toThrow(/not an http\(s\) or tg link/);
  });

  it('card fills message.card', () => {
    const message = render('{{card title="Your ride" description=(money 12 "EUR") image=photo url="https://t.example/1"}}Thanks', { photo: 'https://img.example/p.jpg' });
    expect(message).toEqual({
      text: 'Thanks',
      card: { title: 'Your ride', description: '€12.00', imageUrl: 'https://img.example/p.jpg', url: 'https://t.example/1' },
    });
    expect(() => render('{{card description="x"}}')).toThrow(/title must be a non-empty text/);
    expect(() => render('{{card title="a"}}{{card title="b"}}')).toThrow(/at most one \{\{card\}\}/);
  });

  it('platform-template fills message.template with its fields, formatted for the locale', () => {
    const source = [
      '{{#platform-template "TM00015" url=url language="zh_CN"}}',
      '  {{field "amount" (money total "CNY") color="#173177"}}',
      '  {{field "items" items}}',
      '{{/platform-template}}',
    ].join('\n');
    expect(render(source, { url: 'https://pay.example/1', total: 42.5, items: 3 }, { locale: 'zh-CN', format: 'html' })).toEqual({
      template: {
        id: 'TM00015',
        url: 'https://pay.example/1',
        language: 'zh_CN',
        fields: { amount: { value: '¥42.50', color: '#173177' }, items: '3' },
      },
    });
  });

  it('platform-template refuses text it would not show, fields outside it, and a second one', () => {
    expect(() => render('{{#platform-template "T"}}Hello{{/platform-template}}')).toThrow(/text inside the block is not shown/);
    expect(() => render('{{field "a" "b"}}')).toThrow(/only meaningful inside/);
    expect(() => render('{{#platform-template "T"}}{{/platform-template}}{{#platform-template "U"}}{{/platform-template}}')).toThrow(/at most one/);
    expect(() => render('{{platform-template "T"}}')).toThrow(/use it as a block/);
  });

  it('a render with nothing to send is an error', () => {
    expect(() => render('  \n\n')).toThrow(/empty message/);
  });
});

describe('errors from helpers', () => {
  it('name the template, the helper and the line', () => {
    let error: unknown;
    try {
      render('Hello\n{{money total "EUR"}}', { total: 'abc' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).template).toBe('test/inline');
    expect((error as TemplateError).message).toMatch(/\{\{money\}\} \(line 2\)/);
  });
});
