/**
 * Cached `Intl` formatters and the parsing of the values templates format. Building an
 * `Intl.NumberFormat` or `Intl.DateTimeFormat` costs tens of microseconds, far more than
 * using one, and a bot renders the same few (locale, currency, time zone) combinations all
 * day, so each is built once.
 */

// Locales come from customers, so the number of combinations is unbounded in principle;
// past this many the cache starts over rather than growing for ever.
const MAX_CACHED = 1000;
const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.PluralRules>();

// Cheaper than JSON.stringify, and options objects here are flat.
function keyOf(options: object): string {
  let key = '';
  for (const [name, value] of Object.entries(options)) key += `${name}=${String(value)};`;
  return key;
}

function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.PluralRules>(key: string, create: () => T): T {
  const hit = cache.get(key);
  if (hit) return hit as T;
  if (cache.size >= MAX_CACHED) cache.clear();
  const made = create();
  cache.set(key, made);
  return made;
}

/**
 * A cached `Intl.NumberFormat`.
 *
 * @example
 * ```ts
 * numberFormat('fr', { style: 'currency', currency: 'EUR' }).format(12.5); // '12,50 €'
 * ```
 */
export function numberFormat(locale: string, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  return cached(`n\0${locale}\0${keyOf(options)}`, () => new Intl.NumberFormat(locale, options));
}

/**
 * A cached `Intl.DateTimeFormat`.
 *
 * @example
 * ```ts
 * dateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(0); // 'January 1, 1970'
 * ```
 */
export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return cached(`d\0${locale}\0${keyOf(options)}`, () => new Intl.DateTimeFormat(locale, options));
}

/**
 * Cached cardinal `Intl.PluralRules`.
 *
 * @example
 * ```ts
 * pluralRules('fr').select(0); // 'one' (French counts 0 as singular)
 * ```
 */
export function pluralRules(locale: string): Intl.PluralRules {
  return cached(`p\0${locale}`, () => new Intl.PluralRules(locale));
}

/**
 * Whether `timeZone` is an IANA time zone this Node knows, e.g. `'Europe/Paris'`.
 *
 * @example
 * ```ts
 * isTimeZone('Asia/Shanghai'); // true
 * isTimeZone('Mars/Olympus'); // false
 * ```
 */
export function isTimeZone(timeZone: string): boolean {
  try {
    dateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** A moment to format, and whether it is a calendar date without a time of day, e.g. `toMoment('2025-03-14')`. */
export interface Moment {
  date: Date;
  /** `'2025-03-14'`: a day, not an instant. It is shown as that day in every time zone. */
  dateOnly: boolean;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
// A date and time, with a Z or an offset: without one, JavaScript would read the time in the
// server's own zone, which is nobody's business (and differs between laptop and production).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Read a value a template passes to `{{date}}`, `{{time}}` or `{{datetime}}`: a `Date`,
 * milliseconds since the epoch, or an ISO 8601 string (a date, or a date and time with `Z`
 * or an offset). Returns a reason instead when the value is none of these.
 *
 * @example
 * ```ts
 * toMoment('2025-03-14T17:05:00Z'); // { date: 2025-03-14T17:05:00.000Z, dateOnly: false }
 * toMoment('2025-03-14T17:05'); // 'an ISO date and time needs Z or an offset …'
 * ```
 */
export function toMoment(value: unknown): Moment | string {
  let date: Date | undefined;
  let dateOnly = false;
  if (value instanceof Date) date = value;
  else if (typeof value === 'number') date = new Date(value);
  else if (typeof value === 'string') {
    if (DATE_ONLY.test(value)) {
      date = new Date(`${value}T00:00:00Z`);
      dateOnly = true;
    } else if (DATE_TIME.test(value)) {
      date = new Date(value);
    } else if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
      return `an ISO date and time needs Z or an offset (e.g. "${value}Z" or "${value}+08:00"), got "${value}"`;
    }
  }
  if (!date) return `expected a Date, milliseconds since the epoch or an ISO 8601 string, got ${describe(value)}`;
  if (Number.isNaN(date.getTime()) || (typeof value === 'string' && !isCalendarDay(value))) return `${describe(value)} is not a valid date`;
  return { date, dateOnly };
}

// V8 reads "2025-02-30" as 2 March instead of refusing it; a bill due on a day that does not
// exist is a bug upstream, so it is reported rather than shown as another day.
function isCalendarDay(iso: string): boolean {
  const [year, month, day] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day && month >= 1 && month <= 12;
}

/**
 * Read a number a template passes to `{{money}}`, `{{number}}` or `{{plural}}`: a finite
 * number, or a string of one (amounts often come from a database as decimal strings).
 *
 * @example
 * ```ts
 * toNumber('12.50'); // 12.5
 * toNumber('twelve'); // undefined
 * ```
 */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}

/** A value as an error message shows it: strings quoted, objects by kind, e.g. `describe('x')` is `"x"`, `describe([])` is `an array`. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
