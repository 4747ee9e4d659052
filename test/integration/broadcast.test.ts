/**
 * Broadcasts: a template rendered per customer and locale, streamed from a generator,
 * delivered at the platform's rate, with a report; a second run sends nobody a copy.
 */
import { join } from 'node:path';
import {
  Bot,
  createKiosk,
  createLogger,
  createTemplates,
  defineAdapter,
  startFakeTelegram,
  telegram,
  type BroadcastRecipient,
  type FakeTelegram,
  type Kiosk,
} from '../../framework/index';
import { dropPrefix, testConfig } from '../helpers/kiosk';
import { connect, uniquePrefix } from '../helpers/redis';
import { waitUntil } from '../helpers/wait';

describe('broadcast', () => {
  const prefix = uniquePrefix();
  let fake: FakeTelegram;
  let kiosk: Kiosk;

  beforeAll(async () => {
    fake = await startFakeTelegram();
    const config = testConfig(prefix, { taxi: { telegram: { token: '123456:dev-only-token', secretToken: 'dev-only-secret', apiRoot: fake.apiRoot } } }, { inboundPartitions: 2 });
    const templates = createTemplates({ root: join(__dirname, '../../templates') });
    kiosk = createKiosk({ config, bots: [new Bot('taxi')], adapters: [telegram], render: templates.render, logger: createLogger({ level: 'silent' }) });
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  async function* customers(n: number): AsyncGenerator<BroadcastRecipient> {
    for (let i = 0; i < n; i++) {
      const locale = ['en', 'fr', 'zh'][i % 3]!;
      yield { conversation: { bot: 'taxi', platform: 'telegram', chat: String(1000 + i), user: String(1000 + i), locale }, data: { driver: `Driver ${i}`, pickup: `Stop ${i}` } };
    }
  }

  test('every recipient gets one message in their language, the report adds up, and a re-run sends nothing', async () => {
    fake.failNext(1, { status: 403 });
    const queued = await kiosk.broadcast({ id: 'arrivals-1', content: 'taxi/arrived', recipients: customers(60), batchSize: 25 });
    expect(queued).toMatchObject({ total: 60, queued: 60, skipped: 0 });
    await waitUntil(async () => (await kiosk.broadcastReport('arrivals-1')).done, 'the broadcast to finish', 20_000);
    const report = await kiosk.broadcastReport('arrivals-1');
    expect(report).toMatchObject({ total: 60, queued: 60, sent: 59, failed: 1, skipped: 0, done: true });
    expect(new Set(fake.sent.map((m) => m.chat_id)).size).toBe(59);
    // Each customer's text is in their locale (en, fr, zh in turn) with their own data.
    const expected = (i: number) =>
      [`Driver ${i} has arrived at Stop ${i}. Have a good trip!`, `Driver ${i} est arrivé à Stop ${i}. Bon voyage !`, `Driver ${i} 已到达Stop ${i}。祝您旅途愉快！`][i % 3];
    for (const message of fake.sent) expect(message.text).toBe(expected(Number(message.chat_id) - 1000));
    const refused = fake.calls.filter((c) => c.status === 403);
    expect(refused).toHaveLength(1);

    const again = await kiosk.broadcast({ id: 'arrivals-1', content: 'taxi/arrived', recipients: customers(60) });
    expect(again).toMatchObject({ total: 120, queued: 60, skipped: 60 });
  });

  test('a recipient whose message cannot be rendered is skipped, not fatal', async () => {
    const recipients: BroadcastRecipient[] = [
      { conversation: { bot: 'taxi', platform: 'telegram', chat: '2001', user: '2001' }, data: { driver: 'Ana', pickup: 'Here' } },
      { conversation: { bot: 'taxi', platform: 'telegram', chat: '2002', user: '2002' }, data: { driver: 'Bo' } },
    ];
    const report = await kiosk.broadcast({ id: 'arrivals-2', content: 'taxi/arrived', recipients });
    expect(report).toMatchObject({ total: 2, queued: 1, skipped: 1 });
  });
});

describe('broadcast footprint in Redis', () => {
  const prefix = uniquePrefix();
  const redis = connect();
  let fake: FakeTelegram;
  let kiosk: Kiosk;
  /** Telegram with a limit high enough for thousands of messages in a test. */
  const fastTelegram = defineAdapter({
    platform: 'telegram',
    settings: telegram.settings,
    create(settings, environment) {
      return { ...telegram.create(settings, environment), limits: { perSecond: 5000, perChatPerSecond: 5000 } };
    },
  });

  beforeAll(async () => {
    fake = await startFakeTelegram();
    const config = testConfig(prefix, { bills: { telegram: { token: '123456:dev-only-token', secretToken: 'dev-only-secret', apiRoot: fake.apiRoot } } });
    kiosk = createKiosk({ config, bots: [new Bot('bills')], adapters: [fastTelegram], logger: createLogger({ level: 'silent' }), delivery: { partitions: 16 } });
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
    redis.disconnect();
  });

  function* bills(n: number, from: number): Generator<BroadcastRecipient> {
    for (let i = 0; i < n; i++) yield { conversation: { bot: 'bills', platform: 'telegram', chat: String(from + i), user: String(from + i) } };
  }

  async function keysMatching(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  }

  /** Waits for the report to be done and every delivery job of the broadcast but the `failed` ones to be gone. */
  async function delivered(id: string, failed = 0) {
    await waitUntil(async () => (await kiosk.broadcastReport(id)).done, `broadcast ${id} to finish`, 30_000);
    await waitUntil(async () => (await keysMatching(`${prefix}:delivery-*:d-b-${id}-*`)).length === failed, `the delivered jobs of ${id} to be removed`);
  }

  /** Keys under the prefix and the bytes they take (`MEMORY USAGE`), by Redis type. */
  async function footprint() {
    const keys = await keysMatching(`${prefix}:*`);
    let bytes = 0;
    let streamBytes = 0;
    for (const key of keys) {
      const size = Number(await redis.memory('USAGE', key, 'SAMPLES', '0'));
      if ((await redis.type(key)) === 'stream') streamBytes += size;
      else bytes += size;
    }
    return { keys: keys.length, bytes, streamBytes };
  }

  test('a broadcast run again after its delivered jobs were removed sends nobody a second copy; a failed one stays to inspect', async () => {
    fake.failNext(1, { status: 403 });
    const first = await kiosk.broadcast({ id: 'rerun-1', content: 'Your bill is ready.', recipients: bills(40, 5000) });
    expect(first).toMatchObject({ total: 40, queued: 40, skipped: 0 });
    await delivered('rerun-1', 1);
    expect(await kiosk.broadcastReport('rerun-1')).toMatchObject({ sent: 39, failed: 1 });
    const [failedJob] = await keysMatching(`${prefix}:delivery-*:d-b-rerun-1-*`);
    expect(await redis.hget(failedJob!, 'failedReason')).toMatch(/Not delivered/);

    // The same 40 customers and 10 new ones.
    const again = await kiosk.broadcast({ id: 'rerun-1', content: 'Your bill is ready.', recipients: bills(50, 5000) });
    expect(again).toMatchObject({ total: 90, queued: 50, skipped: 40 });
    await delivered('rerun-1', 1);
    expect(await kiosk.broadcastReport('rerun-1')).toMatchObject({ queued: 50, sent: 49, failed: 1 });
    const perChat = new Map<string, number>();
    for (const m of fake.sent) if (Number(m.chat_id) >= 5000 && Number(m.chat_id) < 5050) perChat.set(m.chat_id, (perChat.get(m.chat_id) ?? 0) + 1);
    expect(perChat.size).toBe(49);
    expect([...perChat.values()].every((n) => n === 1)).toBe(true);
  });

  test('a delivered 2,000-recipient broadcast leaves Redis under 0.01 keys and 100 bytes per recipient', async () => {
    const before = await footprint();
    await kiosk.broadcast({ id: 'footprint-1', content: 'Your bill is ready.', recipients: bills(2000, 100_000) });
    await delivered('footprint-1');
    expect(await kiosk.broadcastReport('footprint-1')).toMatchObject({ total: 2000, queued: 2000, sent: 2000 });
    const after = await footprint();
    // Kept: the report, the list of recipients (one short hash each) and the queues' keys.
    // BullMQ's event streams are capped per queue (10,000 events) whatever the size, so apart.
    expect((after.keys - before.keys) / 2000).toBeLessThan(0.01);
    expect((after.bytes - before.bytes) / 2000).toBeLessThan(100);
    expect(after.streamBytes).toBeLessThan(8 * 2 ** 20);
  });
});
