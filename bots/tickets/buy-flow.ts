/**
 * Buying tickets as a flow: pick an event, pick a date, say how many seats. The seats are
 * then held for a few minutes (a delayed job releases them unless they are paid) and the
 * customer gets a Pay button. The flow's state lives in Redis, like every flow's.
 */
import { defaultFlowKey, Flow, z, type Context, type FlowFlavor } from '../../framework/index';
import { holdExpiry, holdExpiryJobId } from '../../workers/tickets/jobs';
import type { TicketStore } from './store';

/** The tickets bot's context: flows, and no session of its own (holds and tickets live in the store). */
export type TicketsContext = Context & FlowFlavor;

const purchase = z.object({
  eventId: z.string().optional(),
  showingId: z.string().optional(),
  /** The most seats one order may take, kept with the data so the re-ask can say it. */
  max: z.number().int().positive(),
});
/** What the buy flow collects. */
export type Purchase = z.infer<typeof purchase>;

/** Options of the buy flow. */
export interface BuyFlowOptions {
  /** Where the catalogue, holds and tickets are. */
  store: TicketStore;
  /** How long seats are held for payment, ms. @defaultValue 300000 (5 minutes) */
  holdMs?: number;
  /** End a purchase the customer has not answered for this long, ms. @defaultValue 600000 (10 minutes) */
  idleTimeoutMs?: number;
  /** The most seats in one order. @defaultValue 10 */
  maxSeats?: number;
}

/** Whose holds and tickets these are: one customer of one bot on one platform. */
export const ownerOf = (ctx: Context): string => defaultFlowKey(ctx);

const eventButton = z.string().regex(/^tickets:event:[a-z0-9-]{1,24}$/).transform((data) => data.slice('tickets:event:'.length));
const dateButton = z.union([z.literal('tickets:back'), z.string().regex(/^tickets:date:[a-z0-9-]{1,24}$/).transform((data) => data.slice('tickets:date:'.length))]);

/**
 * The buy flow. A factory, so a business (and tests) choose the store and the timings.
 *
 * @example
 * ```ts
 * const buy = createBuyFlow({ store, holdMs: 5 * 60_000 });
 * bot.use(flows([buy]));
 * bot.command('tickets', (ctx) => ctx.flow.start(buy));
 * ```
 */
export function createBuyFlow(options: BuyFlowOptions): Flow<Purchase, TicketsContext> {
  const { store, holdMs = 5 * 60_000, idleTimeoutMs = 10 * 60_000, maxSeats = 10 } = options;
  const buy = new Flow<Purchase, TicketsContext>('tickets.buy', {
    data: purchase,
    initial: () => ({ max: maxSeats }),
    idleTimeoutMs,
    cancel: { buttons: ['tickets:cancel'], texts: ['cancel', 'annuler', '取消'] },
    messages: { cancelled: 'tickets/cancelled', timedOut: 'tickets/timed-out', invalid: 'tickets/not-understood' },
  });

  buy.step('event', {
    async ask(ctx) {
      const events = await store.events();
      if (events.length === 0) return ctx.reply('tickets/nothing-on-sale', {});
      return ctx.reply('tickets/browse', {
        events: events.map((event) => ({ title: event.title, venue: event.venue, price: event.price, currency: event.currency, data: `tickets:event:${event.id}` })),
      });
    },
    expect: 'button',
    schema: eventButton,
    async answer(_ctx, eventId, step) {
      if (!(await store.event(eventId))) return step.retry();
      step.data.eventId = eventId;
      step.data.showingId = undefined;
    },
  });

  buy.step('date', {
    async ask(ctx, data) {
      const event = await store.event(data.eventId ?? '');
      if (!event) return ctx.reply('tickets/nothing-on-sale', {});
      const showings = await Promise.all(
        event.showings.map(async (showing) => {
          const stock = await store.stock(showing.id);
          const open = stock !== undefined && stock.startsAt > store.now();
          return { startsAt: showing.startsAt, available: open ? stock.available : 0, data: `tickets:date:${showing.id}` };
        }),
      );
      return ctx.reply('tickets/pick-date', { title: event.title, venue: event.venue, price: event.price, currency: event.currency, showings });
    },
    expect: 'button',
    schema: dateButton,
    async answer(ctx, choice, step) {
      if (choice === 'tickets:back') return step.back();
      const found = await store.showing(choice);
      if (!found || found.event.id !== step.data.eventId) return step.retry();
      const stock = await store.stock(choice);
      if (!stock || stock.available === 0 || stock.startsAt <= store.now()) {
        await ctx.reply('tickets/sold-out', { title: found.event.title, startsAt: found.showing.startsAt });
        return step.retry();
      }
      step.data.showingId = choice;
    },
  });

  buy.step('seats', {
    async ask(ctx, data) {
      const found = await store.showing(data.showingId ?? '');
      return ctx.reply('tickets/ask-seats', { title: found?.event.title ?? '', startsAt: found?.showing.startsAt ?? new Date().toISOString(), max: data.max });
    },
    schema: z.string().trim().regex(/^\d{1,4}$/).transform(Number).pipe(z.number().int().min(1).max(maxSeats)),
    invalid: 'tickets/invalid-seats',
    async answer(ctx, seats, step) {
      const showingId = step.data.showingId ?? '';
      const found = await store.showing(showingId);
      if (!found) return step.goTo('event');
      // Keyed by the update: a handler run again after a crash finds its hold instead of taking more seats.
      const held = await store.hold(showingId, seats, { owner: ownerOf(ctx), holdMs, key: `${ctx.bot}/${ctx.platform}/${ctx.update.id}` });
      if (!held.ok) {
        if (held.reason === 'not-enough' && held.available > 0) {
          await ctx.reply('tickets/not-enough', { available: held.available });
          return step.retry();
        }
        await ctx.reply('tickets/sold-out', { title: found.event.title, startsAt: found.showing.startsAt });
        return step.goTo('date');
      }
      const { hold } = held;
      await ctx.enqueue(holdExpiry, { holdId: hold.id }, { delay: Math.max(0, hold.expiresAt - store.now()), jobId: holdExpiryJobId(hold.id) });
      await ctx.reply('tickets/held', {
        title: found.event.title,
        venue: found.event.venue,
        startsAt: found.showing.startsAt,
        seats: hold.seats,
        total: found.event.price * hold.seats,
        currency: found.event.currency,
        minutes: Math.max(1, Math.round(holdMs / 60_000)),
        pay: `tickets:pay:${hold.id}`,
        release: `tickets:release:${hold.id}`,
      });
      return step.finish();
    },
  });

  return buy;
}
