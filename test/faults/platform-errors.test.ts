/**
 * The platform answering 429 (with retry_after) and 500 at random while replies stream out:
 * every reply is delivered once, none is lost to an error and none is sent twice.
 */
import { telegram } from '../../framework/adapters/telegram/adapter';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { startFakeTelegram, type FakeTelegram, type FakeTelegramFailure } from '../../framework/testing/fake-telegram';
import { dropPrefix, telegramSettings, testConfig } from '../helpers/kiosk';
import { redisUrl, uniquePrefix } from '../helpers/redis';
import { sleep, waitUntil } from '../helpers/wait';
import { deliveredCounts, deliveredTwice, deliveryJobCount, echoBot, inboundCounts, postAll } from './helpers';

const UPDATES = 40;
const PARTITIONS = 2;

/** A small seeded generator, so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('the platform answering 429 and 500 at random', () => {
  const prefix = uniquePrefix();
  let fake: FakeTelegram;
  let kiosk: Kiosk;
  const handled: string[] = [];

  beforeAll(async () => {
    fake = await startFakeTelegram();
    const config = testConfig(prefix, { echo: { telegram: telegramSettings(fake.apiRoot) } }, { inboundPartitions: PARTITIONS });
    kiosk = createKiosk({ config, bots: [echoBot(handled)], adapters: [telegram], logger: createLogger({ level: 'silent' }), delivery: { backoffMs: 50 } });
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  test('every reply is delivered exactly once through retries and retry_after pauses', async () => {
    const base = await kiosk.listen(0);
    const seed = Date.now() % 100_000;
    const next = random(seed);
    const failure = (): FakeTelegramFailure => (next() < 0.3 ? { status: 429, retryAfter: 1 } : { status: next() < 0.5 ? 500 : 502 });
    // One of each for certain, then more at random moments while the replies go out.
    fake.failNext(1, { status: 429, retryAfter: 1 });
    fake.failNext(1, { status: 500 });
    let injected = 2;
    let stop = false;
    const injecting = (async () => {
      while (!stop && injected < 12) {
        await sleep(20 + next() * 120);
        fake.failNext(1, failure());
        injected++;
      }
    })();

    const { acknowledged } = await postAll(base, UPDATES, 8);
    expect(acknowledged.size).toBe(UPDATES);
    await waitUntil(() => deliveredCounts(fake).size === UPDATES, `every reply (seed ${seed})`, 25_000);
    stop = true;
    await injecting;
    await sleep(300);

    const refused = fake.calls.filter((c) => c.status !== 200).map((c) => c.status);
    expect(refused).toContain(429);
    expect(refused).toContain(500);
    expect(await inboundCounts(redisUrl(), prefix, PARTITIONS)).toEqual({ completed: UPDATES, failed: 0, waiting: 0, active: 0 });
    expect(new Set(handled).size).toBe(UPDATES);
    expect(await deliveryJobCount(redisUrl(), prefix, 'telegram', 'echo')).toBe(UPDATES);
    expect(deliveredTwice(fake)).toEqual([]);
    expect(fake.sent).toHaveLength(UPDATES);
  }, 30_000);
});
