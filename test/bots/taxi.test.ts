/**
 * The taxi bot's whole ride, as a customer on Telegram lives it: pickup, destination, fare,
 * confirm, driver assigned, arriving, arrived; and a cancel while waiting removes the
 * pending jobs. Ordering is a flow: a bad address is re-asked, "Change destination" goes
 * back, a cancel word leaves it, and an order left unanswered ends with a message. Texts
 * come from the templates, in the customer's language.
 */
import { join } from 'node:path';
import { createTaxiBot } from '../../bots/taxi';
import {
  createKiosk,
  createLogger,
  createTemplates,
  postTelegramUpdate,
  startFakeTelegram,
  telegram,
  telegramCallbackUpdate,
  telegramLocationUpdate,
  telegramTextUpdate,
  webchat,
  type FakeTelegram,
  type Kiosk,
} from '../../framework/index';
import { rideStatus, rideTimings, statusJobId, taxiJobs } from '../../workers/taxi/jobs';
import { dropPrefix, telegramSettings, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { sleep } from '../helpers/wait';

const SECRET = 'dev-only-telegram-secret';
const ORDER_TIMEOUT_MS = 2500;

describe('taxi bot', () => {
  const prefix = uniquePrefix();
  let fake: FakeTelegram;
  let kiosk: Kiosk;
  let base: string;
  let updateId = 90_000;
  const saved = { ...rideTimings };

  const say = (chatId: number, text: string, languageCode = 'en') =>
    postTelegramUpdate(base, 'taxi', telegramTextUpdate({ updateId: ++updateId, chatId, text, languageCode }), SECRET);
  const press = (chatId: number, data: string, languageCode = 'en') =>
    postTelegramUpdate(base, 'taxi', telegramCallbackUpdate({ updateId: ++updateId, chatId, data, languageCode }), SECRET);
  const textsTo = (chatId: number) => fake.sent.filter((m) => m.chat_id === String(chatId)).map((m) => m.text ?? '');
  const next = async (chatId: number, count: number) => {
    await fake.waitFor((m) => m.chat_id === String(chatId) && textsTo(chatId).length >= count, 10_000);
    return textsTo(chatId)[count - 1]!;
  };

  beforeAll(async () => {
    rideTimings.arrivingAfterMs = 300;
    rideTimings.arrivedAfterMs = 600;
    fake = await startFakeTelegram();
    const config = testConfig(prefix, { taxi: { telegram: telegramSettings(fake.apiRoot) } }, { inboundPartitions: 4 });
    const templates = createTemplates({ root: join(__dirname, '../../templates') });
    kiosk = createKiosk({ config, bots: [createTaxiBot({ idleTimeoutMs: ORDER_TIMEOUT_MS })], adapters: [telegram, webchat], jobs: taxiJobs, render: templates.render, logger: createLogger({ level: 'silent' }) });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    Object.assign(rideTimings, saved);
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  test('a whole ride in English: pickup, destination, fare, confirm, assigned, arriving, arrived', async () => {
    await say(1, '/taxi');
    expect(await next(1, 1)).toBe('Where shall we pick you up? Type an address or share your location.');
    await say(1, '10 Downing Street');
    expect(await next(1, 2)).toBe('Pickup: 10 Downing Street. Where are you going?');
    await say(1, 'Heathrow');
    expect(await next(1, 3)).toMatch(/^From 10 Downing Street to Heathrow: about €\d+\.\d{2}, \d+ minutes\. Shall we send a driver\?$/);
    const confirm = fake.sent.filter((m) => m.chat_id === '1')[2]!;
    expect(confirm.reply_markup?.inline_keyboard?.map((row) => row.map((b) => b.callback_data))).toEqual([['taxi:confirm', 'taxi:cancel'], ['taxi:change']]);
    await press(1, 'taxi:confirm');
    await next(1, 5);
    expect(textsTo(1).slice(3, 5).sort()).toEqual(
      ['Looking for a driver near 10 Downing Street…', expect.stringMatching(/ is on the way in a .+, arriving in about \d+ minutes\.$/)].sort(),
    );
    expect(await next(1, 6)).toMatch(/is almost there: one minute away\.$/);
    expect(await next(1, 7)).toMatch(/has arrived at 10 Downing Street\. Have a good trip!$/);
  });

  test('a shared location is a pickup, and the ride speaks French to a French customer', async () => {
    await say(2, '/taxi', 'fr');
    expect(await next(2, 1)).toBe('Où devons-nous vous prendre ? Écrivez une adresse ou partagez votre position.');
    await postTelegramUpdate(base, 'taxi', telegramLocationUpdate({ updateId: ++updateId, chatId: 2, latitude: 48.8809, longitude: 2.3553, languageCode: 'fr' }), SECRET);
    expect(await next(2, 2)).toBe('Départ : 48.88090, 2.35530. Où allez-vous ?');
    await say(2, 'Orly', 'fr');
    expect(await next(2, 3)).toMatch(/^De 48.88090, 2.35530 à Orly : environ \d+,\d{2}\u00a0€, \d+ minutes\. On vous envoie un chauffeur \?$/);
  });

  test('Chinese customers get Chinese texts', async () => {
    await say(3, '/taxi', 'zh-hans');
    expect(await next(3, 1)).toBe('请问在哪里上车？请输入地址或分享您的位置。');
  });

  test('cancelling while waiting removes the pending status jobs: no driver shows up', async () => {
    rideTimings.arrivingAfterMs = 1500;
    rideTimings.arrivedAfterMs = 2000;
    await say(4, '/taxi');
    await say(4, 'Baker Street');
    await say(4, 'Kings Cross');
    await next(4, 3);
    await press(4, 'taxi:confirm');
    await fake.waitFor((m) => m.chat_id === '4' && / is on the way /.test(m.text ?? ''), 10_000);
    await say(4, '/cancel');
    expect(await next(4, 6)).toBe('Your ride is cancelled. Send /taxi whenever you need one.');
    const queue = kiosk.jobsQueue(rideStatus);
    const pending = (await queue.getDelayed()).map((j) => j.id ?? '');
    expect(pending.filter((id) => id.startsWith(statusJobId('4-', 'arriving')) || id.startsWith(statusJobId('4-', 'arrived')))).toEqual([]);
    await sleep(2500);
    expect(textsTo(4).some((t) => /almost there|has arrived/.test(t))).toBe(false);
    rideTimings.arrivingAfterMs = 300;
    rideTimings.arrivedAfterMs = 600;
  });

  test('cancel with nothing to cancel says so', async () => {
    await say(5, '/cancel');
    expect(await next(5, 1)).toBe('There is nothing to cancel.');
  });

  test('ordering is a flow: a bad address is re-asked, Change destination goes back, and the ride is ordered once', async () => {
    await say(6, '/taxi');
    await next(6, 1);
    await say(6, 'x');
    expect(await next(6, 2)).toBe('Please type an address of at least 3 characters, or share your location.');
    await say(6, 'Paddington');
    expect(await next(6, 3)).toBe('Pickup: Paddington. Where are you going?');
    await say(6, 'Soho');
    expect(await next(6, 4)).toMatch(/^From Paddington to Soho: /);
    await say(6, 'yes');
    expect(await next(6, 5)).toBe('Sorry, I did not understand. Please use the buttons below.');
    expect(await next(6, 6)).toMatch(/^From Paddington to Soho: /);
    await press(6, 'taxi:change');
    expect(await next(6, 7)).toBe('Pickup: Paddington. Where are you going?');
    await say(6, 'Camden');
    expect(await next(6, 8)).toMatch(/^From Paddington to Camden: /);
    await press(6, 'taxi:confirm');
    expect(await next(6, 9)).toBe('Looking for a driver near Paddington…');
    await fake.waitFor((m) => m.chat_id === '6' && / is on the way /.test(m.text ?? ''), 10_000);
    // The flow has finished: a second press of an old Confirm button orders nothing.
    await press(6, 'taxi:confirm');
    await sleep(300);
    expect(textsTo(6).filter((t) => t.startsWith('Looking for a driver'))).toHaveLength(1);
  });

  test('a cancel word or /cancel leaves an order in the customer\'s language', async () => {
    await say(7, '/taxi', 'fr');
    await say(7, 'Gare de Lyon', 'fr');
    expect(await next(7, 2)).toBe('Départ : Gare de Lyon. Où allez-vous ?');
    await say(7, 'Annuler', 'fr');
    expect(await next(7, 3)).toBe('Votre course est annulée. Envoyez /taxi quand vous voulez.');
    await say(7, '/taxi');
    await next(7, 4);
    await say(7, '/cancel');
    expect(await next(7, 5)).toBe('Your ride is cancelled. Send /taxi whenever you need one.');
    await say(7, '/cancel');
    expect(await next(7, 6)).toBe('There is nothing to cancel.');
  });

  test('an order left unanswered ends with a message, and the next text is not taken as an answer', async () => {
    await say(8, '/taxi', 'zh-hans');
    expect(await next(8, 1)).toBe('请问在哪里上车？请输入地址或分享您的位置。');
    expect(await next(8, 2)).toBe('您已有一段时间没有回复，我们已停止本次叫车。需要时请发送 /taxi。');
    await say(8, 'Pudong Airport', 'zh-hans');
    await sleep(300);
    expect(textsTo(8)).toHaveLength(2);
  });
});
