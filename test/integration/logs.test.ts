/**
 * Logs of a whole Kiosk, captured from its pino destination: customers' names, usernames,
 * phone numbers, texts and locations never appear in them, and one correlation id follows an
 * update from its webhook through its handler and jobs to the delivery of its replies.
 */
import { z } from 'zod';
import { telegram } from '../../framework/adapters/telegram/adapter';
import { whatsapp } from '../../framework/adapters/whatsapp/adapter';
import { Bot } from '../../framework/core/bot';
import { defineJob } from '../../framework/jobs/define-job';
import { inboundJobId } from '../../framework/jobs/partition';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { startFakeTelegram, type FakeTelegram } from '../../framework/testing/fake-telegram';
import { startFakeWhatsapp, type FakeWhatsapp } from '../../framework/testing/fake-whatsapp';
import { postTelegramUpdate, telegramLocationUpdate, telegramTextUpdate } from '../../framework/testing/post-update';
import { postWhatsapp, whatsappText, whatsappWebhook } from '../../framework/testing/whatsapp-client';
import { dropPrefix, TELEGRAM_SECRET, telegramSettings, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { waitUntil } from '../helpers/wait';

const APP_SECRET = 'dev-only-whatsapp-app-secret';
const ACCESS_TOKEN = 'dev-only-whatsapp-access-token';

/** What a customer tells the bot; none of it may reach a log line. */
const PERSONAL = {
  firstName: 'Zephyrine',
  username: 'zephy_private',
  waName: 'Zephyrine Dubois',
  phone: '33612345678',
  text: 'Pick me up at 12 Rue Secrete, call 0612345678',
  latitude: 48.858437,
  longitude: 2.294481,
};
const FORBIDDEN = ['Zephyrine', 'zephy_private', 'Dubois', '33612345678', '0612345678', 'Rue Secrete', '48.858', '2.294'];

/** A log capture: every line pino writes, parsed. */
function capture() {
  const text: string[] = [];
  return {
    text,
    stream: { write: (line: string) => void text.push(line) },
    lines: () => text.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const quote = defineJob({
  name: 'logs.quote',
  schema: z.object({ pickup: z.string() }),
  async handler(job) {
    await job.notify(`A driver can reach ${job.data.pickup} in 4 minutes`);
  },
});

function taxiBot(): Bot {
  const bot = new Bot('taxi');
  bot.on('message:text', async (ctx) => {
    await ctx.reply(`Hello ${ctx.from?.name ?? ''}, you said: ${ctx.text}`);
    await ctx.enqueue(quote, { pickup: ctx.text });
  });
  bot.on('message:location', async (ctx) => {
    await ctx.reply(`Pickup at ${ctx.location.latitude}, ${ctx.location.longitude}`);
    await ctx.enqueue(quote, { pickup: `${ctx.location.latitude},${ctx.location.longitude}` });
  });
  return bot;
}

describe('Kiosk logs', () => {
  const prefix = uniquePrefix();
  const logs = capture();
  let fakeTelegram: FakeTelegram;
  let fakeWhatsapp: FakeWhatsapp;
  let kiosk: Kiosk;
  let base: string;

  beforeAll(async () => {
    fakeTelegram = await startFakeTelegram();
    fakeWhatsapp = await startFakeWhatsapp({ accessTokens: [ACCESS_TOKEN] });
    const whatsappSettings = { phoneNumberId: '106540352242922', accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, verifyToken: 'dev-only-verify', apiRoot: fakeWhatsapp.apiRoot };
    const config = testConfig(prefix, { taxi: { telegram: telegramSettings(fakeTelegram.apiRoot), whatsapp: whatsappSettings } });
    kiosk = createKiosk({ config, bots: [taxiBot()], adapters: [telegram, whatsapp], jobs: [quote], logger: createLogger({ level: 'info', destination: logs.stream }) });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fakeTelegram.close();
    await fakeWhatsapp.close();
    await dropPrefix(prefix);
  });

  const sender = { chatId: 4242, firstName: PERSONAL.firstName, username: PERSONAL.username };

  test('names, usernames, phone numbers, texts and locations never appear in the logs', async () => {
    expect((await postTelegramUpdate(base, 'taxi', telegramTextUpdate({ ...sender, updateId: 31001, text: PERSONAL.text }), TELEGRAM_SECRET)).status).toBe(200);
    expect(
      (await postTelegramUpdate(base, 'taxi', telegramLocationUpdate({ ...sender, updateId: 31002, latitude: PERSONAL.latitude, longitude: PERSONAL.longitude }), TELEGRAM_SECRET)).status,
    ).toBe(200);
    const body = whatsappWebhook({ messages: [whatsappText({ from: PERSONAL.phone, name: PERSONAL.waName, text: PERSONAL.text })] });
    expect((await postWhatsapp(base, 'taxi', body, APP_SECRET)).status).toBe(200);

    // Two replies and two notifications on Telegram, one of each on WhatsApp.
    await fakeTelegram.waitFor(4);
    await fakeWhatsapp.waitFor(2);
    await waitUntil(() => logs.lines().filter((l) => l.msg === 'delivery sent').length >= 6, 'six delivery lines');
    await waitUntil(() => logs.lines().filter((l) => l.msg === 'job completed').length >= 3, 'three job lines');

    // The capture works: the bot really did send the customer's data to the platforms.
    expect(fakeTelegram.sent.map((m) => m.text).join('\n')).toContain(PERSONAL.firstName);
    expect(fakeWhatsapp.sent.map((m) => JSON.stringify(m)).join('\n')).toContain('Rue Secrete');

    const output = logs.text.join('');
    for (const value of FORBIDDEN) expect(output).not.toContain(value);
    // Every stage logged something, so the absence above is not an absence of lines.
    const messages = new Set(logs.lines().map((l) => l.msg));
    for (const stage of ['webhook', 'update received', 'update handled', 'job started', 'job completed', 'delivery sent']) expect(messages).toContain(stage);
  });

  test('one correlation id follows an update from its webhook to its handler, its job and the deliveries of both', async () => {
    const correlationId = inboundJobId({ platform: 'telegram', bot: 'taxi', id: '31001' });
    await waitUntil(() => logs.lines().filter((l) => l.correlationId === correlationId && l.msg === 'delivery sent').length >= 2, 'both deliveries of update 31001');
    const path = logs.lines().filter((l) => l.correlationId === correlationId);
    const stages = path.map((l) => l.msg);
    expect(stages).toEqual(expect.arrayContaining(['update received', 'update handled', 'job started', 'job completed', 'delivery sent']));
    // The reply (keyed by the update) and the job's notification (keyed by the job) are both on the path.
    const deliveries = path.filter((l) => l.msg === 'delivery sent').map((l) => String(l.delivery));
    expect(deliveries.some((d) => d.startsWith(`d-r-${correlationId}-`))).toBe(true);
    expect(deliveries.some((d) => d.startsWith('d-n-'))).toBe(true);
    // The other update's lines carry their own id.
    const other = inboundJobId({ platform: 'telegram', bot: 'taxi', id: '31002' });
    expect(path.some((l) => l.update === '31002')).toBe(false);
    expect(logs.lines().some((l) => l.correlationId === other && l.msg === 'update handled')).toBe(true);
  });
});

describe('Kiosk logs with logPersonalData', () => {
  const prefix = uniquePrefix();
  const logs = capture();
  let fake: FakeTelegram;
  let kiosk: Kiosk;
  let base: string;

  beforeAll(async () => {
    fake = await startFakeTelegram();
    const config = testConfig(prefix, { taxi: { telegram: telegramSettings(fake.apiRoot) } }, { logPersonalData: true });
    kiosk = createKiosk({ config, bots: [taxiBot()], adapters: [telegram], jobs: [quote], logger: createLogger({ destination: logs.stream, logPersonalData: true }) });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  test('the debug option lets the sender and text into "update received" lines', async () => {
    await postTelegramUpdate(base, 'taxi', telegramTextUpdate({ chatId: 4343, firstName: PERSONAL.firstName, updateId: 32001, text: PERSONAL.text }), TELEGRAM_SECRET);
    await waitUntil(() => logs.lines().some((l) => l.msg === 'update received'), 'the update received line');
    const output = logs.text.join('');
    expect(output).toContain(PERSONAL.firstName);
    expect(output).toContain('Rue Secrete');
    // Secrets stay hidden even then.
    expect(output).not.toContain('dev-only-token');
    await fake.waitFor(2);
  });
});
