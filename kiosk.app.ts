/**
 * The application the `kiosk` command runs from this directory: the bots of `bots/` (the hub
 * and each service alone), the jobs of `workers/` and the templates of `templates/`,
 * configured from the environment (and from the JSON file named by `KIOSK_CONFIG`, if any).
 * Only the bots that are configured are served, so one deployment may run a subset.
 *
 * The bills and tickets services keep their records in the same Redis under the deployment's
 * prefix; the sample accounts and the ticket catalogue are seeded at start (seeding is
 * idempotent). Payments go through the simulated provider, which calls back
 * `<KIOSK_PUBLIC_URL>/payments/bills/callback` signed with `BILLS_PAYMENT_SECRET`: a business
 * replaces it with its own `PaymentProvider`.
 *
 * @example
 * ```sh
 * REDIS_URL=redis://127.0.0.1:6379 \
 * KIOSK__bots__taxi__platforms__telegram__token=123456:ABC… \
 * KIOSK__bots__taxi__platforms__telegram__secretToken=a-long-random-string \
 * npx kiosk start
 * ```
 */
import { join } from 'node:path';
import { createBots } from './bots';
import { BillsStore, SAMPLE_ACCOUNTS, SimulatedPaymentProvider, billsRouter } from './bots/bills';
import { createTicketStore, demoCatalogue } from './bots/tickets';
import { Redis, builtinAdapters, ConfigError, createTemplates, loadConfig, type KioskOptions, type KioskParts } from './framework/index';
import { createJobs } from './workers';

/** Build the deployment's options from the environment; `kiosk start|web|worker` pass them to createKiosk. */
export async function createApp(): Promise<KioskOptions> {
  const config = loadConfig({ adapters: builtinAdapters, object: { bots: {} } });
  const configured = Object.keys(config.bots);

  // The services' records, only when a bot that uses them is served.
  const needs = (name: string) => configured.includes(name) || configured.includes('hub');
  const redis = needs('bills') || needs('tickets') ? new Redis(config.redisUrl, { maxRetriesPerRequest: null }) : undefined;
  let parts: KioskParts | undefined;
  const paymentSecret = process.env.BILLS_PAYMENT_SECRET ?? 'dev-only-payment-callback-secret';
  const publicUrl = (config.publicUrl ?? `http://127.0.0.1:${config.port}`).replace(/\/+$/, '');
  const bills =
    redis && needs('bills')
      ? {
          store: new BillsStore(redis, { prefix: `${config.prefix}:bills` }),
          payments: new SimulatedPaymentProvider({ secret: paymentSecret, callbackUrl: () => `${publicUrl}/payments/bills/callback` }),
        }
      : undefined;
  const tickets = redis && needs('tickets') ? { store: createTicketStore({ redis, prefix: `${config.prefix}:tickets` }) } : undefined;
  if (bills) await bills.store.seedAccounts(SAMPLE_ACCOUNTS);
  if (tickets) await tickets.store.seed(demoCatalogue());

  const deps = { ...(bills ? { bills } : {}), ...(tickets ? { tickets } : {}) };
  const known = new Map(createBots(deps).map((bot) => [bot.name, bot]));
  if (configured.length === 0) {
    throw new ConfigError(
      'bots',
      `no bot is configured. Configure one of ${[...known.keys()].join(', ')} in the environment, e.g. KIOSK__bots__taxi__platforms__telegram__token=… and …__secretToken=…, or in a JSON file named by KIOSK_CONFIG.`,
    );
  }
  for (const name of configured) {
    if (!known.has(name)) throw new ConfigError(`bots.${name}`, `there is no bot "${name}" in bots/; the bots are ${[...known.keys()].join(', ')}.`);
  }
  const jobs = createJobs({
    ...(bills
      ? {
          bills: {
            store: bills.store,
            // The monthly run broadcasts through the running Kiosk, whose parts arrive with its routers.
            broadcast: (broadcast) => (parts ? parts.broadcast(broadcast) : Promise.reject(new Error('Kiosk has not started yet.'))),
          },
        }
      : {}),
    ...(tickets ? { tickets } : {}),
  });
  const templates = createTemplates({ root: join(__dirname, 'templates') });
  return {
    config,
    bots: configured.map((name) => known.get(name)!),
    jobs: jobs.all,
    render: templates.render,
    routers: (kioskParts) => {
      parts = kioskParts;
      return bills ? [billsRouter({ store: bills.store, secret: paymentSecret, kiosk: kioskParts })] : [];
    },
  };
}
