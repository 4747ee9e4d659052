/**
 * The router: middleware composed the way grammY composes it. Every routing method is a
 * filter plus middleware; `command`, `hears`, `button` and `event` are a few lines each on
 * top of `on` and `filter`. Composers nest, so a business builds one bot from several
 * services, each of which could also run alone.
 */
import type { Context } from './context';
import { BotError, RouterError } from './errors';
import { matchFilter, type Filter, type FilterQuery } from './filter';

/** Calls the rest of the middleware chain. */
export type NextFunction = () => Promise<void>;

/** A middleware function: do something with the context, and call `next` to pass it on. */
export type MiddlewareFn<C> = (ctx: C, next: NextFunction) => unknown;

/** Anything that can produce a middleware function, such as a `Composer`. */
export interface MiddlewareObj<C> {
  middleware(): MiddlewareFn<C>;
}

/** A middleware function or object. */
export type Middleware<C> = MiddlewareFn<C> | MiddlewareObj<C>;

/** A predicate over the context, sync or async. */
export type Predicate<C> = (ctx: C) => boolean | Promise<boolean>;

/** What an error boundary's handler receives. */
export type ErrorHandler<C> = (error: BotError, ctx: C, next: NextFunction) => unknown;

/** A context after `command`: `match` is the text after the command (a deep-link payload for `/start`). */
export type CommandContext<C extends Context> = Filter<C, 'message:command'> & { match: string };
/** A context after `hears`: `match` is the matched string, or the RegExp match array. */
export type HearsContext<C extends Context> = Filter<C, 'message:text'> & { match: string | RegExpMatchArray };
/** A context after `button`: `match` is the button data, or the RegExp match array. */
export type ButtonContext<C extends Context> = Filter<C, 'button'> & { match: string | RegExpMatchArray };

function flatten<C>(mw: Middleware<C>): MiddlewareFn<C> {
  return typeof mw === 'function' ? mw : (ctx, next) => mw.middleware()(ctx, next);
}

function concat<C>(first: MiddlewareFn<C>, andThen: MiddlewareFn<C>): MiddlewareFn<C> {
  return async (ctx, next) => {
    let nextCalled = false;
    await first(ctx, async () => {
      if (nextCalled) throw new RouterError('next() was called twice by one middleware; call it at most once.');
      nextCalled = true;
      await andThen(ctx, next);
    });
  };
}

function pass<C>(_ctx: C, next: NextFunction): Promise<void> {
  return next();
}

const leaf: NextFunction = () => Promise.resolve();

/** Run a middleware chain to its end for one context. */
export async function run<C>(middleware: MiddlewareFn<C>, ctx: C): Promise<void> {
  await middleware(ctx, leaf);
}

type Trigger = string | RegExp;

