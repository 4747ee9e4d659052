/**
 * The `flows()` middleware: gives every handler `ctx.flow` (start, cancel, what is active),
 * and routes a customer's answers to the step of their active flow before the bot's other
 * handlers see them. Commands, events and buttons a step does not expect pass on, so
 * `/start` or a menu still work in the middle of a flow.
 */
import type { MiddlewareFn } from '../core/composer';
import type { Context } from '../core/context';
import { RouterError } from '../core/errors';
import type { Flow } from './flow';
import { MemoryFlowStore } from './memory-store';
import { FlowConflictError, isFlowStore, type FlowStore } from './store';
import { FlowTurn, type ActiveFlow } from './turn';

/** What handlers reach through `ctx.flow`. */
export interface FlowControl {
  /** The customer's active flow (name, step, data), or `undefined`. */
  readonly active: ActiveFlow | undefined;
  /**
   * Start a flow for this customer and ask its first step. An active flow (this one or
   * another) ends first: one customer has at most one flow per bot.
   */
  start<D>(flow: Flow<D, never>, data?: D): Promise<void>;
  /** End the active flow without a message; resolves to whether there was one. */
  cancel(): Promise<boolean>;
}

/** Adds `flow` to a context type: `Bot<Context & FlowFlavor>`. */
export type FlowFlavor = { flow: FlowControl };

/** Options of the flows middleware. */
export interface FlowsOptions<C extends Context = Context> {
  /**
   * Where flows live. @defaultValue the store Kiosk lends (`ctx.store`, Redis), or memory
   * outside Kiosk
   */
  store?: FlowStore;
  /** How long one update may hold a customer's flow before another process may take it, ms. @defaultValue 15000 */
  leaseMs?: number;
  /** How long an active flow's state is kept after its last answer, s (the idle timeout usually ends it sooner). @defaultValue 604800 (7 days) */
  ttlSeconds?: number;
  /** The key of a customer's flow. @defaultValue `<bot>:<platform>:<chat id>:<user id>` */
  getKey?: (ctx: C) => string;
}

/** The default flow key: one flow per bot, platform, chat and person. */
export function defaultFlowKey(ctx: Context): string {
  return `${ctx.bot}:${ctx.platform}:${ctx.chat.id}:${ctx.from.id}`;
}

// A served flow's data type is its own business; the turn reads it through the flow's schema.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ServedFlow<C extends Context> = Flow<any, C>;

/**
 * Serve flows in a bot. Put it after `session()` (if any) and before the handlers that start
 * flows.
 *
 * @example
 * ```ts
 * type TaxiContext = Context & FlowFlavor;
 * const bot = new Bot<TaxiContext>('taxi');
 * bot.use(flows([orderRide]));
 * bot.command('taxi', (ctx) => ctx.flow.start(orderRide));
 * ```
 */
export function flows<C extends Context>(served: ReadonlyArray<ServedFlow<C>>, options: FlowsOptions<C> = {}): MiddlewareFn<C & FlowFlavor> {
  const byName = new Map<string, Flow<unknown, C>>();
  for (const flow of served as ReadonlyArray<Flow<unknown, C>>) {
    if (byName.has(flow.name)) throw new RouterError(`Two flows are named "${flow.name}"; give each flow its own name.`);
    byName.set(flow.name, flow);
  }
  const fallback = new MemoryFlowStore();
  const leaseMs = options.leaseMs ?? 15_000;
  const ttlSeconds = options.ttlSeconds ?? 7 * 86_400;
  const getKey = options.getKey ?? defaultFlowKey;

  return async (ctx, next) => {
    const store = options.store ?? (ctx.store === undefined ? fallback : ctx.store);
    if (!isFlowStore(store)) {
      throw new TypeError('flows() needs a store with versioned writes, and the store lent to this bot has none; pass flows(list, { store: new RedisFlowStore(redis, { prefix }) }).');
    }
    const key = getKey(ctx);
    // Wait a little longer than a lease: a holder that died lets go when its lease runs out.
    const lock = await store.lockFlow(key, leaseMs, leaseMs + 5_000);
    if (!lock) throw new FlowConflictError(`Another process holds the flow of ${ctx.bot} on ${ctx.platform} for longer than its lease; retry the update.`);
    try {
      const turn = new FlowTurn(ctx, await store.readFlow(key), { store, key, flows: byName, ttlSeconds });
      if (turn.alreadyApplied) return;
      const control: FlowControl = {
        get active() {
          return turn.active;
        },
        start: (flow, data) => turn.start(flow as unknown as Flow<unknown, C>, data),
        cancel: async () => turn.cancel(),
      };
      Object.defineProperty(ctx, 'flow', { configurable: true, enumerable: true, value: control });
      if (!(await turn.handle())) await next();
      await turn.commit();
    } finally {
      await lock.release();
    }
  };
}
