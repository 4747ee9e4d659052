/**
 * Kiosk Taxi: order a ride in a chat. Ordering is a flow (`order-flow.ts`): pickup (an
 * address or a shared location), destination, a fare estimate, confirm. A dispatch job then
 * finds a driver and the customer is told as the ride progresses. The customer can cancel at
 * any time before the driver arrives.
 */
import { Bot, Composer, flows, session, type Flow } from '../../framework/index';
import { dispatchRide, rideStatus, statusJobId } from '../../workers/taxi/jobs';
import { createOrderFlow, rideSession, type OrderFlowOptions, type RideOrder, type TaxiContext, type TaxiSession } from './order-flow';

export { createOrderFlow, rideSession } from './order-flow';
export type { OrderFlowOptions, RideOrder, TaxiContext, TaxiSession } from './order-flow';

const idle = (): TaxiSession => ({ step: 'idle' });

/**
 * The taxi service as a composer, so a hub can mount it beside other services. Expects
 * `session()` and `flows([order])` upstream (the `taxi` bot below adds both).
 */
export function createTaxiService(order: Flow<RideOrder, TaxiContext>): Composer<TaxiContext> {
  const service = new Composer<TaxiContext>();

  // The order flow handles /cancel while a ride is being ordered; this one cancels a ride already ordered.
  const cancelRide = async (ctx: TaxiContext) => {
    const { step, rideId, dispatchJob } = ctx.session;
    if (step === 'idle') return void (await ctx.reply('taxi/nothing-to-cancel', {}));
    if (rideId) {
      // Remove whatever has not run yet: the dispatch itself and the pending status updates.
      const removed = await Promise.all([
        dispatchJob ? ctx.cancel(dispatchRide, dispatchJob) : Promise.resolve(false),
        ctx.cancel(rideStatus, statusJobId(rideId, 'arriving')),
        ctx.cancel(rideStatus, statusJobId(rideId, 'arrived')),
      ]);
      if (!removed[2] && !removed[0]) {
        ctx.session = idle();
        return void (await ctx.reply('taxi/too-late', {}));
      }
    }
    ctx.session = idle();
    await ctx.reply('taxi/cancelled', {});
  };

  const startOrder = (ctx: TaxiContext) => ctx.flow.start(order);

  service.command('start', (ctx) => ctx.reply('taxi/start', {}));
  service.command('taxi', startOrder);
  service.button('taxi:order', startOrder);
  service.command('cancel', cancelRide);
  service.button('taxi:cancel', cancelRide);
  return service;
}

/** Options of the taxi bot. */
export interface TaxiBotOptions extends OrderFlowOptions {
  /** The bot's name, as configured. @defaultValue `'taxi'` */
  name?: string;
}

/**
 * The taxi bot, served alone.
 *
 * @example
 * ```ts
 * createKiosk({ config, bots: [createTaxiBot()], jobs: taxiJobs, render: templates.render });
 * ```
 */
export function createTaxiBot(options: TaxiBotOptions | string = {}): Bot<TaxiContext> {
  const { name = 'taxi', ...flowOptions } = typeof options === 'string' ? { name: options } : options;
  const order = createOrderFlow(flowOptions);
  const bot = new Bot<TaxiContext>(name);
  bot.use(session({ initial: idle, schema: rideSession }));
  bot.use(flows([order]));
  bot.use(createTaxiService(order));
  return bot;
}

/** The taxi bot as the demo serves it. */
export const taxi = createTaxiBot();
