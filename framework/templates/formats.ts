/**
 * Output formats and their Handlebars environments. Telegram reads HTML; WeChat, LINE,
 * WhatsApp text and Kiosk's web chat (which renders with `textContent`) read plain text. A
 * value is escaped for the format it goes to and for nothing else: `Tom & Jerry` must reach
 * a WeChat customer as `Tom & Jerry`, not `Tom &amp; Jerry`.
 */
import Handlebars from 'handlebars';
import { prepareTemplate } from './ast';

/** How a template's text is read by the platform: `'html'` (Telegram) or `'plain'`, e.g. `formatForPlatform('line') === 'plain'`. */
export type TemplateFormat = 'html' | 'plain';

/**
 * The format of each platform that does not read plain text. Platforms not listed are
 * plain.
 *
 * @example
 * ```ts
 * createTemplates({ root, platformFormats: { ...DEFAULT_PLATFORM_FORMATS, myplatform: 'html' } });
 * ```
 */
export const DEFAULT_PLATFORM_FORMATS: Readonly<Record<string, TemplateFormat>> = Object.freeze({ telegram: 'html' });

/**
 * The format a platform reads.
 *
 * @example
 * ```ts
 * formatForPlatform('telegram'); // 'html'
 * formatForPlatform('wechat'); // 'plain'
 * formatForPlatform('web', { web: 'html' }); // 'html'
 * ```
 */
export function formatForPlatform(platform: string, formats: Readonly<Record<string, TemplateFormat>> = DEFAULT_PLATFORM_FORMATS): TemplateFormat {
  return Object.hasOwn(formats, platform) ? formats[platform]! : 'plain';
}

// Two expressions because `test` on a global one is stateful (it resumes at `lastIndex`).
const HAS_HTML_SPECIAL = /[&<>"]/;
const HTML_SPECIAL = /[&<>"]/g;
const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * Escape text for Telegram's HTML parse mode. Telegram knows exactly four named entities
 * (`&lt;` `&gt;` `&amp;` `&quot;`, https://core.telegram.org/bots/api#html-style), so only
 * those four characters are escaped; Handlebars' default would also turn `'` and `=` into
 * numeric entities the customer never needs.
 *
 * @example
 * ```ts
 * escapeHtml('<b>Tom & "Jerry"</b>'); // '&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;'
 * ```
 */
export function escapeHtml(text: string): string {
  return HAS_HTML_SPECIAL.test(text) ? text.replace(HTML_SPECIAL, (char) => HTML_ENTITIES[char]!) : text;
}

/** Name of the helper every escaped `{{value}}` of an HTML template goes through: `{{name}}` compiles as `{{{kiosk-escape-html name}}}`. */
export const HTML_ESCAPE_HELPER = 'kiosk-escape-html';

/** A compiled template: data in, text out, e.g. `compiled({ name: 'Ana' }, { data: { kiosk: state } })`. */
export type CompiledTemplate = Handlebars.TemplateDelegate<unknown>;

/** One output format's Handlebars environment, e.g. `createFormatEnvironment('html', builtinHelpers)`. */
export interface FormatEnvironment {
  readonly format: TemplateFormat;
  /**
   * Compile a template's source for this format: strict, with the helpers known at compile
   * time. Throws Handlebars' own error when the source does not parse.
   */
  compile(source: string): CompiledTemplate;
}

/**
 * A Handlebars environment (`Handlebars.create()`) for one output format, with `helpers`
 * registered in it and nowhere else. In `'html'` every `{{value}}` is escaped with
 * `escapeHtml`; in `'plain'` nothing is escaped; `{{{value}}}` is never escaped.
 *
 * @example
 * ```ts
 * const html = createFormatEnvironment('html', {});
 * html.compile('Hi {{name}}')({ name: 'Tom & Jerry' }); // 'Hi Tom &amp; Jerry'
 * const plain = createFormatEnvironment('plain', {});
 * plain.compile('Hi {{name}}')({ name: 'Tom & Jerry' }); // 'Hi Tom & Jerry'
 * ```
 */
export function createFormatEnvironment(format: TemplateFormat, helpers: Readonly<Record<string, Handlebars.HelperDelegate>>): FormatEnvironment {
  const env = Handlebars.create();
  const names = new Set(Object.keys(helpers));
  for (const [name, helper] of Object.entries(helpers)) env.registerHelper(name, helper);
  if (format === 'html') {
    env.registerHelper(HTML_ESCAPE_HELPER, escapeValue);
    names.add(HTML_ESCAPE_HELPER);
  }
  // Naming every helper lets the compiler call it directly (no helper-or-value guess at
  // run time) and lets `{{button-row}}`, which takes no arguments, be told from a value.
  const knownHelpers: Record<string, boolean> = {};
  for (const name of names) knownHelpers[name] = true;
  const escapeHelper = format === 'html' ? HTML_ESCAPE_HELPER : undefined;
  return {
    format,
    compile(source) {
      const ast = prepareTemplate(env.parse(source), { helpers: names, ...(escapeHelper ? { escapeHelper } : {}) });
      // Plain text is never escaped. HTML is escaped by the helper above; were a mustache to
      // slip past the rewrite, Handlebars' stricter default escaping still applies to it.
      return env.compile<unknown>(ast, { strict: true, knownHelpers, noEscape: format === 'plain' });
    },
  };
}

/** The HTML escape as a helper: `null`/`undefined` print nothing, a `SafeString` prints as is. */
function escapeValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Handlebars.SafeString) return value.toHTML();
  return escapeHtml(String(value));
}
