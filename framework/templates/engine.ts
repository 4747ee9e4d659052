/**
 * The template engine a business creates once: it finds the file for a customer's locale
 * and platform, compiles it once per output format, renders it with the customer's locale
 * and time zone, and turns the result into an `OutboundMessage`.
 */
import { readFileSync, statSync } from 'node:fs';
import type { HelperDelegate } from 'handlebars';
import { z } from 'zod';
import { ConfigError, TemplateError } from '../core/errors';
import type { OutboundMessage } from '../core/outbound';
import { createFormatEnvironment, DEFAULT_PLATFORM_FORMATS, formatForPlatform, HTML_ESCAPE_HELPER, type CompiledTemplate, type FormatEnvironment, type TemplateFormat } from './formats';
import { builtinHelpers } from './helpers';
import { isTimeZone } from './intl';
import { canonicalLocale } from './locale';
import { TemplateLookup } from './lookup';
import { RenderState, STATE_KEY } from './render-state';
import { toTemplateError } from './render-error';

/**
 * Options of `createTemplates`.
 *
 * @example
 * ```ts
 * { root: 'templates', defaultLocale: 'en', timeZone: 'Europe/Paris', platformFormats: { webchat: 'html' } }
 * ```
 */
export interface TemplatesOptions {
  /** The templates folder: `<root>/<bot>/<name>[.<locale>][.<platform>].hbs`. */
  root: string;
  /** Locale of the files that serve customers whose own locale has none. @defaultValue `'en'` */
  defaultLocale?: string;
  /** Formats of platforms besides the built-in ones (`telegram: 'html'`); others are plain. @defaultValue `{}` */
  platformFormats?: Record<string, TemplateFormat>;
  /** Helpers of the business's own, registered beside (and able to replace) the built-ins. @defaultValue `{}` */
  helpers?: Record<string, HelperDelegate>;
  /** IANA time zone of dates when a render does not give the customer's. @defaultValue `'UTC'` */
  timeZone?: string;
}

/** The zod schema of `TemplatesOptions`; `createTemplates` throws a `ConfigError` naming the field, e.g. `templates.timeZone`. */
export const templatesOptionsSchema = z.object({
  root: z.string().min(1, 'must be the path of the templates folder'),
  defaultLocale: z
    .string()
    .refine((tag) => canonicalLocale(tag) !== undefined, 'must be a language tag such as en or fr-CA')
    .optional(),
  platformFormats: z.record(z.string(), z.enum(['html', 'plain'])).optional(),
  helpers: z
    .record(
      z.string().refine((name) => name !== HTML_ESCAPE_HELPER, `${HTML_ESCAPE_HELPER} is reserved`),
      z.custom<HelperDelegate>((value) => typeof value === 'function', 'must be a function'),
    )
    .optional(),
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris').optional(),
});

/**
 * For whom to render: a `Conversation` fits as is, since it has `locale` and `platform`.
 *
 * @example
 * ```ts
 * templates.render('taxi/assigned', data, { locale: 'zh_CN', platform: 'wechat', timeZone: 'Asia/Shanghai' });
 * ```
 */
export interface RenderOptions {
  /** The customer's locale, in any spelling platforms use (`fr-CA`, `zh_CN`); an unusable one means the default. */
  locale?: string | undefined;
  /** The platform the message goes to; it picks the file and the output format. */
  platform: string;
  /** The customer's IANA time zone, for `{{date}}`, `{{time}}` and `{{datetime}}`. @defaultValue the engine's `timeZone` */
  timeZone?: string | undefined;
}

/** Counters for tests and metrics, e.g. `{ compiled: 3, resolved: 11 }`. */
export interface TemplateStats {
  /** Templates compiled so far: one per (file, output format). */
  compiled: number;
  /** Template resolutions worked out so far: one per (name, locale, platform). */
  resolved: number;
}

