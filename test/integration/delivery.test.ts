/**
 * Delivery through the queue against the fake Telegram server: 429 storms wait and keep
 * order, 5xx retry, permanent errors are recorded, and a handler that runs twice does not
 * show the customer its replies twice.
 */
import { Queue } from 'bullmq';
import { telegram } from '../../framework/adapters/telegram/adapter';
import { Bot } from '../../framework/core/bot';
import { deliveryQueueName } from '../../framework/delivery/queue-names';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { startFakeTelegram, type FakeTelegram } from '../../framework/testing/fake-telegram';
import { postTelegramUpdate, telegramTextUpdate } from '../../framework/testing/post-update';
import { dropPrefix, telegramSettings, testConfig } from '../helpers/kiosk';
import { connect, uniquePrefix } from '../helpers/redis';
import { sleep } from '../helpers/wait';

const SECRET = 'dev-only-telegram-secret';
const PARTITIONS = 2;

describe('delivery', () => {
  const prefix = uniquePrefix();
  let fake: FakeTelegram;
  let kiosk: Kiosk;
  let base: string;
  let updateId = 50_000;
  const failOnce = new Set<string>();

  const post = (chatId: number, text: string) => postTelegramUpdate(base, 'shop', telegramTextUpdate({ updateId: ++updateId, chatId, text }), SECRET);

  beforeAll(async () => {
    fake = await startFakeTelegram();
    const bot = new Bot('shop');
    bot.hears(/^burst (\d+)$/, async (ctx) => {
      const n = Number((ctx.match as RegExpMatchArray)[1]);
      for (let i = 0; i < n; i++) await ctx.reply(`m${i}`);
    });
    bot.hears(/^flaky (\w+)$/, async (ctx) => {
      await ctx.reply('before the crash');
      const tag = (ctx.match as RegExpMatchArray)[1]!;
      if (!failOnce.has(tag)) {
        failOnce.add(tag);
        throw new Error('handler crashed after replying');
      }
      await ctx.reply('after the retry');
    });
    // Let handler errors fail the inbound job so BullMQ retries the update.
    bot.catch((error) => {
      throw error;
    });
    const config = testConfig(prefix, { shop: { telegram: telegramSettings(fake.apiRoot) } }, { inboundPartitions: 2 });
    kiosk = createKiosk({
      config,
      bots: [bot],
      adapters: [telegram],
      logger: createLogger({ level: 'silent' }),
      delivery: { partitions: PARTITIONS, backoffMs: 20 },
    });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  beforeEach(() => fake.reset());

  test('a 429 storm pauses delivery for retry_after, then every message arrives once and in order', async () => {
    fake.failNext(3, { status: 429, retryAfter: 1 });
    expect((await post(1, 'burst 8')).status).toBe(200);
    const sent = await fake.waitFor(8, 15_000);
    await sleep(200);
    expect(fake.sent.map((m) => m.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    const sends = fake.calls.filter((c) => c.method === 'sendMessage');
    const first429 = sends.find((c) => c.status === 429)!;
    const firstSuccess = sends.find((c) => c.status === 200)!;
    // Three 429s in a row, each asking for 1 s: the first success comes at least ~3 s later.
    expect(firstSuccess.at - first429.at).toBeGreaterThanOrEqual(2900);
    expect(sent).toHaveLength(8);
  });

  test('5xx answers are retried with backoff and order is kept', async () => {
    fake.failNext(2, { status: 500 });
    await post(2, 'burst 4');
    await fake.waitFor(4, 10_000);
    await sleep(200);
    expect(fake.sent.map((m) => m.text)).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(fake.calls.filter((c) => c.method === 'sendMessage' && c.status === 500)).toHaveLength(2);
  });

  test('a permanent error (bot blocked) is not retried and stays inspectable as a failed job', async () => {
    fake.failNext(1, { status: 403 });
    await post(3, 'burst 3');
    await fake.waitFor(2, 10_000);
    await sleep(300);
    expect(fake.sent.map((m) => m.text)).toEqual(['m1', 'm2']);
    expect(fake.calls.filter((c) => c.method === 'sendMessage' && c.status === 403)).toHaveLength(1);
    const redis = connect();
    const failed = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const queue = new Queue(deliveryQueueName('telegram', 'shop', p), { connection: redis, prefix });
      failed.push(...(await queue.getFailed()));
      await queue.close();
    }
    redis.disconnect();
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data.message.text).toBe('m0');
    expect(failed[0]!.failedReason).toMatch(/blocked/);
    expect(failed[0]!.attemptsMade).toBeLessThanOrEqual(1);
  });

  test('a handler that crashes after replying and is retried shows each reply once', async () => {
    await post(4, 'flaky one');
    await fake.waitFor((m) => m.text === 'after the retry', 15_000);
    await sleep(300);
    expect(fake.sent.map((m) => m.text)).toEqual(['before the crash', 'after the retry']);
  });
});
