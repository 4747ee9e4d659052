/**
 * The same webhook delivered three times at once, for many updates together (a platform
 * retrying under load): each is acknowledged every time, handled once and answered once.
 * (test/integration/ingest.test.ts covers one update, and a retry after it was handled.)
 */
import { telegram } from '../../framework/adapters/telegram/adapter';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { startFakeTelegram, type FakeTelegram } from '../../framework/testing/fake-telegram';
import { postTelegramUpdate, telegramTextUpdate } from '../../framework/testing/post-update';
import { dropPrefix, TELEGRAM_SECRET, telegramSettings, testConfig } from '../helpers/kiosk';
import { redisUrl, uniquePrefix } from '../helpers/redis';
import { sleep, waitUntil } from '../helpers/wait';
import { deliveredCounts, deliveredTwice, deliveryJobCount, echoBot, inboundCounts, textOf } from './helpers';

const UPDATES = 30;
const PARTITIONS = 2;

describe('the same webhook delivered three times concurrently', () => {
  const prefix = uniquePrefix();
  let fake: FakeTelegram;
  let kiosk: Kiosk;
  const handled: string[] = [];

  beforeAll(async () => {
    fake = await startFakeTelegram();
    const config = testConfig(prefix, { echo: { telegram: telegramSettings(fake.apiRoot) } }, { inboundPartitions: PARTITIONS });
    kiosk = createKiosk({ config, bots: [echoBot(handled)], adapters: [telegram], logger: createLogger({ level: 'silent' }) });
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  test('every copy is acknowledged, each update handled and answered once', async () => {
    const base = await kiosk.listen(0);
    const posts = Array.from({ length: UPDATES }, (_, i) => telegramTextUpdate({ updateId: i, chatId: 1000 + i, text: textOf(i) })).flatMap((update) =>
      [1, 2, 3].map(() => postTelegramUpdate(base, 'echo', update, TELEGRAM_SECRET).then((r) => r.status)),
    );
    const statuses = await Promise.all(posts);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3 * UPDATES);

    await waitUntil(() => deliveredCounts(fake).size === UPDATES, 'every reply', 20_000);
    await sleep(500);
    expect(await inboundCounts(redisUrl(), prefix, PARTITIONS)).toEqual({ completed: UPDATES, failed: 0, waiting: 0, active: 0 });
    expect(handled).toHaveLength(UPDATES);
    expect(await deliveryJobCount(redisUrl(), prefix, 'telegram', 'echo')).toBe(UPDATES);
    expect(deliveredTwice(fake)).toEqual([]);
    expect(fake.sent).toHaveLength(UPDATES);
  }, 30_000);
});
