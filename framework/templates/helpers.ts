/**
 * Kiosk's built-in template helpers, as one table of small functions. Value helpers
 * (`money`, `number`, `date`, `time`, `datetime`, `plural`) format in the customer's locale
 * and time zone; message helpers (`button`, `url-button`, `button-row`, `card`,
 * `platform-template`, `field`) print nothing and add to the message being rendered.
 */
import Handlebars from 'handlebars';
import type { Button } from '../core/outbound';
import { dateTimeFormat, describe, isTimeZone, numberFormat, pluralRules, toMoment, toNumber } from './intl';
import { renderState, type RenderState } from './render-state';

/** One helper call, unpacked: positional arguments, hash arguments and the render state. */
class Call {
  readonly hash: Record<string, unknown>;
  readonly state: RenderState;

  constructor(
    readonly name: string,
    /** The template's arguments, without Handlebars' options object. */
    readonly args: unknown[],
    readonly options: Handlebars.HelperOptions,
    /** `this` of the call: the current context, which a block helper renders its body with. */
    readonly context: unknown,
  ) {
    this.hash = options.hash ?? {};
    this.state = renderState(options);
  }

  /** The error of this call, prefixed with the helper and its line in the template. */
  fail(message: string): Error {
    const loc: unknown = (this.options as { loc?: unknown }).loc;
    const line = typeof loc === 'object' && loc !== null && 'start' in loc ? (loc.start as { line?: number }).line : undefined;
    return this.state.fail(`{{${this.name}}}${line === undefined ? '' : ` (line ${line})`}: ${message}`);
  }
}

function helper(name: string, body: (call: Call) => unknown): Handlebars.HelperDelegate {
  return function (this: unknown, ...input: unknown[]): unknown {
    // Handlebars always passes its options object last, after the template's arguments.
    const options = input.pop() as Handlebars.HelperOptions;
    return body(new Call(name, input, options, this));
  };
}

const STYLES = ['short', 'medium', 'long', 'full'] as const;
type Style = (typeof STYLES)[number];
const CURRENCY_DISPLAYS = ['symbol', 'narrowSymbol', 'code', 'name'] as const;
const PLURAL_FORMS = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;

function style(call: Call, value: unknown, fallback: Style): Style {
  if (value === undefined) return fallback;
  if ((STYLES as readonly unknown[]).includes(value)) return value as Style;
  throw call.fail(`the style must be one of ${STYLES.join(', ')}; got ${describe(value)}.`);
}

function timeZoneOf(call: Call): string {
  const timeZone = call.hash.timeZone ?? call.state.timeZone;
  if (typeof timeZone === 'string' && isTimeZone(timeZone)) return timeZone;
  throw call.fail(`${describe(timeZone)} is not an IANA time zone such as "Europe/Paris".`);
}

function amountOf(call: Call, value: unknown): number {
  const number = toNumber(value);
  if (number === undefined) throw call.fail(`expected a number, got ${describe(value)}.`);
  return number;
}

function textOf(call: Call, value: unknown, what: string): string {
  const text = value instanceof Handlebars.SafeString ? value.toString() : typeof value === 'number' ? String(value) : value;
  if (typeof text === 'string' && text.trim() !== '') return text;
  throw call.fail(`the ${what} must be a non-empty text, got ${describe(value)}.`);
}

function checkHash(call: Call, allowed: readonly string[]): void {
  for (const key of Object.keys(call.hash)) {
    if (!allowed.includes(key)) throw call.fail(`unknown option ${key}=; the options are ${allowed.map((k) => `${k}=`).join(', ') || 'none'}.`);
  }
}

const currencyDigits = new Map<string, number>();

