/**
 * Redis killed and restarted under a stream of webhooks. While it is down webhooks are
 * answered 503 (the platform retries); every update acknowledged before the crash is handled
 * after it, because the deployment's Redis fsyncs its append-only file on every write; and
 * in the end acknowledged = handled = delivered, none twice.
 * (test/integration/redis-outage.test.ts covers one update and the health routes.)
 */
import { telegram } from '../../framework/adapters/telegram/adapter';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { startFakeTelegram, type FakeTelegram } from '../../framework/testing/fake-telegram';
import { telegramSettings, testConfig } from '../helpers/kiosk';
import { sleep, waitUntil } from '../helpers/wait';
import { startDurableRedis, type DurableRedis } from './durable-redis';
import { deliveredCounts, deliveredTwice, deliveryJobCount, echoBot, inboundCounts, postAll, textOf } from './helpers';

const UPDATES = 100;
const PARTITIONS = 2;

describe('Redis killed and restarted under load', () => {
  let redis: DurableRedis;
  let fake: FakeTelegram;
  let kiosk: Kiosk;
  const handled: string[] = [];

  beforeAll(async () => {
    redis = await startDurableRedis();
    fake = await startFakeTelegram();
  });

  afterAll(async () => {
    await redis.start().catch(() => undefined);
    await kiosk?.close();
    await fake.close();
    await redis.dispose();
  });

  test('503 while it is down; every update acknowledged before the crash is handled after it; none twice', async () => {
    const config = testConfig('kiosk', { echo: { telegram: telegramSettings(fake.apiRoot) } }, { inboundPartitions: PARTITIONS }, redis.url);
    kiosk = createKiosk({ config, bots: [echoBot(handled, 20)], adapters: [telegram], logger: createLogger({ level: 'silent' }) });
    const base = await kiosk.listen(0);
    await kiosk.startWorkers();

    const acknowledged = new Set<number>();
    const statuses: number[] = [];
    const posting = postAll(base, UPDATES, 6, 100, acknowledged, statuses);
    await waitUntil(() => acknowledged.size >= 30, 'the first acknowledgements');
    await redis.kill();
    const ackedBeforeCrash = [...acknowledged];
    // Handlers are slower than ingest: some acknowledged updates wait in Redis at the crash.
    expect(handled.length).toBeLessThan(ackedBeforeCrash.length);

    await waitUntil(() => statuses.includes(503), 'a webhook answered 503 while Redis is down');
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    const acknowledgedWhileDown = acknowledged.size;
    await sleep(800);
    // Requests in flight at the crash may still have been acknowledged; none after that.
    expect(acknowledged.size).toBe(acknowledgedWhileDown);
    await redis.start();

    await posting;
    expect(acknowledged.size).toBe(UPDATES);
    await waitUntil(() => deliveredCounts(fake).size === UPDATES, 'every reply', 25_000);
    await sleep(300);

    for (const i of ackedBeforeCrash) expect(handled).toContain(textOf(i));
    expect(await inboundCounts(redis.url, 'kiosk', PARTITIONS)).toEqual({ completed: UPDATES, failed: 0, waiting: 0, active: 0 });
    expect(new Set(handled).size).toBe(UPDATES);
    expect(await deliveryJobCount(redis.url, 'kiosk', 'telegram', 'echo')).toBe(UPDATES);
    expect(deliveredTwice(fake)).toEqual([]);
    expect(fake.sent).toHaveLength(UPDATES);
  }, 30_000);
});
