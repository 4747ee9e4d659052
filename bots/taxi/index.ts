/**
 * Kiosk Taxi: order a ride in a chat. Pickup (an address or a shared location), destination,
 * a fare estimate, confirm; a dispatch job finds a driver and the customer is told as the
 * ride progresses. The customer can cancel at any time before the driver arrives.
 */
import { Bot, Composer, session, z, type Context, type SessionFlavor } from '../../framework/index';
import { dispatchRide, rideStatus, statusJobId } from '../../workers/taxi/jobs';
import { estimateFare } from './fare';

const rideSession = z.object({
  step: z.enum(['idle', 'pickup', 'destination', 'confirm', 'waiting']),
  pickup: z.string().optional(),
  destination: z.string().optional(),
  rideId: z.string().optional(),
  dispatchJob: z.string().optional(),
});

/** The taxi bot's session: where the customer is in ordering a ride. */
export type TaxiSession = z.infer<typeof rideSession>;
/** The taxi bot's context. */
export type TaxiContext = Context & SessionFlavor<TaxiSession>;

const idle = (): TaxiSession => ({ step: 'idle' });

function formatLocation(latitude: number, longitude: number): string {
  return `${latitude.toFixed(5)}, ${longitude.toFixed(5)}`;
}

/**
 * The taxi service as a composer, so a hub can mount it beside other services. Expects a
 * session middleware upstream (the `taxi` bot below adds one).
 */
export const taxiService = new Composer<TaxiContext>();

const startOrder = async (ctx: TaxiContext) => {
  ctx.session = { step: 'pickup' };
  await ctx.reply('taxi/ask-pickup', {});
};

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

taxiService.command('start', (ctx) => ctx.reply('taxi/start', {}));
taxiService.command('taxi', startOrder);
taxiService.button('taxi:order', startOrder);
taxiService.command('cancel', cancelRide);
taxiService.button('taxi:cancel', cancelRide);

taxiService.on('message:location', async (ctx, next) => {
  if (ctx.session.step !== 'pickup') return next();
  ctx.session.pickup = formatLocation(ctx.location.latitude, ctx.location.longitude);
  ctx.session.step = 'destination';
  await ctx.reply('taxi/ask-destination', { pickup: ctx.session.pickup });
});

taxiService.on('message:text', async (ctx, next) => {
  const { step } = ctx.session;
  if (step === 'pickup') {
    ctx.session.pickup = ctx.text.trim();
    ctx.session.step = 'destination';
    return void (await ctx.reply('taxi/ask-destination', { pickup: ctx.session.pickup }));
  }
  if (step === 'destination') {
    const pickup = ctx.session.pickup ?? '';
    const destination = ctx.text.trim();
    ctx.session.destination = destination;
    ctx.session.step = 'confirm';
    return void (await ctx.reply('taxi/confirm', { pickup, destination, ...estimateFare(pickup, destination) }));
  }
  return next();
});

taxiService.button('taxi:confirm', async (ctx) => {
  const { step, pickup, destination } = ctx.session;
  if (step !== 'confirm' || !pickup || !destination) return void (await ctx.reply('taxi/nothing-to-cancel', {}));
  const rideId = `${ctx.chat.id}-${ctx.update.id}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const { fare } = estimateFare(pickup, destination);
  const dispatchJob = await ctx.enqueue(dispatchRide, { rideId, pickup, destination, fare });
  ctx.session = { step: 'waiting', pickup, destination, rideId, dispatchJob };
  await ctx.reply('taxi/searching', { pickup });
});

/**
 * The taxi bot, served alone.
 *
 * @example
 * ```ts
 * createKiosk({ config, bots: [taxi], jobs: taxiJobs, templates });
 * ```
 */
export function createTaxiBot(name = 'taxi'): Bot<TaxiContext> {
  const bot = new Bot<TaxiContext>(name);
  bot.use(session({ initial: idle, schema: rideSession }));
  bot.use(taxiService);
  return bot;
}

/** The taxi bot as the demo serves it. */
export const taxi = createTaxiBot();