/** A business's templates, ready to render; made by `createTemplates({ root })`. */
export interface Templates {
  /**
   * Render a template into a message for one customer. Throws a `TemplateError` naming the
   * template (and the variable, when one is missing) if it cannot.
   *
   * Works without `this`, so it can be passed as is: `createKiosk({ render: templates.render })`.
   *
   * @example
   * ```ts
   * const message = templates.render('taxi/assigned', { driver: { name: 'Ana' } }, { locale: 'fr-CA', platform: 'telegram' });
   * // { text: 'Ana arrive.', format: 'html', buttons: [[{ label: 'Annuler', data: 'taxi:cancel' }]] }
   * ```
   */
  render(name: string, data: object, options: RenderOptions): OutboundMessage;
  /**
   * Whether a template exists for a customer (in their locale, the default locale or none).
   *
   * @example
   * ```ts
   * if (templates.has('taxi/welcome', conversation)) await ctx.reply('taxi/welcome', {});
   * ```
   */
  has(name: string, options: Pick<RenderOptions, 'locale' | 'platform'>): boolean;
  /** How much work has been done, e.g. `stats().compiled` to check templates are compiled once. */
  stats(): TemplateStats;
  /** Forget resolved files and compiled templates, e.g. after deploying new template files. */
  clear(): void;
}

interface Compiled {
  template: CompiledTemplate;
  source: string;
}

/**
 * Create the template engine for a folder of `.hbs` files.
 *
 * Files are read and compiled on first use and kept; rendering is synchronous. Each
 * platform's output format decides escaping: Telegram gets HTML with `&`, `<`, `>` and `"`
 * escaped; other platforms get the text as written.
 *
 * @example
 * ```ts
 * const templates = createTemplates({ root: path.join(__dirname, 'templates'), defaultLocale: 'en' });
 * templates.render('bills/issued', { total: 42.5 }, { locale: 'fr', platform: 'wechat' });
 * ```
 */
export function createTemplates(options: TemplatesOptions): Templates {
  const parsed = templatesOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(['templates', ...issue.path.map(String)].join('.'), issue.message);
  }
  if (!isDirectory(options.root)) throw new ConfigError('templates.root', `${options.root} is not a folder; create it or point root at the templates folder.`);

  const defaultLocale = canonicalLocale(options.defaultLocale ?? 'en')!;
  const defaultTimeZone = options.timeZone ?? 'UTC';
  const platformFormats = { ...DEFAULT_PLATFORM_FORMATS, ...options.platformFormats };
  const helpers = { ...builtinHelpers, ...options.helpers };
  const environments: Record<TemplateFormat, FormatEnvironment> = {
    html: createFormatEnvironment('html', helpers),
    plain: createFormatEnvironment('plain', helpers),
  };
  const lookup = new TemplateLookup(options.root, defaultLocale);
  const compiledTemplates = new Map<string, Compiled>();
  let compiled = 0;

  function compile(name: string, file: string, format: TemplateFormat): Compiled {
    const key = `${format}\0${file}`;
    let entry = compiledTemplates.get(key);
    if (entry) return entry;
    // Normalised once here so line numbers in errors match what an editor shows.
    const source = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
    try {
      entry = { template: environments[format].compile(source), source };
    } catch (error) {
      throw new TemplateError(name, `${file} does not parse: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    compiled++;
    compiledTemplates.set(key, entry);
    return entry;
  }

  return {
    render(name, data, renderOptions) {
      const locale = canonicalLocale(renderOptions.locale) ?? defaultLocale;
      const { platform } = renderOptions;
      const { file } = lookup.resolve({ name, locale, platform });
      const format = formatForPlatform(platform, platformFormats);
      const { template, source } = compile(name, file, format);
      const timeZone = renderOptions.timeZone ?? defaultTimeZone;
      const state = new RenderState(name, locale, timeZone, format);
      let text: string;
      try {
        // Locale and time zone ride in @data, beside the state, so templates may print {{@locale}}.
        text = template(data, { data: { locale, timeZone, platform, [STATE_KEY]: state } });
      } catch (error) {
        throw toTemplateError(error, name, file, source);
      }
      return state.toMessage(text);
    },
    has(name, hasOptions) {
      return lookup.find({ name, locale: canonicalLocale(hasOptions.locale) ?? defaultLocale, platform: hasOptions.platform }) !== undefined;
    },
    stats() {
      return { compiled, resolved: lookup.resolvedCount };
    },
    clear() {
      lookup.clear();
      compiledTemplates.clear();
    },
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
