/**
 * The bots of this deployment, assembled from what their services need: the hub (every
 * service behind one menu) and each service as a bot of its own. A service whose deps are
 * not given is left out, of the hub's menu too.
 */
import type { ServableBot } from '../framework/index';
import { createBillsBot } from './bills';
import { createHubBot, type HubDeps } from './hub';
import { createTaxiBot } from './taxi';
import { createTicketsBot } from './tickets';

/** What the bots need: the hub's deps (each service's stores and options). */
export type BotsDeps = Omit<HubDeps, 'name'>;

/**
 * Every bot the demo serves: `hub`, `taxi`, and `bills` and `tickets` when their deps are given.
 *
 * @example
 * ```ts
 * const deps = { bills: { store: billsStore, payments }, tickets: { store: ticketStore } };
 * createKiosk({ config, bots: createBots(deps), jobs: createJobs({ ...deps, broadcast }), render: templates.render });
 * ```
 */
export function createBots(deps: BotsDeps = {}): ServableBot[] {
  const bots: ServableBot[] = [createHubBot(deps), createTaxiBot(deps.taxi ?? {})];
  if (deps.bills) bots.push(createBillsBot(deps.bills));
  if (deps.tickets) bots.push(createTicketsBot(deps.tickets));
  return bots;
}