/** `{{money 12.5 "EUR"}}` → `€12.50` in en, `12,50 €` in fr; `minor=true` reads cents. */
const money = helper('money', (call) => {
  checkHash(call, ['minor', 'display']);
  const [amount, currency] = call.args;
  if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) {
    throw call.fail(`the second argument must be an ISO 4217 currency code, as in {{money total "EUR"}}; got ${describe(currency)}.`);
  }
  const code = currency.toUpperCase();
  const display = call.hash.display ?? 'symbol';
  if (!(CURRENCY_DISPLAYS as readonly unknown[]).includes(display)) {
    throw call.fail(`display= must be one of ${CURRENCY_DISPLAYS.join(', ')}; got ${describe(display)}.`);
  }
  const format = numberFormat(call.state.locale, { style: 'currency', currency: code, currencyDisplay: display as Intl.NumberFormatOptions['currencyDisplay'] });
  let value = amountOf(call, amount);
  if (call.hash.minor === true) {
    // Minor units per major unit come from ISO 4217 through Intl: 100 for EUR, 1 for JPY, 1000 for KWD.
    let digits = currencyDigits.get(code);
    if (digits === undefined) currencyDigits.set(code, (digits = format.resolvedOptions().maximumFractionDigits ?? 2));
    value /= 10 ** digits;
  }
  return format.format(value);
});

/** `{{number 1234.5}}` → `1,234.5` in en, `1 234,5` in fr; `decimals=2` fixes the decimals. */
const number = helper('number', (call) => {
  checkHash(call, ['decimals']);
  const { decimals } = call.hash;
  if (decimals !== undefined && !(typeof decimals === 'number' && Number.isInteger(decimals) && decimals >= 0 && decimals <= 20)) {
    throw call.fail(`decimals= must be a whole number from 0 to 20; got ${describe(decimals)}.`);
  }
  const options: Intl.NumberFormatOptions = decimals === undefined ? {} : { minimumFractionDigits: decimals, maximumFractionDigits: decimals };
  return numberFormat(call.state.locale, options).format(amountOf(call, call.args[0]));
});

function moment(call: Call, kind: 'date' | 'time' | 'datetime'): string {
  checkHash(call, ['timeZone']);
  const parsed = toMoment(call.args[0]);
  if (typeof parsed === 'string') throw call.fail(`${parsed}.`);
  if (parsed.dateOnly && kind !== 'date') throw call.fail(`${describe(call.args[0])} is a date without a time of day; use {{date}}, or pass a date and time.`);
  // A calendar date ('2025-03-14') is the same day everywhere; formatting its UTC midnight in
  // America/New_York would show the 13th.
  const timeZone = parsed.dateOnly ? 'UTC' : timeZoneOf(call);
  const options: Intl.DateTimeFormatOptions =
    kind === 'date'
      ? { dateStyle: style(call, call.args[1], 'medium'), timeZone }
      : kind === 'time'
        ? { timeStyle: style(call, call.args[1], 'short'), timeZone }
        : { dateStyle: style(call, call.args[1], 'medium'), timeStyle: style(call, call.args[2], 'short'), timeZone };
  return dateTimeFormat(call.state.locale, options).format(parsed.date);
}

/**
 * `{{plural seats one="# seat" other="# seats"}}` → `2 seats`. The form is chosen by the
 * locale's plural rules (`zero`, `one`, `two`, `few`, `many`, `other`), and `#` becomes the
 * count in the locale's digits. As in i18next, `zero=` is also used for a count of 0 in
 * languages whose rules have no zero form ("no seats").
 */
const plural = helper('plural', (call) => {
  checkHash(call, PLURAL_FORMS);
  const count = amountOf(call, call.args[0]);
  const category = pluralRules(call.state.locale).select(count);
  const { zero } = call.hash;
  const form = count === 0 && zero !== undefined ? zero : (call.hash[category] ?? call.hash.other);
  if (typeof form !== 'string') {
    throw call.fail(`no text for ${count} in ${call.state.locale} (its "${category}" form); add ${category}="…" or other="…".`);
  }
  return form.replaceAll('#', numberFormat(call.state.locale).format(count));
});

function addButton(call: Call, button: Button): string {
  call.state.addButton(button);
  return '';
}

/** `{{button "Cancel" "taxi:cancel"}}`: a button that sends its data back to the bot. */
const button = helper('button', (call) => {
  checkHash(call, []);
  const [label, data] = call.args;
  return addButton(call, { label: textOf(call, label, 'label'), data: textOf(call, data, 'data') });
});

