/**
 * Flows inside Kiosk, against Redis and a fake Telegram: a flow survives a restart between
 * two steps (and an answer sent while no worker runs), an abandoned flow ends with a message
 * from a delayed job on whichever process is up, an answer replaces the pending timeout, and
 * /cancel removes it.
 */
import {
  createKiosk,
  createLogger,
  flowTimeout,
  postTelegramUpdate,
  startFakeTelegram,
  telegram,
  telegramCallbackUpdate,
  telegramTextUpdate,
  type FakeTelegram,
  type Kiosk,
  type KioskConfig,
} from '../../framework/index';
import { createSeatsBot } from '../flow/seats-flow';
import { dropPrefix, TELEGRAM_SECRET, telegramSettings, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { sleep, waitUntil } from '../helpers/wait';

const QUICK_TIMEOUT_MS = 1200;

describe('flows in Kiosk', () => {
  const prefix = uniquePrefix();
  let fake: FakeTelegram;
  let config: KioskConfig;
  const open: Kiosk[] = [];
  let live: { kiosk: Kiosk; base: string };
  let updateId = 70_000;

  const start = async () => {
    const kiosk = createKiosk({
      config,
      bots: [createSeatsBot(), createSeatsBot({ name: 'quick', idleTimeoutMs: QUICK_TIMEOUT_MS })],
      adapters: [telegram],
      logger: createLogger({ level: 'silent' }),
    });
    open.push(kiosk);
    const base = await kiosk.listen(0);
    await kiosk.startWorkers();
    live = { kiosk, base };
    return live;
  };
  const say = (base: string, bot: string, chatId: number, text: string) => postTelegramUpdate(base, bot, telegramTextUpdate({ updateId: ++updateId, chatId, text }), TELEGRAM_SECRET);
  const press = (base: string, bot: string, chatId: number, data: string) => postTelegramUpdate(base, bot, telegramCallbackUpdate({ updateId: ++updateId, chatId, data }), TELEGRAM_SECRET);
  const textsTo = (chatId: number) => fake.sent.filter((m) => m.chat_id === String(chatId)).map((m) => m.text ?? '');
  const nth = async (chatId: number, count: number) => {
    await fake.waitFor((m) => m.chat_id === String(chatId) && textsTo(chatId).length >= count, 10_000);
    return textsTo(chatId)[count - 1]!;
  };
  const pendingTimeouts = async (kiosk: Kiosk, chatId: number) =>
    (await kiosk.jobsQueue(flowTimeout).getDelayed()).filter((job) => (job.data.data as { key: string }).key.endsWith(`:${chatId}:${chatId}`));

  beforeAll(async () => {
    fake = await startFakeTelegram();
    const settings = { telegram: telegramSettings(fake.apiRoot) };
    config = testConfig(prefix, { seats: settings, quick: settings });
  });

  afterAll(async () => {
    for (const kiosk of open) await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  test('a flow interrupted by a restart between two steps resumes on the next process, with the answer sent during the deploy', async () => {
    const first = await start();
    await say(first.base, 'seats', 1, '/seats');
    expect(await nth(1, 1)).toBe('How many seats?');
    await say(first.base, 'seats', 1, '2');
    expect(await nth(1, 2)).toBe('2 seats. Which section?');

    // The deploy: workers stop, the web process still takes the customer's answer into the queue.
    await first.kiosk.stopWorkers();
    expect((await press(first.base, 'seats', 1, 'seat:balcony')).status).toBe(200);
    await sleep(300);
    expect(textsTo(1)).toHaveLength(2);
    await first.kiosk.close();

    const second = await start();
    expect(await nth(1, 3)).toBe('Which balcony row, A to C?');
    await say(second.base, 'seats', 1, 'z');
    expect(await nth(1, 4)).toBe('Sorry, that is not an answer I can use here.');
    expect(await nth(1, 5)).toBe('Which balcony row, A to C?');
    await say(second.base, 'seats', 1, 'c');
    expect(await nth(1, 6)).toBe('Whose name is the booking under?');
    await say(second.base, 'seats', 1, 'Lin');
    expect(await nth(1, 7)).toBe('Booked 2 seats in the balcony row C for Lin.');
  });

  test('two answers posted at once advance the flow once each', async () => {
    const { base } = live;
    await say(base, 'seats', 2, '/seats');
    await nth(2, 1);
    await Promise.all([say(base, 'seats', 2, '3'), say(base, 'seats', 2, '5')]);
    await nth(2, 4);
    await sleep(200);
    const texts = textsTo(2).slice(1);
    expect(texts).toHaveLength(3);
    const advanced = texts.filter((t) => /^\d seats\. Which section\?$/.test(t));
    expect(advanced).toHaveLength(2);
    expect(new Set(advanced).size).toBe(1);
    expect(texts).toContain('Sorry, that is not an answer I can use here.');
  });

  test('an abandoned flow ends with its message from a delayed job, and an answer replaces the pending timeout', async () => {
    const { base, kiosk } = live;
    await say(base, 'quick', 3, '/seats');
    expect(await nth(3, 1)).toBe('How many seats?');
    await sleep(QUICK_TIMEOUT_MS / 2);
    await say(base, 'quick', 3, '2');
    expect(await nth(3, 2)).toBe('2 seats. Which section?');
    const answeredAt = Date.now();
    // Only the timeout of the newest version stays pending (the old one is removed right after the reply).
    await waitUntil(async () => (await pendingTimeouts(kiosk, 3)).length === 1, 'the first timeout to be removed', 2000);
    expect((await pendingTimeouts(kiosk, 3))[0]!.data.data).toMatchObject({ version: 2 });
    await sleep(QUICK_TIMEOUT_MS * 0.7);
    expect(textsTo(3)).toHaveLength(2);
    expect(await nth(3, 3)).toBe('Your booking timed out.');
    expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(QUICK_TIMEOUT_MS - 50);
    await press(base, 'quick', 3, 'seat:stalls');
    expect(await nth(3, 4)).toBe('Button seat:stalls outside the flow.');
  });

  test('the timeout fires even when the process that started the flow is gone', async () => {
    await say(live.base, 'quick', 4, '/seats');
    expect(await nth(4, 1)).toBe('How many seats?');
    await live.kiosk.close();
    open.splice(open.indexOf(live.kiosk), 1);
    await start();
    expect(await nth(4, 2)).toBe('Your booking timed out.');
  });

  test('/cancel leaves the flow and removes its pending timeout', async () => {
    const { base, kiosk } = live;
    await say(base, 'quick', 5, '/seats');
    await nth(5, 1);
    expect(await pendingTimeouts(kiosk, 5)).toHaveLength(1);
    await say(base, 'quick', 5, '/cancel');
    expect(await nth(5, 2)).toBe('Booking cancelled.');
    await waitUntil(async () => (await pendingTimeouts(kiosk, 5)).length === 0, 'the timeout to be removed', 2000);
    await sleep(QUICK_TIMEOUT_MS + 300);
    expect(textsTo(5)).toEqual(['How many seats?', 'Booking cancelled.']);
  });
});
