/**
 * A bot: a named `Composer` with an error handler. It is defined once and served on every
 * platform configured for it; the runtime hands it updates through `handleUpdate`.
 */
import { Composer, run } from './composer';
import { Context, type ContextServices } from './context';
import { BotError } from './errors';
import type { Update } from './update';

/** Options of a bot. */
export interface BotOptions {
  /** Locale used when neither the customer nor the session gives one. @defaultValue `'en'` */
  defaultLocale?: string;
}

/** Handles an error that escaped every error boundary. */
export type BotErrorHandler<C> = (error: BotError, ctx: C) => unknown;

/** Builds the context for an update; a bot may swap in a subclass of `Context`. */
export type ContextFactory<C extends Context> = (update: Update, services: ContextServices) => C;

/**
 * A bot defined in code, served on every platform it is configured for.
 *
 * @example
 * ```ts
 * const bot = new Bot('taxi');
 * bot.command('start', (ctx) => ctx.reply('Hello! Send /taxi to order a ride.'));
 * bot.catch((err) => console.error(err.code, err.update.id));
 * ```
 */
export class Bot<C extends Context = Context> extends Composer<C> {
  /** The bot's name; the configuration and webhook URLs refer to it. */
  readonly name: string;
  /** Locale for customers who have none. */
  readonly defaultLocale: string;
  private errorHandler: BotErrorHandler<C> = defaultErrorHandler;
  private readonly makeContext: ContextFactory<C>;

  constructor(name: string, options: BotOptions & { context?: ContextFactory<C> } = {}) {
    super();
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) {
      throw new TypeError(`Bot name "${name}" is invalid: use lowercase letters, digits, '-' or '_' (it appears in webhook URLs).`);
    }
    this.name = name;
    this.defaultLocale = options.defaultLocale ?? 'en';
    this.makeContext = options.context ?? ((update, services) => new Context(update, services) as C);
  }

  /**
   * Set what happens to an error no error boundary caught. The default logs the error's
   * code and the update's id (never the customer's data) and goes on with the next update.
   */
  catch(handler: BotErrorHandler<C>): void {
    this.errorHandler = handler;
  }

  /**
   * Run one update through the middleware. Errors go to the error handler; if that throws,
   * the error propagates to the caller (the inbound worker, which then retries the update).
   */
  async handleUpdate(update: Update, services: ContextServices): Promise<C> {
    const ctx = this.makeContext(update, services);
    try {
      await run(this.middleware(), ctx);
    } catch (error) {
      await this.errorHandler(error instanceof BotError ? error : new BotError(error, update), ctx);
    }
    if (update.kind === 'button' && !ctx.buttonAnswered) {
      // Telegram shows a spinner until a callback query is answered; answer it even if no handler did.
      await ctx.answerButton().catch(() => undefined);
    }
    return ctx;
  }
}

function defaultErrorHandler(error: BotError): void {
  const cause = error.cause instanceof Error ? error.cause.name : 'Error';
  console.error(`kiosk: bot "${error.update.bot}" failed on ${error.update.platform} update ${error.update.id} (${cause}); add bot.catch() to handle it`);
}