/** `{{url-button "Track" url}}`: a button that opens a link (http, https or tg). */
const urlButton = helper('url-button', (call) => {
  checkHash(call, []);
  const [label, url] = call.args;
  const link = textOf(call, url, 'link');
  // Platforms refuse other schemes, and javascript: would be dangerous in the web chat.
  if (!/^(https?|tg):\/\/\S+$/i.test(link) || !URL.canParse(link)) throw call.fail(`${describe(link)} is not an http(s) or tg link.`);
  return addButton(call, { label: textOf(call, label, 'label'), url: link });
});

/** `{{button-row}}`: the buttons after it go on a new row. */
const buttonRow = helper('button-row', (call) => {
  checkHash(call, []);
  call.state.newRow();
  return '';
});

/** `{{card title="Your driver" description=driver.name image=driver.photo url=trackUrl}}`. */
const card = helper('card', (call) => {
  checkHash(call, ['title', 'description', 'image', 'url']);
  const { title, description, image, url } = call.hash;
  call.state.setCard({
    title: textOf(call, title, 'title'),
    ...(description === undefined ? {} : { description: textOf(call, description, 'description') }),
    ...(image === undefined ? {} : { imageUrl: textOf(call, image, 'image') }),
    ...(url === undefined ? {} : { url: textOf(call, url, 'url') }),
  });
  return '';
});

/**
 * `{{#platform-template "TEMPLATE_ID" url=link language="zh_CN"}}{{field …}}…{{/platform-template}}`:
 * a platform's pre-approved template message (a WeChat template message, a WhatsApp
 * template). The block holds only `{{field}}`s; text inside it would never be shown, so it
 * is refused.
 */
const platformTemplate = helper('platform-template', (call) => {
  checkHash(call, ['url', 'language']);
  if (typeof call.options.fn !== 'function') throw call.fail('use it as a block: {{#platform-template "ID"}}{{field …}}{{/platform-template}}.');
  const { url, language } = call.hash;
  call.state.openPlatformTemplate({
    id: textOf(call, call.args[0], 'template id'),
    fields: {},
    ...(url === undefined ? {} : { url: textOf(call, url, 'url') }),
    ...(language === undefined ? {} : { language: textOf(call, language, 'language') }),
  });
  const body = call.options.fn(call.context);
  call.state.closePlatformTemplate();
  if (body.trim() !== '') throw call.fail(`text inside the block is not shown (${describe(body.trim().slice(0, 40))}); move it out or into a {{field}}.`);
  return '';
});

/** `{{field "amount" (money total "EUR") color="#173177"}}`: one field of the platform template. */
const field = helper('field', (call) => {
  checkHash(call, ['color']);
  const [name, value] = call.args;
  const key = textOf(call, name, 'field name');
  const text = value instanceof Handlebars.SafeString ? value.toString() : typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  if (text === undefined) throw call.fail(`the value of field "${key}" must be a text or a number, got ${describe(value)}.`);
  const { color } = call.hash;
  call.state.addField(key, color === undefined ? text : { value: text, color: textOf(call, color, 'color') });
  return '';
});

/**
 * Every built-in helper by name. `createTemplates` registers them in each format's
 * environment; a business adds its own with `createTemplates({ helpers })`.
 *
 * @example
 * ```hbs
 * Your ride costs {{money fare "EUR"}}, pickup {{time pickupAt}} for {{plural seats one="# seat" other="# seats"}}.
 * {{button "Cancel" "taxi:cancel"}}{{url-button "Track" trackUrl}}
 * ```
 */
export const builtinHelpers: Readonly<Record<string, Handlebars.HelperDelegate>> = Object.freeze({
  money,
  number,
  date: helper('date', (call) => moment(call, 'date')),
  time: helper('time', (call) => moment(call, 'time')),
  datetime: helper('datetime', (call) => moment(call, 'datetime')),
  plural,
  button,
  'url-button': urlButton,
  'button-row': buttonRow,
  card,
  'platform-template': platformTemplate,
  field,
});
