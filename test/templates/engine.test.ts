import * as path from 'node:path';
import type { HelperOptions } from 'handlebars';
import { ConfigError, TemplateError } from '../../framework/core/errors';
import { createTemplates, renderState, type TemplatesOptions } from '../../framework/templates';

const root = path.join(__dirname, 'fixtures');
const make = (options: Partial<TemplatesOptions> = {}) => createTemplates({ root, timeZone: 'Europe/Paris', ...options });

const ride = {
  driver: { name: 'Ana', car: 'Clio', photo: 'https://img.example/ana.jpg' },
  pickupAt: '2025-03-14T17:05:00Z',
  fare: 1234.5,
  trackUrl: 'https://track.example/r/1',
};
const bill = { customer: 'Ana', items: 3, total: 42.5, due: '2025-04-01', invoiceUrl: 'https://bills.example/1.pdf' };

const NNBSP = '\u202f';
const NBSP = '\u00a0';

function caught(run: () => unknown): TemplateError {
  try {
    run();
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('expected a TemplateError');
}

describe('createTemplates: choosing the file', () => {
  const templates = make();
  const first = (locale: string | undefined, platform: string) => templates.render('taxi/assigned', ride, { locale, platform }).text!.split('\n')[0];

  it('renders the default file for the default locale on a plain platform', () => {
    expect(first('en', 'webchat')).toBe('Your driver Ana is on the way in a Clio.');
  });

  it('prefers the platform file of the default locale', () => {
    expect(first('en-US', 'telegram')).toBe('<b>Ana</b> is on the way in a <i>Clio</i>.');
    expect(first(undefined, 'telegram')).toBe('<b>Ana</b> is on the way in a <i>Clio</i>.');
  });

  it('falls back from region to language', () => {
    expect(first('fr-CA', 'telegram')).toBe('Votre chauffeur Ana arrive dans une Clio.');
    expect(first('zh_CN', 'wechat')).toBe('司机Ana正在赶来（Clio）。');
  });

  it('falls back to the bare file for a language it does not have, and for an unusable locale', () => {
    expect(first('de', 'line')).toBe('Your driver Ana is on the way in a Clio.');
    expect(first('not a locale', 'line')).toBe('Your driver Ana is on the way in a Clio.');
  });

  it('renders nested names', () => {
    expect(templates.render('taxi/status/arriving', { driver: ride.driver, minutes: 1 }, { platform: 'line' }).text).toBe('Ana arrives in 1 minute.');
  });

  it('names the template and the files tried when there is none', () => {
    const error = caught(() => templates.render('taxi/missing', {}, { locale: 'fr-CA', platform: 'telegram' }));
    expect(error.template).toBe('taxi/missing');
    expect(error.code).toBe('KIOSK_TEMPLATE_FAILED');
    expect(error.message).toContain(
      'tried taxi/missing.fr-CA.telegram.hbs, taxi/missing.fr-CA.hbs, taxi/missing.fr.telegram.hbs, taxi/missing.fr.hbs, ' +
        'taxi/missing.en.telegram.hbs, taxi/missing.en.hbs, taxi/missing.telegram.hbs, taxi/missing.hbs',
    );
  });

  it('has() tells whether a file exists without rendering', () => {
    expect(templates.has('taxi/assigned', { locale: 'fr', platform: 'line' })).toBe(true);
    expect(templates.has('taxi/missing', { platform: 'line' })).toBe(false);
  });
});

describe('createTemplates: the message', () => {
  const templates = make();

  it('escapes data for telegram and not for plain platforms, from the same file', () => {
    const data = { note: '<b>&', author: { name: 'A "B"' }, count: 2 };
    expect(templates.render('taxi/note', data, { platform: 'telegram' })).toEqual({
      text: 'Note: &lt;b&gt;&amp;\nRaw: <b>&\nBy A &quot;B&quot; (2 &lt;many&gt;)',
      format: 'html',
    });
    expect(templates.render('taxi/note', data, { platform: 'wechat' })).toEqual({ text: 'Note: <b>&\nRaw: <b>&\nBy A "B" (2 <many>)' });
  });

  it('renders money, dates, plurals and buttons for an English, French and Chinese customer', () => {
    const buttons = [
      [
        { label: 'Pay now', data: 'bills:pay' },
        { label: 'Details', data: 'bills:details' },
      ],
      [{ label: 'Invoice (PDF)', url: 'https://bills.example/1.pdf' }],
    ];
    expect(templates.render('bills/bill', bill, { locale: 'en', platform: 'line' })).toEqual({
      text: 'Hello Ana,\n\nYour bill for 3 items is €42.50, due April 1, 2025.',
      buttons,
    });
    expect(templates.render('bills/bill', { ...bill, items: 1 }, { locale: 'fr', platform: 'telegram' }).text).toBe(
      `Hello Ana,\n\nYour bill for 1 item is 42,50${NBSP}€, due 1 avril 2025.`,
    );
    expect(templates.render('taxi/assigned', ride, { locale: 'zh-CN', platform: 'line', timeZone: 'Asia/Shanghai' }).text).toBe(
      '司机Ana正在赶来（Clio）。\n上车时间 01:05，预计 ¥1,234.50。',
    );
    expect(templates.render('taxi/assigned', ride, { locale: 'fr', platform: 'line' }).text).toBe(
      `Votre chauffeur Ana arrive dans une Clio.\nPrise en charge à 18:05, environ 1${NNBSP}234,50${NBSP}€.`,
    );
  });

  it('tidies the text: no leading blank line, no run of blank lines, no trailing spaces', () => {
    const { text } = templates.render('bills/bill', { ...bill, customer: null }, { platform: 'line' });
    expect(text).toBe('Your bill for 3 items is €42.50, due April 1, 2025.');
  });

  it('fills message.card from {{card}}', () => {
    expect(templates.render('taxi/summary', ride, { locale: 'fr', platform: 'line' })).toEqual({
      text: 'Thanks for riding with us.',
      card: { title: 'Your ride', description: `1${NNBSP}234,50${NBSP}€`, imageUrl: 'https://img.example/ana.jpg', url: 'https://track.example/r/1' },
    });
  });

  it('fills message.template from {{#platform-template}} on WeChat', () => {
    expect(templates.render('bills/bill', bill, { locale: 'zh-CN', platform: 'wechat' })).toEqual({
      template: {
        id: 'TM00015',
        url: 'https://bills.example/1.pdf',
        language: 'zh_CN',
        fields: { amount: { value: '¥42.50', color: '#173177' }, due: '2025年4月1日', items: '3' },
      },
    });
  });

  it('render works detached from the object, as createKiosk({ render }) calls it', () => {
    const { render } = templates;
    expect(render('taxi/status/arriving', { driver: ride.driver, minutes: 2 }, { bot: 'taxi', platform: 'line', chat: 'c', user: 'u', locale: 'en' } as Parameters<typeof render>[2]).text).toBe(
      'Ana arrives in 2 minutes.',
    );
  });
});

describe('createTemplates: errors', () => {
  const templates = make();

  it.each(['telegram', 'line'])('a missing variable names the template and the variable (%s)', (platform) => {
    const error = caught(() => templates.render('taxi/assigned', { ...ride, driver: undefined }, { platform }));
    expect(error.template).toBe('taxi/assigned');
    expect(error.variable).toBe('driver.name');
    expect(error.message).toMatch(/"driver\.name" is not in the data .*line 1/);
  });

  it('a missing property of a present object names the whole path', () => {
    const error = caught(() => templates.render('taxi/assigned', { ...ride, driver: { name: 'Ana' } }, { platform: 'line' }));
    expect(error.variable).toBe('driver.car');
  });

  it('a variable missing as a helper argument is named too', () => {
    const { total: _total, ...noTotal } = bill;
    for (const platform of ['telegram', 'line', 'wechat']) {
      const error = caught(() => templates.render('bills/bill', noTotal, { platform }));
      expect(error.template).toBe('bills/bill');
      expect(error.variable).toBe('total');
    }
  });

  it('if may test an absent value, but a path through a missing object is named', () => {
    expect(templates.render('bills/status', { order: {} }, { platform: 'line' }).text).toBe('Payment due.');
    expect(templates.render('bills/status', { order: { paid: true } }, { platform: 'line' }).text).toBe('Paid, thank you.');
    const error = caught(() => templates.render('bills/status', {}, { platform: 'line' }));
    expect(error.message).toMatch(/"paid" was read from a missing object/);
  });

  it('a template that does not parse names its file', () => {
    const error = caught(() => templates.render('bills/broken', { total: 1 }, { platform: 'line' }));
    expect(error.template).toBe('bills/broken');
    expect(error.message).toContain(path.join(root, 'bills', 'broken.hbs'));
    expect(error.message).toMatch(/Parse error/);
  });

  it('an error in a helper keeps its message and the template name', () => {
    const error = caught(() => templates.render('bills/bill', { ...bill, total: 'abc' }, { platform: 'line' }));
    expect(error.message).toBe('Template "bills/bill": {{money}} (line 3): expected a number, got "abc".');
  });
});

describe('createTemplates: compiling once', () => {
  it('compiles each file once per output format, however often and for whomever it renders', () => {
    const templates = make();
    for (let i = 0; i < 50; i++) {
      for (const locale of ['en', 'en-GB', 'de']) for (const platform of ['line', 'wechat', 'webchat']) templates.render('taxi/assigned', ride, { locale, platform });
    }
    // One file (assigned.hbs), one format (plain).
    expect(templates.stats().compiled).toBe(1);
    templates.render('taxi/assigned', ride, { locale: 'de', platform: 'telegram' });
    templates.render('taxi/assigned', ride, { locale: 'zh', platform: 'telegram' });
    templates.render('taxi/assigned', ride, { locale: 'zh', platform: 'telegram' });
    // assigned.en.telegram.hbs (html), assigned.zh.hbs (html).
    expect(templates.stats().compiled).toBe(3);
    expect(templates.stats().resolved).toBe(11);
    templates.clear();
    templates.render('taxi/assigned', ride, { platform: 'line' });
    expect(templates.stats().compiled).toBe(4);
  });
});

describe('createTemplates: options', () => {
  it('extends the platform formats', () => {
    const templates = make({ platformFormats: { webchat: 'html' } });
    expect(templates.render('taxi/note', { note: '&', author: { name: 'x' }, count: 1 }, { platform: 'webchat' }).format).toBe('html');
  });

  it('registers the business helpers, which can read the customer locale', () => {
    const templates = make({
      helpers: {
        plural: (_count: unknown, options: HelperOptions) => `[${renderState(options).locale}]`,
      },
    });
    expect(templates.render('taxi/status/arriving', { driver: ride.driver, minutes: 3 }, { locale: 'fr-ca', platform: 'line' }).text).toBe('Ana arrives in [fr-CA].');
  });

  it.each<[Partial<TemplatesOptions>, string]>([
    [{ root: path.join(root, 'nope') }, 'templates.root'],
    [{ root: '' }, 'templates.root'],
    [{ timeZone: 'Paris' }, 'templates.timeZone'],
    [{ defaultLocale: 'not a locale' }, 'templates.defaultLocale'],
    [{ platformFormats: { telegram: 'markdown' as 'html' } }, 'templates.platformFormats.telegram'],
    [{ helpers: { 'kiosk-escape-html': () => '' } }, 'templates.helpers'],
  ])('refuses %j with a ConfigError naming %s', (options, field) => {
    let error: unknown;
    try {
      make(options);
    } catch (caughtError) {
      error = caughtError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}`));
  });
});
