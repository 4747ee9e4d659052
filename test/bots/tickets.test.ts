/**
 * The tickets bot as a customer on Telegram lives it: browse, pick an event and a date, say
 * how many seats (re-asked when it is not a number in range), the seats are held, pay, and the
 * ticket comes as a card with its code; a hold left unpaid runs out and its seats return; a
 * refund before the showing puts the seats back, once; after the showing it is refused.
 */
import { join } from 'node:path';
import { createTicketsBot, createTicketStore, type TicketEvent, type TicketStore } from '../../bots/tickets';
import {
  createKiosk,
  createLogger,
  createTemplates,
  postTelegramUpdate,
  startFakeTelegram,
  telegram,
  telegramCallbackUpdate,
  telegramTextUpdate,
  webchat,
  type FakeTelegram,
  type Kiosk,
  type Redis,
} from '../../framework/index';
import { createTicketsJobs, holdExpiry, holdExpiryJobId } from '../../workers/tickets/jobs';
import { dropPrefix, telegramSettings, testConfig } from '../helpers/kiosk';
import { connect, uniquePrefix } from '../helpers/redis';
import { sleep } from '../helpers/wait';

const SECRET = 'dev-only-telegram-secret';
const QUICK_HOLD_MS = 1500;
const DAY = 86_400_000;

function catalogue(): TicketEvent[] {
  const at = (ms: number) => new Date(Date.now() + ms).toISOString();
  return [
    {
      id: 'film',
      title: 'The Film',
      venue: 'Screen 1',
      price: 12.5,
      currency: 'EUR',
      showings: [
        { id: 'film-a', startsAt: at(DAY), capacity: 50 },
        { id: 'film-b', startsAt: at(2 * DAY), capacity: 2 },
      ],
    },
    { id: 'train', title: 'Paris → Lyon', venue: 'Gare de Lyon', price: 39, currency: 'EUR', showings: [{ id: 'train-a', startsAt: at(DAY), capacity: 300 }] },
  ];
}