function toArray<T>(value: T | readonly T[]): T[] {
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

/** Match a string against triggers: the string itself for an exact string trigger, the match array for a RegExp. */
function matchTriggers(triggers: Trigger[], value: string): string | RegExpMatchArray | undefined {
  for (const trigger of triggers) {
    if (typeof trigger === 'string') {
      if (value === trigger) return value;
    } else {
      trigger.lastIndex = 0;
      const match = trigger.exec(value);
      if (match) return match;
    }
  }
  return undefined;
}

/**
 * A tree of middleware. `Bot` is a `Composer` with a name and an error handler.
 *
 * @example
 * ```ts
 * const taxi = new Composer<MyContext>();
 * taxi.command('taxi', (ctx) => ctx.reply('Where shall we pick you up?'));
 * taxi.on('message:location', (ctx) => ctx.reply(`Pickup at ${ctx.location.latitude}`));
 * bot.use(taxi);
 * ```
 */
export class Composer<C extends Context> implements MiddlewareObj<C> {
  private handler: MiddlewareFn<C>;

  constructor(...middleware: Array<Middleware<C>>) {
    this.handler = middleware.length === 0 ? pass : middleware.map(flatten).reduce(concat);
  }

  /** The composed middleware function of this composer. */
  middleware(): MiddlewareFn<C> {
    return this.handler;
  }

  /**
   * Add middleware for every update. Returns a new composer that runs after it, so routes
   * can be chained under the same point of the tree.
   */
  use(...middleware: Array<Middleware<C>>): Composer<C> {
    const composer = new Composer(...middleware);
    this.handler = concat(this.handler, flatten(composer));
    return composer;
  }

  /**
   * Handle updates that match a filter query (or any of several), with the context narrowed.
   *
   * @example
   * ```ts
   * bot.on('message:location', (ctx) => ctx.reply(`Got ${ctx.location.latitude}, ${ctx.location.longitude}`));
   * bot.on('event:subscribe', (ctx) => ctx.reply('Welcome!'));
   * ```
   */
  on<Q extends FilterQuery>(filter: Q | Q[], ...middleware: Array<Middleware<Filter<C, Q>>>): Composer<Filter<C, Q>> {
    const predicates = toArray(filter).map(matchFilter);
    return this.filter(
      (ctx): ctx is Filter<C, Q> => predicates.some((p) => p(ctx.update)),
      ...middleware,
    );
  }

  /**
   * Handle text messages equal to a string or matching a RegExp; `ctx.match` holds the match.
   *
   * @example
   * ```ts
   * bot.hears(/^(\d+) seats?$/i, (ctx) => ctx.reply(`Booking ${ctx.match[1]} seats`));
   * ```
   */
  hears(trigger: Trigger | Trigger[], ...middleware: Array<Middleware<HearsContext<C>>>): Composer<HearsContext<C>> {
    const triggers = toArray(trigger);
    return this.on('message:text').filter((ctx): ctx is HearsContext<C> => {
      const match = matchTriggers(triggers, ctx.text);
      if (match === undefined) return false;
      ctx.match = match;
      return true;
    }, ...middleware);
  }

  /**
   * Handle a command such as `/taxi`; write the name without the slash. `ctx.match` is the
   * rest of the text, which for `/start` is the deep-link payload.
   *
   * @example
   * ```ts
   * bot.command('start', (ctx) => ctx.reply(ctx.match ? `Welcome via ${ctx.match}` : 'Welcome'));
   * ```
   */
  command(name: string | string[], ...middleware: Array<Middleware<CommandContext<C>>>): Composer<CommandContext<C>> {
    const names = new Set(
      toArray(name).map((n) => {
        if (n.startsWith('/')) {
          throw new RouterError(`Do not include '/' in command names: write command('${n.slice(1)}') instead of command('${n}').`);
        }
        if (!/^[A-Za-z0-9_]{1,64}$/.test(n)) {
          throw new RouterError(`Command name "${n}" is invalid: use 1 to 64 letters, digits or underscores.`);
        }
        return n.toLowerCase();
      }),
    );
    return this.on('message:command').filter((ctx): ctx is CommandContext<C> => {
      if (!names.has(ctx.message.command.name)) return false;
      ctx.match = ctx.message.command.payload;
      return true;
    }, ...middleware);
  }

  /**
   * Handle presses of buttons whose data equals a string or matches a RegExp.
   *
   * @example
   * ```ts
   * bot.button(/^seat:(\d+)$/, (ctx) => ctx.reply(`Seat ${ctx.match[1]} held for you`));
   * ```
   */
  button(data: Trigger | Trigger[], ...middleware: Array<Middleware<ButtonContext<C>>>): Composer<ButtonContext<C>> {
    const triggers = toArray(data);
    return this.on('button').filter((ctx): ctx is ButtonContext<C> => {
      const match = matchTriggers(triggers, ctx.button.data);
      if (match === undefined) return false;
      ctx.match = match;
      return true;
    }, ...middleware);
  }

  /**
   * Handle platform events of a type: `'subscribe'`, `'unsubscribe'`, `'menu'`, `'scan'`…
   *
   * @example
   * ```ts
   * bot.event('subscribe', (ctx) => ctx.reply('Thanks for following us!'));
   * ```
   */
  event<T extends string>(type: T, ...middleware: Array<Middleware<Filter<C, `event:${T}`>>>): Composer<Filter<C, `event:${T}`>> {
    return this.on(`event:${type}` as `event:${T}`, ...middleware);
  }

  /** Run middleware only when a predicate holds; a type guard narrows the context. */
  filter<D extends C>(predicate: (ctx: C) => ctx is D, ...middleware: Array<Middleware<D>>): Composer<D>;
  filter(predicate: Predicate<C>, ...middleware: Array<Middleware<C>>): Composer<C>;
  filter(predicate: Predicate<C>, ...middleware: Array<Middleware<C>>): Composer<C> {
    const composer = new Composer(...middleware);
    this.branch(predicate, composer, pass);
    return composer;
  }

  /** Run middleware only when a predicate does not hold. */
  drop(predicate: Predicate<C>, ...middleware: Array<Middleware<C>>): Composer<C> {
    return this.filter(async (ctx) => !(await predicate(ctx)), ...middleware);
  }

  /** Run one middleware or another depending on a predicate. */
  branch(predicate: Predicate<C>, trueMiddleware: Middleware<C>, falseMiddleware: Middleware<C>): Composer<C> {
    return this.lazy(async (ctx) => ((await predicate(ctx)) ? trueMiddleware : falseMiddleware));
  }

  /** Choose the middleware per update, e.g. by customer or by feature flag. */
  lazy(factory: (ctx: C) => Middleware<C> | Array<Middleware<C>> | Promise<Middleware<C> | Array<Middleware<C>>>): Composer<C> {
    return this.use(async (ctx, next) => {
      const chosen = await factory(ctx);
      await flatten(new Composer(...toArray(chosen)))(ctx, next);
    });
  }

  /**
   * Catch errors of the given middleware so they do not reach the bot's error handler. The
   * handler may call `next` to let the update continue past the boundary.
   *
   * @example
   * ```ts
   * bot.errorBoundary((err, ctx) => ctx.reply('Tickets are unavailable right now.'), tickets);
   * ```
   */
  errorBoundary(handler: ErrorHandler<C>, ...middleware: Array<Middleware<C>>): Composer<C> {
    const composer = new Composer(...middleware);
    const bound = flatten(composer);
    this.use(async (ctx, next) => {
      let nextCalled = false;
      const cont: NextFunction = () => {
        nextCalled = true;
        return Promise.resolve();
      };
      try {
        await bound(ctx, cont);
      } catch (error) {
        nextCalled = false;
        await handler(error instanceof BotError ? error : new BotError(error, ctx.update), ctx, cont);
      }
      if (nextCalled) await next();
    });
    return composer;
  }
}
