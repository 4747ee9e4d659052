/**
 * Finding the file behind a template name for one customer: the most specific file for
 * their locale and platform, falling back to less specific ones, then to the default locale,
 * then to a file for every locale. Resolutions are cached, so a busy bot asks the file system
 * once per (name, locale, platform).
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { TemplateError } from '../core/errors';
import { localeChain } from './locale';

/** Extension of template files: `taxi/assigned.fr.hbs`. */
export const TEMPLATE_EXTENSION = '.hbs';

// Dots separate the locale and platform in file names, and slashes separate folders, so a
// segment may contain neither a slash nor start with a dot (which also refuses `..`).
const NAME_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
const PLATFORM = /^[A-Za-z0-9_-]+$/;

/**
 * Where a template name led.
 *
 * @example
 * ```ts
 * { file: '/srv/templates/taxi/assigned.fr.hbs', tried: ['taxi/assigned.fr-CA.telegram.hbs', 'taxi/assigned.fr-CA.hbs', 'taxi/assigned.fr.telegram.hbs'] }
 * ```
 */
export interface Resolution {
  /** Absolute path of the file that will be rendered. */
  file: string;
  /** The files tried before it was found, relative to the templates root, in order. */
  tried: string[];
}

/**
 * What to look for: a template name and the customer's locale and platform.
 *
 * @example
 * ```ts
 * { name: 'taxi/assigned', locale: 'fr-CA', platform: 'telegram' }
 * ```
 */
export interface LookupRequest {
  /** `'<bot>/<name>'`, possibly nested: `'taxi/assigned'`, `'taxi/status/arriving'`. */
  name: string;
  /** The customer's locale (any spelling `canonicalLocale` accepts); absent means the default. */
  locale?: string | undefined;
  /** The platform the message goes to, e.g. `'telegram'`. */
  platform: string;
}

/**
 * The file names to try for a template, most specific first, relative to the templates root.
 *
 * For `taxi/assigned`, locale `fr-CA`, platform `telegram` and default locale `en`:
 * `taxi/assigned.fr-CA.telegram.hbs`, `taxi/assigned.fr-CA.hbs`, `taxi/assigned.fr.telegram.hbs`,
 * `taxi/assigned.fr.hbs`, `taxi/assigned.en.telegram.hbs`, `taxi/assigned.en.hbs`,
 * `taxi/assigned.telegram.hbs`, `taxi/assigned.hbs`. Locale beats platform: a French
 * customer on Telegram gets the French file rather than the English Telegram one.
 *
 * @example
 * ```ts
 * templateCandidates({ name: 'taxi/assigned', locale: 'fr', platform: 'line' }, 'en');
 * // ['taxi/assigned.fr.line.hbs', 'taxi/assigned.fr.hbs', 'taxi/assigned.en.line.hbs', …, 'taxi/assigned.hbs']
 * ```
 */
export function templateCandidates(request: LookupRequest, defaultLocale: string): string[] {
  const { name, platform } = request;
  checkName(name);
  if (!PLATFORM.test(platform)) {
    throw new TemplateError(name, `platform "${platform}" cannot be part of a file name; use letters, digits, _ and -.`);
  }
  const locales = [...new Set([...localeChain(request.locale ?? defaultLocale), ...localeChain(defaultLocale)])];
  const candidates: string[] = [];
  for (const locale of locales) candidates.push(`${name}.${locale}.${platform}`, `${name}.${locale}`);
  candidates.push(`${name}.${platform}`, name);
  return candidates.map((candidate) => candidate + TEMPLATE_EXTENSION);
}

/**
 * Resolves template names to files under one root folder, with a cache.
 *
 * Directory listings are read once and kept, so a file added while the process runs is
 * seen only after `clear()`: templates are deployed with the code, not edited live.
 *
 * @example
 * ```ts
 * const lookup = new TemplateLookup('/srv/app/templates', 'en');
 * lookup.resolve({ name: 'taxi/assigned', locale: 'fr-CA', platform: 'telegram' }).file;
 * // '/srv/app/templates/taxi/assigned.fr.hbs'
 * ```
 */
export class TemplateLookup {
  readonly #root: string;
  readonly #defaultLocale: string;
  readonly #resolutions = new Map<string, Resolution>();
  readonly #listings = new Map<string, ReadonlySet<string>>();
  #resolved = 0;

  /**
   * @param root - the templates folder, holding one folder per bot.
   * @param defaultLocale - the locale whose files serve customers no other file fits.
   */
  constructor(root: string, defaultLocale: string) {
    this.#root = path.resolve(root);
    this.#defaultLocale = defaultLocale;
  }

  /** How many resolutions were worked out rather than served from the cache. */
  get resolvedCount(): number {
    return this.#resolved;
  }

  /**
   * The file to render for a request. Throws a `TemplateError` listing every file tried
   * when none exists.
   */
  resolve(request: LookupRequest): Resolution {
    const found = this.find(request);
    if (found) return found;
    const tried = templateCandidates(request, this.#defaultLocale);
    throw new TemplateError(
      request.name,
      `no template file found under ${this.#root}; tried ${tried.join(', ')}. Add one of these files.`,
    );
  }

  /** The file to render for a request, or `undefined` when there is none. */
  find(request: LookupRequest): Resolution | undefined {
    const key = `${request.name}\0${request.locale ?? ''}\0${request.platform}`;
    const cached = this.#resolutions.get(key);
    if (cached) return cached;
    const candidates = templateCandidates(request, this.#defaultLocale);
    for (let i = 0; i < candidates.length; i++) {
      const relative = candidates[i]!;
      const absolute = path.join(this.#root, relative);
      if (!this.#listing(path.dirname(absolute)).has(path.basename(absolute))) continue;
      const resolution: Resolution = { file: absolute, tried: candidates.slice(0, i) };
      this.#resolved++;
      this.#resolutions.set(key, resolution);
      return resolution;
    }
    // A miss is not cached: it throws, and a bot that keeps asking for a missing template
    // has a bug to fix, not a hot path to speed up.
    return undefined;
  }

  /** Forget every resolution and directory listing, e.g. after deploying new templates. */
  clear(): void {
    this.#resolutions.clear();
    this.#listings.clear();
  }

  #listing(dir: string): ReadonlySet<string> {
    let listing = this.#listings.get(dir);
    if (!listing) {
      // One readdir per folder instead of one stat per candidate; comparing names exactly
      // also makes lookup case-sensitive on every OS, as it will be in production on Linux.
      try {
        listing = new Set(readdirSync(dir));
      } catch {
        listing = new Set();
      }
      this.#listings.set(dir, listing);
    }
    return listing;
  }
}

function checkName(name: string): void {
  const segments = name.split('/');
  if (segments.length < 2 || !segments.every((segment) => NAME_SEGMENT.test(segment))) {
    throw new TemplateError(
      name,
      "a template name is '<bot>/<name>' (e.g. 'taxi/assigned' or 'taxi/status/arriving'): segments of letters, digits, _, - and ., not starting with a dot.",
    );
  }
}
