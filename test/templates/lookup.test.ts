import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TemplateError } from '../../framework/core/errors';
import { canonicalLocale, localeChain } from '../../framework/templates/locale';
import { templateCandidates, TemplateLookup } from '../../framework/templates/lookup';

describe('locale', () => {
  it('canonicalises the spellings platforms use', () => {
    expect(canonicalLocale('zh_CN')).toBe('zh-CN');
    expect(canonicalLocale('pt-br')).toBe('pt-BR');
    expect(canonicalLocale('zh-hant-tw')).toBe('zh-Hant-TW');
    expect(canonicalLocale('')).toBeUndefined();
    expect(canonicalLocale('not a tag')).toBeUndefined();
  });

  it('drops one subtag at a time and ignores Unicode extensions', () => {
    expect(localeChain('zh-Hant-TW')).toEqual(['zh-Hant-TW', 'zh-Hant', 'zh']);
    expect(localeChain('fr-CA-u-nu-latn')).toEqual(['fr-CA', 'fr']);
    expect(localeChain('en')).toEqual(['en']);
  });
});

describe('templateCandidates', () => {
  it('tries region, language, default locale, platform, then the bare file', () => {
    expect(templateCandidates({ name: 'taxi/assigned', locale: 'fr-CA', platform: 'telegram' }, 'en')).toEqual([
      'taxi/assigned.fr-CA.telegram.hbs',
      'taxi/assigned.fr-CA.hbs',
      'taxi/assigned.fr.telegram.hbs',
      'taxi/assigned.fr.hbs',
      'taxi/assigned.en.telegram.hbs',
      'taxi/assigned.en.hbs',
      'taxi/assigned.telegram.hbs',
      'taxi/assigned.hbs',
    ]);
  });

  it('does not repeat the default locale when the customer already speaks it', () => {
    expect(templateCandidates({ name: 'taxi/status/arriving', locale: 'en-GB', platform: 'line' }, 'en')).toEqual([
      'taxi/status/arriving.en-GB.line.hbs',
      'taxi/status/arriving.en-GB.hbs',
      'taxi/status/arriving.en.line.hbs',
      'taxi/status/arriving.en.hbs',
      'taxi/status/arriving.line.hbs',
      'taxi/status/arriving.hbs',
    ]);
  });

  it.each(['assigned', '/taxi/assigned', 'taxi/../secrets', 'taxi/.hidden', 'taxi//assigned', 'taxi\\assigned'])(
    'refuses the name %j',
    (name) => {
      expect(() => templateCandidates({ name, platform: 'telegram' }, 'en')).toThrow(TemplateError);
    },
  );

  it('refuses a platform that cannot be part of a file name', () => {
    expect(() => templateCandidates({ name: 'taxi/assigned', platform: '../x' }, 'en')).toThrow(/platform/);
  });
});

describe('TemplateLookup', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'kiosk-lookup-'));
    mkdirSync(path.join(root, 'taxi'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const write = (file: string) => writeFileSync(path.join(root, 'taxi', file), file);
  const found = (locale: string | undefined, platform = 'telegram') =>
    path.basename(new TemplateLookup(root, 'en').resolve({ name: 'taxi/assigned', locale, platform }).file);

  it('falls back one level at a time, from region to language to default locale to platform to bare', () => {
    const levels = [
      'assigned.fr-CA.telegram.hbs',
      'assigned.fr-CA.hbs',
      'assigned.fr.telegram.hbs',
      'assigned.fr.hbs',
      'assigned.en.telegram.hbs',
      'assigned.en.hbs',
      'assigned.telegram.hbs',
      'assigned.hbs',
    ];
    levels.forEach(write);
    for (const level of levels) {
      expect(found('fr-CA')).toBe(level);
      unlinkSync(path.join(root, 'taxi', level));
    }
  });

  it('prefers the customer language on any platform over the default locale on this platform', () => {
    ['assigned.fr.hbs', 'assigned.en.telegram.hbs', 'assigned.telegram.hbs'].forEach(write);
    expect(found('fr-CA')).toBe('assigned.fr.hbs');
    expect(found('de')).toBe('assigned.en.telegram.hbs');
    expect(found(undefined)).toBe('assigned.en.telegram.hbs');
  });

  it('does not take another platform file', () => {
    ['assigned.wechat.hbs', 'assigned.hbs'].forEach(write);
    expect(found('en', 'telegram')).toBe('assigned.hbs');
    expect(found('en', 'wechat')).toBe('assigned.wechat.hbs');
  });

  it('resolves nested names', () => {
    mkdirSync(path.join(root, 'taxi', 'status'));
    writeFileSync(path.join(root, 'taxi', 'status', 'arriving.zh.hbs'), '');
    const resolution = new TemplateLookup(root, 'en').resolve({ name: 'taxi/status/arriving', locale: 'zh-CN', platform: 'wechat' });
    expect(resolution.file).toBe(path.join(root, 'taxi', 'status', 'arriving.zh.hbs'));
    expect(resolution.tried).toEqual(['taxi/status/arriving.zh-CN.wechat.hbs', 'taxi/status/arriving.zh-CN.hbs', 'taxi/status/arriving.zh.wechat.hbs']);
  });

  it('names the template and every file tried when none exists', () => {
    const lookup = new TemplateLookup(root, 'en');
    let error: unknown;
    try {
      lookup.resolve({ name: 'taxi/assigned', locale: 'fr-CA', platform: 'telegram' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TemplateError);
    const { template, message } = error as TemplateError;
    expect(template).toBe('taxi/assigned');
    for (const file of templateCandidates({ name: 'taxi/assigned', locale: 'fr-CA', platform: 'telegram' }, 'en')) {
      expect(message).toContain(file);
    }
  });

  it('caches a resolution per (name, locale, platform) until cleared', () => {
    write('assigned.hbs');
    const lookup = new TemplateLookup(root, 'en');
    const request = { name: 'taxi/assigned', locale: 'fr', platform: 'telegram' };
    expect(path.basename(lookup.resolve(request).file)).toBe('assigned.hbs');
    write('assigned.fr.hbs');
    expect(path.basename(lookup.resolve(request).file)).toBe('assigned.hbs');
    expect(lookup.resolvedCount).toBe(1);
    lookup.resolve({ ...request, platform: 'line' });
    expect(lookup.resolvedCount).toBe(2);
    lookup.clear();
    expect(path.basename(lookup.resolve(request).file)).toBe('assigned.fr.hbs');
  });

  it('find answers undefined rather than throwing', () => {
    expect(new TemplateLookup(root, 'en').find({ name: 'taxi/none', platform: 'telegram' })).toBeUndefined();
  });
});
