/**
 * Ordering a ride as a flow: pickup (an address or a shared location), destination, then
 * the fare with Confirm, Change destination and Cancel. The flow's state lives in Redis, so
 * a customer who answers while the bot is being redeployed carries on where they were; an
 * order left unanswered for ten minutes ends with a message.
 */
import { Flow, z, type Context, type FlowFlavor, type SessionFlavor } from '../../framework/index';
import { dispatchRide } from '../../workers/taxi/jobs';
import { estimateFare } from './fare';

/** The taxi bot's session: the ride once it is ordered, so it can be cancelled. */
export const rideSession = z.object({
  step: z.enum(['idle', 'waiting']),
  pickup: z.string().optional(),
  destination: z.string().optional(),
  rideId: z.string().optional(),
  dispatchJob: z.string().optional(),
});

/** The taxi bot's session. */
export type TaxiSession = z.infer<typeof rideSession>;
/** The taxi bot's context. */
export type TaxiContext = Context & SessionFlavor<TaxiSession> & FlowFlavor;

const rideOrder = z.object({ pickup: z.string().optional(), destination: z.string().optional() });
/** What the order flow collects. */
export type RideOrder = z.infer<typeof rideOrder>;

function formatLocation(latitude: number, longitude: number): string {
  return `${latitude.toFixed(5)}, ${longitude.toFixed(5)}`;
}

/** A place: a typed address of 3 to 200 characters, or a shared location written as coordinates. */
const place = z.union([
  z.string().trim().min(3).max(200),
  z
    .object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) })
    .transform(({ latitude, longitude }) => formatLocation(latitude, longitude)),
]);

/** Options of the order flow. */
export interface OrderFlowOptions {
  /** End an order the customer has not answered for this long, ms. @defaultValue 600000 (10 minutes) */
  idleTimeoutMs?: number;
}

/**
 * The order flow. A factory, so tests (and a business) can choose the idle timeout.
 *
 * @example
 * ```ts
 * const order = createOrderFlow({ idleTimeoutMs: 5 * 60_000 });
 * bot.use(flows([order]));
 * bot.command('taxi', (ctx) => ctx.flow.start(order));
 * ```
 */
export function createOrderFlow(options: OrderFlowOptions = {}): Flow<RideOrder, TaxiContext> {
  const order = new Flow<RideOrder, TaxiContext>('taxi.order', {
    data: rideOrder,
    initial: () => ({}),
    idleTimeoutMs: options.idleTimeoutMs ?? 10 * 60_000,
    cancel: { buttons: ['taxi:cancel'], texts: ['cancel', 'annuler', '取消'] },
    messages: { cancelled: 'taxi/cancelled', timedOut: 'taxi/order-timed-out', invalid: 'taxi/not-understood' },
  });

  order.step('pickup', {
    ask: 'taxi/ask-pickup',
    expect: ['text', 'location'],
    schema: place,
    invalid: 'taxi/invalid-place',
    answer(_ctx, pickup, step) {
      step.data.pickup = pickup;
    },
  });

  order.step('destination', {
    ask: 'taxi/ask-destination',
    expect: ['text', 'location'],
    schema: place,
    invalid: 'taxi/invalid-place',
    answer(_ctx, destination, step) {
      step.data.destination = destination;
    },
  });

  order.step('confirm', {
    ask: (ctx, { pickup = '', destination = '' }) => ctx.reply('taxi/confirm', { pickup, destination, ...estimateFare(pickup, destination) }),
    expect: 'button',
    schema: z.enum(['taxi:confirm', 'taxi:change']),
    async answer(ctx, choice, step) {
      if (choice === 'taxi:change') return step.back();
      const { pickup = '', destination = '' } = step.data;
      const rideId = `${ctx.chat.id}-${ctx.update.id}`.replace(/[^A-Za-z0-9_-]/g, '_');
      const { fare } = estimateFare(pickup, destination);
      const dispatchJob = await ctx.enqueue(dispatchRide, { rideId, pickup, destination, fare });
      ctx.session = { step: 'waiting', pickup, destination, rideId, dispatchJob };
      await ctx.reply('taxi/searching', { pickup });
      return step.finish();
    },
  });

  return order;
}
