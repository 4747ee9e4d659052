/**
 * What one render carries besides the template's data: the customer's locale and time zone,
 * the output format, and the message being built. Helpers such as `{{button}}` add to that
 * message instead of printing text, so one template produces a whole `OutboundMessage`.
 *
 * The state travels in Handlebars' `@data` frame (`template(data, { data: { kiosk } })`), not
 * in the template's data, so a customer-supplied field can never impersonate it.
 */
import type { HelperOptions } from 'handlebars';
import { TemplateError } from '../core/errors';
import type { Button, Card, OutboundMessage, PlatformTemplate } from '../core/outbound';
import type { TemplateFormat } from './formats';

/** Key of the render state in Handlebars' data frame: `template(data, { data: { [STATE_KEY]: state } })`. */
export const STATE_KEY = 'kiosk';

/**
 * The state of one render. Custom helpers reach it with `renderState(options)`.
 *
 * @example
 * ```ts
 * const helpers = {
 *   greeting(options: HelperOptions) {
 *     return renderState(options).locale.startsWith('fr') ? 'Bonjour' : 'Hello';
 *   },
 * };
 * ```
 */
export class RenderState {
  /** Name of the template being rendered, for error messages. */
  readonly template: string;
  /** The customer's canonical locale, e.g. `'fr-CA'`: numbers, money and dates follow it. */
  readonly locale: string;
  /** The customer's IANA time zone, e.g. `'Europe/Paris'`. */
  readonly timeZone: string;
  /** The output format of the platform the message goes to. */
  readonly format: TemplateFormat;
  readonly #rows: Button[][] = [[]];
  #card: Card | undefined;
  #platformTemplate: PlatformTemplate | undefined;
  #openTemplate: PlatformTemplate | undefined;

  constructor(template: string, locale: string, timeZone: string, format: TemplateFormat) {
    this.template = template;
    this.locale = locale;
    this.timeZone = timeZone;
    this.format = format;
  }

  /** A `TemplateError` for this render, e.g. `state.fail('{{money}} needs a currency code')`. */
  fail(message: string, options?: { cause?: unknown; variable?: string }): TemplateError {
    return new TemplateError(this.template, message, options);
  }

  /** Add a button to the current row. */
  addButton(button: Button): void {
    this.#rows[this.#rows.length - 1]!.push(button);
  }

  /** Start a new row of buttons; a row left empty is dropped. */
  newRow(): void {
    if (this.#rows[this.#rows.length - 1]!.length > 0) this.#rows.push([]);
  }

  /** Set the message's card; a message has at most one. */
  setCard(card: Card): void {
    if (this.#card) throw this.fail('a message has at most one {{card}}; remove the second one.');
    this.#card = card;
  }

  /** Open a platform template; fields added until `closePlatformTemplate` belong to it. */
  openPlatformTemplate(template: PlatformTemplate): void {
    if (this.#platformTemplate || this.#openTemplate) {
      throw this.fail('a message has at most one {{#platform-template}}; remove the second one.');
    }
    this.#openTemplate = template;
  }

  /** Add a field to the open platform template. */
  addField(name: string, value: PlatformTemplate['fields'][string]): void {
    if (!this.#openTemplate) {
      throw this.fail(`{{field "${name}"}} is only meaningful inside {{#platform-template}}…{{/platform-template}}.`);
    }
    this.#openTemplate.fields[name] = value;
  }

  /** Close the open platform template; it becomes the message's `template`. */
  closePlatformTemplate(): void {
    this.#platformTemplate = this.#openTemplate;
    this.#openTemplate = undefined;
  }

  /**
   * The finished message: the rendered text tidied up, plus whatever helpers added.
   *
   * Tidying matters because helper calls such as `{{button …}}` print nothing but leave
   * their line behind: trailing spaces go, three or more line breaks become one blank line,
   * and leading and trailing blank lines go.
   */
  toMessage(rendered: string): OutboundMessage {
    const text = rendered
      .replace(/\r\n?/g, '\n')
      .replace(/[ \t]+$/gm, '')
      .replace(/\n{3,}/g, '\n\n')
      .replace(/^\n+/, '')
      .trimEnd();
    const message: OutboundMessage = {};
    if (text) {
      message.text = text;
      if (this.format === 'html') message.format = 'html';
    }
    const rows = this.#rows.filter((row) => row.length > 0);
    if (rows.length > 0) message.buttons = rows;
    if (this.#card) message.card = this.#card;
    if (this.#platformTemplate) message.template = this.#platformTemplate;
    if (!message.text && !message.buttons && !message.card && !message.template) {
      throw this.fail('rendered an empty message; a message needs text, buttons, a card or a platform template.');
    }
    return message;
  }
}

/**
 * The state of the render a helper was called from. Throws when the helper runs outside a
 * Kiosk render (a template compiled by hand), where there is no message to add to.
 *
 * @example
 * ```ts
 * function shout(text: unknown, options: HelperOptions) {
 *   return String(text).toLocaleUpperCase(renderState(options).locale);
 * }
 * ```
 */
export function renderState(options: HelperOptions): RenderState {
  const data: unknown = options.data;
  const state = isRecord(data) ? data[STATE_KEY] : undefined;
  if (state instanceof RenderState) return state;
  throw new Error('This helper needs a Kiosk render: call templates.render(), not a Handlebars template directly.');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
