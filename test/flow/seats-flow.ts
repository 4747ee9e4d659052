/**
 * A small flow for the flow tests: book seats. How many (a number from 1 to 6, re-asked
 * otherwise), which section (buttons; the balcony branches to a row question, "back"
 * returns to the count), and a name. Plain texts, so it runs with or without templates.
 */
import { Bot, Flow, flows, z, type Context, type FlowFlavor, type FlowsOptions } from '../../framework/index';

export type SeatsContext = Context & FlowFlavor;

export interface Booking {
  count?: number;
  section?: 'stalls' | 'balcony';
  row?: string;
  name?: string;
}

export const SECTION_BUTTONS = [[{ label: 'Stalls', data: 'seat:stalls' }, { label: 'Balcony', data: 'seat:balcony' }, { label: 'Back', data: 'seat:back' }], [{ label: 'Cancel', data: 'seat:cancel' }]];

export function createSeatsFlow(idleTimeoutMs: number | false = false): Flow<Booking, SeatsContext> {
  const seats = new Flow<Booking, SeatsContext>('seats', {
    data: z.object({ count: z.number().optional(), section: z.enum(['stalls', 'balcony']).optional(), row: z.string().optional(), name: z.string().optional() }),
    initial: () => ({}),
    idleTimeoutMs,
    cancel: { buttons: ['seat:cancel'], texts: ['stop', 'arrête'] },
    messages: { cancelled: 'Booking cancelled.', timedOut: 'Your booking timed out.' },
  });
  seats.step('count', {
    ask: 'How many seats?',
    schema: z.string().trim().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(1).max(6)),
    invalid: 'Please send a number from 1 to 6.',
    answer(_ctx, count, step) {
      step.data.count = count;
    },
  });
  seats.step('section', {
    ask: (ctx, data) => ctx.reply(`${data.count} seats. Which section?`, { buttons: SECTION_BUTTONS }),
    expect: 'button',
    schema: z.enum(['seat:stalls', 'seat:balcony', 'seat:back']),
    answer(_ctx, choice, step) {
      if (choice === 'seat:back') return step.back();
      step.data.section = choice === 'seat:stalls' ? 'stalls' : 'balcony';
      return step.data.section === 'balcony' ? step.goTo('row') : step.goTo('name');
    },
  });
  seats.step('row', {
    ask: 'Which balcony row, A to C?',
    schema: z.string().trim().toUpperCase().pipe(z.enum(['A', 'B', 'C'])),
    answer(_ctx, row, step) {
      step.data.row = row;
    },
  });
  seats.step('name', {
    ask: 'Whose name is the booking under?',
    schema: z.string().trim().min(2),
    async answer(ctx, name, step) {
      if (name.toLowerCase() === 'nobody') return step.retry('That is not a name.');
      step.data.name = name;
      const { count, section, row } = step.data;
      await ctx.reply(`Booked ${count} seats in the ${section}${row ? ` row ${row}` : ''} for ${name}.`);
      return step.finish();
    },
  });
  return seats;
}

/** A bot serving the seats flow: /seats starts it, anything else the flow does not take is echoed. */
export function createSeatsBot(options: { name?: string; idleTimeoutMs?: number | false; flows?: FlowsOptions<SeatsContext> } = {}): Bot<SeatsContext> {
  const seats = createSeatsFlow(options.idleTimeoutMs ?? false);
  const bot = new Bot<SeatsContext>(options.name ?? 'seats');
  bot.use(flows([seats], options.flows));
  bot.command('seats', (ctx) => ctx.flow.start(seats));
  bot.command('where', (ctx) => ctx.reply(ctx.flow.active ? `At ${ctx.flow.active.step}` : 'No flow'));
  bot.command('cancel', (ctx) => ctx.reply('Nothing to cancel.'));
  bot.on('button', (ctx) => ctx.reply(`Button ${ctx.button.data} outside the flow.`));
  bot.on('message:text', (ctx) => ctx.reply(`Echo: ${ctx.text}`));
  return bot;
}
