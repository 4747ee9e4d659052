/**
 * Language tags as platforms report them, made usable: canonical BCP 47 for `Intl`, and the
 * chain of ever less specific tags that template lookup falls back through.
 */

/**
 * The canonical form of a language tag, or `undefined` when it is not one.
 *
 * Platforms disagree on spelling: WeChat reports `zh_CN`, Telegram `pt-br`, a web page
 * `zh-hant-tw`. All of them become what `Intl` and template file names use (`zh-CN`,
 * `pt-BR`, `zh-Hant-TW`). A tag `Intl` refuses (`''`, `i-klingon`) gives `undefined`, so the
 * caller can fall back to its default locale instead of failing a customer's message.
 *
 * @example
 * ```ts
 * canonicalLocale('zh_CN'); // 'zh-CN'
 * canonicalLocale('not a tag'); // undefined
 * ```
 */
export function canonicalLocale(tag: string | undefined): string | undefined {
  if (!tag) return undefined;
  // Asked on every render and slower than the rest of a small render, so remembered; tags
  // come from customers, so the memory is bounded.
  if (canonical.has(tag)) return canonical.get(tag);
  let result: string | undefined;
  try {
    result = Intl.getCanonicalLocales(tag.replace(/_/g, '-'))[0];
  } catch {
    result = undefined;
  }
  if (canonical.size >= MAX_REMEMBERED) canonical.clear();
  canonical.set(tag, result);
  return result;
}

const MAX_REMEMBERED = 1000;
const canonical = new Map<string, string | undefined>();

/**
 * The tags to try for a locale, most specific first: region and script are dropped one
 * subtag at a time, and Unicode extensions (`-u-ca-buddhist`) are ignored because they change
 * how dates and numbers look, not which language a template is written in.
 *
 * @example
 * ```ts
 * localeChain('zh-Hant-TW'); // ['zh-Hant-TW', 'zh-Hant', 'zh']
 * localeChain('fr-CA-u-nu-latn'); // ['fr-CA', 'fr']
 * ```
 */
export function localeChain(locale: string): string[] {
  const canonical = canonicalLocale(locale);
  if (!canonical) return [];
  const parts = new Intl.Locale(canonical).baseName.split('-');
  const chain: string[] = [];
  for (let length = parts.length; length > 0; length--) chain.push(parts.slice(0, length).join('-'));
  return chain;
}
