/**
 * Kiosk Hub: one official account that offers every service of the business, the way a
 * WeChat account aggregates services behind one menu. /start (or the page opening, or a
 * follow) shows the main menu: Taxi, Bills, Tickets. Each service is the same composer a
 * business could serve as a bot of its own; the hub only mounts them side by side, with one
 * session per service (`service-sessions.ts`) and their flows served together, so a customer
 * has at most one conversation of several steps going at a time.
 */
import { Bot, flows, type Context, type FlowFlavor } from '../../framework/index';
import { createBillsService, createLinkFlow, type BillsDeps, type LinkFlowOptions } from '../bills';
import { createOrderFlow, createTaxiService, rideSession, type OrderFlowOptions, type TaxiSession } from '../taxi';
import { createBuyFlow, createTicketsService, type BuyFlowOptions } from '../tickets';
import { hubMenu, menuFallback, type HubServices } from './menu';
import { serviceFlows, serviceSessions } from './service-sessions';

export { serviceFlows, serviceSessions } from './service-sessions';
export type { ServiceSessionSpec, HubSession } from './service-sessions';
export { hubMenu, menuFallback } from './menu';
export type { HubServices } from './menu';

/** The hub's context: each mounted service sees its own `ctx.session` on top of this. */
export type HubContext = Context & FlowFlavor;

/**
 * What the hub needs to build its services. A service whose deps are absent is left out, of
 * the menu too; taxi needs nothing, so it is always there.
 */
export interface HubDeps {
  /** The bot's name, as configured. @defaultValue `'hub'` */
  name?: string;
  /** Options of the taxi service's order flow (its idle timeout). */
  taxi?: OrderFlowOptions;
  /** The bills service: its store, payment provider, and the options of its link flow. */
  bills?: BillsDeps & LinkFlowOptions;
  /** The tickets service: its store and the options of its buy flow. */
  tickets?: BuyFlowOptions;
}

const idleRide = (): TaxiSession => ({ step: 'idle' });

/**
 * The hub bot: the main menu, then every service.
 *
 * @example
 * ```ts
 * const hub = createHubBot({ bills: { store: billsStore, payments }, tickets: { store: ticketStore } });
 * createKiosk({ config, bots: [hub], jobs: createJobs(deps), render: templates.render });
 * ```
 */
export function createHubBot(deps: HubDeps = {}): Bot<HubContext> {
  const order = createOrderFlow(deps.taxi ?? {});
  const { store: billsStore, payments, logger, ...linkOptions } = deps.bills ?? {};
  const link = billsStore ? createLinkFlow(billsStore, linkOptions) : undefined;
  const buy = deps.tickets ? createBuyFlow(deps.tickets) : undefined;
  const services: HubServices = { taxi: true, bills: link !== undefined, tickets: buy !== undefined };

  // Only taxi keeps a session; bills and tickets keep their records in their stores.
  const sessions = serviceSessions({ taxi: { initial: idleRide, schema: rideSession, flows: [order] } });

  const bot = new Bot<HubContext>(deps.name ?? 'hub');
  bot.use(sessions.middleware);
  // Every service's flows in one list: one flow per customer, whichever service started it.
  bot.use(flows(serviceFlows<HubContext>([order], link ? [link] : [], buy ? [buy] : [])));
  bot.use(hubMenu(services));
  bot.use(sessions.mount('taxi', createTaxiService(order)));
  if (link && billsStore && payments) bot.use(createBillsService({ store: billsStore, payments, link, ...(logger ? { logger } : {}) }));
  if (buy && deps.tickets) bot.use(createTicketsService({ store: deps.tickets.store, flow: buy }));
  bot.use(menuFallback(services));
  return bot;
}
