/**
 * The hub: one account with every service behind a main menu. /start and the page opening
 * show the menu, a menu button enters a service, a service's flow runs as it does alone, and
 * what no service understood gets the menu back, in the customer's language. Each service
 * keeps its own part of the session, so one service cannot wipe another's.
 */
import { join } from 'node:path';
import { BillsStore, SAMPLE_ACCOUNTS, SimulatedPaymentProvider } from '../../bots/bills';
import { createHubBot, serviceFlows, serviceSessions } from '../../bots/hub';
import { createTicketStore, demoCatalogue } from '../../bots/tickets';
import {
  Bot,
  Composer,
  Flow,
  flows,
  z,
  type Context,
  type FlowFlavor,
  type SessionFlavor,
  createKiosk,
  createLogger,
  createTemplates,
  openWebchat,
  postTelegramUpdate,
  startFakeTelegram,
  telegram,
  telegramCallbackUpdate,
  telegramTextUpdate,
  webchat,
  type FakeTelegram,
  type Kiosk,
  type OutboundMessage,
} from '../../framework/index';
import { rideTimings } from '../../workers/taxi/jobs';
import { createJobs } from '../../workers';
import { dropPrefix, telegramSettings, testConfig, TELEGRAM_SECRET } from '../helpers/kiosk';
import { waitUntil } from '../helpers/wait';
import { connect, uniquePrefix } from '../helpers/redis';
import { harness } from '../flow/harness';

const WEBCHAT = { secret: 'dev-only-webchat-secret-0123456789' };
const buttonData = (message: OutboundMessage) => (message.buttons ?? []).flat().map((b) => ('data' in b ? b.data : b.url));

