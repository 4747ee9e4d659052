/**
 * Telegram end to end: Bot-API-shaped updates (from Telegram's documentation) posted with the
 * secret token to a running Kiosk, handled by a bot, answered on the fake Bot API server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { telegram } from '../../framework/adapters/telegram/adapter';
import { Bot } from '../../framework/core/bot';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { startFakeTelegram, type FakeTelegram } from '../../framework/testing/fake-telegram';
import { postTelegramUpdate, telegramCallbackUpdate, telegramLocationUpdate } from '../../framework/testing/post-update';
import { dropPrefix, telegramSettings, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { sleep } from '../helpers/wait';

const SECRET = 'dev-only-telegram-secret';
const sample = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '../../framework/adapters/telegram/samples', `${name}.json`), 'utf8'));

describe('Telegram through Kiosk', () => {
  const prefix = uniquePrefix();
  let fake: FakeTelegram;
  let kiosk: Kiosk;
  let base: string;

  beforeAll(async () => {
    fake = await startFakeTelegram();
    const bot = new Bot('taxi');
    bot.command('start', (ctx) => ctx.reply(ctx.match ? `Welcome (${ctx.match})` : 'Welcome', { buttons: [[{ label: 'Order a taxi', data: 'taxi:order' }]] }));
    bot.on('message:location', (ctx) => ctx.reply(`Pickup at ${ctx.location.latitude.toFixed(3)}, ${ctx.location.longitude.toFixed(3)}`));
    bot.button('taxi:order', (ctx) => ctx.reply('Where shall we pick you up?'));
    bot.on('message:edited', (ctx) => ctx.reply(`Edited: ${ctx.text ?? ''}`));
    const config = testConfig(prefix, { taxi: { telegram: telegramSettings(fake.apiRoot) } }, { inboundPartitions: 4 });
    kiosk = createKiosk({ config, bots: [bot], adapters: [telegram], logger: createLogger({ level: 'silent' }) });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  beforeEach(() => fake.reset());

  test('/start with a deep-link payload is answered with an inline keyboard', async () => {
    const res = await postTelegramUpdate(base, 'taxi', sample('start-deep-link'), SECRET);
    expect(res.status).toBe(200);
    const sent = await fake.waitFor((m) => m.chat_id === '1111111');
    expect(sent.text).toBe('Welcome (ref-42)');
    expect(sent.reply_markup?.inline_keyboard?.[0]?.[0]).toEqual({ text: 'Order a taxi', callback_data: 'taxi:order' });
  });

  test('a button press is handled and its callback query answered', async () => {
    const res = await postTelegramUpdate(base, 'taxi', telegramCallbackUpdate({ updateId: 20001, chatId: 77, data: 'taxi:order' }), SECRET);
    expect(res.status).toBe(200);
    const sent = await fake.waitFor((m) => m.chat_id === '77');
    expect(sent.text).toBe('Where shall we pick you up?');
    await fake.waitForCall('answerCallbackQuery');
  });

  test('a shared location reaches the bot as ctx.location', async () => {
    await postTelegramUpdate(base, 'taxi', telegramLocationUpdate({ updateId: 20002, chatId: 78, latitude: 48.8584, longitude: 2.2945 }), SECRET);
    expect((await fake.waitFor((m) => m.chat_id === '78')).text).toBe('Pickup at 48.858, 2.295');
  });

  test('an edited message is routed as message:edited', async () => {
    await postTelegramUpdate(base, 'taxi', sample('edited-message'), SECRET);
    const sent = await fake.waitFor(1);
    expect(sent[0]!.text).toMatch(/^Edited: /);
  });

  test('a wrong secret token is 401 and reaches no handler', async () => {
    const res = await postTelegramUpdate(base, 'taxi', { ...sample('start-deep-link'), update_id: 20003 }, 'not-the-secret');
    expect(res.status).toBe(401);
    await sleep(300);
    expect(fake.sent).toHaveLength(0);
  });

  test('a retried webhook (same update_id, three times) is answered once', async () => {
    const update = { ...sample('start-deep-link'), update_id: 20004 };
    const results = await Promise.all([1, 2, 3].map(() => postTelegramUpdate(base, 'taxi', update, SECRET)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    await fake.waitFor(1);
    await sleep(300);
    expect(fake.sent).toHaveLength(1);
  });

  test('an unknown update type is acknowledged and not handled', async () => {
    expect((await postTelegramUpdate(base, 'taxi', sample('poll'), SECRET)).status).toBe(200);
    await sleep(200);
    expect(fake.sent).toHaveLength(0);
  });
});