describe('tickets bot', () => {
  const prefix = uniquePrefix();
  let fake: FakeTelegram;
  let kiosk: Kiosk;
  let base: string;
  let redis: Redis;
  let store: TicketStore;
  let clockOffset = 0;
  let updateId = 70_000;

  const say = (bot: string, chatId: number, text: string, languageCode = 'en') =>
    postTelegramUpdate(base, bot, telegramTextUpdate({ updateId: ++updateId, chatId, text, languageCode }), SECRET);
  const press = (bot: string, chatId: number, data: string, languageCode = 'en') =>
    postTelegramUpdate(base, bot, telegramCallbackUpdate({ updateId: ++updateId, chatId, data, languageCode }), SECRET);
  const sentTo = (chatId: number) => fake.sent.filter((m) => m.chat_id === String(chatId));
  const textsTo = (chatId: number) => sentTo(chatId).map((m) => m.text ?? '');
  const next = async (chatId: number, count: number) => {
    await fake.waitFor((m) => m.chat_id === String(chatId) && textsTo(chatId).length >= count, 10_000);
    return textsTo(chatId)[count - 1]!;
  };
  const buttonsOf = (chatId: number, index: number) => sentTo(chatId)[index - 1]!.reply_markup?.inline_keyboard?.map((row) => row.map((b) => b.callback_data)) ?? [];
  const buttonData = (chatId: number, index: number, prefixOf: string) => buttonsOf(chatId, index).flat().find((d) => d?.startsWith(prefixOf))!;

  /** Browse, pick The Film on its first date and hold `seats`: returns the index of the "held" message. */
  async function hold(bot: string, chatId: number, seats: string, showing = 'film-a'): Promise<number> {
    const start = textsTo(chatId).length;
    await say(bot, chatId, '/tickets');
    await next(chatId, start + 1);
    await press(bot, chatId, 'tickets:event:film');
    await next(chatId, start + 2);
    await press(bot, chatId, `tickets:date:${showing}`);
    await next(chatId, start + 3);
    await say(bot, chatId, seats);
    await next(chatId, start + 4);
    return start + 4;
  }

  beforeAll(async () => {
    fake = await startFakeTelegram();
    redis = connect();
    store = createTicketStore({ redis, prefix: `${prefix}:tickets`, now: () => Date.now() + clockOffset });
    await store.seed(catalogue());
    const settings = { telegram: telegramSettings(fake.apiRoot) };
    const config = testConfig(prefix, { tickets: settings, 'tickets-quick': settings }, { inboundPartitions: 4 });
    const templates = createTemplates({ root: join(__dirname, '../../templates') });
    const bots = [createTicketsBot({ store }), createTicketsBot({ store, name: 'tickets-quick', holdMs: QUICK_HOLD_MS })];
    kiosk = createKiosk({ config, bots, adapters: [telegram, webchat], jobs: createTicketsJobs({ store }), render: templates.render, logger: createLogger({ level: 'silent' }) });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fake.close();
    redis.disconnect();
    await dropPrefix(prefix);
  });

  test('browse, pick a date, hold, pay: the ticket comes as a card with a 10-character code', async () => {
    await say('tickets', 1, '/tickets');
    expect(await next(1, 1)).toBe('What would you like to book?\n• The Film (Screen 1): €12.50 a seat\n• Paris → Lyon (Gare de Lyon): €39.00 a seat');
    expect(buttonsOf(1, 1)).toEqual([['tickets:event:film'], ['tickets:event:train'], ['tickets:cancel']]);
    await press('tickets', 1, 'tickets:event:film');
    expect(await next(1, 2)).toMatch(/^The Film, Screen 1, €12\.50 a seat\. Which date\?\n• .+: 50 seats left\n• .+: 2 seats left$/);
    expect(buttonsOf(1, 2)).toEqual([['tickets:date:film-a'], ['tickets:date:film-b'], ['tickets:back', 'tickets:cancel']]);
    await press('tickets', 1, 'tickets:date:film-a');
    expect(await next(1, 3)).toMatch(/^The Film, .+\. How many seats\? Send a number from 1 to 10\.$/);
    await say('tickets', 1, '2');
    expect(await next(1, 4)).toMatch(/^2 seats for The Film \(Screen 1\), .+: held for you for 5 minutes\. Total: €25\.00\.$/);
    const pay = buttonData(1, 4, 'tickets:pay:');
    expect(pay).toMatch(/^tickets:pay:film-a\.[0-9A-Z]{12}$/);
    expect(await store.stock('film-a')).toMatchObject({ held: 2, sold: 0, available: 48 });
    expect((await kiosk.jobsQueue(holdExpiry).getDelayed()).map((j) => j.id)).toContain(holdExpiryJobId(pay.slice('tickets:pay:'.length)));

    await press('tickets', 1, pay);
    const ticket = await next(1, 5);
    expect(ticket).toMatch(/^<b>The Film<\/b>\nScreen 1\nTicket [0-9A-Z]{10}: 2 seats, .+\. Paid €25\.00\. Show this code at the entrance\.$/);
    const code = /Ticket ([0-9A-Z]{10})/.exec(ticket)![1]!;
    expect(await store.ticket(code)).toMatchObject({ seats: 2, status: 'valid', showingId: 'film-a' });
    expect(await store.stock('film-a')).toMatchObject({ held: 0, sold: 2 });
    // Paid: the hold's expiry job is gone from the queue.
    expect((await kiosk.jobsQueue(holdExpiry).getDelayed()).map((j) => j.id)).not.toContain(holdExpiryJobId(pay.slice('tickets:pay:'.length)));

    // A second press of the same Pay button shows the same ticket and sells nothing more.
    await press('tickets', 1, pay);
    expect(await next(1, 6)).toBe(ticket);
    expect(await store.stock('film-a')).toMatchObject({ held: 0, sold: 2 });
  });

  test('a seat count that is not a number from 1 to 10 is re-asked, and too many for what is left is refused', async () => {
    await say('tickets', 2, '/tickets');
    await press('tickets', 2, 'tickets:event:film');
    await press('tickets', 2, 'tickets:date:film-b');
    await next(2, 3);
    for (const [i, answer] of ['zero', '0', '11', '2.5'].entries()) {
      await say('tickets', 2, answer);
      expect(await next(2, 4 + i)).toBe('Please send a number of seats from 1 to 10.');
    }
    await say('tickets', 2, '3');
    expect(await next(2, 8)).toBe('Sorry, only 2 seats are left.');
    expect(await next(2, 9)).toMatch(/How many seats\?/);
    await say('tickets', 2, '2');
    expect(await next(2, 10)).toMatch(/^2 seats for The Film/);
    expect(await store.stock('film-b')).toMatchObject({ held: 2, available: 0 });
    // Giving the hold up returns the seats at once, and removes its expiry job.
    const release = buttonData(2, 10, 'tickets:release:');
    await press('tickets', 2, release);
    expect(await next(2, 11)).toBe('Done: 2 seats are back on sale. Send /tickets whenever you like.');
    expect(await store.stock('film-b')).toMatchObject({ held: 0, available: 2 });
    expect((await kiosk.jobsQueue(holdExpiry).getDelayed()).map((j) => j.id)).not.toContain(holdExpiryJobId(release.slice('tickets:release:'.length)));
  });

  test('a hold left unpaid runs out: the customer is told, the seats return, and Pay then fails', async () => {
    const held = await hold('tickets-quick', 3, '4');
    expect(textsTo(3)[held - 1]).toMatch(/^4 seats for The Film .+ held for you for 1 minute\./);
    expect(await store.stock('film-a')).toMatchObject({ held: 4 });
    expect(await next(3, held + 1)).toBe('Your hold of 4 seats for The Film has run out, so the seats are back on sale. Send /tickets to try again.');
    expect(await store.stock('film-a')).toMatchObject({ held: 0 });
    await press('tickets-quick', 3, buttonData(3, held, 'tickets:pay:'));
    expect(await next(3, held + 2)).toMatch(/^Sorry, your hold ran out before you paid/);
    expect(await store.stock('film-a')).toMatchObject({ held: 0 });
  });

  test('a refund before the showing puts the seats back, once; /mytickets shows it refunded', async () => {
    const before = (await store.stock('film-a'))!;
    const held = await hold('tickets', 4, '3');
    await press('tickets', 4, buttonData(4, held, 'tickets:pay:'));
    await next(4, held + 1);
    expect(await store.stock('film-a')).toMatchObject({ sold: before.sold + 3 });
    const refund = buttonData(4, held + 1, 'tickets:refund:');
    const code = refund.slice('tickets:refund:'.length);
    await press('tickets', 4, refund);
    expect(await next(4, held + 2)).toBe(`Ticket ${code} for The Film is refunded: €37.50 will be paid back, and 3 seats are back on sale.`);
    expect(await store.stock('film-a')).toMatchObject({ sold: before.sold, available: before.available });
    await say('tickets', 4, `/refund ${code}`);
    expect(await next(4, held + 3)).toBe('This ticket has already been refunded.');
    await say('tickets', 4, '/mytickets');
    expect(await next(4, held + 4)).toMatch(new RegExp(`^Your tickets:\\n• ${code}: The Film, .+, 3 seats \\(refunded\\)\\nTo refund one`));
  });

  test('after the showing has started, a refund is refused and the seats stay sold', async () => {
    const held = await hold('tickets', 5, '1');
    await press('tickets', 5, buttonData(5, held, 'tickets:pay:'));
    await next(5, held + 1);
    const code = buttonData(5, held + 1, 'tickets:refund:').slice('tickets:refund:'.length);
    const sold = (await store.stock('film-a'))!.sold;
    clockOffset = 2 * DAY;
    try {
      await say('tickets', 5, `/refund ${code.toLowerCase()}`);
      expect(await next(5, held + 2)).toBe('Sorry, this ticket can no longer be refunded: the event has started.');
    } finally {
      clockOffset = 0;
    }
    expect(await store.stock('film-a')).toMatchObject({ sold });
    await say('tickets', 5, '/refund nonsense');
    expect(await next(5, held + 3)).toMatch(/^To refund a ticket, send \/refund followed by its 10-character code/);
    await say('tickets', 6, `/refund ${code}`);
    expect(await next(6, 1)).toMatch(/^We could not find a ticket of yours with that code/);
  });

  test('French and Chinese customers get their own texts', async () => {
    await say('tickets', 7, '/tickets', 'fr');
    expect(await next(7, 1)).toBe('Que souhaitez-vous réserver ?\n• The Film (Screen 1) : 12,50\u00a0€ la place\n• Paris → Lyon (Gare de Lyon) : 39,00\u00a0€ la place');
    await say('tickets', 7, 'annuler', 'fr');
    expect(await next(7, 2)).toBe('Votre achat est annulé. Envoyez /tickets quand vous voulez.');
    await say('tickets', 8, '/tickets', 'zh-hans');
    expect(await next(8, 1)).toMatch(/^您想预订什么？/);
    await press('tickets', 8, 'tickets:event:train', 'zh-hans');
    expect(await next(8, 2)).toMatch(/^Paris → Lyon，Gare de Lyon，每座 €39\.00。请选择日期：\n• .+：剩余 300 个座位$/);
    await press('tickets', 8, 'tickets:back', 'zh-hans');
    expect(await next(8, 3)).toMatch(/^您想预订什么？/);
  });

  test('an old event button after the purchase has ended starts again from the list', async () => {
    await say('tickets', 9, '/tickets');
    await say('tickets', 9, '/cancel');
    expect(await next(9, 2)).toBe('Your purchase is cancelled. Send /tickets whenever you like.');
    await press('tickets', 9, 'tickets:event:film');
    expect(await next(9, 3)).toMatch(/^What would you like to book\?/);
    await sleep(100);
    expect(textsTo(9)).toHaveLength(3);
  });
});