describe('hub bot', () => {
  const prefix = uniquePrefix();
  let fake: FakeTelegram;
  let kiosk: Kiosk;
  let base: string;
  let updateId = 70_000;
  let redis: ReturnType<typeof connect>;
  let payments: SimulatedPaymentProvider;
  const saved = { ...rideTimings };

  const say = (chatId: number, text: string, languageCode = 'en') =>
    postTelegramUpdate(base, 'hub', telegramTextUpdate({ updateId: ++updateId, chatId, text, languageCode }), TELEGRAM_SECRET);
  const press = (chatId: number, data: string, languageCode = 'en') =>
    postTelegramUpdate(base, 'hub', telegramCallbackUpdate({ updateId: ++updateId, chatId, data, languageCode }), TELEGRAM_SECRET);
  const sentTo = (chatId: number) => fake.sent.filter((m) => m.chat_id === String(chatId));
  const next = async (chatId: number, count: number) => {
    await fake.waitFor(() => sentTo(chatId).length >= count, 10_000);
    return sentTo(chatId)[count - 1]!;
  };

  beforeAll(async () => {
    rideTimings.arrivingAfterMs = 60_000;
    rideTimings.arrivedAfterMs = 60_000;
    fake = await startFakeTelegram();
    redis = connect();
    const billsStore = new BillsStore(redis, { prefix: `${prefix}:bills` });
    const ticketStore = createTicketStore({ redis, prefix: `${prefix}:tickets` });
    // Payments never call back here: paying is the browser test's (test/e2e/browser.test.ts).
    payments = new SimulatedPaymentProvider({ secret: 'dev-only-payment-secret', callbackUrl: () => `${base}/payments/bills/callback`, outcome: 'never' });
    await billsStore.seedAccounts(SAMPLE_ACCOUNTS);
    await ticketStore.seed(demoCatalogue());
    const telegramOnly = { telegram: telegramSettings(fake.apiRoot) };
    const config = testConfig(prefix, { hub: { ...telegramOnly, webchat: WEBCHAT }, 'taxi-hub': telegramOnly });
    const templates = createTemplates({ root: join(__dirname, '../../templates') });
    const hub = createHubBot({ bills: { store: billsStore, payments }, tickets: { store: ticketStore } });
    const jobs = createJobs({ tickets: { store: ticketStore } }).all;
    kiosk = createKiosk({ config, bots: [hub, createHubBot({ name: 'taxi-hub' })], adapters: [telegram, webchat], jobs, render: templates.render, logger: createLogger({ level: 'silent' }) });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    Object.assign(rideTimings, saved);
    payments.close();
    await kiosk.close();
    await fake.close();
    redis.disconnect();
    await dropPrefix(prefix);
  });

  test('/start shows the main menu with a button per service, not the first service\'s welcome', async () => {
    await say(1, '/start');
    const menu = await next(1, 1);
    expect(menu.text).toMatch(/^Welcome to Kiosk! One account for all our services/);
    expect(menu.reply_markup?.inline_keyboard?.flat().map((b) => b.callback_data)).toEqual(['taxi:order', 'bills:menu', 'tickets:browse']);
  });

  test('a hub given only taxi offers only taxi in its menu', async () => {
    await postTelegramUpdate(base, 'taxi-hub', telegramTextUpdate({ updateId: ++updateId, chatId: 9, text: '/start' }), TELEGRAM_SECRET);
    await fake.waitFor((m) => m.chat_id === '9', 10_000);
    const menu = fake.sent.find((m) => m.chat_id === '9')!;
    expect(menu.reply_markup?.inline_keyboard?.flat().map((b) => b.callback_data)).toEqual(['taxi:order']);
  });

  test('the Taxi button of the menu orders a ride through the taxi service\'s own flow', async () => {
    await say(2, '/start');
    await next(2, 1);
    await press(2, 'taxi:order');
    expect((await next(2, 2)).text).toBe('Where shall we pick you up? Type an address or share your location.');
    await say(2, 'Gare du Nord');
    expect((await next(2, 3)).text).toBe('Pickup: Gare du Nord. Where are you going?');
    await say(2, 'Orly');
    expect((await next(2, 4)).text).toMatch(/^From Gare du Nord to Orly: about €/);
    await press(2, 'taxi:confirm');
    await fake.waitFor(() => sentTo(2).some((m) => / is on the way /.test(m.text ?? '')), 10_000);
    expect(sentTo(2).map((m) => m.text)).toContain('Looking for a driver near Gare du Nord…');
  });

  test('each service keeps its own part of the session: the taxi ride is stored under "taxi"', async () => {
    // The session is saved when the confirm handler returns, which may be after the dispatch job already wrote back.
    const key = `${prefix}:session:hub:telegram:2`;
    await waitUntil(async () => /"waiting"/.test((await redis.get(key)) ?? ''), 'the ride to be saved in the session');
    const stored = await redis.get(key);
    expect(JSON.parse(stored ?? '{}')).toEqual({ taxi: expect.objectContaining({ step: 'waiting', pickup: 'Gare du Nord', destination: 'Orly' }) });
  });

  test('the Bills button opens the bills service, and linking an account there leaves the taxi ride alone', async () => {
    let count = sentTo(2).length;
    await press(2, 'bills:menu');
    expect((await next(2, ++count)).text).toMatch(/^No account is linked to this chat yet\./);
    await press(2, 'bills:link');
    expect((await next(2, ++count)).text).toMatch(/^What is your account number\?/);
    await say(2, 'ACC-1003');
    expect((await next(2, ++count)).text).toMatch(/postcode/);
    await say(2, '75005');
    expect((await next(2, ++count)).text).toBe('Done: account ACC-1003 (Marie Curie) is linked to this chat.');
    // The ride ordered before is still the taxi service's to cancel.
    await say(2, '/cancel');
    expect((await next(2, ++count)).text).toBe('Your ride is cancelled. Send /taxi whenever you need one.');
  });

  test('the Tickets button starts the tickets service\'s buy flow', async () => {
    await press(4, 'tickets:browse');
    const browse = await next(4, 1);
    expect(browse.text).toMatch(/^What would you like to book\?/);
    expect(browse.reply_markup?.inline_keyboard?.flat().map((b) => b.callback_data)).toContain('tickets:event:lighthouse');
  });

  test('a message no service understood gets the menu back, in French for a French customer', async () => {
    await say(3, 'bonjour', 'fr');
    const answer = await next(3, 1);
    expect(answer.text).toMatch(/^Désolé, je n’ai pas compris\./);
    expect(answer.reply_markup?.inline_keyboard?.flat().map((b) => b.text)).toContain('Taxi');
  });

  test('on the web chat, opening the page shows the menu in the language the page sends', async () => {
    const visitor = await openWebchat(base, 'hub', { locale: 'zh' });
    try {
      await visitor.send({ event: 'open' });
      const menu = await visitor.nextMessage();
      expect(menu.text).toMatch(/^欢迎使用 Kiosk/);
      expect(buttonData(menu)).toContain('taxi:order');
      await visitor.send({ button: { data: 'taxi:order' } });
      expect((await visitor.nextMessage()).text).toBe('请问在哪里上车？请输入地址或分享您的位置。');
    } finally {
      visitor.close();
    }
  });
});

