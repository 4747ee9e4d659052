/**
 * Kiosk Bills: what a water or electricity utility runs in a chat. A customer links their
 * account (account number, then postcode), sees the current bill and pays it through the
 * payment provider; the provider's signed callback marks the bill paid and a receipt comes
 * back in the chat. Bills are issued monthly and unpaid ones are reminded before they fall due
 * (`workers/bills/jobs.ts`). Paying twice for one bill is impossible (`store.ts`).
 *
 * Commands: `/bills` (the menu), `/bill` (the current bill), `/pay`. Buttons: `bills:link`,
 * `bills:current`, `bills:pay`, `bills:pay:<bill id>`, `bills:menu`.
 */
import { Bot, Composer, flows, type Flow, type Logger } from '../../framework/index';
import { billView } from './bill-view';
import { createLinkFlow, type BillsContext, type LinkData, type LinkFlowOptions } from './link-flow';
import { payBill } from './pay';
import type { PaymentProvider } from './payment-provider';
import type { BillsStore } from './store';

export { createLinkFlow, accountNumber, postcode } from './link-flow';
export type { BillsContext, LinkData, LinkFlowOptions } from './link-flow';
export { BillsStore, SAMPLE_ACCOUNTS, normalizePostcode } from './store';
export type { Account, Bill, BillState, Link, PaymentRecord, PaymentStart, SettleOutcome, BillsStoreOptions } from './store';
export { SimulatedPaymentProvider, paymentCallbackSchema } from './payment-provider';
export type { PaymentProvider, CreatedPayment, PaymentRequest, PaymentCallback, SimulatedPaymentProviderOptions } from './payment-provider';
export { signPaymentCallback, verifyPaymentSignature, SIGNATURE_HEADER } from './callback-signature';
export { billsRouter } from './payment-callback';
export type { BillsRouterDeps } from './payment-callback';
export { billingPeriod, simulatedAmount } from './billing';
export { billView } from './bill-view';

/** What the bills service needs. */
export interface BillsDeps {
  /** The accounts, links, bills and payments. */
  store: BillsStore;
  /** Where payments are created. */
  payments: PaymentProvider;
  /** Where failures of the provider are logged (never with personal data). */
  logger?: Logger;
}

/** What the bills service needs when mounted in a hub: the link flow the hub serves upstream. */
export interface BillsServiceDeps extends BillsDeps {
  /** The flow from `createLinkFlow(store)`, also given to the hub's `flows([...])`. */
  link: Flow<LinkData, BillsContext>;
}

/**
 * The bills service as a composer, so a hub can mount it beside other services. Expects
 * `flows([link, ...])` upstream with the same `link` flow (the `bills` bot below adds it);
 * it keeps no session.
 *
 * @example
 * ```ts
 * const link = createLinkFlow(store);
 * hub.use(session({ initial })); hub.use(flows([order, link]));
 * hub.use(createBillsService({ store, payments, link }));
 * ```
 */
export function createBillsService(deps: BillsServiceDeps): Composer<BillsContext> {
  const { store, link } = deps;
  const service = new Composer<BillsContext>();

  const menu = async (ctx: BillsContext) => {
    const linked = await store.linkOf(ctx.conversation);
    const account = linked ? await store.account(linked.account) : undefined;
    await ctx.reply('bills/menu', { linked: account !== undefined, account: account?.number ?? '', name: account?.name ?? '' });
  };

  const current = async (ctx: BillsContext) => {
    const linked = await store.linkOf(ctx.conversation);
    if (!linked) return void (await ctx.reply('bills/not-linked', {}));
    const bill = await store.currentBill(linked.account);
    if (!bill) return void (await ctx.reply('bills/no-bill', {}));
    await ctx.reply('bills/current', billView(bill));
  };

  const startLink = (ctx: BillsContext) => ctx.flow.start(link);

  service.command('bills', menu);
  service.button('bills:menu', menu);
  service.command('link', startLink);
  service.button('bills:link', startLink);
  service.command('bill', current);
  service.button('bills:current', current);
  service.command('pay', (ctx) => payBill(deps, ctx));
  service.button('bills:pay', (ctx) => payBill(deps, ctx));
  service.button(/^bills:pay:([A-Za-z0-9_-]{1,80})$/, (ctx) => payBill(deps, ctx, ctx.match[1]));
  return service;
}

/** Options of the standalone bills bot. */
export interface BillsBotOptions extends BillsDeps, LinkFlowOptions {
  /** The bot's name, as configured. @defaultValue `'bills'` */
  name?: string;
}

/**
 * The bills bot, served alone.
 *
 * @example
 * ```ts
 * const store = new BillsStore(new Redis(config.redisUrl, { maxRetriesPerRequest: null }));
 * const payments = new SimulatedPaymentProvider({ secret, callbackUrl: () => `${base}/payments/bills/callback` });
 * createKiosk({ config, bots: [createBillsBot({ store, payments })], jobs: billsJobs.all, render,
 *   routers: (parts) => [billsRouter({ store, secret, kiosk: parts })] });
 * ```
 */
export function createBillsBot(options: BillsBotOptions): Bot<BillsContext> {
  const { name = 'bills', store, payments, logger, ...flowOptions } = options;
  const link = createLinkFlow(store, flowOptions);
  const bot = new Bot<BillsContext>(name);
  bot.use(flows([link]));
  bot.command('start', (ctx) => ctx.reply('bills/start', {}));
  bot.use(createBillsService({ store, payments, link, ...(logger ? { logger } : {}) }));
  return bot;
}
