/**
 * One session per service inside the hub. Each service (taxi, bills, tickets) is written as if
 * it ran alone, so each assumes `ctx.session` is its own object and may replace it whole
 * (`ctx.session = idle()`). In the hub they share one stored session, so each service gets a
 * view of its own part: `{ taxi: {…}, bills: {…} }` is stored once per chat (one Redis read and
 * at most one write per update), and a service replacing its session cannot wipe another's.
 *
 * Which part `ctx.session` shows is decided when it is read: inside a service mounted with
 * `mount()`, that service's part; while a flow step runs (flows answer before any service
 * sees the update), the part of the service that owns the active flow.
 */
import { Composer, RouterError, session, z, type Context, type Flow, type FlowFlavor, type Middleware, type MiddlewareFn, type SessionFlavor } from '../../framework/index';

/** What the hub must know of a service's session. */
export interface ServiceSessionSpec<S = unknown> {
  /** A fresh session of the service, for a chat that has none. */
  initial: () => S;
  /** Validates the stored part; a part that no longer fits is replaced by `initial()`, the other parts are kept. */
  schema?: z.ZodType<S>;
  /** The flows the service starts: while one of them answers, `ctx.session` is this service's part. */
  flows?: ReadonlyArray<Pick<Flow<never, never>, 'name'>>;
}

/** The stored session of a hub: one part per service, by service name. */
export type HubSession = Record<string, unknown>;

/** A context whose `ctx.session` is a service's own part. */
type ServiceContext<S> = Context & FlowFlavor & SessionFlavor<S>;
/** The context while the stored session is loaded, before the per-service view replaces it. */
type RootContext = Context & FlowFlavor & SessionFlavor<HubSession>;

const SCOPE = 'hub.sessionScope';
const FLOW_SCOPE = 'hub.flowSessionScope';

/**
 * The session middleware of a hub and a way to mount services on it.
 *
 * @example
 * ```ts
 * const sessions = serviceSessions({ taxi: { initial: idle, schema: rideSession, flows: [order] } });
 * hub.use(sessions.middleware);   // before flows([...])
 * hub.use(flows([order]));
 * hub.use(sessions.mount('taxi', createTaxiService(order)));
 * ```
 */
export function serviceSessions(specs: Record<string, ServiceSessionSpec>): {
  /** Loads and saves the hub's session, and makes `ctx.session` a view of the current service's part. */
  middleware: MiddlewareFn<Context & FlowFlavor>;
  /** Mount a service's composer so that, inside it, `ctx.session` is its own part. */
  mount<S>(name: string, service: Middleware<ServiceContext<S>>): MiddlewareFn<Context & FlowFlavor>;
} {
  const flowOwner = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) for (const flow of spec.flows ?? []) flowOwner.set(flow.name, name);

  // Each part is checked on its own: a stale part is dropped (`catch`), not the whole session.
  const shape: Record<string, z.ZodType> = {};
  for (const [name, spec] of Object.entries(specs)) shape[name] = (spec.schema ?? z.unknown()).optional().catch(undefined);
  const stored = session<HubSession>({ initial: () => ({}), schema: z.object(shape) as unknown as z.ZodType<HubSession> });

  const scopeOf = (ctx: Context & Partial<FlowFlavor>): string => {
    const mounted = ctx.state[SCOPE];
    if (typeof mounted === 'string') return mounted;
    const active = ctx.flow?.active?.flow;
    const owner = active === undefined ? undefined : flowOwner.get(active);
    // Remembered, because a step may finish its flow before it writes the session.
    if (owner !== undefined) ctx.state[FLOW_SCOPE] = owner;
    const remembered = ctx.state[FLOW_SCOPE];
    if (typeof remembered === 'string') return remembered;
    throw new RouterError('In the hub, ctx.session belongs to a service: read it inside a service mounted with mount(), or in a step of a flow a service declared.');
  };

  const view: MiddlewareFn<RootContext> = (ctx, next) => {
    const root = ctx.session;
    Object.defineProperty(ctx, 'session', {
      configurable: true,
      enumerable: true,
      get() {
        const name = scopeOf(ctx);
        if (root[name] === undefined) root[name] = specs[name]!.initial();
        return root[name];
      },
      set(value: unknown) {
        const name = scopeOf(ctx);
        root[name] = value ?? specs[name]!.initial();
      },
    });
    return next();
  };

  // Past this point `ctx.session` is a service's part, not the root: the hub's type says no session.
  const middleware = new Composer<RootContext>(stored, view).middleware() as unknown as MiddlewareFn<Context & FlowFlavor>;

  function mount<S>(name: string, service: Middleware<ServiceContext<S>>): MiddlewareFn<Context & FlowFlavor> {
    if (!specs[name]) throw new RouterError(`No session is declared for service "${name}"; add it to serviceSessions({ ${name}: { initial } }).`);
    // The hub's context carries the service's session through the view above, so the cast holds.
    const handler = new Composer<ServiceContext<S>>(service).middleware() as unknown as MiddlewareFn<Context & FlowFlavor>;
    return async (ctx, next) => {
      const outer = ctx.state[SCOPE];
      ctx.state[SCOPE] = name;
      try {
        await handler(ctx, async () => {
          // An update the service does not handle goes on to the next service, with the outer scope.
          ctx.state[SCOPE] = outer;
          try {
            await next();
          } finally {
            ctx.state[SCOPE] = name;
          }
        });
      } finally {
        ctx.state[SCOPE] = outer;
      }
    };
  }

  return { middleware, mount };
}

/**
 * Services' flows typed for the hub's `flows()`. A service's flow is written for its own
 * context (its session type); in the hub its steps read that session through the view above,
 * so serving it with the hub's context type is sound.
 *
 * @example
 * ```ts
 * hub.use(flows(serviceFlows<HubContext>([order], billsFlows)));
 * ```
 */
export function serviceFlows<C extends Context>(...lists: ReadonlyArray<ReadonlyArray<Pick<Flow<never, never>, 'name'>>>): Array<Flow<unknown, C>> {
  return lists.flat() as unknown as Array<Flow<unknown, C>>;
}