describe('serviceSessions: one session per service in the hub', () => {
  type ServiceContext<S> = Context & FlowFlavor & SessionFlavor<S>;
  type Counter = { count: number };
  type Visits = { visits: number; name?: string };

  function twoServiceHub() {
    const ask = new Flow<Record<string, never>, ServiceContext<Visits>>('visits.ask', { data: z.object({}) as never, initial: () => ({}) });
    ask.step('name', {
      ask: 'What is your name?',
      schema: z.string(),
      answer(ctx, name) {
        // A flow step replaces its service's session whole, as a service alone would.
        ctx.session = { ...ctx.session, name };
      },
    });
    const sessions = serviceSessions({
      counter: { initial: (): Counter => ({ count: 0 }) },
      visits: { initial: (): Visits => ({ visits: 0 }), flows: [ask] },
    });
    const counter = new Composer<ServiceContext<Counter>>();
    counter.hears('count', (ctx) => {
      ctx.session = { count: ctx.session.count + 1 };
      return ctx.reply(`count=${ctx.session.count}`);
    });
    const visits = new Composer<ServiceContext<Visits>>();
    visits.hears('visit', (ctx) => {
      ctx.session.visits += 1;
      return ctx.reply(`visits=${ctx.session.visits} name=${ctx.session.name ?? '-'}`);
    });
    visits.hears('ask', (ctx) => ctx.flow.start(ask));
    const bot = new Bot<Context & FlowFlavor>('hub');
    bot.use(sessions.middleware);
    bot.use(flows(serviceFlows<Context & FlowFlavor>([ask])));
    bot.use(sessions.mount('counter', counter));
    bot.use(sessions.mount('visits', visits));
    return bot;
  }

  test('a service replacing its session keeps the others\' parts, and a flow step writes its own service\'s part', async () => {
    const bot = twoServiceHub();
    const h = harness('hub');
    for (const text of ['count', 'visit', 'count', 'visit', 'ask', 'Zoe', 'visit', 'count']) await bot.handleUpdate(h.text('c1', text), h.services);
    expect(h.replies).toEqual(['count=1', 'visits=1 name=-', 'count=2', 'visits=2 name=-', 'What is your name?', 'visits=3 name=Zoe', 'count=3']);
  });

  test('reading ctx.session outside any service is refused with a message saying where it belongs', async () => {
    const sessions = serviceSessions({ counter: { initial: (): Counter => ({ count: 0 }) } });
    const bot = new Bot<Context & FlowFlavor>('hub');
    const errors: string[] = [];
    bot.catch((error) => void errors.push(error.message));
    bot.use(sessions.middleware);
    bot.on('message:text', (ctx) => void (ctx as unknown as SessionFlavor<Counter>).session.count);
    const h = harness('hub');
    await bot.handleUpdate(h.text('c2', 'hello'), h.services);
    expect(errors.join()).toMatch(/ctx\.session belongs to a service: read it inside a service mounted with mount\(\)/);
  });
});
