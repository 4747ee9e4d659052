/**
 * Kiosk Tickets: buy seats for a film or a train in a chat. /tickets browses the catalogue;
 * picking an event, a date and a number of seats is a flow (`buy-flow.ts`); the seats are
 * held for a few minutes while the customer pays; the ticket comes as a card with a random
 * code; a refund before the showing puts the seats back on sale. Seats are never oversold:
 * see `store.ts`.
 */
import { Bot, Composer, flows, type Flow } from '../../framework/index';
import { holdExpiry, holdExpiryJobId } from '../../workers/tickets/jobs';
import { createBuyFlow, ownerOf, type BuyFlowOptions, type Purchase, type TicketsContext } from './buy-flow';
import { isTicketCode } from './codes';
import type { TicketStore } from './store';

export { createBuyFlow, ownerOf } from './buy-flow';
export type { BuyFlowOptions, Purchase, TicketsContext } from './buy-flow';
export { createTicketStore, TicketStore, showingOfHold } from './store';
export type { TicketStoreOptions, Stock, Hold, HoldOptions, Ticket, HoldResult, PayResult, ReleaseResult, RefundResult, Actor } from './store';
export { demoCatalogue, catalogueSchema, eventSchema, showingSchema } from './catalogue';
export type { TicketEvent, Showing } from './catalogue';
export { randomCode, isTicketCode, TICKET_CODE_LENGTH } from './codes';

/** What the tickets service needs. */
export interface TicketsServiceDeps {
  /** Where the catalogue, holds and tickets are. */
  store: TicketStore;
  /** The buy flow, which must also be served upstream by `flows([...])`. */
  flow: Flow<Purchase, TicketsContext>;
}

/**
 * The tickets service as a composer, so a hub can mount it beside other services. Expects
 * `flows([flow])` upstream (it keeps no session of its own: holds and tickets are in the store).
 * Handles /tickets, /mytickets, /refund <code> and the buttons whose data starts with `tickets:`.
 *
 * @example
 * ```ts
 * const buy = createBuyFlow({ store });
 * hub.use(flows([buy, ...otherFlows]));
 * hub.use(createTicketsService({ store, flow: buy }));
 * ```
 */
export function createTicketsService(deps: TicketsServiceDeps): Composer<TicketsContext> {
  const { store, flow } = deps;
  const service = new Composer<TicketsContext>();

  const browse = (ctx: TicketsContext) => ctx.flow.start(flow);

  const describe = async (showingId: string) => {
    const found = await store.showing(showingId);
    return { title: found?.event.title ?? '', venue: found?.event.venue ?? '', startsAt: found?.showing.startsAt ?? new Date(0).toISOString() };
  };

  const pay = async (ctx: TicketsContext, holdId: string) => {
    const paid = await store.pay(holdId, { owner: ownerOf(ctx) });
    if (!paid.ok) {
      if (paid.reason === 'expired' || paid.reason === 'released') return void (await ctx.reply('tickets/pay-expired', {}));
      return void (await ctx.reply('tickets/unknown-hold', {}));
    }
    // The store has already made the hold paid, so an expiry job that runs anyway changes nothing; this only tidies the queue.
    await ctx.cancel(holdExpiry, holdExpiryJobId(holdId));
    const { ticket } = paid;
    await ctx.reply('tickets/ticket', {
      ...(await describe(ticket.showingId)),
      code: ticket.code,
      seats: ticket.seats,
      total: ticket.price * ticket.seats,
      currency: ticket.currency,
      refund: `tickets:refund:${ticket.code}`,
    });
  };

  const release = async (ctx: TicketsContext, holdId: string) => {
    const released = await store.release(holdId, { owner: ownerOf(ctx) });
    if (released.ok) {
      await ctx.cancel(holdExpiry, holdExpiryJobId(holdId));
      return void (await ctx.reply('tickets/released', { seats: released.seats }));
    }
    if (released.reason === 'gone' && released.status === 'paid') return void (await ctx.reply('tickets/already-paid', {}));
    await ctx.reply(released.reason === 'gone' ? 'tickets/pay-expired' : 'tickets/unknown-hold', {});
  };

  const refund = async (ctx: TicketsContext, code: string) => {
    const ticket = await store.ticket(code);
    const refunded = await store.refund(code, { owner: ownerOf(ctx) });
    if (refunded.ok && ticket) {
      return void (await ctx.reply('tickets/refunded', { ...(await describe(ticket.showingId)), code: ticket.code, seats: refunded.seats, total: ticket.price * refunded.seats, currency: ticket.currency }));
    }
    if (!refunded.ok && refunded.reason === 'too-late') return void (await ctx.reply('tickets/refund-too-late', {}));
    if (!refunded.ok && refunded.reason === 'already-refunded') return void (await ctx.reply('tickets/already-refunded', {}));
    await ctx.reply('tickets/unknown-ticket', {});
  };

  const mine = async (ctx: TicketsContext) => {
    const tickets = await store.ticketsOf(ownerOf(ctx));
    if (tickets.length === 0) return void (await ctx.reply('tickets/no-tickets', {}));
    const listed = await Promise.all(tickets.map(async (t) => ({ ...(await describe(t.showingId)), code: t.code, seats: t.seats, refunded: t.status === 'refunded' })));
    await ctx.reply('tickets/my-tickets', { tickets: listed });
  };

  service.command('tickets', browse);
  service.button('tickets:browse', browse);
  // An event button from an earlier list, once that purchase has ended: start again from the list.
  service.button(/^tickets:(event|date):/, browse);
  service.button(/^tickets:pay:(\S{1,60})$/, (ctx) => pay(ctx, (ctx.match as RegExpMatchArray)[1]!));
  service.button(/^tickets:release:(\S{1,60})$/, (ctx) => release(ctx, (ctx.match as RegExpMatchArray)[1]!));
  service.button(/^tickets:refund:(\S{1,20})$/, (ctx) => refund(ctx, (ctx.match as RegExpMatchArray)[1]!));
  service.command('refund', async (ctx) => {
    const code = typeof ctx.match === 'string' ? ctx.match.trim() : '';
    if (!isTicketCode(code)) return void (await ctx.reply('tickets/refund-usage', {}));
    await refund(ctx, code);
  });
  service.command('mytickets', mine);
  service.button('tickets:mine', mine);
  return service;
}

/** Options of the tickets bot. */
export interface TicketsBotOptions extends BuyFlowOptions {
  /** The bot's name, as configured. @defaultValue `'tickets'` */
  name?: string;
}

/**
 * The tickets bot, served alone.
 *
 * @example
 * ```ts
 * const store = createTicketStore({ redis: new Redis(config.redisUrl), prefix: `${config.prefix}:tickets` });
 * await store.seed(demoCatalogue());
 * createKiosk({ config, bots: [createTicketsBot({ store })], jobs: createTicketsJobs({ store }), render: templates.render });
 * ```
 */
export function createTicketsBot(options: TicketsBotOptions): Bot<TicketsContext> {
  const { name = 'tickets', ...flowOptions } = options;
  const buy = createBuyFlow(flowOptions);
  const bot = new Bot<TicketsContext>(name);
  bot.use(flows([buy]));
  bot.command('start', (ctx) => ctx.reply('tickets/start', {}));
  bot.use(createTicketsService({ store: options.store, flow: buy }));
  return bot;
}
