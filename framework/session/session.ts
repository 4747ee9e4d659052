/**
 * Per-chat state for bots, grammY-style: `ctx.session` is loaded before the handlers run
 * and saved after them, only when it changed. Inside Kiosk it lives in Redis, so any worker
 * process can handle a chat's next update.
 */
import type { z } from 'zod';
import type { MiddlewareFn } from '../core/composer';
import type { Context } from '../core/context';
import { MemorySessionStore } from './memory-store';
import type { SessionStore } from './store';

/** Adds `session` to a context type: `Bot<Context & SessionFlavor<MySession>>`. */
export type SessionFlavor<S> = { session: S };

/** Options of the session middleware. */
export interface SessionOptions<S, C extends Context = Context> {
  /** A fresh session for a chat that has none. */
  initial: () => S;
  /** Where sessions live. @defaultValue the store Kiosk lends (Redis), or memory outside Kiosk */
  store?: SessionStore;
  /**
   * Validates what is loaded. A stored session that no longer fits (written by an older
   * version of the bot) is replaced by `initial()` rather than crashing the handler.
   */
  schema?: z.ZodType<S>;
  /** Seconds a session lives after its last change. @defaultValue 2592000 (30 days) */
  ttlSeconds?: number;
  /** The key of a context's session. @defaultValue `<bot>:<platform>:<chat id>` */
  getKey?: (ctx: C) => string | undefined;
}

/** The default key: one session per bot, platform and chat. */
export function defaultSessionKey(ctx: Context): string {
  return `${ctx.bot}:${ctx.platform}:${ctx.chat.id}`;
}

/**
 * Session middleware.
 *
 * @example
 * ```ts
 * type TaxiContext = Context & SessionFlavor<{ pickup?: string }>;
 * const bot = new Bot<TaxiContext>('taxi');
 * bot.use(session({ initial: () => ({}), schema: z.object({ pickup: z.string().optional() }) }));
 * bot.on('message:text', (ctx) => {
 *   ctx.session.pickup = ctx.text;
 * });
 * ```
 */
export function session<S, C extends Context = Context>(options: SessionOptions<S, C>): MiddlewareFn<C & SessionFlavor<S>> {
  const fallback = new MemorySessionStore();
  const ttl = options.ttlSeconds ?? 30 * 86_400;
  const getKey = options.getKey ?? defaultSessionKey;

  return async (ctx, next) => {
    const store = options.store ?? ctx.store ?? fallback;
    const key = getKey(ctx);
    let value: S | undefined;
    let loadedJson: string | undefined;
    let loaded = false;

    const load = async () => {
      if (key === undefined) return;
      const stored = await store.get(key);
      loadedJson = stored === undefined ? undefined : JSON.stringify(stored);
      if (stored === undefined) {
        value = options.initial();
      } else if (options.schema) {
        const parsed = options.schema.safeParse(stored);
        if (parsed.success) {
          value = parsed.data;
        } else {
          // The data itself is never logged: it is the customer's.
          console.warn(`kiosk: session of bot "${ctx.bot}" on ${ctx.platform} no longer fits its schema (at ${parsed.error.issues[0]?.path.join('.') || 'root'}); starting afresh`);
          value = options.initial();
        }
      } else {
        value = stored as S;
      }
      loaded = true;
    };
    await load();

    Object.defineProperty(ctx, 'session', {
      configurable: true,
      enumerable: true,
      get(): S {
        if (key === undefined) throw new Error('No session key could be derived for this update; give session() a getKey that returns one.');
        return value as S;
      },
      set(next: S | null | undefined) {
        if (key === undefined) throw new Error('No session key could be derived for this update; give session() a getKey that returns one.');
        value = next ?? undefined;
      },
    });

    await next();

    if (key === undefined || !loaded) return;
    if (value === undefined) {
      if (loadedJson !== undefined) await store.delete(key);
      return;
    }
    const json = JSON.stringify(value);
    if (json !== loadedJson) await store.set(key, value, ttl);
  };
}
